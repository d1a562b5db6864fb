import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyAuthenticator, BearerAuthenticator, ExchangeAuditReader, OAuthClientLinks, keyStoreTokenKeys, type Authenticator, type Caller, type Consent, type Exchange } from '../../exchange/index.js';
import { EXCHANGE_RESOURCE } from '../../identity/index.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { KeyStore } from '../../platform/keys.js';
import { prefix, type Lang } from '../i18n.js';
import type { WebDeps } from '../index.js';
import { PORTAL_CLIENT } from '../inquiries/credentials.js';
import { consentListPage, consentPage, dataAccessPage, notYoursPage, type AccessView, type ConsentView, type Names, type Party, type ServiceView } from './pages.js';

/**
 * Consent between a business and a citizen, and the citizen's data tracker.
 *
 * Business API (JSON, authenticated like a gateway call: `Authorization: ApiKey …` or `Bearer …`,
 * acting as the credential's subsystem; `X-Road-Client`, if sent, must name that subsystem):
 *   POST /api/exchange/consents        {nationalCode, services, purpose, days} → 201 {id, status, approveUrl, …}
 *   GET  /api/exchange/consents/{id}   → the request's status and, once approved, its consent token
 *
 * Citizen pages (signed in to the portal; Persian at /, English at /en/):
 *   /consents/{id}                      who asks, which data, why, how long; approve or reject
 *   /account/consents                   every consent asked of them, revoke the active ones
 *   /account/data-access                every exchange call that named them (the data tracker)
 */

type ConsentDeps = WebDeps & { exchange: Exchange; keys: KeyStore };

const ID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: ID } } } as const;
const PAGE_SIZE = 20;
const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
const unauthorized = () => new AppError(401, 'unauthorized', { fa: 'اعتبارنامهٔ تبادل اطلاعات (کلید API یا توکن) لازم است یا معتبر نیست.', en: 'An exchange credential (Authorization: ApiKey <key> or Bearer <token>) is required, and this one is unknown, revoked or expired.' });

const requestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['nationalCode', 'services', 'purpose', 'days'],
  properties: {
    nationalCode: { type: 'string', minLength: 10, maxLength: 12, description: 'the person asked: a 10-digit national code (or a 12-digit foreign national code); Persian digits accepted' },
    services: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 300 }, description: 'service ids INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE' },
    purpose: { type: 'string', minLength: 3, maxLength: 500 },
    days: { type: 'integer', minimum: 1, maximum: 366, description: 'how long the consent lasts, counted from now' },
  },
} as const;

interface ConsentBody {
  nationalCode: string;
  services: string[];
  purpose: string;
  days: number;
}

/** The status a person or consumer should see: an undecided or active consent past its date has expired. */
const statusOf = (c: Consent) => ((c.status === 'active' || c.status === 'requested') && Date.parse(c.expiresAt) <= Date.now() ? 'expired' : c.status);

