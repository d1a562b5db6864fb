import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import { INTERACTION_PREFIX, OTP_MINUTES, SCOPE_CLAIMS, SCOPE_PERMISSIONS, authenticationResponseSchema, maskMobile, parseMobileNumber, parsePersonCode, PORTAL_CLIENT_ID, type NationalIdentity } from '../../identity/index.js';
import { AppError, invalid } from '../../platform/errors.js';
import type { Lang } from '../i18n.js';
import { jsonGuard } from './json-guard.js';
import { consentPage, messagePage, otpPage, signInPage, type Problem, type SigninContext } from './pages.js';
import { s } from './strings.js';

/**
 * The interaction pages of the national identity provider: the provider sends a browser to
 * /signin/{uid} when someone must sign in or consent, and these pages report the outcome back to it.
 * Every form carries a CSRF token; the one-time code's id travels in a signed cookie bound to this
 * interaction's path.
 */

export interface SigninOptions {
  identity: NationalIdentity;
  secureCookies: boolean;
  ratePerMinute: number;
}

const OTP_COOKIE = 'pj_otp';
/** The challenge of the passkey ceremony this browser began on this sign-in page (signed, bound to its path). */
const PASSKEY_COOKIE = 'pj_pk';
type Req = FastifyRequest<{ Params: { uid: string }; Querystring: { lang?: string }; Body: Record<string, string | undefined> }>;

const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
const meta = (req: FastifyRequest, clientId?: string) => ({ ip: req.ip, userAgent: req.headers['user-agent'] ?? null, clientId: clientId ?? null });
const bodySchema = {
  type: 'object',
  properties: { national_code: { type: 'string', maxLength: 40 }, mobile: { type: 'string', maxLength: 40 }, otp: { type: 'string', maxLength: 20 }, decision: { type: 'string', enum: ['allow', 'deny'] }, lang: { type: 'string', enum: ['fa', 'en'] }, _csrf: { type: 'string', maxLength: 200 } },
} as const;
const uidParams = { type: 'object', properties: { uid: { type: 'string', pattern: '^[A-Za-z0-9_-]{10,64}$' } } } as const;

/** Runs one field's check; its refusal becomes a problem linked to that field. */
function checkField(field: string, check: () => unknown, lang: Lang): Problem | null {
  try {
    check();
    return null;
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    return { field, message: e.messages[lang] };
  }
}

