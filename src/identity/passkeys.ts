import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { writeAudit } from '../platform/audit.js';
import { AppError, conflict, invalid, notFound } from '../platform/errors.js';
import { PasskeyStore, type ChallengePurpose, type PasskeyRow, type PasskeyTables } from './passkeys-store.js';

export { passkeyMigrations } from './passkeys-migrations.js';
export { authenticationResponseSchema, registrationResponseSchema } from './passkeys-schemas.js';

/**
 * Passkeys (WebAuthn) for the national identity. The relying party is the platform's own address
 * (PUBLIC_URL): its host name is the RP ID, its origin the only origin accepted. Every ceremony's
 * challenge is stored in the database with an expiry and deleted when presented, so any node can
 * finish a ceremony another began, and no challenge is good twice, not even after a failed try.
 *
 * User verification (PIN, fingerprint, face) is required at registration and at every sign-in: a
 * passkey then stands for possession and the person, the assurance level "high". Credentials must be
 * discoverable, so the sign-in page can offer "sign in with a passkey" before anyone types a code.
 */

export const PASSKEY_RP_NAME = 'پنجره / Panjareh';
/** How long a ceremony may take (browsers show their own prompt for about this long). */
export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60_000;
/** Enough for a person's phones, laptops and keys; a bound on what one person can store. */
export const MAX_PASSKEYS_PER_PERSON = 10;

const TRANSPORTS: readonly AuthenticatorTransportFuture[] = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'];

export interface StoredPasskey {
  credentialId: string;
  nationalCode: string;
  nickname: string | null;
  transports: AuthenticatorTransportFuture[];
  /** The authenticator model's AAGUID (all zeros when it does not say). */
  aaguid: string | null;
  /** multiDevice: a synced passkey (backed up to a cloud account); singleDevice: bound to one authenticator. */
  deviceType: 'singleDevice' | 'multiDevice' | null;
  backedUp: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface PasskeySignIn {
  nationalCode: string;
  credentialId: string;
  /** Always true (verification is required); there for the caller's acr/amr. */
  userVerified: boolean;
  /** What the authenticator says of this use: a synced passkey (multiDevice) or one bound to its device. */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
}

export interface PasskeyMeta {
  ip?: string | null;
  userAgent?: string | null;
}

export interface PasskeyConfig {
  /** The platform's PUBLIC_URL. */
  publicUrl: string;
  challengeTtlMs?: number;
}

const B64URL = /^[A-Za-z0-9_-]+={0,2}$/;

const errors = {
  invalid: () => invalid('passkey_invalid', 'پاسخ کلید عبور درست نیست.', 'The passkey response is not valid.'),
  challenge: () =>
    invalid('passkey_challenge', 'این درخواست کلید عبور منقضی شده یا پیش‌تر به کار رفته است؛ دوباره تلاش کنید.', 'This passkey request has expired or was already used; try again.'),
  unknown: () => invalid('passkey_unknown', 'این کلید عبور در پنجره ثبت نشده است.', 'This passkey is not registered with Panjareh.'),
  failed: () => invalid('passkey_failed', 'کلید عبور تأیید نشد.', 'The passkey could not be verified.'),
  counter: () =>
    invalid('passkey_counter', 'شمارندهٔ این کلید عبور عقب رفته است؛ ممکن است از آن رونوشت گرفته شده باشد. با کد پیامکی وارد شوید.', 'This passkey’s counter went backwards; it may have been copied. Sign in with a text-message code.'),
  exists: () => conflict('passkey_exists', 'این کلید عبور پیش‌تر ثبت شده است.', 'This passkey is already registered.'),
  limit: () => conflict('passkey_limit', `بیش از ${MAX_PASSKEYS_PER_PERSON} کلید عبور نمی‌توان داشت؛ یکی را حذف کنید.`, `You can have at most ${MAX_PASSKEYS_PER_PERSON} passkeys; remove one first.`),
};

/** The challenge a response answers, read from its clientDataJSON; undefined if it cannot be read. */
export function challengeOf(response: unknown): string | undefined {
  const raw = (response as { response?: { clientDataJSON?: unknown } } | null | undefined)?.response?.clientDataJSON;
  if (typeof raw !== 'string' || !B64URL.test(raw) || raw.length > 8192) return undefined;
  try {
    const c = (JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { challenge?: unknown }).challenge;
    return typeof c === 'string' && c.length > 0 && c.length <= 512 ? c : undefined;
  } catch {
    return undefined;
  }
}

function isResponse(r: unknown, fields: string[]): r is { id: string; rawId: string; type: string; response: Record<string, unknown> } {
  if (!r || typeof r !== 'object') return false;
  const o = r as Record<string, unknown>;
  if (typeof o.id !== 'string' || !B64URL.test(o.id) || o.id.length > 1400 || o.rawId !== o.id || o.type !== 'public-key') return false;
  const inner = o.response as Record<string, unknown> | undefined;
  return !!inner && typeof inner === 'object' && fields.every((f) => typeof inner[f] === 'string' && B64URL.test(inner[f] as string));
}

/** "0499370899" → "049***899": enough for a person to tell their own passkeys apart, little for whoever syncs them. */
export function maskNationalCode(code: string): string {
  return code.length > 6 ? `${code.slice(0, 3)}${'*'.repeat(code.length - 6)}${code.slice(-3)}` : '***';
}

function toStored(r: PasskeyRow): StoredPasskey {
  return {
    credentialId: r.credential_id,
    nationalCode: r.national_code,
    nickname: r.nickname,
    transports: JSON.parse(r.transports) as AuthenticatorTransportFuture[],
    aaguid: r.aaguid,
    deviceType: (r.device_type as StoredPasskey['deviceType']) ?? null,
    backedUp: !!r.backed_up,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  };
}

export class Passkeys {
  readonly rpID: string;
  readonly origin: string;
  private readonly store: PasskeyStore;
  private readonly ttlMs: number;

