import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';

/**
 * The guard of the JSON endpoints that pages call from script (the passkey ceremonies). Two checks,
 * either of which alone stops a cross-site request:
 * - the CSRF token of the page, sent in the `x-csrf-token` header (the same double-submit token as the
 *   forms, checked by @fastify/csrf-protection against the signed secret cookie);
 * - the `Origin` header, which browsers attach to every POST made by script and which no page can
 *   forge, must be the platform's own origin (PUBLIC_URL).
 * Only `application/json` bodies are read, so a plain HTML form elsewhere cannot even reach the schema.
 */

const crossOrigin = () =>
  new AppError(403, 'cross_origin', { fa: 'این درخواست از نشانی دیگری فرستاده شده است.', en: 'This request was sent from another site.' });
const jsonOnly = () =>
  new AppError(415, 'unsupported_media_type', { fa: 'بدنهٔ درخواست باید JSON باشد.', en: 'The request body must be JSON.' });

type Hook = (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void;

/** Route options that run both checks first thing, before the body is even parsed. */
export function jsonGuard(app: FastifyInstance, origin: () => string): { onRequest: Hook[] } {
  const sameOrigin: Hook = (req, _reply, done) => {
    if (req.headers.origin !== origin()) return done(crossOrigin());
    const type = req.headers['content-type'];
    if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) return done(jsonOnly());
    done();
  };
  return { onRequest: [sameOrigin, app.csrfProtection as unknown as Hook] };
}
