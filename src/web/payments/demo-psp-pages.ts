import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { DEMO_PSP_PREFIX, DemoPsp, demoPspApiRoutes, type DemoPspPayment } from '../../payments/index.js';
import { html, type SafeHtml } from '../html.js';
import { fmtCost, type Lang } from '../i18n.js';
import { page } from '../layout.js';

/**
 * The demo PSP's pay page (`/demo-psp/pay?token=…`, English with `&lang=en`): the merchant, the
 * amount and two buttons, pay and cancel, as a plain form, so it works without JavaScript. The form
 * is bound to the token, a 192-bit secret only the person's browser and the merchant hold, which is
 * what stands between a third party and pressing "pay" for someone. Then the browser goes to the
 * merchant's callback with the result, as a card gateway sends it.
 */

const STRINGS = {
  fa: {
    title: 'درگاه پرداخت آزمایشی',
    lead: 'این درگاه فقط برای نمایش سامانه است: کارتی خواسته نمی‌شود و پولی جابه‌جا نمی‌شود.',
    merchant: 'پذیرنده',
    amount: 'مبلغ',
    for: 'بابت',
    order: 'شمارهٔ سفارش',
    pay: 'پرداخت',
    cancel: 'انصراف',
    unknown: 'این پرداخت پیدا نشد. از سامانهٔ پذیرنده دوباره برای پرداخت اقدام کنید.',
    done: { paid: 'این پرداخت انجام شده است.', verified: 'این پرداخت انجام و تأیید شده است.', cancelled: 'این پرداخت لغو شده است.', refunded: 'مبلغ این پرداخت بازگردانده شده است.', issued: '' } as Record<string, string>,
    expired: 'مهلت این پرداخت گذشته است.',
    back: 'بازگشت به سایت پذیرنده',
  },
  en: {
    title: 'Demo payment gateway',
    lead: 'This gateway only demonstrates the platform: no card is asked for and no money moves.',
    merchant: 'Merchant',
    amount: 'Amount',
    for: 'For',
    order: 'Order number',
    pay: 'Pay',
    cancel: 'Cancel',
    unknown: 'This payment was not found. Start paying again from the merchant’s site.',
    done: { paid: 'This payment has been made.', verified: 'This payment has been made and confirmed.', cancelled: 'This payment was cancelled.', refunded: 'This payment has been refunded.', issued: '' } as Record<string, string>,
    expired: 'The time to pay has run out.',
    back: 'Back to the merchant’s site',
  },
};

const langOf = (v: unknown): Lang => (v === 'en' ? 'en' : 'fa');
const payPath = (token: string, lang: Lang) => `${DEMO_PSP_PREFIX}/pay?token=${encodeURIComponent(token)}${lang === 'en' ? '&lang=en' : ''}`;
const sendHtml = (reply: FastifyReply, body: string, status = 200) =>
  reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send(body);

/** The merchant's callback address with the result, as gateways send it (the merchant trusts none of it). */
export function callbackAddress(p: DemoPspPayment): string {
  const u = new URL(p.callbackUrl);
  const status = p.status === 'paid' || p.status === 'verified' ? 'paid' : p.status === 'issued' ? 'failed' : p.status;
  u.searchParams.set('token', p.token);
  u.searchParams.set('status', status);
  u.searchParams.set('orderId', p.orderId);
  u.searchParams.set('amount', String(p.amount));
  if (p.rrn) u.searchParams.set('rrn', p.rrn);
  if (p.traceNo) u.searchParams.set('traceNo', p.traceNo);
  return u.toString();
}

function shell(lang: Lang, token: string, body: SafeHtml): string {
  return page({ lang, title: STRINGS[lang].title, path: `${DEMO_PSP_PREFIX}/pay`, altHref: payPath(token, lang === 'fa' ? 'en' : 'fa'), noindex: true, body });
}

