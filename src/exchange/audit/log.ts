import { randomBytes } from 'node:crypto';
import type { Context } from '@opentelemetry/api';
import { sql, type Kysely } from 'kysely';
import { nowIso } from '../../platform/db.js';
import type { KeyStore } from '../../platform/keys.js';
import type { CheckOutcome } from '../../platform/readiness.js';
import { GENESIS, chainBatch, toFields, type AuditRow, type ExchangeAuditRecord, type RecordFields } from './record.js';
import { makeSeal } from './seal.js';
import { SkippedBatch, SqliteAuditWriter, type Committed } from './sqlite-writer.js';
import { accessesOf, auditStats, type AccessOptions, type StatsDimension } from './stats.js';
import { chainHead, lastSeal, registerChain, storeBatch, type AuditDb, type SealRow } from './store.js';
import { verifyAuditLog } from './verify.js';
import { tracingActive } from '../../platform/tracing/index.js';
import { appendContext, detached, endCommitSpan, startCommitSpan } from './tracing.js';
import { isUniqueViolation, positive, sizeBucket, type AuditLogObserver, type AuditWriterMetrics, type ExchangeAuditLogOptions } from './log-settings.js';

export type { AuditLogObserver, AuditWriterMetrics, ExchangeAuditLogOptions } from './log-settings.js';

interface Pending {
  fields: RecordFields;
  resolve(): void;
  reject(e: unknown): void;
  /** Already tried again on a fresh chain after another process turned out to write this one (never a third time). */
  forked?: boolean;
  /** The caller's trace context, while tracing is on: the commit span's parent or link (tracing.ts). */
  ctx: Context | undefined;
}

/** A batch chained and ready to store: rows for the main connection, or one JSON text for the writer thread. */
interface Prepared {
  rows: AuditRow[];
  text: string;
  top: { seq: number; hash: string };
  seal: SealRow | null;
}

