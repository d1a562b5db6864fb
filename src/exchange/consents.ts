import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, jwtVerify } from 'jose';
import { writeAudit } from '../platform/audit.js';
import { nowIso } from '../platform/db.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../platform/errors.js';
import type { KeyStore } from '../platform/keys.js';
import { parsePersonCode } from '../platform/national-code.js';
import { normalizeText } from '../platform/text.js';
import { parseExpiry } from './contracts.js';
import { parseServiceId, parseSubsystemId } from './ids.js';
import { VerificationKeyCache } from './key-cache.js';
import type { Consent } from './model.js';
import type { ExchangeState } from './state.js';
import * as store from './store.js';
import type { ChangeKind } from './tables.js';

/**
 * Consent: a person allows a consumer subsystem to read their data from named services, for a
 * purpose, until a date. The consumer asks (`request`), the person approves while signed in
 * (`approve`, which returns the consent token) or rejects, and may revoke at any time. The token is
 * a JWS signed by the platform (EdDSA, key purpose `exchange-consent` in the platform's key store):
 *
 *   header  { alg: "EdDSA", kid, typ: "consent+jwt" }
 *   claims  { iss: PUBLIC_URL, aud: "urn:panjareh:exchange:consent", sub: <national code>,
 *             jti: <consent id>, client: <consumer subsystem>, services: [<service id>…],
 *             purpose, iat, exp }
 *
 * The gateway verifies it on every call (`ConsentVerifier`): signature, issuer, audience, expiry,
 * consumer, service and subject, and that the consent is not revoked. Revocations reach every node
 * through the `consents` version within the sync interval (250 ms by default), well within a second.
 */

export const CONSENT_KEY_PURPOSE = 'exchange-consent';
export const CONSENT_AUDIENCE = 'urn:panjareh:exchange:consent';
export const CONSENT_TYP = 'consent+jwt';
export const MAX_CONSENT_DAYS = 366;
/** Undecided requests one consumer may have open to one person. */
export const MAX_OPEN_REQUESTS = 5;
const MAX_TOKEN_LENGTH = 4096;
const KEY_RECHECK_MS = 5 * 60_000;
const TOKEN_FORM = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Signing and verification keys for consent tokens; the platform's key store by default, an HSM if a deployment needs one. */
export interface ConsentKeyProvider {
  signing(): Promise<{ kid: string; alg: string; privateKey: KeyObject }>;
  /** The public key for `kid`, or undefined if no such key verifies any more. */
  verification(kid: string): Promise<{ alg: string; publicKey: KeyObject } | undefined>;
}

export function keyStoreConsentKeys(keys: KeyStore): ConsentKeyProvider {
  return {
    async signing() {
      const k = await keys.active(CONSENT_KEY_PURPOSE, 'EdDSA');
      return { kid: k.kid, alg: k.alg, privateKey: k.privateKey };
    },
    async verification(kid) {
      const k = await keys.byKid(CONSENT_KEY_PURPOSE, 'EdDSA', kid);
      return k ? { alg: k.alg, publicKey: createPublicKey(k.privateKey) } : undefined;
    },
  };
}

export interface ConsentRequest {
  subject: string;
  client: string;
  services: string[];
  purpose: string;
  /** Date or date-time, at most a year ahead. */
  expiresAt: string;
}

export class Consents {
  constructor(
    private readonly db: store.ExchangeDb,
    private readonly keys: ConsentKeyProvider,
    private readonly issuer: string,
    private readonly changed: (kind: ChangeKind) => Promise<void>,
  ) {}

