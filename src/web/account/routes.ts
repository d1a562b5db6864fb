import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { registrationResponseSchema, type NationalIdentity, type PortalSession } from '../../identity/index.js';
import { AppError } from '../../platform/errors.js';
import { sharedSecret } from '../../platform/secrets.js';
import type { DatabaseHandle } from '../../platform/db.js';
import { setFlash, takeFlash } from '../flash.js';
import { fmtDateTime, prefix, type Lang } from '../i18n.js';
import { jsonGuard } from '../signin/json-guard.js';
import { messagePage } from '../signin/pages.js';
import { accountPage, accountStrings, siteName } from './pages.js';
import { RelyingParty } from './relying-party.js';

/**
 * The portal's sign-in as a relying party of the national provider, and "My Panjareh". The person's
 * portal session lives in the database (any node serves it); the browser holds only a random token.
 */

export const SESSION_COOKIE = 'pj_session';
const FLOW_COOKIE = 'pj_rp';

declare module 'fastify' {
  interface FastifyRequest {
    person: PortalSession | null;
  }
}

export interface AccountOptions {
  identity: NationalIdentity;
  database: DatabaseHandle;
  publicUrl: string;
  secureCookies: boolean;
}

/** Only a path on this site may be returned to after sign-in (no open redirects). */
const safeReturn = (raw: unknown, lang: Lang): string => (typeof raw === 'string' && /^\/(?![/\\])[^\s]*$/.test(raw) && raw.length < 500 ? raw : `${prefix(lang)}/account`);
const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
const meta = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
const idParams = { type: 'object', properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,100}$' } } } as const;
/** Adding a passkey: the browser's response and an optional name for it. */
const addPasskeyBody = {
  type: 'object',
  required: ['credential'],
  properties: { credential: registrationResponseSchema, nickname: { type: 'string', maxLength: 100 } },
} as const;
/** Removing one: a credential id is base64url, at most 1023 bytes (WebAuthn), so it travels in the body, not the path. */
const removePasskeyBody = {
  type: 'object',
  required: ['credential_id'],
  properties: { credential_id: { type: 'string', minLength: 1, maxLength: 1400, pattern: '^[A-Za-z0-9_-]+={0,2}$' }, _csrf: { type: 'string', maxLength: 200 } },
} as const;
const notSignedIn = () => new AppError(401, 'unauthorized', { fa: 'ابتدا وارد شوید.', en: 'Sign in first.' });
/**
 * A passkey is a lasting credential of the highest level, so only a fresh authentication may add
 * one: a borrowed browser or a stolen session cookie hours later may not. The time is the provider's
 * auth_time in the session's ID token (verified when the session was opened), not the session's
 * own start, which single sign-on can renew without anyone proving anything.
 */
export const PASSKEY_ADD_FRESH_MINUTES = 10;
const reauthRequired = () =>
  new AppError(403, 'reauth_required', { fa: 'برای افزودن کلید عبور، نخست دوباره وارد شوید.', en: 'To add a passkey, sign in again first.' });

function authenticatedRecently(session: PortalSession, now = Date.now()): boolean {
  try {
    const claims = JSON.parse(Buffer.from(session.idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { auth_time?: unknown };
    return typeof claims.auth_time === 'number' && now - claims.auth_time * 1000 < PASSKEY_ADD_FRESH_MINUTES * 60_000;
  } catch {
    return false;
  }
}

/** What the last action on My Panjareh did, carried to the page it redirects to and shown there once. */
type Notice = { kind: 'sessionEnded' | 'passkeyRemoved' | 'passkeyAdded' } | { kind: 'siteWithdrawn'; clientId: string; at: string };
const NOTICE_FLASH = 'pj_account_notice';

function noticeText(n: Notice | undefined, names: Map<string, string>, lang: Lang): string | null {
  if (!n) return null;
  if (n.kind === 'siteWithdrawn') return accountStrings(lang).siteWithdrawn(names.get(n.clientId) ?? n.clientId, fmtDateTime(n.at, lang));
  return accountStrings(lang).done[n.kind] ?? null;
}

/** Makes the signed-in person (or null) known to every route of the portal: call on the root instance. */
export function recognisePeople(app: FastifyInstance, identity: NationalIdentity): void {
  app.decorateRequest('person', null);
  app.addHook('onRequest', async (req) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) req.person = await identity.portalSessions.find(token);
  });
}

