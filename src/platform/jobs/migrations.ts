import { sql } from 'kysely';
import type { PortableMigration } from '../migrations.js';

export interface JobTables {
  platform_jobs: {
    id: string;
    kind: string;
    /** Unique among the kind's unfinished jobs (`finished_at` null): scheduling the key again moves that job. */
    key: string | null;
    /** JSON. */
    payload: string;
    status: 'waiting' | 'running' | 'done' | 'failed';
    /** ISO 8601 UTC, compared as text (every timestamp here comes from `toISOString`, one length and form). */
    run_at: string;
    /** Attempts started, this one included; the fencing token of the node that holds the lease. */
    attempt: number;
    locked_by: string | null;
    locked_until: string | null;
    /** 1 when the job was scheduled again while running: when that run ends it waits for the new time. */
    rescheduled: number;
    last_error: string | null;
    created_at: string;
    updated_at: string;
    finished_at: string | null;
  };
}

export const jobMigrations: PortableMigration[] = [
  {
    name: '20261207-23-platform-jobs',
    async up(db) {
      await db.schema
        .createTable('platform_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('run_at', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_by', 'text')
        .addColumn('locked_until', 'text')
        .addColumn('rescheduled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      // The claim's scan: due waiting jobs in order, and running ones by lease.
      await db.schema.createIndex('platform_jobs_due').on('platform_jobs').columns(['status', 'run_at']).execute();
      // Written as the upsert's conflict target repeats it (a literal predicate, no parameter), so both databases match them.
      await sql`create unique index platform_jobs_active_key on platform_jobs (kind, key) where finished_at is null`.execute(db);
      await db.schema.createIndex('platform_jobs_finished').on('platform_jobs').columns(['status', 'finished_at']).execute();
    },
  },
];
