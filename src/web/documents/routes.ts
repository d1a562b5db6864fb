import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatNumber, parseDocumentNumber, type Documents } from '../../documents/index.js';
import { prefix, type Lang } from '../i18n.js';
import { unknownDocumentPage, verificationPage, verifyFormPage } from './pages.js';
import { documentStrings } from './strings.js';

/**
 * `/verify/{number}` (and `/en/verify/…`): the page the QR code on every document leads to, and a
 * form to type a number. GET only, so it works from a camera app and without JavaScript. Never
 * cached: a revocation shows at once.
 */

export interface VerificationPageOptions {
  documents: Documents;
  publicUrl: string;
  /** Lookups per minute per address: a number cannot be guessed, but nobody may try. */
  ratePerMinute?: number;
}

const sendHtml = (reply: FastifyReply, body: string, status = 200) =>
  reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

const query = { type: 'object', properties: { number: { type: 'string', maxLength: 200 } } } as const;
const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 200 } } } as const;

export async function verificationPages(app: FastifyInstance, opts: VerificationPageOptions): Promise<void> {
  const rateLimit = { max: opts.ratePerMinute ?? 60, timeWindow: '1 minute', keyGenerator: (req: FastifyRequest) => `documents-verify:${req.ip}` };
  for (const lang of ['fa', 'en'] as Lang[]) {
    const base = `${prefix(lang)}/verify`;

    app.get<{ Querystring: { number?: string } }>(base, { schema: { querystring: query }, config: { rateLimit } }, async (req, reply) => {
      const typed = req.query.number?.trim();
      if (typed === undefined) return sendHtml(reply, verifyFormPage(lang));
      const n = parseDocumentNumber(typed);
      if (!n) return sendHtml(reply, verifyFormPage(lang, { value: typed, error: documentStrings(lang).badNumber }), 400);
      return reply.redirect(`${base}/${formatNumber(n)}`, 303);
    });

    app.get<{ Params: { id: string } }>(`${base}/:id`, { schema: { params }, config: { rateLimit } }, async (req, reply) => {
      const n = parseDocumentNumber(req.params.id);
      if (!n) return sendHtml(reply, unknownDocumentPage(lang, req.params.id), 404);
      // One address per document: the number as printed.
      if (req.params.id !== formatNumber(n)) return reply.redirect(`${base}/${formatNumber(n)}`, 301);
      const v = await opts.documents.verification(n);
      if (!v) return sendHtml(reply, unknownDocumentPage(lang, formatNumber(n)), 404);
      return sendHtml(reply, verificationPage(lang, v, `${opts.publicUrl}/api/v1/documents/${v.number}/verification`));
    });
  }
}
