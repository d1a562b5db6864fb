import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Catalog } from '../../catalog/index.js';
import type { NationalIdentity } from '../../identity/index.js';
import type { DatabaseHandle } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { Payments } from '../../payments/index.js';
import { readPrefill, type Applicant, type Application, type Delivered, type OnlineServices } from '../../services/index.js';
import { firstPageWithProblems, findPage, mergePage, nextPage, parsePage, previousPage, visiblePages, type CompiledForm, type FieldError } from '../../services/forms/index.js';
import { setFlash, takeFlash } from '../flash.js';
import { pick, prefix, type Lang } from '../i18n.js';
import { portalExchange } from '../portal-exchange.js';
import { applicationsBase, checkPage, documentsPage, formStepPage, listPage, startPage, statusPage } from './pages.js';

/**
 * Applying online: `/services/{slug}/apply` (the catalogue entry's "Start now"), the form page by page
 * under `/account/applications/{id}/pages/{page}` (saved on the server at every page), "check your
 * answers", submission, payment, and the application's own page with its timeline, messages,
 * withdrawal and the answer to a request for changes. Every POST carries a CSRF token and answers
 * with a redirect to a page that can be refreshed.
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

export async function applyRoutes(app: FastifyInstance, o: ApplyOptions): Promise<void> {
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
      return sendHtml(reply, statusPage(lang, { app: a, serviceTitle: service.title, organizationName: orgName(lang), history, documents: await o.documents.forApplication(a.id), csrf: await reply.generateCsrf(), flash }));
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
      return sendHtml(reply, formStepPage(lang, { app: a, service, form, page, csrf: await reply.generateCsrf(), backHref: backOf(form, a, page.id) }));
    });

    app.post<{ Params: { id: string; page: string }; Body: Body }>(`${base}/:id/pages/:page`, { preHandler: [signedIn, app.csrfProtection], config: { rateLimit } }, async (req, reply) => {
      const { who, app: a, service, form } = await mine(req);
      editable(a);
      const page = pageOf(form, a, req.params.page);
      const { _csrf: _ignored, ...body } = req.body ?? {};
      const parsed = parsePage(form, page.id, body, a.answers);
      if (parsed.errors.length) {
        return sendHtml(reply, formStepPage(lang, { app: a, service, form, page, csrf: await reply.generateCsrf(), errors: parsed.errors, posted: parsed.posted, backHref: backOf(form, a, page.id) }), 400);
      }
      const merged = mergePage(form, a.answers, page.id, parsed.answers);
      const removed = Object.fromEntries(Object.keys(a.answers).filter((k) => !(k in merged)).map((k) => [k, undefined]));
      const saved = await applications.saveDraft(who, a.id, { ...merged, ...removed }, page.id);
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
      return sendHtml(reply, checkPage(lang, { app: a, service, form, csrf: await reply.generateCsrf() }));
    });

    const problemsPage = async (reply: FastifyReply, a: Application, service: Delivered, form: CompiledForm, e: unknown) => {
      if (e instanceof AppError && e.code === 'invalid_answers') {
        return sendHtml(reply, checkPage(lang, { app: a, service, form, csrf: await reply.generateCsrf(), errors: e.details as FieldError[] }), 400);
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
