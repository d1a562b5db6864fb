import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DEMO_AGENCIES, isLoopback } from '../agencies/index.js';
import { writeAudit } from '../platform/audit.js';
import { nowIso } from '../platform/db.js';
import { AppError, invalid } from '../platform/errors.js';
import type { PortableMigration } from '../platform/migrations.js';
import { normalizeText } from '../platform/text.js';
import type { Contracts } from './contracts.js';
import type { ApiKeys } from './credentials.js';
import { memberOf, parseServiceId, parseSubsystemId, subsystemOf } from './ids.js';
import type { DataService } from './model.js';
import type { Registry } from './registry.js';

/**
 * The exchange's sandbox: a separate X-Road instance, `IR-SANDBOX`, served by the same gateway, where
 * a startup builds against every demo data service before it has a contract.
 *
 * Synthetic data only. A sandbox service may point at nothing but one of the demo agencies' back-ends
 * on this very server (`http://<loopback>:<this node's port>/demo-agencies/<agency>`), which serve the
 * generated demo country. That one rule (`isSyntheticUpstream`) decides everything here:
 *   - a registered service is mirrored into the sandbox only if its own upstream passes it (its mirror
 *     keeps that upstream); a production service pointing at a real agency never gets a mirror;
 *   - every sync disables any IR-SANDBOX service whose upstream fails it (one added by hand included)
 *     and any mirror whose source stopped passing it or was disabled;
 *   - sandbox contracts are granted only for sandbox services that pass it at that moment;
 *   - the sandbox exists only where the demo back-ends are mounted (`enabled`: demo mode). A national
 *     deployment runs its sandbox as a deployment of its own in demo mode, on a database of its own.
 *
 * Self-service keys. A developer gives a name, an e-mail and optionally an organisation and gets a
 * member `IR-SANDBOX/COM/dev-<hex>` with one subsystem `…/app`, an active contract for every sandbox
 * service (low rate, small daily quota, expiring with the key) and one API key shown once. The key
 * belongs to a sandbox subsystem, and only sandbox services have contracts with it, so production
 * services answer it with AccessDenied; a sync also revokes any contract that would let a sandbox
 * client reach a service outside the sandbox. Consent: the sandbox contracts carry a legal basis
 * covering personal data ("synthetic people only"), so calls need no consent token; one may still be
 * sent and is then checked like anywhere else. Everything is audited: the registration (with address
 * and user agent) here, members, subsystems, services, contracts and keys by their own modules.
 */

export const SANDBOX_INSTANCE = 'IR-SANDBOX';
export const SANDBOX_MIGRATION = '20261123-75-exchange-sandbox';
const ACTOR = 'sandbox';
const DAY_MS = 86_400_000;

export interface SandboxRules {
  /** How long a sandbox key and its contracts live. */
  keyDays: number;
  ratePerSecond: number;
  dailyQuota: number;
  /** Registrations a day from one address, and for one e-mail address (counted in the database, so across nodes). */
  perAddressPerDay: number;
  perEmailPerDay: number;
}

export const SANDBOX_RULES: SandboxRules = { keyDays: 30, ratePerSecond: 5, dailyQuota: 1000, perAddressPerDay: 3, perEmailPerDay: 3 };
export const SANDBOX_LEGAL_BASIS = 'Panjareh sandbox: synthetic people of the demo country only; no real person’s data';

export interface SandboxTables {
  exchange_sandbox_developers: { subsystem: string; name: string; email: string; organization: string | null; ip: string | null; created_at: string; expires_at: string };
}

