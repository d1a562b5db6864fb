import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ApplicationTables } from './migrations.js';
import type { Application, ApplicationSummary, HistoryEntry, ListedApplication, Status } from './model.js';

export type ServicesDb = Kysely<ApplicationTables>;
export type Executor = Kysely<ApplicationTables> | Transaction<ApplicationTables>;
export type Row = Selectable<ApplicationTables['applications']>;

/**
 * The columns a list shows: all but the answers and the registries' data, which can be kilobytes of
 * JSON a row, are parsed for nothing in a list, and were 8 % of a queue request's CPU.
 */
export const SUMMARY_COLUMNS = [
  'id', 'tracking_code', 'service_code', 'service_version', 'applicant', 'applicant_name_fa', 'applicant_name_en',
  'status', 'step_index', 'organization', 'page', 'fee_amount', 'paid_at', 'deadline', 'paused_remaining', 'overdue',
  'assigned_to', 'first_approval_by', 'created_at', 'updated_at', 'submitted_at', 'decided_at', 'expires_at', 'rev',
] as const satisfies ReadonlyArray<keyof Row>;
type SummaryRow = Pick<Row, (typeof SUMMARY_COLUMNS)[number]>;

/**
 * The columns of an application as the API's lists show it (routes.ts, `view`): a list request spends
 * most of its database time turning column values into JavaScript ones, so lists that need no more
 * read only these (14 of the summary's 24).
 */
export const LISTED_COLUMNS = [
  'id', 'tracking_code', 'service_code', 'service_version', 'status', 'step_index', 'organization', 'fee_amount', 'paid_at', 'deadline', 'overdue', 'created_at', 'submitted_at', 'decided_at',
] as const satisfies ReadonlyArray<(typeof SUMMARY_COLUMNS)[number]>;
type ListedRow = Pick<Row, (typeof LISTED_COLUMNS)[number]>;

export function toListed(r: ListedRow): ListedApplication {
  return {
    id: r.id,
    trackingCode: r.tracking_code,
    service: r.service_code,
    serviceVersion: r.service_version,
    status: r.status as Status,
    step: r.step_index,
    organization: r.organization,
    fee: { amount: Number(r.fee_amount), currency: 'IRR', paidAt: r.paid_at },
    deadline: r.deadline,
    overdue: r.overdue,
    createdAt: r.created_at,
    submittedAt: r.submitted_at,
    decidedAt: r.decided_at,
  };
}

export function toSummary(r: SummaryRow): ApplicationSummary {
  return {
    id: r.id,
    trackingCode: r.tracking_code,
    service: r.service_code,
    serviceVersion: r.service_version,
    applicant: { nationalCode: r.applicant, name: { fa: r.applicant_name_fa, en: r.applicant_name_en } },
    status: r.status as Status,
    step: r.step_index,
    organization: r.organization,
    page: r.page,
    fee: { amount: Number(r.fee_amount), currency: 'IRR', paidAt: r.paid_at },
    deadline: r.deadline,
    pausedRemainingDays: r.paused_remaining,
    overdue: r.overdue,
    assignedTo: r.assigned_to,
    firstApprovalBy: r.first_approval_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    submittedAt: r.submitted_at,
    decidedAt: r.decided_at,
    expiresAt: r.expires_at,
    rev: r.rev,
  };
}

export function toApplication(r: Row): Application {
  return {
    ...toSummary(r),
    answers: JSON.parse(r.answers) as Record<string, unknown>,
    prefill: JSON.parse(r.prefill) as Application['prefill'],
  };
}

export async function row(db: Executor, id: string): Promise<Row | undefined> {
  return db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function byTrackingCode(db: Executor, code: string): Promise<Row | undefined> {
  return db.selectFrom('applications').selectAll().where('tracking_code', '=', code).executeTakeFirst();
}

/**
 * Applies `changes` only if the application is still at revision `rev` (and, when given, in one of
 * `from`): false means someone else changed it first, and the caller reports a conflict instead of
 * overwriting their decision.
 */
export async function update(db: Executor, id: string, rev: number, changes: Partial<Omit<Row, 'queue_order'>>, from?: readonly Status[]): Promise<boolean> {
  let q = db
    .updateTable('applications')
    .set({ ...changes, rev: rev + 1 })
    .where('id', '=', id)
    .where('rev', '=', rev);
  if (from) q = q.where('status', 'in', [...from]);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function addEvent(db: Executor, e: { applicationId: string; at: string; actor: string; kind: string; status: Status; detail?: Record<string, unknown>; internal?: boolean }): Promise<void> {
  await db
    .insertInto('application_events')
    .values({ application_id: e.applicationId, at: e.at, actor: e.actor, kind: e.kind, status: e.status, detail: JSON.stringify(e.detail ?? {}), internal: e.internal ? 1 : 0 })
    .execute();
}

export async function history(db: Executor, id: string, opts: { internal: boolean }): Promise<HistoryEntry[]> {
  let q = db.selectFrom('application_events').selectAll().where('application_id', '=', id);
  if (!opts.internal) q = q.where('internal', '=', 0);
  const rows = await q.orderBy('id').execute();
  return rows.map((r) => ({ at: r.at, actor: r.actor, kind: r.kind, status: r.status as Status, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}

/** Keyset cursor over (a sort key, id): opaque to callers, base64url of JSON. */
export const encodeCursor = (v: unknown[]): string => Buffer.from(JSON.stringify(v)).toString('base64url');
export function decodeCursor(s: string | undefined): unknown[] | null {
  if (!s) return null;
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    return Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}
