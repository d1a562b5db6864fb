import { createHash } from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';

/** What a backup records of a copy of the SQLite database, and the check that it is sound. */

export interface SnapshotFacts {
  pageSize: number;
  pages: number;
  migrations: string[];
  tables: Record<string, number>;
}

/**
 * Runs SQLite's `quick_check` on the copy in `file` and reads its migrations and row counts. Leaves
 * the copy a single self-contained file (journal mode DELETE: no -wal beside it); the platform puts
 * its database back in WAL mode when it opens it.
 */
export function inspectSnapshot(file: string): SnapshotFacts {
  const db = new Database(file, { fileMustExist: true });
  try {
    const problems = (db.pragma('quick_check') as Array<{ quick_check: string }>).map((r) => r.quick_check).filter((x) => x !== 'ok');
    if (problems.length) throw new Error(`SQLite's quick_check fails on the database: ${problems.slice(0, 3).join('; ')}`);
    db.pragma('journal_mode = DELETE');
    const names = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name").pluck().all() as string[];
    const migrations = names.includes('schema_migrations') ? (db.prepare('select name from schema_migrations order by timestamp, name').pluck().all() as string[]) : [];
    const tables = Object.fromEntries(names.map((n) => [n, db.prepare(`select count(*) from "${n.replace(/"/g, '""')}"`).pluck().get() as number]));
    return { pageSize: db.pragma('page_size', { simple: true }) as number, pages: db.pragma('page_count', { simple: true }) as number, migrations, tables };
  } finally {
    db.close();
  }
}

/** The hex SHA-256 and size of a file, read as a stream. */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * One record in the platform's audit log (`audit_log`, src/platform/audit.ts), written straight into a
 * SQLite file without opening the platform: a backup is a copy of everything, so who took one, when,
 * and its SHA-256 stay in the live database; a restored database says which backup it came from.
 */
export function noteInAuditLog(file: string, e: { action: string; subject: string; detail: Record<string, unknown> }): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    // A database no platform has opened yet has no log to write to.
    if (!db.prepare("select 1 from sqlite_master where type = 'table' and name = 'audit_log'").get()) return;
    db.prepare('insert into audit_log (at, actor, action, subject, detail, ip, user_agent) values (?, ?, ?, ?, ?, null, null)').run(new Date().toISOString(), 'cli', e.action, e.subject, JSON.stringify(e.detail));
  } finally {
    db.close();
  }
}