export function payPage(lang: Lang, p: DemoPspPayment): string {
  const s = STRINGS[lang];
  return shell(
    lang,
    p.token,
    html`<h1>${s.title}</h1>
<p class="lead">${s.lead}</p>
<dl class="summary-list">
<div><dt>${s.merchant}</dt><dd>${p.merchantName[lang]}</dd></div>
<div><dt>${s.amount}</dt><dd><strong>${fmtCost(p.amount, lang)}</strong></dd></div>
<div><dt>${s.for}</dt><dd>${p.description[lang]}</dd></div>
<div><dt>${s.order}</dt><dd><bdi dir="ltr">${p.orderId}</bdi></dd></div>
</dl>
<form method="post" action="${DEMO_PSP_PREFIX}/pay">
<input type="hidden" name="token" value="${p.token}">
<input type="hidden" name="lang" value="${lang}">
<div class="button-group">
<button class="button" type="submit" name="action" value="pay">${s.pay}</button>
<button class="button button--secondary" type="submit" name="action" value="cancel">${s.cancel}</button>
</div>
</form>`,
  );
}

/** A token already decided, expired or unknown: what happened, and the way back to the merchant when there is one. */
export function notPayablePage(lang: Lang, token: string, p: DemoPspPayment | null): string {
  const s = STRINGS[lang];
  const message = !p ? s.unknown : p.expired ? s.expired : (s.done[p.status] ?? s.expired);
  return shell(lang, token, html`<h1>${s.title}</h1><div class="panel" role="status"><p>${message}</p></div>${p ? html`<p><a href="${callbackAddress(p)}">${s.back}</a></p>` : ''}`);
}

/** The demo PSP: its API and its pages. Register in demo mode only; it creates the platform's merchant on first start. */
export async function demoPspRoutes(app: FastifyInstance, opts: { db: Kysely<any>; publicUrl: string }): Promise<void> {
  const psp = new DemoPsp(opts.db);
  await psp.ensureDemoMerchant();
  await app.register(demoPspApiRoutes, { prefix: DEMO_PSP_PREFIX, psp });
  const ownOrigin = new URL(opts.publicUrl).origin;
  const tokenField = { type: 'string', maxLength: 200 } as const;

  app.get<{ Querystring: { token?: string; lang?: string } }>(`${DEMO_PSP_PREFIX}/pay`, { schema: { hide: true, querystring: { type: 'object', properties: { token: tokenField, lang: { type: 'string', maxLength: 5 } } } } as never }, async (req, reply) => {
    const lang = langOf(req.query.lang);
    const token = req.query.token ?? '';
    const p = token ? await psp.find(token) : null;
    if (!p) return sendHtml(reply, notPayablePage(lang, token, null), 404);
    if (p.status !== 'issued' || p.expired) return sendHtml(reply, notPayablePage(lang, token, p), 409);
    return sendHtml(reply, payPage(lang, p));
  });

  app.post<{ Body: { token?: string; action?: string; lang?: string } }>(
    `${DEMO_PSP_PREFIX}/pay`,
    { config: { rateLimit: { max: 60, timeWindow: '1 minute' } }, schema: { hide: true, body: { type: 'object', properties: { token: tokenField, action: { type: 'string', maxLength: 10 }, lang: { type: 'string', maxLength: 5 } } } } as never },
    async (req, reply) => {
      const lang = langOf(req.body?.lang);
      // A browser names the page's origin on a form POST: another site's form is refused.
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== 'null' && origin !== ownOrigin) return sendHtml(reply, notPayablePage(lang, req.body?.token ?? '', null), 403);
      const token = req.body?.token ?? '';
      const action = req.body?.action === 'pay' ? 'pay' : req.body?.action === 'cancel' ? 'cancel' : null;
      const found = token ? await psp.find(token) : null;
      if (!found || !action) return sendHtml(reply, notPayablePage(lang, token, null), found ? 400 : 404);
      const p = await psp.decide(token, action);
      if (p.status === 'issued') return sendHtml(reply, notPayablePage(lang, token, p), 409);
      return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(callbackAddress(p), 303);
    },
  );
}
