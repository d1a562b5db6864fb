import { createHash, randomBytes } from 'node:crypto';
import type { Generated, Kysely, Selectable } from 'kysely';
import { writeAudit } from '../platform/audit.js';
import { nowIso } from '../platform/db.js';
import { AppError, conflict, invalid } from '../platform/errors.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';

/**
 * The operator's break-glass admin accounts: username and password, for when the national identity
 * cannot be used. Lock-out after repeated failures; sessions stored hashed in the database so any node
 * can serve any request. Everyone else on staff signs in with the national identity and holds a role
 * granted to their national code (staff-grants.ts).
 */

/** `caseworker`: handles one agency's online applications in the back office; never edits the catalogue. */
export type StaffRole = 'editor' | 'reviewer' | 'admin' | 'caseworker';
export const STAFF_ROLES: readonly StaffRole[] = ['editor', 'reviewer', 'admin', 'caseworker'];

export interface StaffTables {
  staff_users: {
    id: Generated<number>;
    username: string;
    password_hash: string;
    role: StaffRole;
    organization_code: string | null;
    display_name: string;
    failed_attempts: number;
    locked_until: string | null;
    created_at: string;
  };
  staff_sessions: { token_hash: string; user_id: number; created_at: string; expires_at: string; ip: string | null; user_agent: string | null };
}

export interface StaffUser {
  id: number;
  username: string;
  role: StaffRole;
  organization: string | null;
  displayName: string;
  /**
   * The organisations whose back office this person works in (their active caseworker grants),
   * whatever their highest role is: an agency's editor may also be one of its caseworkers.
   */
  caseworkerOf?: string[];
}

export const MAX_FAILED_ATTEMPTS = 5;
export const LOCK_MINUTES = 15;
export const SESSION_HOURS = 8;
const USERNAME = /^[a-z0-9][a-z0-9._-]{2,39}$/;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const toUser = (r: Selectable<StaffTables['staff_users']>): StaffUser => ({ id: r.id, username: r.username, role: r.role, organization: r.organization_code, displayName: r.display_name });

const BAD_LOGIN = new AppError(401, 'invalid_credentials', { fa: 'نام کاربری یا گذرواژه درست نیست.', en: 'The username or password is not right.' });
const LOCKED = new AppError(423, 'account_locked', {
  fa: `به دلیل تلاش‌های ناموفق پیاپی، این حساب برای ${LOCK_MINUTES} دقیقه قفل شده است.`,
  en: `After repeated failed attempts this account is locked for ${LOCK_MINUTES} minutes.`,
});

export interface RequestMeta {
  ip?: string | null;
  userAgent?: string | null;
}

export class StaffDirectory {
  private readonly db: Kysely<StaffTables>;
  constructor(
    db: Kysely<any>,
    /** Asks the catalogue whether an agency exists; identity does not read the catalogue's tables. */
    private readonly organizationExists: (code: string) => Promise<boolean>,
  ) {
    this.db = db as Kysely<StaffTables>;
  }

