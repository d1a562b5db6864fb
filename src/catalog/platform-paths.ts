/**
 * The pages of this platform that a `platform` channel may lead to. The catalogue does not know the
 * web layer, so whoever serves such pages registers them here under a name of its own: the
 * composition (src/app.ts) registers the inquiries; a capability whose pages come and go with its data
 * (online applications at `/services/{slug}/apply`) registers a source that reads them when asked.
 * An import or a console edit naming a path no source lists is refused.
 */

/** The paths a source serves, language-neutral (`/inquiries/vehicle-fines`, never `/en/…`). */
export type PlatformPathSource = () => Iterable<string> | Promise<Iterable<string>>;

export class PlatformPaths {
  private readonly sources = new Map<string, PlatformPathSource>();

  /** Adds (or, under the same name, replaces) a source of paths. */
  register(name: string, source: PlatformPathSource): void {
    this.sources.set(name, source);
  }

  unregister(name: string): void {
    this.sources.delete(name);
  }

  /** Every path the registered sources serve now. */
  async known(): Promise<Set<string>> {
    const all = new Set<string>();
    for (const source of this.sources.values()) for (const path of await source()) all.add(path);
    return all;
  }
}
