import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import Database from 'better-sqlite3';
import { DATABASE_PART, MANIFEST_NAME, newManifest, platformVersion, type BackupManifest } from './manifest.js';
import { hashFile, inspectSnapshot, noteInAuditLog } from './snapshot.js';
import { tarStream } from './tar.js';

/**
 * `panjareh backup` on SQLite: a consistent copy of the database taken while the platform serves,
 * in one archive (`.tar.gz`: `manifest.json`, then `panjareh.sqlite`).
 *
 * Everything the platform keeps is in that one database: uploaded files (`stored_files`), the signing
 * keys of OpenID, consent tokens, audit seals and documents with the documents' certificate, the
 * shared secrets (cookies, CSRF, the one-time codes' pepper), both audit logs. The data directory holds
 * nothing else but SQLite's -wal and -shm, which the copy folds in. So the archive is the whole
 * platform, and as secret as its keys: it is written readable by its owner only.
 *
 * The copy is SQLite's online backup API (better-sqlite3's `backup()`) on a connection of its own to
 * the live file: in WAL mode it reads one snapshot while the platform's connections go on writing.
 * Every page is copied in a single step, inside one read transaction, so the copy is never restarted
 * by a write made meanwhile (the API restarts a copy made in several steps when another connection
 * writes between them, and under steady load such a copy might never finish). That step blocks only
 * this process, never the platform's.
 */

export interface BackupResult {
  manifest: BackupManifest;
  /** The archive's own size and SHA-256, to keep apart from it. */
  archive: { bytes: number; sha256: string };
  /** Why the backup could not be recorded in the live database's audit log (`backup.create`); null when it was. */
  notRecorded: string | null;
}

export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

export const databaseFile = (dataDir: string) => path.join(dataDir, DATABASE_PART);

/** Writes the backup of the database in `dataDir` to `output`: a new file (never overwritten) or a stream (standard output). */
export async function backupSqlite(o: { dataDir: string; output: { file: string } | { stream: Writable }; nodeId?: string | null }): Promise<BackupResult> {
  const source = databaseFile(o.dataDir);
  if (!fs.existsSync(source)) throw new BackupRefused(`there is no SQLite database at ${source}: nothing to back up (PANJAREH_DATA_DIR names the data directory)`);
  if ('file' in o.output && fs.existsSync(o.output.file)) throw new BackupRefused(`${o.output.file} already exists: give a new file name (a backup never overwrites one)`);
  // The copy goes beside the live database: the same disk, under the same protection as it.
  const copy = path.join(o.dataDir, `.${DATABASE_PART}.backup-${process.pid}-${randomBytes(4).toString('hex')}`);
  const removeCopy = () => fs.rmSync(copy, { force: true });
  const interrupted = (signal: NodeJS.Signals) => {
    removeCopy();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const createdAt = new Date().toISOString();
    const live = new Database(source, { readonly: true, fileMustExist: true });
    try {
      live.pragma('busy_timeout = 10000');
      await live.backup(copy, { progress: () => 0x7fffffff });
    } finally {
      live.close();
    }
    fs.chmodSync(copy, 0o600);
    const facts = inspectSnapshot(copy);
    const part = { name: DATABASE_PART, ...(await hashFile(copy)) };
    const manifest = newManifest({
      panjareh: platformVersion(),
      createdAt,
      node: { hostname: os.hostname(), nodeId: o.nodeId ?? null, nodejs: process.version },
      database: { dialect: 'sqlite', part: DATABASE_PART, pageSize: facts.pageSize, pages: facts.pages },
      migrations: facts.migrations,
      tables: facts.tables,
      parts: [part],
    });
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    const entries = [
      { name: MANIFEST_NAME, size: manifestBytes.length, mtime: new Date(createdAt), body: () => [manifestBytes] },
      { name: DATABASE_PART, size: part.bytes, mtime: new Date(createdAt), body: () => fs.createReadStream(copy, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer> },
    ];
    const archive = await writeArchive(o.output, () => Readable.from(tarStream(entries)));
    let notRecorded: string | null = null;
    try {
      noteInAuditLog(source, { action: 'backup.create', subject: `backup:${archive.sha256}`, detail: { createdAt, output: 'file' in o.output ? o.output.file : '-', bytes: archive.bytes, host: os.hostname() } });
    } catch (e) {
      notRecorded = (e as Error).message;
    }
    return { manifest, archive, notRecorded };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    removeCopy();
  }
}

/**
 * Gzips the tar stream into the output, hashing what is written. A file is written under a temporary
 * name, flushed to disk, and only then given its name, so that a backup cut short never looks whole.
 */
async function writeArchive(output: { file: string } | { stream: Writable }, tar: () => Readable): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  if ('stream' in output) {
    await pipeline(tar(), createGzip(), counted, output.stream, { end: false });
    if (output.stream.writableNeedDrain) await once(output.stream, 'drain');
    return { bytes, sha256: hash.digest('hex') };
  }
  const partial = `${output.file}.partial-${randomBytes(4).toString('hex')}`;
  try {
    await pipeline(tar(), createGzip(), counted, fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
    const fh = await fs.promises.open(partial, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    // A hard link fails when the name is taken, where a rename would replace the file.
    fs.linkSync(partial, output.file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupRefused(`${output.file} already exists: give a new file name (a backup never overwrites one)`);
    throw e;
  } finally {
    fs.rmSync(partial, { force: true });
  }
  return { bytes, sha256: hash.digest('hex') };
}
