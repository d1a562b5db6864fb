import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, invalid, notFound } from '../platform/errors.js';
import { sendAttachment } from '../platform/files/index.js';
import { acceptMultipartForms, readMultipart } from '../platform/multipart.js';
import { MAX_ATTACHMENT_BYTES } from './attachments.js';
import type { Applications, Delivered } from './applications.js';
import type { Casework, CaseActor } from './casework.js';
import { STATUSES, type Applicant, type Application, type HistoryEntry, type ListedApplication, type PrefilledSource } from './model.js';
import { formatTrackingCode } from './tracking-code.js';

/**
 * The JSON APIs of online applications:
 * - the citizen's (`/api/v1/…`), with an access token of the platform's own OpenID provider carrying
 *   the `applications` scope: a mobile app or any relying party acts for the signed-in person;
 * - the agency's (`/api/agency/v1/…`), for agencies with case systems of their own, called with their
 *   exchange credential (`X-Road-Client` and `Authorization: ApiKey|Bearer`): the member is the agency.
 * Someone else's application is a 404 on both, so ids cannot be probed.
 */

export interface ServiceApiOptions {
  applications: Applications;
  casework: Casework;
  /** The person the request's access token speaks for (401/403 otherwise). */
  citizen(req: FastifyRequest, reply: FastifyReply): Promise<Applicant>;
  /** The agency the request's exchange credential belongs to (401/403 otherwise). */
  agency(req: FastifyRequest, reply: FastifyReply): Promise<CaseActor>;
  /** Reads the registry data of a service for an applicant (the portal as the exchange's consumer). */
  prefill(applicant: Applicant, service: Delivered, answers: Record<string, unknown>): Promise<PrefilledSource[]>;
  /** Starts the payment of an application awaiting it; null when payments are not configured. */
  startPayment: ((applicant: Applicant, app: Application) => Promise<{ redirectUrl: string }>) | null;
  /** The documents issued for an application. */
  documentsOf(applicationId: string): Promise<Array<{ id: string }>>;
  /** The form of a service as the API describes it (schema and pages). */
  formOf(service: Delivered): { schema: unknown; pages: unknown };
  publicUrl: string;
}

const ID = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } as const;
const localized = { type: 'object', additionalProperties: false, required: ['fa', 'en'], properties: { fa: { type: 'string', maxLength: 2000 }, en: { type: 'string', maxLength: 2000 } } } as const;

/** The public view of history: who acted is a role, not a staff member's identity. */
function publicHistory(h: HistoryEntry[]) {
  return h.map((e) => ({
    at: e.at,
    kind: e.kind,
    status: e.status,
    by: e.actor.startsWith('person:') ? 'applicant' : e.actor === 'system' || e.actor === 'payments' ? e.actor : 'agency',
    ...(e.detail.reasons ? { reasons: e.detail.reasons } : {}),
    ...(e.detail.deadline ? { deadline: e.detail.deadline } : {}),
    ...(e.detail.step ? { step: e.detail.step } : {}),
    ...(e.kind === 'message' ? { text: e.detail.text, from: e.detail.from } : {}),
    ...(e.kind === 'document_issued' ? { document: e.detail.document } : {}),
  }));
}

const nullableString = { type: ['string', 'null'] } as const;
/** The shape of `view`: the response schema of every route that answers with it (documented, and serialised by Fastify's compiled serialiser). */
const applicationView = {
  type: 'object',
  required: ['id', 'trackingCode', 'trackingCodeFormatted', 'service', 'serviceVersion', 'status', 'step', 'organization', 'fee', 'deadline', 'deadlinePaused', 'overdue', 'createdAt', 'submittedAt', 'decidedAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    trackingCode: { type: 'string', description: 'Twelve digits, the last a Verhoeff check digit' },
    trackingCodeFormatted: { type: 'string', description: 'As printed: 4821-0937-5562' },
    service: { type: 'string' },
    serviceVersion: { type: 'integer' },
    status: { type: 'string', enum: [...STATUSES] },
    step: { type: 'integer', description: 'The index of the current step of handling' },
    organization: { type: 'string', description: 'The organisation whose queue the application is in now' },
    fee: { type: 'object', required: ['amount', 'currency', 'paidAt'], properties: { amount: { type: 'integer' }, currency: { type: 'string', enum: ['IRR'] }, paidAt: nullableString } },
    deadline: { ...nullableString, description: 'When the current step must be done (ISO 8601)' },
    deadlinePaused: { type: 'boolean', description: 'True while the applicant is asked for changes' },
    overdue: { type: 'boolean' },
    createdAt: { type: 'string' },
    submittedAt: nullableString,
    decidedAt: nullableString,
  },
} as const;
const listOf = (item: object) => ({ 200: { type: 'object', required: ['items', 'next'], properties: { items: { type: 'array', items: item }, next: { ...nullableString, description: 'The cursor of the next page, null on the last' } } } });

