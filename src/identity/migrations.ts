import type { PortableMigration } from '../platform/migrations.js';
import { withId } from '../platform/migrations.js';
import { passkeyMigrations } from './passkeys-migrations.js';
import { sessionDeviceMigrations } from './session-devices.js';

const staffMigrations: PortableMigration[] = [
  {
    name: '20261122-03-identity-staff',
    async up(db, dialect) {
      await withId(db.schema.createTable('staff_users'), dialect)
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('organization_code', 'text')
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('staff_sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('staff_users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .execute();
    },
  },
];

/** The national digital identity: people who have signed in, one-time codes, throttles, the OpenID provider's storage. */
const nationalIdentityMigrations: PortableMigration[] = [
  {
    name: '20261123-50-identity-people',
    async up(db, dialect) {
      await db.schema
        .createTable('identity_people')
        .addColumn('national_code', 'text', (c) => c.primaryKey())
        // The `sub` every relying party sees: random, so a site cannot read a national code out of it.
        .addColumn('subject', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_sign_in_at', 'text')
        // The mobile they last proved they hold (released to sites under the `phone` scope).
        .addColumn('mobile', 'text')
        .execute();
      await db.schema
        .createTable('identity_otps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('national_code', 'text', (c) => c.notNull())
        .addColumn('mobile', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('used_at', 'text')
        .addColumn('ip', 'text')
        .execute();
      await db.schema.createIndex('identity_otps_expiry').on('identity_otps').column('expires_at').execute();
      await withId(db.schema.createTable('identity_throttle'), dialect)
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('identity_throttle_key_at').on('identity_throttle').columns(['key', 'at']).execute();
      await withId(db.schema.createTable('identity_sign_ins'), dialect)
        .addColumn('national_code', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('client_id', 'text')
        .addColumn('acr', 'text')
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .execute();
      await db.schema.createIndex('identity_sign_ins_person').on('identity_sign_ins').columns(['national_code', 'at']).execute();
    },
  },
  {
    name: '20261123-51-identity-oidc',
    async up(db) {
      // Everything oidc-provider stores (sessions, interactions, codes, tokens, grants), one row per model and id,
      // with the few fields it looks things up by lifted into columns.
      await db.schema
        .createTable('oidc_payloads')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('uid', 'text')
        .addColumn('user_code', 'text')
        .addColumn('account_id', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('consumed_at', 'text')
        .addPrimaryKeyConstraint('oidc_payloads_pk', ['model', 'id'])
        .execute();
      await db.schema.createIndex('oidc_payloads_grant').on('oidc_payloads').column('grant_id').execute();
      await db.schema.createIndex('oidc_payloads_uid').on('oidc_payloads').column('uid').execute();
      await db.schema.createIndex('oidc_payloads_account').on('oidc_payloads').columns(['account_id', 'model']).execute();
      await db.schema.createIndex('oidc_payloads_expiry').on('oidc_payloads').column('expires_at').execute();
      await db.schema
        .createTable('oidc_clients')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .execute();
    },
  },
  {
    name: '20261123-53-identity-portal-sessions',
    async up(db) {
      // The portal's own sessions as a relying party of the provider (a cookie holds the token; only its hash is here).
      await db.schema
        .createTable('portal_sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('national_code', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('id_token', 'text', (c) => c.notNull())
        .addColumn('sid', 'text')
        .addColumn('acr', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('portal_sessions_sid').on('portal_sessions').column('sid').execute();
    },
  },
  {
    name: '20261207-10-identity-portal-session-names',
    async up(db) {
      // The person's name, kept with the session so that every page's header can greet them without another query.
      await db.schema.alterTable('portal_sessions').addColumn('name_fa', 'text').execute();
      await db.schema.alterTable('portal_sessions').addColumn('name_en', 'text').execute();
    },
  },
  {
    name: '20261123-52-identity-staff-grants',
    async up(db, dialect) {
      await withId(db.schema.createTable('staff_grants'), dialect)
        .addColumn('national_code', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('organization_code', 'text')
        .addColumn('granted_at', 'text', (c) => c.notNull())
        .addColumn('granted_by', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        .execute();
      await db.schema.createIndex('staff_grants_person').on('staff_grants').column('national_code').execute();
    },
  },
];

export const identityMigrations: PortableMigration[] = [...staffMigrations, ...nationalIdentityMigrations, ...passkeyMigrations, ...sessionDeviceMigrations];
