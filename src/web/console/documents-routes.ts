import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Localized } from '../../catalog/index.js';
import { parseDocumentNumber, type Documents, type IssuedDocument, type RevokingActor } from '../../documents/index.js';
import type { StaffUser } from '../../identity/index.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { normalizeText } from '../../platform/text.js';
import { setFlash, takeFlash } from '../flash.js';
import { digits, fmtNumber, pick, type Lang } from '../i18n.js';
import type { PageContext } from './authority-pages.js';
import { documentPage, documentPath, findPage } from './documents-pages.js';
import { DOCUMENTS } from './documents-strings.js';
import { sendHtml } from './kit.js';
import type { FormProblem } from './messages.js';

/**
 * Issued documents in the staff console: the issuing organisation's staff (its caseworkers and
 * editors) and the national authority (reviewers and admins) find a document by its number, see it
 * as the public verification page shows it, and revoke it with a reason. The rule of who may revoke is
 * `Documents.revoke`'s (it audits a refusal); these pages show another organisation's document to no
 * one (404), and send another organisation's revocation to the service, which refuses and audits it
 * (403). Nothing is cached: the verification page, the API and the exchange service read the
 * database, so they say "revoked" from the next request on.
 */

export interface DocumentConsoleDeps {
  documents: Pick<Documents, 'get' | 'revoke'>;
  /** A person's name from the civil registry, by national code (null when unknown): who revoked. */
  personName: (nationalCode: string) => Promise<Localized | null>;
}

export interface DocumentConsoleKit {
  lang: Lang;
  base: string;
  /** Signed-in staff (any role: the routes check what each may do). */
  guarded: RouteShorthandOptions;
  posted: RouteShorthandOptions;
  secure: boolean;
}

const DONE_FLASH = 'panjareh_documents_done';
/** As Documents' own limit on a reason's text. */
const MAX_REASON = 500;
const text = (max: number) => ({ type: 'string', maxLength: max }) as const;
const numberParams = { type: 'object', required: ['number'], properties: { number: text(80) } } as const;
const findQuery = { type: 'object', properties: { number: text(200) } } as const;
const revokeBody = { type: 'object', properties: { _csrf: text(200), reason_fa: text(4000), reason_en: text(4000) }, additionalProperties: false } as const;
type RevokeBody = { reason_fa?: string; reason_en?: string };

/** The national authority: it sees and revokes any organisation's documents. */
const isAuthority = (u: StaffUser) => u.role === 'reviewer' || u.role === 'admin';
/** The organisations whose documents a staff member handles: the editor's or caseworker's own, and every caseworker grant. */
const organizationsOf = (u: StaffUser): string[] => [...new Set([...((u.role === 'editor' || u.role === 'caseworker') && u.organization ? [u.organization] : []), ...(u.caseworkerOf ?? [])])];
const mayHandle = (u: StaffUser, doc: IssuedDocument) => isAuthority(u) || organizationsOf(u).includes(doc.organization.code);

