import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { nowIso } from '../../platform/db.js';
import type { KeyStore } from '../../platform/keys.js';
import { GENESIS, canonicalRecord, hashOfCanonical, toFields, type AuditRow, type ExchangeAuditRecord, type RecordFields } from './record.js';
import { makeSeal } from './seal.js';
import { SqliteAuditWriter } from './sqlite-writer.js';
import { accessesOf, auditStats, type AccessOptions, type StatsDimension } from './stats.js';
import { chainHead, insertRows, lastSeal, registerChain, type AuditDb, type SealRow } from './store.js';
import { verifyAuditLog } from './verify.js';

export interface ExchangeAuditLogOptions {
  keys: KeyStore;
  /** This node's chain; default PANJAREH_NODE_ID, else a random id made now (a new chain per start). */
  nodeId?: string;
  /** Seal after this many records (default 5,000)… */
  sealEveryRecords?: number;
  /** …or this long after the last seal when records are waiting (default 5 s), whichever comes first; and on close. */
  sealEveryMs?: number;
  /** Most records in one transaction (default 2,000). */
  maxBatch?: number;
  /** Wait this long for a batch to fill before committing (default 0: commit as soon as the previous commit ends). */
  maxWaitMs?: number;
  /**
   * SQLite only: `full` (the default) makes each audit commit fsync the write-ahead log, so a committed
   * record survives a power cut, not only a killed process; `normal` leaves it to the platform's setting.
   */
  sqliteSync?: 'full' | 'normal';
}

export interface AuditWriterMetrics {
  nodeId: string;
  /** The chain this node appends to (null before the first commit). */
  chain: string | null;
  records: number;
  batches: number;
  failedBatches: number;
  largestBatch: number;
  seals: number;
  /** Committed batches by size: "1", "2-3", "4-7", "8-15", … */
  batchSizes: Record<string, number>;
}

interface Pending {
  fields: RecordFields;
  resolve(): void;
  reject(e: unknown): void;
}

function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === '23505' || (typeof code === 'string' && /^SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)$/.test(code));
}

function sizeBucket(n: number): string {
  const lo = 2 ** Math.floor(Math.log2(n));
  return lo === 1 ? '1' : `${lo}-${lo * 2 - 1}`;
}

function positive(v: number | undefined, fallback: number, name: string, min = 1): number {
  const n = v ?? fallback;
  if (!Number.isFinite(n) || n < min) throw new RangeError(`ExchangeAuditLog: ${name} must be at least ${min}`);
  return n;
}

/**
 * The exchange's audit log, written by group commit: `append` queues a record and resolves once the
 * transaction holding it has committed. One writer per instance commits a batch at a time; records
 * arriving meanwhile form the next batch, which commits as soon as the previous one ends. So an idle
 * gateway pays one commit per call and a busy one shares a commit among many calls.
 *
 * Each node appends to a chain of its own (chain id = node id), so nodes never contend for one head.
 * If another live process claims the same node id, the loser of the first conflicting write moves to a
 * fresh chain `<node>~<random>` and writes its batch there: nothing is lost and both chains verify.
 */
export class ExchangeAuditLog {
  readonly nodeId: string;
  private readonly db: AuditDb;
  private readonly keys: KeyStore;
  private readonly sealEveryRecords: number;
  private readonly sealEveryMs: number;
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly sqlite: boolean;
  private readonly sqliteFull: boolean;
  private sqliteRestore: number | null = null;
  /** SQLite: the worker thread that commits off the event loop; null for an in-memory database; undefined until the first commit. */
  private sqliteWriter: SqliteAuditWriter | null | undefined;

  private queue: Pending[] = [];
  private running: Promise<void> | null = null;
  private chain: string | null = null;
  /** Null until read from the database, and again after a failed commit (its outcome may be unknown). */
  private head: { seq: number; hash: string } | null = null;
  private sealedSeq = 0;
  private lastSealAt = Date.now();
  private sealWanted = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly m: AuditWriterMetrics;

