import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { Catalog } from '../catalog/index.js';
import type { NationalIdentity, StaffDirectory } from '../identity/index.js';
import type { KeyStore } from '../platform/keys.js';
import type { AppError } from '../platform/errors.js';
import { redisNamespace, sharedSecret } from '../platform/secrets.js';
import type { DatabaseHandle } from '../platform/db.js';
import type { Exchange } from '../exchange/index.js';
import { writeAudit } from '../platform/audit.js';
import { DevOutbox } from '../platform/messaging/index.js';
import { citizenRoutes, errorPage } from './citizen/routes.js';
import { searchForm } from './citizen/components.js';
import { inquiryRoutes } from './inquiries/routes.js';
import { applyRoutes, type HolderDocuments } from './apply/routes.js';
import type { Payments } from '../payments/index.js';
import { INQUIRIES } from './inquiries/inquiries.js';
import { accountRoutes, recognisePeople } from './account/routes.js';
import { consoleRoutes, type ConsoleOptions } from './console/routes.js';
import type { OnlineServices } from '../services/index.js';
import { consentRoutes } from './consent/routes.js';
import { fillAccountArea } from './account-area.js';
import { apiDocsRoutes } from './api-docs.js';
import { html } from './html.js';
import { prefix, t } from './i18n.js';
import { page } from './layout.js';
import { providerPages } from './signin/provider-pages.js';
import { signinRoutes } from './signin/routes.js';
export { developerRoutes } from './developers/routes.js';

/** The portal's pages that a catalogue entry's `platform` channel may lead to (language-neutral; English adds /en). */
export const portalPlatformPaths = (): string[] => ['/inquiries', ...INQUIRIES.map((d) => `/inquiries/${d.slug}`)];

const here = path.dirname(fileURLToPath(import.meta.url));
const fontsDir = path.join(path.dirname(createRequire(import.meta.url).resolve('vazirmatn/package.json')), 'fonts', 'webfonts');

export interface WebDeps {
  catalog: Catalog;
  staff: StaffDirectory;
  identity: NationalIdentity;
  database: DatabaseHandle;
  config: { publicUrl: string; loginRatePerMinute: number; redisUrl: string | undefined; workers: number; demo?: boolean };
  /** The data exchange, for the console's onboarding pages. */
  exchange?: Exchange;
  /** Online applications: the portal's "apply" pages, My Panjareh and the console's back office. */
  services?: OnlineServices;
  /** Stored attachments (the back office offers an application's for download). */
  files?: ConsoleOptions['files'];
  payments?: Payments;
  /** Issued documents, for "my documents" and the holder's downloads, and the console's pages that revoke them. */
  documents?: HolderDocuments & NonNullable<ConsoleOptions['documents']>;
}

/** Error pages for browsers, in the language of the requested address. */
export function renderErrorPage(req: FastifyRequest, e: AppError): string {
  const { lang, title, message } = errorPage(req.url, e);
  // A page that is not there: offer the search, which is how most people find what they came for.
  const search = e.status === 404 ? html`<h2>${t(lang).findServiceTitle}</h2><p>${t(lang).notFoundSearch}</p>${searchForm(lang)}` : '';
  return page({ lang, title, path: '', noindex: true, body: html`<h1>${title}</h1><p>${message}</p>${search}<p><a href="${prefix(lang) || '/'}">${t(lang).home}</a></p>` });
}

/**
 * What every browser-facing role needs: cookies (signed with a secret every node shares), CSRF
 * protection, form bodies, rate limits (in Redis when several nodes share them) and static assets.
 */
