import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import type { Kysely } from 'kysely';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { writeAudit } from '../platform/audit.js';
import { nowIso } from '../platform/db.js';
import { conflict, invalid, notFound } from '../platform/errors.js';
import type { KeyStore } from '../platform/keys.js';
import type { PortableMigration } from '../platform/migrations.js';
import type { Authenticator, Caller } from './credentials.js';
import { parseSubsystemId } from './ids.js';
import { VerificationKeyCache } from './key-cache.js';
import type { ExchangeState } from './state.js';
import * as store from './store.js';

/**
 * `Authorization: Bearer <token>` at the gateway: OAuth 2 client-credentials access tokens issued by
 * the platform's own OpenID provider for the exchange resource (`urn:panjareh:exchange`), verified on
 * the node itself — no call to the provider, no introspection.
 *
 * Which subsystem a token speaks for is the exchange's decision, not the provider's: a table links
 * an OpenID client id to one subsystem (`panjareh exchange client create|link`). A link change bumps
 * the `keys` version (tokens are credentials like keys), so every node re-reads the links when it
 * re-reads its keys, within the sync interval; unlinking a client stops its tokens within a second,
 * although each token itself lives for the provider's client-credentials lifetime (10 minutes).
 *
 * A token is accepted only if it is an RFC 9068 JWT access token (`typ: at+jwt`), signed RS256 by a
 * key that still verifies in the platform's key store (purpose `oidc`, so a rotation is followed the
 * moment an unknown `kid` appears), with `iss` = PUBLIC_URL, `aud` the exchange resource, `exp` in the
 * future and `nbf` (if any) in the past, `sub` equal to `client_id` (a client's own token, never one
 * issued to a person), and no `cnf` (a sender-constrained token would need a proof this gateway does
 * not take).
 */

export const OAUTH_CLIENT_LINK_MIGRATION = '20261123-71-exchange-oauth-clients';
/** The provider signs its tokens with the key store's `oidc` keys (see identity/national-identity.ts). */
export const PROVIDER_KEY_PURPOSE = 'oidc';
const ALGORITHMS = ['RS256'] as const;
const AT_TYP = 'at+jwt';
const MAX_TOKEN_LENGTH = 8192;
const TOKEN_FORM = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** OpenID client ids the provider accepts are printable; ours are `rp-<12 base64url>`. */
const CLIENT_ID_FORM = /^[A-Za-z0-9._~-]{1,100}$/;
const KEY_RECHECK_MS = 60_000;

export interface OAuthClientTables {
  exchange_oauth_clients: { client_id: string; subsystem: string; created_at: string; created_by: string };
}

export const oauthClientMigrations: PortableMigration[] = [
  {
    name: OAUTH_CLIENT_LINK_MIGRATION,
    async up(db) {
      await db.schema
        .createTable('exchange_oauth_clients')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('subsystem', 'text', (c) => c.notNull().references('exchange_subsystems.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('exchange_oauth_clients_subsystem').on('exchange_oauth_clients').column('subsystem').execute();
    },
  },
];

export interface OAuthClientLink {
  clientId: string;
  subsystem: string;
  createdAt: string;
  createdBy: string;
}

/** The links between OpenID clients and the subsystems their tokens speak for. */
export class OAuthClientLinks {
  private readonly db: Kysely<OAuthClientTables & { exchange_subsystems: { id: string } }>;

  constructor(
    db: Kysely<any>,
    /** Called after a change, e.g. to reload this node's keys at once. */
    private readonly afterChange: () => Promise<void> = async () => undefined,
  ) {
    this.db = db as never;
  }

  async link(input: { subsystem: string; clientId: string }, actor: string): Promise<OAuthClientLink> {
    const subsystem = String(input.subsystem ?? '').trim();
    const clientId = String(input.clientId ?? '').trim();
    if (!parseSubsystemId(subsystem)) throw invalid('invalid_subsystem_id', 'شناسهٔ زیرسامانه درست نیست.', `"${subsystem}" is not a valid subsystem id.`);
    if (!CLIENT_ID_FORM.test(clientId)) throw invalid('invalid_client_id', 'شناسهٔ سامانهٔ OpenID درست نیست.', 'The client id must be 1 to 100 letters, digits or . _ ~ -.');
    const row = { client_id: clientId, subsystem, created_at: nowIso(), created_by: actor };
    await this.db.transaction().execute(async (tx) => {
      if (!(await tx.selectFrom('exchange_subsystems').select('id').where('id', '=', subsystem).executeTakeFirst())) throw notFound({ fa: `زیرسامانه ${subsystem}`, en: `The subsystem ${subsystem}` });
      const taken = await tx.selectFrom('exchange_oauth_clients').select('subsystem').where('client_id', '=', clientId).executeTakeFirst();
      if (taken) throw conflict('client_linked', 'این سامانهٔ OpenID پیش‌تر به زیرسامانه‌ای پیوند خورده است.', `The client ${clientId} is already linked to ${taken.subsystem}; unlink it first.`);
      await tx.insertInto('exchange_oauth_clients').values(row).execute();
      await store.bump(tx as never, 'keys');
      await writeAudit(tx, { actor, action: 'exchange.oauth-client.link', subject: subsystem, detail: { clientId } });
    });
    await this.afterChange();
    return { clientId, subsystem, createdAt: row.created_at, createdBy: actor };
  }

  /** Ends the link: the client's tokens are refused on every node within the sync interval. */
  async unlink(clientId: string, actor: string): Promise<OAuthClientLink> {
    const found = await this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('exchange_oauth_clients').selectAll().where('client_id', '=', String(clientId)).executeTakeFirst();
      if (!row) throw notFound({ fa: 'پیوند این سامانه', en: `A link of client ${clientId}` });
      await tx.deleteFrom('exchange_oauth_clients').where('client_id', '=', row.client_id).execute();
      await store.bump(tx as never, 'keys');
      await writeAudit(tx, { actor, action: 'exchange.oauth-client.unlink', subject: row.subsystem, detail: { clientId: row.client_id } });
      return row;
    });
    await this.afterChange();
    return { clientId: found.client_id, subsystem: found.subsystem, createdAt: found.created_at, createdBy: found.created_by };
  }

  async list(subsystem?: string): Promise<OAuthClientLink[]> {
    let q = this.db.selectFrom('exchange_oauth_clients').selectAll().orderBy('subsystem').orderBy('client_id');
    if (subsystem) q = q.where('subsystem', '=', subsystem);
    return (await q.execute()).map((r) => ({ clientId: r.client_id, subsystem: r.subsystem, createdAt: r.created_at, createdBy: r.created_by }));
  }

  /** Every link, client id → subsystem. */
  async load(): Promise<Map<string, string>> {
    const rows = await this.db.selectFrom('exchange_oauth_clients').select(['client_id', 'subsystem']).execute();
    return new Map(rows.map((r) => [r.client_id, r.subsystem]));
  }
}

