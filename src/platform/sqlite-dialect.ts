/**
 * Kysely's SQLite dialect with two changes the platform needs.
 *
 * 1. Transactions start with BEGIN IMMEDIATE. Other connections write to the same file (the exchange's
 *    audit writer thread, the CLI, a second process). With SQLite's default deferred BEGIN a
 *    transaction that reads first holds a snapshot; if another connection commits before it writes,
 *    its first write fails at once with SQLITE_BUSY_SNAPSHOT, which busy_timeout cannot help, and the
 *    request answered 500. Taking the write lock at BEGIN makes the other writer wait its busy_timeout
 *    instead, and the transaction always sees the newest data. Our transactions are short and this
 *    process has one connection anyway, so nothing is lost in concurrency.
 *
 * 2. Prepared statements are kept. Kysely's driver calls `db.prepare(sql)` for every query; SQLite
 *    parses and plans the text again each time, which was about a tenth of the CPU of a request in
 *    the applications benchmark. The same SQL text gets the same statement, from a bounded
 *    least-recently-used cache (queries with `in (…)` lists of varying length make new texts).
 *    Reusing a statement is safe here: the dialect's single connection is behind Kysely's mutex, so
 *    no statement is ever run twice at once, and SQLite re-prepares a statement itself after a
 *    schema change.
 */
import type Database from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely';

const MAX_STATEMENTS = 500;

/** A stand-in for the database that Kysely's driver prepares its statements on. */
function withStatementCache(db: Database.Database): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = (source: string): Database.Statement => {
    let stmt = cache.get(source);
    if (stmt) {
      // Moved to the end: a Map iterates in insertion order, so the first key is the least recent.
      cache.delete(source);
    } else {
      stmt = db.prepare(source);
      if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, stmt);
    return stmt;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

class ImmediateDriver implements Driver {
  constructor(private readonly inner: Driver) {}
  init(): Promise<void> {
    return this.inner.init();
  }
  acquireConnection(): Promise<DatabaseConnection> {
    return this.inner.acquireConnection();
  }
  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }
  destroy(): Promise<void> {
    return this.inner.destroy();
  }
  savepoint: Driver['savepoint'] = (...args) => this.inner.savepoint!(...args);
  rollbackToSavepoint: Driver['rollbackToSavepoint'] = (...args) => this.inner.rollbackToSavepoint!(...args);
  releaseSavepoint: Driver['releaseSavepoint'] = (...args) => this.inner.releaseSavepoint!(...args);
}

export class PlatformSqliteDialect extends SqliteDialect {
  constructor(database: Database.Database) {
    super({ database: withStatementCache(database) });
  }
  override createDriver(): Driver {
    return new ImmediateDriver(super.createDriver());
  }
}