export function documentConsoleRoutes(app: FastifyInstance, deps: DocumentConsoleDeps, kit: DocumentConsoleKit): void {
  const { lang, base, guarded, posted } = kit;
  const d = DOCUMENTS[lang];

  const context = async (req: FastifyRequest, reply: FastifyReply, path: string): Promise<PageContext> => {
    const done = req.method === 'GET' ? takeFlash<'revoked'>(req, reply, DONE_FLASH, path) : undefined;
    return { lang, user: req.staff!, csrf: await reply.generateCsrf(), notice: done === 'revoked' ? d.revoked : undefined };
  };
  /** Staff who handle documents at all: the authority, or staff of some organisation. */
  const allowed = (req: FastifyRequest) => {
    const u = req.staff!;
    if (!isAuthority(u) && !organizationsOf(u).length) throw forbidden();
    return u;
  };
  /** The document, to staff who handle it; anyone else is told it does not exist. */
  const load = async (req: FastifyRequest, number: string): Promise<IssuedDocument> => {
    const u = allowed(req);
    const doc = await deps.documents.get(number);
    if (!doc || !mayHandle(u, doc)) throw notFound({ fa: 'سند', en: 'Document' });
    return doc;
  };
  const revokedByName = async (doc: IssuedDocument): Promise<string | null> => {
    if (!doc.revokedBy) return null;
    const m = /^person:(\d{10,12})$/.exec(doc.revokedBy);
    const name = m ? await deps.personName(m[1]!).catch(() => null) : null;
    return name ? pick(name, lang) : digits(doc.revokedBy.replace(/^person:/, ''), lang);
  };
  const show = async (req: FastifyRequest, reply: FastifyReply, doc: IssuedDocument, values: RevokeBody = {}, errors: Array<FormProblem | string> = [], status = 200) => {
    const u = req.staff!;
    const applicationHref = doc.applicationId && (isAuthority(u) || (u.caseworkerOf ?? []).includes(doc.organization.code)) ? `${base}/applications/${doc.applicationId}` : null;
    const view = { document: doc, revokedBy: await revokedByName(doc), applicationHref, values, errors };
    return sendHtml(reply, documentPage(await context(req, reply, documentPath(lang, doc.id)), view), status);
  };

  // Find a document by its number: a GET form; a number that is one of the staff member's documents leads to its page.
  app.get<{ Querystring: { number?: string } }>(`${base}/documents`, { ...guarded, schema: { querystring: findQuery } }, async (req, reply) => {
    const u = allowed(req);
    const typed = req.query.number;
    const page = async (errors: Array<FormProblem | string>, status: number) =>
      sendHtml(reply, findPage(await context(req, reply, `${base}/documents`), { number: typed ?? '', authority: isAuthority(u), errors }), status);
    if (typed === undefined) return page([], 200);
    const problem = (message: Localized): FormProblem => ({ field: 'number', message });
    if (!typed.trim()) return page([problem({ fa: DOCUMENTS.fa.numberRequired, en: DOCUMENTS.en.numberRequired })], 400);
    const n = parseDocumentNumber(typed);
    if (!n) return page([problem({ fa: DOCUMENTS.fa.badNumber, en: DOCUMENTS.en.badNumber })], 400);
    const doc = await deps.documents.get(n);
    if (!doc || !mayHandle(u, doc)) return page([problem({ fa: DOCUMENTS.fa.notFound, en: DOCUMENTS.en.notFound })], 404);
    return reply.redirect(documentPath(lang, doc.id), 303);
  });

  app.get<{ Params: { number: string } }>(`${base}/documents/:number`, { ...guarded, schema: { params: numberParams } }, async (req, reply) => show(req, reply, await load(req, req.params.number)));

  /**
   * Revokes: done → 303 to the document's page, which says once what happened; a reason missing or too
   * long → the page again with each problem on its field (400); already revoked → the page with the
   * refusal (409). Another organisation's staff are refused by Documents.revoke, which audits it (403).
   */
  app.post<{ Params: { number: string }; Body: RevokeBody }>(`${base}/documents/:number/revoke`, { ...posted, schema: { params: numberParams, body: revokeBody } }, async (req, reply) => {
    const u = allowed(req);
    const doc = await deps.documents.get(req.params.number);
    if (!doc) throw notFound({ fa: 'سند', en: 'Document' });
    const body = req.body ?? {};
    const fa = normalizeText(body.reason_fa ?? '').trim();
    const en = normalizeText(body.reason_en ?? '').trim();
    const actor: RevokingActor = {
      username: u.username,
      organization: isAuthority(u) ? null : mayHandle(u, doc) ? doc.organization.code : (organizationsOf(u)[0] ?? ''),
      ip: req.ip,
      userAgent: req.headers['user-agent'] ?? null,
    };
    // Not theirs: the service refuses and audits the attempt, whatever the form says.
    if (!mayHandle(u, doc)) {
      await deps.documents.revoke(actor, doc.id, { fa: fa || '-', en: en || fa || '-' });
      throw forbidden();
    }
    const errors: FormProblem[] = [];
    const max = { fa: DOCUMENTS.fa.tooLong(fmtNumber(MAX_REASON, 'fa')), en: DOCUMENTS.en.tooLong(String(MAX_REASON)) };
    if (!fa) errors.push({ field: 'reason_fa', message: { fa: DOCUMENTS.fa.reasonRequired, en: DOCUMENTS.en.reasonRequired } });
    else if (fa.length > MAX_REASON) errors.push({ field: 'reason_fa', message: max });
    if (en.length > MAX_REASON) errors.push({ field: 'reason_en', message: max });
    if (errors.length) return show(req, reply, doc, body, errors, 400);
    try {
      // English is optional: without it, the English pages show the Persian reason.
      await deps.documents.revoke(actor, doc.id, { fa, en: en || fa });
    } catch (e) {
      if (!(e instanceof AppError) || e.status !== 409) throw e;
      return show(req, reply, (await deps.documents.get(doc.id)) ?? doc, {}, [e.messages[lang]], 409);
    }
    const to = documentPath(lang, doc.id);
    setFlash(reply, DONE_FLASH, to, 'revoked', kit.secure);
    return reply.redirect(to, 303);
  });
}

/** The console's link to the documents' pages, for staff who handle documents. */
export function documentLinks(user: StaffUser, lang: Lang): Array<{ href: string; label: string }> {
  return isAuthority(user) || organizationsOf(user).length ? [{ href: '/console/documents', label: DOCUMENTS[lang].documents }] : [];
}
