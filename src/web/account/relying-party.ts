import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';

/**
 * The portal as a relying party of the national provider, through a general OpenID client library
 * (openid-client), exactly as an agency's site would do it: discovery, code flow with PKCE, the
 * client secret sent with client_secret_basic.
 */

export interface PortalClient {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export class RelyingParty {
  private config: Promise<oidc.Configuration> | undefined;
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(private readonly c: PortalClient) {}

  private configuration(): Promise<oidc.Configuration> {
    if (!this.config) {
      const insecure = this.c.issuer.startsWith('http://');
      this.config = oidc.discovery(new URL(this.c.issuer), this.c.clientId, undefined, oidc.ClientSecretBasic(this.c.clientSecret), insecure ? { execute: [oidc.allowInsecureRequests] } : undefined);
      // A failed discovery (the provider not up yet) is tried again on the next sign-in.
      this.config.catch(() => (this.config = undefined));
    }
    return this.config;
  }

  /** `prompt: 'login'` asks the provider to authenticate the person again even inside a session (before adding a passkey). */
  async start(redirectUri: string, lang: 'fa' | 'en', o: { prompt?: 'login' } = {}): Promise<{ url: string; verifier: string; state: string; nonce: string }> {
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile national_code phone',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ui_locales: lang,
      ...(o.prompt ? { prompt: o.prompt } : {}),
    });
    return { url: url.href, verifier, state, nonce };
  }

  async finish(currentUrl: URL, checks: { verifier: string; state: string; nonce: string }) {
    const config = await this.configuration();
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: checks.verifier, expectedState: checks.state, expectedNonce: checks.nonce });
    const claims = tokens.claims()!;
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    return { idToken: tokens.id_token!, subject: claims.sub, sid: (claims.sid as string | undefined) ?? null, acr: (claims.acr as string | undefined) ?? null, nationalCode: String(info.national_code ?? ''), name: displayName(info) };
  }

  async endSessionUrl(idToken: string, postLogoutRedirectUri: string): Promise<string> {
    return oidc.buildEndSessionUrl(await this.configuration(), { id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirectUri }).href;
  }

  /**
   * A back-channel logout token (OpenID Connect Back-Channel Logout 1.0 §2.4, checked as §2.6 says):
   * signed by the provider's published keys, for this client, with the logout event, a session id
   * and no nonce. Returns the session id, or throws.
   */
  async verifyLogoutToken(token: string): Promise<string> {
    const meta = (await this.configuration()).serverMetadata();
    this.jwks ??= createRemoteJWKSet(new URL(meta.jwks_uri!));
    const { payload } = await jwtVerify(token, this.jwks, { issuer: meta.issuer, audience: this.c.clientId, typ: 'logout+jwt', maxTokenAge: '5m' });
    const events = payload.events as Record<string, unknown> | undefined;
    if (!events || typeof events['http://schemas.openid.net/event/backchannel-logout'] !== 'object') throw new Error('not a logout token: no back-channel logout event');
    if (payload.nonce !== undefined) throw new Error('a logout token must not carry a nonce');
    if (typeof payload.sid !== 'string' || !payload.sid) throw new Error('the logout token names no session');
    return payload.sid;
  }
}

/** The name the provider released (Persian in `name`, English in `name#en`), or null when the profile scope was not granted. */
function displayName(info: Record<string, unknown>): { fa: string; en: string } | null {
  const fa = typeof info.name === 'string' ? info.name : '';
  const en = typeof info['name#en'] === 'string' ? (info['name#en'] as string) : '';
  return fa || en ? { fa: fa || en, en: en || fa } : null;
}