  /** A consumer asks a person for consent; nothing is allowed until the person approves. */
  async request(r: ConsentRequest, actor: string): Promise<Consent> {
    const person = parsePersonCode(String(r.subject ?? ''));
    if (!person) throw invalid('invalid_national_code', 'کد ملی درست نیست.', 'The subject must be a valid national code (or a 12-digit foreign national code).');
    const client = String(r.client ?? '').trim();
    if (!parseSubsystemId(client)) throw invalid('invalid_subsystem_id', 'شناسهٔ زیرسامانه درست نیست.', `"${client}" is not a valid subsystem id.`);
    const services = [...new Set((r.services ?? []).map((s) => String(s).trim()))];
    if (services.length === 0 || services.length > 20 || services.some((s) => !parseServiceId(s))) {
      throw invalid('invalid_services', 'فهرست سرویس‌ها درست نیست (۱ تا ۲۰ شناسهٔ سرویس).', 'Name 1 to 20 valid service ids.');
    }
    const purpose = normalizeText(String(r.purpose ?? '')).trim();
    if (purpose.length < 3 || purpose.length > 500) throw invalid('invalid_purpose', 'هدف باید ۳ تا ۵۰۰ نویسه باشد.', 'The purpose must be 3 to 500 characters.');
    const expiresAt = parseExpiry(r.expiresAt);
    if (!expiresAt) throw invalid('expiry_required', 'تاریخ انقضای رضایت لازم است.', 'A consent needs an expiry.');
    if (Date.parse(expiresAt) > Date.now() + MAX_CONSENT_DAYS * 86_400_000) throw invalid('expiry_too_far', 'رضایت حداکثر یک سال اعتبار دارد.', `A consent lasts at most ${MAX_CONSENT_DAYS} days.`);
    if (!(await this.db.selectFrom('exchange_subsystems').select('id').where('id', '=', client).executeTakeFirst())) throw notFound({ fa: `زیرسامانه ${client}`, en: `The subsystem ${client}` });
    const known = await this.db.selectFrom('exchange_services').select('id').where('id', 'in', services).execute();
    if (known.length !== services.length) throw invalid('unknown_service', 'یکی از سرویس‌ها ثبت نشده است.', `Unknown service(s): ${services.filter((s) => !known.some((k) => k.id === s)).join(', ')}.`);
    const row = { id: randomUUID(), subject: person.code, client, services: JSON.stringify(services), purpose, status: 'requested', expires_at: expiresAt, created_at: nowIso(), decided_at: null, revoked_at: null };
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('exchange_consents').values(row).execute();
      await writeAudit(tx, { actor, action: 'exchange.consent.request', subject: `consent:${row.id}`, detail: { client, services, purpose, expiresAt } });
    });
    return store.toConsent(row);
  }

  /** The person (signed in as `subject`) approves; returns the consent and its token. */
  async approve(id: string, subject: string): Promise<{ consent: Consent; token: string }> {
    const c = await this.ownedBy(id, subject);
    if (c.status !== 'requested') throw conflict('consent_not_requested', 'این درخواست رضایت در انتظار تصمیم نیست.', `Consent ${id} is ${c.status}.`);
    if (Date.parse(c.expiresAt) <= Date.now()) throw conflict('consent_expired', 'مهلت این درخواست رضایت گذشته است.', `Consent ${id} has expired.`);
    const consent = await this.decide(id, subject, { status: 'active', decided_at: nowIso() }, 'requested', 'exchange.consent.approve');
    return { consent, token: await this.sign(consent) };
  }

  async reject(id: string, subject: string): Promise<Consent> {
    const c = await this.ownedBy(id, subject);
    if (c.status !== 'requested') throw conflict('consent_not_requested', 'این درخواست رضایت در انتظار تصمیم نیست.', `Consent ${id} is ${c.status}.`);
    return this.decide(id, subject, { status: 'rejected', decided_at: nowIso() }, 'requested', 'exchange.consent.reject');
  }

  /** The person revokes (or the authority, when `subject` is omitted); every node refuses the token within the sync interval. */
  async revoke(id: string, by: { subject?: string; actor: string }): Promise<Consent> {
    const c = by.subject ? await this.ownedBy(id, by.subject) : await this.get(id);
    if (!c) throw notFound({ fa: 'رضایت', en: `Consent ${id}` });
    if (c.status !== 'active') throw conflict('consent_not_active', 'این رضایت فعال نیست.', `Consent ${id} is ${c.status}.`);
    const consent = await this.decide(id, by.actor, { status: 'revoked', revoked_at: nowIso() }, 'active', 'exchange.consent.revoke');
    await this.changed('consents');
    return consent;
  }

  /** A fresh token for an active consent (the consumer lost it, or the signing key rotated). */
  async token(id: string): Promise<string> {
    const c = await this.get(id);
    if (!c) throw notFound({ fa: 'رضایت', en: `Consent ${id}` });
    if (c.status !== 'active' || Date.parse(c.expiresAt) <= Date.now()) throw conflict('consent_not_active', 'این رضایت فعال نیست.', `Consent ${id} is not active.`);
    return this.sign(c);
  }

  /**
   * A consumer's own request, made through the business API with its exchange credential: only for
   * personal-data services it holds an active contract for (anything else could never be used and
   * would only trouble the person), and at most `MAX_OPEN_REQUESTS` undecided requests per consumer
   * and person, so a business cannot flood someone's list.
   */
  async requestAsConsumer(r: Omit<ConsentRequest, 'expiresAt'> & { days: number }): Promise<Consent> {
    const services = [...new Set((r.services ?? []).map((s) => String(s).trim()))];
    if (services.length === 0 || services.length > 20 || services.some((s) => !parseServiceId(s))) {
      throw invalid('invalid_services', 'فهرست سرویس‌ها درست نیست (۱ تا ۲۰ شناسهٔ سرویس).', 'Name 1 to 20 valid service ids.');
    }
    const days = Number(r.days);
    if (!Number.isInteger(days) || days < 1 || days > MAX_CONSENT_DAYS) throw invalid('invalid_days', `مدت رضایت باید ۱ تا ${MAX_CONSENT_DAYS} روز باشد.`, `days must be a whole number from 1 to ${MAX_CONSENT_DAYS}.`);
    const rows = await this.db.selectFrom('exchange_services').select(['id', 'classification', 'disabled_at']).where('id', 'in', services).execute();
    const contracted = new Set((await this.db.selectFrom('exchange_contracts').select('service').where('client', '=', r.client).where('status', '=', 'active').where('service', 'in', services).execute()).map((c) => c.service));
    for (const id of services) {
      const svc = rows.find((x) => x.id === id);
      if (!svc || svc.disabled_at !== null) throw invalid('unknown_service', 'یکی از سرویس‌ها ثبت نشده است.', `Unknown service: ${id}.`);
      if (svc.classification !== 'personal') throw invalid('not_personal_data', 'این سرویس اطلاعات شخصی نمی‌دهد و رضایت لازم ندارد.', `${id} does not return personal data; it needs no consent.`);
      if (!contracted.has(id)) throw new AppError(403, 'no_contract', { fa: 'برای این سرویس قرارداد فعالی ندارید.', en: `${r.client} has no active contract for ${id}.` });
    }
    const person = parsePersonCode(String(r.subject ?? ''));
    if (person) {
      const open = await this.db
        .selectFrom('exchange_consents')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('client', '=', r.client)
        .where('subject', '=', person.code)
        .where('status', '=', 'requested')
        .where('expires_at', '>', nowIso())
        .executeTakeFirstOrThrow();
      if (Number(open.n) >= MAX_OPEN_REQUESTS) throw conflict('too_many_requests', 'درخواست‌های بی‌پاسخ شما از این شخص بیش از حد است.', `${r.client} already has ${MAX_OPEN_REQUESTS} undecided requests to this person.`);
    }
    const expiresAt = new Date(Date.now() + days * 86_400_000).toISOString();
    return this.request({ subject: r.subject, client: r.client, services, purpose: r.purpose, expiresAt }, `exchange:${r.client}`);
  }

  async get(id: string): Promise<Consent | undefined> {
    if (typeof id !== 'string' || id.length > 64) return undefined;
    const row = await this.db.selectFrom('exchange_consents').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? store.toConsent(row) : undefined;
  }

  async list(filter: { subject?: string; client?: string; status?: string }): Promise<Consent[]> {
    let q = this.db.selectFrom('exchange_consents').selectAll().orderBy('created_at', 'desc');
    if (filter.subject) q = q.where('subject', '=', parsePersonCode(filter.subject)?.code ?? filter.subject);
    if (filter.client) q = q.where('client', '=', filter.client);
    if (filter.status) q = q.where('status', '=', filter.status);
    return (await q.limit(1000).execute()).map(store.toConsent);
  }

  private async ownedBy(id: string, subject: string): Promise<Consent> {
    const c = await this.get(id);
    if (!c) throw notFound({ fa: 'رضایت', en: `Consent ${id}` });
    if (c.subject !== parsePersonCode(subject)?.code) throw forbidden();
    return c;
  }

  private async decide(id: string, actor: string, set: { status: string; decided_at?: string; revoked_at?: string }, from: string, action: string): Promise<Consent> {
    const row = await this.db.transaction().execute(async (tx) => {
      const updated = await tx.updateTable('exchange_consents').set(set).where('id', '=', id).where('status', '=', from).returningAll().executeTakeFirst();
      if (!updated) throw conflict('consent_changed', 'وضعیت این رضایت همین حالا تغییر کرد.', `Consent ${id} changed meanwhile.`);
      if (set.status === 'revoked') await store.bump(tx, 'consents');
      await writeAudit(tx, { actor, action, subject: `consent:${id}`, detail: { client: updated.client, services: JSON.parse(updated.services) } });
      return updated;
    });
    return store.toConsent(row);
  }

  private async sign(c: Consent): Promise<string> {
    const key = await this.keys.signing();
    return new SignJWT({ client: c.client, services: c.services, purpose: c.purpose })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CONSENT_TYP })
      .setIssuer(this.issuer)
      .setAudience(CONSENT_AUDIENCE)
      .setSubject(c.subject)
      .setJti(c.id)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.parse(c.expiresAt) / 1000))
      .sign(key.privateKey);
  }
}

