import type { Kysely } from 'kysely';
import { writeAudit } from '../platform/audit.js';
import { AppError, invalid } from '../platform/errors.js';
import { parseForeignNationalCode, parseMobile, parseNationalCode } from '../platform/national-code.js';
import { OneTimeCodes, OTP_TTL_MS } from './otp.js';
import { LOA_SUBSTANTIAL, type People } from './people.js';
import type { MessageSender, MobileOwnershipRegister } from './ports.js';
import { Throttle } from './throttle.js';

/**
 * Sign-in with the national code and a mobile registered to it, then a one-time code by SMS. The
 * answer to the first step is the same whether or not the pair matches (a code is "sent" either
 * way, but only a matching pair gets a real one), so the form cannot be used to learn who owns
 * which number. Every attempt, good or bad, is recorded with its address and user agent.
 */

export interface Meta {
  ip: string | null;
  userAgent: string | null;
  clientId?: string | null;
}

export interface SignInLimits {
  codesPerPersonPerHour: number;
  codesPerMobilePerHour: number;
  codesPerAddressPerHour: number;
  failuresPerAddressPer15Min: number;
}

export const DEFAULT_LIMITS: SignInLimits = { codesPerPersonPerHour: 5, codesPerMobilePerHour: 5, codesPerAddressPerHour: 30, failuresPerAddressPer15Min: 20 };

const HOUR = 3_600_000;

export const throttled = (): AppError =>
  new AppError(429, 'too_many_attempts', { fa: 'تلاش‌های زیادی انجام شده است؛ چند دقیقه بعد دوباره تلاش کنید.', en: 'Too many attempts; try again in a few minutes.' });

const OTP_ERRORS = {
  wrong: { code: 'otp_wrong', fa: 'کد یک‌بارمصرف درست نیست.', en: 'The one-time code is not right.' },
  expired: { code: 'otp_expired', fa: 'کد یک‌بارمصرف منقضی شده است؛ کد تازه بخواهید.', en: 'The one-time code has expired; ask for a new one.' },
  used: { code: 'otp_used', fa: 'این کد قبلاً به کار رفته است؛ کد تازه بخواهید.', en: 'This code has already been used; ask for a new one.' },
  locked: { code: 'otp_locked', fa: 'به دلیل تلاش‌های نادرست پیاپی این کد باطل شد؛ کد تازه بخواهید.', en: 'After repeated wrong tries this code is no longer valid; ask for a new one.' },
  unknown: { code: 'otp_unknown', fa: 'درخواست ورود پیدا نشد؛ دوباره شروع کنید.', en: 'The sign-in request was not found; start again.' },
} as const;

/** A national code or a resident foreign national's code, Persian digits accepted; a clear error otherwise. */
export function parsePersonCode(raw: string): string {
  const s = (raw ?? '').trim();
  const code = parseNationalCode(s) ?? parseForeignNationalCode(s);
  if (code) return code;
  throw invalid('invalid_national_code', 'کد ملی باید ۱۰ رقم با رقم کنترل درست باشد (یا کد فراگیر ۱۲ رقمی اتباع).', 'A national code is 10 digits with a valid check digit (or a 12-digit foreign national code).');
}

export function parseMobileNumber(raw: string): string {
  const m = parseMobile(raw ?? '');
  if (m) return m;
  throw invalid('invalid_mobile', 'شماره همراه باید به شکل ۰۹xxxxxxxxx باشد.', 'A mobile number looks like 09xxxxxxxxx.');
}

export class SignIn {
  readonly codes: OneTimeCodes;
  readonly throttle: Throttle;

  constructor(
    private readonly db: Kysely<any>,
    private readonly people: People,
    private readonly mobiles: MobileOwnershipRegister,
    private readonly messages: MessageSender,
    pepper: () => Promise<string>,
    private readonly limits: SignInLimits = DEFAULT_LIMITS,
    private readonly onSendError: (e: unknown) => void = () => undefined,
  ) {
    this.codes = new OneTimeCodes(db, pepper);
    this.throttle = new Throttle(db);
  }

