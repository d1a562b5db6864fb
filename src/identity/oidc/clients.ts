import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AdapterPayload } from 'oidc-provider';
import { writeAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/db.js';
import { invalid, notFound } from '../../platform/errors.js';
import { Problems } from '../../platform/problems.js';
import { toPersianDigits } from '../../platform/text.js';

/**
 * The relying parties: agencies' and businesses' sites that sign people in through the national
 * identity, registered by the authority. A client secret is shown once and stored as a SHA-256
 * hash (secrets are 256 random bits, so a fast hash is enough; the provider is told to compare
 * hashes, see provider.ts). Symmetric (HS*) algorithms are disabled, so the secret is never a key.
 */

export interface OidcClientTables {
  oidc_clients: {
    client_id: string;
    name: string;
    metadata: string;
    secret_hash: string | null;
    created_at: string;
    created_by: string;
    disabled_at: string | null;
  };
}

/**
 * How a site authenticates at the token endpoint: its secret in the Authorization header (basic, the
 * default), its secret in the form body (post, what openid-client and many libraries send unless told
 * otherwise), or a JWT signed with its own private key.
 */
export type ClientAuth = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
export const CLIENT_AUTH_METHODS: readonly ClientAuth[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
/** The methods that use a client secret (made here, shown once, stored hashed). */
export const usesSecret = (auth: ClientAuth): boolean => auth !== 'private_key_jwt';

export interface NewClient {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  auth?: ClientAuth;
  jwksUri?: string;
  /** The site's public keys themselves, for private_key_jwt without a jwks_uri (e.g. a server that publishes none). */
  jwks?: { keys: Record<string, unknown>[] };
  backchannelLogoutUri?: string;
  /** `client_credentials` for data-exchange subsystems that call with tokens instead of API keys. */
  grantTypes?: ('authorization_code' | 'refresh_token' | 'client_credentials')[];
}

export interface ClientSummary {
  clientId: string;
  name: string;
  redirectUris: string[];
  auth: ClientAuth;
  createdAt: string;
  disabled: boolean;
}

/** The portal's own client: the authority's site, which people sign in to without a consent screen. */
export const PORTAL_CLIENT_ID = 'panjareh-portal';

export const ALLOWED_SCOPES = 'openid offline_access profile national_code phone';
const CACHE_MS = 5000;
/** Redirect URIs (and post-logout URIs) one site may register. */
export const MAX_URIS = 20;

export const hashClientSecret = (secret: string): string => `sha256:${createHash('sha256').update(secret).digest('hex')}`;

/** Compares a presented secret with a stored hash in constant time. */
export function clientSecretMatches(presented: unknown, storedHash: string | undefined): boolean {
  if (typeof presented !== 'string' || !storedHash || presented.length > 200) return false;
  const a = Buffer.from(hashClientSecret(presented));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A URI a site may be sent back to: https, or http on the local machine for development. No fragments, no credentials. */
function checkUri(raw: string, field: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalid('invalid_redirect_uri', `نشانی ${field} معتبر نیست.`, `The ${field} "${raw}" is not an absolute URL.`);
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  if (!(u.protocol === 'https:' || (u.protocol === 'http:' && local))) {
    throw invalid('invalid_redirect_uri', `نشانی ${field} باید https باشد (http فقط برای رایانهٔ محلی).`, `The ${field} "${raw}" must use https (http only on localhost).`);
  }
  if (u.hash || u.username || u.password) throw invalid('invalid_redirect_uri', `نشانی ${field} نباید بخش # یا نام کاربری داشته باشد.`, `The ${field} "${raw}" must not have a fragment or credentials.`);
  return u.href;
}

/** A public JWK set: 1 to 10 keys, none of them private or symmetric. */
function checkJwks(raw: unknown): { keys: Record<string, unknown>[] } {
  const keys = (raw as { keys?: unknown })?.keys;
  const bad = () => invalid('invalid_jwks', 'مجموعهٔ کلیدهای عمومی (JWKS) درست نیست.', 'The JWKS must be {"keys": [...]} with 1 to 10 public keys (kty EC, RSA or OKP, no private parts).');
  if (!Array.isArray(keys) || keys.length < 1 || keys.length > 10) throw bad();
  for (const k of keys) {
    if (!k || typeof k !== 'object' || !['EC', 'RSA', 'OKP'].includes((k as { kty?: string }).kty ?? '') || ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((f) => f in k)) throw bad();
  }
  return { keys: keys as Record<string, unknown>[] };
}

export class RelyingParties {
  private readonly db: Kysely<OidcClientTables>;
  private readonly cache = new Map<string, { at: number; metadata: AdapterPayload | undefined }>();

  constructor(db: Kysely<any>) {
    this.db = db as Kysely<OidcClientTables>;
  }

  /**
   * Registers a site. Every problem of the input is reported at once, each on its field (`name`,
   * `redirectUris`, `postLogoutRedirectUris`, `auth`, `jwks`, `jwksUri`, `backchannelLogoutUri`;
   * see platform/problems.ts).
   */
  async add(input: NewClient, actor: string): Promise<{ clientId: string; clientSecret: string | null; auth: ClientAuth }> {
    const problems = new Problems();
    const name = input.name?.trim() ?? '';
    if (!name || name.length > 200) problems.add('name', invalid('invalid_client_name', 'نام سامانه لازم است (حداکثر ۲۰۰ نویسه).', 'A client name is required (at most 200 characters).'));
    const grantTypes = input.grantTypes ?? ['authorization_code', 'refresh_token'];
    const interactive = grantTypes.includes('authorization_code');
    const uris = (field: string, list: string[] | undefined, kind: string): string[] => {
      if ((list ?? []).length > MAX_URIS) {
        problems.add(field, invalid('too_many_uris', `حداکثر ${toPersianDigits(String(MAX_URIS))} نشانی.`, `At most ${MAX_URIS} URIs.`));
        return [];
      }
      return (list ?? []).flatMap((u) => problems.check(field, () => checkUri(u, kind)) ?? []);
    };
    const redirectUris = uris('redirectUris', input.redirectUris, 'redirect_uri');
    if (interactive && (input.redirectUris ?? []).length === 0) problems.add('redirectUris', invalid('redirect_uri_required', 'دست‌کم یک نشانی بازگشت لازم است.', 'At least one --redirect-uri is required.'));
    const postLogoutRedirectUris = uris('postLogoutRedirectUris', input.postLogoutRedirectUris, 'post_logout_redirect_uri');
    const auth = input.auth ?? 'client_secret_basic';
    if (!CLIENT_AUTH_METHODS.includes(auth)) problems.add('auth', invalid('invalid_auth_method', 'روش احراز هویت سامانه باید client_secret_basic، client_secret_post یا private_key_jwt باشد.', 'The token endpoint authentication method must be client_secret_basic, client_secret_post or private_key_jwt.'));
    const jwks = input.jwks === undefined ? undefined : problems.check('jwks', () => checkJwks(input.jwks));
    if (input.jwks !== undefined && input.jwksUri) problems.add('jwksUri', invalid('jwks_conflict', 'فقط یکی از jwks و jwks_uri را بدهید.', 'Give either the keys (jwks) or where they are published (jwks_uri), not both.'));
    if (auth === 'private_key_jwt' && !input.jwksUri && input.jwks === undefined) problems.add('jwksUri', invalid('jwks_uri_required', 'برای private_key_jwt نشانی کلیدهای عمومی (jwks_uri) لازم است.', 'private_key_jwt needs --jwks-uri, where the site publishes its public keys.'));
    const jwksUri = input.jwksUri ? problems.check('jwksUri', () => checkUri(input.jwksUri!, 'jwks_uri')) : undefined;
    const backchannel = input.backchannelLogoutUri ? problems.check('backchannelLogoutUri', () => checkUri(input.backchannelLogoutUri!, 'backchannel_logout_uri')) : undefined;
    problems.throwIfAny();
    const clientId = `rp-${randomBytes(9).toString('base64url')}`;
    const clientSecret = usesSecret(auth) ? randomBytes(32).toString('base64url') : null;
    const metadata = {
      client_id: clientId,
      client_name: name,
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutRedirectUris,
      response_types: interactive ? ['code'] : [],
      grant_types: grantTypes,
      token_endpoint_auth_method: auth,
      ...(jwksUri ? { jwks_uri: jwksUri } : {}),
      ...(jwks ? { jwks } : {}),
      ...(backchannel ? { backchannel_logout_uri: backchannel, backchannel_logout_session_required: true } : {}),
      scope: ALLOWED_SCOPES,
    };
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('oidc_clients')
        .values({ client_id: clientId, name, metadata: JSON.stringify(metadata), secret_hash: clientSecret ? hashClientSecret(clientSecret) : null, created_at: nowIso(), created_by: actor, disabled_at: null })
        .execute();
      await writeAudit(tx, { actor, action: 'oidc.client.add', subject: `oidc-client:${clientId}`, detail: { name, redirectUris, auth, grantTypes } });
    });
    return { clientId, clientSecret, auth };
  }

  /** The provider's view of a client (with the secret's hash in place of the secret), cached a few seconds. */
  async metadata(clientId: string): Promise<AdapterPayload | undefined> {
    const hit = this.cache.get(clientId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.metadata;
    const row = await this.db.selectFrom('oidc_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    const metadata = row && !row.disabled_at ? ({ ...JSON.parse(row.metadata), ...(row.secret_hash ? { client_secret: row.secret_hash } : {}) } as AdapterPayload) : undefined;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(clientId, { at: Date.now(), metadata });
    return metadata;
  }

  async list(): Promise<ClientSummary[]> {
    const rows = await this.db.selectFrom('oidc_clients').selectAll().orderBy('created_at').execute();
    return rows.map((r) => {
      const m = JSON.parse(r.metadata) as { redirect_uris: string[]; token_endpoint_auth_method: ClientAuth };
      return { clientId: r.client_id, name: r.name, redirectUris: m.redirect_uris, auth: m.token_endpoint_auth_method, createdAt: r.created_at, disabled: !!r.disabled_at };
    });
  }

  async names(): Promise<Map<string, string>> {
    const rows = await this.db.selectFrom('oidc_clients').select(['client_id', 'name']).execute();
    return new Map(rows.map((r) => [r.client_id, r.name]));
  }

  async disable(clientId: string, actor: string): Promise<void> {
    const r = await this.db.updateTable('oidc_clients').set({ disabled_at: nowIso() }).where('client_id', '=', clientId).where('disabled_at', 'is', null).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw notFound({ fa: 'سامانه', en: `Client ${clientId}` });
    this.cache.delete(clientId);
    await writeAudit(this.db, { actor, action: 'oidc.client.disable', subject: `oidc-client:${clientId}` });
  }

  /**
   * The portal's own client, made on first start with a fixed id: the portal signs people in through
   * the provider like any other site. Its secret is kept as a platform secret so every node has it.
   */
  async ensurePortal(publicUrl: string, secret: string): Promise<string> {
    const clientId = PORTAL_CLIENT_ID;
    const metadata = {
      client_id: clientId,
      client_name: 'پنجره ملی خدمات دولت هوشمند / Panjareh',
      redirect_uris: [`${publicUrl}/account/callback`],
      post_logout_redirect_uris: [`${publicUrl}/`, `${publicUrl}/en/`],
      // Signing out at the provider (or at any other site) closes the portal's own session too.
      backchannel_logout_uri: `${publicUrl}/account/backchannel-logout`,
      backchannel_logout_session_required: true,
      response_types: ['code'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: ALLOWED_SCOPES,
      // The portal is the national authority's own site: people are not asked to consent to it.
      'panjareh_first_party': true,
    };
    const values = { name: metadata.client_name, metadata: JSON.stringify(metadata), secret_hash: hashClientSecret(secret) };
    await this.db
      .insertInto('oidc_clients')
      .values({ client_id: clientId, ...values, created_at: nowIso(), created_by: 'system', disabled_at: null })
      .onConflict((oc) => oc.column('client_id').doUpdateSet(values))
      .execute();
    this.cache.delete(clientId);
    return clientId;
  }
}