  constructor(
    private readonly db: Kysely<any>,
    config: PasskeyConfig,
  ) {
    const url = new URL(config.publicUrl);
    this.rpID = url.hostname;
    this.origin = url.origin;
    this.ttlMs = config.challengeTtlMs ?? PASSKEY_CHALLENGE_TTL_MS;
    this.store = new PasskeyStore(db);
  }

  private async issue(purpose: ChallengePurpose, nationalCode: string | null): Promise<string> {
    const challenge = randomBytes(32).toString('base64url');
    const now = Date.now();
    await this.store.saveChallenge({ challenge, purpose, national_code: nationalCode, created_at: new Date(now).toISOString(), expires_at: new Date(now + this.ttlMs).toISOString() });
    return challenge;
  }

  /** Spends the challenge a response answers: it must be ours, for this purpose, unexpired, and unused. */
  private async spend(response: { response?: { clientDataJSON?: unknown } }, purpose: ChallengePurpose): Promise<{ challenge: string; nationalCode: string | null }> {
    const challenge = challengeOf(response);
    if (!challenge) throw errors.invalid();
    const row = await this.store.takeChallenge(challenge);
    if (!row || row.purpose !== purpose || row.expires_at <= new Date().toISOString()) throw errors.challenge();
    return { challenge, nationalCode: row.national_code };
  }

