import type { Generated, Kysely } from 'kysely';
import { writeAudit } from '../platform/audit.js';
import { nowIso } from '../platform/db.js';
import { conflict, invalid, notFound } from '../platform/errors.js';
import { parsePersonCode } from './signin.js';
import type { StaffRole, StaffUser } from './staff.js';

/**
 * Staff roles as grants to people: a national code holds a role (editor of one agency, caseworker in
 * one agency's back office, national reviewer, admin) and signs in with the national identity like everyone else. Granting and revoking
 * are audited; a revoked grant stops working at the person's next request.
 */

interface GrantTables {
  staff_grants: {
    id: Generated<number>;
    national_code: string;
    role: StaffRole;
    organization_code: string | null;
    granted_at: string;
    granted_by: string;
    revoked_at: string | null;
    revoked_by: string | null;
  };
}

export interface StaffGrant {
  id: number;
  nationalCode: string;
  role: StaffRole;
  organization: string | null;
  grantedAt: string;
  grantedBy: string;
}

// The console shows a person's highest role; a caseworker grant works beside any other (StaffUser.caseworkerOf).
const RANK: Record<StaffRole, number> = { admin: 3, reviewer: 2, editor: 1, caseworker: 0 };
const ROLES: readonly StaffRole[] = ['editor', 'caseworker', 'reviewer', 'admin'];
/** Roles that belong to one organisation (an agency); the others to the national authority. */
const OF_AN_AGENCY: readonly StaffRole[] = ['editor', 'caseworker'];

export class StaffGrants {
  private readonly db: Kysely<GrantTables>;

  constructor(
    db: Kysely<any>,
    private readonly organizationExists: (code: string) => Promise<boolean>,
  ) {
    this.db = db as Kysely<GrantTables>;
  }

  async grant(input: { nationalCode: string; role: string; organization?: string | null }, actor: string): Promise<StaffGrant> {
    const nationalCode = parsePersonCode(input.nationalCode);
    if (!(ROLES as readonly string[]).includes(input.role)) throw invalid('invalid_role', 'نقش باید editor، caseworker، reviewer یا admin باشد.', `The role must be one of ${ROLES.join(', ')}.`);
    const role = input.role as StaffRole;
    const organization = input.organization?.trim() || null;
    if (role === 'editor' && !organization) throw invalid('organization_required', 'ویراستار باید به یک سازمان تعلق داشته باشد.', 'An editor must belong to an organisation (--organization CODE).');
    if (role === 'caseworker' && !organization) throw invalid('organization_required', 'کارشناس رسیدگی باید به یک سازمان تعلق داشته باشد.', 'A caseworker must belong to an organisation (--organization CODE).');
    if (!OF_AN_AGENCY.includes(role) && organization) throw invalid('organization_not_allowed', 'بازبین و مدیر به مرجع ملی تعلق دارند، نه به یک سازمان.', 'Reviewers and admins belong to the national authority, not to an organisation.');
    if (organization && !(await this.organizationExists(organization))) throw invalid('unknown_organization', 'سازمان ناشناخته است.', `Unknown organisation "${organization}".`);
    const existing = await this.active(nationalCode);
    if (existing.some((g) => g.role === role && g.organization === organization)) throw conflict('grant_exists', 'این نقش پیش‌تر به این شخص داده شده است.', 'This person already holds this role.');
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.insertInto('staff_grants').values({ national_code: nationalCode, role, organization_code: organization, granted_at: nowIso(), granted_by: actor, revoked_at: null, revoked_by: null }).returningAll().executeTakeFirstOrThrow();
      await writeAudit(tx, { actor, action: 'staff.grant.add', subject: `person:${nationalCode}`, detail: { id: row.id, role, organization } });
      return { id: row.id, nationalCode, role, organization, grantedAt: row.granted_at, grantedBy: actor };
    });
  }

  async revoke(id: number, actor: string): Promise<void> {
    const row = await this.db.selectFrom('staff_grants').selectAll().where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    if (!row) throw notFound({ fa: 'نقش', en: `Grant ${id}` });
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('staff_grants').set({ revoked_at: nowIso(), revoked_by: actor }).where('id', '=', id).execute();
      await writeAudit(tx, { actor, action: 'staff.grant.revoke', subject: `person:${row.national_code}`, detail: { id, role: row.role, organization: row.organization_code } });
    });
  }

  async active(nationalCode?: string): Promise<StaffGrant[]> {
    let q = this.db.selectFrom('staff_grants').selectAll().where('revoked_at', 'is', null);
    if (nationalCode) q = q.where('national_code', '=', nationalCode);
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, nationalCode: r.national_code, role: r.role, organization: r.organization_code, grantedAt: r.granted_at, grantedBy: r.granted_by }));
  }

  /** The console identity of a signed-in person: their highest active role, or null when they hold none. */
  async staffUser(nationalCode: string, displayName: string): Promise<StaffUser | null> {
    const grants = await this.active(nationalCode);
    if (grants.length === 0) return null;
    const caseworkerOf = [...new Set(grants.filter((g) => g.role === 'caseworker' && g.organization).map((g) => g.organization!))];
    const best = grants.sort((a, b) => RANK[b.role] - RANK[a.role] || a.id - b.id)[0]!;
    return { id: -best.id, username: `person:${nationalCode}`, role: best.role, organization: best.organization, displayName, caseworkerOf };
  }

  /** The national codes of an organisation's caseworkers (active grants), for giving an application to one of them. */
  async caseworkers(organization: string): Promise<string[]> {
    const rows = await this.db.selectFrom('staff_grants').select('national_code').distinct().where('revoked_at', 'is', null).where('role', '=', 'caseworker').where('organization_code', '=', organization).orderBy('national_code').execute();
    return rows.map((r) => r.national_code);
  }

  /** Whether the console identity `username` (`person:<national code>`) is an active caseworker of `organization`. */
  async isCaseworker(username: string, organization: string): Promise<boolean> {
    const m = /^person:(\d{10,12})$/.exec(username);
    if (!m) return false;
    const row = await this.db.selectFrom('staff_grants').select('id').where('revoked_at', 'is', null).where('national_code', '=', m[1]!).where('role', '=', 'caseworker').where('organization_code', '=', organization).executeTakeFirst();
    return !!row;
  }
}