function view(a: ListedApplication) {
  return {
    id: a.id,
    trackingCode: a.trackingCode,
    trackingCodeFormatted: formatTrackingCode(a.trackingCode),
    service: a.service,
    serviceVersion: a.serviceVersion,
    status: a.status,
    step: a.step,
    organization: a.organization,
    fee: a.fee,
    deadline: a.deadline,
    deadlinePaused: a.status === 'changes_requested',
    overdue: a.overdue > 0,
    createdAt: a.createdAt,
    submittedAt: a.submittedAt,
    decidedAt: a.decidedAt,
  };
}

export async function serviceApiRoutes(app: FastifyInstance, o: ServiceApiOptions): Promise<void> {
  await acceptMultipartForms(app);
  const docs = async (id: string) => (await o.documentsOf(id)).map((d) => ({ id: d.id, url: `${o.publicUrl}/account/documents/${d.id}.pdf`, verifyUrl: `${o.publicUrl}/verify/${d.id}` }));
  const tag = { tags: ['applications'] };

  app.get<{ Params: { code: string } }>('/api/v1/services/:code/form', { schema: { ...tag, summary: 'The form of a service delivered here, with the registry data that fills the rest', params: { type: 'object', properties: { code: { type: 'string', maxLength: 64 } } } } }, async (req, reply) => {
    const who = await o.citizen(req, reply);
    const s = await o.applications.delivered(req.params.code);
    const form = o.formOf(s);
    return { service: s.code, version: s.version, schema: form.schema, pages: form.pages, prefill: await o.prefill(who, s, {}) };
  });

  // A file for a form's file field: its id is then the field's answer in POST /api/v1/applications (the person's own files only).
  const fileView = { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' }, type: { type: 'string', enum: ['application/pdf', 'image/jpeg', 'image/png'] }, size: { type: 'integer' } } } as const;
  app.post(
    '/api/v1/files',
    {
      schema: {
        ...tag,
        summary: 'Upload a file to attach (multipart/form-data, one part named "file"): PDF, JPEG or PNG by its content, at most 5 MB; answer a file field with the id',
        consumes: ['multipart/form-data'],
        body: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary', description: 'The file; its name is kept for display only.' } } },
        response: { 201: fileView },
      },
      // The body is read by the handler (after the token is checked), not parsed before it: only the documentation uses the schema.
      validatorCompiler: () => () => true,
    },
    async (req, reply) => {
      const who = await o.citizen(req, reply);
      if (!req.isMultipart()) throw new AppError(415, 'multipart_expected', { fa: 'پرونده را با multipart/form-data و در بخشی به نام file بفرستید.', en: 'Send the file as multipart/form-data, in a part named "file".' });
      const form = await readMultipart(req, { files: 1, fileBytes: MAX_ATTACHMENT_BYTES, fields: 5 });
      if (form.problem) throw form.problem;
      const file = form.files[0];
      if (!file || file.field !== 'file') throw invalid('file_missing', 'پرونده‌ای در بخش file فرستاده نشد.', 'No file was sent in a part named "file".');
      if (file.truncated) throw new AppError(413, 'file_too_large', { fa: 'فایل بزرگ‌تر از ۵ مگابایت است.', en: 'The file is larger than 5 MB.' }, { max: MAX_ATTACHMENT_BYTES });
      const stored = await o.applications.files.upload(who, { name: file.filename, bytes: file.bytes });
      return reply.status(201).send({ id: stored.id, name: stored.name, type: stored.mediaType, size: stored.size });
    },
  );

  app.post<{ Body: { service: string; answers: Record<string, unknown> } }>(
    '/api/v1/applications',
    {
      schema: {
        ...tag,
        summary: 'Submit an application (send an Idempotency-Key header: the same key again returns the same application); a file field is answered with the id of a file you uploaded (POST /api/v1/files)',
        headers: { type: 'object', required: ['idempotency-key'], properties: { 'idempotency-key': { type: 'string', minLength: 8, maxLength: 128 } } },
        body: { type: 'object', additionalProperties: false, required: ['service', 'answers'], properties: { service: { type: 'string', maxLength: 64 }, answers: { type: 'object' } } },
      },
    },
    async (req, reply) => {
      const who = await o.citizen(req, reply);
      const key = String(req.headers['idempotency-key']);
      const s = await o.applications.delivered(req.body.service);
      const prefill = await o.prefill(who, s, req.body.answers);
      const { application, replayed } = await o.applications.create(who, s.code, req.body.answers, key, prefill);
      reply.header('location', `/api/v1/applications/${application.id}`);
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(replayed ? 200 : 201).send({ ...view(application), deadline: application.deadline, fee: application.fee });
    },
  );

  app.get<{ Querystring: { cursor?: string; limit?: number } }>(
    '/api/v1/applications',
    { schema: { ...tag, summary: 'My applications, newest first', querystring: { type: 'object', additionalProperties: false, properties: { cursor: { type: 'string', maxLength: 500 }, limit: { type: 'integer', minimum: 1, maximum: 100 } } }, response: listOf(applicationView) } },
    async (req, reply) => {
      const who = await o.citizen(req, reply);
      const page = await o.applications.listMine(who, { cursor: req.query.cursor, limit: req.query.limit });
      return { items: page.items.map(view), next: page.next };
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/applications/:id', { schema: { ...tag, summary: 'One of my applications, with its history and documents', params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } } } }, async (req, reply) => {
    const who = await o.citizen(req, reply);
    const { application, history } = await o.applications.mine(who, req.params.id);
    return { ...view(application), answers: application.answers, prefill: application.prefill, history: publicHistory(history), documents: await docs(application.id) };
  });

  app.post<{ Params: { id: string } }>('/api/v1/applications/:id/payments', { schema: { ...tag, summary: 'Start paying the fee: send the person to redirectUrl', params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } } } }, async (req, reply) => {
    const who = await o.citizen(req, reply);
    const a = await o.applications.payable(who, req.params.id);
    if (!o.startPayment) throw new AppError(503, 'payments_not_configured', { fa: 'پرداخت الکترونیکی در این درگاه راه‌اندازی نشده است.', en: 'Online payment is not configured on this platform.' });
    return o.startPayment(who, a);
  });

  app.post<{ Params: { id: string } }>('/api/v1/applications/:id/withdraw', { schema: { ...tag, summary: 'Withdraw an application not yet decided', params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } } } }, async (req, reply) => {
    const who = await o.citizen(req, reply);
    return view(await o.applications.withdraw(who, req.params.id));
  });

  // The agency API.
  const atag = { tags: ['agency applications'] };
  app.get<{ Querystring: { status?: string; overdue?: boolean; cursor?: string; limit?: number } }>(
    '/api/agency/v1/applications',
    {
      schema: {
        ...atag,
        summary: 'The agency’s queue: overdue first, then by deadline',
        querystring: { type: 'object', additionalProperties: false, properties: { status: { type: 'string', enum: [...STATUSES] }, overdue: { type: 'boolean' }, cursor: { type: 'string', maxLength: 500 }, limit: { type: 'integer', minimum: 1, maximum: 100 } } },
        response: listOf(applicationView),
      },
    },
    async (req, reply) => {
      const actor = await o.agency(req, reply);
      const page = await o.casework.queueListed(actor, { status: req.query.status as never, overdueOnly: req.query.overdue, cursor: req.query.cursor, limit: req.query.limit });
      return { items: page.items.map(view), next: page.next };
    },
  );

  app.get<{ Params: { id: string } }>('/api/agency/v1/applications/:id', { schema: { ...atag, summary: 'One application of the agency, with the applicant, answers, registry data and history', params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } } } }, async (req, reply) => {
    const actor = await o.agency(req, reply);
    const { application, history } = await o.casework.read(actor, req.params.id);
    const attachments = [...(await o.applications.files.attachments(application)).values()].map((f) => ({ id: f.id, name: f.name, type: f.mediaType, size: f.size, url: `${o.publicUrl}/api/agency/v1/applications/${application.id}/files/${f.id}` }));
    return { ...view(application), rev: application.rev, applicant: application.applicant, answers: application.answers, prefill: application.prefill, attachments, history, documents: await docs(application.id) };
  });

  app.get<{ Params: { id: string; file: string } }>(
    '/api/agency/v1/applications/:id/files/:file',
    { schema: { ...atag, summary: 'An attachment of one of the agency’s applications (a file its answers name), as it was uploaded: PDF, JPEG or PNG', params: { type: 'object', required: ['id', 'file'], properties: { id: ID, file: ID } } } },
    async (req, reply) => {
      const actor = await o.agency(req, reply);
      const file = await o.casework.attachment(actor, req.params.id, req.params.file);
      if (!file) throw notFound({ fa: 'پیوست', en: 'Attachment' });
      return sendAttachment(reply, file);
    },
  );

  app.post<{ Params: { id: string }; Body: { decision: string; reasons?: Array<{ fa: string; en: string }>; rev?: number } }>(
    '/api/agency/v1/applications/:id/decision',
    {
      schema: {
        ...atag,
        summary: 'Decide: approve, reject or request changes (reasons required for the last two; the applicant reads them)',
        params: { type: 'object', properties: { id: ID } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['decision'],
          properties: { decision: { type: 'string', enum: ['approve', 'reject', 'request_changes'] }, reasons: { type: 'array', maxItems: 20, items: localized }, rev: { type: 'integer', minimum: 0 } },
        },
      },
    },
    async (req, reply) => {
      const actor = await o.agency(req, reply);
      const reasons = req.body.reasons ?? [];
      if (reasons.some((r) => !r.fa.trim() || !r.en.trim())) throw invalid('reason_incomplete', 'هر دلیل باید به فارسی و انگلیسی نوشته شود.', 'Each reason needs its Persian and English text.');
      const a = await o.casework.decide(actor, req.params.id, { decision: req.body.decision, reasons, rev: req.body.rev });
      return view(a);
    },
  );
}
