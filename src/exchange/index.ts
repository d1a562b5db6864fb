import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { ExchangeSettings } from '../platform/config.js';
import type { KeyStore } from '../platform/keys.js';
import { redisNamespace } from '../platform/secrets.js';
import type { AuditSink } from './audit-sink.js';
import { ExchangeAuditLog, type AuditLogObserver } from './audit/index.js';
import { Contracts } from './contracts.js';
import { ApiKeyAuthenticator, ApiKeys, type Authenticator } from './credentials.js';
import { ConsentVerifier, Consents, keyStoreConsentKeys, type ConsentKeyProvider } from './consents.js';
import { gatewayRoutes, type GatewayCallObservation } from './gateway.js';
import { MemoryLimiter, RedisLimiter, type Limiter } from './limits.js';
import { Registry } from './registry.js';
import { ExchangeState } from './state.js';
import type { ChangeKind } from './tables.js';
import { Upstreams } from './upstream.js';

/** The national data exchange: registry, contracts, credentials, consent and the X-Road REST gateway. */
export { exchangeMigrations } from './migrations.js';
export type { AuditSink } from './audit-sink.js';
export * from './audit/index.js';
export type { Authenticator, Caller } from './credentials.js';
export { ApiKeyAuthenticator } from './credentials.js';
export { BearerAuthenticator, OAuthClientLinks, keyStoreTokenKeys, oauthClientMigrations, type OAuthClientLink, type TokenKeyProvider } from './bearer.js';
export type { ConsentKeyProvider, ConsentCheck, ConsentRequest } from './consents.js';
export { CONSENT_AUDIENCE, CONSENT_KEY_PURPOSE, CONSENT_TYP } from './consents.js';
export type { Member, Subsystem, DataService, Contract, ApiKeyInfo, Consent, Classification, SubjectLocation, SubjectResolver, Endpoint } from './model.js';
export { SUBJECT_LOOKUP_HEADER } from './subjects.js';
export { CLASSIFICATIONS } from './model.js';
export type { NewService } from './registry.js';
export type { ContractApplication, ContractTerms, Decider } from './contracts.js';
export { DEFAULT_DAILY_QUOTA, DEFAULT_RATE_PER_SECOND } from './contracts.js';
export { GRAMMAR, MEMBER_CLASSES, METASERVICES, parseMemberId, parseServiceId, parseSubsystemId } from './ids.js';
export { XROAD_ERRORS } from './xroad-errors.js';
export type { GatewayCallObservation } from './gateway.js';

/** What the exchange tells an observer (the platform's metrics): set with `Exchange.observe` before the gateway starts. */
export interface ExchangeObserver {
  call?: (o: GatewayCallObservation) => void;
  audit?: AuditLogObserver;
}
export { Sandbox, SANDBOX_INSTANCE, SANDBOX_LEGAL_BASIS, SANDBOX_RULES, checkApplication, isSandboxId, isSyntheticUpstream, sandboxIdOf, sandboxMigrations, type DeveloperApplication, type FieldProblem, type SandboxCredentials, type SandboxExchange, type SandboxOptions, type SandboxRules, type SyncResult } from './sandbox.js';
export { demoUpstreamBase, seedDemoConsumer, seedDemoExchange, type DemoConsumer, type DemoConsumerSeed, type DemoExchangeSeed } from './seed.js';
export { isStartRace, retryStartRaces, unlessTaken } from './concurrent-seed.js';

export interface ExchangeOptions {
  /** The platform's public URL: the issuer of consent tokens. */
  issuer: string;
  keys: KeyStore;
  settings: ExchangeSettings;
  /** Shares rate-limit and quota counters between nodes. */
  redisUrl?: string;
  dialect: 'sqlite' | 'postgres';
  /** Replaces the key store for consent tokens (an HSM). */
  consentKeys?: ConsentKeyProvider;
}

export class Exchange {
  readonly state: ExchangeState;
  readonly registry: Registry;
  readonly contracts: Contracts;
  readonly apiKeys: ApiKeys;
  readonly consents: Consents;
  readonly verifier: ConsentVerifier;
  private readonly authenticators: Authenticator[];
  private readonly db: Kysely<any>;
  private following = false;
  private limiter: Limiter | undefined;
  private upstreams: Upstreams | undefined;
  private auditLog: AuditSink | undefined;
  private ownAuditLog: ExchangeAuditLog | undefined;
  private observer: ExchangeObserver = {};

  constructor(db: Kysely<any>, private readonly opts: ExchangeOptions) {
    this.db = db;
    this.state = new ExchangeState(db as never);
    // A change made here reaches this node's memory at once (when it is following), other nodes at their next poll.
    const changed = async (kind: ChangeKind) => {
      if (this.following) await this.state.reload(kind);
    };
    this.registry = new Registry(db as never, changed);
    this.contracts = new Contracts(db as never, changed);
    this.apiKeys = new ApiKeys(db as never, changed);
    const consentKeys = opts.consentKeys ?? keyStoreConsentKeys(opts.keys);
    this.consents = new Consents(db as never, consentKeys, opts.issuer, changed);
    this.verifier = new ConsentVerifier(this.state, consentKeys, opts.issuer);
    this.authenticators = [new ApiKeyAuthenticator(this.state)];
  }

