import type { Kysely } from 'kysely';
import { writeAudit } from '../platform/audit.js';
import { AppError, invalid } from '../platform/errors.js';
import { LOA_HIGH, type People } from './people.js';
import { challengeOf, maskNationalCode, type Passkeys, type PasskeySignIn, type StoredPasskey } from './passkeys.js';
import { throttled, type Meta } from './signin.js';
import type { Throttle } from './throttle.js';

/**
 * The national identity's bookkeeping around the passkey service: signing a person in with a
 * passkey alone (level of assurance "high"), adding one from a signed-in session, and the records
 * both leave: the sign-in log (identity_sign_ins, method "passkey"), the audit log for every
 * success and every refusal, and a per-address count of failures (the same kind as for codes).
 */

export const PASSKEY_FAILURES_PER_ADDRESS_PER_15_MIN = 20;

export interface PasskeyLogin {
  nationalCode: string;
  /** The provider's account id (the person's subject). */
  accountId: string;
  acr: string;
  amr: string[];
}

/**
 * RFC 8176 method references for a passkey use. User verification is required (PIN or biometric on
 * the authenticator, over possession of the key): "mfa". The key itself: "hwk" when it stays in one
 * authenticator, "swk" when it is a synced passkey that a cloud account copies between devices.
 */
export function passkeyAmr(use: Pick<PasskeySignIn, 'deviceType'>): string[] {
  return [use.deviceType === 'singleDevice' ? 'hwk' : 'swk', 'mfa'];
}

const refusedPerson = () =>
  new AppError(403, 'passkey_refused', { fa: 'با این کلید عبور نمی‌توان وارد شد؛ با کد پیامکی وارد شوید.', en: 'This passkey cannot sign you in; sign in with a text-message code.' });
const wrongCeremony = () =>
  invalid('passkey_challenge', 'این درخواست کلید عبور برای این صفحهٔ ورود نیست؛ دوباره تلاش کنید.', 'This passkey request does not belong to this sign-in page; try again.');

export class PasskeyCeremonies {
  constructor(
    private readonly db: Kysely<any>,
    readonly passkeys: Passkeys,
    private readonly people: People,
    private readonly throttle: Throttle,
  ) {}

  /**
   * Signs a person in with a passkey alone. `expectedChallenge` binds the response to the ceremony
   * this browser began on this sign-in page (the routes keep it in a cookie of that page): a response
   * made for another page, or another browser, is refused before it is looked at.
   */
  async signIn(response: unknown, meta: Meta, expectedChallenge?: string | null): Promise<PasskeyLogin> {
    const failKey = `passkey-fail:ip:${meta.ip ?? '-'}`;
    const credentialId = (response as { id?: unknown } | null)?.id;
    if (await this.throttle.exceeded([{ key: failKey, max: PASSKEY_FAILURES_PER_ADDRESS_PER_15_MIN, windowMs: 15 * 60_000 }])) {
      await this.failed(null, 'throttled: failures from this address', credentialId, meta);
      throw throttled();
    }
    let use: PasskeySignIn;
    try {
      if (expectedChallenge !== undefined && (!expectedChallenge || challengeOf(response) !== expectedChallenge)) throw wrongCeremony();
      use = await this.passkeys.verifyAuthentication(response, { meta });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      await this.throttle.hit([failKey]);
      // A failed use of a known passkey goes into its owner's own sign-in log as well.
      await this.failed((await this.passkeys.ownerOf(credentialId)) ?? null, e.code, credentialId, meta);
      throw e;
    }
    // Who the person is comes from the civil registry every time: a passkey outlives no one.
    const person = await this.people.registry.person(use.nationalCode);
    if (!person?.alive) {
      await this.failed(use.nationalCode, person ? 'deceased in the civil registry' : 'not in the civil registry', use.credentialId, meta);
      throw refusedPerson();
    }
    const accountId = await this.people.subjectOf(use.nationalCode);
    const amr = passkeyAmr(use);
    await this.people.recordSignIn(use.nationalCode, { method: 'passkey', outcome: 'success', reason: null, clientId: meta.clientId ?? null, acr: LOA_HIGH, ip: meta.ip, userAgent: meta.userAgent });
    await writeAudit(this.db, {
      actor: `person:${use.nationalCode}`,
      action: 'identity.signin',
      subject: `person:${use.nationalCode}`,
      detail: { method: 'passkey', acr: LOA_HIGH, amr, credentialId: use.credentialId, clientId: meta.clientId ?? null },
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    return { nationalCode: use.nationalCode, accountId, acr: LOA_HIGH, amr };
  }

  private async failed(nationalCode: string | null, reason: string, credentialId: unknown, meta: Meta): Promise<void> {
    await this.people.recordSignIn(nationalCode, { method: 'passkey', outcome: 'failure', reason, clientId: meta.clientId ?? null, acr: null, ip: meta.ip, userAgent: meta.userAgent });
    await writeAudit(this.db, {
      actor: nationalCode ? `person:${nationalCode}` : 'anonymous',
      action: 'identity.signin.failed',
      subject: nationalCode ? `person:${nationalCode}` : 'identity',
      detail: { method: 'passkey', reason, credentialId: typeof credentialId === 'string' ? credentialId.slice(0, 200) : null, clientId: meta.clientId ?? null },
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
  }

  /** Options for adding a passkey to a signed-in person: the authenticator shows their registry name. */
  async registrationOptions(nationalCode: string) {
    const person = await this.people.registry.person(nationalCode);
    const displayName = person ? `${person.firstName.fa} ${person.lastName.fa}` : maskNationalCode(nationalCode);
    return this.passkeys.registrationOptions({ nationalCode, displayName });
  }

  /** Adds a passkey to a signed-in person; a refused one is audited too (success is audited by the service). */
  async add(nationalCode: string, response: unknown, o: { nickname?: string; meta: Meta }): Promise<StoredPasskey> {
    try {
      return await this.passkeys.verifyRegistration(nationalCode, response, { nickname: o.nickname, meta: o.meta });
    } catch (e) {
      if (e instanceof AppError) {
        await writeAudit(this.db, {
          actor: `person:${nationalCode}`,
          action: 'identity.passkey.add_failed',
          subject: `person:${nationalCode}`,
          detail: { reason: e.code },
          ip: o.meta.ip,
          userAgent: o.meta.userAgent,
        });
      }
      throw e;
    }
  }
}
