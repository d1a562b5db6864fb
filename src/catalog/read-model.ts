import type { Channel, ChannelType, Localized, Organization, ServiceData, Term, ThematicWindow } from './model.js';
import { searchKey } from '../platform/text.js';
import { FacetCounter, type Facets } from './facets.js';
import { SearchIndex } from './search-index.js';
import * as store from './store.js';
import type { CatalogDb, ReferenceData } from './store.js';

/**
 * The public side of the catalogue, held in memory on every node: the live services, the reference
 * data and the search index. It is never the only copy — it is rebuilt from the database at start and
 * follows the `catalog_changes` feed, so a publish on any node reaches every node.
 */

export interface ServiceSummary {
  code: string;
  slug: string;
  title: Localized;
  summary: Localized;
  organization: { code: string; name: Localized };
  topics: Term[];
  lifeEvents: Term[];
  channels: Channel[];
  smart: boolean;
}

export interface SearchParams {
  q?: string;
  organization?: string;
  topic?: string;
  lifeEvent?: string;
  channel?: ChannelType;
  smart?: boolean;
  window?: string;
  lang?: 'fa' | 'en';
  page: number;
  pageSize: number;
}

export interface SearchResult {
  items: ServiceSummary[];
  total: number;
  page: number;
  pageSize: number;
  facets: Facets;
}

export class CatalogReadModel {
  private services = new Map<string, ServiceData>();
  private published = new Map<string, string>();
  private bySlug = new Map<string, string>();
  private orgs = new Map<string, Organization>();
  /** Organisation code in lower case → the code as written (codes are unique without regard to case). */
  private orgCodes = new Map<string, string>();
  /** Exchange member id in lower case → the organisation that is that member. */
  private memberOrgs = new Map<string, string>();
  private topics = new Map<string, Term>();
  private lifeEvents = new Map<string, Term>();
  private windows = new Map<string, ThematicWindow>();
  private index = new SearchIndex();
  private facets = new FacetCounter({ organization: (c) => this.orgs.get(c)?.name, topic: (c) => this.topics.get(c)?.name, lifeEvent: (c) => this.lifeEvents.get(c)?.name });
  /** Codes in title order per language, for listings without a query. */
  private order: Record<'fa' | 'en', string[]> = { fa: [], en: [] };
  /**
   * Recent results by normalised query and filters (LRU). People search for the same few hundred things
   * all day; a hit skips the index. Emptied on every change to the index, so it is never stale.
   */
  private cache = new Map<string, SearchResult>();
  private static readonly CACHE_SIZE = 2000;
  private askedOnce = new Set<string>();
  private cacheHits = 0;
  private searchObserver: ((kind: 'text' | 'browse', cached: boolean, seconds: number) => void) | null = null;
  private lastChange = 0;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  lastRebuildMs = 0;

  constructor(private readonly db: CatalogDb) {}

  /** Loads everything from the database and builds the index anew. */
  async rebuild(): Promise<void> {
    const started = performance.now();
    // Read the feed position first: a change committed while we load is then applied again, never missed.
    const position = await store.latestChangeId(this.db);
    const [ref, live] = await Promise.all([store.loadReference(this.db), store.loadLiveServices(this.db)]);
    const services = live.map((l) => l.data);
    this.setReference(ref);
    this.published = new Map(live.map((l) => [l.data.code, l.publishedAt]));
    this.services = new Map(services.map((s) => [s.code, s]));
    this.bySlug = new Map(services.map((s) => [s.slug, s.code]));
    this.index.rebuild(services, this.orgs);
    this.reorder();
    this.cache.clear();
    this.lastChange = Math.max(this.lastChange, position);
    this.lastRebuildMs = performance.now() - started;
  }

  /** Applies the changes other nodes (or this one) committed since the last look. */
  sync(): Promise<void> {
    // One sync at a time; a caller arriving meanwhile waits for the running one.
    this.syncing ??= this.syncOnce().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    for (;;) {
      const changes = await store.changesSince(this.db, this.lastChange, 1000);
      if (changes.length === 0) return;
      const last = changes[changes.length - 1]!.id;
      if (changes.length >= 1000 || changes.some((c) => c.kind === 'reference')) {
        await this.rebuild();
        this.lastChange = Math.max(this.lastChange, last);
        continue;
      }
      for (const code of new Set(changes.map((c) => c.code))) await this.refreshService(code);
      this.lastChange = last;
      this.reorder();
      this.cache.clear();
    }
  }

