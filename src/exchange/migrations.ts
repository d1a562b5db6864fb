import { sql } from 'kysely';
import { withId, type PortableMigration } from '../platform/migrations.js';

/** The data exchange: registry (members, subsystems, services), contracts, API keys, consents, change versions. */
export const exchangeMigrations: PortableMigration[] = [
  {
    name: '20261123-20-exchange-registry',
    async up(db) {
      await db.schema
        .createTable('exchange_members')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('instance', 'text', (c) => c.notNull())
        .addColumn('member_class', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('exchange_subsystems')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('member_id', 'text', (c) => c.notNull().references('exchange_members.id'))
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('exchange_services')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subsystem_id', 'text', (c) => c.notNull().references('exchange_subsystems.id'))
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('upstream_url', 'text', (c) => c.notNull())
        .addColumn('openapi', 'text')
        .addColumn('classification', 'text', (c) => c.notNull())
        .addColumn('subject_in', 'text')
        .addColumn('subject_name', 'text')
        .addColumn('subject_templates', 'text', (c) => c.notNull())
        .addColumn('endpoints', 'text', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('exchange_versions')
        .addColumn('kind', 'text', (c) => c.primaryKey())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.insertInto('exchange_versions').values(['registry', 'contracts', 'keys', 'consents'].map((kind) => ({ kind, version: 1 }))).execute();
    },
  },
  {
    name: '20261123-21-exchange-contracts',
    async up(db, dialect) {
      await withId(db.schema.createTable('exchange_contracts'), dialect)
        .addColumn('client', 'text', (c) => c.notNull().references('exchange_subsystems.id'))
        .addColumn('service', 'text', (c) => c.notNull().references('exchange_services.id'))
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('legal_basis', 'text')
        .addColumn('legal_basis_personal', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('methods', 'text', (c) => c.notNull())
        .addColumn('paths', 'text', (c) => c.notNull())
        .addColumn('rate_per_second', 'integer', (c) => c.notNull())
        .addColumn('daily_quota', 'integer')
        .addColumn('expires_at', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('decision_reason', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        .execute();
      await db.schema.createIndex('exchange_contracts_pair').on('exchange_contracts').columns(['client', 'service']).execute();
      // At most one open (pending or active) contract per consumer and service, whichever node writes.
      await db.schema
        .createIndex('exchange_contracts_open')
        .on('exchange_contracts')
        .columns(['client', 'service'])
        .unique()
        .where(sql<boolean>`status in ('pending', 'active')`)
        .execute();
    },
  },
  {
    name: '20261123-22-exchange-keys',
    async up(db, dialect) {
      await withId(db.schema.createTable('exchange_api_keys'), dialect)
        .addColumn('subsystem', 'text', (c) => c.notNull().references('exchange_subsystems.id'))
        .addColumn('prefix', 'text', (c) => c.notNull().unique())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        .execute();
      await db.schema.createIndex('exchange_api_keys_subsystem').on('exchange_api_keys').column('subsystem').execute();
    },
  },
  {
    name: '20261123-23-exchange-consents',
    async up(db) {
      await db.schema
        .createTable('exchange_consents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('client', 'text', (c) => c.notNull().references('exchange_subsystems.id'))
        .addColumn('services', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('exchange_consents_subject').on('exchange_consents').column('subject').execute();
      await db.schema.createIndex('exchange_consents_client').on('exchange_consents').column('client').execute();
      await db.schema.createIndex('exchange_consents_status').on('exchange_consents').columns(['status', 'expires_at']).execute();
    },
  },
  {
    // A service that names a person indirectly (a plate, a certificate number, a postal code) says what
    // the value is and where the owning agency resolves it to the people it names (model.ts).
    name: '20261207-20-exchange-subject-resolution',
    async up(db) {
      await db.schema.alterTable('exchange_services').addColumn('subject_identifier', 'text').execute();
      await db.schema.alterTable('exchange_services').addColumn('subject_resolve', 'text').execute();
    },
  },
  {
    // Persian names beside the registered ones, so Persian pages (the consent page, the data tracker) need no English.
    name: '20261207-21-exchange-persian-names',
    async up(db) {
      for (const table of ['exchange_members', 'exchange_subsystems', 'exchange_services']) await db.schema.alterTable(table).addColumn('name_fa', 'text').execute();
    },
  },
];
