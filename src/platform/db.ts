import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Kysely, sql, type Dialect, type Generated } from 'kysely';
import type { Config } from './config.js';
import { OwnSchemaPostgresDialect } from './pg-introspector.js';
import { PlatformSqliteDialect } from './sqlite-dialect.js';
import { traceDialect, tracingActive, type DbSystem } from './tracing/index.js';

export type DialectName = 'sqlite' | 'postgres';

/** Tables the platform itself owns; capabilities add theirs with `db.withTables<…>()`. */
export interface PlatformTables {
  audit_log: {
    id: Generated<number>;
    at: string;
    actor: string;
    action: string;
    subject: string;
    detail: string;
    ip: string | null;
    user_agent: string | null;
  };
  platform_secrets: { name: string; value: string; created_at: string };
}

export interface DatabaseHandle {
  db: Kysely<PlatformTables>;
  dialect: DialectName;
  /** Human description for logs: file path or host/database, never a password. */
  where: string;
  /** This process's connections (metrics): PostgreSQL's pool; SQLite has exactly one. */
  connections(): { total: number; idle?: number; waiting?: number };
  close(): Promise<void>;
}

export interface OpenOptions {
  /** SQLite file path; defaults to `<dataDir>/panjareh.sqlite`. */
  sqliteFile?: string;
  /** PostgreSQL schema to use (tests give each run its own). */
  pgSchema?: string;
}

/** With tracing on, a span per query (tracing/kysely.ts); off, Kysely's dialect as it is. */
const traced = (d: Dialect, system: DbSystem): Dialect => (tracingActive() ? traceDialect(d, system) : d);

export function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, opts: OpenOptions = {}): DatabaseHandle {
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    // pg types: bigint (count(*), bigserial) arrives as string; our counts fit in a JS number.
    pg.types.setTypeParser(20, (v) => Number(v));
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: Number(process.env.PANJAREH_PG_POOL ?? 10),
      connectionTimeoutMillis: 5000,
      ...(opts.pgSchema ? { options: `-c search_path=${opts.pgSchema}` } : {}),
    });
    pool.on('error', () => {
      /* a dropped idle connection is replaced on next use; the query that needs it reports the error */
    });
    const db = new Kysely<PlatformTables>({ dialect: traced(new OwnSchemaPostgresDialect({ pool }), 'postgresql') });
    const connections = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });
    return { db, dialect: 'postgres', where: `postgres ${url.hostname}:${url.port || 5432}${url.pathname}`, connections, close: () => db.destroy() };
  }
  const file = opts.sqliteFile ?? path.join(config.dataDir, 'panjareh.sqlite');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  tuneSqliteReads(sqlite);
  const db = new Kysely<PlatformTables>({ dialect: traced(new PlatformSqliteDialect(sqlite), 'sqlite') });
  return { db, dialect: 'sqlite', where: `sqlite ${file}`, connections: () => ({ total: 1 }), close: () => db.destroy() };
}

/**
 * Reads from memory rather than through a system call per page. SQLite's default page cache is 2 MB,
 * so with a table of a million applications nearly every row of a list was a pread() of its page
 * (half of a list request's CPU); with 64 MB of cache and the file mapped into memory (shared with the
 * operating system's own cache, so it costs address space, not memory), the hot pages are read in
 * place. The map asks for as much as SQLite allows (its build's limit, 2 GB with better-sqlite3's):
 * a million applications make a 1.9 GB file, and with 1 GB mapped a random row beyond it cost a third
 * more. Writes still go through the WAL as before.
 */
export function tuneSqliteReads(sqlite: Database.Database): void {
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma(`mmap_size = ${2 ** 40}`);
}

/** True when the database answers a trivial query. */
export async function isReachable(db: Kysely<any>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

export const nowIso = (): string => new Date().toISOString();
