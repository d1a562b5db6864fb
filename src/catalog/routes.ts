import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../platform/errors.js';
import { CHANNEL_TYPES, type ChannelType } from './model.js';
import type { CatalogReadModel, SearchResult } from './read-model.js';
import { ORG_CODE, TERM_CODE, localized } from './schemas.js';

/** The public, read-only catalogue API (`/api/v1`). Schemas here validate input and document the API. */

const loc = localized(10000);
const term = { type: 'object', properties: { code: { type: 'string' }, name: loc } } as const;
const channel = {
  type: 'object',
  properties: { type: { type: 'string', enum: [...CHANNEL_TYPES] }, path: { type: 'string', description: 'platform channels: the page on this platform (English: /en + path)' }, url: { type: 'string' }, number: { type: 'string' }, instructions: loc },
} as const;
const summary = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    slug: { type: 'string' },
    title: loc,
    summary: loc,
    organization: { type: 'object', properties: { code: { type: 'string' }, name: loc } },
    topics: { type: 'array', items: term },
    lifeEvents: { type: 'array', items: term },
    channels: { type: 'array', items: channel },
    smart: { type: 'boolean' },
  },
} as const;
const facet = { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, name: loc, count: { type: 'integer' } } } } as const;
const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: loc, details: {} } } },
} as const;
const full = {
  type: 'object',
  properties: {
    ...summary.properties,
    description: loc,
    requirements: { type: 'array', items: loc },
    evidence: { type: 'array', items: loc },
    cost: { type: 'object', properties: { amount: { type: 'integer' }, currency: { type: 'string' } } },
    processingDays: { type: 'integer' },
    legalBasis: { anyOf: [loc, { type: 'null' }] },
    output: { anyOf: [loc, { type: 'null' }] },
    keywords: { type: 'object', properties: { fa: { type: 'array', items: { type: 'string' } }, en: { type: 'array', items: { type: 'string' } } } },
    url: { type: 'string' },
  },
} as const;

export const serviceQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', maxLength: 200, description: 'Search words, Persian or English; ranked by relevance' },
    organization: { type: 'string', pattern: ORG_CODE },
    topic: { type: 'string', pattern: TERM_CODE },
    lifeEvent: { type: 'string', pattern: TERM_CODE },
    window: { type: 'string', pattern: TERM_CODE },
    channel: { type: 'string', enum: [...CHANNEL_TYPES] },
    smart: { type: 'boolean' },
    lang: { type: 'string', enum: ['fa', 'en'], description: 'Search only this language' },
    page: { type: 'integer', minimum: 1, maximum: 10000, default: 1 },
    pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  },
} as const;

export interface ServiceQuery {
  q?: string;
  organization?: string;
  topic?: string;
  lifeEvent?: string;
  window?: string;
  channel?: ChannelType;
  smart?: boolean;
  lang?: 'fa' | 'en';
  page: number;
  pageSize: number;
}

export async function catalogRoutes(app: FastifyInstance, opts: { read: CatalogReadModel; publicUrl: string }) {
  const { read } = opts;
  const errors = { 400: errorSchema, 404: errorSchema };
  const tags = ['catalogue'];
  // A repeated search gets the read model's cached result object back; its JSON is kept beside it, so a
  // popular query costs no serialisation either. An entry goes when the read model drops the result.
  const serialized = new WeakMap<SearchResult, string>();

  app.get<{ Querystring: ServiceQuery }>(
    '/api/v1/services',
    {
      schema: {
        tags,
        summary: 'Search and list the published services',
        querystring: serviceQuerySchema,
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: summary }, total: { type: 'integer' }, page: { type: 'integer' }, pageSize: { type: 'integer' }, facets: { type: 'object', properties: { organization: facet, topic: facet, lifeEvent: facet, channel: facet, smart: facet } } } },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const result = read.search(req.query);
      let body = serialized.get(result);
      if (body === undefined) {
        body = reply.serialize(result) as string;
        serialized.set(result, body);
      }
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/services/:id',
    {
      schema: {
        tags,
        summary: 'One published service, by code (NOCR-0001) or slug',
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,100}$' } } },
        response: { 200: full, ...errors },
      },
    },
    async (req) => {
      const s = read.service(req.params.id);
      if (!s) throw notFound({ fa: 'خدمت', en: 'Service' });
      return { ...s, ...read.summary(s), url: `${opts.publicUrl}/services/${s.slug}` };
    },
  );

  app.get('/api/v1/organizations', { schema: { tags, summary: 'Organisations providing services', response: { 200: { type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, name: loc, parent: { type: ['string', 'null'] }, website: { type: ['string', 'null'] }, exchangeMembers: { type: 'array', items: { type: 'string' } }, serviceCount: { type: 'integer' } } } } } } } } }, async () => {
    const counts = read.serviceCounts();
    return { items: read.allOrganizations().map((o) => ({ ...o, serviceCount: counts.get(o.code) ?? 0 })) };
  });
  app.get('/api/v1/topics', { schema: { tags, summary: 'Topics', response: { 200: { type: 'object', properties: { items: { type: 'array', items: term } } } } } }, async () => ({ items: read.allTopics() }));
  app.get('/api/v1/life-events', { schema: { tags, summary: 'Life events', response: { 200: { type: 'object', properties: { items: { type: 'array', items: term } } } } } }, async () => ({ items: read.allLifeEvents() }));
  app.get(
    '/api/v1/windows',
    {
      schema: {
        tags,
        summary: 'Thematic windows (branded subsets of the catalogue)',
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, name: loc, description: loc, color: { type: 'string' }, topics: { type: 'array', items: { type: 'string' } }, organizations: { type: 'array', items: { type: 'string' } }, services: { type: 'array', items: { type: 'string' } } } } } } } },
      },
    },
    async () => ({ items: read.allWindows() }),
  );
}
