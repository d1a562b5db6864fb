import { sql, type Kysely, type Transaction } from 'kysely';
import type { DialectName } from '../db.js';
import { uuidV7 } from '../uuid.js';
import type { JobTables } from './migrations.js';

/** A database or a transaction: scheduling inside the caller's transaction makes the job part of its change. */
export type Executor = Kysely<any> | Transaction<any>;

export interface ClaimedJob {
  id: string;
  kind: string;
  key: string | null;
  payload: unknown;
  attempt: number;
}

export interface FailedJob {
  id: string;
  kind: string;
  key: string | null;
  payload: unknown;
  attempt: number;
  lastError: string | null;
  failedAt: string | null;
}

/** The SQL of durable jobs; every "now" is given by the caller (the platform's clock). */
export class JobStore {
  private readonly db: Kysely<JobTables>;

  constructor(
    db: Kysely<any>,
    private readonly dialect: DialectName,
  ) {
    this.db = db as Kysely<JobTables>;
  }

  /** Inserts the job, or with a key moves the kind's unfinished job of that key to the new time and payload. Returns its id. */
  async schedule(executor: Executor, job: { kind: string; key: string | null; payload: unknown; runAt: string; now: string }): Promise<string> {
    const id = uuidV7();
    const payload = JSON.stringify(job.payload ?? null);
    // A waiting job simply moves (and starts its attempts afresh). A running one keeps its run; when that
    // ends, `rescheduled` sends it back to waiting for the new time instead of to done or a retry.
    const { rows } = await sql<{ id: string }>`
      insert into platform_jobs (id, kind, key, payload, status, run_at, attempt, rescheduled, created_at, updated_at)
      values (${id}, ${job.kind}, ${job.key}, ${payload}, 'waiting', ${job.runAt}, 0, 0, ${job.now}, ${job.now})
      on conflict (kind, key) where finished_at is null do update set
        payload = excluded.payload,
        run_at = excluded.run_at,
        updated_at = excluded.updated_at,
        attempt = case when platform_jobs.status = 'running' then platform_jobs.attempt else 0 end,
        rescheduled = case when platform_jobs.status = 'running' then 1 else 0 end
      returning id`.execute(executor);
    return rows[0]!.id;
  }

  /** Removes the kind's waiting job of this key, or the new time of a running one; true when there was one. */
  async cancel(executor: Executor, kind: string, key: string): Promise<boolean> {
    const e = executor as Kysely<JobTables>;
    const deleted = await e.deleteFrom('platform_jobs').where('kind', '=', kind).where('key', '=', key).where('status', '=', 'waiting').executeTakeFirst();
    const pending = await e
      .updateTable('platform_jobs')
      .set({ rescheduled: 0 })
      .where('kind', '=', kind)
      .where('key', '=', key)
      .where('status', '=', 'running')
      .where('rescheduled', '=', 1)
      .executeTakeFirst();
    return Number(deleted.numDeletedRows) + Number(pending.numUpdatedRows) > 0;
  }

  /**
   * Takes up to `limit` due jobs of these kinds for `node` until `leaseUntil`, in one statement: waiting
   * jobs whose time has come and running ones whose node let the lease expire (it died). PostgreSQL skips
   * rows another node is claiming at the same moment; SQLite runs one writer at a time, so its single
   * UPDATE is atomic across processes. `now` decides what is due; `lease.now` which leases have expired
   * (the two differ when the platform's clock runs ahead of the real time in a demo).
   */
  async claim(kinds: string[], limit: number, node: string, now: string, lease: { now: string; until: string }): Promise<ClaimedJob[]> {
    if (kinds.length === 0 || limit <= 0) return [];
    const leaseUntil = lease.until;
    const kindList = sql.join(kinds.map((k) => sql`${k}`));
    const due = sql`kind in (${kindList}) and ((status = 'waiting' and run_at <= ${now}) or (status = 'running' and locked_until <= ${lease.now}))`;
    const rows =
      this.dialect === 'postgres'
        ? (
            await sql<RawClaim>`
              with picked as (
                select id from platform_jobs where ${due} order by run_at limit ${limit} for update skip locked
              )
              update platform_jobs j set status = 'running', locked_by = ${node}, locked_until = ${leaseUntil},
                attempt = j.attempt + 1, updated_at = ${now}
              from picked where j.id = picked.id
              returning j.id, j.kind, j.key, j.payload, j.attempt`.execute(this.db)
          ).rows
        : (
            await sql<RawClaim>`
              update platform_jobs set status = 'running', locked_by = ${node}, locked_until = ${leaseUntil},
                attempt = attempt + 1, updated_at = ${now}
              where id in (select id from platform_jobs where ${due} order by run_at limit ${limit})
              returning id, kind, key, payload, attempt`.execute(this.db)
          ).rows;
    return rows.map((r) => ({ id: r.id, kind: r.kind, key: r.key, payload: JSON.parse(r.payload) as unknown, attempt: Number(r.attempt) }));
  }