  /** Follows the change feed every `intervalMs`; errors are logged and retried on the next tick. */
  startFollowing(intervalMs: number, onError: (e: unknown) => void): void {
    this.stopFollowing();
    this.timer = setInterval(() => this.sync().catch(onError), intervalMs);
    this.timer.unref();
  }

  stopFollowing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async refreshService(code: string): Promise<void> {
    const old = this.services.get(code);
    if (old) this.bySlug.delete(old.slug);
    const live = await store.loadLiveService(this.db, code);
    if (!live) {
      this.services.delete(code);
      this.published.delete(code);
      this.index.remove(code);
      return;
    }
    const s = live.data;
    this.published.set(code, live.publishedAt);
    this.services.set(code, s);
    this.bySlug.set(s.slug, code);
    this.index.upsert(s, this.orgs.get(s.organization));
  }

  private setReference(ref: ReferenceData): void {
    this.orgs = new Map(ref.organizations.map((o) => [o.code, o]));
    this.orgCodes = new Map(ref.organizations.map((o) => [o.code.toLowerCase(), o.code]));
    this.memberOrgs = new Map(ref.organizations.flatMap((o) => o.exchangeMembers.map((m) => [m.toLowerCase(), o.code] as const)));
    this.topics = new Map(ref.topics.map((t) => [t.code, t]));
    this.lifeEvents = new Map(ref.lifeEvents.map((t) => [t.code, t]));
    this.windows = new Map(ref.windows.map((w) => [w.code, w]));
  }

  private reorder(): void {
    const all = [...this.services.values()];
    for (const lang of ['fa', 'en'] as const) {
      const collator = new Intl.Collator(lang);
      this.order[lang] = all.sort((a, b) => collator.compare(a.title[lang], b.title[lang])).map((s) => s.code);
    }
  }

  // ---- reads -------------------------------------------------------------------------------

  get size(): number {
    return this.services.size;
  }

  service(codeOrSlug: string): ServiceData | undefined {
    return this.services.get(codeOrSlug) ?? this.services.get(this.bySlug.get(codeOrSlug) ?? '');
  }

  /** When the live version of a service was published (ISO time). */
  publishedAt(code: string): string | undefined {
    return this.published.get(code);
  }

  /** An organisation by its code, in any letter case (`police-pass` finds `POLICE-PASS`). */
  organization(code: string): Organization | undefined {
    return this.orgs.get(code) ?? this.orgs.get(this.orgCodes.get(code.toLowerCase()) ?? '');
  }

  /**
   * The organisation that is an exchange member, given the member (`IR/GOV/NOCR`) or anything under it
   * (the subsystem `IR/GOV/NOCR/registry`, a service id); undefined when no organisation names it.
   */
  organizationOfMember(memberId: string): Organization | undefined {
    const member = memberId.split('/').slice(0, 3).join('/').toLowerCase();
    const code = this.memberOrgs.get(member);
    return code === undefined ? undefined : this.orgs.get(code);
  }

  /** The exchange members that are this organisation (empty when it has none or is unknown). */
  membersOfOrganization(code: string): string[] {
    return this.organization(code)?.exchangeMembers ?? [];
  }
  topic(code: string): Term | undefined {
    return this.topics.get(code);
  }
  lifeEvent(code: string): Term | undefined {
    return this.lifeEvents.get(code);
  }
  window(code: string): ThematicWindow | undefined {
    return this.windows.get(code);
  }
  allOrganizations(): Organization[] {
    return [...this.orgs.values()];
  }
  allTopics(): Term[] {
    return [...this.topics.values()];
  }
  allLifeEvents(): Term[] {
    return [...this.lifeEvents.values()];
  }
  allWindows(): ThematicWindow[] {
    return [...this.windows.values()];
  }

