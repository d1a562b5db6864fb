import os from 'node:os';
import path from 'node:path';
import { tracingSettings, type TracingSettings } from './tracing/settings.js';

/** The roles one process can play; `start --roles` picks a subset (ARCHITECTURE.md). */
export const ALL_ROLES = ['portal', 'idp', 'gateway', 'worker'] as const;
export type Role = (typeof ALL_ROLES)[number];

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** postgres://… selects PostgreSQL; absent means the embedded SQLite file in dataDir. */
  databaseUrl: string | undefined;
  demo: boolean;
  roles: Role[];
  publicUrl: string;
  logLevel: string;
  /** How often a node looks for catalogue changes published by other nodes. */
  indexSyncMs: number;
  /** Staff sign-in attempts allowed per client address per minute. */
  loginRatePerMinute: number;
  /** redis://… shares state between nodes (rate limits); unset on a single node. */
  redisUrl: string | undefined;
  /** The port of the Prometheus metrics (PANJAREH_METRICS_PORT), never the public one; undefined: no metrics. */
  metricsPort: number | undefined;
  /** PANJAREH_NODE_ID: this node's name in its metrics (and its audit chain's id); unset: the host's name there. */
  nodeId: string | undefined;
  /** HTTP worker processes of this node (node:cluster); 1 serves from the starting process itself. */
  workers: number;
  /** The HTTP SMS gateway (PANJAREH_SMS_URL …); unset sends texts to the development outbox in demo mode. */
  sms: { url: string; token?: string; username?: string; password?: string; from?: string; timeoutMs: number } | undefined;
  /** The SMTP relay for e-mail (PANJAREH_SMTP_URL …); unset sends e-mail to the development outbox in demo mode. */
  mail: { host: string; port: number; implicitTls: boolean; username?: string; password?: string; from: string; timeoutMs: number } | undefined;
  /** The data exchange's gateway and its caches (PANJAREH_GATEWAY_*, PANJAREH_EXCHANGE_SYNC_MS). */
  exchange: ExchangeSettings;
  /** The payment service provider (PANJAREH_PSP_URL, _MERCHANT, _SECRET); unset uses the demo PSP in demo mode, and no payments otherwise. */
  psp?: { url: string; merchant: string; secret: string };
  /** Traces over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, …); undefined: tracing off. */
  tracing?: TracingSettings;
}

export interface ExchangeSettings {
  maxBodyBytes: number;
  maxResponseBytes: number;
  /** Overall time an upstream may take for its headers and body. */
  upstreamTimeoutMs: number;
  connectTimeoutMs: number;
  /** How long a consumer may take to send its request body. */
  clientTimeoutMs: number;
  /** Keep-alive connections per upstream origin. */
  connections: number;
  /** How often a node looks for registry, contract, key and consent changes made on other nodes. */
  syncMs: number;
}

function wholeSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

