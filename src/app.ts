import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Catalog, catalogMigrations, catalogRoutes } from './catalog/index.js';
import { DEMO_AGENCIES_PREFIX, DemoAgencies, agencyBackends, agencyMigrations } from './agencies/index.js';
import { EXCHANGE_RESOURCE, NationalIdentity, StaffDirectory, identityMigrations } from './identity/index.js';
import type { Config } from './platform/config.js';
import { openDatabase, type DatabaseHandle, type OpenOptions } from './platform/db.js';
import { Readiness, databaseCheck, redisCheck } from './platform/readiness.js';
import { createHttpServer } from './platform/http.js';
import { startTracing, traceRequests, tracingActive, type TracingHandle } from './platform/tracing/index.js';
import { createOutboundMessages, DevOutbox, devOutboxRoutes, messagingWarning, outboxMigration, type OutboundMessages } from './platform/messaging/index.js';
import { sharedSecret } from './platform/secrets.js';
import { keyMigrations, KeyStore } from './platform/keys.js';
import { BearerAuthenticator, Exchange, OAuthClientLinks, exchangeMigrations, keyStoreTokenKeys, oauthClientMigrations, sandboxMigrations } from './exchange/index.js';
import { AUDIT_PARTITIONS_JOB, exchangeAuditMigrations, registerAuditPartitionsJob } from './exchange/audit/index.js';
import { createPayments, demoPspMigrations, paymentMigrations, paymentRoutes, type Payments } from './payments/index.js';
import { JOBS, OnlineServices, serviceMigrations } from './services/index.js';
import { DOCUMENTS_BACKEND_PREFIX, Documents, documentApiRoutes, documentBackendRoutes, documentMigrations } from './documents/index.js';
import { verificationPages } from './web/documents/routes.js';
import { portalExchange } from './web/portal-exchange.js';
import { AppError } from './platform/errors.js';
import { readPrefill, serviceApiRoutes } from './services/index.js';
import { migrate, platformMigrations, type PortableMigration } from './platform/migrations.js';
import { clockMigrations, DatabaseClock, systemClock } from './platform/clock.js';
import { jobMigrations, Jobs } from './platform/jobs/index.js';
import { fileMigrations, FileStore } from './platform/files/index.js';
import { calendarMigrations, WorkingDays } from './platform/calendar/index.js';
import { demoPspRoutes } from './web/payments/demo-psp-pages.js';
import { instrument, serveNodeMetrics } from './instrument.js';
import type { PlatformMetrics } from './platform/metrics/index.js';
import { developerRoutes, portalPlatformPaths, registerIdentityProvider, registerWeb, registerWebBase, renderErrorPage } from './web/index.js';

/** Every migration of every capability, in one order. */
export const allMigrations: PortableMigration[] = [...platformMigrations, ...keyMigrations, outboxMigration, ...catalogMigrations, ...identityMigrations, ...agencyMigrations, ...exchangeMigrations, ...oauthClientMigrations, ...sandboxMigrations, ...exchangeAuditMigrations, ...calendarMigrations, ...paymentMigrations, ...demoPspMigrations, ...documentMigrations, ...clockMigrations, ...jobMigrations, ...fileMigrations, ...serviceMigrations].sort((a, b) => a.name.localeCompare(b.name));

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
  /** The platform's time: the real time, moved forward by the operator in demo mode (deadlines can be shown passing). */
  clock: DatabaseClock;
  /** Durable scheduled jobs (deadlines, messages, documents, refunds); run by nodes with the worker role. */
  jobs: Jobs;
  /** Working days of the Iranian calendar: Fridays and the official holidays the operator keeps. */
  calendar: WorkingDays;
  /** Attachments, in the database so that every node reads them. */
  files: FileStore;
  /** Fees: the payment provider (PANJAREH_PSP_*, or the demo PSP in demo mode). */
  payments: Payments;
  /** Online applications: services delivered on the platform, their back office and deadlines. */
  services: OnlineServices;
  /** Issued documents: signed PDFs, wallet credentials, verification and revocation. */
  documents: Documents;
  /** Prometheus metrics (PANJAREH_METRICS_PORT); undefined when off. */
  metrics?: PlatformMetrics;
  /** What /readyz reports: the checks this node's roles need (src/platform/readiness.ts). */
  readiness: Readiness;
  close(): Promise<void>;
}

