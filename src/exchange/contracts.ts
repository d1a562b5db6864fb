import { writeAudit } from '../platform/audit.js';
import { nowIso } from '../platform/db.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../platform/errors.js';
import { Problems } from '../platform/problems.js';
import { normalizeText, toLatinDigits, toPersianDigits } from '../platform/text.js';
import { memberOf, parseServiceId, parseSubsystemId } from './ids.js';
import { SANDBOX_INSTANCE, isSandboxId } from './sandbox.js';
import { MAX_PATTERNS, parseMethods, parsePattern } from './matching.js';
import type { Contract } from './model.js';
import * as store from './store.js';
import type { ChangeKind } from './tables.js';

/**
 * Access contracts: a consumer subsystem applies for a service (purpose, legal basis); the provider
 * approves or rejects; the national authority may grant one directly. An active contract names the
 * methods and path patterns it allows, a rate limit, a daily quota and an expiry; revoking it stops
 * calls on every node within the sync interval. At most one pending or active contract per consumer
 * and service (a unique index makes that hold across nodes too).
 */

export const DEFAULT_RATE_PER_SECOND = 50;
export const DEFAULT_DAILY_QUOTA = 100_000;
export const MAX_RATE_PER_SECOND = 1_000_000;
export const MAX_DAILY_QUOTA = 1_000_000_000;

export interface ContractTerms {
  methods?: string[];
  paths?: string[];
  /** A whole number, or the digits a person typed (Persian digits too). */
  ratePerSecond?: number | string;
  /** Null: no daily quota. A whole number, or the digits a person typed. */
  dailyQuota?: number | string | null;
  /** ISO date or date-time; null: no expiry. */
  expiresAt?: string | null;
  legalBasis?: string | null;
  legalBasisCoversPersonalData?: boolean;
}

export interface ContractApplication extends ContractTerms {
  client: string;
  service: string;
  purpose: string;
}

/** Who acts: the authority (no member) or a provider member's staff, who may decide only on their own services. */
export interface Decider {
  actor: string;
  provider?: string;
}

const text = (raw: string | null | undefined, max: number, field: string, required: boolean): string | null => {
  const v = raw === undefined || raw === null ? '' : normalizeText(String(raw)).trim();
  if (!v) {
    if (required) throw invalid(`${field}_required`, `${field === 'purpose' ? 'هدف' : 'مبنای قانونی'} لازم است.`, `A ${field === 'purpose' ? 'purpose' : 'legal basis'} is required.`);
    return null;
  }
  if (v.length > max) throw invalid(`${field}_too_long`, `متن بیش از ${max} نویسه است.`, `The ${field} is longer than ${max} characters.`);
  return v;
};

function wholeNumber(v: unknown, min: number, max: number, code: string, en: string, fa: string): number {
  const typed = typeof v === 'string' ? toLatinDigits(v).trim() : null;
  const n = typed === null ? v : /^\d{1,16}$/.test(typed) ? Number(typed) : NaN;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw invalid(code, `${fa} باید عدد صحیح از ${toPersianDigits(String(min))} تا ${toPersianDigits(String(max))} باشد.`, `${en} must be a whole number from ${min} to ${max}.`);
  return n;
}

/** An expiry in the future: a date (end of that day, UTC) or a date-time. */
export function parseExpiry(raw: string | null | undefined, now = Date.now()): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const s = String(raw).trim();
  const t = /^\d{4}-\d{2}-\d{2}$/.test(s) ? Date.parse(`${s}T23:59:59.999Z`) : /^\d{4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) : NaN;
  if (Number.isNaN(t)) throw invalid('invalid_expiry', 'تاریخ انقضا درست نیست (YYYY-MM-DD).', 'The expiry must be a date (YYYY-MM-DD) or an ISO date-time.');
  if (t <= now) throw invalid('expiry_in_past', 'تاریخ انقضا گذشته است.', 'The expiry is in the past.');
  return new Date(t).toISOString();
}

