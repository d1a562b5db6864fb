import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { writeAudit } from '../platform/audit.js';
import { nowIso } from '../platform/db.js';
import { conflict, invalid, notFound } from '../platform/errors.js';
import { Problems } from '../platform/problems.js';
import { normalizeText } from '../platform/text.js';
import { parseExpiry } from './contracts.js';
import type { ApiKeyInfo } from './model.js';
import type { ExchangeState, LiveKey } from './state.js';
import * as store from './store.js';
import type { ChangeKind } from './tables.js';

/**
 * Credentials of consumer subsystems, and how the gateway authenticates a call.
 *
 * API keys: `pjx_<12 hex>_<43 base64url>` (256 random bits after a 48-bit public id). The key is
 * shown once; the database keeps its public prefix (`pjx_<12 hex>`, the lookup key) and a SHA-256 of
 * the whole key — a fast hash is right here because the key is random and long, not a password.
 * A subsystem may hold several active keys, so a new one can be rolled out before the old one is
 * revoked; a key may also carry an expiry.
 *
 * Authentication is one small step with a pluggable scheme: the gateway reads
 * `Authorization: <scheme> <credentials>` and asks the `Authenticator` registered for that scheme
 * (case-insensitively) who is calling. `ApiKey` is built in; a `Bearer` authenticator for
 * client-credentials tokens of the platform's OpenID provider implements the same interface and is
 * passed to the gateway through `Exchange.useAuthenticator`.
 */

export const MAX_ACTIVE_KEYS = 10;
const KEY_FORM = /^(pjx_[0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;

/** Who is calling, as a credential proved it. */
export interface Caller {
  /** The subsystem the credential belongs to: `INSTANCE/CLASS/MEMBER/SUBSYSTEM`. */
  subsystem: string;
  /** Which credential, for the audit log and logs: `apikey:12`, `bearer:<client_id>`. */
  credential: string;
}

export interface Authenticator {
  /** The `Authorization` scheme it reads, in lower case: `apikey`, `bearer`. */
  readonly scheme: string;
  /**
   * Who the credentials belong to, or null when they prove nothing (unknown, revoked, expired,
   * forged). Synchronous answers keep the hot path free of awaits; a token verifier may return a promise.
   */
  authenticate(credentials: string, now: number): Caller | null | Promise<Caller | null>;
}

export const hashKey = (key: string): Buffer => createHash('sha256').update(key).digest();

/** `Authorization: ApiKey <key>` against the keys this node holds in memory. */
export class ApiKeyAuthenticator implements Authenticator {
  readonly scheme = 'apikey';
  /**
   * Keys that hashed right, so a busy consumer's key is hashed once, not on every call. Emptied
   * whenever this node reloads its keys (a revocation anywhere), so nothing outlives a revocation.
   */
  private proven = new Map<string, { key: LiveKey; caller: Caller }>();
  private provenFor: ExchangeState['keys'] | null = null;

  constructor(private readonly state: ExchangeState) {}

  authenticate(credentials: string, now: number): Caller | null {
    if (this.provenFor !== this.state.keys) {
      this.proven = new Map();
      this.provenFor = this.state.keys;
    }
    const hit = this.proven.get(credentials);
    if (hit) return hit.key.expiresAt !== null && hit.key.expiresAt <= now ? null : hit.caller;
    const m = KEY_FORM.exec(credentials);
    if (!m) return null;
    const key = this.state.keys.get(m[1]!);
    if (!key || (key.expiresAt !== null && key.expiresAt <= now)) return null;
    if (!timingSafeEqual(hashKey(credentials), key.hash)) return null;
    const caller = { subsystem: key.subsystem, credential: `apikey:${key.id}` };
    if (this.proven.size < 10_000) this.proven.set(credentials, { key, caller });
    return caller;
  }
}

export class ApiKeys {
  constructor(
    private readonly db: store.ExchangeDb,
    private readonly changed: (kind: ChangeKind) => Promise<void>,
  ) {}

  /** Creates a key; the returned `key` is the only time it is ever seen. Problems of `subsystem` and `expiresAt` are reported together. */
  async create(subsystem: string, opts: { label?: string | null; expiresAt?: string | null }, actor: string): Promise<ApiKeyInfo & { key: string }> {
    const problems = new Problems();
    if (!(await this.db.selectFrom('exchange_subsystems').select('id').where('id', '=', subsystem).executeTakeFirst())) problems.add('subsystem', notFound({ fa: `زیرسامانه ${subsystem}`, en: `The subsystem ${subsystem}` }));
    const label = opts.label ? normalizeText(opts.label).trim().slice(0, 200) || null : null;
    const expiry = problems.check('expiresAt', () => parseExpiry(opts.expiresAt));
    problems.throwIfAny();
    const expiresAt = expiry ?? null;
    const prefix = `pjx_${randomBytes(6).toString('hex')}`;
    const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
    const now = nowIso();
    const row = await this.db.transaction().execute(async (tx) => {
      const active = await tx.selectFrom('exchange_api_keys').select((eb) => eb.fn.countAll<number>().as('n')).where('subsystem', '=', subsystem).where('revoked_at', 'is', null).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])).executeTakeFirstOrThrow();
      if (Number(active.n) >= MAX_ACTIVE_KEYS) throw conflict('too_many_keys', 'این زیرسامانه بیشترین شمار کلید فعال را دارد؛ یکی را باطل کنید.', `The subsystem already has ${MAX_ACTIVE_KEYS} active keys; revoke one first.`);
      const inserted = await tx
        .insertInto('exchange_api_keys')
        .values({ subsystem, prefix, secret_hash: hashKey(key).toString('hex'), label, created_at: now, created_by: actor, expires_at: expiresAt, revoked_at: null, revoked_by: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      await store.bump(tx, 'keys');
      await writeAudit(tx, { actor, action: 'exchange.key.create', subject: subsystem, detail: { keyId: Number(inserted.id), prefix, label, expiresAt } });
      return inserted;
    });
    await this.changed('keys');
    return { ...store.toKey(row), key };
  }

  async revoke(id: number, actor: string, subsystem?: string): Promise<ApiKeyInfo> {
    if (!Number.isInteger(id) || id < 1) throw invalid('invalid_key_id', 'شناسهٔ کلید درست نیست.', 'The key id must be a positive whole number.');
    const row = await this.db.transaction().execute(async (tx) => {
      const found = await tx.selectFrom('exchange_api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      if (!found || (subsystem && found.subsystem !== subsystem)) throw notFound({ fa: `کلید ${id}`, en: `Key ${id}` });
      if (found.revoked_at) throw conflict('key_revoked', 'این کلید پیش‌تر باطل شده است.', `Key ${id} is already revoked.`);
      const updated = await tx.updateTable('exchange_api_keys').set({ revoked_at: nowIso(), revoked_by: actor }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await store.bump(tx, 'keys');
      await writeAudit(tx, { actor, action: 'exchange.key.revoke', subject: found.subsystem, detail: { keyId: id, prefix: found.prefix } });
      return updated;
    });
    await this.changed('keys');
    return store.toKey(row);
  }

  async list(subsystem?: string): Promise<ApiKeyInfo[]> {
    let q = this.db.selectFrom('exchange_api_keys').selectAll().orderBy('id');
    if (subsystem) q = q.where('subsystem', '=', subsystem);
    return (await q.execute()).map(store.toKey);
  }
}