  /**
   * Adds (or replaces, by scheme) a way to authenticate gateway calls, e.g. a verifier of
   * `Authorization: Bearer <client-credentials JWT>` from the platform's OpenID provider. Takes effect
   * on the next call.
   */
  useAuthenticator(a: Authenticator): void {
    const i = this.authenticators.findIndex((x) => x.scheme === a.scheme);
    if (i >= 0) this.authenticators.splice(i, 1);
    this.authenticators.push(a);
  }

  /**
   * Who calls, for APIs outside the gateway that members call with their exchange credential (the
   * agency API of online applications): `X-Road-Client` names a registered subsystem and the
   * `Authorization` credential (ApiKey or Bearer, as at the gateway) belongs to it. Null when not.
   * Loads and follows this node's copy of the registry on first use.
   */
  async authenticateClient(client: string | undefined, authorization: string | undefined, onError: (e: unknown) => void = () => {}): Promise<{ subsystem: string; member: string; credential: string } | null> {
    await this.follow(onError);
    if (!client || !authorization) return null;
    const sp = authorization.indexOf(' ');
    if (sp < 0) return null;
    const a = this.authenticators.find((x) => x.scheme === authorization.slice(0, sp).toLowerCase());
    const caller = a ? await a.authenticate(authorization.slice(sp + 1).trim(), Date.now()) : null;
    if (!caller || caller.subsystem !== client) return null;
    const sub = this.state.subsystems.get(client);
    return sub ? { subsystem: client, member: sub.member, credential: caller.credential } : null;
  }

  /** The exchange's audit log, which every gateway answer waits for (`ExchangeAuditLog` from ./audit/). */
  useAuditLog(log: AuditSink): void {
    this.auditLog = log;
  }

  get audit(): AuditSink | undefined {
    return this.auditLog;
  }

  /** Measures the gateway's calls and its audit log's commits from the next `gateway()` on. */
  observe(o: ExchangeObserver): void {
    this.observer = o;
  }

  /** Records appended to this node's audit log and not yet committed; null when it has no log of its own open. */
  auditBacklog(): number | null {
    const log = this.auditLog instanceof ExchangeAuditLog ? this.auditLog : null;
    if (!log) return null;
    const m = log.metrics();
    return m.queued + m.inFlight;
  }

  /** Loads this node's in-memory copy and follows changes made on other nodes (the gateway role does this). */
  async follow(onError: (e: unknown) => void): Promise<void> {
    if (this.following) return;
    await this.state.loadAll();
    this.state.start(this.opts.settings.syncMs, onError);
    this.following = true;
  }

  /** The gateway under `/r1/`: register with `{ prefix: '/r1' }`. */
  gateway() {
    return async (app: FastifyInstance) => {
      await this.follow((e) => app.log.error({ err: e }, 'exchange sync failed'));
      const s = this.opts.settings;
      if (!this.auditLog) {
        this.ownAuditLog = new ExchangeAuditLog(this.db, this.opts.dialect, { keys: this.opts.keys, observer: this.observer.audit });
        this.auditLog = this.ownAuditLog;
      }
      this.upstreams ??= new Upstreams({ connectTimeoutMs: s.connectTimeoutMs, timeoutMs: s.upstreamTimeoutMs, maxResponseBytes: s.maxResponseBytes, connections: s.connections });
      this.limiter ??= await this.makeLimiter((msg, err) => app.log.warn({ err }, msg));
      await gatewayRoutes(app, {
        state: this.state,
        authenticators: this.authenticators,
        consents: this.verifier,
        limiter: this.limiter,
        upstreams: this.upstreams,
        // Read at each call: the log is set by the platform (or wrapped by a test) after construction.
        audit: {
          append: (r, trace) => {
            const log = this.auditLog;
            return log ? log.append(r, trace) : Promise.reject(new Error('the exchange has no audit log'));
          },
        },
        openApi: (id) => this.registry.openApi(id),
        settings: { maxBodyBytes: s.maxBodyBytes, clientTimeoutMs: s.clientTimeoutMs },
        observe: this.observer.call,
      });
    };
  }

  private async makeLimiter(warn: (msg: string, err: unknown) => void): Promise<Limiter> {
    if (!this.opts.redisUrl) return new MemoryLimiter();
    const redis = new Redis(this.opts.redisUrl, { lazyConnect: true, enableAutoPipelining: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    redis.on('error', () => undefined); // reported by the limiter when a call needs it
    try {
      await redis.connect();
    } catch (e) {
      warn('exchange rate limits: cannot reach Redis at start; counting on this node until it is reachable', e);
    }
    // Deployments (and test databases) sharing one Redis must not share counters: the namespace is per database.
    return new RedisLimiter(redis, await redisNamespace(this.db as never), warn);
  }

  async close(): Promise<void> {
    this.state.stop();
    this.following = false;
    await this.upstreams?.close();
    await this.limiter?.close();
    // Every record appended so far is committed and the chain sealed before the database closes.
    await this.ownAuditLog?.close();
    this.ownAuditLog = undefined;
    this.auditLog = undefined;
    this.upstreams = undefined;
    this.limiter = undefined;
  }
}
