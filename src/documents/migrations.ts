import { withId, type PortableMigration } from '../platform/migrations.js';

/** Issued documents and the certificates of the document-signing key. */
export const documentMigrations: PortableMigration[] = [
  {
    name: '20261207-45-documents-issued',
    async up(db, dialect) {
      await db.schema
        .createTable('documents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('title_fa', 'text', (c) => c.notNull())
        .addColumn('title_en', 'text', (c) => c.notNull())
        .addColumn('organization_code', 'text', (c) => c.notNull())
        // The issuer's name as printed on the document: it must not change when the catalogue renames the organisation.
        .addColumn('organization_name_fa', 'text', (c) => c.notNull())
        .addColumn('organization_name_en', 'text', (c) => c.notNull())
        .addColumn('holder_national_code', 'text', (c) => c.notNull())
        .addColumn('holder_name_fa', 'text', (c) => c.notNull())
        .addColumn('holder_name_en', 'text', (c) => c.notNull())
        .addColumn('fields', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        .addColumn('revoked_reason_fa', 'text')
        .addColumn('revoked_reason_en', 'text')
        .addColumn('application_id', 'text')
        .addColumn('pdf', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .addColumn('sd_jwt', 'text', (c) => c.notNull())
        // The credential's place in the token status lists (credential.ts: slotOf).
        .addColumn('status_slot', 'integer', (c) => c.notNull().unique())
        .execute();
      await db.schema.createIndex('documents_holder').on('documents').columns(['holder_national_code', 'issued_at']).execute();
      await db.schema.createIndex('documents_application').on('documents').column('application_id').execute();
      // Status-list slots handed out in order, one per credential; a slot of an issue rolled back stays unused.
      await withId(db.schema.createTable('document_status_slots'), dialect).addColumn('allocated_at', 'text', (c) => c.notNull()).execute();
      await db.schema
        .createTable('document_signing_certificates')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('certificate', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
];
