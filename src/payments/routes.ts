import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CallbackInput, Payments } from './service.js';

const field = { type: 'string', maxLength: 300 } as const;
/** What providers send back; other fields they add are ignored, not refused. */
const callbackSchema = { type: 'object', properties: { token: field, status: field, orderId: field, amount: field, rrn: field, traceNo: field } } as const;

/**
 * Where the provider sends the browser back: `GET` and `POST /payments/callback` (`/en/…` in
 * English; providers do both). On success the browser goes on to the `returnTo` given at start,
 * with `payment=verified|cancelled|failed`; a refusal is a 4xx page (or JSON for `Accept:
 * application/json`) in the address's language, rendered by the platform's error handler.
 */
export async function paymentRoutes(app: FastifyInstance, opts: { payments: Payments }): Promise<void> {
  const { payments } = opts;
  const handle = async (req: FastifyRequest, input: CallbackInput) => {
    const r = await payments.callback(input, { ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
    return r.redirectTo;
  };
  // A person returns once per payment; a generous limit per address still stops someone trying tokens.
  const config = { rateLimit: { max: 60, timeWindow: '1 minute' } };
  for (const p of ['', '/en']) {
    app.get<{ Querystring: CallbackInput }>(`${p}/payments/callback`, { config, schema: { hide: true, querystring: callbackSchema } as never }, async (req, reply) =>
      reply.header('cache-control', 'no-store').redirect(await handle(req, req.query), 303),
    );
    app.post<{ Body: CallbackInput }>(`${p}/payments/callback`, { config, schema: { hide: true, body: callbackSchema } as never }, async (req, reply) =>
      reply.header('cache-control', 'no-store').redirect(await handle(req, req.body ?? {}), 303),
    );
  }
}
