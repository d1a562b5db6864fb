import type { PortableMigration } from '../platform/migrations.js';

/**
 * Passkeys (WebAuthn): each person's random user handle, their credentials, and the challenges in
 * flight (in the database so that a ceremony begun on one node can finish on another, and used once).
 * No foreign keys to identity_people: a person may add a passkey in the same moment they are first seen.
 */
export const passkeyMigrations: PortableMigration[] = [
  {
    name: '20261123-59-identity-passkeys',
    async up(db) {
      await db.schema
        .createTable('identity_passkey_users')
        .addColumn('national_code', 'text', (c) => c.primaryKey())
        // The WebAuthn user.id: random, so an authenticator (or a cloud syncing it) never holds the national code.
        .addColumn('user_handle', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('identity_passkeys')
        .addColumn('credential_id', 'text', (c) => c.primaryKey())
        .addColumn('national_code', 'text', (c) => c.notNull())
        // COSE public key, base64url.
        .addColumn('public_key', 'text', (c) => c.notNull())
        // Signature counters are unsigned 32-bit: beyond PostgreSQL's integer.
        .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('transports', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('aaguid', 'text')
        .addColumn('device_type', 'text')
        .addColumn('backed_up', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('nickname', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('identity_passkeys_person').on('identity_passkeys').column('national_code').execute();
      await db.schema
        .createTable('identity_passkey_challenges')
        .addColumn('challenge', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        // Registration: whose passkey it will be. Authentication: who must sign, or null for "anyone with a passkey".
        .addColumn('national_code', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('identity_passkey_challenges_expiry').on('identity_passkey_challenges').column('expires_at').execute();
    },
  },
];
