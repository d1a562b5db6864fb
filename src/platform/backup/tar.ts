import { once } from 'node:events';
import { extract, pack } from 'tar-stream';

/**
 * A backup archive's tar layer, on tar-stream: regular files with plain names, written and read as
 * streams so that a database of any size passes through in small pieces (sizes of 8 GiB and more in
 * the base-256 form GNU tar and bsdtar read). `tar -tzvf` and `tar -xzf` read what this writes.
 */

/** A file name an archive may hold: one plain name, no directory, nothing that climbs out of where it is extracted. */
export const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface TarSource {
  name: string;
  size: number;
  mtime: Date;
  body: () => AsyncIterable<Buffer> | Iterable<Buffer>;
}

export interface TarEntry {
  name: string;
  size: number;
  /** The entry's bytes, in pieces; read it to its end (what is left unread is skipped). */
  body: AsyncIterable<Buffer>;
}

export class TarError extends Error {
  override name = 'TarError';
}

/** The archive's bytes: each entry's header and bytes, then the end marker. */
export async function* tarStream(entries: TarSource[]): AsyncGenerator<Buffer> {
  const p = pack();
  const feeding = (async () => {
    for (const e of entries) {
      if (!PLAIN_NAME.test(e.name)) throw new TarError(`"${e.name}" is not a plain file name`);
      const entry = p.entry({ name: e.name, size: e.size, mtime: e.mtime, mode: 0o600, type: 'file' });
      // A failure reaches the reader through the archive's stream (destroyed below); the entry's own copy of it is not another.
      entry.on('error', () => {});
      let n = 0;
      for await (const chunk of e.body()) {
        n += chunk.length;
        // A file that grew while it was read would overrun its header's size: stop before tar-stream does.
        if (n > e.size) break;
        if (!entry.write(chunk)) await once(entry as never, 'drain');
      }
      if (n !== e.size) throw new TarError(`${e.name} changed while it was archived (${n} bytes or more, not ${e.size})`);
      (entry as unknown as { end(): void }).end();
    }
    p.finalize();
  })();
  feeding.catch((e: unknown) => p.destroy(e as Error));
  for await (const chunk of p as AsyncIterable<Buffer>) yield chunk;
  await feeding;
}

/**
 * The entries of an archive, in order. Only regular files with plain names are accepted: anything
 * else (directories, links, paths, devices) is refused, so extracting never writes outside the
 * directory chosen for it. A damaged or cut archive is a TarError.
 */
export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const x = extract();
  let ended = false;
  (async () => {
    try {
      for await (const chunk of source) if (!x.write(chunk)) await once(x as never, 'drain');
      ended = true;
      (x as unknown as { end(): void }).end();
    } catch (e) {
      x.destroy(e as Error);
    }
  })();
  try {
    for await (const entry of x) {
      const h = entry.header;
      if (h.type !== 'file' || !PLAIN_NAME.test(h.name)) throw new TarError(`the archive holds "${h.name}" (${h.type}), which is not a plain file of a backup`);
      yield { name: h.name, size: h.size ?? 0, body: asTarErrors(entry as AsyncIterable<Buffer>) };
      // Whatever the reader left of the entry: the next one starts after it.
      entry.resume();
    }
  } catch (e) {
    throw asTarError(e);
  }
  if (!ended) throw new TarError('the archive ends in the middle: it is incomplete');
}

/** The errors of the layers under the tar (gzip's, the file's) carry a code and pass as they are; tar-stream's own mean a damaged archive. */
function asTarError(e: unknown): unknown {
  if (e instanceof TarError || (e as { code?: string }).code) return e;
  return new TarError(`the archive is damaged or incomplete (${(e as Error).message})`);
}

async function* asTarErrors(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* body;
  } catch (e) {
    throw asTarError(e);
  }
}
