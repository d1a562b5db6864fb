import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { StaffUser } from '../../identity/index.js';
import type { Localized } from '../../catalog/index.js';
import { AppError, forbidden } from '../../platform/errors.js';
import { problemsOf, type Problem } from '../../platform/problems.js';
import type { Lang } from '../i18n.js';
import type { PageContext } from './authority-pages.js';
import { setFlash, takeFlash } from '../flash.js';
import { CONSOLE } from './strings.js';
import type { FormProblem } from './messages.js';

/** The one-time cookie that carries an action's confirmation to the page after its redirect. */
const DONE_FLASH = 'panjareh_console_done';
export type Done = keyof (typeof CONSOLE)['en']['done'];

/** Ends an action: redirects (303) to `to`, where the confirmation `what` shows once. */
export function redirectDone(reply: FastifyReply, kit: RouteKit, to: string, what: Done) {
  setFlash(reply, DONE_FLASH, to.split('?')[0]!, what, kit.secure);
  return reply.redirect(to, 303);
}

/** What the console's authority and exchange routes share: answering with a page, who acts, who may. */

export interface RouteKit {
  lang: Lang;
  /** The console's base path in this language: /console or /en/console. */
  base: string;
  guarded: RouteShorthandOptions;
  posted: RouteShorthandOptions;
  /** Cookies only over HTTPS (the one-time pages' flash cookie). */
  secure: boolean;
  /** The catalogue organisation that is an exchange member (`IR/GOV/NOCR` → NOCR's names), for showing names in the page's language. */
  memberOrganization?: (memberId: string) => Localized | undefined;
  /** The exchange members the catalogue links to an organisation (its `exchangeMembers`): whose contracts that agency's editors decide on. */
  membersOf?: (organization: string) => string[];
}

export const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
export const actorOf = (req: FastifyRequest) => req.staff!.username;

/** The authority's role: the national admin (a grant to a person, or the operator's break-glass account). */
export const isAuthority = (user: StaffUser | null) => user?.role === 'admin';
export function requireAuthority(req: FastifyRequest): void {
  if (!isAuthority(req.staff)) throw forbidden();
}

export async function pageContext(req: FastifyRequest, reply: FastifyReply, lang: Lang): Promise<PageContext> {
  const done = req.method === 'GET' ? takeFlash<Done>(req, reply, DONE_FLASH, req.url.split('?')[0]!) : undefined;
  return { lang, user: req.staff!, csrf: await reply.generateCsrf(), notice: done ? CONSOLE[lang].done[done] : undefined };
}

/**
 * Problems a service module listed (see platform/problems.ts) as the form shows them: each on the
 * form field that holds that input, so the error summary links it to its field and the field shows
 * its message. `fields` maps the module's names to the form's (`name` → `member_name`), in the order
 * the form shows them, which is the order of the summary; a problem of no field on this form reads
 * as a sentence, last.
 */
export function onForm(listed: Problem[], lang: Lang, fields: Record<string, string>): Array<FormProblem | string> {
  const order = Object.keys(fields);
  const rank = (p: Problem) => (order.includes(p.field) ? order.indexOf(p.field) : order.length);
  return [...listed].sort((a, b) => rank(a) - rank(b)).map((p) => (fields[p.field] ? { field: fields[p.field]!, message: p.message } : p.message[lang]));
}

/** A refusal of a service module as the form shows it: every problem it lists on its field (`onForm`), or, when it lists none (a contract already open), its message. */
export function refusal(e: AppError, lang: Lang, fields: Record<string, string>): Array<FormProblem | string> {
  const listed = problemsOf(e);
  return listed.length ? onForm(listed, lang, fields) : [e.messages[lang]];
}

/** A refusal the person can fix (bad input, a conflict, something missing) is shown on the form; anything else propagates. */
export function fixable(e: unknown): e is AppError {
  return e instanceof AppError && e.status !== 403 && e.status !== 401;
}

