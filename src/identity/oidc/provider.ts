import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Kysely } from 'kysely';
import { writeAudit } from '../../platform/audit.js';
import type { SigningKey } from '../../platform/keys.js';
import { LOA_HIGH, LOA_SUBSTANTIAL, type People } from '../people.js';
import { databaseAdapter } from './adapter.js';
import type { SessionDevices } from '../session-devices.js';
import { CLIENT_AUTH_METHODS, clientSecretMatches, type RelyingParties } from './clients.js';

/**
 * The national OpenID Connect provider, configured on oidc-provider. What is ours: storage (our
 * database, see adapter.ts), accounts and claims (the civil registry), the interaction pages (sign-in,
 * one-time code, consent: server-rendered Persian/English pages in src/web/signin), keys (the
 * platform's key store, rotated by `panjareh keys rotate`) and the audit of every failure.
 */

/** Where the provider's endpoints live under PUBLIC_URL; discovery stays at /.well-known/openid-configuration. */
export const OIDC_PREFIX = '/oidc';
/** Interaction pages: the provider sends the browser here to sign in or consent. */
export const INTERACTION_PREFIX = '/signin';
/** The audience of client-credentials access tokens for the data exchange (verified locally by the gateway). */
export const EXCHANGE_RESOURCE = 'urn:panjareh:exchange';
/** Where the citizen's API lives under PUBLIC_URL; its address is also its resource indicator (see citizenApiResource). */
export const CITIZEN_API_PATH = '/api/v1';
/**
 * The citizen's API as a resource server (RFC 8707): its own address, `PUBLIC_URL/api/v1`. A URL
 * rather than a URN like the exchange's because it is an API a person's app calls at that address,
 * and because a token minted by one deployment (a test or staging node) names that deployment's API
 * and no other's, even before `iss` is checked.
 */
export const citizenApiResource = (issuer: string): string => `${issuer.replace(/\/+$/, '')}${CITIZEN_API_PATH}`;

/**
 * Permissions a person grants a site to act for them at the citizen's API (resource scopes, not
 * OpenID scopes: they release no claim). Kept out of the provider's `scopes` on purpose: those are
 * checked against each registered client's `scope` metadata, which predates them.
 */
export const CITIZEN_API_SCOPES = ['applications'] as const;
export type CitizenApiScope = (typeof CITIZEN_API_SCOPES)[number];

/** What each citizen-API scope lets a site do, as the consent screen and "My Panjareh" say it. */
export const SCOPE_PERMISSIONS: Record<CitizenApiScope, { fa: string; en: string }> = {
  applications: { fa: 'درخواست‌های شما: دیدن، ثبت، پرداخت و پس گرفتن', en: 'Your applications: see, submit, pay and withdraw' },
};

export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'national_code', 'phone'] as const;

/** The claims each scope releases; the consent screen names them. */
export const SCOPE_CLAIMS: Record<string, string[]> = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'birthdate', 'gender'],
  national_code: ['national_code'],
  phone: ['phone_number', 'phone_number_verified'],
};

export const TTL = { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, ClientCredentials: 600, Interaction: 900, Session: 12 * 3600, Grant: 365 * 86400, RefreshToken: 30 * 86400 };
/** A retired signing key stays in the JWKS this long: longer than anything it signed lives. */
export const KEY_KEEP_SECONDS = Math.max(TTL.AccessToken, TTL.IdToken, TTL.ClientCredentials) * 2;

export interface ProviderDeps {
  issuer: string;
  db: Kysely<any>;
  people: People;
  clients: RelyingParties;
  /** Where the browser of each sign-in is noted, for "My Panjareh". */
  devices: SessionDevices;
  keys: SigningKey[];
  cookieKeys: string[];
  secureCookies: boolean;
  trustProxy: boolean;
  renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): string;
  logoutPage(ctx: KoaContextWithOIDC, form: string): string;
  loggedOutPage(ctx: KoaContextWithOIDC): string;
}

const toE164 = (mobile: string) => `+98${mobile.slice(1)}`;

