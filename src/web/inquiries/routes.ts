import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DatabaseHandle } from '../../platform/db.js';
import { prefix, type Lang } from '../i18n.js';
import { PORTAL_CLIENT, storedPortalKey } from './credentials.js';
import { ExchangeClient, InquiryFailure } from './exchange-client.js';
import { INQUIRIES, runInquiry, type InquiryDef } from './inquiries.js';
import { failurePage, formPage, listPage, resultPage } from './pages.js';

/**
 * `/inquiries` (and `/en/inquiries`): the portal's inquiry services. Each form is posted with a CSRF
 * token (an inquiry reads a citizen's data and leaves a record in the exchange's log, so another site
 * must not be able to trigger one) and answered on the same request.
 */

export interface InquiryOptions {
  database: DatabaseHandle;
  publicUrl: string;
  /** This node plays the gateway role: call it on this node's own address, not through PUBLIC_URL and the load balancer. */
  localGateway: boolean;
  /** Inquiries per minute per signed-in person (per address for visitors). */
  ratePerMinute?: number;
}

type Body = Record<string, string | undefined>;
const bodySchema = {
  type: 'object',
  properties: {
    _csrf: { type: 'string', maxLength: 200 },
    plate: { type: 'string', maxLength: 60 },
    postal_code: { type: 'string', maxLength: 60 },
    certificate: { type: 'string', maxLength: 60 },
  },
} as const;

const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

/** The address a request to this node's own gateway goes to: the listening address, a wildcard read as loopback. */
function ownOrigin(address: AddressInfo | string | null, fallback: string): string {
  if (!address || typeof address === 'string') return fallback;
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

export async function inquiryRoutes(app: FastifyInstance, opts: InquiryOptions): Promise<void> {
  // The key is read from the store and kept a minute (a few seconds while there is none, so a node that starts before the seed finishes soon sees it).
  let cached: { key: string | null; at: number } | null = null;
  const key = async (fresh: boolean) => {
    const ttl = cached?.key ? 60_000 : 5_000;
    if (fresh || !cached || Date.now() - cached.at > ttl) cached = { key: await storedPortalKey(opts.database.db), at: Date.now() };
    return cached.key;
  };
  const exchange = new ExchangeClient({
    client: PORTAL_CLIENT,
    gatewayBase: () => (opts.localGateway ? ownOrigin(app.server.address(), opts.publicUrl) : opts.publicUrl),
    key,
  });
  app.addHook('onClose', async () => exchange.close());
  const rateLimit = {
    max: opts.ratePerMinute ?? 30,
    timeWindow: '1 minute',
    keyGenerator: (req: FastifyRequest) => (req.person ? `inquiry:person:${req.person.subject}` : `inquiry:ip:${req.ip}`),
  };

  for (const lang of ['fa', 'en'] as Lang[]) {
    const p = `${prefix(lang)}/inquiries`;
    app.get(p, async (req, reply) => sendHtml(reply, listPage(lang, { inquiries: INQUIRIES, asker: req.person ? { name: req.person.name?.[lang] ?? null } : null })));

    for (const def of INQUIRIES) {
      const path = `${p}/${def.slug}`;
      // A personal inquiry needs a signed-in person; after signing in they come back to the form.
      const signedIn = async (req: FastifyRequest, reply: FastifyReply) => {
        if (def.personal && !req.person) return reply.redirect(`${prefix(lang)}/account/signin?return=${encodeURIComponent(path)}`, 303);
      };

      app.get(path, { preHandler: signedIn }, async (_req, reply) => sendHtml(reply, formPage(lang, def, { csrf: await reply.generateCsrf() })));

      app.post<{ Body: Body }>(path, { preHandler: [signedIn, app.csrfProtection], schema: { body: bodySchema }, config: { rateLimit } }, async (req, reply) => {
        const input = req.body ?? {};
        try {
          const out = await runInquiry(def.slug, { exchange, nationalCode: req.person?.nationalCode ?? null, input });
          const csrf = await reply.generateCsrf();
          if (out.ok) return sendHtml(reply, resultPage(lang, def, { result: out.result, references: out.references, csrf }));
          return sendHtml(reply, formPage(lang, def, { csrf, value: def.field ? input[def.field.name] : undefined, error: out.message[lang], code: out.code }), out.status);
        } catch (e) {
          if (!(e instanceof InquiryFailure)) throw e;
          return failed(req, reply, lang, def, e);
        }
      });
    }
  }
}

function failed(req: FastifyRequest, reply: FastifyReply, lang: Lang, def: InquiryDef, e: InquiryFailure) {
  req.log.warn({ inquiry: def.slug, code: e.code, reference: e.reference }, 'inquiry failed at the data exchange');
  if (e.retryAfter) reply.header('retry-after', e.retryAfter);
  return sendHtml(reply, failurePage(lang, def, { message: e.messages[lang], code: e.code, reference: e.reference }), e.status);
}
