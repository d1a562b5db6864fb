import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../platform/errors.js';
import type { Documents } from './service.js';

/**
 * The documents' public API: the verification of a number, the credential issuer's metadata and
 * keys, and the token status lists wallets' verifiers check. A document number is unguessable, but
 * a lookup by number is still rate-limited per address like every other guessable lookup.
 */

export interface DocumentApiOptions {
  documents: Documents;
  /** Verifications per minute per client address. */
  ratePerMinute?: number;
}

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 80 } } } as const;
const listParams = { type: 'object', required: ['list'], properties: { list: { type: 'string', pattern: '^[0-9]{1,6}$' } } } as const;
const typeParams = { type: 'object', required: ['type'], properties: { type: { type: 'string', maxLength: 63 } } } as const;
const localized = { type: 'object', properties: { fa: { type: 'string' }, en: { type: 'string' } } } as const;

/** The verification's answer: the public API's and the exchange service's (exchange-service.ts). */
export const verificationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'The canonical number: 17 characters, the last a check character.' },
    number: { type: 'string', description: 'The number as printed, in groups.' },
    type: { type: 'string' },
    title: localized,
    issuer: { type: 'object', properties: { code: { type: 'string' }, name: localized } },
    issuedAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: ['string', 'null'], format: 'date-time' },
    status: { type: 'string', enum: ['valid', 'revoked', 'expired'] },
    holder: { ...localized, description: "The holder's name, masked." },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
    revokedReason: { anyOf: [localized, { type: 'null' }] },
  },
} as const;

export async function documentApiRoutes(app: FastifyInstance, opts: DocumentApiOptions): Promise<void> {
  const { documents } = opts;
  const rateLimit = { max: opts.ratePerMinute ?? 60, timeWindow: '1 minute', keyGenerator: (req: FastifyRequest) => `documents-verify:${req.ip}` };

  app.get<{ Params: { id: string } }>(
    '/api/v1/documents/:id/verification',
    {
      config: { rateLimit },
      schema: {
        tags: ['documents'],
        summary: 'Verify an issued document by its number',
        description: 'Type, issuer, dates and status (valid, revoked or expired) of the document, the holder\'s name masked. The number may be given with or without dashes, in Persian or Latin digits. Statuses are read from the database on every call.',
        params: idParams,
        response: { 200: verificationSchema },
      },
    },
    async (req, reply) => {
      const v = await documents.verification(req.params.id);
      if (!v) throw notFound({ fa: 'سندی با این شماره', en: 'A document with this number' });
      return reply.header('cache-control', 'no-store').send(v);
    },
  );

  // SD-JWT VC issuer metadata: the keys that verify the platform's credentials and status lists.
  app.get('/.well-known/jwt-vc-issuer', { schema: { hide: true } as never }, async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=60').send(await documents.issuerMetadata()),
  );

  // The credential type (`vct`) resolves to its metadata, as SD-JWT VC wallets may ask.
  app.get<{ Params: { type: string } }>('/credentials/:type', { schema: { hide: true, params: typeParams } as never }, async (req, reply) => {
    const meta = await documents.typeMetadata(req.params.type);
    if (!meta) throw notFound({ fa: 'نوع سند', en: 'Document type' });
    return reply.header('cache-control', 'public, max-age=300').send(meta);
  });

  app.get<{ Params: { list: string } }>('/credentials/status/:list', { config: { rateLimit: { max: 600, timeWindow: '1 minute' } }, schema: { hide: true, params: listParams } as never }, async (req, reply) => {
    const jwt = await documents.statusList(Number(req.params.list));
    // Its ttl is a few seconds: a revocation reaches a wallet's verifier that soon.
    return reply.type('application/statuslist+jwt').header('cache-control', 'public, max-age=5').send(jwt);
  });
}
