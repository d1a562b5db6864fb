import { sql } from 'kysely';
import type { PortableMigration } from '../platform/migrations.js';
import { withId } from '../platform/migrations.js';

export const catalogMigrations: PortableMigration[] = [
  {
    name: '20261122-02-catalog-init',
    async up(db, dialect) {
      await db.schema
        .createTable('organizations')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('parent_code', 'text')
        .addColumn('name_fa', 'text', (c) => c.notNull())
        .addColumn('name_en', 'text', (c) => c.notNull())
        .addColumn('website', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      for (const table of ['topics', 'life_events']) {
        await db.schema
          .createTable(table)
          .addColumn('code', 'text', (c) => c.primaryKey())
          .addColumn('name_fa', 'text', (c) => c.notNull())
          .addColumn('name_en', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
      }
      await db.schema
        .createTable('windows')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // One row per service: its identity, and the live (approved) version's data when there is one.
      await db.schema
        .createTable('services')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('organization_code', 'text', (c) => c.notNull().references('organizations.code'))
        .addColumn('live_version', 'integer')
        .addColumn('data', 'text')
        .addColumn('published_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('services_org').on('services').column('organization_code').execute();
      for (const [table, col, ref] of [
        ['service_topics', 'topic_code', 'topics.code'],
        ['service_life_events', 'life_event_code', 'life_events.code'],
      ] as const) {
        await db.schema
          .createTable(table)
          .addColumn('service_code', 'text', (c) => c.notNull().references('services.code').onDelete('cascade'))
          .addColumn(col, 'text', (c) => c.notNull().references(ref))
          .addPrimaryKeyConstraint(`${table}_pk`, ['service_code', col])
          .execute();
      }
      await withId(db.schema.createTable('service_versions'), dialect)
        .addColumn('service_code', 'text', (c) => c.notNull().references('services.code'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('reviewer', 'text')
        .addColumn('reviewed_at', 'text')
        .addColumn('reason', 'text')
        .addUniqueConstraint('service_versions_code_version', ['service_code', 'version'])
        .execute();
      await db.schema.createIndex('service_versions_status').on('service_versions').column('status').execute();
      // The workflow looks a service's versions up by status ("its approved one"); without this index
      // SQLite's planner walks every approved version of every service instead.
      await db.schema.createIndex('service_versions_code_status').on('service_versions').columns(['service_code', 'status']).execute();
      // Who did what and when, per service: the workflow's own history (privileged actions also go to audit_log).
      await withId(db.schema.createTable('service_events'), dialect)
        .addColumn('service_code', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('service_events_code').on('service_events').column('service_code').execute();
      // The change feed every node follows to keep its in-memory search index current.
      await withId(db.schema.createTable('catalog_changes'), dialect)
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  {
    name: '20261207-20-catalog-organization-codes',
    async up(db) {
      // Organisation codes may now be in any letter case (POLICE-PASS, 10100000001) and are unique without regard to it.
      await db.schema.createIndex('organizations_code_any_case').on('organizations').unique().expression(sql`lower(code)`).execute();
      // The data-exchange members that are an organisation (IR/GOV/NOCR is NOCR); a member is one organisation.
      await db.schema
        .createTable('organization_exchange_members')
        .addColumn('member_key', 'text', (c) => c.primaryKey())
        .addColumn('member_id', 'text', (c) => c.notNull())
        .addColumn('organization_code', 'text', (c) => c.notNull().references('organizations.code'))
        .execute();
      await db.schema.createIndex('organization_exchange_members_org').on('organization_exchange_members').column('organization_code').execute();
    },
  },
];
