import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from './html.js';
import { prefix, t, type Lang } from './i18n.js';
import { ACCOUNT_SLOT } from './layout.js';

/**
 * The header's way in, filled into every portal page as it is sent: "sign in" for a visitor, and for
 * a signed-in person their name (a link to My Panjareh) and "sign out". Pages stay free of the
 * visitor, so one rendering serves everyone; only the header differs.
 */

/** The national identity's own pages are mid-sign-in (a site other than the portal may be signing in), and the staff console has its own staff bar. */
const NOT_HERE = /^\/(?:en\/)?(?:signin|oidc|console)(?:[/?]|$)/;

const langOf = (page: string): Lang => (/<html lang="en"/.test(page.slice(0, 80)) ? 'en' : 'fa');

export function accountArea(lang: Lang, who: { name: string | null; csrf: string } | null, returnTo: string): SafeHtml {
  const s = t(lang);
  const p = prefix(lang);
  if (!who) return html`<li><a class="header-signin" href="${p}/account/signin?return=${encodeURIComponent(returnTo)}">${s.signIn}</a></li>`;
  return html`<li><a href="${p}/account"><span class="visually-hidden">${s.myPanjareh}: </span>${who.name ?? s.myPanjareh}</a></li>
<li><form class="header-signout" method="post" action="${p}/account/signout"><input type="hidden" name="_csrf" value="${who.csrf}"><button class="link-button" type="submit">${s.signOut}</button></form></li>`;
}

/** A path on this site to come back to after signing in: the page itself, or its form when it answered a POST. */
function returnPath(req: FastifyRequest): string {
  const url = req.method === 'GET' ? req.url : req.url.split('?')[0]!;
  return url.length < 400 ? url : '/';
}

async function fill(req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  // Only pages carry the slot: a JSON answer (a page of a queue is 13 KB) is not searched for it.
  if (typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').startsWith('text/html') || !payload.includes(ACCOUNT_SLOT)) return payload;
  if (NOT_HERE.test(req.url)) return payload.replace(ACCOUNT_SLOT, '');
  const lang = langOf(payload);
  // The same address answers differently with and without a session: caches must key on the cookie, and a personal page stays private.
  reply.header('vary', 'Cookie');
  if (!req.person) return payload.replace(ACCOUNT_SLOT, accountArea(lang, null, returnPath(req)).value);
  reply.header('cache-control', 'private, no-cache');
  const area = accountArea(lang, { name: req.person.name?.[lang] ?? null, csrf: await reply.generateCsrf() }, returnPath(req));
  return payload.replace(ACCOUNT_SLOT, area.value);
}

/** Call on the root instance after the portal's sessions are recognised (recognisePeople). */
export function fillAccountArea(app: FastifyInstance): void {
  app.addHook('onSend', fill);
}
