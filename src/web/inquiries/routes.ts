import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DatabaseHandle } from '../../platform/db.js';
import { prefix, type Lang } from '../i18n.js';
import { InquiryFailure } from './exchange-client.js';
import { portalExchange } from '../portal-exchange.js';
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

export async function inquiryRoutes(app: FastifyInstance, opts: InquiryOptions): Promise<void> {
  const exchange = portalExchange(app, opts);

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
