import { sql } from 'kysely';
import { writeAudit } from '../platform/audit.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../platform/errors.js';
import { QueryShapes } from '../platform/query-shapes.js';
import type { Applications } from './applications.js';
import { DECIDABLE, STATUSES, type Application, type ApplicationSummary, type ListedApplication, type HistoryEntry, type Reason, type Status } from './model.js';
import type { AttachmentMeta, Clock, WorkingDayCalendar, JobScheduler } from './ports.js';
import * as store from './store.js';
import type { Executor } from './store.js';
import { JOBS } from './jobs.js';
import { QUEUE_STATUSES } from './migrations.js';

/**
 * The agency's back office: a caseworker of one organisation sees that organisation's queue (its
 * current steps), claims an application, reads it with its registry data and attachments, writes
 * internal notes and decides. The national authority reads every agency's overdue work. Each staff
 * action is in the application's history and, as a privileged act, in the audit log.
 */

/** Who acts: a caseworker of `organization`, or the authority (organization null, read-only here). */
export interface CaseActor {
  username: string;
  organization: string | null;
  /** A system acting for the agency through its exchange credential (the agency API). */
  via?: 'console' | 'agency-api';
  ip?: string | null;
}

export type Decision = 'approve' | 'reject' | 'request_changes';
export const DECISIONS: readonly Decision[] = ['approve', 'reject', 'request_changes'];

const APPLICATION = { fa: 'درخواست', en: 'Application' };
const CHANGED = () => conflict('changed_meanwhile', 'این درخواست هم‌زمان تغییر کرد؛ صفحه را دوباره باز کنید.', 'The application changed meanwhile; open it again.');

export interface QueueFilter {
  status?: Status;
  overdueOnly?: boolean;
  /** Only those assigned to this caseworker. */
  assignedTo?: string;
  service?: string;
  cursor?: string;
  limit?: number;
}

export class Casework {
  constructor(
    private readonly apps: Applications,
    private readonly o: { clock: Clock; calendar: WorkingDayCalendar; jobs: JobScheduler },
  ) {
    this.shapes = new QueryShapes(apps.db);
  }

  private readonly shapes: QueryShapes;

  private get db() {
    return this.apps.db;
  }

  private now(): Date {
    return this.o.clock.now();
  }

  /** An application the actor's organisation handles now; another agency's is "not found". */
  private async ofAgency(executor: Executor, actor: CaseActor, id: string) {
    const r = /^[0-9a-f-]{36}$/.test(id) ? await store.row(executor, id) : undefined;
    if (!r || r.status === 'draft' || (actor.organization !== null && r.organization !== actor.organization)) throw notFound(APPLICATION);
    return r;
  }

  /**
   * The queue: the organisation's applications (the authority: every agency's), escalated and overdue
   * first, then by deadline, keyset-paged so page 5,000 costs what page 1 does. The order is the
   * database's `queue_order` (migrations.ts), then deadline, then id, all ascending: each page is read
   * from an index in order, never sorted.
   */
  async queue(actor: CaseActor, f: QueueFilter = {}): Promise<{ items: ApplicationSummary[]; next: string | null }> {
    return this.page(actor, f, store.SUMMARY_COLUMNS, store.toSummary);
  }

  /** The same queue with only what the agency API lists of each application (store.ts, LISTED_COLUMNS). */
  async queueListed(actor: CaseActor, f: QueueFilter = {}): Promise<{ items: ListedApplication[]; next: string | null }> {
    return this.page(actor, f, store.LISTED_COLUMNS, store.toListed);
  }

