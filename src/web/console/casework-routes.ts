import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Catalog, Localized } from '../../catalog/index.js';
import type { Application, CaseActor, HistoryEntry, OnlineServices, Status } from '../../services/index.js';
import { forbidden, notFound } from '../../platform/errors.js';
import { setFlash, takeFlash } from '../flash.js';
import { digits, pick, type Lang } from '../i18n.js';
import type { PageContext } from './authority-pages.js';
import { applicationPage, overduePage, QUEUE_STATUSES, queuePage, type ApplicationView, type Names } from './casework-pages.js';
import { CASEWORK, type CaseDone } from './casework-strings.js';
import { fixable, refusal, sendHtml } from './kit.js';
import { sendAttachment } from '../../platform/files/index.js';
import { documentLinks } from './documents-routes.js';

/**
 * The back office in the staff console: a caseworker's queue of their agency's applications, an
 * application with its registry data, answers and history, and the caseworker's actions on it (claim,
 * reassign, internal note, message, decision), each a POST answered with a redirect to the page and a
 * one-time confirmation; the national authority's list of every agency's overdue work. The rules
 * (who may, what is refused) are the services capability's Casework; these pages show its refusals on
 * the form they belong to.
 */

export interface CaseworkDeps {
  services: OnlineServices;
  catalog: Catalog;
  /** Caseworkers by their active grants (src/identity/staff-grants.ts). */
  grants: { caseworkers(organization: string): Promise<string[]>; isCaseworker(username: string, organization: string): Promise<boolean> };
  /** A person's name from the civil registry, by national code (null when unknown). */
  personName: (nationalCode: string) => Promise<Localized | null>;
  /** Stored attachments (src/platform/files): without it, an attachment is named but not offered. */
  files?: {
    get(id: string): Promise<{ name: string; mediaType: string; bytes: Buffer } | null>;
    meta(id: string): Promise<{ name: string } | null>;
  };
  /** The documents an application produced (src/documents): the page links each to the console's document page. */
  documentsOf?: (applicationId: string) => Promise<ApplicationView['documents']>;
}

export interface CaseworkKit {
  lang: Lang;
  base: string;
  /** Signed-in staff (any role: the routes check the role each needs). */
  guarded: RouteShorthandOptions;
  posted: RouteShorthandOptions;
  secure: boolean;
}

/** Applications a page of a queue shows. */
export const QUEUE_PAGE_SIZE = 25;
const DONE_FLASH = 'panjareh_casework_done';
const APPLICATION = { fa: 'درخواست', en: 'Application' };
const ID = '^[0-9a-f-]{36}$';
const idParams = { type: 'object', properties: { id: { type: 'string', pattern: ID } }, required: ['id'] } as const;
const fileParams = { type: 'object', properties: { id: { type: 'string', pattern: ID }, file: { type: 'string', pattern: ID } }, required: ['id', 'file'] } as const;

/** The stored files an application's answers name (its attachments): the answers of the form's file fields. */
function attachmentsOf(form: { fields: Record<string, { kind: string }> } | null, answers: Record<string, unknown>): string[] {
  if (!form) return [];
  return Object.entries(form.fields)
    .filter(([, def]) => def.kind === 'file')
    .map(([name]) => answers[name])
    .filter((v): v is string => typeof v === 'string');
}
const queueQuery = {
  type: 'object',
  properties: { status: { type: 'string', maxLength: 40 }, overdue: { type: 'string', maxLength: 5 }, mine: { type: 'string', maxLength: 5 }, cursor: { type: 'string', maxLength: 500 }, org: { type: 'string', maxLength: 40 } },
} as const;
const text = (max: number) => ({ type: 'string', maxLength: max }) as const;
const actionBody = {
  type: 'object',
  properties: {
    _csrf: text(200),
    to: text(40),
    note: text(8000),
    message: text(8000),
    decision: text(40),
    reasons: { anyOf: [text(6), { type: 'array', maxItems: 50, items: text(6) }] },
    reason_fa: text(2000),
    reason_en: text(2000),
    rev: text(12),
  },
  additionalProperties: false,
} as const;
type Body = { to?: string; note?: string; message?: string; decision?: string; reasons?: string | string[]; reason_fa?: string; reason_en?: string; rev?: string };

const isAuthority = (role: string | undefined) => role === 'reviewer' || role === 'admin';