  constructor(
    db: Kysely<any>,
    dialect: 'sqlite' | 'postgres',
    opts: ExchangeAuditLogOptions,
  ) {
    this.db = db as AuditDb;
    this.keys = opts.keys;
    const node = (opts.nodeId ?? process.env.PANJAREH_NODE_ID ?? '').trim() || `node-${randomBytes(6).toString('hex')}`;
    if (node.length > 100 || /[\s~]/.test(node)) throw new RangeError('ExchangeAuditLog: a node id has at most 100 characters, no spaces and no "~"');
    this.nodeId = node;
    this.sealEveryRecords = positive(opts.sealEveryRecords, 5000, 'sealEveryRecords');
    this.sealEveryMs = positive(opts.sealEveryMs, 5000, 'sealEveryMs', 10);
    this.maxBatch = positive(opts.maxBatch, 2000, 'maxBatch');
    this.maxWaitMs = positive(opts.maxWaitMs, 0, 'maxWaitMs', 0);
    this.sqlite = dialect === 'sqlite';
    this.sqliteFull = this.sqlite && (opts.sqliteSync ?? 'full') === 'full';
    this.m = { nodeId: node, chain: null, records: 0, batches: 0, failedBatches: 0, largestBatch: 0, seals: 0, batchSizes: {} };
    // While idle with unsealed records, seal once sealEveryMs has passed; under load the batches carry the seals.
    this.timer = setInterval(() => this.tick(), Math.max(10, Math.min(1000, this.sealEveryMs / 2)));
    this.timer.unref();
  }

