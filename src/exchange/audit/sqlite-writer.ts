import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { sql, type Kysely } from 'kysely';
import { CANONICAL_ORDER, type AuditRow } from './record.js';
import type { SealRow } from './store.js';

/**
 * The SQLite audit commits, off the event loop. better-sqlite3 is synchronous: a commit with
 * synchronous=FULL waits for the fsync of the write-ahead log with the whole process stopped, and
 * under load that wait was most of what the gateway did. Here a worker thread owns a second connection
 * to the same database file (WAL allows it) and runs the transactions (BEGIN IMMEDIATE, the prepared
 * inserts, COMMIT with the fsync) while the main thread goes on serving. The chain (sequence numbers,
 * hashes, seals) is computed by the log on the main thread; the worker only stores what it is given
 * and says when it is durable.
 *
 * Group commit happens here, on the thread: the log sends each batch as soon as it is chained,
 * without waiting for the previous commit, and whenever the thread is free it takes every batch
 * waiting for it and commits them in one transaction, in the order they were sent. So the next
 * commit starts the moment the last one ends, not a round trip through the main thread's busy event
 * loop later (that round trip took longer than the commit itself: at half the gateway's peak the
 * thread sat idle a median 0.9 ms between commits of 0.36 ms, and most commits held one record).
 *
 * Batches are chained one on another before they are durable, so when a transaction fails the
 * batches sent after it rest on records that do not exist. Each batch carries the log's epoch; after
 * a failure the thread skips every batch of that epoch or an earlier one (answered `skipped`, never
 * attempted) until the log, having reloaded its chain head, sends batches of a newer epoch.
 *
 * The connection keeps a 64 MB page cache. It checkpoints the WAL at SQLite's default 1,000 pages:
 * ten times that made fewer, longer checkpoints, each a stall of every commit behind it, and doubled
 * the gateway's p99 at half load.
 *
 * Two connections, one writer at a time: the worker waits for the write lock (busy_timeout) without
 * blocking the main thread, so a platform transaction held open across awaits on the main connection
 * cannot deadlock with it.
 */

/**
 * A batch reaches the worker as one JSON text: an array of `[canonical, provider, hash, persons]` per
 * record, where `canonical` is the array the record's hash is taken over (record.ts, CANONICAL_ORDER).
 * The stored columns are the canonical ones (without the tag), then provider, hash and persons; each
 * person the persons text names also gets its row in exchange_audit_persons, in the same transaction.
 */
const CANONICAL_COLUMNS = CANONICAL_ORDER.filter((c): c is Exclude<(typeof CANONICAL_ORDER)[number], 'tag'> => c !== 'tag');
const COLUMNS = [...CANONICAL_COLUMNS, 'provider', 'hash', 'persons'] as const satisfies ReadonlyArray<keyof AuditRow>;
/** For each stored column, where it is in the canonical array. */
const CANONICAL_INDEX = CANONICAL_COLUMNS.map((c) => CANONICAL_ORDER.indexOf(c));
/** Where a person row's at, chain_id and seq are in the canonical array. */
const PERSON_INDEX = (['at', 'chain_id', 'seq'] as const).map((c) => CANONICAL_ORDER.indexOf(c));
const SEAL_COLUMNS = ['chain_id', 'seq', 'head_hash', 'at', 'kid', 'jws'] as const satisfies ReadonlyArray<keyof SealRow>;

/**
 * The worker's code, evaluated as a script (no module loader involved, so it runs the same under tsx,
 * the installed command and any build). It receives `{ n, epoch, text, seal }` batches and answers
 * `{ done: [n…], records }` for a committed group, `{ failed: [n…], error }` for a failed one and
 * `{ skipped: [n…] }` for batches of a failed epoch.
 */