/** Where the verifier finds the provider's public keys; the platform's key store by default. */
export interface TokenKeyProvider {
  /** The public key for `kid`, or undefined when no such key verifies any more. */
  verification(kid: string): Promise<KeyObject | undefined>;
}

export function keyStoreTokenKeys(keys: KeyStore): TokenKeyProvider {
  return {
    async verification(kid) {
      const k = await keys.byKid(PROVIDER_KEY_PURPOSE, 'RS256', kid);
      return k ? createPublicKey(k.privateKey) : undefined;
    },
  };
}

export interface BearerOptions {
  /** The provider's issuer: PUBLIC_URL. */
  issuer: string;
  /** The exchange's resource indicator, the tokens' `aud`. */
  audience: string;
  keys: TokenKeyProvider;
  links: OAuthClientLinks;
  /** This node's exchange state: a reload of its keys means the links may have changed too. */
  state: Pick<ExchangeState, 'keys'>;
  /** Verified tokens kept in memory (the signature is checked once per token). */
  cacheSize?: number;
}

interface VerifiedToken {
  clientId: string;
  exp: number;
  nbf: number | null;
}

export class BearerAuthenticator implements Authenticator {
  readonly scheme = 'bearer';
  private readonly verified = new Map<string, VerifiedToken>();
  private links: Map<string, string> | null = null;
  private linksFor: ExchangeState['keys'] | null = null;
  private loading: Promise<Map<string, string>> | null = null;

  private readonly publicKeys: VerificationKeyCache;

  constructor(private readonly o: BearerOptions) {
    this.publicKeys = new VerificationKeyCache((kid) => o.keys.verification(kid), KEY_RECHECK_MS);
  }

  async authenticate(credentials: string, now: number): Promise<Caller | null> {
    let t = this.verified.get(credentials);
    if (!t) {
      const fresh = await this.verify(credentials, now);
      if (!fresh) return null;
      t = fresh;
      if (this.verified.size >= (this.o.cacheSize ?? 10_000)) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(credentials, t);
    }
    if (t.exp * 1000 <= now || (t.nbf !== null && t.nbf * 1000 > now)) {
      this.verified.delete(credentials);
      return null;
    }
    const subsystem = (await this.currentLinks()).get(t.clientId);
    return subsystem ? { subsystem, credential: `bearer:${t.clientId}` } : null;
  }

  /** The links as of this node's last key reload; read again (once, whoever asks first) after each reload. */
  private async currentLinks(): Promise<Map<string, string>> {
    const keysNow = this.o.state.keys;
    if (this.links && this.linksFor === keysNow) return this.links;
    if (!this.loading) {
      this.loading = this.o.links
        .load()
        .then((m) => {
          this.links = m;
          this.linksFor = keysNow;
          return m;
        })
        .finally(() => (this.loading = null));
    }
    return this.loading;
  }

  private async verify(token: string, now: number): Promise<VerifiedToken | null> {
    if (token.length > MAX_TOKEN_LENGTH || !TOKEN_FORM.test(token)) return null;
    let kid: string;
    try {
      const h = decodeProtectedHeader(token);
      if (!ALGORITHMS.includes(h.alg as never) || typeof h.kid !== 'string' || String(h.typ).toLowerCase().replace(/^application\//, '') !== AT_TYP) return null;
      kid = h.kid;
    } catch {
      return null;
    }
    const key = await this.publicKeys.get(kid, now);
    if (!key) return null;
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [...ALGORITHMS],
        issuer: this.o.issuer,
        audience: this.o.audience,
        currentDate: new Date(now),
        requiredClaims: ['exp', 'sub', 'client_id'],
      });
      const clientId = payload.client_id;
      if (typeof clientId !== 'string' || payload.sub !== clientId || payload.cnf !== undefined || typeof payload.exp !== 'number') return null;
      return { clientId, exp: payload.exp, nbf: typeof payload.nbf === 'number' ? payload.nbf : null };
    } catch {
      return null;
    }
  }

}
