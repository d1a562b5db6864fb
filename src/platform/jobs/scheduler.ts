import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { DialectName } from '../db.js';
import { conflict } from '../errors.js';
import type { CheckOutcome } from '../readiness.js';
import { JobStore, type ClaimedJob, type Executor, type FailedJob } from './store.js';

/** What a handler is given: the payload as scheduled and which attempt this is (1 for the first). */
export interface JobRun {
  id: string;
  kind: string;
  key: string | null;
  payload: unknown;
  attempt: number;
}

export type JobHandler = (job: JobRun) => Promise<void>;

export interface JobKindOptions {
  /** Attempts in all before the job is marked failed (default 5). */
  maxAttempts?: number;
  /** The wait before attempt `attempt + 1` after attempt `attempt` failed (default 30 s doubling, at most an hour). */
  backoffMs?: (attempt: number) => number;
}

export interface JobsOptions {
  /** Every "now" (due, lease, backoff) comes from it, so the demo clock and tests move jobs. */
  clock: Clock;
  /**
   * The time leases are measured in (default `clock`). Give the real time (`systemClock`) when `clock` can
   * be moved (the demo's DatabaseClock): moving the platform's time by a day must not expire the lease of
   * a job running at that moment and let another node run it a second time.
   */
  leaseClock?: Clock;
  /** This node's name in leases (unique per process: host and pid, say). */
  nodeId: string;
  /** How often the loop looks for due jobs when it found none (default 1 s). */
  pollMs?: number;
  /** How long a claimed job is this node's before another may take it (default 60 s); renewed while the handler runs. */
  leaseMs?: number;
  /** Jobs claimed and run at once by one pass (default 10). */
  batch?: number;
  /** How long done jobs are kept before the loop deletes them (default 7 days). */
  keepDoneMs?: number;
  log?: (msg: string, detail: Record<string, unknown>) => void;
}

export interface JobStats {
  /** Jobs waiting, due or not. */
  waiting: number;
  /** Waiting jobs whose time has come. */
  due: number;
  running: number;
  /** Jobs that used up their attempts; they stay until retried (`retry`). */
  failed: number;
  /** How long the oldest due job has waited past its time; null when none is due. */
  oldestDueLagMs: number | null;
}

/** How one run ended: done, to be retried, failed for good, or taken over by another node (lease lost). */
export type JobRunResult = 'done' | 'retry' | 'failed' | 'lost';

/** Told of every run on this node (metrics): the kind, never the payload. */
export type JobRunObserver = (kind: string, result: JobRunResult, seconds: number) => void;

export const DEFAULT_MAX_ATTEMPTS = 5;
export const defaultBackoffMs = (attempt: number): number => Math.min(30_000 * 2 ** (attempt - 1), 3_600_000);

interface Registration {
  handler: JobHandler;
  maxAttempts: number;
  backoffMs: (attempt: number) => number;
}

/**
 * Durable scheduled jobs: kept in the database (they survive restarts), claimed under a lease by one
 * node at a time (they run once across nodes while that node lives), and retried with backoff when
 * they throw. A node that dies mid-job lets its lease expire and another node runs the job again, so
 * delivery is at least once: handlers must be idempotent (check the state they act on first).
 */
export class Jobs {
  private readonly store: JobStore;
  private readonly kinds = new Map<string, Registration>();
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly batch: number;
  private readonly keepDoneMs: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly leaseClock: Clock;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private lastPrune = -Infinity;
  private observer: JobRunObserver | null = null;
  /** For `health()` (Date.now()): when the loop started, when its latest pass began, and that pass's error if it failed. */
  private startedAt = 0;
  private lastPollAt = 0;
  private lastPassError: string | null = null;

  constructor(
    db: Kysely<any>,
    dialect: DialectName,
    private readonly opts: JobsOptions,
  ) {
    this.store = new JobStore(db, dialect);
    this.pollMs = opts.pollMs ?? 1000;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.batch = opts.batch ?? 10;
    this.keepDoneMs = opts.keepDoneMs ?? 7 * 86_400_000;
    this.leaseClock = opts.leaseClock ?? opts.clock;
  }

