import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import { ConfigError, loadConfig, type Config, type ConfigFlags, type Role } from '../platform/config.js';
import { openDatabase, type DatabaseHandle } from '../platform/db.js';
import type { KeyTables } from '../platform/keys.js';
import { errorText, migrationState } from '../platform/readiness.js';

/**
 * `panjareh doctor`: a configuration checked before a start, without starting anything. It reads
 * and probes, never writes: it does not migrate, makes no key, sends no message (a carrier is probed
 * with a TCP connection or an HTTP HEAD) and creates no SQLite file. Each check is ok, warn (starts,
 * but look) or fail (fix it first). No reason names a secret: passwords in addresses and the values
 * of the secret settings are masked before anything is returned.
 */

export type DoctorStatus = 'ok' | 'warn' | 'fail';
export interface DoctorCheck {
  name: string;
  status: DoctorStatus;
  /** In English; the command line prints no Persian elsewhere either. */
  reason: string;
}
export interface DoctorReport {
  /** No check failed. */
  ok: boolean;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  /** As `start` takes them (`--roles`). */
  flags?: ConfigFlags;
  /** PostgreSQL schema (tests; an operator sets PGOPTIONS). */
  pgSchema?: string;
  /** Each probe's limit (default 3 s). */
  timeoutMs?: number;
  /** The migrations this version knows (default: every capability's, from src/app.ts). */
  migrations?: readonly string[];
}

/** Clocks further apart than this get a warning: leases, one-time codes and tokens compare times across nodes. */
export const CLOCK_SKEW_WARN_MS = 5000;

/** Settings whose values are secrets: masked wherever they might appear in a reason. */
const SECRET_SETTINGS = ['PANJAREH_SMS_TOKEN', 'PANJAREH_SMS_PASSWORD', 'PANJAREH_SMTP_PASSWORD', 'PANJAREH_PSP_SECRET', 'PANJAREH_PASSWORD', 'PGPASSWORD'];

export async function doctor(env: NodeJS.ProcessEnv, opts: DoctorOptions = {}): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const add = (name: string, status: DoctorStatus, reason: string) => checks.push({ name, status, reason });
  const timeoutMs = opts.timeoutMs ?? 3000;
  const report = () => {
    const mask = masker(env);
    const masked = checks.map((c) => ({ ...c, reason: mask(c.reason) }));
    return { ok: masked.every((c) => c.status !== 'fail'), checks: masked };
  };

  let config: Config;
  try {
    config = loadConfig(env, opts.flags ?? {});
  } catch (e) {
    // Every other check reads the settings: this one line is the whole report.
    if (!(e instanceof ConfigError)) throw e;
    add('settings', 'fail', e.message);
    return report();
  }
  add('settings', 'ok', `${config.demo ? 'demo mode' : 'demo mode off'}; roles ${config.roles.join(',')}; ${config.databaseUrl ? 'PostgreSQL' : 'SQLite'}`);

  // Every capability's migrations: loading them costs the platform's code, so only when the database is there to compare.
  const knownMigrations = async () => opts.migrations ?? (await import('../app.js')).allMigrations.map((m) => m.name);
  const database = await openForDoctor(config, opts.pgSchema, timeoutMs);
  add('database', database.status, database.reason);
  if (database.handle) {
    try {
      for (const c of [await migrationsCheck(database.handle.db, await knownMigrations()), await keysCheck(database.handle.db), await clockCheck(database.handle, timeoutMs)]) add(c.name, c.status, c.reason);
    } finally {
      await database.handle.close();
    }
  } else if (database.status !== 'fail') {
    add('migrations', 'ok', 'none applied yet: the first start applies them all');
    add('keys', 'ok', 'none yet: each signing key is made on its first use');
  }

  const results = await Promise.all([redisCheck(config, timeoutMs), publicUrlCheck(config, env), smsCheck(config, timeoutMs), mailCheck(config, timeoutMs), paymentsCheck(config, env, timeoutMs)]);
  for (const c of results) add(c.name, c.status, c.reason);
  return report();
}

