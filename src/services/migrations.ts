import { sql } from 'kysely';
import type { PortableMigration } from '../platform/migrations.js';
import { withId } from '../platform/migrations.js';

/** The statuses of work waiting for the agency: an agency's queue shows these by default. */
export const QUEUE_STATUSES = ['submitted', 'in_review', 'changes_requested'] as const;

/**
 * Where an application sorts in a queue (`queue_order`, computed by the database): the open work of
 * QUEUE_STATUSES first, escalated before overdue before on time (−overdue: −2, −1, 0), then every
 * other status the same way (100 − overdue); null without a deadline, which no queue lists. The queue's
 * order is then (queue_order, deadline, id), all ascending, so the indexes below hand it out in order
 * and a page is read, not sorted: "open work" is `queue_order <= 0`, its overdue part `< 0`.
 */
export const QUEUE_ORDER_SQL = `case when deadline is null then null when status in (${QUEUE_STATUSES.map((s) => `'${s}'`).join(', ')}) then -overdue else 100 - overdue end`;

/** Online applications: the application, its history (events), and the idempotency keys of submissions. */
export const serviceMigrations: PortableMigration[] = [
  {
    name: '20261207-60-services-applications',
    async up(db, dialect) {
      await db.schema
        .createTable('applications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tracking_code', 'text', (c) => c.notNull().unique())
        .addColumn('service_code', 'text', (c) => c.notNull())
        .addColumn('service_version', 'integer', (c) => c.notNull())
        .addColumn('applicant', 'text', (c) => c.notNull())
        .addColumn('applicant_name_fa', 'text', (c) => c.notNull())
        .addColumn('applicant_name_en', 'text', (c) => c.notNull())
        // Where status changes are sent (text message; e-mail when the person gave one).
        .addColumn('applicant_mobile', 'text')
        .addColumn('applicant_email', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('step_index', 'integer', (c) => c.notNull())
        // The organisation whose queue the application is in now: its current step's.
        .addColumn('organization', 'text', (c) => c.notNull())
        .addColumn('answers', 'text', (c) => c.notNull())
        .addColumn('prefill', 'text', (c) => c.notNull())
        .addColumn('page', 'text')
        .addColumn('fee_amount', 'bigint', (c) => c.notNull())
        .addColumn('paid_at', 'text')
        .addColumn('deadline', 'text')
        // Working days left of the step's deadline while the applicant is asked for changes.
        .addColumn('paused_remaining', 'integer')
        .addColumn('overdue', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('assigned_to', 'text')
        .addColumn('first_approval_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('submitted_at', 'text')
        .addColumn('decided_at', 'text')
        // A draft is kept this long after its last change, then removed.
        .addColumn('expires_at', 'text')
        // Optimistic concurrency: every change bumps it, so two caseworkers deciding at once cannot both win.
        .addColumn('rev', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // "My applications", newest first, keyset-paged.
      await db.schema.createIndex('applications_applicant').on('applications').columns(['applicant', 'created_at', 'id']).execute();
      // The daily limit per person and service.
      await db.schema.createIndex('applications_applicant_service').on('applications').columns(['applicant', 'service_code', 'created_at']).execute();
      // An agency's queue: by status, overdue first, then by deadline, keyset-paged by id.
      await db.schema.createIndex('applications_queue').on('applications').columns(['organization', 'status', 'overdue', 'deadline', 'id']).execute();
      await db.schema.createIndex('applications_overdue').on('applications').columns(['overdue', 'deadline']).execute();
      await db.schema.createIndex('applications_drafts').on('applications').columns(['status', 'expires_at']).execute();

      await withId(db.schema.createTable('application_events'), dialect)
        .addColumn('application_id', 'text', (c) => c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        // Internal notes are the agency's; everything else the applicant sees on their timeline.
        .addColumn('internal', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('application_events_application').on('application_events').columns(['application_id', 'id']).execute();

      await db.schema
        .createTable('application_idempotency')
        .addColumn('applicant', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('application_id', 'text', (c) => c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('application_idempotency_pk', ['applicant', 'key'])
        .execute();
    },
  },
  {
    // At 1,000,000 applications the queue read every open application of the agency and sorted them
    // for each page: its order (overdue descending, deadline ascending) matched no index, and its three
    // statuses were three ranges of the old one. docs/benchmarks.md, "Online applications".
    name: '20261207-61-services-queue-order',
    async up(db, dialect) {
      // SQLite adds a generated column only as VIRTUAL (computed when read; its indexes store it).
      const kind = dialect === 'postgres' ? 'stored' : 'virtual';
      await sql`alter table applications add column queue_order integer generated always as (${sql.raw(QUEUE_ORDER_SQL)}) ${sql.raw(kind)}`.execute(db);
      // An agency's open work (and its overdue part), in queue order.
      await db.schema.createIndex('applications_queue_open').on('applications').columns(['organization', 'queue_order', 'deadline', 'id']).execute();
      // An agency's applications of one status, in queue order.
      await db.schema.createIndex('applications_queue_status').on('applications').columns(['organization', 'status', 'queue_order', 'deadline', 'id']).execute();
      // The authority's list: every agency's overdue work, in queue order.
      await db.schema.createIndex('applications_queue_all').on('applications').columns(['queue_order', 'deadline', 'id']).execute();
      // Replaced by applications_queue_status and applications_queue_all; nothing else reads by them.
      await db.schema.dropIndex('applications_queue').execute();
      await db.schema.dropIndex('applications_overdue').execute();
    },
  },
  {
    // "My applications" looked up every row of the list in the table after finding it in the index:
    // a person's applications are spread over the whole table (made months apart), so each was a
    // random read, 7–10 µs a row at 1,000,000 applications. The index now carries the columns the list
    // shows (store.ts, SUMMARY_COLUMNS, as of this migration), so the list is read from the index alone
    // (53 µs for 18 rows against 137–182). Written out here, not imported: a migration does not change.
    name: '20261207-62-services-my-applications-covering',
    async up(db, dialect) {
      const carried = ['tracking_code', 'service_code', 'service_version', 'applicant_name_fa', 'applicant_name_en', 'status', 'step_index', 'organization', 'page', 'fee_amount', 'paid_at', 'deadline', 'paused_remaining', 'overdue', 'assigned_to', 'first_approval_by', 'updated_at', 'submitted_at', 'decided_at', 'expires_at', 'rev'];
      await db.schema.dropIndex('applications_applicant').execute();
      if (dialect === 'postgres') {
        // INCLUDE: carried in the leaves, not part of the key, so the index is ordered and unique as before.
        await sql`create index applications_applicant on applications (applicant, created_at, id) include (${sql.join(carried.map((c) => sql.id(c)))})`.execute(db);
      } else {
        // SQLite has no INCLUDE: the carried columns follow the key; the order of (applicant, created_at, id) is the same.
        await db.schema.createIndex('applications_applicant').on('applications').columns(['applicant', 'created_at', 'id', ...carried]).execute();
      }
    },
  },
  {
    // An agency's queue found its page in applications_queue_open and then read each row from the
    // table, a random read each (7 µs a row at 1,000,000 applications: 190 µs of SQL for a page of 25,
    // 40 % of a queue request's CPU). Only open work is in the queue (about 6 % of all applications),
    // so the index now holds only that (`queue_order <= 0`, which the queue's query writes as that
    // literal, so both databases see the index applies) and carries every column the list shows
    // (store.ts, SUMMARY_COLUMNS, as of this migration): the page is read from the index alone.
    //
    // SQLite reads no index alone for a query that names a generated column: it counts every column
    // of the table as used (sqlite3ExprColUsed), so the queue would still read each row. There,
    // queue_order becomes a plain column that triggers keep equal to QUEUE_ORDER_SQL on every insert
    // and on every change of the three columns it depends on; PostgreSQL keeps its stored generated column.
    name: '20261208-63-services-open-queue-covering',
    async up(db, dialect) {
      const carried = ['tracking_code', 'service_code', 'service_version', 'applicant', 'applicant_name_fa', 'applicant_name_en', 'status', 'step_index', 'page', 'fee_amount', 'paid_at', 'paused_remaining', 'overdue', 'assigned_to', 'first_approval_by', 'created_at', 'updated_at', 'submitted_at', 'decided_at', 'expires_at', 'rev'];
      const key = sql`organization, queue_order, deadline, id`;
      const columns = sql.join(carried.map((c) => sql.id(c)));
      await db.schema.dropIndex('applications_queue_open').execute();
      if (dialect === 'postgres') {
        await sql`create index applications_queue_open on applications (${key}) include (${columns}) where queue_order <= 0`.execute(db);
        return;
      }
      // The expression as of this migration, written out: a migration does not change.
      const order = sql.raw(`case when deadline is null then null when status in ('submitted', 'in_review', 'changes_requested') then -overdue else 100 - overdue end`);
      await db.schema.dropIndex('applications_queue_status').execute();
      await db.schema.dropIndex('applications_queue_all').execute();
      await sql`alter table applications drop column queue_order`.execute(db);
      await sql`alter table applications add column queue_order integer`.execute(db);
      await sql`update applications set queue_order = ${order}`.execute(db);
      // AFTER triggers: SQLite cannot change NEW in a BEFORE trigger. The inner update touches none of
      // the columns the second trigger watches, so it does not fire again.
      await sql`create trigger applications_queue_order_insert after insert on applications begin update applications set queue_order = ${order} where rowid = new.rowid; end`.execute(db);
      await sql`create trigger applications_queue_order_update after update of status, deadline, overdue on applications begin update applications set queue_order = ${order} where rowid = new.rowid; end`.execute(db);
      await db.schema.createIndex('applications_queue_status').on('applications').columns(['organization', 'status', 'queue_order', 'deadline', 'id']).execute();
      await db.schema.createIndex('applications_queue_all').on('applications').columns(['queue_order', 'deadline', 'id']).execute();
      await sql`create index applications_queue_open on applications (${key}, ${columns}) where queue_order <= 0`.execute(db);
    },
  },
];

export interface ApplicationTables {
  applications: {
    id: string;
    tracking_code: string;
    service_code: string;
    service_version: number;
    applicant: string;
    applicant_name_fa: string;
    applicant_name_en: string;
    applicant_mobile: string | null;
    applicant_email: string | null;
    status: string;
    step_index: number;
    organization: string;
    answers: string;
    prefill: string;
    page: string | null;
    fee_amount: number;
    paid_at: string | null;
    deadline: string | null;
    paused_remaining: number | null;
    overdue: number;
    assigned_to: string | null;
    first_approval_by: string | null;
    created_at: string;
    updated_at: string;
    submitted_at: string | null;
    decided_at: string | null;
    expires_at: string | null;
    rev: number;
    /** Computed by the database (QUEUE_ORDER_SQL); never written. */
    queue_order: import('kysely').GeneratedAlways<number | null>;
  };
  application_events: {
    id: import('kysely').Generated<number>;
    application_id: string;
    at: string;
    actor: string;
    kind: string;
    status: string;
    detail: string;
    internal: number;
  };
  application_idempotency: { applicant: string; key: string; application_id: string; request_hash: string; created_at: string };
}