  /** Measures every run on this node from now on. */
  observe(o: JobRunObserver): void {
    this.observer = o;
  }

  /** The handler of one kind on this node; a node claims only kinds it has handlers for. */
  register(kind: string, handler: JobHandler, opts: JobKindOptions = {}): void {
    if (this.kinds.has(kind)) throw new Error(`job kind ${kind} is already registered`);
    const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`job kind ${kind}: maxAttempts must be a whole number ≥ 1`);
    this.kinds.set(kind, { handler, maxAttempts, backoffMs: opts.backoffMs ?? defaultBackoffMs });
  }

  /**
   * Schedules a job at `runAt` (in the past: as soon as a node polls). Give the caller's transaction as
   * `executor` to make the job exist only if that transaction commits. With a `key`, the kind's
   * unfinished job of that key is moved instead (new time and payload); if it is running, it runs again
   * at the new time after this run. Returns the job's id.
   */
  schedule(executor: Executor, kind: string, payload: unknown, opts: { runAt: Date; key?: string }): Promise<string> {
    if (Number.isNaN(opts.runAt.getTime())) throw new TypeError('schedule: runAt is not a time');
    return this.store.schedule(executor, { kind, key: opts.key ?? null, payload, runAt: opts.runAt.toISOString(), now: this.opts.clock.nowIso() });
  }

  /** Removes the kind's waiting job of this key (a running one finishes its run); true when there was one. */
  cancel(executor: Executor, kind: string, key: string): Promise<boolean> {
    return this.store.cancel(executor, kind, key);
  }

  /** Polls until `stop()`: a pass, then the next at once when the pass was full, else after `pollMs`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedAt = Date.now();
    const tick = async () => {
      this.timer = null;
      this.lastPollAt = Date.now();
      let claimed = 0;
      try {
        claimed = await this.track(this.runDue(this.batch));
        await this.pruneNowAndThen();
        this.lastPassError = null;
      } catch (e) {
        this.lastPassError = errorText(e);
        this.opts.log?.('job pass failed', { node: this.opts.nodeId, error: errorText(e) });
      }
      if (this.running) this.timer = setTimeout(tick, claimed >= this.batch ? 0 : this.pollMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling and waits for the handlers running here to end (their jobs are then done, retried or failed). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** One pass: claims up to `limit` due jobs and runs them; returns how many ran (succeeded or not). */
  async runDue(limit = this.batch): Promise<number> {
    const claimed = await this.store.claim([...this.kinds.keys()], limit, this.opts.nodeId, this.opts.clock.nowIso(), { now: this.leaseClock.nowIso(), until: this.leaseEnd() });
    await Promise.all(claimed.map((job) => this.track(this.execute(job))));
    return claimed.length;
  }

  /**
   * For /readyz: down when the loop is not started, when its latest pass failed, or when it has not
   * polled for `max(10 × pollMs, leaseMs)` (a pass waits for the handlers it started, so a stuck one
   * stops the loop).
   */
  health(now = Date.now()): CheckOutcome {
    if (!this.running) return { status: 'down', reason: 'the job scheduler is not started' };
    const since = now - (this.lastPollAt || this.startedAt);
    const detail = { lastPollAgoMs: since };
    if (this.lastPassError) return { status: 'down', reason: `the last poll failed: ${this.lastPassError}`, ...detail };
    const limit = Math.max(10 * this.pollMs, this.leaseMs);
    if (since > limit) return { status: 'down', reason: `no poll for ${since} ms (at most ${limit} expected)`, ...detail };
    return detail;
  }

  async stats(): Promise<JobStats> {
    const now = this.opts.clock.now();
    const s = await this.store.stats(now.toISOString());
    return { waiting: s.waiting, due: s.due, running: s.running, failed: s.failed, oldestDueLagMs: s.oldestDueAt ? now.getTime() - Date.parse(s.oldestDueAt) : null };
  }

  /** The newest failed jobs with their last error, for an operator. */
  failures(limit = 50): Promise<FailedJob[]> {
    return this.store.failures(limit);
  }

  /** Sends a failed job back to waiting, due now, with its attempts afresh; false when no failed job has this id. */
  async retry(id: string): Promise<boolean> {
    try {
      return await this.store.retry(id, this.opts.clock.nowIso());
    } catch (e) {
      // The unique (kind, key) among unfinished jobs: the key was scheduled again since this one failed.
      if (/unique|duplicate/i.test(errorText(e))) {
        throw conflict('job_key_taken', 'کار دیگری با همین کلید در انتظار است.', 'Another job with the same key is already waiting.');
      }
      throw e;
    }
  }

  private async execute(job: ClaimedJob): Promise<void> {
    const node = this.opts.nodeId;
    const reg = this.kinds.get(job.kind)!;
    if (job.attempt > reg.maxAttempts) {
      // The node that ran its last attempt died (its lease expired): that attempt counts; no more.
      await this.store.fail(job, node, this.opts.clock.nowIso(), `attempt ${job.attempt - 1} of ${reg.maxAttempts} ended with its node (lease expired)`, null);
      this.opts.log?.('job failed', { node, id: job.id, kind: job.kind, attempt: job.attempt - 1, error: 'lease expired' });
      return;
    }
    const heartbeat = setInterval(() => {
      this.store.extendLease(job, node, this.leaseEnd()).then(
        (held) => held || this.opts.log?.('job lease lost while running', { node, id: job.id, kind: job.kind }),
        (e: unknown) => this.opts.log?.('job lease not renewed', { node, id: job.id, error: errorText(e) }),
      );
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    heartbeat.unref();
    let error: unknown = null;
    let failed = false;
    const t0 = this.observer ? performance.now() : 0;
    try {
      await reg.handler({ id: job.id, kind: job.kind, key: job.key, payload: job.payload, attempt: job.attempt });
    } catch (e) {
      failed = true;
      error = e;
    } finally {
      clearInterval(heartbeat);
    }
    const now = this.opts.clock.now();
    let held: boolean;
    if (!failed) {
      held = await this.store.complete(job, node, now.toISOString());
    } else {
      const last = job.attempt >= reg.maxAttempts;
      const retryAt = last ? null : new Date(now.getTime() + Math.max(0, reg.backoffMs(job.attempt))).toISOString();
      held = await this.store.fail(job, node, now.toISOString(), errorText(error), retryAt);
      this.opts.log?.(last ? 'job failed' : 'job will be retried', { node, id: job.id, kind: job.kind, attempt: job.attempt, retryAt, error: errorText(error) });
    }
    this.observer?.(job.kind, !held ? 'lost' : !failed ? 'done' : job.attempt >= reg.maxAttempts ? 'failed' : 'retry', (performance.now() - t0) / 1000);
    // Another node took the job over after our lease expired; its run is the one that counts.
    if (!held) this.opts.log?.('job lease lost: its outcome here is dropped', { node, id: job.id, kind: job.kind, attempt: job.attempt, failed });
  }

  private leaseEnd(): string {
    return new Date(this.leaseClock.now().getTime() + this.leaseMs).toISOString();
  }

  /** Done jobs are kept `keepDoneMs` (what ran when, for whoever asks why a reminder went out), then deleted, at most once a minute per node. */
  private async pruneNowAndThen(): Promise<void> {
    if (performance.now() - this.lastPrune < 60_000) return;
    this.lastPrune = performance.now();
    await this.store.pruneDone(new Date(this.opts.clock.now().getTime() - this.keepDoneMs).toISOString());
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    const forget = () => this.inFlight.delete(p);
    p.then(forget, forget);
    return p;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