/** Masks what could be a secret: a password in an address, and the secret settings' values. */
function masker(env: NodeJS.ProcessEnv): (s: string) => string {
  const secrets = SECRET_SETTINGS.map((n) => env[n]).filter((v): v is string => !!v && v.length >= 4);
  for (const n of ['DATABASE_URL', 'REDIS_URL']) {
    try {
      const p = env[n] ? decodeURIComponent(new URL(env[n]!).password) : '';
      if (p.length >= 4) secrets.push(p);
    } catch {
      /* not a URL: the settings check said so */
    }
  }
  return (s) => secrets.reduce((t, v) => t.split(v).join('***'), errorText(s));
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const since = (t: number) => `${Math.round(performance.now() - t)} ms`;

async function openForDoctor(config: Config, pgSchema: string | undefined, timeoutMs: number): Promise<{ status: DoctorStatus; reason: string; handle?: DatabaseHandle }> {
  if (!config.databaseUrl) {
    const file = path.join(config.dataDir, 'panjareh.sqlite');
    if (!fs.existsSync(file)) {
      // openDatabase would create it: see instead whether the first start can.
      let dir = config.dataDir;
      while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
      try {
        fs.accessSync(dir, fs.constants.W_OK);
        return { status: 'ok', reason: `no database yet: the first start creates ${file}` };
      } catch {
        return { status: 'fail', reason: `no database at ${file}, and ${dir} is not writable to create it (PANJAREH_DATA_DIR)` };
      }
    }
  }
  const t = performance.now();
  let handle: DatabaseHandle;
  try {
    handle = openDatabase(config, { pgSchema });
  } catch (e) {
    return { status: 'fail', reason: `cannot open the database: ${errorText(e)}` };
  }
  try {
    // PostgreSQL's own connect timeout is 5 s (src/platform/db.ts).
    await within(sql`select 1`.execute(handle.db), Math.max(timeoutMs, 6000), handle.where);
  } catch (e) {
    await handle.close().catch(() => undefined);
    return { status: 'fail', reason: `cannot reach ${handle.where} (DATABASE_URL): ${errorText(e)}` };
  }
  return { status: 'ok', reason: `${handle.where} answers (${since(t)})`, handle };
}

async function migrationsCheck(db: Kysely<any>, known: readonly string[]): Promise<DoctorCheck> {
  const name = 'migrations';
  const m = await migrationState(db, known);
  if (m.unknown.length) {
    return { name, status: 'fail', reason: `${m.unknown.length} applied migration(s) this version does not know (${m.unknown.join(', ')}): a newer version has run on this database, and this one would refuse to start` };
  }
  if (m.applied === 0) return { name, status: 'ok', reason: `none applied yet: the first start applies all ${known.length}` };
  if (m.pending.length) return { name, status: 'warn', reason: `${m.pending.length} pending, applied by the next start (or panjareh migrate): ${m.pending.join(', ')}` };
  return { name, status: 'ok', reason: `all ${m.applied} applied` };
}

/** Reads the key store as it is: KeyStore itself would make a missing key, and the doctor writes nothing. */
async function keysCheck(raw: Kysely<any>): Promise<DoctorCheck> {
  const name = 'keys';
  const db = raw as Kysely<KeyTables>;
  let slots: { purpose: string; active_kid: string }[];
  try {
    slots = await db.selectFrom('signing_key_slots').select(['purpose', 'active_kid']).orderBy('purpose').execute();
  } catch (e) {
    if ((e as { code?: unknown }).code === '42P01' || /no such table/i.test(errorText(e))) return { name, status: 'ok', reason: 'none yet: each signing key is made on its first use' };
    return { name, status: 'fail', reason: `cannot read the key store: ${errorText(e)}` };
  }
  if (slots.length === 0) return { name, status: 'ok', reason: 'none yet: each signing key is made on its first use' };
  const bad: string[] = [];
  const good: string[] = [];
  for (const s of slots) {
    const row = await db.selectFrom('signing_keys').select(['alg', 'private_jwk']).where('kid', '=', s.active_kid).executeTakeFirst();
    if (!row) {
      bad.push(`${s.purpose}: its active key is missing`);
      continue;
    }
    try {
      createPrivateKey({ key: JSON.parse(row.private_jwk) as JsonWebKey, format: 'jwk' });
      good.push(`${s.purpose} (${row.alg})`);
    } catch {
      bad.push(`${s.purpose}: its active key cannot be read`);
    }
  }
  if (bad.length) return { name, status: 'fail', reason: bad.join('; ') };
  return { name, status: 'ok', reason: `${good.length} active: ${good.join(', ')}` };
}

async function clockCheck(database: DatabaseHandle, timeoutMs: number): Promise<DoctorCheck> {
  const name = 'clock';
  if (database.dialect === 'sqlite') return { name, status: 'ok', reason: "SQLite: the database reads this machine's clock" };
  try {
    const before = Date.now();
    const { rows } = await within(sql<{ now: Date | string }>`select now() as now`.execute(database.db), timeoutMs, 'now()');
    const after = Date.now();
    const skew = Math.round(before + (after - before) / 2 - new Date(rows[0]!.now).getTime());
    const how = `this machine's clock is ${Math.abs(skew)} ms ${skew >= 0 ? 'ahead of' : 'behind'} the database's (measured within ${after - before} ms)`;
    if (Math.abs(skew) > CLOCK_SKEW_WARN_MS) return { name, status: 'warn', reason: `${how}: synchronise them (NTP); leases, codes and tokens compare times across nodes` };
    return { name, status: 'ok', reason: how };
  } catch (e) {
    return { name, status: 'warn', reason: `cannot read the database's time: ${errorText(e)}` };
  }
}

/** host:port of an address, without anything else it carries. */
function origin(raw: string): string {
  const u = new URL(raw);
  return `${u.protocol}//${u.host}`;
}

async function redisCheck(config: Config, timeoutMs: number): Promise<DoctorCheck> {
  const name = 'redis';
  if (!config.redisUrl) {
    if (config.databaseUrl) return { name, status: 'warn', reason: 'REDIS_URL is not set: with several nodes on PostgreSQL, each counts rate limits alone' };
    return { name, status: 'ok', reason: 'not set (one node: rate limits are counted in its memory)' };
  }
  const where = origin(config.redisUrl);
  const redis = new Redis(config.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  // The connection's own error (ECONNREFUSED, a TLS or auth failure) says more than the rejected connect ("Connection is closed").
  let cause: unknown;
  redis.on('error', (e: unknown) => {
    cause ??= e;
  });
  const t = performance.now();
  try {
    await within(redis.connect(), timeoutMs, where);
    const pong = await within(redis.ping(), timeoutMs, where);
    return { name, status: 'ok', reason: `${where} answers PING with ${pong} (${since(t)})` };
  } catch (e) {
    return { name, status: 'fail', reason: `cannot reach ${where} (REDIS_URL): ${errorText(cause ?? e)}` };
  } finally {
    redis.disconnect();
  }
}

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);

function publicUrlCheck(config: Config, env: NodeJS.ProcessEnv): DoctorCheck {
  const name = 'public-url';
  const u = new URL(config.publicUrl);
  const which = env.PUBLIC_URL ? `PUBLIC_URL ${config.publicUrl}` : `PUBLIC_URL is not set, so ${config.publicUrl}`;
  if (u.search || u.hash) return { name, status: 'fail', reason: `${which}: must not carry a query or a fragment` };
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return { name, status: 'fail', reason: `${which}: must be an https:// address` };
  if (config.demo) return { name, status: 'ok', reason: `${which} (demo mode)` };
  if (u.protocol === 'https:') return { name, status: 'ok', reason: which };
  if (isLoopback(u.hostname)) return { name, status: 'warn', reason: `${which}: only this machine reaches it, and outside demo mode it should be https:// (cookies are Secure only then)` };
  return { name, status: 'fail', reason: `${which}: outside demo mode it must be https:// (the OpenID issuer, passkeys and Secure cookies name it)` };
}

/** Any HTTP answer means the carrier is there; nothing is sent to it but a HEAD. */
async function probeHttp(url: string, timeoutMs: number): Promise<{ ok: true; reason: string } | { ok: false; reason: string }> {
  const where = origin(url);
  const t = performance.now();
  try {
    const r = await fetch(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await r.body?.cancel();
    return { ok: true, reason: `${where} answers (HTTP ${r.status} to a HEAD, ${since(t)})` };
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    return { ok: false, reason: `cannot reach ${where}: ${errorText(cause ?? e)}` };
  }
}

function probeTcp(host: string, port: number, timeoutMs: number): Promise<{ ok: boolean; reason: string }> {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const t = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean, reason: string) => {
      socket.destroy();
      resolve({ ok, reason });
    };
    socket.once('connect', () => done(true, `${where} accepts connections (${since(t)})`));
    socket.once('timeout', () => done(false, `cannot reach ${where}: no connection within ${timeoutMs} ms`));
    socket.once('error', (e) => done(false, `cannot reach ${where}: ${errorText(e)}`));
  });
}

