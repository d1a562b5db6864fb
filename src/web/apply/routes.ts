import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Catalog } from '../../catalog/index.js';
import type { NationalIdentity } from '../../identity/index.js';
import type { DatabaseHandle } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { acceptMultipartForms, readMultipart, type MultipartForm } from '../../platform/multipart.js';
import type { Payments } from '../../payments/index.js';
import { MAX_ATTACHMENT_BYTES, PENDING_UPLOAD, readPrefill, uploadProblem, type Applicant, type Application, type Delivered, type OnlineServices, type Upload } from '../../services/index.js';
import { fieldError, firstPageWithProblems, findPage, mergePage, nextPage, parsePage, previousPage, visiblePages, type CompiledForm, type FieldError, type PageDefinition } from '../../services/forms/index.js';
import { setFlash, takeFlash } from '../flash.js';
import { pick, prefix, type Lang } from '../i18n.js';
import { sendAttachment } from '../../platform/files/index.js';
import { portalExchange } from '../portal-exchange.js';
import { applicationsBase, checkPage, documentsPage, formStepPage, listPage, startPage, statusPage } from './pages.js';

/**
 * Applying online: `/services/{slug}/apply` (the catalogue entry's "Start now"), the form page by page
 * under `/account/applications/{id}/pages/{page}` (saved on the server at every page), "check your
 * answers", submission, payment, and the application's own page with its timeline, messages,
 * withdrawal and the answer to a request for changes. Every POST carries a CSRF token and answers
 * with a redirect to a page that can be refreshed. A page with a file field posts multipart/form-data:
 * the files are read within limits made for that page (one file of at most 5 MB per file field),
 * checked by content and stored with the page's answers, and the applicant downloads them again
 * from `/account/applications/{id}/files/{file}`.
 */

export interface ApplyOptions {
  services: OnlineServices;
  catalog: Catalog;
  identity: NationalIdentity;
  payments: Payments;
  documents: HolderDocuments;
  database: DatabaseHandle;
  publicUrl: string;
  localGateway: boolean;
  secureCookies: boolean;
}

/** What the portal needs of issued documents: a person's own, and their files. */
export interface HolderDocuments {
  forApplication(applicationId: string): Promise<Array<{ id: string }>>;
  listForHolder(nationalCode: string): Promise<Array<{ id: string; title: { fa: string; en: string }; organization: { name: { fa: string; en: string } }; issuedAt: string; status: string }>>;
  get(id: string): Promise<{ holder: { nationalCode: string } } | undefined>;
  pdf(id: string): Promise<Buffer | undefined>;
}

type Body = Record<string, string | string[] | undefined>;
const FLASH = 'pj-application';
const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

/** Text fields a form page may post: its inputs (an address has several) and a few hidden ones. */
const PAGE_FIELDS = 60;

/** The problem of a multipart form that was not read to its end, on the page's file field when it has one. */
function uploadRefusal(form: CompiledForm, page: PageDefinition, problem: AppError): FieldError {
  const files = page.fields.filter((f) => form.fields[f]?.kind === 'file');
  if (problem.code === 'upload_too_large' && files.length === 1) return fieldError(files[0]!, form.fields[files[0]!], 'file_too_large', { limit: MAX_ATTACHMENT_BYTES / (1024 * 1024) });
  return { field: files[0] ?? '_form', code: 'invalid', message: problem.messages };
}

