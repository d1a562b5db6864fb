import { sql, type Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import type { Jobs } from '../../platform/jobs/index.js';

/**
 * PostgreSQL only: `exchange_audit` is partitioned by month (declarative range partitioning on `at`,
 * the ISO text of the call's time, UTC), so that a month of a log of billions of rows is one table
 * that archiving can drop whole instead of deleting row by row, and so that indexes stay the size of a
 * month. SQLite keeps one table: it is the embedded, single-node database, whose log a node of a
 * national deployment never holds, and it has no partitioning (a table per month there would be
 * queries rewritten for every month); its archive deletes in batches.
 *
 * A partition is `exchange_audit_yYYYYmMM` for [first instant of the month, first instant of the next),
 * in ISO text (`2026-12-01T00:00:00.000Z`), which sorts as the times do because every `at` is written in
 * that one form (record.ts). Each partition has its own unique index on (chain_id, seq): PostgreSQL
 * refuses a unique index on the parent that leaves out the partition key, so uniqueness across
 * months is kept by the chain's head row instead (store.ts, `head_seq`).
 *
 * Partitions are made ahead (the current and the next month) by a daily job and at a gateway's
 * start, and at write time when one is missing anyway (a node started long ago, a clock moved, an
 * old record): the insert fails with "no partition of relation found for row", the writer makes the
 * month's partition and tries the batch again, so no record is refused or lost. Nodes that meet a
 * missing month at the same moment (00:00 on the 1st) queue on one advisory lock, and all but the
 * first find it made. The partition is made as a table of its own and then attached, which locks the
 * parent only against schema changes (SHARE UPDATE EXCLUSIVE), never against other nodes' inserts.
 */

export const PARENT = 'exchange_audit';

/** The first instant of the UTC month holding `t`. */
export function monthStart(t: Date | string): Date {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a time: ${String(t)}`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

export const nextMonth = (month: Date): Date => new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));

/** `2026-12`. */
export const monthKey = (t: Date | string): string => monthStart(t).toISOString().slice(0, 7);

export const partitionName = (month: Date, parent = PARENT): string => {
  const m = monthStart(month);
  return `${parent}_y${m.getUTCFullYear()}m${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
};

/** A partition as the catalogue describes it. */
export interface AuditPartition {
  name: string;
  /** Its range [from, to), ISO. */
  from: string;
  to: string;
}

/** The insert failed because no partition takes the row's month (PostgreSQL's check_violation). */
export function isMissingPartition(e: unknown): boolean {
  const x = e as { code?: unknown; message?: unknown };
  return x?.code === '23514' && typeof x.message === 'string' && /no partition of relation/.test(x.message);
}

/** True when `exchange_audit` is a partitioned table (after the migration, on PostgreSQL). */
export async function isPartitioned(db: Kysely<any>, table = PARENT): Promise<boolean> {
  const { rows } = await sql<{ kind: string | null }>`select (select relkind from pg_class where oid = to_regclass(${table}))::text as kind`.execute(db);
  return rows[0]?.kind === 'p';
}

/**
 * Makes the month's partition of `parent` unless it exists, in the caller's transaction, which must
 * hold the partitions' lock (`lockPartitions`) or an exclusive lock on the parent. True when made.
 */
export async function createPartition(tx: Kysely<any>, month: Date, parent = PARENT): Promise<boolean> {
  const from = monthStart(month);
  const name = partitionName(from, parent);
  const { rows } = await sql<{ found: boolean }>`select to_regclass(${name}) is not null as found`.execute(tx);
  if (rows[0]?.found) return false;
  // Names and bounds are made here from a date, never from input: safe as raw SQL.
  await sql.raw(`create table ${name} (like ${parent} including defaults)`).execute(tx);
  await sql.raw(`create unique index ${name}_chain_seq on ${name} (chain_id, seq)`).execute(tx);
  // Attaching creates the parent's indexes (time, subject, X-Road-Id) on it: on an empty table, at once.
  await sql.raw(`alter table ${parent} attach partition ${name} for values from ('${from.toISOString()}') to ('${nextMonth(from).toISOString()}')`).execute(tx);
  return true;
}

/** One lock per schema for making and dropping partitions, held to the end of the transaction. */
export const lockPartitions = (tx: Kysely<any>) => sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.exchange_audit.partitions'))`.execute(tx);

/** Makes the partitions of these months that are missing, each in a short transaction of its own; returns those made. */
export async function ensurePartitions(db: Kysely<any>, months: Iterable<Date>): Promise<string[]> {
  const made: string[] = [];
  const seen = new Set<string>();
  for (const m of months) {
    const month = monthStart(m);
    const key = month.toISOString();
    if (seen.has(key)) continue;
    seen.add(key);
    const created = await db.transaction().execute(async (tx) => {
      await lockPartitions(tx);
      return createPartition(tx, month);
    });
    if (created) made.push(partitionName(month));
  }
  return made;
}

/** The current and the next month's partitions (at start and daily): a write at 00:00 on the 1st then finds its month made. */
export const ensureCurrentPartitions = (db: Kysely<any>, now = new Date()): Promise<string[]> => ensurePartitions(db, [monthStart(now), nextMonth(monthStart(now))]);

/** The partitions of the months these record times fall in (after an insert found one missing). */
export const ensurePartitionsFor = (db: Kysely<any>, ats: Iterable<string>): Promise<string[]> => ensurePartitions(db, [...ats].map((at) => monthStart(at)));

/** Every partition of `exchange_audit`, oldest first. */
export async function listPartitions(db: Kysely<any>, parent = PARENT): Promise<AuditPartition[]> {
  const { rows } = await sql<{ name: string; bound: string }>`
    select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = to_regclass(${parent})
    order by c.relname`.execute(db);
  return rows.map((r) => {
    const b = /FROM \('([^']*)'\) TO \('([^']*)'\)/.exec(r.bound);
    return { name: r.name, from: b?.[1] ?? '', to: b?.[2] ?? '' };
  });
}

/** The daily job that makes the coming partitions (registered on PostgreSQL by the platform). */
export const AUDIT_PARTITIONS_JOB = 'exchange.audit.partitions';

/**
 * The migration's work: turns an existing `exchange_audit` into the partitioned table, in the
 * migration's transaction (all or nothing). The old table is locked first, so that nodes of the
 * previous version still writing wait for the end instead of writing rows the copy would miss; their
 * INSERT then finds the new table under the old name. One partition is made per month that holds
 * rows (found by seeking the time index month by month, not by a scan), the rows are copied, the old
 * table dropped and the new one renamed; the indexes are built after the copy (faster than updating
 * them row by row) on the parent, which builds them on every partition. The copy of a large log takes
 * a while (with the gateways waiting): archive most of it first, or upgrade in a quiet hour.
 */
export async function partitionAuditTable(tx: Kysely<any>): Promise<{ partitions: number; rows: number }> {
  if (await isPartitioned(tx)) return { partitions: 0, rows: 0 };
  const staging = `${PARENT}_partitioned`;
  await sql.raw(`lock table ${PARENT} in access exclusive mode`).execute(tx);
  await sql.raw(`create table ${staging} (like ${PARENT} including defaults) partition by range (at)`).execute(tx);
  let partitions = 0;
  let from: string | null = '';
  for (;;) {
    const { rows } = await sql<{ at: string | null }>`select min(at) as at from ${sql.table(PARENT)} where at >= ${from}`.execute(tx);
    const at = rows[0]?.at ?? null;
    if (at === null) break;
    const month = monthStart(at);
    await createPartition(tx, month, staging);
    partitions++;
    from = nextMonth(month).toISOString();
  }
  const columns = (await sql<{ name: string }>`select attname as name from pg_attribute where attrelid = to_regclass(${PARENT}) and attnum > 0 and not attisdropped order by attnum`.execute(tx)).rows.map((r) => `"${r.name}"`).join(', ');
  const copied = await sql.raw(`insert into ${staging} (${columns}) select ${columns} from ${PARENT}`).execute(tx);
  await sql.raw(`drop table ${PARENT}`).execute(tx);
  await sql.raw(`alter table ${staging} rename to ${PARENT}`).execute(tx);
  // The partitions keep their staging names' prefix: rename them to the parent's.
  for (const p of await listPartitions(tx)) {
    if (!p.name.startsWith(`${staging}_`)) continue;
    const name = partitionName(new Date(p.from));
    await sql.raw(`alter table ${p.name} rename to ${name}`).execute(tx);
    await sql.raw(`alter index ${p.name}_chain_seq rename to ${name}_chain_seq`).execute(tx);
  }
  await sql.raw(`create index exchange_audit_at on ${PARENT} (at)`).execute(tx);
  await sql.raw(`create index exchange_audit_subject on ${PARENT} (subject, at) where subject is not null`).execute(tx);
  await sql.raw(`create index exchange_audit_xroad_id on ${PARENT} (id)`).execute(tx);
  return { partitions, rows: Number(copied.numAffectedRows ?? 0) };
}

/**
 * Registers the daily job that makes the current and next month's partitions (PostgreSQL). Scheduled
 * at every worker's start with the key `daily` (one job however many nodes start), it runs then and
 * schedules itself a day later. Months follow the real time, as records' times do, not a demo clock.
 */
export function registerAuditPartitionsJob(jobs: Jobs, db: Kysely<any>, clock: Clock): void {
  jobs.register(AUDIT_PARTITIONS_JOB, async () => {
    await ensureCurrentPartitions(db);
    await jobs.schedule(db, AUDIT_PARTITIONS_JOB, {}, { runAt: new Date(clock.now().getTime() + 86_400_000), key: 'daily' });
  });
}