/**
 * The exchange's audit log, written by group commit: `append` queues a record and resolves once the
 * transaction holding it has committed.
 *
 * With the SQLite writer thread (a database file) the log chains each batch as it forms (what was
 * appended during one turn of the event loop) and sends it on without waiting for the commit before
 * it, with at most `maxInFlight` batches on their way; the thread commits, in one transaction, every
 * batch waiting for it whenever the previous commit ends (see sqlite-writer.ts).
 * Elsewhere (PostgreSQL, an in-memory SQLite) one commit runs at a time and records arriving meanwhile
 * form the next batch, which commits as soon as the previous one ends. Either way an idle gateway pays
 * one commit per call and a busy one shares a commit among many calls.
 *
 * A failed commit rejects its records and makes the log reload its chain head from the database (a
 * new epoch); batches chained on the failed ones and not yet written are chained again.
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
  private readonly maxInFlight: number;
  private readonly sqlite: boolean;
  private readonly sqliteFull: boolean;
  private sqliteRestore: number | null = null;
  /** SQLite: the worker thread that commits off the event loop; null for an in-memory database; undefined until the first commit. */
  private sqliteWriter: SqliteAuditWriter | null | undefined;

  private queue: Pending[] = [];
  private running: Promise<void> | null = null;
  /** Set while the drain waits with a place free for another batch: an append wakes it. */
  private wake: (() => void) | null = null;
  /** Batches handed to the writer thread, until answered. */
  private readonly inFlight = new Set<Promise<void>>();
  private chain: string | null = null;
  /** The head of the chain as batches are chained; null until read from the database, and again after a failed commit. */
  private head: { seq: number; hash: string } | null = null;
  /** Bumped by a failed commit: a batch prepared on the head of an older epoch is chained again. */
  private epoch = 0;
  /** The next load moves to a fresh chain (another live process writes this one). */
  private forkNext = false;
  private sealedSeq = 0;
  /** The highest sequence number a seal on its way covers (sealedSeq once it is committed). */
  private sealingSeq = 0;
  private lastSealAt = Date.now();
  private sealWanted = false;
  private closed = false;
  private lastGroup = 0;
  /** For `health()`: when a drain last started, a batch last committed or failed, and why (Date.now()). */
  private drainStartedAt = 0;
  private lastCommitAt = 0;
  private lastFailure: { at: number; error: string } | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly m: AuditWriterMetrics;
  private readonly observer: AuditLogObserver | undefined;
  /** Records taken into a batch and not yet committed or failed. */
  private inFlightRecords = 0;

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
    this.maxInFlight = positive(opts.maxInFlight, 2, 'maxInFlight');
    this.sqlite = dialect === 'sqlite';
    this.sqliteFull = this.sqlite && (opts.sqliteSync ?? 'full') === 'full';
    this.observer = opts.observer;
    this.m = { nodeId: node, chain: null, records: 0, batches: 0, failedBatches: 0, queued: 0, inFlight: 0, rechained: 0, largestBatch: 0, seals: 0, batchSizes: {}, writerThread: null };
    // While idle with unsealed records, seal once sealEveryMs has passed; under load the batches carry the seals.
    this.timer = setInterval(() => this.tick(), Math.max(10, Math.min(1000, this.sealEveryMs / 2)));
    this.timer.unref();
  }

  /** Queues a record; resolves once it is committed, rejects if its transaction failed (answer 5xx then). */
  append(r: ExchangeAuditRecord, trace?: Context): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the exchange audit log is closed'));
    let fields: RecordFields;
    try {
      fields = toFields(r);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ fields, resolve, reject, ctx: trace ?? appendContext() });
      if (this.wake) this.wake();
      else this.kick();
    });
  }

  /** Resolves when every record appended so far has been committed or rejected. */
  async flush(): Promise<void> {
    while (this.running || this.inFlight.size > 0) {
      if (this.running) await this.running;
      else await Promise.all(this.inFlight);
    }
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

  /**
   * For /readyz: down when closed, when its latest commit failed less than `recentMs` ago (a later
   * commit, or that time passing without any call, clears it: a node taken out of the load balancer
   * must be able to come back), or when records wait and nothing has been committed for `stallMs`.
   */
  health(now = Date.now(), o: { stallMs?: number; recentMs?: number } = {}): CheckOutcome {
    const queued = this.queue.length;
    const detail = { chain: this.chain ?? this.nodeId, queued, inFlight: this.inFlight.size, lastCommitAgoMs: this.lastCommitAt ? now - this.lastCommitAt : null };
    if (this.closed) return { status: 'down', reason: 'the audit log is closed', ...detail };
    const f = this.lastFailure;
    if (f && f.at >= this.lastCommitAt && now - f.at < (o.recentMs ?? 30_000)) return { status: 'down', reason: `the last audit commit failed ${now - f.at} ms ago: ${f.error}`, ...detail };
    const busy = queued > 0 || this.inFlight.size > 0 || this.running !== null;
    const since = now - Math.max(this.lastCommitAt, this.drainStartedAt, f?.at ?? 0);
    if (busy && since > (o.stallMs ?? 10_000)) return { status: 'down', reason: `${queued} record(s) waiting and no audit commit for ${since} ms`, ...detail };
    return detail;
  }

  metrics(): AuditWriterMetrics {
    return { ...this.m, chain: this.chain, queued: this.queue.length, inFlight: this.inFlightRecords, batchSizes: { ...this.m.batchSizes }, writerThread: this.sqliteWriter?.progress() ?? null };
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
    if (this.running) return;
    this.drainStartedAt = Date.now();
    // Not in the context of the append that started it: the drain commits other calls' records too.
    this.running = detached(() => this.drain());
  }

  private async drain(): Promise<void> {
    // Runs while anything is queued or on its way, so that records appended while batches are in flight
    // join the next batch here rather than start a drain of their own with the first of them alone.
    while (this.queue.length > 0 || this.sealWanted || this.inFlight.size > 0) {
      const full = this.inFlight.size >= this.maxInFlight;
      if (full || (this.queue.length === 0 && !this.sealWanted)) {
        // Until a batch is answered, or (with a free place) a record is appended; then a turn of the
        // event loop, so that the callers just answered, and requests read meanwhile, come along too.
        await new Promise<void>((r) => {
          if (!full) this.wake = r;
          void Promise.race(this.inFlight).then(r);
        });
        this.wake = null;
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      if (this.maxWaitMs > 0 && this.queue.length < this.maxBatch && !this.closed) await new Promise((r) => setTimeout(r, this.maxWaitMs));
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlightRecords += batch.length;
      const epoch = this.epoch;
      let prepared: Prepared | null;
      try {
        prepared = await this.prepare(batch, await this.load());
      } catch (e) {
        // The chain's head could not be read (the database is unreachable): nothing was written.
        this.lastFailure = { at: Date.now(), error: e instanceof Error ? e.message : String(e) };
        this.sealWanted = false;
        this.inFlightRecords -= batch.length;
        if (batch.length) {
          this.m.failedBatches++;
          this.observer?.failed(batch.length);
        }
        for (const p of batch) p.reject(e);
        continue;
      }
      if (!prepared) {
        this.sealWanted = false;
        continue;
      }
      if (epoch !== this.epoch) {
        // A commit failed while this batch was being chained: chain it again on the reloaded head.
        this.inFlightRecords -= batch.length;
        this.queue.unshift(...batch);
        continue;
      }
      this.head = prepared.top;
      if (prepared.seal) {
        this.sealingSeq = prepared.top.seq;
        this.lastSealAt = Date.now();
        this.sealWanted = false;
      }
      const handedAt = this.observer ? performance.now() : 0;
      const span = tracingActive() ? startCommitSpan(batch, { system: this.sqlite ? 'sqlite' : 'postgresql', chain: this.chain, sealed: prepared.seal !== null, thread: !!this.sqliteWriter }) : null;
      if (this.sqliteWriter) {
        const sent = this.sqliteWriter.write(prepared.text, prepared.seal, epoch).then(
          (c) => {
            endCommitSpan(span);
            this.committed(batch, prepared, c, handedAt);
          },
          (e) => {
            endCommitSpan(span, e);
            this.failed(batch, prepared, e, epoch);
          },
        );
        this.inFlight.add(sent);
        void sent.then(() => this.inFlight.delete(sent));
      } else {
        try {
          // The commit span is itself the database span: its statements are not entered as its
          // children, since entering a context turns on promise hooks for the whole process (tracing.ts).
          await storeBatch(this.db, prepared.rows, prepared.seal, this.sqlite ? { sync: this.sqliteFull ? 'FULL' : null, restore: this.sqliteRestore ?? 1 } : null);
          endCommitSpan(span);
          this.committed(batch, prepared, { group: this.lastGroup + 1, records: batch.length }, handedAt);
        } catch (e) {
          endCommitSpan(span, e);
          this.failed(batch, prepared, e, epoch);
        }
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

  private committed(batch: Pending[], p: Prepared, c: Committed, handedAt: number): void {
    this.inFlightRecords -= batch.length;
    if (this.observer && batch.length) this.observer.committed({ records: batch.length, seconds: (performance.now() - handedAt) / 1000, commitRecords: c.group !== this.lastGroup ? c.records : null });
    this.lastCommitAt = Date.now();
    if (c.group !== this.lastGroup) {
      // Several batches may share one commit on the writer thread: count the commit once.
      this.lastGroup = c.group;
      this.m.batches++;
      this.m.largestBatch = Math.max(this.m.largestBatch, c.records);
      const b = sizeBucket(Math.max(1, c.records));
      this.m.batchSizes[b] = (this.m.batchSizes[b] ?? 0) + 1;
    }
    this.m.records += batch.length;
    if (p.seal) {
      this.sealedSeq = Math.max(this.sealedSeq, p.top.seq);
      this.m.seals++;
    }
    for (const x of batch) x.resolve();
  }

  private failed(batch: Pending[], p: Prepared, e: unknown, epoch: number): void {
    this.inFlightRecords -= batch.length;
    if (epoch === this.epoch) {
      // Its outcome rules the chain's head: read it again from the database before chaining more.
      this.epoch++;
      this.head = null;
    }
    if (p.seal) this.sealingSeq = this.sealedSeq;
    if (e instanceof SkippedBatch) {
      // Never attempted: chained on records that failed, so chained again.
      this.m.rechained += batch.length;
      this.queue.unshift(...batch);
      this.kick();
      return;
    }
    // A seal that could not be written is retried by the timer; records are rejected, never retried
    // behind the caller's back (it answers 5xx, and a client's retry makes a new record) — except once
    // on a fresh chain when another live process turned out to write this one.
    this.lastFailure = { at: Date.now(), error: e instanceof Error ? e.message : String(e) };
    this.sealWanted = false;
    if (batch.length) this.m.failedBatches++;
    const retry = isUniqueViolation(e);
    const rejected = retry ? batch.filter((x) => x.forked).length : batch.length;
    if (rejected) this.observer?.failed(rejected);
    const again: Pending[] = [];
    for (const x of batch) {
      if (retry && !x.forked) again.push(x);
      else x.reject(e);
    }
    if (again.length) {
      this.forkNext = true;
      for (const x of again) x.forked = true;
      this.queue.unshift(...again);
      this.kick();
    }
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
    if (this.forkNext) {
      this.forkNext = false;
      return this.fork();
    }
    const chain = this.chain ?? this.nodeId;
    await registerChain(this.db, chain, this.nodeId, nowIso());
    const [head, seal] = await Promise.all([chainHead(this.db, chain), lastSeal(this.db, chain)]);
    if (seal && seal.seq > (head?.seq ?? 0)) return this.fork();
    this.chain = chain;
    this.head = head ?? { seq: 0, hash: GENESIS };
    this.sealedSeq = this.sealingSeq = seal?.seq ?? 0;
    return this.head;
  }

  private async fork(): Promise<{ seq: number; hash: string }> {
    for (;;) {
      const chain = `${this.nodeId}~${randomBytes(4).toString('hex')}`;
      if (await registerChain(this.db, chain, this.nodeId, nowIso())) {
        this.chain = chain;
        this.sealedSeq = this.sealingSeq = 0;
        return (this.head = { seq: 0, hash: GENESIS });
      }
    }
  }

  /** Chains a batch on `head` and signs a seal when one is due; null when there is nothing to store. */
  private async prepare(batch: Pending[], head: { seq: number; hash: string }): Promise<Prepared | null> {
    const chain = this.chain!;
    const toThread = this.sqliteWriter !== null && this.sqliteWriter !== undefined;
    const { rows, text, top } = chainBatch(chain, head, batch.map((p) => p.fields), toThread ? 'text' : 'rows');
    const sealedUpTo = Math.max(this.sealedSeq, this.sealingSeq);
    const due = this.sealWanted || top.seq - sealedUpTo >= this.sealEveryRecords || Date.now() - this.lastSealAt >= this.sealEveryMs;
    let seal: SealRow | null = null;
    if (top.seq > sealedUpTo && due) {
      // A seal that cannot be signed now must not cost the records their commit: the next batch tries again.
      seal = await makeSeal(this.keys, chain, top.seq, top.hash, nowIso()).catch(() => null);
    }
    if (!batch.length && !seal) return null;
    return { rows, text, top, seal };
  }
}