export async function accountRoutes(app: FastifyInstance, opts: AccountOptions) {
  const { identity } = opts;
  const passkeys = identity.enablePasskeys(opts.publicUrl);
  const clientId = await identity.clients.ensurePortal(opts.publicUrl, await sharedSecret(opts.database.db, 'portal-client-secret'));
  const rp = new RelyingParty({ issuer: opts.publicUrl, clientId, clientSecret: await sharedSecret(opts.database.db, 'portal-client-secret') });
  const cookieOpts = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: opts.secureCookies };

  for (const lang of ['fa', 'en'] as Lang[]) {
    const p = `${prefix(lang)}/account`;

    app.get<{ Querystring: { return?: string; reauth?: string } }>(`${p}/signin`, async (req, reply) => {
      const flow = await rp.start(`${opts.publicUrl}/account/callback`, lang, req.query.reauth === '1' ? { prompt: 'login' } : {});
      const state = JSON.stringify({ v: flow.verifier, s: flow.state, n: flow.nonce, r: safeReturn(req.query.return, lang), l: lang });
      reply.setCookie(FLOW_COOKIE, state, { ...cookieOpts, signed: true, maxAge: 900 });
      return reply.redirect(flow.url, 303);
    });

    app.post(`${p}/signout`, { preHandler: app.csrfProtection }, async (req, reply) => {
      const session = req.person;
      await identity.portalSessions.close(req.cookies[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      if (!session) return reply.redirect(prefix(lang) || '/', 303);
      return reply.redirect(await rp.endSessionUrl(session.idToken, `${opts.publicUrl}${prefix(lang)}/`), 303);
    });

    const requirePerson = async (req: FastifyRequest, reply: FastifyReply) => {
      if (!req.person) return reply.redirect(`${p}/signin?return=${encodeURIComponent(p)}`, 303);
    };

    app.get(p, { preHandler: requirePerson }, async (req, reply) => {
      const person = req.person!;
      const [found, sessions, sites, signIns, names, keys] = await Promise.all([
        identity.people.bySubject(person.subject),
        identity.accounts.sessions(person.subject, person.sid),
        identity.accounts.sites(person.subject),
        identity.people.signIns(person.nationalCode, 30),
        identity.clients.names(),
        passkeys.passkeys.list(person.nationalCode),
      ]);
      return sendHtml(
        reply,
        accountPage(lang, {
          csrf: await reply.generateCsrf(),
          nationalCode: person.nationalCode,
          person: found?.person ?? null,
          mobile: await identity.people.mobileOf(person.nationalCode),
          sessions,
          sites,
          signIns: signIns.map((e) => ({ at: e.at, method: e.method, outcome: e.outcome, reason: e.reason, site: e.clientId ? siteName(e.clientId, names.get(e.clientId) ?? e.clientId, lang) : null, ip: e.ip })),
          notice: noticeText(takeFlash<Notice>(req, reply, NOTICE_FLASH, p), names, lang),
          passkeyAddAllowed: authenticatedRecently(person),
          passkeys: keys.map((k) => ({ credentialId: k.credentialId, nickname: k.nickname, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt, synced: k.deviceType === 'multiDevice' })),
        }),
      );
    });

    app.post<{ Params: { id: string } }>(`${p}/sessions/:id/end`, { preHandler: [app.csrfProtection, requirePerson], schema: { params: idParams } }, async (req, reply) => {
      await identity.accounts.endSession(req.person!.subject, req.params.id, req.person!.nationalCode, meta(req));
      setFlash(reply, NOTICE_FLASH, p, { kind: 'sessionEnded' } satisfies Notice, opts.secureCookies);
      return reply.redirect(`${p}#sessions`, 303);
    });

    app.post<{ Body: { credential_id: string } }>(`${p}/passkeys/remove`, { preHandler: [app.csrfProtection, requirePerson], schema: { body: removePasskeyBody } }, async (req, reply) => {
      await passkeys.passkeys.remove(req.person!.nationalCode, req.body.credential_id, { meta: meta(req) });
      setFlash(reply, NOTICE_FLASH, p, { kind: 'passkeyRemoved' } satisfies Notice, opts.secureCookies);
      return reply.redirect(`${p}#passkeys`, 303);
    });

    app.post<{ Params: { id: string } }>(`${p}/sites/:id/revoke`, { preHandler: [app.csrfProtection, requirePerson], schema: { params: idParams } }, async (req, reply) => {
      const { clientId } = await identity.accounts.revokeSite(req.person!.subject, req.params.id, req.person!.nationalCode, meta(req));
      setFlash(reply, NOTICE_FLASH, p, { kind: 'siteWithdrawn', clientId, at: new Date().toISOString() } satisfies Notice, opts.secureCookies);
      return reply.redirect(`${p}#sites`, 303);
    });
  }

  // Adding a passkey: two JSON calls from /assets/passkey.js, for the signed-in person only.
  const guarded = { ...jsonGuard(app, () => passkeys.passkeys.origin), config: { rateLimit: { max: 30, timeWindow: '1 minute' } } };
  const signedIn = async (req: FastifyRequest) => {
    if (!req.person) throw notSignedIn();
    if (!authenticatedRecently(req.person)) throw reauthRequired();
  };

  app.post('/account/passkeys/options', { ...guarded, preHandler: signedIn }, async (req, reply) => {
    return reply.header('cache-control', 'no-store').send(await passkeys.registrationOptions(req.person!.nationalCode));
  });

  app.post<{ Body: { credential: unknown; nickname?: string } }>('/account/passkeys', { ...guarded, preHandler: signedIn, schema: { body: addPasskeyBody } }, async (req, reply) => {
    const added = await passkeys.add(req.person!.nationalCode, req.body.credential, { nickname: req.body.nickname, meta: meta(req) });
    // The script goes on to My Panjareh (in whichever language it was opened), which confirms it once.
    for (const lang of ['fa', 'en'] as Lang[]) setFlash(reply, NOTICE_FLASH, `${prefix(lang)}/account`, { kind: 'passkeyAdded' } satisfies Notice, opts.secureCookies);
    return reply.status(201).header('cache-control', 'no-store').send({ passkey: { nickname: added.nickname, createdAt: added.createdAt } });
  });

  // The provider's back-channel logout (server to server, so no CSRF token: the signed logout token is the proof).
  app.post<{ Body: { logout_token: string } }>(
    '/account/backchannel-logout',
    { schema: { body: { type: 'object', required: ['logout_token'], properties: { logout_token: { type: 'string', minLength: 10, maxLength: 8192 } } } }, config: { rateLimit: { max: 600, timeWindow: '1 minute' } } },
    async (req, reply) => {
      let sid: string;
      try {
        sid = await rp.verifyLogoutToken(req.body.logout_token);
      } catch (e) {
        req.log.warn({ err: e }, 'back-channel logout token refused');
        return reply.status(400).header('cache-control', 'no-store').send({ error: 'invalid_request', error_description: 'the logout token is not valid' });
      }
      await identity.portalSessions.closeBySid(sid);
      return reply.status(200).header('cache-control', 'no-store').send();
    },
  );

  app.get<{ Querystring: Record<string, string> }>('/account/callback', async (req, reply) => {
    const raw = req.cookies[FLOW_COOKIE];
    const u = raw ? req.unsignCookie(raw) : null;
    const flow = u?.valid && u.value ? (JSON.parse(u.value) as { v: string; s: string; n: string; r: string; l: Lang }) : null;
    const lang: Lang = flow?.l ?? 'fa';
    reply.clearCookie(FLOW_COOKIE, { path: '/' });
    const notSignedIn = () => {
      const title = lang === 'fa' ? 'ورود انجام نشد' : 'You are not signed in';
      const lead = req.query.error === 'access_denied' ? (lang === 'fa' ? 'ورود لغو شد.' : 'The sign-in was cancelled.') : lang === 'fa' ? 'این ورود منقضی شده یا نامعتبر است؛ دوباره وارد شوید.' : 'This sign-in has expired or is not valid; sign in again.';
      return sendHtml(reply, messagePage(lang, title, lead), 400);
    };
    if (!flow || req.query.error) return notSignedIn();
    let done: Awaited<ReturnType<typeof rp.finish>>;
    try {
      done = await rp.finish(new URL(req.url, opts.publicUrl), { verifier: flow.v, state: flow.s, nonce: flow.n });
    } catch (e) {
      // Two tabs signing in at once (the second overwrote the flow cookie), a code used twice, an expired
      // code: the provider or openid-client refuses it, which is the visitor's problem to retry, not a 500.
      if (isRefusedSignIn(e)) {
        req.log.warn({ err: e }, 'portal sign-in callback refused');
        return notSignedIn();
      }
      throw new AppError(503, 'identity_unavailable', { fa: 'سامانهٔ ورود اکنون پاسخ نمی‌دهد؛ کمی بعد دوباره تلاش کنید.', en: 'The sign-in service is not answering now; try again shortly.' });
    }
    const token = await identity.portalSessions.open({ nationalCode: done.nationalCode, subject: done.subject, idToken: done.idToken, sid: done.sid, acr: done.acr, name: done.name });
    reply.setCookie(SESSION_COOKIE, token, { ...cookieOpts, maxAge: 12 * 3600 });
    return reply.redirect(flow.r, 303);
  });
}

/** openid-client's refusals of a callback (state, code, token answer), as opposed to the provider being unreachable. */
function isRefusedSignIn(e: unknown): boolean {
  const err = e as { code?: unknown; name?: unknown };
  return (typeof err?.code === 'string' && err.code.startsWith('OAUTH_')) || err?.name === 'ResponseBodyError' || err?.name === 'AuthorizationResponseError' || err?.name === 'WWWAuthenticateChallengeError';
}
