import { sql } from 'kysely';
import type { PortableMigration } from '../platform/migrations.js';

/** Payments: one row per attempt to pay an order (a restart is a new row, the old one cancelled). */
export const paymentMigrations: PortableMigration[] = [
  {
    name: '20261207-51-payments-payments',
    async up(db) {
      await db.schema
        .createTable('payments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('order_kind', 'text', (c) => c.notNull())
        .addColumn('order_ref', 'text', (c) => c.notNull())
        // bigint: fees in rials pass 2^31 (2.1 billion rials) easily.
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('description_fa', 'text', (c) => c.notNull())
        .addColumn('description_en', 'text', (c) => c.notNull())
        .addColumn('payer', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('provider_order_id', 'text', (c) => c.notNull().unique())
        .addColumn('token', 'text', (c) => c.notNull().unique())
        .addColumn('rrn', 'text')
        .addColumn('trace_no', 'text')
        .addColumn('return_to', 'text', (c) => c.notNull())
        .addColumn('lang', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('verified_at', 'text')
        .addColumn('refunded_at', 'text')
        .execute();
      await db.schema.createIndex('payments_order').on('payments').columns(['order_kind', 'order_ref', 'created_at']).execute();
      // At most one attempt in progress and one counted payment per order, whatever races between nodes.
      await sql`create unique index payments_one_pending on payments (order_kind, order_ref) where status = 'pending'`.execute(db);
      await sql`create unique index payments_one_verified on payments (order_kind, order_ref) where status = 'verified'`.execute(db);
    },
  },
];

/** The demo PSP's own state (merchants, tokens and their payments), in the database so it works across nodes. */
export const demoPspMigrations: PortableMigration[] = [
  {
    name: '20261207-52-payments-demo-psp',
    async up(db) {
      await db.schema
        .createTable('demo_psp_merchants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name_fa', 'text', (c) => c.notNull())
        .addColumn('name_en', 'text', (c) => c.notNull())
        // SHA-256 of the secret: a copy of the table does not give the secret away.
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('demo_psp_payments')
        .addColumn('token', 'text', (c) => c.primaryKey())
        .addColumn('merchant', 'text', (c) => c.notNull().references('demo_psp_merchants.id'))
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('description_fa', 'text', (c) => c.notNull())
        .addColumn('description_en', 'text', (c) => c.notNull())
        .addColumn('callback_url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('rrn', 'text')
        .addColumn('trace_no', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .addColumn('verified_at', 'text')
        .addColumn('refunded_at', 'text')
        .addUniqueConstraint('demo_psp_payments_order', ['merchant', 'order_id'])
        .execute();
    },
  },
];