  /** Options for navigator.credentials.create(): a new passkey for this person. */
  async registrationOptions(person: { nationalCode: string; displayName: string }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const now = new Date().toISOString();
    const handle = await this.store.ensureHandle(person.nationalCode, randomBytes(32).toString('base64url'), now);
    const existing = await this.store.credentialsOf(person.nationalCode);
    const challenge = await this.issue('registration', person.nationalCode);
    return generateRegistrationOptions({
      rpName: PASSKEY_RP_NAME,
      rpID: this.rpID,
      userID: Buffer.from(handle, 'base64url'),
      userName: maskNationalCode(person.nationalCode),
      userDisplayName: person.displayName,
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: this.ttlMs,
      attestationType: 'none',
      excludeCredentials: existing.map((c) => ({ id: c.credential_id, transports: JSON.parse(c.transports) as AuthenticatorTransportFuture[] })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    });
  }

  /** Checks what the browser sent back from create() and stores the passkey for this person. */
  async verifyRegistration(nationalCode: string, response: unknown, o: { nickname?: string; meta?: PasskeyMeta } = {}): Promise<StoredPasskey> {
    if (!isResponse(response, ['clientDataJSON', 'attestationObject'])) throw errors.invalid();
    const spent = await this.spend(response, 'registration');
    if (spent.nationalCode !== nationalCode) throw errors.challenge();
    let info;
    try {
      const v = await verifyRegistrationResponse({
        response: response as unknown as RegistrationResponseJSON,
        expectedChallenge: spent.challenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpID,
        requireUserPresence: true,
        requireUserVerification: true,
      });
      if (!v.verified) throw errors.failed();
      info = v.registrationInfo;
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw errors.failed();
    }
    // The library takes the id from the authenticator's data; the browser's must be the same.
    if (info.credential.id !== response.id) throw errors.failed();
    if (await this.store.credential(info.credential.id)) throw errors.exists();
    if ((await this.store.count(nationalCode)) >= MAX_PASSKEYS_PER_PERSON) throw errors.limit();
    const transports = [...new Set((info.credential.transports ?? []).filter((t) => TRANSPORTS.includes(t)))];
    const row: PasskeyRow = {
      credential_id: info.credential.id,
      national_code: nationalCode,
      public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: JSON.stringify(transports),
      aaguid: info.aaguid,
      device_type: info.credentialDeviceType,
      backed_up: info.credentialBackedUp ? 1 : 0,
      nickname: o.nickname?.trim().slice(0, 100) || null,
      created_at: new Date().toISOString(),
      last_used_at: null,
    };
    try {
      await (this.db as Kysely<PasskeyTables>).transaction().execute(async (trx) => {
        await this.store.insert(trx, row);
        await writeAudit(trx, { actor: `person:${nationalCode}`, action: 'identity.passkey.added', subject: `person:${nationalCode}`, detail: { credentialId: row.credential_id, aaguid: row.aaguid, deviceType: row.device_type }, ip: o.meta?.ip, userAgent: o.meta?.userAgent });
      });
    } catch (e) {
      // Another node stored the same credential a moment ago.
      if (await this.store.credential(row.credential_id)) throw errors.exists();
      throw e;
    }
    return toStored(row);
  }

  /**
   * Options for navigator.credentials.get(). Without a national code any passkey of this site may
   * answer (the browser lets the person pick one). With one, only that person's passkeys are
   * listed; that list tells whoever asks that the person has passkeys, so offer this only for a person
   * already identified (a step-up in a signed-in session), never for a national code typed in a form.
   */
  async authenticationOptions(nationalCode?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allow = nationalCode ? await this.store.credentialsOf(nationalCode) : [];
    const challenge = await this.issue('authentication', nationalCode ?? null);
    return generateAuthenticationOptions({
      rpID: this.rpID,
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: this.ttlMs,
      userVerification: 'required',
      allowCredentials: allow.map((c) => ({ id: c.credential_id, transports: JSON.parse(c.transports) as AuthenticatorTransportFuture[] })),
    });
  }

  /** Checks what the browser sent back from get(); on success the passkey's counter and last use are recorded. */
  async verifyAuthentication(response: unknown, o: { meta?: PasskeyMeta } = {}): Promise<PasskeySignIn> {
    if (!isResponse(response, ['clientDataJSON', 'authenticatorData', 'signature'])) throw errors.invalid();
    const spent = await this.spend(response, 'authentication');
    const cred = await this.store.credential(response.id);
    if (!cred) throw errors.unknown();
    if (spent.nationalCode && spent.nationalCode !== cred.national_code) throw errors.failed();
    // The user handle, when sent, must be the owner's; when no one was named beforehand it must be sent (WebAuthn §7.2).
    const userHandle = response.response.userHandle;
    if (userHandle !== undefined && userHandle !== null && userHandle !== '') {
      if (typeof userHandle !== 'string' || userHandle !== (await this.store.handleOf(cred.national_code))) throw errors.failed();
    } else if (!spent.nationalCode) {
      throw errors.failed();
    }
    let info;
    try {
      const v = await verifyAuthenticationResponse({
        response: response as unknown as AuthenticationResponseJSON,
        expectedChallenge: spent.challenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpID,
        credential: { id: cred.credential_id, publicKey: Buffer.from(cred.public_key, 'base64url'), counter: Number(cred.counter), transports: JSON.parse(cred.transports) as AuthenticatorTransportFuture[] },
        requireUserVerification: true,
      });
      if (!v.verified) throw errors.failed();
      info = v.authenticationInfo;
    } catch (e) {
      if (e instanceof AppError) throw e;
      if (/counter value/i.test((e as Error).message)) throw await this.counterRegression(cred, o.meta);
      throw errors.failed();
    }
    if (!(await this.store.recordUse(cred.credential_id, info.newCounter, new Date().toISOString()))) throw await this.counterRegression(cred, o.meta);
    return { nationalCode: cred.national_code, credentialId: cred.credential_id, userVerified: info.userVerified, deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp };
  }

  /**
   * A counting authenticator whose counter did not move forward may have been cloned. WebAuthn
   * (§7.2 step 22) leaves the response to the relying party: this one refuses the sign-in, keeps the
   * passkey (the person can remove it in My Panjareh) and writes the event to the audit log.
   */
  private async counterRegression(cred: PasskeyRow, meta?: PasskeyMeta): Promise<AppError> {
    await writeAudit(this.db, { actor: `person:${cred.national_code}`, action: 'identity.passkey.counter_regression', subject: `person:${cred.national_code}`, detail: { credentialId: cred.credential_id }, ip: meta?.ip, userAgent: meta?.userAgent });
    return errors.counter();
  }

  /** Whose passkey a credential id is (for the owner's sign-in log when a use of it fails); undefined when unknown. */
  async ownerOf(credentialId: unknown): Promise<string | undefined> {
    if (typeof credentialId !== 'string' || !B64URL.test(credentialId) || credentialId.length > 1400) return undefined;
    return (await this.store.credential(credentialId))?.national_code;
  }

  /** The person's passkeys, newest first. */
  async list(nationalCode: string): Promise<StoredPasskey[]> {
    return (await this.store.credentialsOf(nationalCode)).map(toStored);
  }

  /** Removes one of the person's own passkeys; another person's, or one that does not exist, is not found. */
  async remove(nationalCode: string, credentialId: string, o: { meta?: PasskeyMeta } = {}): Promise<void> {
    await (this.db as Kysely<PasskeyTables>).transaction().execute(async (trx) => {
      if (!(await this.store.remove(trx, nationalCode, credentialId))) throw notFound({ fa: 'کلید عبور', en: 'The passkey' });
      await writeAudit(trx, { actor: `person:${nationalCode}`, action: 'identity.passkey.removed', subject: `person:${nationalCode}`, detail: { credentialId }, ip: o.meta?.ip, userAgent: o.meta?.userAgent });
    });
  }
}
