import type { KeyStore } from '../../platform/keys.js';

/** What an `ExchangeAuditLog` is given and what it reports about itself. */

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
   * SQLite writer thread only: batches sent to it and not yet answered, at most (default 2: one being
   * committed, the next waiting, so the thread never waits for the main thread between commits). 1
   * is one commit at a time, as on PostgreSQL.
   */
  maxInFlight?: number;
  /**
   * SQLite only: `full` (the default) makes each audit commit fsync the write-ahead log, so a committed
   * record survives a power cut, not only a killed process; `normal` leaves it to the platform's setting.
   */
  sqliteSync?: 'full' | 'normal';
  /** Told of every commit and failure (metrics); absent, nothing is measured. */
  observer?: AuditLogObserver;
}

/** What the log tells an observer: counts and times only, never a record's content. */
export interface AuditLogObserver {
  /**
   * A batch's records committed, `seconds` after the batch was handed to the database;
   * `commitRecords` is the size of the transaction that held it, given once per transaction (several
   * batches can share one on the SQLite writer thread), else null.
   */
  committed(c: { records: number; seconds: number; commitRecords: number | null }): void;
  /** Records whose commit failed (their calls are answered 503). */
  failed(records: number): void;
}

export interface AuditWriterMetrics {
  nodeId: string;
  /** The chain this node appends to (null before the first commit). */
  chain: string | null;
  records: number;
  batches: number;
  failedBatches: number;
  /** Records appended and not yet taken into a batch. */
  queued: number;
  /** Records taken into a batch and not yet committed or failed (queued + inFlight is the backlog). */
  inFlight: number;
  /** Records chained again because a commit before theirs failed (never attempted, never lost). */
  rechained: number;
  largestBatch: number;
  seals: number;
  /** Committed batches by size: "1", "2-3", "4-7", "8-15", … */
  batchSizes: Record<string, number>;
  /**
   * SQLite writer thread: batches sent to it and how many it has taken for a commit (sent − taken are
   * waiting for it); null on PostgreSQL, an in-memory database, or before the first commit.
   */
  writerThread: { sent: number; taken: number } | null;
}

export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === '23505' || (typeof code === 'string' && /^SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)$/.test(code));
}

export function sizeBucket(n: number): string {
  const lo = 2 ** Math.floor(Math.log2(n));
  return lo === 1 ? '1' : `${lo}-${lo * 2 - 1}`;
}

export function positive(v: number | undefined, fallback: number, name: string, min = 1): number {
  const n = v ?? fallback;
  if (!Number.isFinite(n) || n < min) throw new RangeError(`ExchangeAuditLog: ${name} must be at least ${min}`);
  return n;
}