export async function openPlatform(config: Config, opts: OpenOptions = {}): Promise<Platform> {
  // Before the database, whose queries it traces; the SDK is loaded only when an OTLP endpoint is set.
  const tracing: TracingHandle | null = config.tracing ? await startTracing(config.tracing, { instanceId: `${os.hostname()}:${process.pid}`, roles: config.roles }) : null;
  let database: DatabaseHandle;
  try {
    database = openDatabase(config, opts);
  } catch (e) {
    await tracing?.shutdown();
    throw e;
  }
  try {
    await migrate(database.db, database.dialect, allMigrations);
  } catch (e) {
    await database.close();
    await tracing?.shutdown();
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
  const clock = new DatabaseClock(database.db, { allowed: config.demo });
  await clock.refresh();
  // Leases are measured in real time: moving the demo's clock by a day must not hand a running job to another node.
  const jobs = new Jobs(database.db, database.dialect, { clock, leaseClock: systemClock, nodeId: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}` });
  // PostgreSQL: the exchange audit log's monthly partitions, made a month ahead (src/exchange/audit/partitions.ts).
  if (database.dialect === 'postgres') registerAuditPartitionsJob(jobs, database.db, clock);
  const calendar = new WorkingDays(database.db, { now: () => clock.now().getTime() });
  const files = new FileStore(database.db, { clock });
  const payments = createPayments(database.db, config);
  const documents = new Documents(database.db, { publicUrl: config.publicUrl, keys, clock });
  const services = new OnlineServices(database.db, {
    catalog,
    clock,
    calendar,
    jobs,
    files,
    messages,
    documents: {
      // The application's document fields become the document's, keyed by position (a template's labels may repeat).
      issue: (executor, d) => documents.issue(executor, { ...d, validDays: d.validDays ?? undefined, fields: d.fields.map((f, i) => ({ key: `f${i + 1}`, label: f.label, value: f.value })) }),
    },
    refunds: {
      async refundFor(reference, reason) {
        const paid = (await payments.forOrder('application', reference)).find((p) => p.status === 'verified');
        if (!paid) return false;
        await payments.refund(paid.id, reason.en, { actor: 'system' });
        return true;
      },
    },
    publicUrl: config.publicUrl,
  });
  // A verified fee moves its application into the first step's queue, in the payment's own transaction.
  payments.onVerified((payment, trx) => services.applications.paid(trx as never, payment.order.reference, { id: payment.id, amount: payment.order.amount }), { kind: 'application' });
  const readiness = new Readiness({ node: config.nodeId ?? `${os.hostname()}:${process.pid}`, roles: config.roles });
  readiness.register('database', databaseCheck(database, allMigrations.map((m) => m.name)));
  // Rate limits of sign-in, the sandbox form and the gateway are shared there; a worker-only node does not use it.
  if (config.redisUrl) readiness.register('redis', redisCheck(config.redisUrl, ['portal', 'idp', 'gateway']));
  // The gateway answers no call before its audit record is committed (the log opens with the gateway, in buildServer).
  readiness.register('audit', { neededBy: ['gateway'], run: () => (exchange.audit ? (exchange.audit.health?.() ?? {}) : { status: 'down', reason: 'the audit log is not open (the gateway is not started)' }) });
  readiness.register('jobs', { neededBy: ['worker'], run: () => jobs.health() });
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
    clock,
    jobs,
    calendar,
    files,
    payments,
    services,
    documents,
    readiness,
    metrics: instrument(config, { catalog, exchange, identity, jobs, database }),
    async close() {
      await readiness.close();
      await jobs.stop();
      catalog.read.stopFollowing();
      await exchange.close();
      messages.close();
      await database.close();
      // Last: the spans of everything closed above (the audit log's last commits) are sent before it stops.
      await tracing?.shutdown();
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
  // Before any route, so that every route gets its span; with tracing off there is no hook at all.
  if (tracingActive()) traceRequests(app);
  // First, so that its request hook sees every route registered below.
  if (platform.metrics) serveNodeMetrics(app, platform.metrics, config);
  app.get('/healthz', { schema: { hide: true } as never }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } as never }, async (_req, reply) => {
    const r = await platform.readiness.report();
    return reply.status(r.status === 'ready' ? 200 : 503).header('cache-control', 'no-store').send(r);
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
  if (roles.has('gateway')) {
    await app.register(platform.exchange.gateway(), { prefix: '/r1' });
    // The upstream of the exchange service IR/GOV/PANJAREH/documents/verification: every gateway node calls its own, on loopback.
    await app.register(documentBackendRoutes, { prefix: DOCUMENTS_BACKEND_PREFIX, documents: platform.documents });
  }
  if (roles.has('portal')) {
    await registerWeb(app, platform, async (scope: FastifyInstance) => {
      await scope.register(catalogRoutes, { read: catalog.read, publicUrl: config.publicUrl });
    });
    // The developer portal and the exchange's sandbox (/developers).
    await app.register(developerRoutes, { exchange: platform.exchange, db: database.db, config });
    // Documents: the public verification page and API.
    await app.register(verificationPages, { documents: platform.documents, publicUrl: config.publicUrl });
    await app.register(documentApiRoutes, { documents: platform.documents });
    await app.register(applicationApi, { platform });
    // The payment provider's return (/payments/callback) and, in demo mode only, the demo provider's pages.
    await app.register(paymentRoutes, { payments: platform.payments });
    if (config.demo) await app.register(demoPspRoutes, { db: database.db, publicUrl: config.publicUrl });
  }
  if (roles.has('worker')) {
    platform.jobs.start();
    // Drafts past their keeping period go once a day; the key keeps one such job however many nodes start.
    await platform.jobs.schedule(database.db, JOBS.purgeDrafts, {}, { runAt: platform.clock.now(), key: 'daily' });
    if (database.dialect === 'postgres') await platform.jobs.schedule(database.db, AUDIT_PARTITIONS_JOB, {}, { runAt: platform.clock.now(), key: 'daily' });
  }
  return app;
}

/**
 * The applications APIs: the citizen's, with an access token of the platform's own provider (scope
 * `applications`), and the agency's, with the agency's exchange credential (its member is the agency).
 */
async function applicationApi(app: FastifyInstance, { platform }: { platform: Platform }): Promise<void> {
  const { config, services, identity, keys, catalog, exchange, payments, documents } = platform;
  const tokens = identity.citizenTokens({ issuer: config.publicUrl, keys });
  const client = portalExchange(app, { database: platform.database, publicUrl: config.publicUrl, localGateway: config.roles.includes('gateway') });
  await app.register(serviceApiRoutes, {
    applications: services.applications,
    casework: services.casework,
    async citizen(req, reply) {
      try {
        const c = await tokens.verify(req.headers.authorization, 'applications');
        return { nationalCode: c.nationalCode, name: c.name, mobile: c.mobile };
      } catch (e) {
        const challenge = (e as { challenge?: string }).challenge;
        if (challenge) reply.header('www-authenticate', challenge);
        throw e;
      }
    },
    async agency(req, reply) {
      const h = (n: string) => (typeof req.headers[n] === 'string' ? (req.headers[n] as string) : undefined);
      const caller = await exchange.authenticateClient(h('x-road-client'), h('authorization'), (e) => app.log.error({ err: e }, 'exchange sync failed'));
      const org = caller ? catalog.read.organizationOfMember(caller.member) : undefined;
      if (!caller) {
        reply.header('www-authenticate', 'ApiKey, Bearer');
        throw new AppError(401, 'unauthorized', { fa: 'اعتبارنامهٔ تبادل داده (X-Road-Client و Authorization) را بفرستید.', en: 'Send your exchange credential: X-Road-Client and Authorization (ApiKey or Bearer).' });
      }
      if (!org) throw new AppError(403, 'not_an_agency', { fa: 'عضو تبادل داده‌ای که با آن آمده‌اید به هیچ دستگاهی در فهرست خدمات پیوند ندارد.', en: 'The exchange member you call as is not linked to any organisation of the catalogue.' });
      return { username: `agency:${caller.subsystem}`, organization: org.code, via: 'agency-api', ip: req.ip };
    },
    prefill: (who, s, answers) => readPrefill({ get: (service, path, opts) => client.get(service, path, opts) }, s.delivery.prefill, who.nationalCode, answers, services.clock.now()),
    startPayment: payments.configured
      ? (who, a) =>
          payments.start(
            { kind: 'application', reference: a.id, amount: a.fee.amount, description: catalog.read.service(a.service)?.title ?? { fa: a.service, en: a.service }, payer: who.nationalCode },
            { returnTo: `/account/applications/${a.id}`, actor: `person:${who.nationalCode}` },
          ).then((r) => ({ redirectUrl: r.redirectUrl }))
      : null,
    documentsOf: (id) => documents.forApplication(id),
    formOf: (s) => {
      const form = services.forms.compiled(s.delivery.form);
      return { schema: form.definition.schema, pages: form.definition.pages.map((p) => ({ ...p, fields: p.fields.map((name) => ({ name, ...form.fields[name] })) })) };
    },
    publicUrl: config.publicUrl,
  });
}