  /** A page of the queue with the given columns, each row made into an item by `convert`; the cursor needs overdue, deadline and id. */
  private async page<C extends keyof store.Row, T extends Pick<ApplicationSummary, 'overdue' | 'deadline' | 'id'>>(
    actor: CaseActor,
    f: QueueFilter,
    columns: readonly C[],
    convert: (r: Pick<store.Row, C>) => T,
  ): Promise<{ items: T[]; next: string | null }> {
    const limit = Math.min(Math.max(f.limit ?? 25, 1), 100);
    if (f.status && !(STATUSES as readonly string[]).includes(f.status)) {
      throw invalid('bad_status', 'وضعیت ناشناخته است.', `Unknown status; use one of ${STATUSES.join(', ')}.`);
    }
    // Open work (the default: QUEUE_STATUSES) is queue_order <= 0, any other status <= 100; overdue work sorts before on-time work.
    // Work without a deadline has no queue_order and is in no queue (queued work always has one: a paused one keeps it).
    const onTime = !f.status || (QUEUE_STATUSES as readonly string[]).includes(f.status) ? 0 : 100;
    // The cursor names the last item as [overdue, deadline, id] (as it always has); the next page starts after its place.
    const c = store.decodeCursor(f.cursor);
    const after = c && typeof c[0] === 'number' && typeof c[1] === 'string' && typeof c[2] === 'string' ? [onTime - c[0], c[1], c[2]] : null;
    // The query's clauses in a fixed order, each present or not: the shape's name says which, its values follow in that order.
    const clauses: Array<[string, unknown[]]> = [];
    if (actor.organization !== null) clauses.push(['org', [actor.organization]]);
    if (f.status) clauses.push(['status', [f.status]]);
    // The bound is written into the SQL, not bound: only then may either database read open work from
    // its partial index (migrations.ts, `queue_order <= 0`); it is one of two constants, so part of the shape.
    clauses.push([`${f.overdueOnly ? 'order<' : 'order<='}${onTime}`, []]);
    if (f.assignedTo) clauses.push(['assigned', [f.assignedTo]]);
    if (f.service) clauses.push(['service', [f.service]]);
    if (after) clauses.push(['after', after]);
    clauses.push(['limit', [limit + 1]]);
    const rows = await this.shapes.execute(`queue:${columns.length}:${clauses.map(([k]) => k).join(',')}`, clauses.flatMap(([, v]) => v), (v) => {
      let i = 0;
      let q = this.db.selectFrom('applications').select(columns);
      if (actor.organization !== null) q = q.where('organization', '=', v[i++] as string);
      if (f.status) q = q.where('status', '=', v[i++] as string);
      q = q.where('queue_order', '<=', sql.lit(onTime));
      if (f.overdueOnly) q = q.where('queue_order', '<', sql.lit(onTime));
      if (f.assignedTo) q = q.where('assigned_to', '=', v[i++] as string);
      if (f.service) q = q.where('service_code', '=', v[i++] as string);
      if (after) {
        const [order, deadline, id] = [v[i++], v[i++], v[i++]];
        q = q.where((eb) => eb(eb.refTuple('queue_order', 'deadline', 'id'), '>', eb.tuple(order as number, deadline as string, id as string)));
      }
      return q.orderBy('queue_order', 'asc').orderBy('deadline', 'asc').orderBy('id', 'asc').limit(v[i++] as number);
    });
    // Kysely's row type for a column list that is a type parameter is opaque to TypeScript; it is these columns.
    const items = rows.slice(0, limit).map((r) => convert(r as unknown as Pick<store.Row, C>));
    const last = items[items.length - 1];
    return { items, next: rows.length > limit && last ? store.encodeCursor([last.overdue, last.deadline, last.id]) : null };
  }

  /** The application with its whole history (internal notes included). */
  async read(actor: CaseActor, id: string): Promise<{ application: Application; history: HistoryEntry[] }> {
    const r = await this.ofAgency(this.db, actor, id);
    return { application: store.toApplication(r), history: await store.history(this.db, id, { internal: true }) };
  }

  /** One attachment of an application the actor may read, with its bytes; null when its answers name no such file. */
  async attachment(actor: CaseActor, id: string, fileId: string): Promise<(AttachmentMeta & { bytes: Buffer }) | null> {
    return this.apps.files.namedAttachment(store.toApplication(await this.ofAgency(this.db, actor, id)), fileId);
  }

