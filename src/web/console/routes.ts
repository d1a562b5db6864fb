import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SERVICE_CODE, validateServiceInput, type Actor, type Catalog, type Localized, type ServiceData } from '../../catalog/index.js';
import type { NationalIdentity, StaffDirectory, StaffUser } from '../../identity/index.js';
import { AppError } from '../../platform/errors.js';
import { SESSION_COOKIE } from '../account/routes.js';
import { pick, type Lang } from '../i18n.js';
import { setFlash, takeFlash } from '../flash.js';
import { serviceDiff } from './diff.js';
import { formFieldOf, formToService, serviceToForm, type FieldError, type FormValues } from './form.js';
import { formProblems, REFUSAL_FIELDS, type FormProblem } from './messages.js';
import { consoleServicePage, dashboardPage, FORM_ORDER, loginPage, rememberName, rememberOrganization, serviceFormPage, type FormContext, type ListRow, type ReviewView } from './pages.js';
import { CONSOLE } from './strings.js';
import type { Exchange } from '../../exchange/index.js';
import type { DevOutbox } from '../../platform/messaging/index.js';
import { toolLinks } from './authority-pages.js';
import { authorityRoutes, type AuthorityDeps } from './authority-routes.js';
import { AUTHORITY } from './authority-strings.js';
import { acceptMultipart } from './multipart.js';
import type { OnlineServices } from '../../services/index.js';
import { caseworkLinks, caseworkRoutes, type CaseworkDeps } from './casework-routes.js';
import { documentConsoleRoutes, documentLinks, type DocumentConsoleDeps } from './documents-routes.js';
import type { Documents } from '../../documents/index.js';
import { deliveryFormProblems } from './form-preview.js';
import { formPreviewRoutes } from './form-preview-routes.js';

/** The staff console: sign-in, the agency editors' drafts and the national reviewers' queue. */

export const STAFF_COOKIE = 'panjareh_staff';

declare module 'fastify' {
  interface FastifyRequest {
    staff: StaffUser | null;
  }
}

export interface ConsoleOptions {
  catalog: Catalog;
  staff: StaffDirectory;
  identity: NationalIdentity;
  secureCookies: boolean;
  loginRatePerMinute: number;
  /** The data exchange: its onboarding pages exist when it is given. */
  exchange?: Exchange;
  /** Demo mode only: the message outbox page exists when it is given. */
  outbox?: DevOutbox;
  /** Records privileged reads (the outbox) in the audit log. */
  audit?: AuthorityDeps['audit'];
  /** Online applications: the back office's pages (casework-routes.ts) exist when it is given. */
  services?: OnlineServices;
  /** Stored attachments, which the back office offers for download. */
  files?: CaseworkDeps['files'];
  /** Issued documents: the pages that find and revoke them (documents-routes.ts) exist when it is given. */
  documents?: DocumentConsoleDeps['documents'] & Pick<Documents, 'forApplication'>;
}

const meta = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
const actorOf = (req: FastifyRequest): Actor => ({ username: req.staff!.username, role: req.staff!.role, organization: req.staff!.organization, ...meta(req) });
const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
const codeParams = { type: 'object', properties: { code: { type: 'string', pattern: SERVICE_CODE } } } as const;
const listQuery = { type: 'object', properties: { q: { type: 'string', maxLength: 200 }, page: { type: 'string', maxLength: 6 } } } as const;
/** Entries a page of the console's list shows. */
export const PAGE_SIZE = 25;
/** The one-time cookie that carries "submitted for review" and the like to the page after the redirect. */
const NOTICE_FLASH = 'panjareh_console_notice';
/** How long a staff member's name from the civil registry is kept for the console's pages (as the identity keeps a person's claims). */
const STAFF_NAME_MS = 60_000;

/** Search text as the list compares it: lower case, Persian letters canonical, digits Latin. */
const fold = (s: string) =>
  s
    .toLowerCase()
    .replace(/[يى]/g, 'ی')
    .replace(/ك/g, 'ک')
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u200c\u200f\u200e]/g, '')
    .trim();