export type ConsentCheck = { ok: true; consentId: string } | { ok: false; reason: string; consentId: string | null };

interface VerifiedClaims {
  consentId: string;
  subject: string;
  client: string;
  services: ReadonlySet<string>;
  exp: number;
}

/**
 * Verifies consent tokens on the gateway's hot path. A token's signature is checked once and the
 * claims kept (up to `cacheSize` tokens); expiry, consumer, service, subject and revocation are
 * checked on every call against this node's memory. An unknown key id makes at most one key-store
 * read a second, so forged key ids cannot make every call read the database.
 */
export class ConsentVerifier {
  private readonly verified = new Map<string, VerifiedClaims>();
  private readonly publicKeys: VerificationKeyCache;

  constructor(
    private readonly state: ExchangeState,
    keys: ConsentKeyProvider,
    private readonly issuer: string,
    private readonly cacheSize = 10_000,
  ) {
    // Only EdDSA keys verify consent tokens; a key of another kind under a matching id is treated as unknown.
    this.publicKeys = new VerificationKeyCache(async (kid) => {
      const k = await keys.verification(kid);
      return k && k.alg === 'EdDSA' ? k.publicKey : undefined;
    }, KEY_RECHECK_MS);
  }

  /**
   * `subject`: the national code the request names, or (named indirectly, by a plate or a certificate
   * number) the people the owning agency resolved it to, of whom the consent's person must be one.
   */
  async verify(token: string, expect: { client: string; service: string; subject: string | readonly string[] | null }, now = Date.now()): Promise<ConsentCheck> {
    let claims = this.verified.get(token);
    if (!claims) {
      const fresh = await this.verifySignature(token, now);
      if (!fresh.ok) return fresh;
      claims = fresh.claims;
      if (this.verified.size >= this.cacheSize) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, claims);
    }
    const id = claims.consentId;
    if (claims.exp * 1000 <= now) return { ok: false, reason: 'the consent has expired', consentId: id };
    if (this.state.revokedConsents.has(id)) return { ok: false, reason: 'the consent has been revoked', consentId: id };
    if (claims.client !== expect.client) return { ok: false, reason: 'the consent was given to another consumer', consentId: id };
    if (!claims.services.has(expect.service)) return { ok: false, reason: 'the consent does not cover this service', consentId: id };
    const named = expect.subject;
    if (named === null || (typeof named === 'string' ? claims.subject !== named : !named.includes(claims.subject))) return { ok: false, reason: 'the consent is not for the person this request names', consentId: id };
    return { ok: true, consentId: id };
  }

  private async verifySignature(token: string, now: number): Promise<{ ok: true; claims: VerifiedClaims } | { ok: false; reason: string; consentId: null }> {
    const bad = (reason: string) => ({ ok: false as const, reason, consentId: null });
    if (token.length > MAX_TOKEN_LENGTH || !TOKEN_FORM.test(token)) return bad('the consent token is not a compact JWS');
    let kid: string | undefined;
    try {
      const h = decodeProtectedHeader(token);
      if (h.typ !== CONSENT_TYP || h.alg !== 'EdDSA' || typeof h.kid !== 'string') return bad('the consent token is not a Panjareh consent token');
      kid = h.kid;
    } catch {
      return bad('the consent token is not a compact JWS');
    }
    const key = await this.publicKeys.get(kid, now);
    if (!key) return bad('the consent token was not signed by a key of this platform');
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['EdDSA'], typ: CONSENT_TYP, issuer: this.issuer, audience: CONSENT_AUDIENCE, currentDate: new Date(now) });
      const services = payload.services;
      if (typeof payload.jti !== 'string' || typeof payload.sub !== 'string' || typeof payload.client !== 'string' || !Array.isArray(services) || typeof payload.exp !== 'number') return bad('the consent token lacks required claims');
      return { ok: true, claims: { consentId: payload.jti, subject: payload.sub, client: payload.client, services: new Set(services.map(String)), exp: payload.exp } };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') return bad('the consent has expired');
      return bad('the consent token signature or claims are not valid');
    }
  }

}
