import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject, type JsonWebKey } from 'node:crypto';
import type { Generated, Kysely } from 'kysely';
import { nowIso } from './db.js';
import type { PortableMigration } from './migrations.js';

/**
 * The platform's signing keys, kept in the database so every node signs with the same key and
 * publishes the same JWKS. One purpose (OpenID tokens, consent tokens, audit seals) has one active
 * key; a rotation makes a new key active and keeps the old one for verification until the tokens
 * it signed have expired. Nodes cache what they read for a few seconds and re-read at once when they
 * meet an unknown key id, so a rotation on one node reaches the others without a restart.
 *
 * The private keys are stored as JWK text: whoever can read the database can sign. A deployment
 * that needs keys outside the database (an HSM) replaces this store; the interface is small for that.
 */

export type KeyAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface KeyTables {
  signing_keys: {
    kid: string;
    purpose: string;
    alg: KeyAlgorithm;
    public_jwk: string;
    private_jwk: string;
    created_at: string;
    /** Set when a newer key took over; the key then only verifies. */
    retired_at: string | null;
    /** When a retired key leaves the JWKS: after every token it signed has expired. */
    expires_at: string | null;
  };
  signing_key_slots: { purpose: string; active_kid: string; changed_at: string; version: Generated<number> };
}

export interface SigningKey {
  kid: string;
  alg: KeyAlgorithm;
  purpose: string;
  privateKey: KeyObject;
  /** The private key as a JWK, for libraries that take JWKs (oidc-provider). */
  privateJwk: JsonWebKey & { kid: string; alg: string; use: 'sig' };
  publicJwk: JsonWebKey & { kid: string; alg: string; use: 'sig' };
  createdAt: string;
  retiredAt: string | null;
  expiresAt: string | null;
}