/** The form field a schema problem belongs to: a channel's by its kind, the rest by formFieldOf. */
function fieldOfPath(path: string, input: Record<string, unknown>): string {
  const m = /^channels\.(\d+)/.exec(path);
  if (m) {
    const kind = (input.channels as Array<{ type?: string }> | undefined)?.[Number(m[1])]?.type;
    const byKind: Record<string, string> = { platform: 'platform_path', online: 'online_url', 'in-person': 'inperson_fa', phone: 'phone_number' };
    if (kind && byKind[kind]) return byKind[kind]!;
  }
  if (path === 'channels') return 'online_url';
  return formFieldOf(path);
}

export async function consoleRoutes(app: FastifyInstance, opts: ConsoleOptions) {
  const { catalog, staff } = opts;
  app.decorateRequest('staff', null);
  acceptMultipart(app);
  // Staff are people signed in with the national identity who hold a role; the break-glass operator account signs in apart.
  app.addHook('onRequest', async (req) => {
    req.staff = await staff.session(req.cookies[STAFF_COOKIE]);
    if (!req.staff && req.person) {
      const found = await opts.identity.people.bySubject(req.person.subject);
      const person = found?.person;
      const name = person ? `${person.firstName.fa} ${person.lastName.fa}` : req.person.nationalCode;
      req.staff = await opts.identity.staffGrants.staffUser(req.person.nationalCode, name);
      // The bar names them in the page's language: the registry's English name on English pages where it has one.
      if (req.staff && person) rememberName(req.staff, { fa: name, en: `${pick(person.firstName, 'en')} ${pick(person.lastName, 'en')}` });
    }
    if (req.staff?.organization) rememberOrganization(req.staff, catalog.read.organization(req.staff.organization)?.name);
  });

  /**
   * Names for the history: staff who sign in with the national identity act as `person:<national code>`,
   * named here from the civil registry (through the identity); the operator's break-glass accounts
   * and imports show their account name as written. One lookup per distinct actor.
   */
  const actorNames = async (actors: string[]): Promise<ReviewView['names']> => {
    const names: ReviewView['names'] = new Map();
    for (const actor of new Set(actors)) {
      const person = /^person:(\d{10,12})$/.exec(actor);
      if (!person) continue;
      const found = await opts.identity.people.registry.person(person[1]!).catch(() => null);
      // A name the registry holds in one script only is shown in that script on both languages' pages.
      const full = (lang: Lang) => `${pick(found!.firstName, lang)} ${pick(found!.lastName, lang)}`;
      if (found) names.set(actor, { name: { fa: full('fa'), en: full('en') }, nationalCode: person[1]! });
    }
    return names;
  };

  const formContext = async (req: FastifyRequest, reply: FastifyReply): Promise<FormContext> => ({
    user: req.staff!,
    csrf: await reply.generateCsrf(),
    organizations: catalog.read.allOrganizations(),
    topics: catalog.read.allTopics(),
    lifeEvents: catalog.read.allLifeEvents(),
    preview: !!opts.services,
  });

  /** The authority's tools, or for an agency editor whose organisation is an exchange member (as the catalogue links them), its contracts. */
  const tools = async (user: StaffUser, lang: Lang) => [...(opts.services ? caseworkLinks(user, lang) : []), ...(opts.documents ? documentLinks(user, lang) : []), ...(await ownTools(user, lang))];
  const ownTools = async (user: StaffUser, lang: Lang) => {
    const a = AUTHORITY[lang];
    if (user.role === 'admin') {
      return [
        { href: '/console/relying-parties', label: a.relyingParties },
        ...(opts.exchange ? [{ href: '/console/exchange', label: a.exchange }, { href: '/console/exchange/contracts', label: a.contracts }, { href: '/console/exchange/keys', label: a.keys }] : []),
        ...(opts.outbox ? [{ href: '/console/outbox', label: a.outbox }] : []),
      ];
    }
    if (user.role !== 'editor' || !user.organization || !opts.exchange) return [];
    // The catalogue says which exchange members the editor's organisation is; one of them must be registered.
    const linked = new Set(catalog.read.membersOfOrganization(user.organization).map((m) => m.toLowerCase()));
    const own = linked.size > 0 && (await opts.exchange.registry.members()).some((m) => linked.has(m.id.toLowerCase()));
    return own ? [{ href: '/console/exchange/contracts', label: a.contracts }] : [];
  };
  const authorityDeps: AuthorityDeps = { identity: opts.identity, exchange: opts.exchange, outbox: opts.outbox, audit: opts.audit ?? (async () => undefined) };

  for (const lang of ['fa', 'en'] as Lang[]) {
    const p = `${lang === 'fa' ? '' : '/en'}/console`;
    /** Pages need a signed-in staff member: browsers go to the sign-in page, anything else gets 401. */
    const requireStaff = async (req: FastifyRequest, reply: FastifyReply) => {
      if (req.staff) return;
      if (req.method === 'GET') return reply.redirect(`${p}/login`, 303);
      throw new AppError(401, 'unauthorized', { fa: 'ابتدا وارد شوید.', en: 'Sign in first.' });
    };
    /** The catalogue and the authority's tools: a caseworker (the back office's role only) has no part in them; their home is the queue. */
    const requireCatalogueStaff = async (req: FastifyRequest, reply: FastifyReply) => {
      await requireStaff(req, reply);
      if (reply.sent) return reply;
      if (req.staff?.role !== 'caseworker') return;
      if (req.method === 'GET' && req.routeOptions.url === p && opts.services) return reply.redirect(`${p}/applications`, 303);
      throw new AppError(403, 'forbidden', { fa: 'شما اجازه این کار را ندارید.', en: 'You are not allowed to do this.' });
    };
    const guarded = { preHandler: [requireCatalogueStaff] };
    const posted = { preHandler: [app.csrfProtection, requireCatalogueStaff] };

    app.get(`${p}/login`, async (req, reply) => (req.staff ? reply.redirect(p, 303) : sendHtml(reply, loginPage(lang, await reply.generateCsrf(), [], '', !!req.person))));

    app.post<{ Body: { username?: string; password?: string } }>(
      `${p}/login`,
      {
        preHandler: app.csrfProtection,
        config: { rateLimit: { max: opts.loginRatePerMinute, timeWindow: '1 minute' } },
        schema: { body: { type: 'object', properties: { username: { type: 'string', maxLength: 200 }, password: { type: 'string', maxLength: 500 }, _csrf: { type: 'string' } } } },
      },
      async (req, reply) => {
        const username = req.body.username ?? '';
        try {
          const { token } = await staff.signIn(username, req.body.password ?? '', meta(req));
          reply.setCookie(STAFF_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.secureCookies, maxAge: 8 * 3600 });
          return reply.redirect(p, 303);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return sendHtml(reply, loginPage(lang, await reply.generateCsrf(), [e.messages[lang]], username), e.status);
        }
      },
    );

    app.post(`${p}/logout`, { preHandler: app.csrfProtection }, async (req, reply) => {
      await staff.signOut(req.cookies[STAFF_COOKIE], meta(req));
      reply.clearCookie(STAFF_COOKIE, { path: '/' });
      await opts.identity.portalSessions.close(req.cookies[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.redirect(`${p}/login`, 303);
    });

    const orgName = (code: string) => {
      const o = catalog.read.organization(code);
      return o ? pick(o.name, lang) : code;
    };
    // The list of entries: searched by code, title (either language) or organisation, a page at a time (links work without JavaScript).
    app.get<{ Querystring: { q?: string; page?: string } }>(p, { ...guarded, schema: { querystring: listQuery } }, async (req, reply) => {
      const actor = actorOf(req);
      const [pending, rows] = await Promise.all([actor.role === 'editor' ? [] : catalog.workflow.list(actor, true), catalog.workflow.list(actor)]);
      const q = (req.query.q ?? '').trim();
      const words = fold(q).split(/\s+/).filter(Boolean);
      const haystack = (r: ListRow) => fold([r.service_code, r.data.title.fa, r.data.title.en, r.data.organization, orgName(r.data.organization), CONSOLE[lang].statuses[r.status] ?? ''].join(' '));
      const found = words.length ? rows.filter((r) => words.every((w) => haystack(r).includes(w))) : rows;
      const pages = Math.max(1, Math.ceil(found.length / PAGE_SIZE));
      const asked = Number(fold(req.query.page ?? '1'));
      const pageNo = Number.isInteger(asked) && asked >= 1 ? Math.min(asked, pages) : 1;
      const list = { q, page: pageNo, pages, total: found.length, rows: found.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE) };
      return sendHtml(reply, dashboardPage(lang, req.staff!, await reply.generateCsrf(), pending, list, orgName, toolLinks(lang, await tools(req.staff!, lang))));
    });

    app.get(`${p}/services/new`, guarded, async (req, reply) =>
      sendHtml(reply, serviceFormPage(lang, await formContext(req, reply), { organization: req.staff!.organization ?? '' }, [])),
    );

    /** The page after an action, with its confirmation shown once (post/redirect/get). */
    const done = (reply: FastifyReply, code: string, notice: keyof (typeof CONSOLE)['en']['notices'] & string) => {
      const to = `${p}/services/${code}`;
      setFlash(reply, NOTICE_FLASH, to, notice, opts.secureCookies);
      return reply.redirect(to, 303);
    };

    /**
     * Validates a posted form; on problems re-renders it with the values kept and every problem listed
     * at once: the form's own checks and the catalogue's schema together, then the workflow's refusals
     * (a code or slug taken) once the record itself is right.
     */
    const save = async (req: FastifyRequest<{ Body: FormValues }>, reply: FastifyReply, code?: string) => {
      const { input, errors } = formToService(req.body);
      // An empty code or organisation fails the schema's pattern; "required" is what a person needs to hear.
      const missing: FieldError[] = (['code', 'organization'] as const).filter((k) => !code && !String(input[k] ?? '')).map((k) => ({ field: k, reason: 'required field is missing' }));
      const schema: FieldError[] = validateServiceInput(input).map((e) => ({ field: fieldOfPath(e.field, input), reason: e.reason }));
      let problems: FormProblem[] = formProblems([...missing, ...errors, ...schema], FORM_ORDER);
      if (!problems.length) {
        try {
          if (code) await catalog.workflow.edit(actorOf(req), code, input);
          else await catalog.workflow.createDraft(actorOf(req), input);
          return done(reply, code ?? String(input.code), code ? 'saved' : 'created');
        } catch (e) {
          if (!(e instanceof AppError) || e.status === 403 || e.status === 404) throw e;
          const details = Array.isArray(e.details) ? (e.details as Array<{ field: string; reason: string }>) : null;
          // The delivery definition's problems are all listed, each with its path; the other fields' one each.
          const isDelivery = (d: { field: string }) => d.field.startsWith('delivery.');
          problems = details
            ? [
                ...formProblems(details.filter((d) => !isDelivery(d)).map((d) => ({ field: fieldOfPath(d.field, input), reason: d.reason })), FORM_ORDER),
                ...deliveryFormProblems(input.delivery, details.filter(isDelivery)),
              ]
            : [{ field: REFUSAL_FIELDS[e.code] ?? 'code', message: e.messages }];
        }
      }
      return sendHtml(reply, serviceFormPage(lang, await formContext(req, reply), req.body, problems, code), 400);
    };
    // The delivery definition is one field of JSON, larger than any text of the entry (a posted form is at most 256 KB: web/index.ts).
    const formBody = { schema: { body: { type: 'object', properties: { delivery: { type: 'string', maxLength: 256 * 1024 } }, additionalProperties: { anyOf: [{ type: 'string', maxLength: 10000 }, { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 200 } }] } } } };
    app.post<{ Body: FormValues }>(`${p}/services/new`, { ...posted, ...formBody }, (req, reply) => save(req, reply));
    /** What the service page shows beside the working version: the actors' names, the diff against the live version, the preview. */
    const review = async (w: { data: ServiceData; history: Array<{ actor: string }> }, notice?: string): Promise<ReviewView> => {
      const live = catalog.read.service(w.data.code);
      const names = {
        organization: orgName,
        term: (kind: 'topics' | 'lifeEvents', c: string) => {
          const t = kind === 'topics' ? catalog.read.topic(c) : catalog.read.lifeEvent(c);
          return t ? pick(t.name, lang) : c;
        },
      };
      // An entry delivered here links to the preview of every page of its form (the reviewer's too, from the same page).
      const formPreview = opts.services && w.data.delivery ? `${p}/services/${w.data.code}/preview` : undefined;
      return { names: await actorNames(w.history.map((h) => h.actor)), diff: live ? serviceDiff(lang, live, w.data, names) : null, catalog, notice, formPreview };
    };
    const servicePage = async (req: FastifyRequest, reply: FastifyReply, code: string, errors: Array<FormProblem | string> = [], status = 200) => {
      const w = await catalog.workflow.working(actorOf(req), code);
      const flash = takeFlash<string>(req, reply, NOTICE_FLASH, `${p}/services/${code}`);
      const notice = flash ? CONSOLE[lang].notices[flash] : undefined;
      return sendHtml(reply, consoleServicePage(lang, req.staff!, await reply.generateCsrf(), w, await review(w, notice), errors), status);
    };
    app.get<{ Params: { code: string } }>(`${p}/services/:code`, { ...guarded, schema: { params: codeParams } }, (req, reply) => servicePage(req, reply, req.params.code));
    if (opts.services) formPreviewRoutes(app, { catalog, forms: opts.services.forms, actorOf }, { lang, base: p, guarded, posted, codeParams, formBody });
    app.get<{ Params: { code: string } }>(`${p}/services/:code/edit`, { ...guarded, schema: { params: codeParams } }, async (req, reply) => {
      const w = await catalog.workflow.working(actorOf(req), req.params.code);
      return sendHtml(reply, serviceFormPage(lang, await formContext(req, reply), serviceToForm(w.data), [], req.params.code));
    });
    app.post<{ Body: FormValues; Params: { code: string } }>(`${p}/services/:code/edit`, { ...posted, ...formBody, schema: { ...formBody.schema, params: codeParams } }, (req, reply) =>
      save(req, reply, req.params.code),
    );

    // Workflow steps: each is one POST; a refused step shows the entry again with the reason.
    const step = (name: 'submit' | 'approve' | 'reject') =>
      app.post<{ Params: { code: string }; Body: { reason?: string } }>(`${p}/services/:code/${name}`, { ...posted, schema: { params: codeParams } }, async (req, reply) => {
        const actor = actorOf(req);
        const code = req.params.code;
        try {
          if (name === 'submit') await catalog.workflow.submit(actor, code);
          else if (name === 'approve') await catalog.workflow.approve(actor, code);
          else await catalog.workflow.reject(actor, code, String(req.body?.reason ?? ''));
          return done(reply, code, name === 'submit' ? 'submitted' : name === 'approve' ? 'approved' : 'rejected');
        } catch (e) {
          if (!(e instanceof AppError) || e.status === 403 || e.status === 404) throw e;
          // A missing reason belongs to the reason's field; other refusals (not a draft any more) to the page.
          return servicePage(req, reply, code, [e.code === 'reason_required' ? { field: 'reason', message: e.messages } : e.messages[lang]], e.status);
        }
      });
    step('submit');
    step('approve');
    step('reject');

    const memberOrganization = (memberId: string) => catalog.read.organizationOfMember(memberId)?.name;
    const membersOf = (organization: string) => catalog.read.membersOfOrganization(organization);
    authorityRoutes(app, authorityDeps, { lang, base: p, guarded, posted, secure: opts.secureCookies, memberOrganization, membersOf });
    // Staff names on every page of a queue (its assignees) come from the civil registry; each is kept a minute, as the identity keeps a person's claims.
    const names = new Map<string, { at: number; name: Localized | null }>();
    const personName = async (nationalCode: string): Promise<Localized | null> => {
      const hit = names.get(nationalCode);
      if (hit && Date.now() - hit.at < STAFF_NAME_MS) return hit.name;
      const found = await opts.identity.people.registry.person(nationalCode);
      const name = found ? { fa: `${pick(found.firstName, 'fa')} ${pick(found.lastName, 'fa')}`, en: `${pick(found.firstName, 'en')} ${pick(found.lastName, 'en')}` } : null;
      if (names.size >= 10_000) names.clear();
      names.set(nationalCode, { at: Date.now(), name });
      return name;
    };
    if (opts.documents) {
      documentConsoleRoutes(app, { documents: opts.documents, personName }, { lang, base: p, guarded: { preHandler: [requireStaff] }, posted: { preHandler: [app.csrfProtection, requireStaff] }, secure: opts.secureCookies });
    }
    if (opts.services) {
      const documentsOf = opts.documents ? (id: string) => opts.documents!.forApplication(id) : undefined;
      caseworkRoutes(app, { services: opts.services, catalog, grants: opts.identity.staffGrants, personName, files: opts.files, documentsOf }, { lang, base: p, guarded: { preHandler: [requireStaff] }, posted: { preHandler: [app.csrfProtection, requireStaff] }, secure: opts.secureCookies });
    }
  }
}