export function caseworkRoutes(app: FastifyInstance, deps: CaseworkDeps, kit: CaseworkKit): void {
  const { lang, base, guarded, posted } = kit;
  const { casework, applications, forms } = deps.services;

  const context = async (req: FastifyRequest, reply: FastifyReply, path: string): Promise<PageContext> => {
    const done = req.method === 'GET' ? takeFlash<CaseDone>(req, reply, DONE_FLASH, path) : undefined;
    return { lang, user: req.staff!, csrf: await reply.generateCsrf(), notice: done ? CASEWORK[lang].done[done] : undefined };
  };

  /** Names for the page: the catalogue's, and staff members' from the civil registry (one lookup per person shown). */
  const names = async (usernames: Array<string | null | undefined>): Promise<Names> => {
    const staff = new Map<string, string>();
    for (const u of new Set(usernames.filter((x): x is string => !!x))) {
      const m = /^person:(\d{10,12})$/.exec(u);
      const name = m ? await deps.personName(m[1]!).catch(() => null) : null;
      if (name) staff.set(u, pick(name, lang));
    }
    return {
      service: (code) => {
        const s = deps.catalog.read.service(code);
        return s ? pick(s.title, lang) : code;
      },
      organization: (code) => {
        const o = deps.catalog.read.organization(code);
        return o ? pick(o.name, lang) : code;
      },
      // Someone the registry does not name (a break-glass account, a person since removed) is shown by their identity.
      staff: (u) => staff.get(u) ?? digits(u.replace(/^person:/, ''), lang),
    };
  };

  const actorFor = (req: FastifyRequest, organization: string | null): CaseActor => ({ username: req.staff!.username, organization, via: 'console', ip: req.ip });

  // The agency's queue: the caseworker's organisation (the first, or the one chosen, of those they work for).
  app.get<{ Querystring: { status?: string; overdue?: string; mine?: string; cursor?: string; org?: string } }>(`${base}/applications`, { ...guarded, schema: { querystring: queueQuery } }, async (req, reply) => {
    const orgs = req.staff!.caseworkerOf ?? [];
    if (!orgs.length) throw forbidden();
    const q = req.query;
    const org = q.org && orgs.includes(q.org) ? q.org : orgs[0]!;
    const status = (QUEUE_STATUSES as readonly string[]).includes(q.status ?? '') ? (q.status as Status) : undefined;
    const filter = { status: status ?? '', overdue: q.overdue === '1', mine: q.mine === '1' };
    const page = await casework.queue(actorFor(req, org), { status, overdueOnly: filter.overdue, assignedTo: filter.mine ? req.staff!.username : undefined, cursor: q.cursor || undefined, limit: QUEUE_PAGE_SIZE });
    const n = await names(page.items.map((a) => a.assignedTo));
    const orgName = (code: string) => n.organization(code);
    const view = { path: '/console/applications', authority: false, organization: { code: org, name: orgName(org) }, others: orgs.filter((o) => o !== org).map((o) => ({ code: o, name: orgName(o) })), filter, rows: page.items, next: page.next, cursor: q.cursor || null, links: deps.documentsOf ? documentLinks(req.staff!, lang) : [] };
    return sendHtml(reply, queuePage(await context(req, reply, `${base}/applications`), view, n));
  });

  // The national authority's list: every agency's overdue and escalated applications.
  app.get<{ Querystring: { cursor?: string } }>(`${base}/overdue`, { ...guarded, schema: { querystring: queueQuery } }, async (req, reply) => {
    if (!isAuthority(req.staff!.role)) throw forbidden();
    const cursor = req.query.cursor || undefined;
    const page = await casework.queue(actorFor(req, null), { overdueOnly: true, cursor, limit: QUEUE_PAGE_SIZE });
    const n = await names(page.items.map((a) => a.assignedTo));
    const view = { path: '/console/overdue', authority: true, filter: { status: '', overdue: true, mine: false }, rows: page.items, next: page.next, cursor: cursor ?? null };
    return sendHtml(reply, overduePage(await context(req, reply, `${base}/overdue`), view, n));
  });

  /**
   * The application and who may do what with it: a caseworker of the organisation handling it now
   * acts; the authority reads; anyone else is told it does not exist (as another agency's caseworker
   * is by Casework itself).
   */
  const load = async (req: FastifyRequest, id: string): Promise<{ application: Application; history: HistoryEntry[]; actingFor: string | null }> => {
    const user = req.staff!;
    const r = await casework.read(actorFor(req, null), id);
    const actingFor = (user.caseworkerOf ?? []).includes(r.application.organization) ? r.application.organization : null;
    if (!actingFor && !isAuthority(user.role)) throw notFound(APPLICATION);
    return { ...r, actingFor };
  };

  const show = async (req: FastifyRequest, reply: FastifyReply, id: string, values: ApplicationView['values'] = {}, errors: ApplicationView['errors'] = [], status = 200) => {
    const { application, history, actingFor } = await load(req, id);
    const delivered = await applications.delivered(application.service, application.serviceVersion).catch(() => null);
    const colleagues = actingFor ? (await deps.grants.caseworkers(actingFor)).map((nc) => `person:${nc}`) : [];
    const reassignedTo = history.map((h) => (typeof h.detail.to === 'string' ? h.detail.to : null));
    const n = await names([...history.map((h) => h.actor), ...reassignedTo, application.assignedTo, application.firstApprovalBy, ...colleagues]);
    const form = delivered ? forms.compiled(delivered.delivery.form) : null;
    const attachments = new Map<string, { name: string; href: string | null }>();
    for (const fileId of attachmentsOf(form, application.answers)) {
      const meta = deps.files ? await deps.files.meta(fileId) : null;
      attachments.set(fileId, { name: meta?.name ?? fileId, href: meta ? `${base}/applications/${id}/files/${fileId}` : null });
    }
    const view: ApplicationView = {
      application,
      history,
      serviceTitle: delivered?.title ?? deps.catalog.read.service(application.service)?.title ?? { fa: application.service, en: application.service },
      stepTitle: delivered?.delivery.steps[application.step]?.title ?? null,
      form,
      attachments,
      reasons: delivered?.delivery.reasons ?? [],
      actingFor,
      colleagues,
      values,
      errors,
      documents: deps.documentsOf ? await deps.documentsOf(application.id) : [],
    };
    const path = `${base}/applications/${id}`;
    return sendHtml(reply, applicationPage(await context(req, reply, path), view, n), status);
  };

  app.get<{ Params: { id: string } }>(`${base}/applications/:id`, { ...guarded, schema: { params: idParams } }, (req, reply) => show(req, reply, req.params.id));

  // An attachment, to whoever may read the application: only a file its answers name, never another stored file.
  app.get<{ Params: { id: string; file: string } }>(`${base}/applications/:id/files/:file`, { ...guarded, schema: { params: fileParams } }, async (req, reply) => {
    const { application } = await load(req, req.params.id);
    const file = await applications.files.namedAttachment(application, req.params.file);
    if (!file) throw notFound({ fa: 'پیوست', en: 'Attachment' });
    return sendAttachment(reply, file);
  });

  /**
   * One action of a caseworker: done → 303 to the page with its confirmation; refused for a reason the
   * caseworker can fix (a missing reason, a stale page) → the page again with the refusal on its field.
   */
  const action = (name: string, run: (actor: CaseActor, id: string, body: Body, reasons: Localized[]) => Promise<{ done: CaseDone; to?: string }>) =>
    app.post<{ Params: { id: string }; Body: Body }>(`${base}/applications/:id/${name}`, { ...posted, schema: { params: idParams, body: actionBody } }, async (req, reply) => {
      const id = req.params.id;
      const body = req.body ?? {};
      if (!(req.staff!.caseworkerOf ?? []).length) throw forbidden();
      const { application, actingFor } = await load(req, id);
      if (!actingFor) throw forbidden();
      const delivered = await applications.delivered(application.service, application.serviceVersion).catch(() => null);
      const reasons = delivered?.delivery.reasons ?? [];
      try {
        const r = await run(actorFor(req, actingFor), id, body, reasons);
        const to = r.to ?? `${base}/applications/${id}`;
        setFlash(reply, DONE_FLASH, to, r.done, kit.secure);
        return reply.redirect(to, 303);
      } catch (e) {
        if (!fixable(e) || e.status === 404) throw e;
        const fields = { to: 'to', note: 'note', message: 'message', decision: 'decision-approve', reasons: reasons.length ? 'reason-0' : 'reason-fa' };
        const values = { ...body, _csrf: undefined } as ApplicationView['values'];
        return show(req, reply, id, values, refusal(e, lang, fields), e.status);
      }
    });

  action('claim', async (actor, id) => {
    await casework.claim(actor, id);
    return { done: 'claimed' };
  });
  action('reassign', async (actor, id, body) => {
    await casework.reassign(actor, id, String(body.to ?? ''), (u, org) => deps.grants.isCaseworker(u, org));
    return { done: 'reassigned' };
  });
  action('note', async (actor, id, body) => {
    await casework.note(actor, id, String(body.note ?? ''));
    return { done: 'noted' };
  });
  action('message', async (actor, id, body) => {
    await casework.message(actor, id, String(body.message ?? ''));
    return { done: 'messaged' };
  });
  action('decision', async (actor, id, body, offered) => {
    const chosen = ([] as string[]).concat(body.reasons ?? []).map(Number).filter((i) => Number.isInteger(i) && offered[i]);
    const reasons: Localized[] = [...new Set(chosen)].map((i) => offered[i]!);
    const fa = (body.reason_fa ?? '').trim();
    const en = (body.reason_en ?? '').trim();
    if (fa || en) reasons.push({ fa, en });
    // The revision the page showed: a decision on an application that changed since is refused, not applied blind.
    const rev = /^\d{1,9}$/.test(body.rev ?? '') ? Number(body.rev) : -1;
    const decided = await casework.decide(actor, id, { decision: String(body.decision ?? ''), reasons, rev });
    if (decided.organization !== actor.organization) return { done: 'stepApproved', to: `${base}/applications` };
    if (body.decision === 'approve') return { done: decided.status === 'approved' ? 'approved' : 'firstApproval' };
    return { done: body.decision === 'reject' ? 'rejected' : 'changesRequested' };
  });
}

/** The console's links to the back office: the queue for a caseworker, the overdue list for the authority. */
export function caseworkLinks(user: { role: string; caseworkerOf?: string[] }, lang: Lang): Array<{ href: string; label: string }> {
  const k = CASEWORK[lang];
  return [...(user.caseworkerOf?.length ? [{ href: '/console/applications', label: k.applications }] : []), ...(isAuthority(user.role) ? [{ href: '/console/overdue', label: k.overdueTitle }] : [])];
}
