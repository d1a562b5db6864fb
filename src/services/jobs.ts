import type { Localized } from '../catalog/index.js';
import type { OutboundMessages } from '../platform/messaging/index.js';
import type { Applications } from './applications.js';
import type { Delivery } from './definition.js';
import { FINAL, type Status } from './model.js';
import { overdueNotice, statusNotice } from './notices.js';
import type { Clock, DocumentIssuer, JobScheduler, Refunds, WorkingDayCalendar } from './ports.js';
import * as store from './store.js';

/**
 * The durable jobs of online applications. Each is scheduled in the transaction of the change that
 * needs it and runs once across nodes, retried until it succeeds (src/platform/jobs): a text message,
 * a step's legal deadline, its escalation, the signed document of an approval, a refund.
 */
export const JOBS = {
  notify: 'application.notify',
  deadline: 'application.deadline',
  escalate: 'application.escalate',
  document: 'application.document',
  refund: 'application.refund',
  purgeDrafts: 'application.purge-drafts',
} as const;

/** Working days an overdue application waits before it is escalated to the national authority. */
export const ESCALATE_AFTER_DAYS = 3;

export interface JobDeps {
  apps: Applications;
  clock: Clock;
  calendar: WorkingDayCalendar;
  jobs: JobScheduler;
  messages: OutboundMessages;
  documents: DocumentIssuer | null;
  refunds: Refunds | null;
  organizationName: (code: string) => Localized | undefined;
  publicUrl: string;
}

type Handler = (payload: unknown) => Promise<void>;

