import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Exchange } from '../../exchange/index.js';
import type { NationalIdentity } from '../../identity/index.js';
import type { DevOutbox } from '../../platform/messaging/index.js';
import { invalid } from '../../platform/errors.js';
import { parseMobile } from '../../platform/national-code.js';
import { normalizeText } from '../../platform/text.js';
import { outboxPage, relyingPartiesPage, relyingPartyCreatedPage, type Values } from './authority-pages.js';
import { AUTHORITY } from './authority-strings.js';
import type { FormProblem } from './messages.js';
import { exchangeRoutes } from './exchange-routes.js';
import { setFlash, takeFlash } from '../flash.js';
import { consolePage, goneBody } from './pages.js';
import { actorOf, fixable, pageContext, redirectDone, refusal, requireAuthority, sendHtml, type RouteKit } from './kit.js';

/**
 * The national authority's tools in the console: the identity's relying parties, the data exchange's
 * onboarding (exchange-routes.ts) and, in demo mode only, the message outbox. Only the `admin` role
 * (the national authority) may use them; an agency's editor may decide on contracts for its own
 * organisation's services. The service modules validate and audit every change; the pages here turn
 * their refusals into the form again with the reason, in the page's language.
 */

export interface AuthorityDeps {
  identity: NationalIdentity;
  exchange?: Exchange;
  /** Present in demo mode only: without it the outbox page does not exist. */
  outbox?: DevOutbox;
  /** Records a privileged read (the outbox) in the audit log. */
  audit: (entry: { actor: string; action: string; subject: string; detail?: Record<string, unknown>; ip?: string | null; userAgent?: string | null }) => Promise<void>;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const lines = (v: unknown) => str(v).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
/** Which form field holds each input of the relying parties' module, in the form's order (see `onForm` in kit.ts). */
const RP_FIELDS = { name: 'name', redirectUris: 'redirect_uris', postLogoutRedirectUris: 'post_logout_redirect_uris', auth: 'auth-basic', jwks: 'jwks_uri', jwksUri: 'jwks_uri', backchannelLogoutUri: 'backchannel_logout_uri' };
/** The one-time cookie carrying a new client's secret from the form's POST to the page that shows it. */
const SECRET_FLASH = 'panjareh_console_secret';

const rpBody = {
  type: 'object',
  properties: {
    _csrf: { type: 'string' },
    name: { type: 'string', maxLength: 200 },
    redirect_uris: { type: 'string', maxLength: 20000 },
    post_logout_redirect_uris: { type: 'string', maxLength: 20000 },
    auth: { type: 'string', enum: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] },
    jwks_uri: { type: 'string', maxLength: 2048 },
    backchannel_logout_uri: { type: 'string', maxLength: 2048 },
  },
  additionalProperties: false,
} as const;

export function authorityRoutes(app: FastifyInstance, deps: AuthorityDeps, kit: RouteKit): void {
  const { lang, base, guarded, posted } = kit;
  const clients = deps.identity.clients;

  const listPage = async (req: FastifyRequest, reply: FastifyReply, values: Values = {}, errors: Array<FormProblem | string> = [], status = 200) =>
    sendHtml(reply, relyingPartiesPage(await pageContext(req, reply, lang), await clients.list(), values, errors), status);

  app.get(`${base}/relying-parties`, guarded, async (req, reply) => {
    requireAuthority(req);
    return listPage(req, reply);
  });

  const createdPath = `${base}/relying-parties/created`;
  app.get(createdPath, guarded, async (req, reply) => {
    requireAuthority(req);
    const made = takeFlash<{ name: string; clientId: string; secret: string | null }>(req, reply, SECRET_FLASH, createdPath);
    const ctx = await pageContext(req, reply, lang);
    if (!made) return sendHtml(reply, consolePage(lang, AUTHORITY[lang].registered, '/console/relying-parties', ctx.user, goneBody(lang, { href: `${base}/relying-parties`, label: AUTHORITY[lang].backToList }), ctx.csrf));
    return sendHtml(reply, relyingPartyCreatedPage(ctx, made.name, made.clientId, made.secret));
  });

  app.post<{ Body: Values }>(`${base}/relying-parties`, { ...posted, schema: { body: rpBody } }, async (req, reply) => {
    requireAuthority(req);
    const b = req.body ?? {};
    const values: Values = { ...b, _csrf: undefined };
    try {
      const redirectUris = lines(b.redirect_uris);
      const postLogout = lines(b.post_logout_redirect_uris);
      const auth = b.auth === 'private_key_jwt' || b.auth === 'client_secret_post' ? b.auth : 'client_secret_basic';
      const made = await clients.add(
        {
          // Stored canonical (Arabic ي/ك as Persian, no bidi controls), like every other name on the platform.
          name: normalizeText(str(b.name)),
          redirectUris,
          postLogoutRedirectUris: postLogout,
          auth,
          jwksUri: str(b.jwks_uri) || undefined,
          backchannelLogoutUri: str(b.backchannel_logout_uri) || undefined,
        },
        actorOf(req),
      );
      // Post/redirect/get: the secret travels sealed in a one-time cookie to the page that shows it once.
      setFlash(reply, SECRET_FLASH, createdPath, { name: normalizeText(str(b.name)), clientId: made.clientId, secret: made.clientSecret }, kit.secure);
      return reply.redirect(createdPath, 303);
    } catch (e) {
      if (!fixable(e)) throw e;
      return listPage(req, reply, values, refusal(e, lang, RP_FIELDS), e.status);
    }
  });

  app.post<{ Params: { clientId: string } }>(
    `${base}/relying-parties/:clientId/disable`,
    { ...posted, schema: { params: { type: 'object', properties: { clientId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,100}$' } } } } },
    async (req, reply) => {
      requireAuthority(req);
      // The portal's own client carries every staff and citizen sign-in: disabling it would lock everyone out, the authority included.
      if (req.params.clientId === 'panjareh-portal') return listPage(req, reply, {}, [AUTHORITY[lang].portalClient], 400);
      await clients.disable(req.params.clientId, actorOf(req));
      return redirectDone(reply, kit, `${base}/relying-parties`, 'clientDisabled');
    },
  );

  if (deps.exchange) exchangeRoutes(app, deps.exchange, kit);

  // Demo mode only: the page is not registered at all otherwise.
  const outbox = deps.outbox;
  if (outbox) {
    app.get<{ Querystring: { to?: string } }>(
      `${base}/outbox`,
      { ...guarded, schema: { querystring: { type: 'object', properties: { to: { type: 'string', maxLength: 200 } } } } },
      async (req, reply) => {
        requireAuthority(req);
        const ctx = await pageContext(req, reply, lang);
        const raw = str(req.query.to);
        if (!raw) return sendHtml(reply, outboxPage(ctx, '', null));
        const to = raw.includes('@') ? (/^[^\s@]{1,64}@[^\s@]{1,190}$/.test(raw) ? raw.toLowerCase() : null) : parseMobile(raw);
        if (!to) {
          const e = invalid('invalid_recipient', 'شمارهٔ همراه یا نشانی رایانامه درست نیست.', 'Give a mobile number (09…) or an e-mail address.');
          return sendHtml(reply, outboxPage(ctx, raw, null, [{ field: 'to', message: e.messages }]), 400);
        }
        const rows = await outbox.list(to, 100);
        await deps.audit({ actor: actorOf(req), action: 'console.outbox.read', subject: `outbox:${to}`, detail: { count: rows.length }, ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
        return sendHtml(reply, outboxPage(ctx, raw, rows));
      },
    );
  }
}
