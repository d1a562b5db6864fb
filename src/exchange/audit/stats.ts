import { sql, type RawBuilder } from 'kysely';
import { toRecord, type AuditRow, type ExchangeAuditRecord } from './record.js';
import type { AuditDb } from './store.js';

export type StatsDimension = 'service' | 'consumer' | 'provider';

export interface StatsRow {
  /** The service id, consumer subsystem or provider member; null for calls refused before it was known. */
  key: string | null;
  calls: number;
  /** Calls answered with a 4xx or 5xx, or carrying an error type. */
  errors: number;
  p50Ms: number;
  p95Ms: number;
}

export interface AuditStats {
  since: string;
  until: string;
  total: Omit<StatsRow, 'key'>;
  service: StatsRow[];
  consumer: StatsRow[];
  provider: StatsRow[];
}

const COLUMN: Record<StatsDimension, string> = { service: 'service', consumer: 'client', provider: 'provider' };

/**
 * Calls, errors and nearest-rank p50/p95 latency per group over [since, until). The database does the
 * work with window functions (SQLite ≥ 3.25 and PostgreSQL both have them) and returns at most two rows
 * per group, so no window's latencies are ever loaded into memory.
 */
async function grouped(db: AuditDb, column: string | null, since: string, until: string): Promise<StatsRow[]> {
  const part: RawBuilder<unknown> = column ? sql`partition by ${sql.ref(column)}` : sql``;
  const key = column ? sql.ref(column) : sql`null`;
  const { rows } = await sql<{ k: string | null; n: number; errors: number; rn: number; latency_us: number }>`
    select k, n, errors, rn, latency_us from (
      select ${key} as k, latency_us,
        row_number() over (${part} order by latency_us) as rn,
        count(*) over (${part}) as n,
        sum(case when status >= 400 or error_type is not null then 1 else 0 end) over (${part}) as errors
      from exchange_audit where at >= ${since} and at < ${until}
    ) t
    where rn = (n * 50 + 99) / 100 or rn = (n * 95 + 99) / 100`.execute(db);
  const byKey = new Map<string | null, StatsRow>();
  for (const r of rows) {
    const n = Number(r.n);
    let s = byKey.get(r.k);
    if (!s) byKey.set(r.k, (s = { key: r.k, calls: n, errors: Number(r.errors), p50Ms: 0, p95Ms: 0 }));
    const ms = Number(r.latency_us) / 1000;
    const rn = Number(r.rn);
    // A group of one or two calls has one row for both ranks.
    if (rn === Math.floor((n * 50 + 99) / 100)) s.p50Ms = ms;
    if (rn === Math.floor((n * 95 + 99) / 100)) s.p95Ms = ms;
  }
  return [...byKey.values()].sort((a, b) => b.calls - a.calls || String(a.key).localeCompare(String(b.key)));
}

export async function auditStats(db: AuditDb, opts: { since: Date | string; until?: Date | string; by?: StatsDimension[] }): Promise<AuditStats> {
  const since = new Date(opts.since).toISOString();
  const until = new Date(opts.until ?? Date.now()).toISOString();
  const by = opts.by ?? ['service', 'consumer', 'provider'];
  const [total] = await grouped(db, null, since, until);
  const out: AuditStats = { since, until, total: { calls: 0, errors: 0, p50Ms: 0, p95Ms: 0 }, service: [], consumer: [], provider: [] };
  if (total) out.total = { calls: total.calls, errors: total.errors, p50Ms: total.p50Ms, p95Ms: total.p95Ms };
  for (const d of by) out[d] = await grouped(db, COLUMN[d], since, until);
  return out;
}

export interface AccessOptions {
  limit?: number;
  offset?: number;
  /** Only calls that were answered with a 2xx or 3xx (data actually left the provider). */
  successfulOnly?: boolean;
}

export type AccessRecord = ExchangeAuditRecord & { provider: string | null };

/** The calls that named this data subject, newest first, a page at a time (for the citizen's data tracker). */
export async function accessesOf(db: AuditDb, subject: string, opts: AccessOptions = {}): Promise<{ items: AccessRecord[]; total: number }> {
  const limit = Math.min(Math.max(1, Math.trunc(opts.limit ?? 50)), 500);
  const offset = Math.max(0, Math.trunc(opts.offset ?? 0));
  let q = db.selectFrom('exchange_audit').where('subject', '=', subject);
  if (opts.successfulOnly) q = q.where('status', '<', 400).where('error_type', 'is', null);
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('at', 'desc').orderBy('chain_id').orderBy('seq', 'desc').limit(limit).offset(offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
  ]);
  return { items: rows.map((r) => ({ ...toRecord(r as AuditRow), provider: r.provider })), total: Number(count?.n ?? 0) };
}
