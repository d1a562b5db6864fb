import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { isLoopback } from '../agencies/index.js';
import { SUBJECT_LOOKUP_HEADER } from '../exchange/index.js';
import { AppError, errorBody, forbidden, notFound } from '../platform/errors.js';
import { statusError } from '../platform/http.js';
import type { Documents } from './service.js';

/**
 * The back-end of the exchange service `IR/GOV/PANJAREH/documents/verification`
 * (exchange-service.ts), served on every gateway node under `DOCUMENTS_BACKEND_PREFIX`: the
 * gateway's upstream, never a public address. Like the demo agencies' back-ends it answers callers
 * on the loopback interface only and refuses a request a proxy forwarded (X-Forwarded-For,
 * Forwarded, X-Real-IP), so nobody reaches it around the gateway's contracts, rate limits and audit
 * log. JSON only, `cache-control: no-store`: a revocation is what the next call sees.
 *
 *   GET /verification/{documentNumber}   → Documents.verification (the holder's name masked), or 404
 *   GET /verification/subjects/{number}  → { "nationalCodes": [holder] } or 404; asked by the gateway
 *                                           only (X-Panjareh-Subject-Lookup), so the holder finds each
 *                                           verification in their data tracker
 */

export interface DocumentBackendOptions {
  documents: Documents;
}

const send = (reply: FastifyReply, e: AppError) => reply.status(e.status).type('application/json; charset=utf-8').header('cache-control', 'no-store').send(errorBody(e));
const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 80 } } } as const;
const unknown = () => notFound({ fa: 'سندی با این شماره', en: 'A document with this number' });

/** Register with `{ prefix: DOCUMENTS_BACKEND_PREFIX }`; its hooks and handlers stay inside. */
export async function documentBackendRoutes(app: FastifyInstance, opts: DocumentBackendOptions): Promise<void> {
  const { documents } = opts;
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof AppError) return send(reply, err);
    const fe = err as FastifyError;
    if (fe.validation) return send(reply, statusError(400));
    req.log.error({ err }, 'documents back-end failed');
    return send(reply, statusError(500));
  });
  app.setNotFoundHandler((_req, reply) => send(reply, statusError(404)));
  app.addHook('onRequest', async (req, reply) => {
    const h = req.headers;
    if (!isLoopback(req.raw.socket?.remoteAddress) || h['x-forwarded-for'] || h.forwarded || h['x-real-ip']) return send(reply, forbidden());
  });

  app.get<{ Params: { id: string } }>('/verification/subjects/:id', { schema: { hide: true, params } as never }, async (req, reply) => {
    // A forwarded client call never carries this header (the gateway drops it, src/exchange/headers.ts).
    if (!req.headers[SUBJECT_LOOKUP_HEADER]) return send(reply, forbidden());
    const doc = await documents.get(req.params.id);
    if (!doc) return send(reply, unknown());
    return reply.header('cache-control', 'no-store').send({ nationalCodes: [doc.holder.nationalCode] });
  });

  app.get<{ Params: { id: string } }>('/verification/:id', { schema: { hide: true, params } as never }, async (req, reply) => {
    const v = await documents.verification(req.params.id);
    if (!v) return send(reply, unknown());
    return reply.header('cache-control', 'no-store').send(v);
  });
}