  /** Step one: returns the id of the code to check next. Throws 400 for malformed input and 429 when throttled. */
  async requestCode(rawNationalCode: string, rawMobile: string, meta: Meta): Promise<{ otpId: string; mobile: string }> {
    const nationalCode = parsePersonCode(rawNationalCode);
    const mobile = parseMobileNumber(rawMobile);
    const keys = [`otp-send:person:${nationalCode}`, `otp-send:mobile:${mobile}`, `otp-send:ip:${meta.ip ?? '-'}`];
    const over = await this.throttle.exceeded([
      { key: keys[0]!, max: this.limits.codesPerPersonPerHour, windowMs: HOUR },
      { key: keys[1]!, max: this.limits.codesPerMobilePerHour, windowMs: HOUR },
      { key: keys[2]!, max: this.limits.codesPerAddressPerHour, windowMs: HOUR },
    ]);
    if (over) {
      await this.fail(nationalCode, 'otp', `throttled: ${over.key.split(':')[1]}`, meta);
      throw throttled();
    }
    await this.throttle.hit(keys);
    const [person, owns] = await Promise.all([this.people.registry.person(nationalCode), this.mobiles.isRegisteredTo(mobile, nationalCode)]);
    const deliverable = !!person?.alive && owns;
    // A pair that does not match gets a code row too, one that no code matches: this request can never succeed.
    const { id, code } = await this.codes.issue(nationalCode, mobile, meta.ip, deliverable);
    // The same writes either way, a row in the person's sign-in log and one in the audit log, so that the
    // answer takes as long for a pair that matches as for one that does not (it said nothing different).
    const reason = deliverable ? null : !person ? 'not in the civil registry' : !person.alive ? 'deceased in the civil registry' : 'mobile not registered to this national code';
    await this.people.recordSignIn(nationalCode, { method: 'otp', outcome: deliverable ? 'code_sent' : 'failure', reason, clientId: meta.clientId ?? null, acr: null, ip: meta.ip, userAgent: meta.userAgent });
    await writeAudit(this.db, {
      actor: `person:${nationalCode}`,
      action: deliverable ? 'identity.otp.sent' : 'identity.signin.failed',
      subject: `person:${nationalCode}`,
      detail: deliverable ? { mobile: maskMobile(mobile), clientId: meta.clientId ?? null } : { method: 'otp', reason, clientId: meta.clientId ?? null },
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    if (deliverable) {
      // Sent last and without waiting: neither a slow SMS gateway nor the sending's own work may make a
      // matching pair answer slower than a non-matching one.
      this.messages
        .send({ channel: 'sms', to: mobile, purpose: 'sign-in', body: `پنجره: کد ورود شما ${code}\nPanjareh sign-in code: ${code}\nاین کد را به کسی ندهید.` })
        .catch((e) => this.onSendError(e));
    }
    return { otpId: id, mobile };
  }

  /** Step two: the code. On success returns the login for the provider; each failure is recorded and counted. */
  async verifyCode(otpId: string, rawCode: string, meta: Meta): Promise<{ nationalCode: string; accountId: string; acr: string; amr: string[] }> {
    const failKey = `otp-fail:ip:${meta.ip ?? '-'}`;
    if (await this.throttle.exceeded([{ key: failKey, max: this.limits.failuresPerAddressPer15Min, windowMs: 15 * 60_000 }])) {
      await this.fail(null, 'otp', 'throttled: failures from this address', meta);
      throw throttled();
    }
    const code = (rawCode ?? '').replace(/[۰-۹]/g, (d) => String('۰۱۲۳۴۵۶۷۸۹'.indexOf(d))).replace(/[٠-٩]/g, (d) => String('٠١٢٣٤٥٦٧٨٩'.indexOf(d))).replace(/\s/g, '');
    const r = await this.codes.check(otpId, code);
    if (!r.ok) {
      await this.throttle.hit([failKey]);
      await this.fail(r.nationalCode ?? null, 'otp', `code ${r.reason}`, meta);
      const m = OTP_ERRORS[r.reason];
      throw new AppError(r.reason === 'locked' ? 429 : 400, m.code, { fa: m.fa, en: m.en }, { triesLeft: r.triesLeft });
    }
    const accountId = await this.people.subjectOf(r.nationalCode);
    await this.people.setMobile(r.nationalCode, r.mobile);
    await this.succeed(r.nationalCode, 'otp', LOA_SUBSTANTIAL, meta);
    return { nationalCode: r.nationalCode, accountId, acr: LOA_SUBSTANTIAL, amr: ['otp', 'sms'] };
  }

  async succeed(nationalCode: string, method: string, acr: string, meta: Meta): Promise<void> {
    await this.people.recordSignIn(nationalCode, { method, outcome: 'success', reason: null, clientId: meta.clientId ?? null, acr, ip: meta.ip, userAgent: meta.userAgent });
    await writeAudit(this.db, { actor: `person:${nationalCode}`, action: 'identity.signin', subject: `person:${nationalCode}`, detail: { method, acr, clientId: meta.clientId ?? null }, ip: meta.ip, userAgent: meta.userAgent });
  }

  async fail(nationalCode: string | null, method: string, reason: string, meta: Meta): Promise<void> {
    await this.people.recordSignIn(nationalCode, { method, outcome: 'failure', reason, clientId: meta.clientId ?? null, acr: null, ip: meta.ip, userAgent: meta.userAgent });
    await writeAudit(this.db, { actor: nationalCode ? `person:${nationalCode}` : 'anonymous', action: 'identity.signin.failed', subject: nationalCode ? `person:${nationalCode}` : 'identity', detail: { method, reason, clientId: meta.clientId ?? null }, ip: meta.ip, userAgent: meta.userAgent });
  }
}

export const maskMobile = (m: string): string => `${m.slice(0, 4)}***${m.slice(-4)}`;
export const OTP_MINUTES = OTP_TTL_MS / 60_000;
