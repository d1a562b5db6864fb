import { Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import type { Role } from './config.js';
import type { DatabaseHandle } from './db.js';

/**
 * `/readyz`: whether this node can do its roles' work now. Capabilities register named checks through
 * the platform's wiring (src/app.ts); each says which roles need it. A report runs the checks this
 * node's roles need side by side, each bounded by its timeout so that a hung database or Redis makes
 * the answer "not ready" rather than no answer; the checks no role of this node needs are reported
 * `not_needed` without running. A load balancer sends traffic only to a node answering 200.
 */

/** What a check finds: `up` unless it says `down`; any other field is detail for the operator (never a secret). */
export interface CheckOutcome {
  status?: 'up' | 'down';
  /** Why, in English, when down (or a note when up). */
  reason?: string;
  [detail: string]: unknown;
}

export interface ReadinessCheck {
  /** The roles whose work needs it, or 'all'. */
  neededBy: readonly Role[] | 'all';
  /** Throws, or resolves `{ status: 'down' }`, when the component cannot do its work. */
  run(): Promise<CheckOutcome> | CheckOutcome;
  /** Default: the registry's (2 s). */
  timeoutMs?: number;
}

export type CheckReport = ({ status: 'up' | 'down'; latencyMs: number; reason?: string } & Record<string, unknown>) | { status: 'not_needed' };

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  node: string;
  roles: Role[];
  checks: Record<string, CheckReport>;
}

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly closers: Array<() => Promise<void>> = [];
  private running: Promise<ReadinessReport> | null = null;

  constructor(private readonly opts: { node: string; roles: Role[]; timeoutMs?: number }) {}

  register(name: string, check: ReadinessCheck & { close?: () => Promise<void> }): void {
    if (this.checks.has(name)) throw new Error(`readiness check ${name} is already registered`);
    this.checks.set(name, check);
    if (check.close) this.closers.push(check.close);
  }

  /**
   * Runs the checks. Probes arriving while a report is being made share it, so a slow database meets
   * one probe's queries, not one per load balancer's request.
   */
  report(): Promise<ReadinessReport> {
    this.running ??= this.make().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async close(): Promise<void> {
    await Promise.all(this.closers.map((c) => c().catch(() => undefined)));
  }

  private async make(): Promise<ReadinessReport> {
    const roles = this.opts.roles;
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]): Promise<[string, CheckReport]> => {
        const needed = check.neededBy === 'all' || check.neededBy.some((r) => roles.includes(r));
        if (!needed) return [name, { status: 'not_needed' }];
        return [name, await runBounded(check, check.timeoutMs ?? this.opts.timeoutMs ?? 2000)];
      }),
    );
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, r]) => r.status !== 'down');
    return { status: ready ? 'ready' : 'not_ready', node: this.opts.node, roles: [...roles], checks };
  }
}

async function runBounded(check: ReadinessCheck, timeoutMs: number): Promise<CheckReport> {
  const started = performance.now();
  const latency = () => Math.round((performance.now() - started) * 10) / 10;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'down', reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    const { status, reason, ...detail } = await Promise.race([Promise.resolve().then(() => check.run()), timedOut]);
    return { status: status ?? 'up', latencyMs: latency(), ...(reason ? { reason } : {}), ...detail };
  } catch (e) {
    return { status: 'down', latencyMs: latency(), reason: errorText(e) };
  } finally {
    clearTimeout(timer);
  }
}

export function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message || e.name : String(e);
  // Errors of drivers may quote a connection string: never its password.
  return m.replace(/(\w+:\/\/[^/:@\s]*):[^@\s/]*@/g, '$1:***@');
}

/** The names of the migrations the database has applied; empty when it has none yet (a new database or schema). */
export async function appliedMigrations(db: Kysely<any>): Promise<Set<string>> {
  try {
    const { rows } = await sql<{ name: string }>`select name from schema_migrations`.execute(db);
    return new Set(rows.map((r) => r.name));
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === '42P01' || /no such table/i.test(errorText(e))) return new Set();
    throw e;
  }
}

export interface MigrationState {
  applied: number;
  /** What this version knows and the database has not applied yet. */
  pending: string[];
  /** What the database has applied and this version does not know: a newer version ran on it. */
  unknown: string[];
}

export async function migrationState(db: Kysely<any>, known: readonly string[]): Promise<MigrationState> {
  const applied = await appliedMigrations(db);
  const names = new Set(known);
  return { applied: applied.size, pending: known.filter((n) => !applied.has(n)), unknown: [...applied].filter((n) => !names.has(n)).sort() };
}

/**
 * The database answers and has every migration this version knows. One that a newer version applied
 * is no reason to stop serving (nodes of two versions meet during a rolling upgrade); a pending one is:
 * this version's queries would meet tables it does not have.
 */
export function databaseCheck(database: DatabaseHandle, known: readonly string[]): ReadinessCheck {
  return {
    neededBy: 'all',
    async run() {
      const m = await migrationState(database.db, known);
      const detail = { dialect: database.dialect, migrations: { applied: m.applied, pending: m.pending.length, unknown: m.unknown.length } };
      if (m.pending.length) return { status: 'down', reason: `${m.pending.length} migration(s) not applied: ${m.pending.slice(0, 5).join(', ')}${m.pending.length > 5 ? ', …' : ''}`, ...detail };
      return detail;
    },
  };
}

/**
 * Redis answers PING. One connection of its own, opened at the first report and kept (a probe every
 * few seconds must not open one each time); it never queues a command while disconnected, so a probe
 * meeting Redis down fails at once instead of waiting.
 */
export function redisCheck(url: string, neededBy: readonly Role[], timeoutMs = 1500): ReadinessCheck & { close(): Promise<void> } {
  let redis: Redis | undefined;
  let lastError: string | undefined;
  const client = () => {
    if (redis) return redis;
    redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: (n) => Math.min(n * 200, 2000) });
    redis.on('error', (e: unknown) => {
      lastError = errorText(e);
    });
    return redis;
  };
  return {
    neededBy,
    timeoutMs,
    async run() {
      const r = client();
      if (r.status === 'wait') await r.connect().catch(() => undefined);
      if (r.status !== 'ready') return { status: 'down', reason: `not connected (${r.status})${lastError ? `: ${lastError}` : ''}` };
      const pong = await r.ping();
      return pong === 'PONG' ? {} : { status: 'down', reason: `PING answered ${pong}` };
    },
    async close() {
      const r = redis;
      redis = undefined;
      if (r) r.disconnect();
    },
  };
}