  async add(input: { username: string; password: string; role: string; organization?: string | null; displayName?: string }, actor = 'cli'): Promise<StaffUser> {
    const username = input.username.trim().toLowerCase();
    if (!USERNAME.test(username)) throw invalid('invalid_username', 'نام کاربری باید ۳ تا ۴۰ نویسه از حروف کوچک لاتین، رقم، نقطه، خط تیره یا زیرخط باشد.', 'A username is 3 to 40 characters: lowercase Latin letters, digits, dot, hyphen or underscore.');
    // Password accounts are only the operator's break-glass admins; every other role is a grant to a person (staff-grants.ts).
    if (input.role !== 'admin') throw invalid('break_glass_admin_only', 'حساب با گذرواژه فقط برای راهبر اضطراری است؛ نقش کارکنان را به کد ملی آن‌ها بدهید.', 'Password accounts are only for break-glass admins; grant staff roles to national codes (panjareh staff grant).');
    const role = input.role as StaffRole;
    if (input.password.length < 12 || input.password.length > 200) throw invalid('weak_password', 'گذرواژه باید دست‌کم ۱۲ نویسه باشد.', 'The password must be at least 12 characters long.');
    const organization = input.organization?.trim() || null;
    if (role === 'editor' && !organization) throw invalid('organization_required', 'ویراستار باید به یک سازمان تعلق داشته باشد.', 'An editor must belong to an organisation (--organization CODE).');
    if (role !== 'editor' && organization) throw invalid('organization_not_allowed', 'بازبین و مدیر به مرجع ملی تعلق دارند، نه به یک سازمان.', 'Reviewers and admins belong to the national authority, not to an organisation.');
    if (organization && !(await this.organizationExists(organization))) {
      throw invalid('unknown_organization', 'سازمان ناشناخته است.', `Unknown organisation "${organization}".`);
    }
    if (await this.db.selectFrom('staff_users').select('id').where('username', '=', username).executeTakeFirst()) throw conflict('username_taken', 'این نام کاربری قبلاً ثبت شده است.', `The username "${username}" is taken.`);
    const password_hash = await hashPassword(input.password);
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('staff_users')
        .values({ username, password_hash, role, organization_code: organization, display_name: input.displayName?.trim() || username, failed_attempts: 0, locked_until: null, created_at: nowIso() })
        .returningAll()
        .executeTakeFirstOrThrow();
      await writeAudit(trx, { actor, action: 'staff.user.add', subject: `staff:${username}`, detail: { role, organization } });
      return toUser(row);
    });
  }

  /** Checks a username and password; on success opens a session and returns its token (only its hash is stored). */
  async signIn(username: string, password: string, meta: RequestMeta): Promise<{ token: string; user: StaffUser }> {
    const name = username.trim().toLowerCase().slice(0, 60);
    const row = await this.db.selectFrom('staff_users').selectAll().where('username', '=', name).executeTakeFirst();
    const audit = (action: string, detail: Record<string, unknown> = {}) => writeAudit(this.db, { actor: row ? name : 'anonymous', action, subject: `staff:${name}`, detail, ip: meta.ip, userAgent: meta.userAgent });
    if (!row) {
      await verifyPassword(password, await decoyHash());
      await audit('staff.signin.failed', { reason: 'unknown user' });
      throw BAD_LOGIN;
    }
    if (row.locked_until && row.locked_until > nowIso()) {
      await audit('staff.signin.locked');
      throw LOCKED;
    }
    if (!(await verifyPassword(password, row.password_hash))) {
      const failed = row.failed_attempts + 1;
      const lock = failed >= MAX_FAILED_ATTEMPTS;
      await this.db
        .updateTable('staff_users')
        .set({ failed_attempts: lock ? 0 : failed, locked_until: lock ? new Date(Date.now() + LOCK_MINUTES * 60_000).toISOString() : row.locked_until })
        .where('id', '=', row.id)
        .execute();
      await audit(lock ? 'staff.signin.lockout' : 'staff.signin.failed', { failed });
      throw lock ? LOCKED : BAD_LOGIN;
    }
    const token = randomBytes(32).toString('base64url');
    await this.db.transaction().execute(async (trx) => {
      // Expired sessions are swept here, where new ones are made, so the table cannot grow without bound.
      await trx.deleteFrom('staff_sessions').where('expires_at', '<=', nowIso()).execute();
      await trx.updateTable('staff_users').set({ failed_attempts: 0, locked_until: null }).where('id', '=', row.id).execute();
      await trx
        .insertInto('staff_sessions')
        .values({ token_hash: sha256(token), user_id: row.id, created_at: nowIso(), expires_at: new Date(Date.now() + SESSION_HOURS * 3_600_000).toISOString(), ip: meta.ip ?? null, user_agent: meta.userAgent?.slice(0, 500) ?? null })
        .execute();
      await writeAudit(trx, { actor: name, action: 'staff.signin', subject: `staff:${name}`, ip: meta.ip, userAgent: meta.userAgent });
    });
    return { token, user: toUser(row) };
  }

  async session(token: string | undefined): Promise<StaffUser | null> {
    if (!token || token.length > 100) return null;
    const row = await this.db
      .selectFrom('staff_sessions as s')
      .innerJoin('staff_users as u', 'u.id', 's.user_id')
      .selectAll('u')
      .where('s.token_hash', '=', sha256(token))
      .where('s.expires_at', '>', nowIso())
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async signOut(token: string | undefined, meta: RequestMeta): Promise<void> {
    if (!token) return;
    const user = await this.session(token);
    await this.db.deleteFrom('staff_sessions').where('token_hash', '=', sha256(token)).execute();
    if (user) await writeAudit(this.db, { actor: user.username, action: 'staff.signout', subject: `staff:${user.username}`, ip: meta.ip, userAgent: meta.userAgent });
  }
}