export const sandboxMigrations: PortableMigration[] = [
  {
    name: SANDBOX_MIGRATION,
    async up(db) {
      await db.schema
        .createTable('exchange_sandbox_developers')
        .addColumn('subsystem', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('organization', 'text')
        .addColumn('ip', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('exchange_sandbox_developers_ip').on('exchange_sandbox_developers').columns(['ip', 'created_at']).execute();
      await db.schema.createIndex('exchange_sandbox_developers_email').on('exchange_sandbox_developers').columns(['email', 'created_at']).execute();
    },
  },
];

const DEMO_PREFIXES = DEMO_AGENCIES.map((a) => a.pathPrefix);

/**
 * True only for one of the demo agencies' back-ends on this server: plain http to a loopback address
 * on `port` (this node's own), path exactly an agency's prefix or below it.
 */
export function isSyntheticUpstream(upstream: string, port: number): boolean {
  let u: URL;
  try {
    u = new URL(upstream);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' || u.username || u.password || u.search || u.hash) return false;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!(isLoopback(host) || host === 'localhost')) return false;
  if (!port || Number(u.port || 80) !== port) return false;
  const path = u.pathname.replace(/\/+$/, '');
  return DEMO_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

export const isSandboxId = (id: string): boolean => id.startsWith(`${SANDBOX_INSTANCE}/`);

/** The sandbox's copy of a service: the same id in the IR-SANDBOX instance. */
export function sandboxIdOf(serviceId: string): string | null {
  const id = parseServiceId(serviceId);
  if (!id || id.instance === SANDBOX_INSTANCE) return null;
  return [SANDBOX_INSTANCE, id.memberClass, id.member, id.subsystem, id.service].join('/');
}

export interface DeveloperApplication {
  name?: unknown;
  email?: unknown;
  organization?: unknown;
  /** The developer agrees to the sandbox terms (synthetic data, no load testing). */
  terms?: unknown;
}

export interface FieldProblem {
  field: 'name' | 'email' | 'organization' | 'terms';
  fa: string;
  en: string;
}

const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const str = (v: unknown) => (typeof v === 'string' ? normalizeText(v).trim() : '');

/** Checks a developer's form; every problem at once, each in Persian and English. */
export function checkApplication(a: DeveloperApplication): { name: string; email: string; organization: string | null } {
  const problems: FieldProblem[] = [];
  const name = str(a.name);
  if (name.length < 2 || name.length > 100) problems.push({ field: 'name', fa: 'نام باید ۲ تا ۱۰۰ نویسه باشد.', en: 'The name must be 2 to 100 characters.' });
  const email = str(a.email).toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) problems.push({ field: 'email', fa: 'نشانی رایانامه درست نیست (نمونه: name@example.com).', en: 'The e-mail address is not valid (e.g. name@example.com).' });
  const organization = str(a.organization);
  if (organization.length > 200) problems.push({ field: 'organization', fa: 'نام سازمان بیش از ۲۰۰ نویسه است.', en: 'The organisation is longer than 200 characters.' });
  if (!(a.terms === true || a.terms === 'yes' || a.terms === 'on')) problems.push({ field: 'terms', fa: 'برای گرفتن کلید باید شرایط محیط آزمایشی را بپذیرید.', en: 'Accept the sandbox terms to get a key.' });
  if (problems.length) {
    throw invalid('invalid_application', problems.map((p) => p.fa).join(' '), problems.map((p) => p.en).join(' '), problems);
  }
  return { name, email, organization: organization || null };
}

export interface SyncResult {
  added: string[];
  updated: string[];
  disabled: string[];
  enabled: string[];
  /** Contracts revoked because they let a sandbox client reach a service outside the sandbox. */
  revokedContracts: number[];
}

export interface SandboxCredentials {
  /** The value of X-Road-Client. */
  subsystem: string;
  /** Shown once; the database keeps only its hash. */
  key: string;
  keyId: number;
  expiresAt: string;
  services: Array<{ id: string; contractId: number; classification: string }>;
  rules: SandboxRules;
}

export interface SandboxOptions {
  /** The demo agencies' back-ends are mounted on this server (demo mode). */
  enabled: boolean;
  /** This node's HTTP port: synthetic upstreams are on the loopback interface at this port. */
  port: number;
  rules?: Partial<SandboxRules>;
}

/** Only the exchange's parts the sandbox drives, each through its own rules and audit. */
export interface SandboxExchange {
  registry: Registry;
  contracts: Contracts;
  apiKeys: ApiKeys;
}

const isConflict = (e: unknown) => e instanceof AppError && e.status === 409;

export class Sandbox {
  readonly rules: SandboxRules;
  private syncing: Promise<SyncResult> | undefined;

  constructor(
    private readonly db: Kysely<any>,
    private readonly exchange: SandboxExchange,
    private readonly opts: SandboxOptions,
  ) {
    this.rules = { ...SANDBOX_RULES, ...opts.rules };
  }

  get enabled(): boolean {
    return this.opts.enabled;
  }

  isSynthetic(upstream: string): boolean {
    return this.opts.enabled && isSyntheticUpstream(upstream, this.opts.port);
  }

  /** The sandbox's id for a service, or null when that service has no sandbox (not on synthetic data). */
  sandboxFor(s: DataService): string | null {
    return !s.disabled && this.isSynthetic(s.upstream) ? sandboxIdOf(s.id) : null;
  }

  /** Brings IR-SANDBOX in line with the registry (see the rules above). Concurrent calls share one run. */
  sync(): Promise<SyncResult> {
    this.syncing ??= this.runSync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async runSync(): Promise<SyncResult> {
    const result: SyncResult = { added: [], updated: [], disabled: [], enabled: [], revokedContracts: [] };
    if (!this.opts.enabled) return result;
    const { registry } = this.exchange;
    const [members, subsystems, services] = await Promise.all([registry.members(), registry.subsystems(), registry.services()]);
    const memberIds = new Set(members.map((m) => m.id));
    const memberName = new Map(members.map((m) => [m.id, m.name]));
    const memberNameFa = new Map(members.map((m) => [m.id, m.nameFa]));
    const subsystemIds = new Set(subsystems.map((s) => s.id));
    const byId = new Map(services.map((s) => [s.id, s]));
    const claimed = new Set<string>();
    // Another node may be making the same record at the same moment: a conflict means it exists.
    const tolerate = async (step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    };

    for (const source of services) {
      const mirrorId = sandboxIdOf(source.id);
      if (!mirrorId || claimed.has(mirrorId)) continue;
      const mirror = byId.get(mirrorId);
      if (!this.sandboxFor(source)) {
        if (mirror && !mirror.disabled) {
          await registry.setServiceDisabled(mirrorId, true, ACTOR);
          result.disabled.push(mirrorId);
        }
        continue;
      }
      claimed.add(mirrorId);
      const id = parseServiceId(mirrorId)!;
      const member = memberOf(id);
      const subsystem = subsystemOf(id);
      if (!memberIds.has(member)) {
        const sourceMember = memberOf(parseServiceId(source.id)!);
        const fa = memberNameFa.get(sourceMember);
        await tolerate(() => registry.addMember({ id: member, name: `${memberName.get(sourceMember) ?? sourceMember} (sandbox)`, nameFa: fa ? `${fa} (محیط آزمایشی)` : null }, ACTOR));
        memberIds.add(member);
      }
      if (!subsystemIds.has(subsystem)) {
        await tolerate(() => registry.addSubsystem({ id: subsystem, name: 'sandbox' }, ACTOR));
        subsystemIds.add(subsystem);
      }
      const openapi = await registry.openApi(source.id);
      const wanted = { id: mirrorId, upstream: source.upstream, openapi, classification: source.classification, subject: source.subject, name: source.name, nameFa: source.nameFa };
      if (!mirror) {
        await tolerate(() => registry.addService(wanted, ACTOR));
        result.added.push(mirrorId);
        continue;
      }
      const same =
        mirror.upstream === source.upstream &&
        mirror.classification === source.classification &&
        mirror.name === source.name &&
        mirror.nameFa === source.nameFa &&
        JSON.stringify(mirror.subject) === JSON.stringify(source.subject) &&
        (await registry.openApi(mirrorId)) === openapi;
      if (!same) {
        await registry.updateService(wanted, ACTOR);
        result.updated.push(mirrorId);
      }
      if (mirror.disabled) {
        await registry.setServiceDisabled(mirrorId, false, ACTOR);
        result.enabled.push(mirrorId);
      }
    }

    // Whatever else sits in the sandbox instance must point at synthetic data too.
    for (const s of services) {
      if (!isSandboxId(s.id) || s.disabled || claimed.has(s.id) || result.disabled.includes(s.id)) continue;
      if (!this.isSynthetic(s.upstream)) {
        await registry.setServiceDisabled(s.id, true, ACTOR);
        result.disabled.push(s.id);
      }
    }

    // A sandbox client never holds a contract outside the sandbox, however it was made.
    for (const status of ['active', 'pending']) {
      for (const c of await this.exchange.contracts.list({ status })) {
        if (!isSandboxId(c.client) || isSandboxId(c.service)) continue;
        await tolerate(() => this.exchange.contracts.revoke(c.id, { actor: ACTOR }));
        result.revokedContracts.push(c.id);
      }
    }
    return result;
  }

  /** The sandbox services a new key gets contracts for: enabled and on synthetic data. */
  async services(): Promise<DataService[]> {
    if (!this.opts.enabled) return [];
    return (await this.exchange.registry.services()).filter((s) => isSandboxId(s.id) && !s.disabled && this.isSynthetic(s.upstream));
  }

  /**
   * A developer's self-service registration: checks the form and the daily limits, syncs the sandbox,
   * then makes the member, subsystem, contracts and, last, the key (so a key is only ever shown when
   * everything it needs exists).
   */
  async register(input: DeveloperApplication, meta: { ip?: string | null; userAgent?: string | null } = {}): Promise<SandboxCredentials> {
    if (!this.opts.enabled) throw new AppError(404, 'sandbox_unavailable', { fa: 'این استقرار محیط آزمایشی ندارد.', en: 'This deployment has no sandbox.' });
    const dev = checkApplication(input);
    const now = Date.now();
    const since = new Date(now - DAY_MS).toISOString();
    const count = async (column: 'ip' | 'email', value: string) =>
      Number((await this.db.selectFrom('exchange_sandbox_developers').select((eb) => eb.fn.countAll<number>().as('n')).where(column, '=', value).where('created_at', '>', since).executeTakeFirstOrThrow()).n);
    const ip = meta.ip ?? null;
    if (ip && (await count('ip', ip)) >= this.rules.perAddressPerDay) {
      throw new AppError(429, 'sandbox_limit', { fa: 'از این نشانی امروز به اندازهٔ کافی کلید آزمایشی ساخته شده است؛ فردا دوباره تلاش کنید.', en: 'Enough sandbox keys were made from this address today; try again tomorrow.' });
    }
    if ((await count('email', dev.email)) >= this.rules.perEmailPerDay) {
      throw new AppError(429, 'sandbox_limit', { fa: 'برای این رایانامه امروز به اندازهٔ کافی کلید آزمایشی ساخته شده است؛ فردا دوباره تلاش کنید.', en: 'Enough sandbox keys were made for this e-mail address today; try again tomorrow.' });
    }
    await this.sync();
    const services = await this.services();
    if (services.length === 0) throw new AppError(503, 'sandbox_empty', { fa: 'هنوز هیچ سرویسی در محیط آزمایشی نیست.', en: 'The sandbox has no services yet.' });

    const code = `dev-${randomBytes(5).toString('hex')}`;
    const member = `${SANDBOX_INSTANCE}/COM/${code}`;
    const subsystem = `${member}/app`;
    if (!parseSubsystemId(subsystem)) throw new Error(`sandbox subsystem id ${subsystem} is off-grammar`);
    const expiresAt = new Date(now + this.rules.keyDays * DAY_MS).toISOString();
    // Recorded first, so a registration counts against the limits even if a later step fails.
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('exchange_sandbox_developers').values({ subsystem, name: dev.name, email: dev.email, organization: dev.organization, ip, created_at: nowIso(), expires_at: expiresAt }).execute();
      await writeAudit(tx, { actor: ACTOR, action: 'exchange.sandbox.register', subject: subsystem, detail: { name: dev.name, email: dev.email, organization: dev.organization, expiresAt }, ip, userAgent: meta.userAgent ?? null });
    });
    const { registry, contracts, apiKeys } = this.exchange;
    // Members are listed to every exchange client (listClients): the developer's name, e-mail and
    // organisation stay in exchange_sandbox_developers and the audit log, not in the registry.
    await registry.addMember({ id: member, name: 'Sandbox developer', nameFa: 'توسعه‌دهندهٔ محیط آزمایشی' }, ACTOR);
    await registry.addSubsystem({ id: subsystem, name: null }, ACTOR);
    const granted: SandboxCredentials['services'] = [];
    for (const s of services) {
      const methods = [...new Set(s.endpoints.map((e) => e.method))];
      const c = await contracts.grant(
        {
          client: subsystem,
          service: s.id,
          purpose: 'Sandbox: building and testing against synthetic data',
          methods: methods.length === 0 || methods.includes('*') ? ['*'] : methods,
          ratePerSecond: this.rules.ratePerSecond,
          dailyQuota: this.rules.dailyQuota,
          expiresAt,
          legalBasis: SANDBOX_LEGAL_BASIS,
          legalBasisCoversPersonalData: true,
        },
        ACTOR,
      );
      granted.push({ id: s.id, contractId: c.id, classification: s.classification });
    }
    const key = await apiKeys.create(subsystem, { label: 'sandbox (self-service)', expiresAt }, ACTOR);
    return { subsystem, key: key.key, keyId: key.id, expiresAt, services: granted, rules: this.rules };
  }
}
