import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { sql, type Kysely } from 'kysely';
import { CANONICAL_ORDER, type AuditRow } from './record.js';
import type { SealRow } from './store.js';

/**
 * The SQLite audit commits, off the event loop. better-sqlite3 is synchronous: a commit with
 * synchronous=FULL waits for the fsync of the write-ahead log with the whole process stopped, and
 * under load that wait was most of what the gateway did. Here a worker thread owns a second connection
 * to the same database file (WAL allows it) and runs each batch's transaction (BEGIN IMMEDIATE, the
 * prepared inserts, COMMIT with the fsync) while the main thread goes on serving and queueing the
 * next batch. The chain (sequence numbers, hashes, seals) is still computed by the log on the main
 * thread; the worker only stores what it is given, in one transaction, and says when it is durable.
 *
 * The connection keeps a 64 MB page cache (the random X-Road-Id index touches a different page per
 * record). It checkpoints the WAL at SQLite's default 1,000 pages: ten times that made fewer, longer
 * checkpoints, each a stall of every commit behind it, and doubled the gateway's p99 at half load.
 *
 * Two connections, one writer at a time: the worker waits for the write lock (busy_timeout) without
 * blocking the main thread, so a platform transaction held open across awaits on the main connection
 * cannot deadlock with it.
 */

/**
 * A batch reaches the worker as one JSON text: an array of `[canonical, provider, hash]` per record,
 * where `canonical` is the array the record's hash is taken over (record.ts, CANONICAL_ORDER). The
 * stored columns are the canonical ones (without the tag), then provider and hash.
 */
const CANONICAL_COLUMNS = CANONICAL_ORDER.filter((c): c is Exclude<(typeof CANONICAL_ORDER)[number], 'tag'> => c !== 'tag');
const COLUMNS = [...CANONICAL_COLUMNS, 'provider', 'hash'] as const satisfies ReadonlyArray<keyof AuditRow>;
/** For each stored column, where it is in the canonical array. */
const CANONICAL_INDEX = CANONICAL_COLUMNS.map((c) => CANONICAL_ORDER.indexOf(c));
const SEAL_COLUMNS = ['chain_id', 'seq', 'head_hash', 'at', 'kid', 'jws'] as const satisfies ReadonlyArray<keyof SealRow>;

/**
 * The worker's code, evaluated as a script (no module loader involved, so it runs the same under tsx,
 * the installed command and any build). It receives flat value arrays and answers { n, error? }.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = ' + workerData.busyMs);
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('cache_size = -' + workerData.cacheKib);
const marks = (n) => '(' + new Array(n).fill('?').join(',') + ')';
const insertRow = db.prepare('insert into exchange_audit (' + workerData.columns.join(',') + ') values ' + marks(workerData.columns.length));
const insertSeal = db.prepare('insert into exchange_audit_seals (' + workerData.sealColumns.join(',') + ') values ' + marks(workerData.sealColumns.length));
const at = workerData.canonicalIndex;
const values = new Array(workerData.columns.length);
const store = db.transaction((records, seal) => {
  for (const [canonical, provider, hash] of records) {
    for (let i = 0; i < at.length; i++) values[i] = canonical[at[i]];
    values[at.length] = provider;
    values[at.length + 1] = hash;
    insertRow.run(values);
  }
  if (seal) insertSeal.run(seal);
});
parentPort.on('message', (m) => {
  if (m.close) {
    db.close();
    parentPort.close();
    return;
  }
  try {
    store.immediate(JSON.parse(m.text), m.seal);
    parentPort.postMessage({ n: m.n });
  } catch (e) {
    parentPort.postMessage({ n: m.n, error: { message: String(e && e.message), code: e && e.code } });
  }
});
`;

interface Waiting {
  resolve(): void;
  reject(e: Error): void;
}

export class SqliteAuditWriter {
  private worker: Worker | null = null;
  private next = 0;
  private readonly waiting = new Map<number, Waiting>();

  private constructor(
    private readonly file: string,
    private readonly synchronous: string,
  ) {}

  /**
   * A writer for the database behind `db`, or null when it has no file of its own that a second
   * connection could open (an in-memory database): the log then commits on the main connection.
   */
  static async open(db: Kysely<any>, synchronous: string): Promise<SqliteAuditWriter | null> {
    const { rows } = await sql<{ name: string; file: string | null }>`pragma database_list`.execute(db);
    const main = rows.find((r) => r.name === 'main');
    if (!main?.file) return null;
    return new SqliteAuditWriter(main.file, synchronous);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file: this.file, synchronous: this.synchronous, busyMs: 5000, cacheKib: 64 * 1024, columns: COLUMNS, canonicalIndex: CANONICAL_INDEX, sealColumns: SEAL_COLUMNS },
    });
    w.on('message', (m: { n: number; error?: { message: string; code?: string } }) => {
      const waiting = this.waiting.get(m.n);
      if (!waiting) return;
      this.waiting.delete(m.n);
      if (this.waiting.size === 0) w.unref();
      if (m.error) waiting.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
      else waiting.resolve();
    });
    const gone = (e: Error) => {
      if (this.worker === w) this.worker = null;
      for (const x of this.waiting.values()) x.reject(e);
      this.waiting.clear();
    };
    w.on('error', gone);
    w.on('exit', (code) => gone(new Error(`the audit writer thread stopped (exit code ${code})`)));
    this.worker = w;
    return w;
  }

  /** Stores the records (JSON text, see COLUMNS) and the seal in one transaction; resolves once it is committed (durably, with FULL). */
  write(text: string, seal: SealRow | null): Promise<void> {
    const w = this.start();
    const n = ++this.next;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(n, { resolve, reject });
      // Held open only while a commit is on its way, so an idle log never keeps the process alive.
      w.ref();
      w.postMessage({ n, text, seal: seal && SEAL_COLUMNS.map((c) => seal[c]) });
    });
  }

  /** Closes the worker's connection (after the commits sent so far, which it answers first). */
  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = null;
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    w.ref();
    w.postMessage({ close: true });
    await exited;
  }
}
