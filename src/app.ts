import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Catalog, catalogMigrations, catalogRoutes } from './catalog/index.js';
import { DEMO_AGENCIES_PREFIX, DemoAgencies, agencyBackends, agencyMigrations } from './agencies/index.js';
import { EXCHANGE_RESOURCE, NationalIdentity, StaffDirectory, identityMigrations } from './identity/index.js';
import type { Config } from './platform/config.js';
import { openDatabase, isReachable, type DatabaseHandle, type OpenOptions } from './platform/db.js';
import { createHttpServer } from './platform/http.js';
import { createOutboundMessages, DevOutbox, devOutboxRoutes, messagingWarning, outboxMigration, type OutboundMessages } from './platform/messaging/index.js';
import { sharedSecret } from './platform/secrets.js';
import { keyMigrations, KeyStore } from './platform/keys.js';
import { BearerAuthenticator, Exchange, OAuthClientLinks, exchangeMigrations, keyStoreTokenKeys, oauthClientMigrations, sandboxMigrations } from './exchange/index.js';
import { exchangeAuditMigrations } from './exchange/audit/index.js';
import { migrate, platformMigrations, type PortableMigration } from './platform/migrations.js';
import { developerRoutes, portalPlatformPaths, registerIdentityProvider, registerWeb, registerWebBase, renderErrorPage } from './web/index.js';

/** Every migration of every capability, in one order. */
export const allMigrations: PortableMigration[] = [...platformMigrations, ...keyMigrations, outboxMigration, ...catalogMigrations, ...identityMigrations, ...agencyMigrations, ...exchangeMigrations, ...oauthClientMigrations, ...sandboxMigrations, ...exchangeAuditMigrations].sort((a, b) => a.name.localeCompare(b.name));

export const DEMO_CATALOG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../demo/catalog');

/** The capabilities wired to one database: what the server and the command line both use. */
export interface Platform {
  config: Config;
  database: DatabaseHandle;
  catalog: Catalog;
  staff: StaffDirectory;
  /** The platform's signing keys (OpenID tokens, consent tokens, audit seals), shared by every node. */
  keys: KeyStore;
  /** The national digital identity: people, sign-in, relying parties, the OpenID provider. */
  identity: NationalIdentity;
  /** The demo country's agencies (civil registry, operators' register, …): the registries identity reads. */
  agencies: DemoAgencies;
  messages: OutboundMessages;
  /** The national data exchange: registry, contracts, credentials, consent, the gateway. */
  exchange: Exchange;
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
  // Catalogue entries delivered here lead to these pages; an import naming another platform page is refused.
  catalog.platformPaths.register('portal', portalPlatformPaths);
  // Exactly as written: a grant or an account names the organisation's code (callers resolve another letter case with catalog.organizationCode).
  const organizationExists = async (code: string) => catalog.read.organization(code)?.code === code || (await catalog.organizationCode(code)) === code;
  const staff = new StaffDirectory(database.db, organizationExists);
  const agencies = new DemoAgencies(database.db);
  const messages = createOutboundMessages(config, database.db);
  const identity = new NationalIdentity(database.db, {
    registry: agencies.civilRegistry,
    mobiles: agencies.mobileRegister,
    messages,
    pepper: () => sharedSecret(database.db, 'otp-pepper'),
    organizationExists,
  });
  const keys = new KeyStore(database.db);
  const exchange = new Exchange(database.db, { issuer: config.publicUrl, keys, settings: config.exchange, redisUrl: config.redisUrl, dialect: database.dialect });
  // `Authorization: Bearer`: client-credentials tokens of our own provider, verified on the node (src/exchange/bearer.ts).
  exchange.useAuthenticator(new BearerAuthenticator({ issuer: config.publicUrl, audience: EXCHANGE_RESOURCE, keys: keyStoreTokenKeys(keys), links: new OAuthClientLinks(database.db), state: exchange.state }));
  return {
    config,
    database,
    catalog,
    staff,
    keys,
    exchange,
    identity,
    agencies,
    messages,
    async close() {
      catalog.read.stopFollowing();
      await exchange.close();
      messages.close();
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
  // The demo agencies' back-ends (upstreams of the exchange), answering loopback callers only.
  if (config.demo) await app.register(agencyBackends, { prefix: DEMO_AGENCIES_PREFIX, agencies: platform.agencies });
  const roles = new Set(config.roles);
  if (roles.has('portal') || roles.has('idp')) await registerWebBase(app, platform);
  if (roles.has('idp')) {
    await registerIdentityProvider(app, { ...platform, trustProxy: process.env.PANJAREH_TRUST_PROXY === 'true' });
  }
  // Demo only: the development outbox, so the sign-in can be walked through without a phone (e-mail lands there even with a gateway).
  if (config.demo) await app.register(devOutboxRoutes, { outbox: new DevOutbox(database.db) });
  const noCarrier = messagingWarning(config);
  if (noCarrier) app.log.warn(noCarrier);
  // The data exchange's gateway: X-Road's REST protocol under /r1/.
  if (roles.has('gateway')) await app.register(platform.exchange.gateway(), { prefix: '/r1' });
  if (roles.has('portal')) {
    await registerWeb(app, platform, async (scope: FastifyInstance) => {
      await scope.register(catalogRoutes, { read: catalog.read, publicUrl: config.publicUrl });
    });
    // The developer portal and the exchange's sandbox (/developers).
    await app.register(developerRoutes, { exchange: platform.exchange, db: database.db, config });
  }
  return app;
}
