import { sql, type RawBuilder } from 'kysely';
import { toRecord, type AuditRow, type ExchangeAuditRecord } from './record.js';
import { archivedBefore, type AuditDb } from './store.js';

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
  /**
   * Records before this time (ISO) have been archived (`audit archive`) and are not counted here;
   * null when nothing was. A window reaching back before it is incomplete, and says so.
   */
  archivedBefore: string | null;
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
  const out: AuditStats = { since, until, archivedBefore: await archivedBefore(db), total: { calls: 0, errors: 0, p50Ms: 0, p95Ms: 0 }, service: [], consumer: [], provider: [] };
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

/**
 * The calls about this person (a national code), newest first, a page at a time (for the citizen's
 * data tracker): those that named them by their national code, and those that named them indirectly
 * (a plate, a certificate number, a postal code) and were resolved to them. The two sets are disjoint:
 * a record with resolved people is found through the index only, never by its subject, which is then
 * a plate or a postal code that may look like someone's national code.
 */
export async function accessesOf(db: AuditDb, subject: string, opts: AccessOptions = {}): Promise<{ items: AccessRecord[]; total: number; archivedBefore: string | null }> {
  const limit = Math.min(Math.max(1, Math.trunc(opts.limit ?? 50)), 500);
  const offset = Math.max(0, Math.trunc(opts.offset ?? 0));
  let named = db.selectFrom('exchange_audit as a').where('a.subject', '=', subject).where('a.persons', 'is', null);
  let resolved = db.selectFrom('exchange_audit_persons as p').innerJoin('exchange_audit as a', (j) => j.onRef('a.chain_id', '=', 'p.chain_id').onRef('a.seq', '=', 'p.seq')).where('p.person', '=', subject);
  if (opts.successfulOnly) {
    named = named.where('a.status', '<', 400).where('a.error_type', 'is', null);
    resolved = resolved.where('a.status', '<', 400).where('a.error_type', 'is', null);
  }
  const count = (q: typeof named | typeof resolved) => (q as typeof named).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  // Each half ordered and cut at offset + limit on its own index, then merged: the page never needs either half whole.
  const head = offset + limit;
  const order = <T extends { orderBy: (...a: any[]) => any }>(q: T) => q.orderBy('a.at', 'desc').orderBy('a.chain_id').orderBy('a.seq', 'desc').limit(head);
  const [a, b, n1, n2, archived] = await Promise.all([order(named.selectAll('a')).execute(), order(resolved.selectAll('a')).execute(), count(named), count(resolved), archivedBefore(db)]);
  const rows = ([...a, ...b] as AuditRow[]).sort(newestFirst).slice(offset, head);
  // What was archived is no longer here: the tracker says so rather than silently show less.
  return { items: rows.map((r) => ({ ...toRecord(r), provider: r.provider })), total: Number(n1?.n ?? 0) + Number(n2?.n ?? 0), archivedBefore: archived };
}

/** at descending, then chain ascending, then sequence descending: the tracker's order. */
function newestFirst(x: AuditRow, y: AuditRow): number {
  if (x.at !== y.at) return x.at < y.at ? 1 : -1;
  if (x.chain_id !== y.chain_id) return x.chain_id < y.chain_id ? -1 : 1;
  return Number(y.seq) - Number(x.seq);
}
