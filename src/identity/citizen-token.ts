import { createPublicKey, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';
import { AppError } from '../platform/errors.js';
import type { KeyStore } from '../platform/keys.js';
import type { RelyingParties } from './oidc/clients.js';
import { citizenApiResource, type CitizenApiScope } from './oidc/provider.js';
import type { People } from './people.js';

/**
 * `Authorization: Bearer <token>` at the citizen's API: access tokens the platform's own OpenID
 * provider issued to a site (a relying party) on behalf of a signed-in person, for the resource
 * `PUBLIC_URL/api/v1` (provider.ts, citizenApiResource). Verified on the node itself, with no call
 * to the provider: an RFC 9068 JWT (`typ: at+jwt`) signed RS256 by a key that still verifies in the
 * key store (purpose `oidc`), `iss` = PUBLIC_URL, `aud` = the citizen API, `exp` in the future,
 * `nbf` (if any) in the past, a `client_id` that is not the `sub` (a person's token, never a site's
 * own), no `cnf` (a sender-constrained token would need a proof this API does not take), a site that
 * is still registered and enabled, and a `sub` that names a living person.
 *
 * Refusals follow RFC 6750 §3: 401 `invalid_token` for a missing, malformed, forged, expired or
 * foreign token, 403 `insufficient_scope` for a good token without the scope; each error carries the
 * `WWW-Authenticate` challenge to send (see `challenge`, or use `authenticate`, which sets it).
 *
 * A token lives TTL.AccessToken (10 minutes) and is not looked up per request: a person who
 * withdraws a site's permission in "My Panjareh" or signs out stops its refresh, and the access
 * token it already holds runs out within those minutes. Disabling the site ends its tokens within
 * seconds (the site registry's cache).
 */

/** The key store's purpose for the provider's signing keys (identity/national-identity.ts starts the provider with it). */
const PROVIDER_KEY_PURPOSE = 'oidc';
const ALGORITHMS = ['RS256'];
const AT_TYP = 'at+jwt';
const MAX_TOKEN_LENGTH = 8192;
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+) *$/i;
/** An unknown key id makes the key store re-read the database at most this often. */
const KEY_RELOAD_MS = 1000;
const REALM = 'Panjareh';
/** How many checked tokens are remembered; about 10 minutes of a busy node's distinct tokens. */
const VERIFIED_TOKENS = 20_000;

/** Who a verified token speaks for, and which site holds it. */
export interface CitizenCaller {
  nationalCode: string;
  name: { fa: string; en: string };
  /** The verified mobile on record, null if none. */
  mobile: string | null;
  /** The person's subject as the provider issues it (the token's `sub`, the ID token's `sub`). */
  subject: string;
  /** The site (relying party) the token was issued to. */
  clientId: string;
  /** Every scope the token carries. */
  scopes: string[];
}

/** A refusal of the citizen API's bearer authentication: an AppError with the challenge to send in `WWW-Authenticate`. */
export class BearerTokenError extends AppError {
  constructor(
    status: 401 | 403,
    code: 'invalid_token' | 'insufficient_scope',
    messages: { fa: string; en: string },
    /** The value of the response's `WWW-Authenticate` header. */
    readonly challenge: string,
  ) {
    super(status, code, messages);
    this.name = 'BearerTokenError';
  }
}

export interface CitizenTokenOptions {
  /** The provider's issuer: PUBLIC_URL. */
  issuer: string;
  /** The platform's key store; the provider signs with its `oidc` keys. */
  keys: KeyStore;
  people: People;
  /** When given, a disabled or removed site's tokens are refused at once (its metadata is cached a few seconds). */
  clients?: RelyingParties;
  /** Milliseconds since the epoch; the provider stamps tokens with the system's time, so this is the system's time too. */
  now?: () => number;
}

export class CitizenTokens {
  /** The audience of the tokens this accepts: the citizen API's resource indicator. */
  readonly audience: string;
  private readonly publicKeys = new Map<string, KeyObject>();
  /** Tokens whose signature and fixed claims were checked, with the id of the key that signed them. */
  private readonly verified = new Map<string, { payload: Record<string, unknown>; kid: string }>();
  private lastReload = 0;

  constructor(private readonly o: CitizenTokenOptions) {
    this.audience = citizenApiResource(o.issuer);
  }

  /**
   * The person and site behind `Authorization: Bearer <token>`, if the token is good for `scope`;
   * otherwise a BearerTokenError (401 invalid_token or 403 insufficient_scope).
   */
  async verify(authorizationHeader: string | undefined, scope: CitizenApiScope): Promise<CitizenCaller> {
    if (!authorizationHeader) throw this.invalid(scope, 'missing');
    const m = BEARER.exec(authorizationHeader);
    if (!m || m[1]!.length > MAX_TOKEN_LENGTH) throw this.invalid(scope, 'malformed');
    const token = m[1]!;
    const now = this.o.now?.() ?? Date.now();

    const payload = (await this.stillGood(token, now)) ?? (await this.checkSignature(token, now, scope));
    const { sub, client_id: clientId } = payload;
    if (typeof sub !== 'string' || typeof clientId !== 'string' || sub === clientId || payload.cnf !== undefined) throw this.invalid(scope, 'bad');
    if (this.o.clients && !(await this.o.clients.metadata(clientId))) throw this.invalid(scope, 'bad');

    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    if (!scopes.includes(scope)) throw this.insufficient(scope);

    const found = await this.o.people.bySubject(sub);
    if (!found?.person?.alive) throw this.invalid(scope, 'person');
    const { person, nationalCode, mobile } = found;
    return {
      nationalCode,
      name: { fa: `${person.firstName.fa} ${person.lastName.fa}`, en: `${person.firstName.en} ${person.lastName.en}` },
      mobile,
      subject: sub,
      clientId,
      scopes,
    };
  }