export function applicationJobHandlers(d: JobDeps): Record<string, Handler> {
  const db = d.apps.db;
  const at = () => d.clock.now().toISOString();
  return {
    async [JOBS.notify](payload) {
      const { applicationId, status, kind } = payload as { applicationId: string; status: Status; kind: 'status' | 'overdue' | 'message' };
      const r = await store.row(db, applicationId);
      if (!r?.applicant_mobile) return;
      const s = await d.apps.delivered(r.service_code, r.service_version).catch(() => null);
      const service = s?.title ?? { fa: r.service_code, en: r.service_code };
      const body =
        kind === 'overdue'
          ? overdueNotice({ service, trackingCode: r.tracking_code, publicUrl: d.publicUrl })
          : kind === 'message'
            ? `پنجره: پیام تازه‌ای دربارهٔ درخواست «${service.fa}» دارید. ${d.publicUrl}/account/applications`
            : statusNotice({ service, trackingCode: r.tracking_code, status, publicUrl: d.publicUrl });
      await d.messages.send({ channel: 'sms', to: r.applicant_mobile, body, purpose: `application-${kind}` });
    },

    /** A step's legal deadline passed: the application goes on the overdue lists and is escalated later. */
    async [JOBS.deadline](payload) {
      const { applicationId, step, deadline } = payload as { applicationId: string; step: number; deadline: string };
      await db.transaction().execute(async (trx) => {
        const r = await store.row(trx, applicationId);
        // Acted on already, or the deadline moved (a later step, a pause): this job is stale.
        if (!r || r.step_index !== step || r.deadline !== deadline || r.overdue !== 0 || !['submitted', 'in_review'].includes(r.status)) return;
        if (!(await store.update(trx, r.id, r.rev, { overdue: 1, updated_at: at() }))) return;
        await store.addEvent(trx, { applicationId: r.id, at: at(), actor: 'system', kind: 'overdue', status: r.status as Status, detail: { deadline, organization: r.organization } });
        await d.jobs.schedule(trx, JOBS.notify, { applicationId: r.id, status: r.status, kind: 'overdue' }, { runAt: d.clock.now() });
        const escalateAt = (await d.calendar.calendar(trx)).addWorkingDays(new Date(deadline), ESCALATE_AFTER_DAYS);
        await d.jobs.schedule(trx, JOBS.escalate, { applicationId: r.id, step, deadline }, { runAt: escalateAt, key: r.id });
      });
    },

    async [JOBS.escalate](payload) {
      const { applicationId, step, deadline } = payload as { applicationId: string; step: number; deadline: string };
      await db.transaction().execute(async (trx) => {
        const r = await store.row(trx, applicationId);
        if (!r || r.step_index !== step || r.deadline !== deadline || r.overdue !== 1 || !['submitted', 'in_review'].includes(r.status)) return;
        if (!(await store.update(trx, r.id, r.rev, { overdue: 2, updated_at: at() }))) return;
        await store.addEvent(trx, { applicationId: r.id, at: at(), actor: 'system', kind: 'escalated', status: r.status as Status, detail: { deadline, organization: r.organization }, internal: true });
      });
    },

    /** Issues the signed document of an approved application, once (a retry after a crash finds it issued). */
    async [JOBS.document](payload) {
      const { applicationId } = payload as { applicationId: string };
      if (!d.documents) throw new Error('documents are not configured on this node');
      const r = await store.row(db, applicationId);
      if (!r || r.status !== 'approved') return;
      const s = await d.apps.delivered(r.service_code, r.service_version);
      const tpl = (s.delivery as Delivery).document;
      if (!tpl) return;
      const app = store.toApplication(r);
      const fields = tpl.fields.map((f) => ({ label: f.label, value: documentValue(f.value, app) }));
      await db.transaction().execute(async (trx) => {
        const issued = await trx.selectFrom('application_events').select('id').where('application_id', '=', r.id).where('kind', '=', 'document_issued').executeTakeFirst();
        if (issued) return;
        const doc = await d.documents!.issue(trx, {
          type: tpl.type,
          title: tpl.title,
          organization: { code: s.organization, name: d.organizationName(s.organization) ?? { fa: s.organization, en: s.organization } },
          holder: { nationalCode: r.applicant, name: app.applicant.name },
          fields,
          validDays: tpl.validDays,
          applicationId: r.id,
        });
        await store.addEvent(trx, { applicationId: r.id, at: at(), actor: 'system', kind: 'document_issued', status: 'approved', detail: { document: doc.id, type: tpl.type } });
      });
    },

    async [JOBS.refund](payload) {
      const { applicationId } = payload as { applicationId: string };
      if (!d.refunds) throw new Error('payments are not configured on this node');
      const r = await store.row(db, applicationId);
      if (!r || r.status !== 'rejected' || !r.paid_at) return;
      const done = await db.selectFrom('application_events').select('id').where('application_id', '=', r.id).where('kind', '=', 'refunded').executeTakeFirst();
      if (done) return;
      const refunded = await d.refunds.refundFor(r.id, { fa: 'بازپرداخت هزینهٔ درخواست ردشده', en: 'Refund of a rejected application' });
      if (refunded) await store.addEvent(db, { applicationId: r.id, at: at(), actor: 'payments', kind: 'refunded', status: 'rejected', detail: { amount: Number(r.fee_amount) } });
    },

    /** Drafts untouched for their keeping period are removed (the applicant was told how long they are kept). */
    async [JOBS.purgeDrafts]() {
      const now = at();
      await db.transaction().execute(async (trx) => {
        const gone = await trx.deleteFrom('applications').where('status', '=', 'draft').where('expires_at', '<', now).returning('id').execute();
        // Their attachments go with them: a file uploaded on a draft's page is that draft's alone.
        await d.apps.files.removeDraftFiles(trx, gone.map((r) => r.id));
      });
      // Files uploaded through the citizen API and named by no application are kept as long as a draft, then go too.
      await d.apps.files.removeUnusedUploads(new Date(d.clock.now().getTime() - d.apps.draftDays * 86_400_000).toISOString());
      await d.jobs.schedule(db, JOBS.purgeDrafts, {}, { runAt: new Date(d.clock.now().getTime() + 86_400_000), key: 'daily' });
    },
  };
}

/** A document field's value from the application: `answers.X`, `prefill.SOURCE.FIELD`, `applicant.name`, … */
export function documentValue(ref: string, app: ReturnType<typeof store.toApplication>): string {
  const [kind, a, b] = ref.split('.');
  if (kind === 'applicant') return a === 'name' ? app.applicant.name.fa : app.applicant.nationalCode;
  if (kind === 'application') return a === 'trackingCode' ? app.trackingCode : (app.submittedAt ?? '');
  if (kind === 'answers') {
    const v = app.answers[a!];
    return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  if (kind === 'prefill') return app.prefill.find((p) => p.id === a)?.fields.find((f) => f.id === b)?.value ?? '';
  return '';
}

export const isFinal = (s: Status): boolean => FINAL.includes(s);