/**
 * A contract's terms as stored, each term checked on its own field (`methods`, `paths`,
 * `ratePerSecond`, `dailyQuota`, `expiresAt`, `legalBasis`). Problems go to `problems` when given
 * (the caller reports them with its own); without it, every problem is thrown at once.
 */
export function normaliseTerms(t: ContractTerms, problems?: Problems) {
  const found = problems ?? new Problems();
  const methods = found.check('methods', () => {
    const m = parseMethods(t.methods && t.methods.length ? t.methods : ['GET']);
    if (!m) throw invalid('invalid_methods', 'روش‌ها باید از GET، HEAD، POST، PUT، PATCH، DELETE، OPTIONS باشند.', 'Methods must be among GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (or *).');
    return m;
  });
  const paths = t.paths && t.paths.length ? t.paths.map((p) => String(p).trim()) : ['/**'];
  if (paths.length > MAX_PATTERNS) found.add('paths', invalid('too_many_paths', 'الگوهای مسیر بیش از اندازه است.', `At most ${MAX_PATTERNS} path patterns.`));
  else for (const p of paths) if (!parsePattern(p)) found.add('paths', invalid('invalid_path_pattern', `الگوی مسیر ${p} درست نیست.`, `"${p}" is not a valid path pattern ("/a/*", "/a/{id}", "/a/**").`));
  const legalBasis = found.check('legalBasis', () => text(t.legalBasis, 500, 'legal_basis', !!t.legalBasisCoversPersonalData));
  const rate = found.check('ratePerSecond', () => (t.ratePerSecond === undefined ? DEFAULT_RATE_PER_SECOND : wholeNumber(t.ratePerSecond, 1, MAX_RATE_PER_SECOND, 'invalid_rate', 'The rate limit', 'شمار درخواست در ثانیه')));
  const quota = found.check('dailyQuota', () => (t.dailyQuota === undefined ? DEFAULT_DAILY_QUOTA : t.dailyQuota === null ? null : wholeNumber(t.dailyQuota, 1, MAX_DAILY_QUOTA, 'invalid_quota', 'The daily quota', 'سهمیهٔ روزانه')));
  const expires = found.check('expiresAt', () => parseExpiry(t.expiresAt));
  if (!problems) found.throwIfAny();
  return {
    methods: JSON.stringify(methods),
    paths: JSON.stringify([...new Set(paths)]),
    rate_per_second: rate!,
    daily_quota: quota!,
    expires_at: expires ?? null,
    legal_basis: legalBasis ?? null,
    legal_basis_personal: t.legalBasisCoversPersonalData ? 1 : 0,
  };
}

export class Contracts {
  constructor(
    private readonly db: store.ExchangeDb,
    private readonly changed: (kind: ChangeKind) => Promise<void>,
  ) {}

  /** A consumer applies; the contract waits for the provider's decision. */
  async apply(a: ContractApplication, actor: string): Promise<Contract> {
    return this.open(a, actor, 'pending');
  }

  /** The authority grants directly: active at once. */
  async grant(a: Omit<ContractApplication, 'purpose'> & { purpose?: string }, actor: string): Promise<Contract> {
    return this.open({ ...a, purpose: a.purpose ?? 'granted by the national authority' }, actor, 'active');
  }