const plainHttpOutsideDemo = (config: Config, url: string) => !config.demo && url.startsWith('http:') && !isLoopback(new URL(url).hostname);

async function smsCheck(config: Config, timeoutMs: number): Promise<DoctorCheck> {
  const name = 'sms';
  if (!config.sms) {
    if (config.demo) return { name, status: 'ok', reason: 'PANJAREH_SMS_URL is not set: texts go to the development outbox (demo mode)' };
    const needs = (['idp', 'worker'] as Role[]).filter((r) => config.roles.includes(r));
    if (needs.length) return { name, status: 'fail', reason: `PANJAREH_SMS_URL is not set outside demo mode: roles ${needs.join(',')} cannot send sign-in codes or application notices` };
    return { name, status: 'ok', reason: 'PANJAREH_SMS_URL is not set (no role of this node sends texts)' };
  }
  const p = await probeHttp(config.sms.url, Math.min(timeoutMs, config.sms.timeoutMs));
  if (!p.ok) return { name, status: 'fail', reason: `PANJAREH_SMS_URL: ${p.reason}` };
  if (plainHttpOutsideDemo(config, config.sms.url)) return { name, status: 'warn', reason: `${p.reason}, but over plain http: sign-in codes cross the network readable` };
  return { name, status: 'ok', reason: p.reason };
}