export function createProvider(d: ProviderDeps): Provider {
  const citizenResource = citizenApiResource(d.issuer);
  const cookie = { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: d.secureCookies };
  const configuration: Configuration = {
    adapter: databaseAdapter(d.db, d.clients),
    clients: [],
    jwks: { keys: d.keys.map((k) => k.privateJwk) as never },
    cookies: { keys: d.cookieKeys, long: cookie, short: cookie, names: { session: 'pj_oidc_session', interaction: 'pj_oidc_interaction', resume: 'pj_oidc_resume' } },
    scopes: [...OIDC_SCOPES],
    // `openid` releases the level of assurance with the subject, so every ID token says how the person signed in.
    // The profile's names also in English, as OpenID Connect's language-tagged claims (`name#en`, Core §5.2): the same data in the second language, so the consent screen does not list them apart.
    claims: { ...SCOPE_CLAIMS, profile: [...SCOPE_CLAIMS.profile!, 'name#en', 'given_name#en', 'family_name#en'], openid: ['sub', 'acr', 'amr', 'auth_time'], sid: null, iss: null },
    acrValues: [LOA_SUBSTANTIAL, LOA_HIGH],
    clientAuthMethods: [...CLIENT_AUTH_METHODS],
    enabledJWA: {
      // No HS* anywhere: client secrets are stored hashed and can never serve as keys.
      clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      idTokenSigningAlgValues: ['RS256'],
    },
    extraClientMetadata: { properties: ['panjareh_first_party'] },
    pkce: { required: () => true },
    routes: {
      authorization: `${OIDC_PREFIX}/auth`,
      token: `${OIDC_PREFIX}/token`,
      userinfo: `${OIDC_PREFIX}/me`,
      jwks: `${OIDC_PREFIX}/jwks`,
      end_session: `${OIDC_PREFIX}/session/end`,
      revocation: `${OIDC_PREFIX}/token/revocation`,
      introspection: `${OIDC_PREFIX}/token/introspection`,
      pushed_authorization_request: `${OIDC_PREFIX}/request`,
      registration: `${OIDC_PREFIX}/reg`,
      code_verification: `${OIDC_PREFIX}/device`,
      device_authorization: `${OIDC_PREFIX}/device/auth`,
      backchannel_authentication: `${OIDC_PREFIX}/backchannel`,
    },
    ttl: { ...TTL },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      backchannelLogout: { enabled: true },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = d.logoutPage(ctx, form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = d.loggedOutPage(ctx);
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx) => (ctx.oidc.params?.grant_type === 'client_credentials' ? EXCHANGE_RESOURCE : undefined) as string,
        useGrantedResource: () => false,
        getResourceServerInfo: (ctx, resource) => {
          if (resource === citizenResource) {
            // Only on behalf of a signed-in person: a site's own (client-credentials) token never speaks for anyone.
            if (ctx.oidc.params?.grant_type === 'client_credentials') throw new errors.InvalidTarget('the citizen API takes only tokens issued for a person (authorization code or refresh token)');
            return { scope: CITIZEN_API_SCOPES.join(' '), audience: citizenResource, accessTokenTTL: TTL.AccessToken, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
          }
          if (resource !== EXCHANGE_RESOURCE) throw new errors.InvalidTarget();
          return { scope: 'exchange', audience: EXCHANGE_RESOURCE, accessTokenTTL: TTL.ClientCredentials, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    // Tokens without offline access die with the browser session, so signing out ends them too.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PREFIX}/${interaction.uid}` },
    // The portal is the authority's own site: signing in to it needs no consent screen.
    loadExistingGrant: async (ctx) => {
      const client = ctx.oidc.client!;
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (!(client as unknown as { panjareh_first_party?: boolean }).panjareh_first_party || !ctx.oidc.session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(OIDC_SCOPES.join(' '));
      await grant.save();
      return grant;
    },
    findAccount: async (_ctx, sub) => {
      const found = await d.people.bySubject(sub);
      if (!found?.person?.alive) return undefined;
      const { person, nationalCode, mobile } = found;
      return {
        accountId: sub,
        claims: async () => {
          return {
            sub,
            name: `${person.firstName.fa} ${person.lastName.fa}`,
            given_name: person.firstName.fa,
            family_name: person.lastName.fa,
            'name#en': `${person.firstName.en} ${person.lastName.en}`,
            'given_name#en': person.firstName.en,
            'family_name#en': person.lastName.en,
            birthdate: person.birthDate,
            gender: person.gender,
            national_code: nationalCode,
            ...(mobile ? { phone_number: toE164(mobile), phone_number_verified: true } : {}),
          };
        },
      };
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = d.renderError(ctx, out);
    },
  };
  const provider = new Provider(d.issuer, configuration);
  provider.proxy = d.trustProxy;

  // Secrets are stored hashed (clients.ts): compare the hash of what was presented.
  const ClientClass = provider.Client as unknown as { prototype: { compareClientSecret(actual: string): Promise<boolean>; clientSecret?: string } };
  ClientClass.prototype.compareClientSecret = async function (this: { clientSecret?: string }, actual: string) {
    return clientSecretMatches(actual, this.clientSecret);
  };

  auditProviderEvents(provider, d.db);
  hintAuthMethodMismatch(provider);
  noteSignInDevices(provider, d.devices);
  return provider;
}

/**
 * When a sign-in completes (the resume that carries a login result), notes which browser it came
 * from against the session's stable uid, so "My Panjareh" can name the session. A failure to note it
 * costs the person a label, never the sign-in.
 */
function noteSignInDevices(provider: Provider, devices: SessionDevices): void {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'resume' || !(ctx.oidc.result as { login?: unknown } | undefined)?.login) return;
    const session = ctx.oidc.entities.Session as { uid?: string; accountId?: string; exp?: number } | undefined;
    if (!session?.uid || !session.accountId) return;
    const expiresAt = new Date((session.exp ?? Math.floor(Date.now() / 1000) + TTL.Session) * 1000).toISOString();
    await devices.record({ sessionUid: session.uid, accountId: session.accountId, userAgent: ctx.get('user-agent') || null, expiresAt }).catch(() => undefined);
  });
}

const MISMATCH = 'does not match the registered client authentication method';

/**
 * A site that authenticates with another method than the one it was registered with (openid-client
 * sends client_secret_post unless told otherwise) gets `invalid_client` and, from oidc-provider, only
 * "client authentication failed". The registered method is no secret (the site's own registration
 * says it), so the answer names it and how to change either side.
 */
function hintAuthMethodMismatch(provider: Provider): void {
  const registered = new WeakMap<object, string>();
  for (const event of ['grant.error', 'introspection.error', 'revocation.error'] as const) {
    (provider.on as (e: string, l: (ctx: KoaContextWithOIDC, err: { error_detail?: string }) => void) => void)(event, (ctx, err) => {
      const method = (ctx.oidc?.client as { clientAuthMethod?: string } | undefined)?.clientAuthMethod;
      if (method && typeof err?.error_detail === 'string' && err.error_detail.includes(MISMATCH)) registered.set(ctx, method);
    });
  }
  provider.use(async (ctx, next) => {
    await next();
    const method = registered.get(ctx);
    const body = ctx.body as { error?: string; error_description?: string } | undefined;
    if (method && body?.error === 'invalid_client') {
      ctx.body = { ...body, error_description: `this client is registered to authenticate with ${method} at the token endpoint; send the secret that way (openid-client: ClientSecretBasic or ClientSecretPost), or register the client with --auth matching what it sends` };
    }
  });
}

/** Every refusal by the provider (bad code, wrong redirect, wrong verifier, unknown client, bad token) goes to the audit log. */
function auditProviderEvents(provider: Provider, db: Kysely<any>): void {
  const record = (action: string) => (ctx: KoaContextWithOIDC, err: { error?: string; error_description?: string; error_detail?: string; message?: string }) => {
    const clientId = ctx.oidc?.client?.clientId ?? (ctx.oidc?.params?.client_id as string | undefined) ?? null;
    void writeAudit(db, {
      actor: clientId ? `oidc-client:${clientId}` : 'anonymous',
      action,
      subject: 'oidc',
      detail: { error: err.error ?? 'server_error', description: err.error_description ?? err.message ?? null, ...(err.error_detail ? { why: err.error_detail } : {}), clientId },
      ip: ctx.ip,
      userAgent: ctx.get('user-agent') || null,
    }).catch(() => undefined);
  };
  for (const event of ['authorization.error', 'grant.error', 'userinfo.error', 'introspection.error', 'revocation.error', 'end_session.error', 'backchannel.error', 'server_error'] as const) {
    (provider.on as (e: string, l: (...a: never[]) => void) => void)(event, record(`oidc.${event}`));
  }
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    void writeAudit(db, { actor: ctx.oidc?.client ? `oidc-client:${ctx.oidc.client.clientId}` : 'anonymous', action: 'oidc.grant.revoked', subject: `oidc-grant:${grantId}`, ip: ctx.ip, userAgent: ctx.get('user-agent') || null }).catch(() => undefined);
  });
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    void writeAudit(db, { actor: 'person', action: 'oidc.signout', subject: 'oidc', detail: { clientId: ctx.oidc?.client?.clientId ?? null }, ip: ctx.ip, userAgent: ctx.get('user-agent') || null }).catch(() => undefined);
  });
}