const WORKER_SOURCE = `
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const taken = new Int32Array(workerData.taken);
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = ' + workerData.busyMs);
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('cache_size = -' + workerData.cacheKib);
const marks = (n) => '(' + new Array(n).fill('?').join(',') + ')';
const insertRow = db.prepare('insert into exchange_audit (' + workerData.columns.join(',') + ') values ' + marks(workerData.columns.length));
const insertPerson = db.prepare('insert into exchange_audit_persons (person, at, chain_id, seq) values (?, ?, ?, ?)');
const insertSeal = db.prepare('insert into exchange_audit_seals (' + workerData.sealColumns.join(',') + ') values ' + marks(workerData.sealColumns.length));
const at = workerData.canonicalIndex;
const pat = workerData.personIndex;
const values = new Array(workerData.columns.length);
let records = 0;
const store = db.transaction((batches) => {
  records = 0;
  for (const b of batches) {
    for (const [canonical, provider, hash, persons] of JSON.parse(b.text)) {
      for (let i = 0; i < at.length; i++) values[i] = canonical[at[i]];
      values[at.length] = provider;
      values[at.length + 1] = hash;
      values[at.length + 2] = persons;
      insertRow.run(values);
      if (persons !== null) for (const person of JSON.parse(persons)) insertPerson.run(person, canonical[pat[0]], canonical[pat[1]], canonical[pat[2]]);
      records++;
    }
    if (b.seal) insertSeal.run(b.seal);
  }
});
let deadEpoch = -1;
parentPort.on('message', (first) => {
  const group = [];
  let closing = false;
  for (let m = first; m; m = receiveMessageOnPort(parentPort)?.message) {
    if (m.close) {
      closing = true;
      break;
    }
    group.push(m);
  }
  if (group.length) Atomics.store(taken, 0, group[group.length - 1].n);
  const live = group.filter((b) => b.epoch > deadEpoch);
  const skipped = group.filter((b) => b.epoch <= deadEpoch);
  if (skipped.length) parentPort.postMessage({ skipped: skipped.map((b) => b.n) });
  if (live.length) {
    try {
      store.immediate(live);
      parentPort.postMessage({ done: live.map((b) => b.n), records });
    } catch (e) {
      deadEpoch = Math.max(...live.map((b) => b.epoch));
      parentPort.postMessage({ failed: live.map((b) => b.n), error: { message: String(e && e.message), code: e && e.code } });
    }
  }
  if (closing) {
    db.close();
    parentPort.close();
  }
});
`;

/** A batch the thread skipped because an earlier batch of its epoch failed: never attempted, safe to chain again. */
export class SkippedBatch extends Error {
  constructor() {
    super('an earlier audit batch failed; this one was not written');
    this.name = 'SkippedBatch';
  }
}

/** How a batch was committed: with which group (its first batch's number) of how many records. */
export interface Committed {
  group: number;
  records: number;
}

interface Waiting {
  resolve(c: Committed): void;
  reject(e: Error): void;
}

type Answer = { done: number[]; records: number } | { failed: number[]; error: { message: string; code?: string } } | { skipped: number[] };

export class SqliteAuditWriter {
  private worker: Worker | null = null;
  private next = 0;
  /**
   * The number of the last batch the thread has taken for a commit, written by the thread: batches
   * numbered above it are still waiting for it. Shared memory, so reading it costs the thread nothing.
   */
  private readonly taken = new Int32Array(new SharedArrayBuffer(4));
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
      workerData: { taken: this.taken.buffer, driver: createRequire(import.meta.url).resolve('better-sqlite3'), file: this.file, synchronous: this.synchronous, busyMs: 5000, cacheKib: 64 * 1024, columns: COLUMNS, canonicalIndex: CANONICAL_INDEX, personIndex: PERSON_INDEX, sealColumns: SEAL_COLUMNS },
    });
    w.on('message', (m: Answer) => {
      const ns = 'done' in m ? m.done : 'failed' in m ? m.failed : m.skipped;
      const committed = 'done' in m ? { group: m.done[0]!, records: m.records } : null;
      const error = 'failed' in m ? Object.assign(new Error(m.error.message), { code: m.error.code }) : null;
      for (const n of ns) {
        const waiting = this.waiting.get(n);
        if (!waiting) continue;
        this.waiting.delete(n);
        if (committed) waiting.resolve(committed);
        else waiting.reject(error ?? new SkippedBatch());
      }
      if (this.waiting.size === 0) w.unref();
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

  /**
   * Sends a batch (JSON text, see COLUMNS, and a seal) to be stored after every batch sent before it;
   * resolves once it is committed (durably, with FULL), rejects with the transaction's error, or with
   * SkippedBatch when an earlier batch of the same or a newer epoch failed.
   */
  write(text: string, seal: SealRow | null, epoch: number): Promise<Committed> {
    const w = this.start();
    const n = ++this.next;
    return new Promise<Committed>((resolve, reject) => {
      this.waiting.set(n, { resolve, reject });
      // Held open only while a commit is on its way, so an idle log never keeps the process alive.
      w.ref();
      w.postMessage({ n, epoch, text, seal: seal && SEAL_COLUMNS.map((c) => seal[c]) });
    });
  }

  /** Batches sent to the thread so far, and how many of them it has taken for a commit (the rest wait for it). */
  progress(): { sent: number; taken: number } {
    return { sent: this.next, taken: Atomics.load(this.taken, 0) };
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
