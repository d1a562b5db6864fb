import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DATABASE_PART, MANIFEST_MAX_BYTES, MANIFEST_NAME, parseManifest, type BackupManifest } from './manifest.js';
import { inspectSnapshot, noteInAuditLog } from './snapshot.js';
import { readTar, TarError, type TarEntry } from './tar.js';

/**
 * `panjareh restore`: a backup archive back into an empty data directory. Nothing is put in place
 * before every part has been checked against the manifest's SHA-256 and size and the database has
 * passed SQLite's quick_check: the parts are written to a staging directory inside the target first,
 * then moved into it. A refused restore leaves the target as it found it.
 */

export class RestoreRefused extends Error {
  override name = 'RestoreRefused';
}

export interface RestoreResult {
  manifest: BackupManifest;
  dataDir: string;
  /** The archive's size and SHA-256, to compare with the one kept when it was taken. */
  archive: { bytes: number; sha256: string };
}

/** Left alone in a target directory: the file system's own on a volume's root. */
const IGNORED = new Set(['lost+found']);

function contentsOf(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => !IGNORED.has(n));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new RestoreRefused(`${dir} is a file, not a directory`);
    throw e;
  }
}

function refuseNonEmpty(dir: string, found: string[]): never {
  const shown = found.slice(0, 3).join(', ') + (found.length > 3 ? `, and ${found.length - 3} more` : '');
  throw new RestoreRefused(`${dir} is not empty (it holds ${shown}): a restore goes only into an empty data directory, so that it never overwrites a database. Move what is there aside, or name another directory with --data-dir`);
}

const damaged = (why: string) => new RestoreRefused(`the archive is refused: ${why}; nothing was restored`);

export async function restoreSqlite(o: { input: { file: string } | { stream: Readable }; dataDir: string }): Promise<RestoreResult> {
  const dataDir = path.resolve(o.dataDir);
  const before = contentsOf(dataDir);
  if (before.length) refuseNonEmpty(dataDir, before);
  if ('file' in o.input && !fs.existsSync(o.input.file)) throw new RestoreRefused(`${o.input.file} does not exist`);
  const created = !fs.existsSync(dataDir);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const staging = fs.mkdtempSync(path.join(dataDir, '.restore-'));
  const source = 'file' in o.input ? fs.createReadStream(o.input.file) : o.input.stream;
  const archiveHash = createHash('sha256');
  let archiveBytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      archiveHash.update(chunk);
      archiveBytes += chunk.length;
      done(null, chunk);
    },
  });
  const unpacked = new PassThrough();
  // Errors of the file or the gzip (a bad CRC, a cut-off stream) reach the reader through `unpacked`.
  const flowing = pipeline(source, tap, createGunzip(), unpacked).catch((e: unknown) => {
    unpacked.destroy(e as Error);
  });
  try {
    const manifest = await extract(readTar(unpacked), staging);
    // The database opens, passes SQLite's own check, and is the one the manifest describes.
    const staged = path.join(staging, DATABASE_PART);
    let facts;
    try {
      facts = inspectSnapshot(staged);
    } catch (e) {
      throw damaged((e as Error).message);
    }
    if (facts.migrations.join('\n') !== manifest.migrations.join('\n')) throw damaged('its database does not hold the schema migrations its manifest lists');
    // The tar stream was read to its end, so the whole archive has gone through the hash.
    await flowing;
    const archive = { sha256: archiveHash.digest('hex'), bytes: archiveBytes };
    noteInAuditLog(staged, { action: 'backup.restore', subject: `backup:${archive.sha256}`, detail: { createdAt: manifest.createdAt, panjareh: manifest.panjareh, node: manifest.node, dataDir } });
    const now = contentsOf(dataDir).filter((n) => n !== path.basename(staging));
    if (now.length) refuseNonEmpty(dataDir, now);
    for (const p of manifest.parts) fs.renameSync(path.join(staging, p.name), path.join(dataDir, p.name));
    return { manifest, dataDir, archive };
  } catch (e) {
    if (e instanceof TarError) throw damaged(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') throw damaged(`it is cut short (${(e as Error).message})`);
    if (code?.startsWith('Z_')) throw damaged(`it is not a gzip-compressed backup, or it is damaged (${(e as Error).message})`);
    throw e;
  } finally {
    unpacked.destroy();
    source.destroy();
    await flowing;
    fs.rmSync(staging, { recursive: true, force: true });
    if (created && contentsOf(dataDir).length === 0) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Writes each part to `dir`, checking it against the manifest that must come first; returns the manifest once every part has matched. */
async function extract(entries: AsyncGenerator<TarEntry>, dir: string): Promise<BackupManifest> {
  const first = await entries.next();
  if (first.done || first.value.name !== MANIFEST_NAME) throw damaged(`it does not start with ${MANIFEST_NAME}: it is not a Panjareh backup`);
  if (first.value.size > MANIFEST_MAX_BYTES) throw damaged(`its ${MANIFEST_NAME} is too large to be one`);
  const chunks: Buffer[] = [];
  for await (const c of first.value.body) chunks.push(c);
  let manifest: BackupManifest;
  try {
    manifest = parseManifest(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw damaged((e as Error).message);
  }
  const expected = new Map(manifest.parts.map((p) => [p.name, p]));
  const seen = new Set<string>();
  for await (const entry of entries) {
    const part = expected.get(entry.name);
    if (!part || seen.has(entry.name)) throw damaged(`it holds ${entry.name}, which its manifest does not list`);
    seen.add(entry.name);
    const hash = createHash('sha256');
    const out = fs.createWriteStream(path.join(dir, entry.name), { flags: 'wx', mode: 0o600 });
    await pipeline(
      entry.body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const c of source) {
          hash.update(c);
          yield c;
        }
      },
      out,
    );
    const sha256 = hash.digest('hex');
    if (entry.size !== part.bytes || sha256 !== part.sha256) {
      throw damaged(`its ${entry.name} does not match the manifest (${entry.size} bytes with SHA-256 ${sha256}; the manifest says ${part.bytes} bytes with ${part.sha256}): the archive is damaged or was changed`);
    }
  }
  const missing = manifest.parts.filter((p) => !seen.has(p.name)).map((p) => p.name);
  if (missing.length) throw damaged(`it lacks ${missing.join(', ')}, which its manifest lists: it is incomplete`);
  return manifest;
}