  /** Keeps the lease of a job still running here; false when this node no longer holds it. */
  async extendLease(job: ClaimedJob, node: string, leaseUntil: string): Promise<boolean> {
    const r = await this.held(this.db.updateTable('platform_jobs').set({ locked_until: leaseUntil }), job, node).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** The run succeeded: done (or waiting again when it was scheduled anew meanwhile). False when the lease was lost. */
  async complete(job: ClaimedJob, node: string, now: string): Promise<boolean> {
    const r = await this.held(
      this.db.updateTable('platform_jobs').set({
        status: sql`case when rescheduled = 1 then 'waiting' else 'done' end`,
        finished_at: sql`case when rescheduled = 1 then null else ${now} end`,
        attempt: sql`case when rescheduled = 1 then 0 else attempt end`,
        rescheduled: 0,
        locked_by: null,
        locked_until: null,
        updated_at: now,
      }),
      job,
      node,
    ).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * The run failed: waiting again at `retryAt`, or failed for good when `retryAt` is null (attempts used
   * up). Scheduled anew meanwhile, it waits for that time with its attempts afresh. False when the lease was lost.
   */
  async fail(job: ClaimedJob, node: string, now: string, error: string, retryAt: string | null): Promise<boolean> {
    const again = retryAt !== null;
    const r = await this.held(
      this.db.updateTable('platform_jobs').set({
        status: sql`case when rescheduled = 1 then 'waiting' else ${again ? 'waiting' : 'failed'} end`,
        run_at: sql`case when rescheduled = 1 then run_at else ${retryAt ?? now} end`,
        finished_at: again ? null : sql`case when rescheduled = 1 then null else ${now} end`,
        attempt: sql`case when rescheduled = 1 then 0 else attempt end`,
        rescheduled: 0,
        last_error: error.slice(0, 4000),
        locked_by: null,
        locked_until: null,
        updated_at: now,
      }),
      job,
      node,
    ).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async stats(now: string): Promise<{ waiting: number; due: number; running: number; failed: number; oldestDueAt: string | null }> {
    const counts = await this.db
      .selectFrom('platform_jobs')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', 'in', ['waiting', 'running', 'failed'])
      .groupBy('status')
      .execute();
    const due = await this.db
      .selectFrom('platform_jobs')
      .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('run_at').as('oldest')])
      .where('status', '=', 'waiting')
      .where('run_at', '<=', now)
      .executeTakeFirstOrThrow();
    const n = (s: string) => Number(counts.find((c) => c.status === s)?.n ?? 0);
    return { waiting: n('waiting'), due: Number(due.n), running: n('running'), failed: n('failed'), oldestDueAt: (due.oldest as string | null) ?? null };
  }

  async failures(limit: number): Promise<FailedJob[]> {
    const rows = await this.db
      .selectFrom('platform_jobs')
      .select(['id', 'kind', 'key', 'payload', 'attempt', 'last_error', 'finished_at'])
      .where('status', '=', 'failed')
      .orderBy('finished_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, kind: r.kind, key: r.key, payload: JSON.parse(r.payload) as unknown, attempt: Number(r.attempt), lastError: r.last_error, failedAt: r.finished_at }));
  }

  /** A failed job waits again from `now` with its attempts afresh. False when there is no such failed job. */
  async retry(id: string, now: string): Promise<boolean> {
    const r = await this.db
      .updateTable('platform_jobs')
      .set({ status: 'waiting', run_at: now, attempt: 0, finished_at: null, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Deletes done jobs finished before `before`; failed ones stay until an operator retries them. */
  async pruneDone(before: string): Promise<number> {
    const r = await this.db.deleteFrom('platform_jobs').where('status', '=', 'done').where('finished_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** An update only the node holding this attempt's lease may make. */
  private held<Q extends { where: (...args: any[]) => Q }>(q: Q, job: ClaimedJob, node: string): Q {
    return q.where('id', '=', job.id).where('locked_by', '=', node).where('attempt', '=', job.attempt).where('status', '=', 'running');
  }
}

interface RawClaim {
  id: string;
  kind: string;
  key: string | null;
  payload: string;
  attempt: number;
}