  /** Opens a contract; every problem of the application is reported at once (see platform/problems.ts). */
  private async open(a: ContractApplication, actor: string, status: 'pending' | 'active'): Promise<Contract> {
    const problems = new Problems();
    const client = String(a.client ?? '').trim();
    const service = String(a.service ?? '').trim();
    const clientOk = !!parseSubsystemId(client);
    const serviceOk = !!parseServiceId(service);
    if (!clientOk) problems.add('client', invalid('invalid_subsystem_id', 'شناسهٔ زیرسامانهٔ مصرف‌کننده درست نیست.', `"${client}" is not a valid subsystem id (INSTANCE/CLASS/MEMBER/SUBSYSTEM).`));
    if (!serviceOk) problems.add('service', invalid('invalid_service_id', 'شناسهٔ سرویس درست نیست.', `"${service}" is not a valid service id (INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE).`));
    // The sandbox (synthetic data, self-service keys) and production never meet, in either direction.
    if (clientOk && serviceOk && isSandboxId(client) !== isSandboxId(service)) {
      problems.add('service', invalid('sandbox_boundary', 'قرارداد میان محیط آزمایشی (سندباکس) و محیط اصلی ممکن نیست.', `A contract cannot cross between the sandbox instance (${SANDBOX_INSTANCE}) and production: ${client} → ${service}.`));
    }
    const terms = normaliseTerms(a, problems);
    const purposeText = problems.check('purpose', () => text(a.purpose, 500, 'purpose', true));
    if (clientOk && !(await this.db.selectFrom('exchange_subsystems').select('id').where('id', '=', client).executeTakeFirst())) problems.add('client', notFound({ fa: `زیرسامانه ${client}`, en: `The subsystem ${client}` }));
    if (serviceOk && !(await this.db.selectFrom('exchange_services').select('id').where('id', '=', service).executeTakeFirst())) problems.add('service', notFound({ fa: `سرویس ${service}`, en: `The service ${service}` }));
    problems.throwIfAny();
    const purpose = purposeText!;
    const now = nowIso();
    try {
      const row = await this.db.transaction().execute(async (tx) => {
        // An active contract past its expiry no longer blocks a new one.
        await tx.updateTable('exchange_contracts').set({ status: 'expired' }).where('client', '=', client).where('service', '=', service).where('status', '=', 'active').where('expires_at', '<=', now).execute();
        const open = await tx.selectFrom('exchange_contracts').select(['id', 'status']).where('client', '=', client).where('service', '=', service).where('status', 'in', ['pending', 'active']).executeTakeFirst();
        if (open) throw conflict('contract_exists', 'برای این مصرف‌کننده و سرویس پیش‌تر قراردادی باز است.', `Contract ${open.id} (${open.status}) is already open for this consumer and service; revoke it first.`);
        const inserted = await tx
          .insertInto('exchange_contracts')
          .values({ client, service, purpose, ...terms, status, requested_at: now, requested_by: actor, decided_at: status === 'active' ? now : null, decided_by: status === 'active' ? actor : null, decision_reason: null, revoked_at: null, revoked_by: null })
          .returningAll()
          .executeTakeFirstOrThrow();
        await store.bump(tx, 'contracts');
        await writeAudit(tx, { actor, action: status === 'active' ? 'exchange.contract.grant' : 'exchange.contract.apply', subject: `contract:${inserted.id}`, detail: { client, service, purpose, ...terms } });
        return inserted;
      });
      await this.changed('contracts');
      return store.toContract(row);
    } catch (e) {
      if (e instanceof AppError) throw e;
      if (/unique|duplicate/i.test(String((e as Error)?.message))) throw conflict('contract_exists', 'برای این مصرف‌کننده و سرویس پیش‌تر قراردادی باز است.', 'A contract is already open for this consumer and service.');
      throw e;
    }
  }

  /** The provider (or the authority) approves a pending contract, optionally changing its terms. */
  async approve(id: number, who: Decider, terms: ContractTerms = {}): Promise<Contract> {
    const c = await this.pendingFor(id, who);
    const changes = Object.keys(terms).length ? normaliseTerms({ ...this.termsOf(c), ...terms }) : {};
    return this.decide(id, who, 'exchange.contract.approve', { status: 'active', ...changes, decided_at: nowIso(), decided_by: who.actor }, ['pending']);
  }

  async reject(id: number, who: Decider, reason: string): Promise<Contract> {
    await this.pendingFor(id, who);
    const why = text(reason, 500, 'reason', false);
    return this.decide(id, who, 'exchange.contract.reject', { status: 'rejected', decided_at: nowIso(), decided_by: who.actor, decision_reason: why }, ['pending']);
  }