export async function applyRoutes(app: FastifyInstance, o: ApplyOptions): Promise<void> {
  await acceptMultipartForms(app);
  const exchange = portalExchange(app, o);
  const { applications, forms } = o.services;
  const orgName = (lang: Lang) => (code: string) => {
    const org = o.catalog.read.organization(code);
    return org ? pick(org.name, lang) : code;
  };
  const applicantOf = async (req: FastifyRequest): Promise<Applicant> => {
    const p = req.person!;
    return { nationalCode: p.nationalCode, name: p.name ?? { fa: p.nationalCode, en: p.nationalCode }, mobile: await o.identity.people.mobileOf(p.nationalCode) };
  };
  const prefillFor = (who: Applicant, s: Delivered, answers: Record<string, unknown>) =>
    readPrefill({ get: (service, path, opts) => exchange.get(service, path, opts) }, s.delivery.prefill, who.nationalCode, answers, o.services.clock.now());
  const rateLimit = { max: 30, timeWindow: '1 minute', keyGenerator: (req: FastifyRequest) => `apply:${req.person?.subject ?? req.ip}` };

  for (const lang of ['fa', 'en'] as Lang[]) {
    const p = prefix(lang);
    const base = applicationsBase(lang);
    const signIn = (req: FastifyRequest) => `${p}/account/signin?return=${encodeURIComponent(req.url)}`;
    const signedIn = async (req: FastifyRequest, reply: FastifyReply) => {
      if (!req.person) return reply.redirect(signIn(req), 303);
    };
    const serviceOf = async (slug: string): Promise<Delivered> => {
      const entry = o.catalog.read.service(slug);
      if (!entry || entry.slug !== slug) throw new AppError(404, 'not_found', { fa: 'این خدمت پیدا نشد.', en: 'This service was not found.' });
      return applications.delivered(entry.code);
    };
    const mine = async (req: FastifyRequest<{ Params: { id: string } }>) => {
      const who = await applicantOf(req);
      const { application, history } = await applications.mine(who, req.params.id);
      const service = await applications.delivered(application.service, application.serviceVersion);
      return { who, app: application, history, service, form: forms.compiled(service.delivery.form) };
    };
    /** The names of the files an application's answers name, for its pages. */
    const fileNames = async (a: Application) => {
      const files = await applications.files.attachments(a);
      return (id: string) => files.get(id)?.name;
    };
    const toStatus = (reply: FastifyReply, id: string, flash?: string) => {
      if (flash) setFlash(reply, FLASH, `${base}/${id}`, flash, o.secureCookies);
      return reply.redirect(`${base}/${id}`, 303);
    };
    /** Where an application being filled in goes next: the first page with a problem, else "check your answers". */
    const resume = (a: Application, form: CompiledForm) => {
      const page = a.status === 'draft' ? firstPageWithProblems(form, a.answers) : null;
      return page ? `${base}/${a.id}/pages/${page.id}` : `${base}/${a.id}/check`;
    };

    app.get<{ Params: { slug: string } }>(`${p}/services/:slug/apply`, async (req, reply) => {
      const service = await serviceOf(req.params.slug);
      const entry = o.catalog.read.service(service.code)!;
      const drafts = req.person ? await applications.drafts(await applicantOf(req), service.code) : [];
      if (req.person) reply.header('cache-control', 'private, no-store');
      return sendHtml(reply, startPage(lang, { service, summary: entry.summary, organizationName: orgName(lang), signedIn: Boolean(req.person), drafts, csrf: await reply.generateCsrf() }));
    });

    app.post<{ Params: { slug: string } }>(`${p}/services/:slug/apply`, { preHandler: [signedIn, app.csrfProtection], config: { rateLimit } }, async (req, reply) => {
      const service = await serviceOf(req.params.slug);
      const who = await applicantOf(req);
      // Registry data that needs no answer is read now, so the applicant sees it before typing anything.
      const prefill = await prefillFor(who, service, {});
      const a = await applications.startDraft(who, service.code, prefill);
      const first = visiblePages(forms.compiled(service.delivery.form), {})[0];
      return reply.redirect(first ? `${base}/${a.id}/pages/${first.id}` : `${base}/${a.id}/check`, 303);
    });

    app.get<{ Querystring: { cursor?: string } }>(base, { preHandler: signedIn }, async (req, reply) => {
      const page = await applications.listMine(await applicantOf(req), { cursor: typeof req.query.cursor === 'string' ? req.query.cursor : undefined, limit: 20 });
      return sendHtml(reply, listPage(lang, { ...page, title: (code) => o.catalog.read.service(code)?.title ?? { fa: code, en: code } }));
    });

    app.get<{ Params: { id: string }; Querystring: { payment?: string } }>(`${base}/:id`, { preHandler: signedIn }, async (req, reply) => {
      const { app: a, history, service } = await mine(req);
      const flash = takeFlash<string>(req, reply, FLASH, `${base}/${a.id}`) ?? (req.query.payment === 'verified' && a.fee.paidAt ? 'paymentDone' : req.query.payment === 'cancelled' || req.query.payment === 'failed' ? 'paymentCancelled' : undefined);
      const attachments = [...(await applications.files.attachments(a)).values()].map((f) => ({ id: f.id, name: f.name, size: f.size }));
      return sendHtml(reply, statusPage(lang, { app: a, serviceTitle: service.title, organizationName: orgName(lang), history, documents: await o.documents.forApplication(a.id), attachments, csrf: await reply.generateCsrf(), flash }));
    });

    // An attachment of the applicant's own application: only a file its answers name; anything else is "not found".
    app.get<{ Params: { id: string; file: string } }>(`${base}/:id/files/:file`, { preHandler: signedIn }, async (req, reply) => {
      const file = /^[0-9a-f-]{36}$/.test(req.params.file) ? await applications.attachment(await applicantOf(req), req.params.id, req.params.file) : null;
      if (!file) throw new AppError(404, 'not_found', { fa: 'این پرونده پیدا نشد.', en: 'This file was not found.' });
      return sendAttachment(reply, file);
    });

    app.get(`${p}/account/documents`, { preHandler: signedIn }, async (req, reply) => {
      const docs = await o.documents.listForHolder(req.person!.nationalCode);
      return sendHtml(reply, documentsPage(lang, docs));
    });

    // The holder's own signed PDF; anyone else's number is "not found" (the public page verifies, it does not hand out the document).
    app.get<{ Params: { file: string } }>(`${p}/account/documents/:file`, { preHandler: signedIn }, async (req, reply) => {
      const m = /^([A-Za-z0-9-]{1,40})\.pdf$/.exec(req.params.file);
      const doc = m ? await o.documents.get(m[1]!) : undefined;
      const pdf = doc && doc.holder.nationalCode === req.person!.nationalCode ? await o.documents.pdf(m![1]!) : undefined;
      if (!pdf) throw new AppError(404, 'not_found', { fa: 'این مدرک پیدا نشد.', en: 'This document was not found.' });
      return reply.type('application/pdf').header('cache-control', 'private, no-store').header('content-disposition', `inline; filename="${m![1]}.pdf"`).send(pdf);
    });

    app.get<{ Params: { id: string } }>(`${base}/:id/continue`, { preHandler: signedIn }, async (req, reply) => {
      const { app: a, form } = await mine(req);
      if (a.status !== 'draft' && a.status !== 'changes_requested') return reply.redirect(`${base}/${a.id}`, 303);
      return reply.redirect(resume(a, form), 303);
    });

    const editable = (a: Application) => {
      if (a.status !== 'draft' && a.status !== 'changes_requested') throw new AppError(409, 'not_editable', { fa: 'پاسخ‌های این درخواست را اکنون نمی‌توان تغییر داد.', en: 'The answers of this application cannot be changed now.' });
    };
    const pageOf = (form: CompiledForm, a: Application, pageId: string) => {
      const page = findPage(form, pageId);
      if (!page || !visiblePages(form, a.answers).some((v) => v.id === page.id)) throw new AppError(404, 'not_found', { fa: 'این صفحه پیدا نشد.', en: 'This page was not found.' });
      return page;
    };
    const backOf = (form: CompiledForm, a: Application, pageId: string) => {
      const prev = previousPage(form, a.answers, pageId);
      return prev ? `${base}/${a.id}/pages/${prev.id}` : a.status === 'draft' ? `${p}/services/${o.catalog.read.service(a.service)?.slug ?? ''}/apply` : `${base}/${a.id}/check`;
    };

    app.get<{ Params: { id: string; page: string } }>(`${base}/:id/pages/:page`, { preHandler: signedIn }, async (req, reply) => {
      const { app: a, service, form } = await mine(req);
      editable(a);
      const page = pageOf(form, a, req.params.page);
      return sendHtml(reply, formStepPage(lang, { app: a, service, form, page, csrf: await reply.generateCsrf(), backHref: backOf(form, a, page.id), fileName: await fileNames(a) }));
    });

    /** The page again with its problems (nothing saved). */
    const pageAgain = async (reply: FastifyReply, a: Application, service: Delivered, form: CompiledForm, page: PageDefinition, errors: FieldError[], status: number, posted?: Record<string, string | string[]>) =>
      sendHtml(reply, formStepPage(lang, { app: a, service, form, page, csrf: await reply.generateCsrf(), errors, posted, backHref: backOf(form, a, page.id), fileName: await fileNames(a) }), status);

    /**
     * A page posted as multipart/form-data is read before the CSRF check (its token is one of the
     * form's fields), within the page's own limits: one file per file field, each at most 5 MB. A
     * body too large or with too many parts shows the page again with the problem (413), nothing read
     * further and nothing saved.
     */
    const uploaded = new WeakMap<FastifyRequest, MultipartForm>();
    const readPage = async (req: FastifyRequest<{ Params: { id: string; page: string } }>, reply: FastifyReply) => {
      if (!req.isMultipart()) return;
      const { app: a, service, form } = await mine(req);
      editable(a);
      const page = pageOf(form, a, req.params.page);
      const files = page.fields.filter((f) => form.fields[f]?.kind === 'file').length;
      const read = await readMultipart(req, { files, fileBytes: MAX_ATTACHMENT_BYTES, fields: PAGE_FIELDS });
      if (read.problem) return pageAgain(reply, a, service, form, page, [uploadRefusal(form, page, read.problem)], read.problem.status);
      req.body = read.fields;
      uploaded.set(req, read);
    };

    app.post<{ Params: { id: string; page: string }; Body: Body }>(`${base}/:id/pages/:page`, { preHandler: [signedIn, readPage, app.csrfProtection], config: { rateLimit } }, async (req, reply) => {
      const { who, app: a, service, form } = await mine(req);
      editable(a);
      const page = pageOf(form, a, req.params.page);
      const { _csrf: _ignored, ...body } = req.body ?? {};
      // Files: each checked by its content before anything is stored, so the page tells every problem at once.
      const problems: FieldError[] = [];
      let status = 400;
      const uploads: Record<string, Upload> = {};
      for (const f of uploaded.get(req)?.files ?? []) {
        const def = form.fields[f.field];
        if (!def || def.kind !== 'file' || !page.fields.includes(f.field) || f.field in uploads) {
          problems.push({ field: def && page.fields.includes(f.field) ? f.field : '_form', code: 'invalid', message: { fa: 'این پرسش پرونده نمی‌پذیرد.', en: 'This question does not take a file.' } });
          continue;
        }
        const problem = uploadProblem(f.field, def, { name: f.filename, bytes: f.bytes, truncated: f.truncated });
        if (problem) {
          problems.push(problem);
          if (problem.code === 'file_too_large') status = 413;
        } else uploads[f.field] = { name: f.filename, bytes: f.bytes };
      }
      // A file field's answer is a new upload or the file already attached to this draft, never an id typed into the form.
      for (const name of page.fields.filter((f) => form.fields[f]!.kind === 'file')) {
        const current = typeof body[`${name}-current`] === 'string' ? (body[`${name}-current`] as string).trim().toLowerCase() : '';
        delete body[name];
        delete body[`${name}-current`];
        if (uploads[name]) body[name] = PENDING_UPLOAD;
        else if (current && current === a.answers[name]) body[`${name}-current`] = current;
        else if (current && !problems.some((p) => p.field === name)) problems.push(fieldError(name, form.fields[name], 'file_id'));
      }
      const parsed = parsePage(form, page.id, body, a.answers);
      const errors = [...problems, ...parsed.errors.filter((e) => !problems.some((p) => p.field === e.field))].sort((x, y) => page.fields.indexOf(x.field) - page.fields.indexOf(y.field));
      if (errors.length) return pageAgain(reply, a, service, form, page, errors, status, parsed.posted);
      const merged = mergePage(form, a.answers, page.id, parsed.answers);
      const removed = Object.fromEntries(Object.keys(a.answers).filter((k) => !(k in merged)).map((k) => [k, undefined]));
      let saved: Application;
      try {
        saved = await applications.saveDraft(who, a.id, { ...merged, ...removed }, page.id, undefined, uploads);
      } catch (e) {
        if (e instanceof AppError && e.code === 'invalid_answers' && Array.isArray(e.details)) return pageAgain(reply, a, service, form, page, e.details as FieldError[], e.status, parsed.posted);
        throw e;
      }
      // After a change from "check your answers", go back there unless the change opened a page not yet answered.
      const next = nextPage(form, saved.answers, page.id);
      const target = next && (a.status === 'draft' || firstPageWithProblems(form, saved.answers)?.id === next.id) ? `${base}/${a.id}/pages/${next.id}` : `${base}/${a.id}/check`;
      return reply.redirect(target, 303);
    });

    app.get<{ Params: { id: string } }>(`${base}/:id/check`, { preHandler: signedIn }, async (req, reply) => {
      let { who, app: a, service, form } = await mine(req);
      editable(a);
      // Registry data that depends on an answer (the address of a postal code) is read once that answer is given.
      if (a.status === 'draft' && service.delivery.prefill.some((s) => s.path.includes('{answers.'))) {
        a = await applications.saveDraft(who, a.id, {}, a.page, await prefillFor(who, service, a.answers));
      }
      return sendHtml(reply, checkPage(lang, { app: a, service, form, csrf: await reply.generateCsrf(), fileName: await fileNames(a) }));
    });

    const problemsPage = async (reply: FastifyReply, a: Application, service: Delivered, form: CompiledForm, e: unknown) => {
      if (e instanceof AppError && e.code === 'invalid_answers') {
        return sendHtml(reply, checkPage(lang, { app: a, service, form, csrf: await reply.generateCsrf(), errors: e.details as FieldError[], fileName: await fileNames(a) }), 400);
      }
      throw e;
    };

    app.post<{ Params: { id: string } }>(`${base}/:id/submit`, { preHandler: [signedIn, app.csrfProtection], config: { rateLimit } }, async (req, reply) => {
      const { who, app: a, service, form } = await mine(req);
      let submitted: Application;
      try {
        submitted = await applications.submit(who, a.id);
      } catch (e) {
        return problemsPage(reply, a, service, form, e);
      }
      if (submitted.status === 'awaiting_payment' && a.status === 'draft' && o.payments.configured) {
        const { redirectUrl } = await startPayment(who, submitted, lang);
        return reply.redirect(redirectUrl, 303);
      }
      return toStatus(reply, a.id, 'submitted');
    });

    app.post<{ Params: { id: string }; Body: Body }>(`${base}/:id/answer`, { preHandler: [signedIn, app.csrfProtection], config: { rateLimit } }, async (req, reply) => {
      const { who, app: a, service, form } = await mine(req);
      try {
        await applications.answerChanges(who, a.id, {}, String(req.body?.message ?? ''));
      } catch (e) {
        return problemsPage(reply, a, service, form, e);
      }
      return toStatus(reply, a.id, 'answered');
    });

    app.post<{ Params: { id: string } }>(`${base}/:id/pay`, { preHandler: [signedIn, app.csrfProtection], config: { rateLimit } }, async (req, reply) => {
      const who = await applicantOf(req);
      const a = await applications.payable(who, req.params.id);
      const { redirectUrl } = await startPayment(who, a, lang);
      return reply.redirect(redirectUrl, 303);
    });

    app.post<{ Params: { id: string } }>(`${base}/:id/withdraw`, { preHandler: [signedIn, app.csrfProtection] }, async (req, reply) => {
      const a = await applications.withdraw(await applicantOf(req), req.params.id);
      return toStatus(reply, a.id, 'withdrawn');
    });

    app.post<{ Params: { id: string }; Body: Body }>(`${base}/:id/message`, { preHandler: [signedIn, app.csrfProtection], config: { rateLimit } }, async (req, reply) => {
      const who = await applicantOf(req);
      try {
        await applications.message(who, req.params.id, String(req.body?.message ?? ''));
      } catch (e) {
        if (!(e instanceof AppError) || e.status !== 400) throw e;
        const { app: a, history, service } = await mine(req);
        return sendHtml(reply, statusPage(lang, { app: a, serviceTitle: service.title, organizationName: orgName(lang), history, documents: await o.documents.forApplication(a.id), csrf: await reply.generateCsrf(), problem: { field: 'message', message: e.messages[lang] } }), 400);
      }
      return toStatus(reply, req.params.id, 'messageSent');
    });
  }

  /** Asks the provider for a payment of the application's fee; the amount is the platform's, never the browser's. */
  async function startPayment(who: Applicant, a: Application, lang: Lang) {
    const service = o.catalog.read.service(a.service);
    return o.payments.start(
      { kind: 'application', reference: a.id, amount: a.fee.amount, description: service?.title ?? { fa: a.service, en: a.service }, payer: who.nationalCode },
      { returnTo: `${applicationsBase(lang)}/${a.id}`, actor: `person:${who.nationalCode}` },
    );
  }
}