export const keyMigrations: PortableMigration[] = [
  {
    name: '20261123-01-platform-signing-keys',
    async up(db) {
      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('retired_at', 'text')
        .addColumn('expires_at', 'text')
        .execute();
      await db.schema.createIndex('signing_keys_purpose').on('signing_keys').column('purpose').execute();
      await db.schema
        .createTable('signing_key_slots')
        .addColumn('purpose', 'text', (c) => c.primaryKey())
        .addColumn('active_kid', 'text', (c) => c.notNull())
        .addColumn('changed_at', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
    },
  },
];

function generate(alg: KeyAlgorithm): { privateJwk: JsonWebKey; publicJwk: JsonWebKey } {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  return { privateJwk: pair.privateKey.export({ format: 'jwk' }), publicJwk: pair.publicKey.export({ format: 'jwk' }) };
}

const CACHE_MS = 5000;

export class KeyStore {
  private readonly db: Kysely<KeyTables>;
  private readonly cache = new Map<string, { at: number; active: SigningKey; all: SigningKey[] }>();

  constructor(db: Kysely<any>) {
    this.db = db as Kysely<KeyTables>;
  }

  /** The key that signs for `purpose`, made on first use (by whichever node gets there first). */
  async active(purpose: string, alg: KeyAlgorithm): Promise<SigningKey> {
    return (await this.load(purpose, alg)).active;
  }

  /** Every key that still verifies for `purpose`: the active one first, then retired ones not yet expired. */
  async verificationKeys(purpose: string, alg: KeyAlgorithm): Promise<SigningKey[]> {
    return (await this.load(purpose, alg)).all;
  }

  /** A verification key by id; an unknown id forces a re-read, as another node may have just rotated. */
  async byKid(purpose: string, alg: KeyAlgorithm, kid: string): Promise<SigningKey | undefined> {
    const hit = (await this.load(purpose, alg)).all.find((k) => k.kid === kid);
    if (hit) return hit;
    this.cache.delete(purpose);
    return (await this.load(purpose, alg)).all.find((k) => k.kid === kid);
  }

  /** The public JWKS of `purpose`. */
  async jwks(purpose: string, alg: KeyAlgorithm): Promise<{ keys: SigningKey['publicJwk'][] }> {
    return { keys: (await this.verificationKeys(purpose, alg)).map((k) => k.publicJwk) };
  }

  /** The slot's version: changes on every rotation, so a node can tell cheaply that it must reload. */
  async version(purpose: string): Promise<number> {
    const row = await this.db.selectFrom('signing_key_slots').select('version').where('purpose', '=', purpose).executeTakeFirst();
    return row?.version ?? 0;
  }

  /**
   * Makes a new key active; the previous one keeps verifying for `keepSeconds` (the longest lifetime
   * of anything it signed), then drops out of the JWKS.
   */
  async rotate(purpose: string, alg: KeyAlgorithm, keepSeconds: number): Promise<{ kid: string; retired: string | null }> {
    const fresh = this.newRow(purpose, alg);
    const now = nowIso();
    const retired = await this.db.transaction().execute(async (tx) => {
      const slot = await tx.selectFrom('signing_key_slots').selectAll().where('purpose', '=', purpose).executeTakeFirst();
      await tx.insertInto('signing_keys').values(fresh).execute();
      if (!slot) {
        await tx.insertInto('signing_key_slots').values({ purpose, active_kid: fresh.kid, changed_at: now }).execute();
        return null;
      }
      await tx
        .updateTable('signing_keys')
        .set({ retired_at: now, expires_at: new Date(Date.now() + keepSeconds * 1000).toISOString() })
        .where('kid', '=', slot.active_kid)
        .execute();
      await tx
        .updateTable('signing_key_slots')
        .set((eb) => ({ active_kid: fresh.kid, changed_at: now, version: eb('version', '+', 1) }))
        .where('purpose', '=', purpose)
        .execute();
      return slot.active_kid;
    });
    this.cache.delete(purpose);
    return { kid: fresh.kid, retired };
  }

  /** Forgets what this node read, so the next use reads the database again. */
  forget(purpose?: string): void {
    if (purpose) this.cache.delete(purpose);
    else this.cache.clear();
  }

  private newRow(purpose: string, alg: KeyAlgorithm) {
    const { privateJwk, publicJwk } = generate(alg);
    return {
      kid: `${purpose}-${randomUUID()}`,
      purpose,
      alg,
      public_jwk: JSON.stringify(publicJwk),
      private_jwk: JSON.stringify(privateJwk),
      created_at: nowIso(),
      retired_at: null,
      expires_at: null,
    };
  }

  private async load(purpose: string, alg: KeyAlgorithm): Promise<{ active: SigningKey; all: SigningKey[] }> {
    const cached = this.cache.get(purpose);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached;
    let slot = await this.db.selectFrom('signing_key_slots').select('active_kid').where('purpose', '=', purpose).executeTakeFirst();
    if (!slot) {
      // First use: two nodes may race; the slot's primary key lets one win and the loser's key is dropped.
      const row = this.newRow(purpose, alg);
      await this.db.insertInto('signing_keys').values(row).execute();
      await this.db.insertInto('signing_key_slots').values({ purpose, active_kid: row.kid, changed_at: row.created_at }).onConflict((oc) => oc.column('purpose').doNothing()).execute();
      slot = await this.db.selectFrom('signing_key_slots').select('active_kid').where('purpose', '=', purpose).executeTakeFirstOrThrow();
      if (slot.active_kid !== row.kid) await this.db.deleteFrom('signing_keys').where('kid', '=', row.kid).execute();
    }
    const now = nowIso();
    // A key neither active nor retired is a loser of the first-use race about to be deleted: never publish it.
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('purpose', '=', purpose)
      .where((eb) => eb.or([eb('kid', '=', slot.active_kid), eb.and([eb('retired_at', 'is not', null), eb('expires_at', '>', now)])]))
      .orderBy('created_at', 'desc')
      .execute();
    const all = rows.map((r): SigningKey => {
      const use = { kid: r.kid, alg: r.alg, use: 'sig' as const };
      const privateJwk = { ...(JSON.parse(r.private_jwk) as JsonWebKey), ...use };
      return {
        kid: r.kid,
        alg: r.alg,
        purpose: r.purpose,
        privateKey: createPrivateKey({ key: privateJwk, format: 'jwk' }),
        privateJwk,
        publicJwk: { ...(createPublicKey({ key: privateJwk, format: 'jwk' }).export({ format: 'jwk' }) as JsonWebKey), ...use },
        createdAt: r.created_at,
        retiredAt: r.retired_at,
        expiresAt: r.expires_at,
      };
    });
    const active = all.find((k) => k.kid === slot.active_kid);
    if (!active) throw new Error(`signing key ${slot.active_kid} for ${purpose} is missing from the database`);
    const entry = { at: Date.now(), active, all: [active, ...all.filter((k) => k !== active)] };
    this.cache.set(purpose, entry);
    return entry;
  }
}