export async function consentRoutes(app: FastifyInstance, opts: WebDeps) {
  const { exchange, keys, config } = opts as ConsentDeps;
  if (!exchange || !keys) throw new Error('the consent pages need the platform\'s exchange and key store');
  // The API keys, revocations and registry names come from this node's copy of the exchange's state.
  await exchange.follow((e) => app.log.error({ err: e }, 'exchange sync failed'));
  const authenticators: Authenticator[] = [
    new ApiKeyAuthenticator(exchange.state),
    new BearerAuthenticator({ issuer: config.publicUrl, audience: EXCHANGE_RESOURCE, keys: keyStoreTokenKeys(keys), links: new OAuthClientLinks(opts.database.db), state: exchange.state }),
  ];
  const auditReader = new ExchangeAuditReader(opts.database.db, keys);

  // Authentication runs first (onRequest), so an unauthenticated caller learns nothing about the body's rules.
  const callers = new WeakMap<FastifyRequest, Caller>();
  const authenticate = async (req: FastifyRequest) => void callers.set(req, await caller(req));
  const callerOf = (req: FastifyRequest) => callers.get(req)!;

  async function caller(req: FastifyRequest): Promise<Caller> {
    const header = req.headers.authorization;
    if (!header) throw unauthorized();
    const sp = header.indexOf(' ');
    const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
    const a = authenticators.find((x) => x.scheme === scheme);
    const who = a ? await a.authenticate(sp < 0 ? '' : header.slice(sp + 1).trim(), Date.now()) : null;
    if (!who) throw unauthorized();
    const claimed = req.headers['x-road-client'];
    if (claimed !== undefined && claimed !== who.subsystem) throw new AppError(403, 'client_mismatch', { fa: 'این اعتبارنامه از آنِ زیرسامانهٔ X-Road-Client نیست.', en: 'The credential does not belong to the subsystem named in X-Road-Client.' });
    return who;
  }

  /** A name in both languages: the Persian one when known, else the registered one on both. */
  const names = (x: { name: string | null; nameFa: string | null } | undefined): Names | null => (x?.name || x?.nameFa ? { fa: x.nameFa || x.name!, en: x.name || x.nameFa! } : null);
  /** An agency or business as people know it: its catalogue organisation's name, else its name on the exchange. */
  const memberNames = (member: string): Names | null => opts.catalog.read.organizationOfMember(member)?.name ?? names(exchange.state.members.get(member));
  const party = (subsystem: string): Party => {
    const s = exchange.state.subsystems.get(subsystem);
    const member = s?.member ?? subsystem.split('/').slice(0, 3).join('/');
    return { subsystem, subsystemName: names(s), member, memberName: memberNames(member), portal: subsystem === PORTAL_CLIENT };
  };
  const serviceViews = async (ids: string[]): Promise<Map<string, ServiceView>> => {
    const out = new Map<string, ServiceView>();
    await Promise.all(
      [...new Set(ids)].map(async (id) => {
        const s = await exchange.registry.service(id);
        const member = id.split('/').slice(0, 3).join('/');
        out.set(id, { id, name: names(s), classification: s?.classification ?? exchange.state.services.get(id)?.classification ?? 'personal', provider: memberNames(member) });
      }),
    );
    return out;
  };
  const views = async (consents: Consent[]): Promise<ConsentView[]> => {
    const svc = await serviceViews(consents.flatMap((c) => c.services));
    return consents.map((c) => ({ consent: c, status: statusOf(c), consumer: party(c.client), services: c.services.map((id) => svc.get(id)!) }));
  };
  const approveUrl = (id: string) => `${config.publicUrl}/consents/${id}`;
  const apiView = async (c: Consent) => {
    const status = statusOf(c);
    return {
      id: c.id,
      status,
      nationalCode: c.subject,
      client: c.client,
      services: c.services,
      purpose: c.purpose,
      expiresAt: c.expiresAt,
      createdAt: c.createdAt,
      decidedAt: c.decidedAt,
      revokedAt: c.revokedAt,
      approveUrl: approveUrl(c.id),
      approveUrlEn: `${config.publicUrl}/en/consents/${c.id}`,
      token: status === 'active' ? await exchange.consents.token(c.id) : null,
    };
  };
  // Consumers poll for the decision; a generous limit per address still stops a runaway loop.
  const apiLimit = { rateLimit: { max: 300, timeWindow: '1 minute' } };

  app.post<{ Body: ConsentBody }>('/api/exchange/consents', { config: apiLimit, onRequest: authenticate, schema: { tags: ['exchange'], summary: 'Ask a person for consent to read their data through the exchange', body: requestSchema } }, async (req, reply) => {
    const who = callerOf(req);
    const c = await exchange.consents.requestAsConsumer({ subject: req.body.nationalCode, client: who.subsystem, services: req.body.services, purpose: req.body.purpose, days: req.body.days });
    return reply.status(201).header('location', `/api/exchange/consents/${c.id}`).send(await apiView(c));
  });

  app.get<{ Params: { id: string } }>('/api/exchange/consents/:id', { config: apiLimit, onRequest: authenticate, schema: { tags: ['exchange'], summary: 'A consent request: its status and, once approved, the consent token', params: idParams } }, async (req, reply) => {
    const who = callerOf(req);
    const c = await exchange.consents.get(req.params.id);
    // Another consumer's consent does not exist for this caller.
    if (!c || c.client !== who.subsystem) throw notFound({ fa: 'درخواست رضایت', en: 'The consent request' });
    return reply.header('cache-control', 'no-store').send(await apiView(c));
  });

  for (const lang of ['fa', 'en'] as Lang[]) {
    const p = prefix(lang);
    const signIn = (req: FastifyRequest, reply: FastifyReply, back: string) => reply.redirect(`${p}/account/signin?return=${encodeURIComponent(back)}`, 303);
    const meta = (req: FastifyRequest) => req.person!;

    app.get<{ Params: { id: string } }>(`${p}/consents/:id`, { schema: { params: idParams } }, async (req, reply) => {
      if (!req.person) return signIn(req, reply, `${p}/consents/${req.params.id}`);
      const c = await exchange.consents.get(req.params.id);
      if (!c) throw notFound({ fa: 'درخواست رضایت', en: 'The consent request' });
      if (c.subject !== meta(req).nationalCode) return sendHtml(reply, notYoursPage(lang, c.id), 403);
      return sendHtml(reply, consentPage(lang, (await views([c]))[0]!, await reply.generateCsrf()));
    });

    for (const decision of ['approve', 'reject'] as const) {
      app.post<{ Params: { id: string } }>(`${p}/consents/:id/${decision}`, { preHandler: app.csrfProtection, schema: { params: idParams } }, async (req, reply) => {
        if (!req.person) return signIn(req, reply, `${p}/consents/${req.params.id}`);
        if (decision === 'approve') await exchange.consents.approve(req.params.id, meta(req).nationalCode);
        else await exchange.consents.reject(req.params.id, meta(req).nationalCode);
        return reply.redirect(`${p}/consents/${req.params.id}`, 303);
      });
    }

    app.get(`${p}/account/consents`, async (req, reply) => {
      if (!req.person) return signIn(req, reply, `${p}/account/consents`);
      const consents = await exchange.consents.list({ subject: meta(req).nationalCode });
      return sendHtml(reply, consentListPage(lang, await views(consents), await reply.generateCsrf()));
    });

    app.post<{ Params: { id: string } }>(`${p}/account/consents/:id/revoke`, { preHandler: app.csrfProtection, schema: { params: idParams } }, async (req, reply) => {
      if (!req.person) return signIn(req, reply, `${p}/account/consents`);
      await exchange.consents.revoke(req.params.id, { subject: meta(req).nationalCode, actor: `person:${meta(req).nationalCode}` });
      // The consent's own page confirms it: revoked, when, and what that means (and says so again on a refresh).
      return reply.redirect(`${p}/consents/${req.params.id}`, 303);
    });

    app.get<{ Querystring: { page?: number } }>(
      `${p}/account/data-access`,
      { schema: { querystring: { type: 'object', properties: { page: { type: 'integer', minimum: 1, maximum: 100_000 } } } } },
      async (req, reply) => {
        if (!req.person) return signIn(req, reply, `${p}/account/data-access`);
        const page = req.query.page ?? 1;
        const found = await auditReader.accessesOf(meta(req).nationalCode, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
        const svc = await serviceViews(found.items.flatMap((a) => (a.service && exchange.state.services.has(a.service) ? [a.service] : [])));
        const items: AccessView[] = found.items.map((a) => ({
          at: a.at,
          consumer: a.client ? party(a.client) : null,
          service: a.service ? (svc.get(a.service) ?? null) : null,
          serviceId: a.service,
          consentId: a.consentId,
          legalBasis: a.legalBasis,
          ok: a.status < 400 && a.errorType === null,
          errorType: a.errorType,
        }));
        return sendHtml(reply, dataAccessPage(lang, { items, total: found.total, page, pageSize: PAGE_SIZE, archivedBefore: found.archivedBefore }));
      },
    );
  }
}