function exchangeSettings(env: NodeJS.ProcessEnv): ExchangeSettings {
  return {
    maxBodyBytes: wholeSetting(env, 'PANJAREH_GATEWAY_MAX_BODY', 1024 * 1024, 1, 100 * 1024 * 1024),
    maxResponseBytes: wholeSetting(env, 'PANJAREH_GATEWAY_MAX_RESPONSE', 10 * 1024 * 1024, 1, 1024 * 1024 * 1024),
    upstreamTimeoutMs: wholeSetting(env, 'PANJAREH_GATEWAY_TIMEOUT_MS', 10_000, 100, 600_000),
    connectTimeoutMs: wholeSetting(env, 'PANJAREH_GATEWAY_CONNECT_TIMEOUT_MS', 3000, 50, 60_000),
    clientTimeoutMs: wholeSetting(env, 'PANJAREH_GATEWAY_CLIENT_TIMEOUT_MS', 10_000, 100, 600_000),
    connections: wholeSetting(env, 'PANJAREH_GATEWAY_CONNECTIONS', 64, 1, 4096),
    syncMs: wholeSetting(env, 'PANJAREH_EXCHANGE_SYNC_MS', 250, 50, 1000),
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigFlags {
  port?: string | number;
  host?: string;
  roles?: string;
  dataDir?: string;
  workers?: string | number;
}

function parsePort(raw: string | number, source: string): number {
  const s = String(raw).trim();
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError(`${source} must be a whole number from 0 to 65535, got "${raw}"`);
  }
  return n;
}

function parseBool(raw: string | undefined, source: string, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${source} must be true or false, got "${raw}"`);
}

export function parseRoles(raw: string): Role[] {
  const roles = raw.split(',').map((r) => r.trim()).filter(Boolean);
  if (roles.length === 0) throw new ConfigError('--roles needs at least one role');
  for (const r of roles) {
    if (!(ALL_ROLES as readonly string[]).includes(r)) {
      throw new ConfigError(`unknown role "${r}"; roles are ${ALL_ROLES.join(', ')}`);
    }
  }
  return [...new Set(roles)] as Role[];
}

/** A number of worker processes, or "auto" for one per core. */
function parseWorkers(raw: string | number, source: string): number {
  const s = String(raw).trim();
  if (s === 'auto') return os.availableParallelism();
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < 1 || n > 64) throw new ConfigError(`${source} must be a whole number from 1 to 64 or "auto", got "${raw}"`);
  return n;
}

/** PANJAREH_SMTP_URL (smtp://host[:587] with STARTTLS, or smtps://host[:465]), PANJAREH_SMTP_USER/PASSWORD, PANJAREH_MAIL_FROM, PANJAREH_SMTP_TIMEOUT_MS. */
function parseMail(env: NodeJS.ProcessEnv): Config['mail'] {
  const raw = env.PANJAREH_SMTP_URL?.trim();
  if (!raw) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    u = new URL('invalid:');
  }
  // The address is not echoed: it may carry credentials.
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new ConfigError('PANJAREH_SMTP_URL must be an smtp:// or smtps:// URL');
  if (u.username || u.password) throw new ConfigError('PANJAREH_SMTP_URL must not carry credentials; use PANJAREH_SMTP_USER and PANJAREH_SMTP_PASSWORD');
  const from = env.PANJAREH_MAIL_FROM?.trim();
  if (!from || !/^[^\s@<>]+@[^\s@<>]+$|<[^\s@<>]+@[^\s@<>]+>$/.test(from)) throw new ConfigError('PANJAREH_SMTP_URL needs PANJAREH_MAIL_FROM, the sender address (noreply@example.ir or "Panjareh <noreply@example.ir>")');
  const user = env.PANJAREH_SMTP_USER || undefined;
  if (user && !env.PANJAREH_SMTP_PASSWORD) throw new ConfigError('PANJAREH_SMTP_USER needs PANJAREH_SMTP_PASSWORD');
  const timeoutMs = Number(env.PANJAREH_SMTP_TIMEOUT_MS ?? '10000');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100) throw new ConfigError(`PANJAREH_SMTP_TIMEOUT_MS must be a whole number of milliseconds of at least 100, got "${env.PANJAREH_SMTP_TIMEOUT_MS}"`);
  const implicitTls = u.protocol === 'smtps:';
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port ? Number(u.port) : implicitTls ? 465 : 587, implicitTls, username: user, password: user ? env.PANJAREH_SMTP_PASSWORD : undefined, from, timeoutMs };
}

function isHttpUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Reads configuration from the environment, with command-line flags taking precedence. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: ConfigFlags = {}): Config {
  const port = flags.port !== undefined ? parsePort(flags.port, '--port') : env.PORT ? parsePort(env.PORT, 'PORT') : 3000;
  const dataDir = path.resolve(flags.dataDir ?? env.PANJAREH_DATA_DIR ?? './data');
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// (or be unset for the embedded SQLite), got "${databaseUrl}"`);
  }
  const host = flags.host ?? env.HOST ?? '0.0.0.0';
  const syncRaw = env.PANJAREH_INDEX_SYNC_MS ?? '1000';
  const indexSyncMs = Number(syncRaw);
  if (!Number.isInteger(indexSyncMs) || indexSyncMs < 50) {
    throw new ConfigError(`PANJAREH_INDEX_SYNC_MS must be a whole number of milliseconds of at least 50, got "${syncRaw}"`);
  }
  const rateRaw = env.PANJAREH_LOGIN_RATE ?? '10';
  const loginRatePerMinute = Number(rateRaw);
  if (!Number.isInteger(loginRatePerMinute) || loginRatePerMinute < 1) {
    throw new ConfigError(`PANJAREH_LOGIN_RATE must be a whole number of attempts per minute of at least 1, got "${rateRaw}"`);
  }
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an absolute URL, got "${env.PUBLIC_URL}"`);
  }
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got "${redisUrl}"`);
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${logLevel}"`);
  }
  const smsUrl = env.PANJAREH_SMS_URL?.trim() || undefined;
  // The address is not echoed: it may carry credentials.
  if (smsUrl && !isHttpUrl(smsUrl)) throw new ConfigError('PANJAREH_SMS_URL must be an http:// or https:// URL');
  if (smsUrl && /^[a-z]+:\/\/[^/?#]*@/i.test(smsUrl)) throw new ConfigError('PANJAREH_SMS_URL must not carry credentials; use PANJAREH_SMS_TOKEN or PANJAREH_SMS_USER and PANJAREH_SMS_PASSWORD');
  const smsTimeout = Number(env.PANJAREH_SMS_TIMEOUT_MS ?? '5000');
  if (!Number.isInteger(smsTimeout) || smsTimeout < 100) throw new ConfigError(`PANJAREH_SMS_TIMEOUT_MS must be a whole number of milliseconds of at least 100, got "${env.PANJAREH_SMS_TIMEOUT_MS}"`);
  const smsToken = env.PANJAREH_SMS_TOKEN || undefined;
  const smsUser = env.PANJAREH_SMS_USER || undefined;
  if (smsToken && smsUser) throw new ConfigError('set either PANJAREH_SMS_TOKEN (bearer) or PANJAREH_SMS_USER and PANJAREH_SMS_PASSWORD (basic), not both');
  if (smsUser && !env.PANJAREH_SMS_PASSWORD) throw new ConfigError('PANJAREH_SMS_USER needs PANJAREH_SMS_PASSWORD');
  if (smsUser?.includes(':')) throw new ConfigError('PANJAREH_SMS_USER cannot contain ":" (HTTP basic authentication)');
  const sms = smsUrl
    ? { url: smsUrl, token: smsToken, username: smsUser, password: smsUser ? env.PANJAREH_SMS_PASSWORD : undefined, from: env.PANJAREH_SMS_FROM || undefined, timeoutMs: smsTimeout }
    : undefined;
  const mail = parseMail(env);
  const pspUrl = env.PANJAREH_PSP_URL?.trim() || undefined;
  // The address is not echoed: it may carry credentials.
  if (pspUrl && (!isHttpUrl(pspUrl) || /^[a-z]+:\/\/[^/?#]*@/i.test(pspUrl))) throw new ConfigError('PANJAREH_PSP_URL must be an http:// or https:// URL without credentials');
  if (pspUrl && (!env.PANJAREH_PSP_MERCHANT?.trim() || !env.PANJAREH_PSP_SECRET)) throw new ConfigError('PANJAREH_PSP_URL needs PANJAREH_PSP_MERCHANT and PANJAREH_PSP_SECRET');
  const metricsRaw = env.PANJAREH_METRICS_PORT?.trim();
  const metricsPort = metricsRaw ? parsePort(metricsRaw, 'PANJAREH_METRICS_PORT') : undefined;
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) throw new ConfigError(`PANJAREH_METRICS_PORT must differ from the public port ${port}: metrics are never served on the public port`);
  const psp = pspUrl ? { url: pspUrl.replace(/\/+$/, ''), merchant: env.PANJAREH_PSP_MERCHANT!.trim(), secret: env.PANJAREH_PSP_SECRET! } : undefined;
  return {
    psp,
    port,
    host,
    sms,
    mail,
    dataDir,
    databaseUrl,
    demo: parseBool(env.PANJAREH_DEMO, 'PANJAREH_DEMO', true),
    roles: flags.roles ? parseRoles(flags.roles) : [...ALL_ROLES],
    publicUrl,
    logLevel,
    indexSyncMs,
    loginRatePerMinute,
    redisUrl,
    exchange: exchangeSettings(env),
    tracing: tracingSettings(env),
    metricsPort,
    nodeId: env.PANJAREH_NODE_ID?.trim() || undefined,
    workers: flags.workers !== undefined ? parseWorkers(flags.workers, '--workers') : env.PANJAREH_WORKERS ? parseWorkers(env.PANJAREH_WORKERS, 'PANJAREH_WORKERS') : 1,
  };
}