  /** Ends an active or pending contract; calls stop on every node within the sync interval. */
  async revoke(id: number, who: Decider): Promise<Contract> {
    const c = await this.get(id);
    if (!c) throw notFound({ fa: `قرارداد ${id}`, en: `Contract ${id}` });
    this.checkProvider(c, who);
    if (c.status !== 'active' && c.status !== 'pending') throw conflict('contract_not_open', 'این قرارداد باز نیست.', `Contract ${id} is ${c.status}, not active or pending.`);
    return this.decide(id, who, 'exchange.contract.revoke', { status: 'revoked', revoked_at: nowIso(), revoked_by: who.actor }, ['active', 'pending']);
  }

  /** Revokes the open contract of a consumer for a service. */
  async revokeFor(client: string, service: string, who: Decider): Promise<Contract> {
    const open = await this.db.selectFrom('exchange_contracts').select('id').where('client', '=', client).where('service', '=', service).where('status', 'in', ['pending', 'active']).executeTakeFirst();
    if (!open) throw notFound({ fa: 'قرارداد باز این مصرف‌کننده و سرویس', en: `An open contract of ${client} for ${service}` });
    return this.revoke(Number(open.id), who);
  }

  async get(id: number): Promise<Contract | undefined> {
    if (!Number.isInteger(id) || id < 1) return undefined;
    const row = await this.db.selectFrom('exchange_contracts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? store.toContract(row) : undefined;
  }

  async list(filter: { client?: string; service?: string; provider?: string; status?: string } = {}): Promise<Contract[]> {
    let q = this.db.selectFrom('exchange_contracts').selectAll().orderBy('id');
    if (filter.client) q = q.where('client', '=', filter.client);
    if (filter.service) q = q.where('service', '=', filter.service);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.provider) q = q.where('service', 'like', `${filter.provider}/%`);
    return (await q.execute()).map(store.toContract);
  }

  private termsOf(c: Contract): ContractTerms {
    return { methods: c.methods, paths: c.paths, ratePerSecond: c.ratePerSecond, dailyQuota: c.dailyQuota, expiresAt: c.expiresAt, legalBasis: c.legalBasis, legalBasisCoversPersonalData: c.legalBasisCoversPersonalData };
  }

  private checkProvider(c: Contract, who: Decider): void {
    const id = parseServiceId(c.service);
    if (who.provider && (!id || memberOf(id) !== who.provider)) throw forbidden();
  }

  private async pendingFor(id: number, who: Decider): Promise<Contract> {
    const c = await this.get(id);
    if (!c) throw notFound({ fa: `قرارداد ${id}`, en: `Contract ${id}` });
    this.checkProvider(c, who);
    if (c.status !== 'pending') throw conflict('contract_not_pending', 'این قرارداد در انتظار تصمیم نیست.', `Contract ${id} is ${c.status}, not pending.`);
    return c;
  }

  /** Applies a decision if the contract is still in one of the `from` states (another node may have decided first). */
  private async decide(id: number, who: Decider, action: string, set: Record<string, unknown>, from: string[]): Promise<Contract> {
    const row = await this.db.transaction().execute(async (tx) => {
      const updated = await tx.updateTable('exchange_contracts').set(set).where('id', '=', id).where('status', 'in', from).returningAll().executeTakeFirst();
      if (!updated) throw conflict('contract_changed', 'وضعیت این قرارداد همین حالا تغییر کرد.', `Contract ${id} changed meanwhile; look at it again.`);
      await store.bump(tx, 'contracts');
      await writeAudit(tx, { actor: who.actor, action, subject: `contract:${id}`, detail: { client: updated.client, service: updated.service, ...set } });
      return updated;
    });
    await this.changed('contracts');
    return store.toContract(row);
  }
}
