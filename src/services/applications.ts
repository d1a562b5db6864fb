import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError, conflict, invalid, notFound } from '../platform/errors.js';
import { QueryShapes } from '../platform/query-shapes.js';
import { uuidV7 } from '../platform/uuid.js';
import type { Delivery } from './definition.js';
import type { ApplicationTables } from './migrations.js';
import { WITHDRAWABLE, type Applicant, type Application, type HistoryEntry, type ListedApplication, type PrefilledSource, type Status } from './model.js';
import { ApplicationFiles } from './application-files.js';
import type { Upload } from './attachments.js';
import type { AttachmentMeta, AttachmentStore, Clock, Definitions, FormEngine, JobScheduler, WorkingDayCalendar } from './ports.js';
import * as store from './store.js';
import type { Executor, ServicesDb } from './store.js';
import { newTrackingCode } from './tracking-code.js';
import { JOBS } from './jobs.js';

/**
 * The applicant's side of online applications: drafts saved at every page, submission (once, however
 * often it is retried), payment, withdrawal and answering a request for changes. Every change is one
 * transaction with its history event and the jobs it needs (the text message, the deadline), so a
 * crash never leaves an application without its history or its deadline.
 */

const APPLICATION = { fa: 'درخواست', en: 'Application' };
const DAY_MS = 86_400_000;
/** Iran's time (no daylight saving since 2022): a person's "day" for the daily limit. */
const TEHRAN_OFFSET_MS = 3.5 * 3_600_000;

export interface ApplicationsOptions {
  clock: Clock;
  calendar: WorkingDayCalendar;
  jobs: JobScheduler;
  definitions: Definitions;
  forms: FormEngine;
  /** Stored attachments; without them, a form's file fields cannot be answered. */
  files?: AttachmentStore | null;
  /** Days a draft is kept after its last change. */
  draftDays?: number;
  /** New applications a person may make for one service in a day. */
  dailyLimit?: number;
}

/** A service delivered on the platform, at the version an application uses. */
export interface Delivered {
  code: string;
  version: number;
  title: { fa: string; en: string };
  organization: string;
  slug: string;
  delivery: Delivery;
}

export class Applications {
  readonly db: ServicesDb;
  /** The lists read on every visit, built once per shape (platform/query-shapes.ts). */
  private readonly shapes: QueryShapes;
  /** The applications' attachments. */
  readonly files: ApplicationFiles;
  /** Days a draft (and an upload no application names) is kept after its last change. */
  readonly draftDays: number;
  private readonly dailyLimit: number;

  constructor(
    db: Kysely<any>,
    private readonly o: ApplicationsOptions,
  ) {
    this.db = db as Kysely<ApplicationTables>;
    this.shapes = new QueryShapes(db);
    this.files = new ApplicationFiles(this.db, o.files ?? null, o.forms, (code, version, executor) => this.delivered(code, version, executor));
    this.draftDays = o.draftDays ?? 30;
    this.dailyLimit = o.dailyLimit ?? 20;
  }

  private now(): Date {
    return this.o.clock.now();
  }

  /** The service as delivered here (the live version, or the one an application was made under); 404 when it is not delivered here. */
  async delivered(code: string, version?: number, executor?: Executor): Promise<Delivered> {
    const v = await this.o.definitions.version(code, version, executor);
    if (!v || !v.data.delivery) {
      throw new AppError(404, 'not_delivered_here', { fa: 'این خدمت در درگاه پنجره ارائه نمی‌شود.', en: 'This service is not delivered on this platform.' });
    }
    return { code: v.data.code, version: v.version, title: v.data.title, organization: v.data.organization, slug: v.data.slug, delivery: v.data.delivery as unknown as Delivery };
  }

  /** The applicant's own application; anyone else's is "not found", so its existence is not told. */
  private async own(executor: Executor, applicant: Applicant, id: string) {
    const r = /^[0-9a-f-]{36}$/.test(id) ? await store.row(executor, id) : undefined;
    if (!r || r.applicant !== applicant.nationalCode) throw notFound(APPLICATION);
    return r;
  }

