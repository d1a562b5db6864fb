import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Catalog, catalogMigrations, catalogRoutes } from './catalog/index.js';
import { StaffDirectory, identityMigrations } from './identity/index.js';
import type { Config } from './platform/config.js';
import { openDatabase, isReachable, type DatabaseHandle, type OpenOptions } from './platform/db.js';
import { createHttpServer } from './platform/http.js';
import { migrate, platformMigrations, type PortableMigration } from './platform/migrations.js';
import { registerWeb, renderErrorPage } from './web/index.js';

/** Every migration of every capability, in one order. */
export const allMigrations: PortableMigration[] = [...platformMigrations, ...catalogMigrations, ...identityMigrations].sort((a, b) => a.name.localeCompare(b.name));

export const DEMO_CATALOG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../demo/catalog');

/** The capabilities wired to one database: what the server and the command line both use. */
export interface Platform {
  config: Config;
  database: DatabaseHandle;
  catalog: Catalog;
  staff: StaffDirectory;
  close(): Promise<void>;
}

export async function openPlatform(config: Config, opts: OpenOptions = {}): Promise<Platform> {
  const database = openDatabase(config, opts);
  try {
    await migrate(database.db, database.dialect, allMigrations);
  } catch (e) {
    await database.close();
    throw e;
  }
  const catalog = new Catalog(database.db);
  const staff = new StaffDirectory(database.db, async (code) => !!catalog.read.organization(code) || (await catalog.db.selectFrom('organizations').select('code').where('code', '=', code).executeTakeFirst()) !== undefined);
  return {
    config,
    database,
    catalog,
    staff,
    async close() {
      catalog.read.stopFollowing();
      await database.close();
    },
  };
}

/** Loads the demo catalogue (base.json plus every services/*.json) in the import format. */
export function demoCatalog(dir = DEMO_CATALOG_DIR): Record<string, unknown[]> {
  const base = JSON.parse(fs.readFileSync(path.join(dir, 'base.json'), 'utf8')) as Record<string, unknown[]>;
  const servicesDir = path.join(dir, 'services');
  const services = (fs.existsSync(servicesDir) ? fs.readdirSync(servicesDir) : [])
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => JSON.parse(fs.readFileSync(path.join(servicesDir, f), 'utf8')) as unknown[]);
  return { ...base, services };
}

/** Builds the HTTP server of the roles this node plays, on an opened platform. */
export async function buildServer(platform: Platform): Promise<FastifyInstance> {
  const { config, catalog, database } = platform;
  const app = createHttpServer({ logLevel: config.logLevel, renderHtmlError: renderErrorPage });
  app.get('/healthz', { schema: { hide: true } as never }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } as never }, async (_req, reply) => {
    const ok = await isReachable(database.db);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'database unreachable', database: database.dialect });
  });
  if (config.roles.includes('portal')) {
    await registerWeb(app, platform, async (scope: FastifyInstance) => {
      await scope.register(catalogRoutes, { read: catalog.read, publicUrl: config.publicUrl });
    });
  }
  return app;
}