export async function signinRoutes(app: FastifyInstance, opts: SigninOptions) {
  const { identity } = opts;
  const provider = () => identity.host!.current;

  /** The interaction this page belongs to, or null when it has expired or belongs to another browser. */
  async function interaction(req: Req, reply: FastifyReply) {
    try {
      const details = await provider().interactionDetails(req.raw, reply.raw);
      return details.uid === req.params.uid ? details : null;
    } catch {
      return null;
    }
  }

  function langOf(req: Req, details?: { params: Record<string, unknown> } | null): Lang {
    const chosen = req.body?.lang ?? req.query?.lang;
    if (chosen === 'en' || chosen === 'fa') return chosen;
    const ui = String(details?.params.ui_locales ?? '');
    return /^en\b/.test(ui) ? 'en' : 'fa';
  }

  async function context(req: Req, reply: FastifyReply, details: { params: Record<string, unknown> }): Promise<SigninContext> {
    const client = await provider().Client.find(String(details.params.client_id));
    const lang = langOf(req, details);
    // The portal's registered name holds both languages; the page says it in its own.
    const site = client?.clientId === PORTAL_CLIENT_ID ? s(lang).portalName : (client?.clientName ?? String(details.params.client_id));
    return { lang, uid: req.params.uid, csrf: await reply.generateCsrf(), site };
  }

  const expired = (req: Req, reply: FastifyReply) => {
    const lang = langOf(req);
    return sendHtml(reply, messagePage(lang, s(lang).expiredTitle, s(lang).expiredLead), 400);
  };

  /** Hands the outcome to the provider and sends the browser on to wherever it says. */
  async function finish(req: Req, reply: FastifyReply, result: InteractionResults) {
    const to = await provider().interactionResult(req.raw, reply.raw, result, { mergeWithLastSubmission: false });
    reply.clearCookie(OTP_COOKIE, { path: `${INTERACTION_PREFIX}/${req.params.uid}` });
    return reply.redirect(to, 303);
  }

  const posted = { preHandler: app.csrfProtection, schema: { params: uidParams, body: bodySchema }, config: { rateLimit: { max: opts.ratePerMinute, timeWindow: '1 minute' } } };

  app.get(`${INTERACTION_PREFIX}/:uid`, { schema: { params: uidParams } }, async (req: Req, reply) => {
    const details = await interaction(req, reply);
    if (!details) return expired(req, reply);
    const c = await context(req, reply, details);
    if (details.prompt.name === 'login') return sendHtml(reply, signInPage(c, { passkeys: identity.passkeysEnabled }));
    if (details.prompt.name === 'consent') {
      const scopes = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? String(details.params.scope ?? '').split(' ');
      const claims = [...new Set(scopes.flatMap((sc) => SCOPE_CLAIMS[sc] ?? []))];
      // What the site may do for the person at the citizen's API (resource scopes such as `applications`).
      const resourceScopes = Object.values((details.prompt.details.missingResourceScopes as Record<string, string[]> | undefined) ?? {}).flat();
      const permissions = [...new Set(resourceScopes)].flatMap((sc) => (Object.hasOwn(SCOPE_PERMISSIONS, sc) ? [SCOPE_PERMISSIONS[sc as keyof typeof SCOPE_PERMISSIONS][c.lang]] : []));
      return sendHtml(reply, consentPage(c, { claims, offline: scopes.includes('offline_access'), permissions }));
    }
    return expired(req, reply);
  });

  app.post(`${INTERACTION_PREFIX}/:uid/code`, posted, async (req: Req, reply) => {
    const details = await interaction(req, reply);
    if (!details || details.prompt.name !== 'login') return expired(req, reply);
    const { national_code = '', mobile = '' } = req.body;
    const lang = langOf(req, details);
    // Both fields are checked before anything is sent, so every problem is reported at once.
    const problems = [checkField('national_code', () => parsePersonCode(national_code), lang), checkField('mobile', () => parseMobileNumber(mobile), lang)].filter((x): x is Problem => !!x);
    let status = 400;
    if (!problems.length) {
      try {
        const r = await identity.signIn.requestCode(national_code, mobile, meta(req, String(details.params.client_id)));
        reply.setCookie(OTP_COOKIE, `${r.otpId}|${r.mobile}`, { path: `${INTERACTION_PREFIX}/${req.params.uid}`, signed: true, httpOnly: true, sameSite: 'lax', secure: opts.secureCookies, maxAge: 600 });
        return reply.redirect(`${INTERACTION_PREFIX}/${req.params.uid}/otp?lang=${lang}`, 303);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        problems.push({ message: e.messages[lang] });
        status = e.status;
      }
    }
    const c = await context(req, reply, details);
    return sendHtml(reply, signInPage(c, { nationalCode: national_code, mobile, errors: problems, passkeys: identity.passkeysEnabled }), status);
  });

  const otpCookie = (req: Req): { otpId: string; mobile: string } | null => {
    const raw = req.cookies[OTP_COOKIE];
    if (!raw) return null;
    const u = req.unsignCookie(raw);
    const [otpId, mobile] = u.valid && u.value ? u.value.split('|') : [];
    return otpId && mobile ? { otpId, mobile } : null;
  };

  app.get(`${INTERACTION_PREFIX}/:uid/otp`, { schema: { params: uidParams } }, async (req: Req, reply) => {
    const details = await interaction(req, reply);
    if (!details || details.prompt.name !== 'login') return expired(req, reply);
    const sent = otpCookie(req);
    if (!sent) return reply.redirect(`${INTERACTION_PREFIX}/${req.params.uid}?lang=${langOf(req, details)}`, 303);
    return sendHtml(reply, otpPage(await context(req, reply, details), { mobile: maskMobile(sent.mobile), minutes: OTP_MINUTES }));
  });

  app.post(`${INTERACTION_PREFIX}/:uid/otp`, posted, async (req: Req, reply) => {
    const details = await interaction(req, reply);
    if (!details || details.prompt.name !== 'login') return expired(req, reply);
    const sent = otpCookie(req);
    if (!sent) return reply.redirect(`${INTERACTION_PREFIX}/${req.params.uid}?lang=${langOf(req, details)}`, 303);
    try {
      const login = await identity.signIn.verifyCode(sent.otpId, req.body.otp ?? '', meta(req, String(details.params.client_id)));
      return finish(req, reply, { login: { accountId: login.accountId, acr: login.acr, amr: login.amr, remember: true } });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const c = await context(req, reply, details);
      // A wrong, expired or used code is about the field; a throttled address is about the request.
      const problem: Problem = e.code.startsWith('otp_') ? { field: 'otp', message: e.messages[c.lang] } : { message: e.messages[c.lang] };
      return sendHtml(reply, otpPage(c, { mobile: maskMobile(sent.mobile), minutes: OTP_MINUTES, errors: [problem] }), e.status);
    }
  });

  // Sign-in with a passkey alone: two JSON calls from /assets/passkey.js (the page's form works without them).
  if (identity.passkeys) {
    const ceremonies = identity.passkeys;
    const guarded = { ...jsonGuard(app, () => ceremonies.passkeys.origin), config: { rateLimit: { max: opts.ratePerMinute, timeWindow: '1 minute' } } };
    const passkeyCookie = (uid: string) => ({ path: `${INTERACTION_PREFIX}/${uid}`, signed: true, httpOnly: true, sameSite: 'strict' as const, secure: opts.secureCookies });
    const expiredJson = () => invalid('signin_expired', s('fa').expiredLead, s('en').expiredLead);

    app.post(`${INTERACTION_PREFIX}/:uid/passkey/options`, { ...guarded, schema: { params: uidParams } }, async (req, reply) => {
      const details = await interaction(req as Req, reply);
      if (!details || details.prompt.name !== 'login') throw expiredJson();
      const options = await ceremonies.passkeys.authenticationOptions();
      reply.setCookie(PASSKEY_COOKIE, options.challenge, { ...passkeyCookie((req as Req).params.uid), maxAge: 300 });
      return reply.header('cache-control', 'no-store').send(options);
    });

    app.post(`${INTERACTION_PREFIX}/:uid/passkey`, { ...guarded, schema: { params: uidParams, body: authenticationResponseSchema } }, async (req, reply) => {
      const r = req as Req;
      const details = await interaction(r, reply);
      if (!details || details.prompt.name !== 'login') throw expiredJson();
      const raw = r.cookies[PASSKEY_COOKIE];
      const cookie = raw ? r.unsignCookie(raw) : null;
      // Whatever happens next, this ceremony is over: another try begins with new options.
      reply.clearCookie(PASSKEY_COOKIE, passkeyCookie(r.params.uid));
      const login = await ceremonies.signIn(req.body, meta(r, String(details.params.client_id)), cookie?.valid ? cookie.value : null);
      const to = await provider().interactionResult(r.raw, reply.raw, { login: { accountId: login.accountId, acr: login.acr, amr: login.amr, remember: true } }, { mergeWithLastSubmission: false });
      reply.clearCookie(OTP_COOKIE, { path: `${INTERACTION_PREFIX}/${r.params.uid}` });
      return reply.header('cache-control', 'no-store').send({ redirect: to });
    });
  }

  app.post(`${INTERACTION_PREFIX}/:uid/consent`, posted, async (req: Req, reply) => {
    const details = await interaction(req, reply);
    if (!details || details.prompt.name !== 'consent' || !details.session) return expired(req, reply);
    const clientId = String(details.params.client_id);
    if (req.body.decision !== 'allow') {
      await identity.audit({ ...meta(req), action: 'identity.consent.denied', accountId: details.session.accountId, clientId });
      return finish(req, reply, { error: 'access_denied', error_description: 'the person did not allow access' });
    }
    const grantId = await identity.grantConsent(provider(), details);
    await identity.audit({ ...meta(req), action: 'identity.consent.granted', accountId: details.session.accountId, clientId, detail: { scope: details.params.scope } });
    return finish(req, reply, { consent: { grantId } });
  });

  app.post(`${INTERACTION_PREFIX}/:uid/abort`, posted, async (req: Req, reply) => {
    const details = await interaction(req, reply);
    if (!details) return expired(req, reply);
    return finish(req, reply, { error: 'access_denied', error_description: 'the person cancelled the sign-in' });
  });
}