  /** Queues a record; resolves once it is committed, rejects if its transaction failed (answer 5xx then). */
  append(r: ExchangeAuditRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the exchange audit log is closed'));
    let fields: RecordFields;
    try {
      fields = toFields(r);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ fields, resolve, reject });
      this.kick();
    });
  }

  /** Resolves when every record appended so far has been committed or rejected. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Refuses new records, commits the queued ones and seals the chain's head. The database stays open. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.sealWanted = true;
    this.kick();
    await this.flush();
    await this.sqliteWriter?.close();
    this.sqliteWriter = undefined;
  }

  metrics(): AuditWriterMetrics {
    return { ...this.m, chain: this.chain, batchSizes: { ...this.m.batchSizes } };
  }

  verify(opts?: { pageSize?: number }) {
    return verifyAuditLog(this.db, this.keys, opts);
  }

  stats(opts: { since: Date | string; until?: Date | string; by?: StatsDimension[] }) {
    return auditStats(this.db, opts);
  }

  accessesOf(subject: string, opts?: AccessOptions) {
    return accessesOf(this.db, subject, opts);
  }

  private tick(): void {
    if (this.head && this.head.seq > this.sealedSeq && Date.now() - this.lastSealAt >= this.sealEveryMs) {
      this.sealWanted = true;
      this.kick();
    }
  }

  private kick(): void {
    if (!this.running) this.running = this.drain();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.sealWanted) {
      if (this.maxWaitMs > 0 && this.queue.length < this.maxBatch && !this.closed) await new Promise((r) => setTimeout(r, this.maxWaitMs));
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.commit(batch.map((p) => p.fields));
        if (batch.length) {
          this.m.records += batch.length;
          this.m.batches++;
          this.m.largestBatch = Math.max(this.m.largestBatch, batch.length);
          const b = sizeBucket(batch.length);
          this.m.batchSizes[b] = (this.m.batchSizes[b] ?? 0) + 1;
        }
        for (const p of batch) p.resolve();
      } catch (e) {
        // A seal that could not be written is retried by the timer; records are rejected, never retried
        // behind the caller's back (it answers 5xx, and a client's retry makes a new record).
        this.sealWanted = false;
        if (batch.length) this.m.failedBatches++;
        for (const p of batch) p.reject(e);
      }
      // Let the event loop turn (no timer: microseconds) before looking at the queue again, so that the
      // callers just answered, and requests read meanwhile, form the next batch together instead of the
      // first of them committing alone. A commit on the main connection blocks the loop (SQLite in
      // memory), so requests wait unread: two turns then. With the writer thread they were read during it.
      await new Promise<void>((r) => (this.sqliteWriter ? setImmediate(r) : setImmediate(() => setImmediate(r))));
    }
    // No await between the loop's last check and this line: an append now starts a new drain.
    this.running = null;
  }

  /** Reads this node's chain head; a chain whose seals reach past its last record is left as evidence. */
  private async load(): Promise<{ seq: number; hash: string }> {
    if (this.head) return this.head;
    if (this.sqlite && this.sqliteRestore === null) {
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(this.db);
      this.sqliteRestore = Number(rows[0]?.synchronous ?? 1);
    }
    if (this.sqlite && this.sqliteWriter === undefined) {
      this.sqliteWriter = await SqliteAuditWriter.open(this.db, this.sqliteFull ? 'FULL' : String(this.sqliteRestore ?? 1));
    }
    const chain = this.chain ?? this.nodeId;
    await registerChain(this.db, chain, this.nodeId, nowIso());
    const [head, seal] = await Promise.all([chainHead(this.db, chain), lastSeal(this.db, chain)]);
    if (seal && seal.seq > (head?.seq ?? 0)) return this.fork();
    this.chain = chain;
    this.head = head ?? { seq: 0, hash: GENESIS };
    this.sealedSeq = seal?.seq ?? 0;
    return this.head;
  }

  private async fork(): Promise<{ seq: number; hash: string }> {
    for (;;) {
      const chain = `${this.nodeId}~${randomBytes(4).toString('hex')}`;
      if (await registerChain(this.db, chain, this.nodeId, nowIso())) {
        this.chain = chain;
        this.sealedSeq = 0;
        return (this.head = { seq: 0, hash: GENESIS });
      }
    }
  }

  private async commit(batch: RecordFields[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const head = await this.load();
      const chain = this.chain!;
      let prev = head.hash;
      // For the SQLite writer thread, one JSON text of [canonical array, provider, hash] per record: the
      // canonical text is made for the hash anyway, and one string crosses to the thread far cheaper
      // than thousands of structured-cloned values.
      const toThread = this.sqliteWriter !== null && this.sqliteWriter !== undefined;
      const rows: AuditRow[] = [];
      const parts: string[] = [];
      for (let i = 0; i < batch.length; i++) {
        const f = batch[i]!;
        const seq = head.seq + 1 + i;
        const canonical = canonicalRecord(chain, seq, prev, f);
        const hash = hashOfCanonical(canonical);
        if (toThread) parts.push(`[${canonical},${JSON.stringify(f.provider)},"${hash}"]`);
        else rows.push({ ...f, chain_id: chain, seq, prev_hash: prev, hash });
        prev = hash;
      }
      const top = batch.length ? { seq: head.seq + batch.length, hash: prev } : head;
      const due = this.sealWanted || top.seq - this.sealedSeq >= this.sealEveryRecords || Date.now() - this.lastSealAt >= this.sealEveryMs;
      let seal: SealRow | null = null;
      if (top.seq > this.sealedSeq && due) {
        // A seal that cannot be signed now must not cost the records their commit: the next batch tries again.
        seal = await makeSeal(this.keys, chain, top.seq, top.hash, nowIso()).catch(() => null);
      }
      if (!batch.length && !seal) {
        this.sealWanted = false;
        return;
      }
      try {
        await this.write(rows, `[${parts.join(',')}]`, seal);
      } catch (e) {
        this.head = null;
        // Another live process writes this chain (the same node id twice): continue on a fresh chain.
        if (isUniqueViolation(e) && attempt === 0) {
          await this.fork();
          continue;
        }
        throw e;
      }
      this.head = top;
      if (seal) {
        this.sealedSeq = top.seq;
        this.lastSealAt = Date.now();
        this.sealWanted = false;
        this.m.seals++;
      }
      return;
    }
  }

  private async write(rows: AuditRow[], text: string, seal: SealRow | null): Promise<void> {
    if (this.sqliteWriter) return this.sqliteWriter.write(text, seal);
    // PostgreSQL: a batch without a seal is one INSERT, atomic on its own, so one round trip (and one
    // commit) instead of BEGIN, INSERT, COMMIT.
    if (!this.sqlite && !seal && rows.length > 0) return insertRows(this.db, rows, 'postgres');
    const work = (db: AuditDb) =>
      db.transaction().execute(async (tx) => {
        await insertRows(tx, rows, this.sqlite ? 'sqlite' : 'postgres');
        if (seal) await tx.insertInto('exchange_audit_seals').values(seal).execute();
      });
    if (!this.sqliteFull) return work(this.db);
    // SQLite has one connection: holding it, switch this commit to fsync the WAL, then switch back.
    await this.db.connection().execute(async (conn) => {
      await sql.raw('pragma synchronous = FULL').execute(conn);
      try {
        await work(conn);
      } finally {
        await sql.raw(`pragma synchronous = ${this.sqliteRestore ?? 1}`).execute(conn);
      }
    });
  }
}
