import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { StaffUser } from '../../identity/index.js';
import { AppError, forbidden } from '../../platform/errors.js';
import type { Lang } from '../i18n.js';
import type { PageContext } from './authority-pages.js';

/** What the console's authority and exchange routes share: answering with a page, who acts, who may. */

export interface RouteKit {
  lang: Lang;
  /** The console's base path in this language: /console or /en/console. */
  base: string;
  guarded: RouteShorthandOptions;
  posted: RouteShorthandOptions;
}

export const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
export const actorOf = (req: FastifyRequest) => req.staff!.username;

/** The authority's role: the national admin (a grant to a person, or the operator's break-glass account). */
export const isAuthority = (user: StaffUser | null) => user?.role === 'admin';
export function requireAuthority(req: FastifyRequest): void {
  if (!isAuthority(req.staff)) throw forbidden();
}

export async function pageContext(req: FastifyRequest, reply: FastifyReply, lang: Lang): Promise<PageContext> {
  return { lang, user: req.staff!, csrf: await reply.generateCsrf() };
}

/** A refusal the person can fix (bad input, a conflict, something missing) is shown on the form; anything else propagates. */
export function fixable(e: unknown): e is AppError {
  return e instanceof AppError && e.status !== 403 && e.status !== 401;
}