  /**
   * The claims of a token whose signature was checked before, if it is still good now: within its
   * lifetime, and its key still one the key store verifies with (a key withdrawn after a compromise
   * ends its tokens here too). The RS256 check was 15 % of a request's CPU in the applications
   * benchmark, and a site sends the same token for up to 10 minutes, so each token is checked once.
   * Everything else in `verify` (the site, the scope, the person) is still looked at every time.
   */
  private async stillGood(token: string, now: number): Promise<Record<string, unknown> | undefined> {
    const seen = this.verified.get(token);
    if (!seen) return undefined;
    const { payload, kid } = seen;
    const exp = payload.exp as number;
    const nbf = typeof payload.nbf === 'number' ? payload.nbf : undefined;
    if (exp * 1000 <= now || (nbf !== undefined && nbf * 1000 > now) || !(await this.publicKey(kid, now))) {
      this.verified.delete(token);
      return undefined;
    }
    return payload;
  }

  private async checkSignature(token: string, now: number, scope: CitizenApiScope): Promise<Record<string, unknown>> {
    let kid = '';
    try {
      const { payload } = await jwtVerify(token, async (header) => {
        const key = typeof header.kid === 'string' ? await this.publicKey(header.kid, now) : undefined;
        if (!key) throw new Error('unknown key');
        kid = header.kid!;
        return key;
      }, {
        algorithms: ALGORITHMS,
        typ: AT_TYP,
        issuer: this.o.issuer,
        audience: this.audience,
        currentDate: new Date(now),
        requiredClaims: ['exp', 'iat', 'sub', 'client_id'],
      });
      // Bounded: the oldest entry goes first (a Map keeps insertion order); only good tokens get in.
      if (this.verified.size >= VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { payload, kid });
      return payload;
    } catch {
      throw this.invalid(scope, 'bad');
    }
  }

  /**
   * For a Fastify route (e.g. a preHandler): verifies the request's `Authorization` header and, on a
   * refusal, sets `WWW-Authenticate` on the reply before throwing, so the error handler's JSON body
   * goes out with the challenge.
   */
  async authenticate(req: { headers: { authorization?: string } }, reply: { header(name: string, value: string): unknown }, scope: CitizenApiScope): Promise<CitizenCaller> {
    try {
      return await this.verify(req.headers.authorization, scope);
    } catch (e) {
      if (e instanceof BearerTokenError) reply.header('www-authenticate', e.challenge);
      throw e;
    }
  }

  /**
   * A verification key of the provider. The key store's own cache (a few seconds) answers the known
   * ids, so a rotation elsewhere is seen within it; an id it does not know makes it re-read the
   * database, at most once a second, so a flood of made-up ids costs no round trips.
   */
  private async publicKey(kid: string, now: number): Promise<KeyObject | undefined> {
    let k = (await this.o.keys.verificationKeys(PROVIDER_KEY_PURPOSE, 'RS256')).find((x) => x.kid === kid);
    if (!k && now - this.lastReload >= KEY_RELOAD_MS) {
      this.lastReload = now;
      k = await this.o.keys.byKid(PROVIDER_KEY_PURPOSE, 'RS256', kid);
    }
    if (!k) return undefined;
    let key = this.publicKeys.get(kid);
    if (!key) {
      // Only a handful of keys verify at a time; the bound only matters if ids were somehow minted freely.
      if (this.publicKeys.size > 100) this.publicKeys.clear();
      key = createPublicKey(k.privateKey);
      this.publicKeys.set(kid, key);
    }
    return key;
  }

  private invalid(scope: CitizenApiScope, why: 'missing' | 'malformed' | 'bad' | 'person'): BearerTokenError {
    // RFC 6750 §3.1: a request with no credentials at all gets a challenge without an error code.
    const challenge = why === 'missing' ? `Bearer realm="${REALM}", scope="${scope}"` : `Bearer realm="${REALM}", error="invalid_token", scope="${scope}"`;
    const messages = {
      missing: {
        fa: 'این درخواست نشانهٔ دسترسی لازم دارد: سرآیند Authorization: Bearer با نشانه‌ای که از پنجره گرفته‌اید.',
        en: 'This request needs an access token: an Authorization: Bearer header with a token from Panjareh\'s OpenID provider.',
      },
      malformed: {
        fa: 'سرآیند Authorization باید به شکل Bearer و یک نشانهٔ دسترسی باشد.',
        en: 'The Authorization header must be "Bearer" followed by an access token.',
      },
      bad: {
        fa: 'نشانهٔ دسترسی معتبر نیست، منقضی شده یا برای این واسط صادر نشده است؛ دوباره وارد شوید تا نشانهٔ تازه بگیرید.',
        en: `The access token is not valid, has expired or was not issued for this API (${this.audience}); sign in again for a new one.`,
      },
      person: {
        fa: 'دارندهٔ این نشانهٔ دسترسی در ثبت احوال پیدا نشد.',
        en: 'The person this access token was issued for is not in the civil registry.',
      },
    }[why];
    return new BearerTokenError(401, 'invalid_token', messages, challenge);
  }

  private insufficient(scope: CitizenApiScope): BearerTokenError {
    return new BearerTokenError(
      403,
      'insufficient_scope',
      {
        fa: `این نشانهٔ دسترسی اجازهٔ «${scope}» را ندارد؛ سامانه باید هنگام ورود دامنهٔ ${scope} را بخواهد و شما اجازه دهید.`,
        en: `This access token does not carry the "${scope}" scope; the site must ask for it when you sign in, and you must allow it.`,
      },
      `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"`,
    );
  }
}
