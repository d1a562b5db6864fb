import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type CreateTableBuilder } from 'kysely';
import type { DialectName } from './db.js';

/** A migration written once for both dialects; `dialect` covers the few places they differ. */
export interface PortableMigration {
  /** Sorts the migrations of all capabilities into one order: `YYYYMMDD-NN-capability-what`. */
  name: string;
  up(db: Kysely<any>, dialect: DialectName): Promise<void>;
}

/** An auto-increment integer primary key in either dialect. */
export function withId<T extends string>(t: CreateTableBuilder<T, never>, dialect: DialectName): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export const platformMigrations: PortableMigration[] = [
  {
    name: '20261122-01-platform-audit',
    async up(db, dialect) {
      await withId(db.schema.createTable('audit_log'), dialect)
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .execute();
      await db.schema.createIndex('audit_log_subject').on('audit_log').column('subject').execute();
      await db.schema
        .createTable('platform_secrets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
];

/** Runs every pending migration; throws with the failing migration's name on error. */
export async function migrate(db: Kysely<any>, dialect: DialectName, migrations: PortableMigration[]): Promise<string[]> {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const m of migrations) out[m.name] = { up: (d) => m.up(d, dialect) };
      return out;
    },
  };
  // On PostgreSQL, Kysely looks for its tables in every schema unless told which: pin them to the
  // connection's own schema, so deployments (and test runs) in other schemas of the database never collide.
  const schema =
    dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s : undefined;
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
    // Capabilities add migrations independently, and a new one may sort before another capability's
    // newest (a database made yesterday meets today's `20261207-22-platform-clock` after its
    // `20261207-41-exchange-audit-persons`). No migration depends on another capability's, so a pending
    // one runs wherever it sorts instead of the upgrade being refused.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