  private async checkDailyLimit(executor: Executor, applicant: Applicant, service: string): Promise<void> {
    const now = this.now().getTime();
    const dayStart = new Date(Math.floor((now + TEHRAN_OFFSET_MS) / DAY_MS) * DAY_MS - TEHRAN_OFFSET_MS).toISOString();
    const { n } = await executor
      .selectFrom('applications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('applicant', '=', applicant.nationalCode)
      .where('service_code', '=', service)
      .where('created_at', '>=', dayStart)
      .executeTakeFirstOrThrow();
    if (Number(n) >= this.dailyLimit) {
      throw new AppError(429, 'daily_limit', { fa: `برای هر خدمت روزانه حداکثر ${this.dailyLimit} درخواست می‌توان ثبت کرد؛ فردا دوباره تلاش کنید.`, en: `At most ${this.dailyLimit} applications a day can be made for one service; try again tomorrow.` });
    }
  }

  private async insert(executor: Executor, applicant: Applicant, s: Delivered, answers: Record<string, unknown>, prefill: PrefilledSource[]) {
    const now = this.now();
    const at = now.toISOString();
    const id = uuidV7(now.getTime());
    const values = {
      id,
      service_code: s.code,
      service_version: s.version,
      applicant: applicant.nationalCode,
      applicant_name_fa: applicant.name.fa,
      applicant_name_en: applicant.name.en,
      applicant_mobile: applicant.mobile,
      applicant_email: applicant.email ?? null,
      status: 'draft',
      step_index: 0,
      organization: s.delivery.steps[0]!.organization,
      answers: JSON.stringify(answers),
      prefill: JSON.stringify(prefill),
      page: null,
      fee_amount: s.delivery.fee?.amount ?? 0,
      paid_at: null,
      deadline: null,
      paused_remaining: null,
      overdue: 0,
      assigned_to: null,
      first_approval_by: null,
      created_at: at,
      updated_at: at,
      submitted_at: null,
      decided_at: null,
      expires_at: new Date(now.getTime() + this.draftDays * DAY_MS).toISOString(),
      rev: 0,
    };
    // A clash of random tracking codes is rare (one in 10^11 per pair) and refused by the unique index: draw again.
    for (let attempt = 0; ; attempt++) {
      const tracking_code = newTrackingCode();
      const clash = await executor.selectFrom('applications').select('id').where('tracking_code', '=', tracking_code).executeTakeFirst();
      if (clash && attempt < 5) continue;
      await executor.insertInto('applications').values({ ...values, tracking_code }).execute();
      break;
    }
    await store.addEvent(executor, { applicationId: id, at, actor: `person:${applicant.nationalCode}`, kind: 'created', status: 'draft' });
    return (await store.row(executor, id))!;
  }

  /** Starts a draft: the form is then filled page by page (saveDraft) and submitted. */
  async startDraft(applicant: Applicant, service: string, prefill: PrefilledSource[]): Promise<Application> {
    const s = await this.delivered(service);
    return this.db.transaction().execute(async (trx) => {
      await this.checkDailyLimit(trx, applicant, s.code);
      return store.toApplication(await this.insert(trx, applicant, s, {}, prefill));
    });
  }

  /** The applicant's drafts of one service, newest first: "continue where you left off". */
  async drafts(applicant: Applicant, service: string): Promise<Application[]> {
    const rows = await this.db
      .selectFrom('applications')
      .selectAll()
      .where('applicant', '=', applicant.nationalCode)
      .where('service_code', '=', service)
      .where('status', '=', 'draft')
      .orderBy('updated_at', 'desc')
      .limit(5)
      .execute();
    return rows.map(store.toApplication);
  }

  /**
   * Saves a page of answers (already checked by the forms engine against that page) and where the
   * applicant is: every page is kept on the server, so a timed-out session loses nothing. While changes
   * are requested, the answers are changed the same way and sent with `answerChanges`.
   *
   * `uploads` are the page's new files by field (each answered PENDING_UPLOAD in `answers`): they are
   * stored in the same transaction as the answers, owned by this draft, and the answer becomes the
   * stored file's id. A file answer that changes otherwise must name a file of this draft or one the
   * applicant uploaded through the API; anything else is refused (`file_id`), and nothing is saved.
   */
  async saveDraft(applicant: Applicant, id: string, answers: Record<string, unknown>, page: string | null, prefill?: PrefilledSource[], uploads: Record<string, Upload> = {}): Promise<Application> {
    return this.db.transaction().execute(async (trx) => {
      const r = await this.own(trx, applicant, id);
      if (r.status !== 'draft' && r.status !== 'changes_requested') throw conflict('not_a_draft', 'این درخواست ثبت شده است و پاسخ‌های آن را اکنون نمی‌توان تغییر داد.', 'This application has been submitted; its answers cannot be changed now.');
      const now = this.now();
      const before = JSON.parse(r.answers) as Record<string, unknown>;
      const fileFields = await this.files.fileFieldsOf(r.service_code, r.service_version, trx);
      const stored = await this.files.store(trx, applicant, id, fileFields, before, answers, uploads);
      const merged = { ...before, ...answers, ...stored };
      for (const [k, v] of Object.entries(answers)) if (v === undefined) delete merged[k];
      const ok = await store.update(trx, id, r.rev, {
        answers: JSON.stringify(merged),
        page,
        ...(prefill ? { prefill: JSON.stringify(prefill) } : {}),
        updated_at: now.toISOString(),
        ...(r.status === 'draft' ? { expires_at: new Date(now.getTime() + this.draftDays * DAY_MS).toISOString() } : {}),
      });
      if (!ok) throw conflict('changed_meanwhile', 'این درخواست هم‌زمان تغییر کرد؛ صفحه را دوباره باز کنید.', 'The application changed meanwhile; open the page again.');
      // A draft's file replaced or removed is nobody's any more. (After a request for changes the old one stays: the caseworker compares.)
      if (r.status === 'draft') await this.files.removeReplaced(trx, id, fileFields, before, merged);
      return store.toApplication((await store.row(trx, id))!);
    });
  }

  /** One attachment of the applicant's own application, with its bytes; null when its answers name no such file. */
  async attachment(applicant: Applicant, id: string, fileId: string): Promise<(AttachmentMeta & { bytes: Buffer }) | null> {
    return this.files.namedAttachment(store.toApplication(await this.own(this.db, applicant, id)), fileId);
  }

  /** Every problem of the answers against the form of the version the application is made under. */
  private checkAnswers(s: Delivered, answers: Record<string, unknown>): Record<string, unknown> {
    const { answers: kept, errors } = this.o.forms.validate(s.delivery.form, answers);
    if (errors.length) {
      throw invalid('invalid_answers', 'برخی پاسخ‌ها درست نیستند.', 'Some answers are not valid.', errors.map((e) => ({ field: e.field, code: e.code, message: e.message })));
    }
    return kept;
  }

  /** Submits a draft: checks every answer, then awaits payment or enters the first step's queue. */
  async submit(applicant: Applicant, id: string): Promise<Application> {
    const r0 = await this.own(this.db, applicant, id);
    const s = await this.delivered(r0.service_code, r0.service_version);
    return this.db.transaction().execute(async (trx) => {
      // The row's lock first (an update that changes nothing): on PostgreSQL a second submit of the same
      // draft waits here until the first commits, then reads it submitted. Without it both read "draft"
      // and the slower one failed on the revision check, an error for a double click.
      await trx.updateTable('applications').set((eb) => ({ rev: eb.ref('rev') })).where('id', '=', id).execute();
      const r = await this.own(trx, applicant, id);
      // A second click on "submit" finds it submitted: the same application, not an error and not a second one.
      if (r.status !== 'draft') return store.toApplication(r);
      const answers = this.checkAnswers(s, JSON.parse(r.answers) as Record<string, unknown>);
      return store.toApplication(await this.enterSubmission(trx, r, s, answers, `person:${applicant.nationalCode}`));
    });
  }

  /**
   * The API's one-call submission: answers in, application out. The same `Idempotency-Key` again
   * returns the same application (a retry or replay never makes a second one); the same key with a
   * different request is refused, as the IETF's Idempotency-Key draft asks.
   */
  async create(applicant: Applicant, service: string, answers: Record<string, unknown>, idempotencyKey: string, prefill: PrefilledSource[]): Promise<{ application: Application; replayed: boolean }> {
    if (!/^[\x21-\x7e]{8,128}$/.test(idempotencyKey)) {
      throw invalid('bad_idempotency_key', 'کلید یکتایی (Idempotency-Key) باید ۸ تا ۱۲۸ نویسهٔ چاپی باشد.', 'The Idempotency-Key must be 8 to 128 printable characters.');
    }
    const hash = createHash('sha256').update(JSON.stringify([service, answers])).digest('base64url');
    const replay = async (): Promise<{ application: Application; replayed: boolean } | null> => {
      const k = await this.db.selectFrom('application_idempotency').selectAll().where('applicant', '=', applicant.nationalCode).where('key', '=', idempotencyKey).executeTakeFirst();
      if (!k) return null;
      if (k.request_hash !== hash) throw new AppError(422, 'idempotency_key_reused', { fa: 'این کلید یکتایی پیش‌تر برای درخواست دیگری به کار رفته است.', en: 'This Idempotency-Key was already used for a different request.' });
      return { application: store.toApplication((await store.row(this.db, k.application_id))!), replayed: true };
    };
    const seen = await replay();
    if (seen) return seen;
    const s = await this.delivered(service);
    const checked = this.checkAnswers(s, answers);
    const foreign = await this.files.foreignFiles(this.db, applicant, s, checked);
    if (foreign.length) throw invalid('invalid_answers', 'برخی پاسخ‌ها درست نیستند.', 'Some answers are not valid.', foreign.map((e) => ({ field: e.field, code: e.code, message: e.message })));
    try {
      return await this.db.transaction().execute(async (trx) => {
        await this.checkDailyLimit(trx, applicant, s.code);
        const r = await this.insert(trx, applicant, s, checked, prefill);
        // The key is written in the same transaction: of two racing requests with one key, the second's insert fails.
        await trx.insertInto('application_idempotency').values({ applicant: applicant.nationalCode, key: idempotencyKey, application_id: r.id, request_hash: hash, created_at: this.now().toISOString() }).execute();
        return { application: store.toApplication(await this.enterSubmission(trx, r, s, checked, `person:${applicant.nationalCode}`)), replayed: false };
      });
    } catch (e) {
      const again = await replay().catch(() => null);
      if (again) return again;
      throw e;
    }
  }

  /** draft → awaiting_payment (a fee to pay) or submitted (the first step's queue, its deadline running). */
  private async enterSubmission(trx: Executor, r: NonNullable<Awaited<ReturnType<typeof store.row>>>, s: Delivered, answers: Record<string, unknown>, actor: string) {
    const now = this.now();
    const at = now.toISOString();
    const fee = Number(r.fee_amount);
    if (fee > 0) {
      const ok = await store.update(trx, r.id, r.rev, { status: 'awaiting_payment', answers: JSON.stringify(answers), updated_at: at, submitted_at: at, expires_at: null, page: null }, ['draft']);
      if (!ok) throw conflict('changed_meanwhile', 'این درخواست هم‌زمان تغییر کرد.', 'The application changed meanwhile.');
      await store.addEvent(trx, { applicationId: r.id, at, actor, kind: 'submitted', status: 'awaiting_payment', detail: { fee } });
      await this.notify(trx, r.id, 'awaiting_payment');
      return (await store.row(trx, r.id))!;
    }
    const ok = await store.update(trx, r.id, r.rev, { answers: JSON.stringify(answers), submitted_at: at, expires_at: null, page: null }, ['draft']);
    if (!ok) throw conflict('changed_meanwhile', 'این درخواست هم‌زمان تغییر کرد.', 'The application changed meanwhile.');
    return this.enterStep(trx, r.id, s, 0, actor, 'submitted');
  }

  /** Puts an application in step `index`'s queue, with that step's legal deadline and its jobs. */
  async enterStep(trx: Executor, id: string, s: Delivered, index: number, actor: string, kind: string, detail: Record<string, unknown> = {}) {
    const r = (await store.row(trx, id))!;
    const step = s.delivery.steps[index]!;
    const now = this.now();
    const deadline = (await this.o.calendar.calendar(trx)).addWorkingDays(now, step.deadlineDays);
    const ok = await store.update(trx, id, r.rev, {
      status: 'submitted',
      step_index: index,
      organization: step.organization,
      deadline: deadline.toISOString(),
      paused_remaining: null,
      overdue: 0,
      assigned_to: null,
      first_approval_by: null,
      updated_at: now.toISOString(),
    });
    if (!ok) throw conflict('changed_meanwhile', 'این درخواست هم‌زمان تغییر کرد.', 'The application changed meanwhile.');
    await store.addEvent(trx, { applicationId: id, at: now.toISOString(), actor, kind, status: 'submitted', detail: { ...detail, step: step.id, organization: step.organization, deadline: deadline.toISOString() } });
    await this.scheduleDeadline(trx, id, index, deadline);
    await this.notify(trx, id, 'submitted');
    return (await store.row(trx, id))!;
  }

  async scheduleDeadline(trx: Executor, id: string, step: number, deadline: Date): Promise<void> {
    await this.o.jobs.schedule(trx, JOBS.deadline, { applicationId: id, step, deadline: deadline.toISOString() }, { runAt: deadline, key: id });
  }

  async cancelDeadline(trx: Executor, id: string): Promise<void> {
    await this.o.jobs.cancel(trx, JOBS.deadline, id);
    await this.o.jobs.cancel(trx, JOBS.escalate, id);
  }

  /** A text message about the new status, sent by a durable job (retried if the carrier is down). */
  async notify(trx: Executor, id: string, status: Status, kind: 'status' | 'overdue' = 'status'): Promise<void> {
    await this.o.jobs.schedule(trx, JOBS.notify, { applicationId: id, status, kind }, { runAt: this.now() });
  }

  /** The payment of an awaiting application was verified (called inside the payment's transaction). */
  async paid(trx: Executor, id: string, payment: { id: string; amount: number }): Promise<void> {
    const r = await store.row(trx, id);
    if (!r) throw notFound(APPLICATION);
    if (r.status !== 'awaiting_payment') throw conflict('not_awaiting_payment', 'این درخواست در انتظار پرداخت نیست.', 'This application is not awaiting payment.');
    if (Number(r.fee_amount) !== payment.amount) throw conflict('wrong_amount', 'مبلغ پرداخت با هزینهٔ درخواست یکی نیست.', 'The payment amount differs from the application fee.');
    const s = await this.delivered(r.service_code, r.service_version, trx);
    const at = this.now().toISOString();
    await store.update(trx, id, r.rev, { paid_at: at, updated_at: at }, ['awaiting_payment']);
    await store.addEvent(trx, { applicationId: id, at, actor: 'payments', kind: 'paid', status: 'awaiting_payment', detail: { payment: payment.id, amount: payment.amount } });
    await this.enterStep(trx, id, s, 0, 'payments', 'submitted');
  }

  /** The payment of an application may start: it is the applicant's and awaits payment. */
  async payable(applicant: Applicant, id: string): Promise<Application> {
    const r = await this.own(this.db, applicant, id);
    if (r.status !== 'awaiting_payment') {
      throw conflict('not_awaiting_payment', 'این درخواست در انتظار پرداخت نیست.', 'This application is not awaiting payment.');
    }
    return store.toApplication(r);
  }

  async withdraw(applicant: Applicant, id: string): Promise<Application> {
    return this.db.transaction().execute(async (trx) => {
      const r = await this.own(trx, applicant, id);
      if (r.status === 'withdrawn') return store.toApplication(r);
      if (!WITHDRAWABLE.includes(r.status as Status)) {
        throw conflict('not_withdrawable', 'درخواستی که دربارهٔ آن تصمیم گرفته شده است را نمی‌توان پس گرفت.', 'An application that has been decided cannot be withdrawn.');
      }
      const at = this.now().toISOString();
      const ok = await store.update(trx, id, r.rev, { status: 'withdrawn', decided_at: at, updated_at: at, expires_at: null }, WITHDRAWABLE);
      if (!ok) throw conflict('changed_meanwhile', 'این درخواست هم‌زمان تغییر کرد؛ دوباره تلاش کنید.', 'The application changed meanwhile; try again.');
      await store.addEvent(trx, { applicationId: id, at, actor: `person:${applicant.nationalCode}`, kind: 'withdrawn', status: 'withdrawn' });
      await this.cancelDeadline(trx, id);
      if (r.status !== 'draft') await this.notify(trx, id, 'withdrawn');
      return store.toApplication((await store.row(trx, id))!);
    });
  }

  /**
   * The applicant answers a request for changes: changed answers (checked against the whole form) and
   * a message. The step's deadline resumes with the working days it had left when it was paused.
   */
  async answerChanges(applicant: Applicant, id: string, changes: Record<string, unknown>, message: string): Promise<Application> {
    const r0 = await this.own(this.db, applicant, id);
    const s = await this.delivered(r0.service_code, r0.service_version);
    const text = message.trim();
    if (text.length > 4000) throw invalid('message_too_long', 'پیام حداکثر ۴۰۰۰ نویسه است.', 'A message is at most 4000 characters.');
    return this.db.transaction().execute(async (trx) => {
      const r = await this.own(trx, applicant, id);
      if (r.status !== 'changes_requested') throw conflict('no_changes_requested', 'برای این درخواست اصلاحی خواسته نشده است.', 'No changes were requested for this application.');
      const answers = this.checkAnswers(s, { ...(JSON.parse(r.answers) as Record<string, unknown>), ...changes });
      // What the applicant saw when changes were asked for (answers may have been changed page by page since).
      const asked = await trx.selectFrom('application_events').select('detail').where('application_id', '=', id).where('kind', '=', 'changes_requested').orderBy('id', 'desc').executeTakeFirst();
      const before = ((asked ? JSON.parse(asked.detail) : {}) as { answersBefore?: Record<string, unknown> }).answersBefore ?? (JSON.parse(r.answers) as Record<string, unknown>);
      const changed = [...new Set([...Object.keys(answers), ...Object.keys(before)])].filter((k) => JSON.stringify(answers[k]) !== JSON.stringify(before[k]));
      if (!text && changed.length === 0) {
        throw invalid('nothing_changed', 'پاسخی تغییر نکرده و پیامی هم نوشته نشده است.', 'No answer changed and no message was written.', [{ field: 'message', code: 'required', message: { fa: 'پاسخی را تغییر دهید یا پیامی بنویسید.', en: 'Change an answer or write a message.' } }]);
      }
      const now = this.now();
      const deadline = (await this.o.calendar.calendar(trx)).addWorkingDays(now, Math.max(1, r.paused_remaining ?? 1));
      const ok = await store.update(trx, id, r.rev, { status: 'in_review', answers: JSON.stringify(answers), deadline: deadline.toISOString(), paused_remaining: null, updated_at: now.toISOString() }, ['changes_requested']);
      if (!ok) throw conflict('changed_meanwhile', 'این درخواست هم‌زمان تغییر کرد؛ دوباره تلاش کنید.', 'The application changed meanwhile; try again.');
      await store.addEvent(trx, { applicationId: id, at: now.toISOString(), actor: `person:${applicant.nationalCode}`, kind: 'changes_answered', status: 'in_review', detail: { changed, message: text || null, deadline: deadline.toISOString() } });
      await this.scheduleDeadline(trx, id, r.step_index, deadline);
      return store.toApplication((await store.row(trx, id))!);
    });
  }

  /** A message from the applicant to the agency, on the application's timeline. */
  async message(applicant: Applicant, id: string, text: string): Promise<void> {
    const body = text.trim();
    if (!body) throw invalid('message_empty', 'متن پیام را بنویسید.', 'Write the message.', [{ field: 'message', code: 'required', message: { fa: 'متن پیام را بنویسید.', en: 'Write the message.' } }]);
    if (body.length > 4000) throw invalid('message_too_long', 'پیام حداکثر ۴۰۰۰ نویسه است.', 'A message is at most 4000 characters.');
    await this.db.transaction().execute(async (trx) => {
      const r = await this.own(trx, applicant, id);
      if (r.status === 'draft') throw conflict('not_submitted', 'این درخواست هنوز ثبت نشده است.', 'This application has not been submitted yet.');
      await store.addEvent(trx, { applicationId: id, at: this.now().toISOString(), actor: `person:${applicant.nationalCode}`, kind: 'message', status: r.status as Status, detail: { from: 'applicant', text: body } });
    });
  }

  /** "My applications", newest first, keyset-paged (drafts included, marked so). */
  async listMine(applicant: Applicant, opts: { cursor?: string; limit?: number } = {}): Promise<{ items: ListedApplication[]; next: string | null }> {
    const limit = Math.min(Math.max(opts.limit ?? 20, 1), 100);
    const c = store.decodeCursor(opts.cursor);
    const before = c && typeof c[0] === 'string' && typeof c[1] === 'string' ? [c[0], c[1]] : null;
    const values = [applicant.nationalCode, ...(before ?? []), limit + 1];
    const rows = await this.shapes.execute(before ? 'mine:before' : 'mine', values, (v) => {
      let q = this.db.selectFrom('applications').select(store.LISTED_COLUMNS).where('applicant', '=', v[0] as string);
      if (before) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(v[1] as string, v[2] as string)));
      return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(v[v.length - 1] as number);
    });
    const items = rows.slice(0, limit).map(store.toListed);
    const last = items[items.length - 1];
    return { items, next: rows.length > limit && last ? store.encodeCursor([last.createdAt, last.id]) : null };
  }

  /** One of the applicant's applications with the history they see (internal notes left out). */
  async mine(applicant: Applicant, id: string): Promise<{ application: Application; history: HistoryEntry[] }> {
    const r = await this.own(this.db, applicant, id);
    return { application: store.toApplication(r), history: await store.history(this.db, id, { internal: false }) };
  }
}
