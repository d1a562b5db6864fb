import { createHmac, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';

/**
 * One-time sign-in codes: 6 digits, valid 2 minutes, used once, at most 5 tries. A code is stored only
 * as an HMAC under a platform secret: a copy of the database alone does not let anyone try the
 * million candidates offline.
 */

export const OTP_DIGITS = 6;
export const OTP_TTL_MS = 2 * 60_000;
export const OTP_MAX_TRIES = 5;

interface OtpTables {
  identity_otps: {
    id: string;
    national_code: string;
    mobile: string;
    code_hash: string;
    created_at: string;
    expires_at: string;
    attempts: number;
    used_at: string | null;
    ip: string | null;
  };
}

export type OtpCheck = { ok: true; nationalCode: string; mobile: string } | { ok: false; reason: 'expired' | 'used' | 'locked' | 'wrong' | 'unknown'; triesLeft: number; nationalCode?: string };

export class OneTimeCodes {
  private readonly db: Kysely<OtpTables>;

  constructor(
    db: Kysely<any>,
    private readonly pepper: () => Promise<string>,
  ) {
    this.db = db as Kysely<OtpTables>;
  }

  private async hash(id: string, code: string): Promise<string> {
    return createHmac('sha256', await this.pepper()).update(`${id}:${code}`).digest('hex');
  }

  /**
   * Makes a code for this person and mobile; returns its id (kept by the sign-in) and the code (sent by
   * SMS, never stored). An undeliverable request (the pair does not match) gets a row all the same, with
   * the HMAC of a secret nobody holds, so that no code can ever match it, made by the same work.
   */
  async issue(nationalCode: string, mobile: string, ip: string | null, deliverable = true): Promise<{ id: string; code: string }> {
    const id = randomUUID();
    const code = String(randomInt(0, 10 ** OTP_DIGITS)).padStart(OTP_DIGITS, '0');
    const stored = deliverable ? code : randomBytes(32).toString('hex');
    const now = Date.now();
    await this.db
      .insertInto('identity_otps')
      .values({ id, national_code: nationalCode, mobile, code_hash: await this.hash(id, stored), created_at: new Date(now).toISOString(), expires_at: new Date(now + OTP_TTL_MS).toISOString(), attempts: 0, used_at: null, ip })
      .execute();
    // Codes long expired are of no further use; sweep them where new ones are made.
    await this.db.deleteFrom('identity_otps').where('expires_at', '<', new Date(now - 86_400_000).toISOString()).execute();
    return { id, code };
  }

  /**
   * Checks a code. Each try is counted before the comparison (in one conditional update, so two nodes
   * cannot both spend the last try); the 6th try of a code finds it locked, even with the right code.
   */
  async check(id: string, code: string): Promise<OtpCheck> {
    const row = await this.db.selectFrom('identity_otps').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return { ok: false, reason: 'unknown', triesLeft: 0 };
    const nationalCode = row.national_code;
    if (row.used_at) return { ok: false, reason: 'used', triesLeft: 0, nationalCode };
    if (row.attempts >= OTP_MAX_TRIES) return { ok: false, reason: 'locked', triesLeft: 0, nationalCode };
    if (row.expires_at <= new Date().toISOString()) return { ok: false, reason: 'expired', triesLeft: 0, nationalCode };
    const counted = await this.db.updateTable('identity_otps').set({ attempts: row.attempts + 1 }).where('id', '=', id).where('attempts', '=', row.attempts).where('used_at', 'is', null).executeTakeFirst();
    if (Number(counted.numUpdatedRows) !== 1) return this.check(id, code);
    const triesLeft = OTP_MAX_TRIES - row.attempts - 1;
    const expected = Buffer.from(row.code_hash, 'hex');
    const actual = Buffer.from(await this.hash(id, /^\d{6}$/.test(code) ? code : 'x'), 'hex');
    if (!timingSafeEqual(expected, actual)) return { ok: false, reason: 'wrong', triesLeft, nationalCode };
    const used = await this.db.updateTable('identity_otps').set({ used_at: new Date().toISOString() }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) return { ok: false, reason: 'used', triesLeft: 0, nationalCode };
    return { ok: true, nationalCode: row.national_code, mobile: row.mobile };
  }
}