export async function registerWebBase(app: FastifyInstance, deps: WebDeps): Promise<void> {
  await app.register(cookie, { secret: await sharedSecret(deps.database.db, 'cookie') });
  const secure = deps.config.publicUrl.startsWith('https://');
  await app.register(csrf, { cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/', secure } });
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  // Several nodes count attempts together in Redis; a single node counts in its own memory.
  const redis = deps.config.redisUrl ? new Redis(deps.config.redisUrl, { connectTimeout: 2000, maxRetriesPerRequest: 1, lazyConnect: false }) : undefined;
  if (redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => undefined)));
  // Keys carry the database's namespace: deployments sharing one Redis never count each other's attempts.
  const nameSpace = redis ? `panjareh-rl:${await redisNamespace(deps.database.db)}:` : undefined;
  await app.register(rateLimit, { global: false, ...(redis ? { redis, nameSpace, skipOnError: false } : {}) });
  await app.register(fastifyStatic, { root: path.join(here, 'assets'), prefix: '/assets/', maxAge: '1h' });
  await app.register(fastifyStatic, { root: fontsDir, prefix: '/fonts/', decorateReply: false, maxAge: '30d', immutable: true });
  // Browsers ask for /favicon.ico whatever the page says; the icon is the SVG the pages link to.
  app.get('/favicon.ico', async (_req, reply) => reply.header('cache-control', 'public, max-age=86400').redirect('/assets/favicon.svg', 301));
}

/** Without Redis, each worker process counts alone; the primary deals connections out in turn, so a share of the limit each keeps one address near the limit in all. */
export const perWorkerRate = (deps: WebDeps): number => (deps.config.redisUrl ? deps.config.loginRatePerMinute : Math.ceil(deps.config.loginRatePerMinute / deps.config.workers));

/** The identity provider's role: discovery, the provider's endpoints and the sign-in, code and consent pages. */
export async function registerIdentityProvider(app: FastifyInstance, deps: WebDeps & { keys: KeyStore; trustProxy: boolean }): Promise<void> {
  const secure = deps.config.publicUrl.startsWith('https://');
  const host = await deps.identity.startProvider({
    issuer: deps.config.publicUrl,
    keys: deps.keys,
    cookieKeys: [await sharedSecret(deps.database.db, 'oidc-cookies')],
    secureCookies: secure,
    trustProxy: deps.trustProxy,
    pages: providerPages,
  });
  host.watch(5000, (e) => app.log.error({ err: e }, 'signing key reload failed'));
  app.addHook('onClose', async () => deps.identity.stop());
  await host.mount(app);
  await app.register(signinRoutes, { identity: deps.identity, secureCookies: secure, ratePerMinute: perWorkerRate(deps) });
}

/** The portal role: the public API with its OpenAPI description, the citizen pages and the staff console. */
export async function registerWeb(app: FastifyInstance, deps: WebDeps, registerApi: (scope: FastifyInstance) => Promise<void>): Promise<void> {
  const version = '0.1.0';
  await app.register(swagger, {
    openapi: {
      info: { title: 'Panjareh public API', version, description: 'The national catalogue of government services. Errors: `{ "error": { "code", "message": { "fa", "en" } } }`.' },
      servers: [{ url: deps.config.publicUrl }],
    },
    hideUntagged: true,
  });
  await app.register(apiDocsRoutes);
  const secure = deps.config.publicUrl.startsWith('https://');
  await registerApi(app);
  recognisePeople(app, deps.identity);
  fillAccountArea(app);
  await app.register(accountRoutes, { identity: deps.identity, database: deps.database, publicUrl: deps.config.publicUrl, secureCookies: secure });
  await app.register(consentRoutes, deps);
  await app.register(citizenRoutes, { catalog: deps.catalog, exchange: deps.exchange });
  const localGateway = (deps.config as { roles?: readonly string[] }).roles?.includes('gateway') ?? true;
  await app.register(inquiryRoutes, { database: deps.database, publicUrl: deps.config.publicUrl, localGateway });
  if (deps.services && deps.payments) {
    await app.register(applyRoutes, {
      services: deps.services,
      catalog: deps.catalog,
      identity: deps.identity,
      payments: deps.payments,
      documents: deps.documents ?? { forApplication: async () => [], listForHolder: async () => [], get: async () => undefined, pdf: async () => undefined },
      database: deps.database,
      publicUrl: deps.config.publicUrl,
      localGateway,
      secureCookies: secure,
    });
  }
  await app.register(consoleRoutes, {
    catalog: deps.catalog,
    staff: deps.staff,
    identity: deps.identity,
    secureCookies: secure,
    loginRatePerMinute: perWorkerRate(deps),
    exchange: deps.exchange,
    outbox: deps.config.demo ? new DevOutbox(deps.database.db) : undefined,
    audit: (entry) => writeAudit(deps.database.db, entry),
    services: deps.services,
    files: deps.files,
    documents: deps.documents,
  });
}
