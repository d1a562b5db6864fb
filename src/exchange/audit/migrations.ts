import { sql } from 'kysely';
import type { PortableMigration } from '../../platform/migrations.js';
import { partitionAuditTable } from './partitions.js';

export const exchangeAuditMigrations: PortableMigration[] = [
  {
    name: '20261123-40-exchange-audit-log',
    async up(db) {
      // One chain per gateway node: (chain_id, seq) has no gaps, and each row carries the hash of the one before.
      await db.schema
        .createTable('exchange_audit')
        .addColumn('chain_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('client', 'text')
        .addColumn('service', 'text')
        .addColumn('provider', 'text')
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('consent_id', 'text')
        .addColumn('legal_basis', 'text')
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('error_type', 'text')
        .addColumn('latency_us', 'bigint', (c) => c.notNull())
        .addColumn('request_bytes', 'bigint', (c) => c.notNull())
        .addColumn('response_bytes', 'bigint', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('response_hash', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('exchange_audit_pk', ['chain_id', 'seq'])
        .execute();
      // Statistics read a time window; the data tracker reads one subject's accesses, newest first.
      await db.schema.createIndex('exchange_audit_at').on('exchange_audit').column('at').execute();
      await db.schema.createIndex('exchange_audit_subject').on('exchange_audit').columns(['subject', 'at']).where('subject', 'is not', null).execute();
      await db.schema.createIndex('exchange_audit_xroad_id').on('exchange_audit').column('id').execute();
      await db.schema
        .createTable('exchange_audit_seals')
        .addColumn('chain_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('head_hash', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('kid', 'text', (c) => c.notNull())
        .addColumn('jws', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('exchange_audit_seals_pk', ['chain_id', 'seq'])
        .execute();
      await db.schema
        .createTable('exchange_audit_chains')
        .addColumn('chain_id', 'text', (c) => c.primaryKey())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  {
    // A call whose subject was named indirectly (a plate, a certificate number, a postal code) records
    // the people the owning agency resolved it to: hashed with the record, and indexed per person so
    // each finds the read in their data tracker.
    name: '20261207-41-exchange-audit-persons',
    async up(db) {
      await db.schema.alterTable('exchange_audit').addColumn('persons', 'text').execute();
      await db.schema
        .createTable('exchange_audit_persons')
        .addColumn('person', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('chain_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('exchange_audit_persons_pk', ['chain_id', 'seq', 'person'])
        .execute();
      await db.schema.createIndex('exchange_audit_persons_person').on('exchange_audit_persons').columns(['person', 'at']).execute();
    },
  },
  {
    // PostgreSQL: the records by month (partitions.ts says why and how); SQLite keeps one table.
    // A partition's unique index covers its month only, so each chain's head (its last sequence
    // number) is kept in its registration and moved by every insert that extends it (store.ts): two
    // processes writing one chain can then never both store the same number, in one month or two.
    name: '20261207-42-exchange-audit-partitions',
    async up(db, dialect) {
      if (dialect !== 'postgres') return;
      await db.schema.alterTable('exchange_audit_chains').addColumn('head_seq', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      // A chain with records and no registration (written before registrations existed, or by hand) gets one.
      await sql`insert into exchange_audit_chains (chain_id, node_id, started_at)
        select chain_id, chain_id, min(at) from exchange_audit group by chain_id
        on conflict (chain_id) do nothing`.execute(db);
      await sql`update exchange_audit_chains c set head_seq = coalesce((select max(seq) from exchange_audit a where a.chain_id = c.chain_id), 0)`.execute(db);
      await partitionAuditTable(db);
    },
  },
  {
    // What `audit archive` moved out of the database: per chain, the last archived record and the
    // seal that signs it (the next record in the database links to it), and the file that holds them.
    name: '20261207-43-exchange-audit-archive',
    async up(db) {
      await db.schema
        .createTable('exchange_audit_archived')
        .addColumn('chain_id', 'text', (c) => c.primaryKey())
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .addColumn('last_hash', 'text', (c) => c.notNull())
        .addColumn('seal_at', 'text', (c) => c.notNull())
        .addColumn('seal_kid', 'text', (c) => c.notNull())
        .addColumn('seal_jws', 'text', (c) => c.notNull())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('file_sha256', 'text', (c) => c.notNull())
        .addColumn('records', 'bigint', (c) => c.notNull())
        .addColumn('before', 'text', (c) => c.notNull())
        .addColumn('archived_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
];