  private async audit(trx: Executor, actor: CaseActor, action: string, id: string, detail: Record<string, unknown> = {}) {
    await writeAudit(trx as never, { actor: actor.username, action, subject: `application:${id}`, detail: { ...detail, organization: actor.organization, via: actor.via ?? 'console' }, ip: actor.ip ?? null });
  }

  private caseworker(actor: CaseActor): asserts actor is CaseActor & { organization: string } {
    if (actor.organization === null) throw forbidden();
  }

  /** Takes an application: it is then the actor's, and "in review". */
  async claim(actor: CaseActor, id: string): Promise<Application> {
    this.caseworker(actor);
    return this.db.transaction().execute(async (trx) => {
      const r = await this.ofAgency(trx, actor, id);
      if (!DECIDABLE.includes(r.status as Status)) throw conflict('not_in_queue', 'این درخواست در صف بررسی نیست.', 'This application is not waiting for review.');
      if (r.assigned_to === actor.username) return store.toApplication(r);
      const at = this.now().toISOString();
      if (!(await store.update(trx, id, r.rev, { assigned_to: actor.username, status: 'in_review', updated_at: at }, DECIDABLE))) throw CHANGED();
      await store.addEvent(trx, { applicationId: id, at, actor: actor.username, kind: 'claimed', status: 'in_review', detail: { from: r.assigned_to }, internal: r.status === 'in_review' });
      await this.audit(trx, actor, 'application.claim', id, { from: r.assigned_to });
      return store.toApplication((await store.row(trx, id))!);
    });
  }

  /** Gives an application to another caseworker of the same organisation. */
  async reassign(actor: CaseActor, id: string, to: string, isCaseworker: (username: string, organization: string) => Promise<boolean>): Promise<Application> {
    this.caseworker(actor);
    if (!(await isCaseworker(to, actor.organization))) throw invalid('not_a_caseworker', 'این شخص کارشناس این سازمان نیست.', 'That person is not a caseworker of this organisation.', [{ field: 'to', code: 'not_a_caseworker', message: { fa: 'این شخص کارشناس این سازمان نیست.', en: 'That person is not a caseworker of this organisation.' } }]);
    return this.db.transaction().execute(async (trx) => {
      const r = await this.ofAgency(trx, actor, id);
      if (!DECIDABLE.includes(r.status as Status) && r.status !== 'changes_requested') throw conflict('not_in_queue', 'این درخواست در صف بررسی نیست.', 'This application is not waiting for review.');
      const at = this.now().toISOString();
      if (!(await store.update(trx, id, r.rev, { assigned_to: to, updated_at: at }))) throw CHANGED();
      await store.addEvent(trx, { applicationId: id, at, actor: actor.username, kind: 'reassigned', status: r.status as Status, detail: { from: r.assigned_to, to }, internal: true });
      await this.audit(trx, actor, 'application.reassign', id, { from: r.assigned_to, to });
      return store.toApplication((await store.row(trx, id))!);
    });
  }

  /** An internal note: the agency's, never shown to the applicant. */
  async note(actor: CaseActor, id: string, text: string): Promise<void> {
    this.caseworker(actor);
    const body = text.trim();
    if (!body) throw invalid('note_empty', 'متن یادداشت را بنویسید.', 'Write the note.', [{ field: 'note', code: 'required', message: { fa: 'متن یادداشت را بنویسید.', en: 'Write the note.' } }]);
    if (body.length > 4000) throw invalid('note_too_long', 'یادداشت حداکثر ۴۰۰۰ نویسه است.', 'A note is at most 4000 characters.');
    await this.db.transaction().execute(async (trx) => {
      const r = await this.ofAgency(trx, actor, id);
      await store.addEvent(trx, { applicationId: id, at: this.now().toISOString(), actor: actor.username, kind: 'note', status: r.status as Status, detail: { text: body }, internal: true });
    });
  }

