import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { StaffUser } from '../../identity/index.js';
import type { Localized } from '../../catalog/index.js';
import { AppError, forbidden } from '../../platform/errors.js';
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
 * A refusal of a service module as the form shows it: linked to the field it is about when its code
 * names one (`fields` maps codes, or code prefixes ending in `*`, to field names), else a sentence.
 */
export function refusal(e: AppError, lang: Lang, fields: Record<string, string>): FormProblem | string {
  const field = fields[e.code] ?? Object.entries(fields).find(([k]) => k.endsWith('*') && e.code.startsWith(k.slice(0, -1)))?.[1];
  return field ? { field, message: e.messages } : e.messages[lang];
}

/** A refusal the person can fix (bad input, a conflict, something missing) is shown on the form; anything else propagates. */
export function fixable(e: unknown): e is AppError {
  return e instanceof AppError && e.status !== 403 && e.status !== 401;
}

