import type { Kysely } from 'kysely';
import type { Catalog, Localized } from '../catalog/index.js';
import type { OutboundMessages } from '../platform/messaging/index.js';
import { Applications } from './applications.js';
import { Casework } from './casework.js';
import { deliveryProblems } from './definition.js';
import { CompiledForms } from './form-engine.js';
import { applicationJobHandlers, JOBS } from './jobs.js';
import type { AttachmentStore, Clock, DocumentIssuer, JobScheduler, Refunds, WorkingDayCalendar } from './ports.js';

export { serviceMigrations } from './migrations.js';
export { Applications, type Delivered } from './applications.js';
export { Casework, DECISIONS, type CaseActor, type Decision, type QueueFilter } from './casework.js';
export { JOBS } from './jobs.js';
export { STATUSES, STATUS_NAMES, type Applicant, type Application, type ApplicationSummary, type HistoryEntry, type ListedApplication, type PrefilledSource, type Status } from './model.js';
export type { Delivery, PrefillSource, Step, DocumentTemplate } from './definition.js';
export { readPrefill, PrefillFailed, type RegistryReader } from './prefill.js';
export { formatTrackingCode, parseTrackingCode } from './tracking-code.js';
export { serviceApiRoutes, type ServiceApiOptions } from './routes.js';
export { CompiledForms } from './form-engine.js';
export { MAX_ATTACHMENT_BYTES, PENDING_UPLOAD, uploadProblem, type Upload } from './attachments.js';
export type { AttachmentMeta, AttachmentStore } from './ports.js';

/** Registers a job handler; the platform's durable jobs (src/platform/jobs) in production. */
export interface JobRegistry extends JobScheduler {
  register(kind: string, handler: (job: { payload: unknown }) => Promise<void>, opts?: { maxAttempts?: number }): void;
}

export interface OnlineServicesOptions {
  catalog: Catalog;
  clock: Clock;
  calendar: WorkingDayCalendar;
  jobs: JobRegistry;
  messages: OutboundMessages;
  documents: DocumentIssuer | null;
  refunds: Refunds | null;
  /** Stored attachments (src/platform/files): the answers of forms' file fields. */
  files?: AttachmentStore | null;
  publicUrl: string;
}

/**
 * Online applications: services delivered on the platform. Composes the applicant's side, the back
 * office and the jobs that carry deadlines, messages, documents and refunds, and teaches the catalogue
 * to check delivery definitions (so an entry with a bad form is refused at import and in the console).
 */
export class OnlineServices {
  readonly forms = new CompiledForms();
  readonly applications: Applications;
  readonly casework: Casework;
  /** The platform's time, as applications see it. */
  readonly clock: Clock;

  constructor(db: Kysely<any>, o: OnlineServicesOptions) {
    this.clock = o.clock;
    const definitions = {
      version: (code: string, version?: number, executor?: Kysely<any>) => o.catalog.serviceVersion(code, version, executor),
      organizationName: (code: string): Localized | undefined => o.catalog.read.organization(code)?.name,
    };
    this.applications = new Applications(db, { clock: o.clock, calendar: o.calendar, jobs: o.jobs, definitions, forms: this.forms, files: o.files });
    this.casework = new Casework(this.applications, { clock: o.clock, calendar: o.calendar, jobs: o.jobs });
    o.catalog.deliveries.register((delivery, _service, ctx) =>
      deliveryProblems(delivery, {
        organizationExists: ctx.organizationExists,
        checkForm: (form) => this.forms.check(form),
        formFields: (form) => this.forms.fields(form),
      }),
    );
    const handlers = applicationJobHandlers({
      apps: this.applications,
      clock: o.clock,
      calendar: o.calendar,
      jobs: o.jobs,
      messages: o.messages,
      documents: o.documents,
      refunds: o.refunds,
      organizationName: definitions.organizationName,
      publicUrl: o.publicUrl,
    });
    for (const [kind, handler] of Object.entries(handlers)) {
      // A text message is retried a few times; a deadline, a document or a refund until it succeeds (the default).
      o.jobs.register(kind, (job) => handler(job.payload), kind === JOBS.notify ? { maxAttempts: 4 } : {});
    }
  }
}
