import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { Catalog } from '../catalog/index.js';
import type { StaffDirectory } from '../identity/index.js';
import type { AppError } from '../platform/errors.js';
import { sharedSecret } from '../platform/secrets.js';
import type { DatabaseHandle } from '../platform/db.js';
import { citizenRoutes, errorPage } from './citizen/routes.js';
import { consoleRoutes } from './console/routes.js';
import { html } from './html.js';
import { prefix, t } from './i18n.js';
import { page } from './layout.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fontsDir = path.join(path.dirname(createRequire(import.meta.url).resolve('vazirmatn/package.json')), 'fonts', 'webfonts');

export interface WebDeps {
  catalog: Catalog;
  staff: StaffDirectory;
  database: DatabaseHandle;
  config: { publicUrl: string; loginRatePerMinute: number; redisUrl: string | undefined; workers: number };
}

/** Error pages for browsers, in the language of the requested address. */
export function renderErrorPage(req: FastifyRequest, e: AppError): string {
  const { lang, title, message } = errorPage(req.url, e);
  return page({ lang, title, path: '', noindex: true, body: html`<h1>${title}</h1><p>${message}</p><p><a href="${prefix(lang) || '/'}">${t(lang).home}</a></p>` });
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
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  await app.register(cookie, { secret: await sharedSecret(deps.database.db, 'cookie') });
  const secure = deps.config.publicUrl.startsWith('https://');
  await app.register(csrf, { cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/', secure } });
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  // Several nodes count attempts together in Redis; a single node counts in its own memory.
  const redis = deps.config.redisUrl ? new Redis(deps.config.redisUrl, { connectTimeout: 2000, maxRetriesPerRequest: 1, lazyConnect: false }) : undefined;
  if (redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => undefined)));
  await app.register(rateLimit, { global: false, ...(redis ? { redis, nameSpace: 'panjareh-rl:', skipOnError: false } : {}) });
  await app.register(fastifyStatic, { root: path.join(here, 'assets'), prefix: '/assets/', maxAge: '1h' });
  await app.register(fastifyStatic, { root: fontsDir, prefix: '/fonts/', decorateReply: false, maxAge: '30d', immutable: true });
  await registerApi(app);
  await app.register(citizenRoutes, { catalog: deps.catalog });
  // Without Redis, each worker process counts alone; the primary deals connections out in turn, so a
  // share of the limit each keeps one address near the limit in all.
  const loginRatePerMinute = redis ? deps.config.loginRatePerMinute : Math.ceil(deps.config.loginRatePerMinute / deps.config.workers);
  await app.register(consoleRoutes, { catalog: deps.catalog, staff: deps.staff, secureCookies: secure, loginRatePerMinute });
}
