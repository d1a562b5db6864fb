/**
 * Kysely's SQLite dialect with four changes the platform needs.
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
 *
 * 3. Rows are built in JavaScript. better-sqlite3 builds each row object in C++ one property at a time,
 *    which was half the cost of a list query's SQL (26 rows of 24 columns: 157 µs against 78 µs for
 *    the same rows as arrays, measured on the applications benchmark's table). A statement that names
 *    its columns is run in better-sqlite3's raw mode and its arrays are turned into objects by a
 *    function made once per statement from its column names, an object literal of one fixed shape.
 *    A statement with `*` anywhere keeps the default: its columns can change under a kept statement
 *    when the schema changes, while a text that names its columns keeps its names or fails.
 *
 * 4. A waiting query is woken only when the connection is its turn (FifoLock, below).
 */
import type Database from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely';

const MAX_STATEMENTS = 500;

type Row = Record<string, unknown>;

/**
 * A function that turns a raw row (an array, in the statement's column order) into the object
 * better-sqlite3 would have built: the same keys in the same order, a later duplicate name winning
 * (one difference: a column named `__proto__`, below).
 */
function rowBuilder(names: string[]): (r: unknown[]) => Row {
  // `__proto__` as a literal key would set the prototype (as better-sqlite3's assignment does); a computed key makes it an own property.
  const props = names.map((n, i) => `${n === '__proto__' ? `[${JSON.stringify(n)}]` : JSON.stringify(n)}: r[${i}]`);
  return new Function('r', `return { ${props.join(', ')} };`) as (r: unknown[]) => Row;
}

/** What Kysely's SQLite driver uses of a statement, with `all` building rows in JavaScript where it can. */
function keptStatement(stmt: Database.Statement, source: string): Database.Statement {
  if (!stmt.reader || source.includes('*')) return stmt;
  const build = rowBuilder(stmt.columns().map((c) => c.name));
  return {
    reader: true,
    all: (...params: unknown[]) => (stmt.raw(true).all(...params) as unknown[][]).map(build),
    iterate: (...params: unknown[]) => stmt.raw(false).iterate(...params),
    run: (...params: unknown[]) => stmt.run(...params),
  } as unknown as Database.Statement;
}

/** A stand-in for the database that Kysely's driver prepares its statements on. */
function withStatementCache(db: Database.Database): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = (source: string): Database.Statement => {
    let stmt = cache.get(source);
    if (stmt) {
      // Moved to the end: a Map iterates in insertion order, so the first key is the least recent.
      cache.delete(source);
    } else {
      stmt = keptStatement(db.prepare(source), source);
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

/**
 * The single connection's lock: each release wakes the oldest waiter alone. Kysely's own mutex wakes
 * every waiter at each release, and all but one go back to waiting, so n queries waiting cost n²
 * wake-ups: 10,000 queries queued at once took 3.6 s against 0.24 s with this lock, 50 at a time
 * 11–15 µs a query against 6–9 µs (bench-free measurement: `select ?` on an in-memory database).
 */
class FifoLock {
  private held = false;
  private readonly waiting: Array<() => void> = [];
  lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  unlock(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

class ImmediateDriver implements Driver {
  private readonly turn = new FifoLock();
  constructor(private readonly inner: Driver) {}
  init(): Promise<void> {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    await this.turn.lock();
    // Never contended now: only the holder of `turn` asks for it.
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
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      this.turn.unlock();
    }
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