  /** A message to the applicant, on their timeline (and as a text message). */
  async message(actor: CaseActor, id: string, text: string): Promise<void> {
    this.caseworker(actor);
    const body = text.trim();
    if (!body) throw invalid('message_empty', 'متن پیام را بنویسید.', 'Write the message.', [{ field: 'message', code: 'required', message: { fa: 'متن پیام را بنویسید.', en: 'Write the message.' } }]);
    if (body.length > 4000) throw invalid('message_too_long', 'پیام حداکثر ۴۰۰۰ نویسه است.', 'A message is at most 4000 characters.');
    await this.db.transaction().execute(async (trx) => {
      const r = await this.ofAgency(trx, actor, id);
      await store.addEvent(trx, { applicationId: id, at: this.now().toISOString(), actor: actor.username, kind: 'message', status: r.status as Status, detail: { from: 'agency', organization: actor.organization, text: body } });
      await this.o.jobs.schedule(trx, JOBS.notify, { applicationId: id, status: r.status, kind: 'message' }, { runAt: this.now() });
    });
  }

  /**
   * A decision. Approve moves to the next step (another agency's queue) or, at the last step, approves
   * the application and issues its document; a step with a second approver needs two different
   * caseworkers. Reject and request changes need reasons the applicant reads; a request for changes
   * pauses the legal deadline until the applicant answers. `rev`, when given, is the revision the
   * caseworker saw: deciding on a changed application is refused rather than applied blind.
   */
  async decide(actor: CaseActor, id: string, d: { decision: string; reasons?: Reason[]; rev?: number }): Promise<Application> {
    this.caseworker(actor);
    if (!(DECISIONS as readonly string[]).includes(d.decision)) {
      throw invalid('bad_decision', 'تصمیم باید تأیید، رد یا درخواست اصلاح باشد.', 'The decision must be approve, reject or request_changes.', [{ field: 'decision', code: 'enum', message: { fa: 'یکی از گزینه‌ها را برگزینید.', en: 'Choose one of the options.' } }]);
    }
    const reasons = (d.reasons ?? []).map((r) => ({ fa: r.fa.trim(), en: r.en.trim() })).filter((r) => r.fa || r.en);
    if (d.decision !== 'approve' && reasons.length === 0) {
      throw invalid('reasons_required', 'دلیل را بنویسید یا برگزینید؛ متقاضی آن را می‌بیند.', 'Give the reasons; the applicant reads them.', [{ field: 'reasons', code: 'required', message: { fa: 'دست‌کم یک دلیل لازم است.', en: 'At least one reason is needed.' } }]);
    }
    const r0 = await this.ofAgency(this.db, actor, id);
    const s = await this.apps.delivered(r0.service_code, r0.service_version);
    return this.db.transaction().execute(async (trx) => {
      const r = await this.ofAgency(trx, actor, id);
      if (d.rev !== undefined && d.rev !== r.rev) throw CHANGED();
      if (!DECIDABLE.includes(r.status as Status)) {
        throw conflict('not_decidable', 'دربارهٔ این درخواست اکنون نمی‌توان تصمیم گرفت (تصمیم گرفته شده، پس گرفته شده یا در انتظار پاسخ متقاضی است).', 'This application cannot be decided now (it was decided, withdrawn, or awaits the applicant).');
      }
      if (r.assigned_to && r.assigned_to !== actor.username) {
        throw conflict('assigned_to_other', 'این درخواست به کارشناس دیگری سپرده شده است.', `This application is assigned to ${r.assigned_to}.`);
      }
      const now = this.now();
      const at = now.toISOString();
      const step = s.delivery.steps[r.step_index]!;
      const actorName = actor.username;
      if (d.decision === 'approve') {
        if (step.secondApprover && !r.first_approval_by) {
          if (!(await store.update(trx, id, r.rev, { first_approval_by: actorName, assigned_to: null, status: 'in_review', updated_at: at }, DECIDABLE))) throw CHANGED();
          await store.addEvent(trx, { applicationId: id, at, actor: actorName, kind: 'first_approval', status: 'in_review', detail: { step: step.id }, internal: true });
          await this.audit(trx, actor, 'application.approve.first', id, { step: step.id });
          return store.toApplication((await store.row(trx, id))!);
        }
        if (step.secondApprover && r.first_approval_by === actorName) {
          throw conflict('second_approver_must_differ', 'تأیید دوم باید از کارشناس دیگری باشد.', 'The second approval must come from another caseworker.');
        }
        await this.apps.cancelDeadline(trx, id);
        const next = r.step_index + 1;
        if (next < s.delivery.steps.length) {
          if (!(await store.update(trx, id, r.rev, { updated_at: at }, DECIDABLE))) throw CHANGED();
          await this.audit(trx, actor, 'application.approve.step', id, { step: step.id });
          return store.toApplication(await this.apps.enterStep(trx, id, s, next, actorName, 'step_approved', { approvedStep: step.id, by: step.organization }));
        }
        if (!(await store.update(trx, id, r.rev, { status: 'approved', decided_at: at, updated_at: at, assigned_to: actorName }, DECIDABLE))) throw CHANGED();
        await store.addEvent(trx, { applicationId: id, at, actor: actorName, kind: 'approved', status: 'approved', detail: { step: step.id, secondApprover: r.first_approval_by } });
        // The document is rendered and signed by a job: the decision commits at once, the document follows, retried if need be.
        if (s.delivery.document) await this.o.jobs.schedule(trx, JOBS.document, { applicationId: id }, { runAt: now, key: id });
        await this.apps.notify(trx, id, 'approved');
        await this.audit(trx, actor, 'application.approve', id, { step: step.id });
        return store.toApplication((await store.row(trx, id))!);
      }
      if (d.decision === 'reject') {
        if (!(await store.update(trx, id, r.rev, { status: 'rejected', decided_at: at, updated_at: at, assigned_to: actorName }, DECIDABLE))) throw CHANGED();
        await store.addEvent(trx, { applicationId: id, at, actor: actorName, kind: 'rejected', status: 'rejected', detail: { step: step.id, reasons } });
        await this.apps.cancelDeadline(trx, id);
        if (r.paid_at && s.delivery.fee?.refundOnReject) await this.o.jobs.schedule(trx, JOBS.refund, { applicationId: id }, { runAt: now, key: id });
        await this.apps.notify(trx, id, 'rejected');
        await this.audit(trx, actor, 'application.reject', id, { step: step.id, reasons });
        return store.toApplication((await store.row(trx, id))!);
      }
      // request_changes: the clock stops with the working days left, and restarts when the applicant answers.
      const remaining = r.deadline ? (await this.o.calendar.calendar(trx)).remainingWorkingDays(now, new Date(r.deadline)) : step.deadlineDays;
      if (!(await store.update(trx, id, r.rev, { status: 'changes_requested', paused_remaining: Math.max(1, remaining), updated_at: at, assigned_to: actorName }, DECIDABLE))) throw CHANGED();
      await store.addEvent(trx, { applicationId: id, at, actor: actorName, kind: 'changes_requested', status: 'changes_requested', detail: { step: step.id, reasons, remainingDays: Math.max(1, remaining), answersBefore: JSON.parse(r.answers) } });
      await this.apps.cancelDeadline(trx, id);
      await this.apps.notify(trx, id, 'changes_requested');
      await this.audit(trx, actor, 'application.request_changes', id, { step: step.id, reasons });
      return store.toApplication((await store.row(trx, id))!);
    });
  }

  /** Throws unless `actor` may act on applications at all (a caseworker of an organisation). */
  static requireCaseworker(actor: CaseActor | null): CaseActor & { organization: string } {
    if (!actor || actor.organization === null) throw new AppError(403, 'forbidden', { fa: 'این کار فقط از کارشناس دستگاه برمی‌آید.', en: 'Only an agency caseworker can do this.' });
    return actor as CaseActor & { organization: string };
  }
}
