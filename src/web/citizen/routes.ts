import type { FastifyInstance, FastifyReply } from 'fastify';
import { CHANNEL_TYPES, type Catalog, type SearchResult } from '../../catalog/index.js';
import type { DataService, Exchange } from '../../exchange/index.js';
import { AppError, notFound } from '../../platform/errors.js';
import { html } from '../html.js';
import { digits, pick, t, type Lang } from '../i18n.js';
import { dataServicesSection, homePage, listingPage, organizationIntro, organizationsPage, resultsPage, servicePage, type ListQuery } from './pages.js';

const PAGE_SIZE = 20;
const CODE = '^[A-Za-z0-9_-]{1,100}$';
const listQuery = {
  type: 'object',
  properties: {
    q: { type: 'string', maxLength: 200 },
    organization: { type: 'string', maxLength: 32 },
    topic: { type: 'string', maxLength: 50 },
    lifeEvent: { type: 'string', maxLength: 50 },
    window: { type: 'string', maxLength: 50 },
    channel: { type: 'string', enum: [...CHANNEL_TYPES] },
    smart: { type: 'string', enum: ['true', 'false'] },
    page: { type: 'string', pattern: '^[0-9]{1,4}$' },
  },
} as const;
const codeParams = { type: 'object', properties: { code: { type: 'string', pattern: CODE } } } as const;

const sendHtml = (reply: FastifyReply, body: string) => reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=60').send(body);

function runSearch(catalog: Catalog, q: ListQuery & { window?: string }, fixed: Partial<Record<'organization' | 'topic' | 'lifeEvent' | 'window', string>> = {}): SearchResult {
  const pageNo = Math.max(1, Number(q.page ?? 1));
  return catalog.read.search({
    q: q.q,
    organization: fixed.organization ?? q.organization,
    topic: fixed.topic ?? q.topic,
    lifeEvent: fixed.lifeEvent ?? q.lifeEvent,
    window: fixed.window ?? q.window,
    channel: q.channel as never,
    smart: q.smart === undefined ? undefined : q.smart === 'true',
    page: pageNo,
    pageSize: PAGE_SIZE,
  });
}

const paramsOf = (q: ListQuery) => ({ q: q.q, organization: q.organization, topic: q.topic, lifeEvent: q.lifeEvent, channel: q.channel, smart: q.smart });

/** Persian pages at `/`, the same pages in English under `/en/`. */
export async function citizenRoutes(app: FastifyInstance, opts: { catalog: Catalog; exchange?: Exchange }) {
  const { catalog } = opts;
  /** An organisation's data services: the exchange's services of the members linked to it, those in use. */
  const dataServicesOf = async (members: string[]): Promise<DataService[] | undefined> => {
    if (!opts.exchange || members.length === 0) return undefined;
    const mine = new Set(members.map((m) => m.toLowerCase()));
    return (await opts.exchange.registry.services()).filter((x) => !x.disabled && mine.has(x.subsystem.split('/').slice(0, 3).join('/').toLowerCase()));
  };
  for (const lang of ['fa', 'en'] as Lang[]) {
    const p = lang === 'fa' ? '' : '/en';
    app.get(p || '/', async (_req, reply) => sendHtml(reply, homePage(catalog, lang)));
    if (p) app.get(`${p}/`, async (_req, reply) => sendHtml(reply, homePage(catalog, lang)));

    app.get<{ Querystring: ListQuery }>(`${p}/services`, { schema: { querystring: listQuery } }, async (req, reply) =>
      sendHtml(reply, resultsPage(catalog, lang, req.query, runSearch(catalog, req.query))),
    );

    app.get<{ Params: { code: string } }>(`${p}/services/:code`, { schema: { params: codeParams } }, async (req, reply) => {
      const svc = catalog.read.service(req.params.code);
      if (!svc) throw notFound({ fa: 'خدمت', en: 'Service' });
      // One address per service: a code or an old slug redirects to the current slug.
      if (req.params.code !== svc.slug) return reply.redirect(`${p}/services/${svc.slug}`, 301);
      return sendHtml(reply, servicePage(catalog, lang, svc));
    });

    app.get(`${p}/organizations`, async (_req, reply) => sendHtml(reply, organizationsPage(catalog, lang)));

    const listings = [
      ['organizations', 'organization', (c: string) => catalog.read.organization(c)],
      ['topics', 'topic', (c: string) => catalog.read.topic(c)],
      ['life-events', 'lifeEvent', (c: string) => catalog.read.lifeEvent(c)],
      ['windows', 'window', (c: string) => catalog.read.window(c)],
    ] as const;
    for (const [path, kind, find] of listings) {
      app.get<{ Params: { code: string }; Querystring: ListQuery }>(`${p}/${path}/:code`, { schema: { params: codeParams, querystring: listQuery } }, async (req, reply) => {
        const found = find(req.params.code);
        if (!found) throw notFound({ fa: 'صفحه', en: 'Page' });
        // Organisation codes are unique without regard to case: one address per organisation.
        if (found.code !== req.params.code) {
          const qs = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
          return reply.redirect(`${p}/${path}/${found.code}${qs}`, 301);
        }
        const org = kind === 'organization' ? catalog.read.organization(found.code) : undefined;
        const win = kind === 'window' ? catalog.read.window(found.code) : undefined;
        const intro =
          org
            ? organizationIntro(catalog, lang, org)
            : win
              ? html`<p class="lead">${pick(win.description, lang)}</p>`
              : html``;
        return sendHtml(
          reply,
          listingPage(lang, {
            kind,
            code: found.code,
            title: pick(found.name, lang),
            intro,
            result: runSearch(catalog, req.query, { [kind]: found.code }),
            params: paramsOf(req.query),
            path: `/${path}/${found.code}`,
            window: win,
            outro: org ? dataServicesSection(lang, org, await dataServicesOf(org.exchangeMembers)) : undefined,
          }),
        );
      });
    }
  }
}

/** Renders an error as a page in the language of the requested path. */
export function errorPage(url: string, e: AppError): { lang: Lang; title: string; message: string } {
  const lang: Lang = url.startsWith('/en/') || url === '/en' ? 'en' : 'fa';
  return { lang, title: `${t(lang).error} ${digits(String(e.status), lang)}`, message: e.messages[lang] };
}