async function mailCheck(config: Config, timeoutMs: number): Promise<DoctorCheck> {
  const name = 'mail';
  if (!config.mail) {
    if (config.demo) return { name, status: 'ok', reason: 'PANJAREH_SMTP_URL is not set: e-mail goes to the development outbox (demo mode)' };
    return { name, status: 'warn', reason: 'PANJAREH_SMTP_URL is not set outside demo mode: no e-mail can be sent' };
  }
  const p = await probeTcp(config.mail.host, config.mail.port, Math.min(timeoutMs, config.mail.timeoutMs));
  return { name, status: p.ok ? 'ok' : 'fail', reason: p.ok ? `${p.reason}, ${config.mail.implicitTls ? 'TLS from the first byte (smtps)' : 'STARTTLS'}` : `PANJAREH_SMTP_URL: ${p.reason}` };
}

async function paymentsCheck(config: Config, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<DoctorCheck> {
  const name = 'payments';
  if (!config.psp) {
    const stray = ['PANJAREH_PSP_MERCHANT', 'PANJAREH_PSP_SECRET'].filter((n) => env[n]);
    if (stray.length) return { name, status: 'warn', reason: `${stray.join(' and ')} set without PANJAREH_PSP_URL: ignored${config.demo ? ' (the demo PSP serves payments)' : ', and there is no online payment'}` };
    if (config.demo) return { name, status: 'ok', reason: 'PANJAREH_PSP_URL is not set: the demo PSP takes payments (demo mode)' };
    return { name, status: 'warn', reason: 'PANJAREH_PSP_URL is not set outside demo mode: services with a fee cannot be paid online' };
  }
  const p = await probeHttp(config.psp.url, timeoutMs);
  if (!p.ok) return { name, status: 'fail', reason: `PANJAREH_PSP_URL: ${p.reason}` };
  if (plainHttpOutsideDemo(config, config.psp.url)) return { name, status: 'warn', reason: `${p.reason}, but over plain http: the merchant's secret crosses the network readable` };
  return { name, status: 'ok', reason: `${p.reason}; merchant and secret set` };
}