  /** How many live services each organisation provides (for the organisation list). */
  serviceCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const s of this.services.values()) counts.set(s.organization, (counts.get(s.organization) ?? 0) + 1);
    return counts;
  }

  inWindow(s: ServiceData, w: ThematicWindow): boolean {
    return w.services.includes(s.code) || w.organizations.includes(s.organization) || s.topics.some((t) => w.topics.includes(t));
  }

  summary(s: ServiceData): ServiceSummary {
    const org = this.orgs.get(s.organization);
    return {
      code: s.code,
      slug: s.slug,
      title: s.title,
      summary: s.summary,
      organization: { code: s.organization, name: org?.name ?? { fa: s.organization, en: s.organization } },
      topics: s.topics.map((t) => this.topics.get(t) ?? { code: t, name: { fa: t, en: t } }),
      lifeEvents: s.lifeEvents.map((t) => this.lifeEvents.get(t) ?? { code: t, name: { fa: t, en: t } }),
      channels: s.channels,
      smart: s.smart,
    };
  }

  /** Times every search from now on (metrics): whether it had words, whether the cache answered it. */
  observeSearch(o: (kind: 'text' | 'browse', cached: boolean, seconds: number) => void): void {
    this.searchObserver = o;
  }

  search(params: SearchParams): SearchResult {
    const o = this.searchObserver;
    if (!o) return this.lookUp(params);
    const t0 = performance.now();
    const hits = this.cacheHits;
    const result = this.lookUp(params);
    o(params.q?.trim() ? 'text' : 'browse', this.cacheHits !== hits, (performance.now() - t0) / 1000);
    return result;
  }

  private lookUp(params: SearchParams): SearchResult {
    // A facet link or an API caller may write an organisation code in another letter case.
    const p = params.organization ? { ...params, organization: this.organization(params.organization)?.code ?? params.organization } : params;
    const key = JSON.stringify([searchKey(p.q ?? '').trim(), p.organization, p.topic, p.lifeEvent, p.channel, p.smart, p.window, p.lang, p.page, p.pageSize]);
    const hit = this.cache.get(key);
    if (hit) {
      this.cacheHits++;
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const result = this.compute(p);
    // Only a search asked for a second time is kept: the long tail of one-off searches would push the
    // popular ones out and give the garbage collector thousands of large objects to move and free.
    if (!this.askedOnce.has(key)) {
      if (this.askedOnce.size >= CatalogReadModel.CACHE_SIZE * 10) this.askedOnce.clear();
      this.askedOnce.add(key);
      return result;
    }
    this.cache.set(key, result);
    if (this.cache.size > CatalogReadModel.CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return result;
  }

  private compute(p: SearchParams): SearchResult {
    const q = p.q?.trim();
    let codes: string[];
    if (q) {
      const exact = this.service(q.toUpperCase()) ?? this.service(q.toLowerCase());
      codes = this.index.search(q, p.lang).map((h) => h.code);
      if (exact) codes = [exact.code, ...codes.filter((c) => c !== exact.code)];
    } else {
      codes = this.order[p.lang ?? 'fa'];
    }
    const win = p.window ? this.windows.get(p.window) : undefined;
    const matched: ServiceData[] = [];
    for (const code of codes) {
      const s = this.services.get(code);
      if (!s) continue;
      if (p.organization && s.organization !== p.organization) continue;
      if (p.topic && !s.topics.includes(p.topic)) continue;
      if (p.lifeEvent && !s.lifeEvents.includes(p.lifeEvent)) continue;
      if (p.channel && !s.channels.some((c) => c.type === p.channel)) continue;
      if (p.smart !== undefined && s.smart !== p.smart) continue;
      if (p.window && (!win || !this.inWindow(s, win))) continue;
      matched.push(s);
    }
    const start = (p.page - 1) * p.pageSize;
    return {
      items: matched.slice(start, start + p.pageSize).map((s) => this.summary(s)),
      total: matched.length,
      page: p.page,
      pageSize: p.pageSize,
      facets: this.facets.count(matched),
    };
  }
}
