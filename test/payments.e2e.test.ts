import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../src/app.js';
import { HttpPaymentProvider, Payments, createPayments, demoMerchantSecret, paymentRoutes, type Order } from '../src/payments/index.js';
import { demoPspRoutes } from '../src/web/payments/demo-psp-pages.js';
import { freePort, testPlatform, type TestPlatform } from './harness.js';

/**
 * Paying through the demo PSP over real HTTP, as a browser would (redirects followed by hand): the
 * platform's HttpPaymentProvider talks to the demo PSP's API, the person presses pay or cancel on its
 * page, and the callback verifies server to server before anything counts.
 */

let tp: TestPlatform;
let app: FastifyInstance;
let url: string;
let payments: Payments;
const verified: string[] = [];
const KIND = 'e2e-order';
let seq = 0;

before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  tp = await testPlatform({ env: { PANJAREH_DEMO: 'true', PORT: String(port), PUBLIC_URL: url } });
  // Once the lead wires payments into the platform, the test uses that instance and those routes.
  payments = (tp as TestPlatform & { payments?: Payments }).payments ?? createPayments(tp.database.db, tp.config);
  payments.onVerified(async (p) => void verified.push(p.id), { kind: KIND });
  app = await buildServer(tp);
  if (!app.hasRoute({ method: 'GET', url: '/payments/callback' })) await app.register(paymentRoutes, { payments });
  if (!app.hasRoute({ method: 'GET', url: '/demo-psp/pay' })) await app.register(demoPspRoutes, { db: tp.database.db, publicUrl: url });
  await app.listen({ port, host: '127.0.0.1' });
});
after(async () => {
  await app?.close();
  await tp?.dispose();
});

const order = (over: Partial<Order> = {}): Order => ({
  kind: KIND,
  reference: `ref-${++seq}-${randomBytes(3).toString('hex')}`,
  amount: 1_200_000,
  description: { fa: 'گواهی عدم سوء پیشینه', en: 'Criminal record certificate' },
  payer: '0012345679',
  ...over,
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(path.startsWith('http') ? path : `${url}${path}`, { redirect: 'manual', headers: { accept: 'text/html', ...headers } });
const postForm = (path: string, form: Record<string, string>) =>
  fetch(`${url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: new URLSearchParams(form).toString() });
const tokenOf = (redirectUrl: string) => new URL(redirectUrl).searchParams.get('token')!;
const audits = async (action: string, subject: string) =>
  (await tp.database.db.selectFrom('audit_log').selectAll().where('action', '=', action).where('subject', '=', subject).execute()).map((r) => JSON.parse(r.detail) as Record<string, unknown>);

/** Opens the pay page, presses a button and returns the callback address the PSP sends the browser to. */
async function atPsp(redirectUrl: string, action: 'pay' | 'cancel'): Promise<string> {
  const page = await get(redirectUrl);
  assert.equal(page.status, 200);
  const res = await postForm('/demo-psp/pay', { token: tokenOf(redirectUrl), action, lang: new URL(redirectUrl).searchParams.get('lang') ?? 'fa' });
  assert.equal(res.status, 303);
  return res.headers.get('location')!;
}

test('paying through the demo PSP: the Persian pay page, pay, callback, verified once, back to the page', async () => {
  const o = order();
  const { paymentId, redirectUrl } = await payments.start(o, { returnTo: '/services/x/apply/done' });
  assert.ok(redirectUrl.startsWith(`${url}/demo-psp/pay?token=`), redirectUrl);
  const page = await get(redirectUrl);
  assert.equal(page.status, 200);
  const body = await page.text();
  assert.match(body, /<html lang="fa" dir="rtl">/);
  assert.ok(body.includes('۱٬۲۰۰٬۰۰۰ ریال'), 'the amount in rials with Persian digits');
  assert.ok(body.includes('پنجره'), 'the merchant');
  assert.match(body, /<button class="button" type="submit" name="action" value="pay">پرداخت<\/button>/);
  assert.match(body, /value="cancel">انصراف<\/button>/);
  assert.match(body, /<form method="post" action="\/demo-psp\/pay">/);

  const callback = await atPsp(redirectUrl, 'pay');
  const cb = new URL(callback);
  assert.equal(`${cb.origin}${cb.pathname}`, `${url}/payments/callback`);
  assert.equal(cb.searchParams.get('status'), 'paid');
  assert.match(cb.searchParams.get('rrn') ?? '', /^\d{12}$/);
  const back = await get(callback);
  assert.equal(back.status, 303);
  assert.equal(back.headers.get('location'), '/services/x/apply/done?payment=verified');
  const p = (await payments.get(paymentId))!;
  assert.equal(p.status, 'verified');
  assert.equal(p.rrn, cb.searchParams.get('rrn'));
  assert.deepEqual(verified.filter((id) => id === paymentId), [paymentId]);

  // The same return again (a reload, a replay): refused in the page's language, audited, counted once.
  const replay = await get(callback);
  assert.equal(replay.status, 409);
  const replayPage = await replay.text();
  assert.match(replayPage, /<html lang="fa"/);
  assert.ok(replayPage.includes('پیش‌تر ثبت شده'), 'says why, in Persian');
  const asJson = await get(callback, { accept: 'application/json' });
  assert.equal(asJson.status, 409);
  assert.equal(((await asJson.json()) as { error: { code: string } }).error.code, 'payment_replayed');
  assert.deepEqual(verified.filter((id) => id === paymentId), [paymentId]);
  assert.deepEqual((await audits('payment.callback_refused', `payment:${paymentId}`)).map((d) => d.reason), ['replayed', 'replayed']);
  assert.equal((await audits('payment.verified', `payment:${paymentId}`)).length, 1);

  // Paying the same order again is refused.
  await assert.rejects(() => payments.start(o, { returnTo: '/x' }), (e) => (e as { status?: number; code?: string }).status === 409 && (e as { code?: string }).code === 'payment_already_paid');
  // The PSP settled it: its verify was called over HTTP.
  const psp = await tp.database.db.selectFrom('demo_psp_payments' as never).selectAll().where('token' as never, '=', tokenOf(redirectUrl) as never).executeTakeFirstOrThrow() as { status: string; amount: number };
  assert.equal(psp.status, 'verified');
  assert.equal(Number(psp.amount), 1_200_000);
});

test('the English pay page and an English refusal', async () => {
  const { redirectUrl } = await payments.start(order({ amount: 500_000 }), { returnTo: '/en/services/x/apply/done' });
  assert.match(redirectUrl, /&lang=en$/);
  const body = await (await get(redirectUrl)).text();
  assert.match(body, /<html lang="en" dir="ltr">/);
  assert.ok(body.includes('IRR 500,000'));
  const callback = await atPsp(redirectUrl, 'pay');
  assert.ok(callback.startsWith(`${url}/en/payments/callback?`), callback);
  assert.equal((await get(callback)).headers.get('location'), '/en/services/x/apply/done?payment=verified');
  const replay = await get(callback);
  assert.equal(replay.status, 409);
  const text = await replay.text();
  assert.match(text, /<html lang="en"/);
  assert.ok(text.includes('already been recorded'));
});

test('a forged callback (a token we never issued) is refused and audited; nothing changes', async () => {
  const token = randomBytes(24).toString('base64url');
  const before = (await audits('payment.callback_refused', 'payment:unknown')).length;
  const res = await get(`/payments/callback?token=${token}&status=paid&orderId=abc&amount=1200000&rrn=123456789012`);
  assert.equal(res.status, 404);
  assert.ok((await res.text()).includes('چنین پرداختی در این سامانه آغاز نشده است'));
  const post = await postForm('/en/payments/callback', { token, status: 'paid' });
  assert.equal(post.status, 404);
  assert.ok((await post.text()).includes('No such payment was started'));
  const after = await audits('payment.callback_refused', 'payment:unknown');
  assert.equal(after.length, before + 2);
  assert.equal(after.at(-1)!.reason, 'unknown_token');
  assert.equal(after.at(-1)!.token, token);
});

test('a callback tampered with (another order, another amount) is refused and audited; the genuine one still counts', async () => {
  const a = await payments.start(order(), { returnTo: '/a' });
  const b = await payments.start(order({ amount: 100_000 }), { returnTo: '/b' });
  const callbackA = new URL(await atPsp(a.redirectUrl, 'pay'));
  const callbackB = new URL(await atPsp(b.redirectUrl, 'pay'));

  // A's token with B's order id (the return of another application), then with B's cheaper amount.
  const otherOrder = new URL(callbackA);
  otherOrder.searchParams.set('orderId', callbackB.searchParams.get('orderId')!);
  assert.equal((await get(otherOrder.toString())).status, 400);
  const otherAmount = new URL(callbackA);
  otherAmount.searchParams.set('amount', '100000');
  const r = await get(otherAmount.toString(), { accept: 'application/json' });
  assert.equal(r.status, 400);
  assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'payment_mismatch');
  assert.equal((await payments.get(a.paymentId))!.status, 'pending');

  // The gateway itself reports another amount for B's token (the PSP's record altered): verify's answer is compared too.
  await tp.database.db.updateTable('demo_psp_payments' as never).set({ amount: 1 } as never).where('token' as never, '=', tokenOf(b.redirectUrl) as never).execute();
  assert.equal((await get(callbackB.toString())).status, 400);
  assert.equal((await payments.get(b.paymentId))!.status, 'pending');
  assert.ok(!verified.includes(b.paymentId));

  assert.deepEqual((await audits('payment.callback_refused', `payment:${a.paymentId}`)).map((d) => d.reason), ['order_mismatch', 'amount_mismatch']);
  const refusedB = await audits('payment.callback_refused', `payment:${b.paymentId}`);
  assert.deepEqual(refusedB.map((d) => d.reason), ['verified_mismatch']);
  assert.equal(refusedB[0]!.providerAmount, 1);

  assert.equal((await get(callbackA.toString())).status, 303);
  assert.equal((await payments.get(a.paymentId))!.status, 'verified');
});

test('cancel at the PSP: the payment is cancelled and the person is back on the page', async () => {
  const { paymentId, redirectUrl } = await payments.start(order(), { returnTo: '/c' });
  const callback = await atPsp(redirectUrl, 'cancel');
  assert.equal(new URL(callback).searchParams.get('status'), 'cancelled');
  const back = await get(callback);
  assert.equal(back.status, 303);
  assert.equal(back.headers.get('location'), '/c?payment=cancelled');
  assert.equal((await payments.get(paymentId))!.status, 'cancelled');
  assert.ok(!verified.includes(paymentId));
  // The pay page now says it is cancelled and offers the way back; no second decision.
  const again = await get(redirectUrl);
  assert.equal(again.status, 409);
  assert.ok((await again.text()).includes('این پرداخت لغو شده است'));
});

test('a callback before the person has paid is refused; the pay page still works', async () => {
  const { paymentId, redirectUrl } = await payments.start(order(), { returnTo: '/d' });
  const early = await get(`/payments/callback?token=${tokenOf(redirectUrl)}&status=paid`);
  assert.equal(early.status, 409);
  assert.equal((await payments.get(paymentId))!.status, 'pending');
  assert.equal((await get(await atPsp(redirectUrl, 'pay'))).status, 303);
  assert.equal((await payments.get(paymentId))!.status, 'verified');
});

test('starting twice: the first attempt is cancelled and its late return refused; the second pays', async () => {
  const o = order();
  const first = await payments.start(o, { returnTo: '/e' });
  const second = await payments.start(o, { returnTo: '/e' });
  assert.equal((await payments.get(first.paymentId))!.status, 'cancelled');
  const late = await get(await atPsp(first.redirectUrl, 'pay'));
  assert.equal(late.status, 409);
  assert.equal((await get(await atPsp(second.redirectUrl, 'pay'))).status, 303);
  const all = await payments.forOrder(o.kind, o.reference);
  assert.deepEqual(all.map((p) => p.status).sort(), ['cancelled', 'verified']);
  assert.ok(!verified.includes(first.paymentId));
});

test('two callbacks racing: one verifies, the other is refused, the listener runs exactly once', async () => {
  const { paymentId, redirectUrl } = await payments.start(order(), { returnTo: '/f' });
  const callback = await atPsp(redirectUrl, 'pay');
  const results = await Promise.all([get(callback), get(callback), postForm(new URL(callback).pathname, Object.fromEntries(new URL(callback).searchParams))]);
  assert.deepEqual(results.map((r) => r.status).sort(), [303, 409, 409]);
  assert.deepEqual(verified.filter((id) => id === paymentId), [paymentId]);
  assert.equal((await audits('payment.verified', `payment:${paymentId}`)).length, 1);
});

test('refund through the PSP: the payment and the PSP\'s record are refunded, audited', async () => {
  const { paymentId, redirectUrl } = await payments.start(order(), { returnTo: '/g' });
  await get(await atPsp(redirectUrl, 'pay'));
  const r = await payments.refund(paymentId, 'application rejected', { actor: 'staff:caseworker' });
  assert.equal(r.status, 'refunded');
  const psp = (await tp.database.db.selectFrom('demo_psp_payments' as never).selectAll().where('token' as never, '=', tokenOf(redirectUrl) as never).executeTakeFirstOrThrow()) as { status: string };
  assert.equal(psp.status, 'refunded');
  const audited = await audits('payment.refunded', `payment:${paymentId}`);
  assert.equal(audited.length, 1);
  assert.equal(audited[0]!.reason, 'application rejected');
});

test('the demo PSP\'s API wants the merchant\'s secret', async () => {
  const call = (body: Record<string, unknown>) => fetch(`${url}/demo-psp/api/token`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  const ask = { orderId: 'abc123', amount: 1000, callbackUrl: `${url}/payments/callback`, description: { fa: 'آزمون', en: 'Test' } };
  const wrong = await call({ merchant: 'PANJAREH', secret: 'guess', ...ask });
  assert.equal(wrong.status, 401);
  assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'merchant_unauthorized');
  assert.equal((await call({ merchant: 'NOBODY', secret: 'guess', ...ask })).status, 401);
  assert.equal((await call({ merchant: 'PANJAREH', ...ask })).status, 400);
  const ok = await call({ merchant: 'PANJAREH', secret: await demoMerchantSecret(tp.database.db), ...ask });
  assert.equal(ok.status, 200);
  assert.match(((await ok.json()) as { token: string }).token, /^[A-Za-z0-9_-]{32}$/);
  // An unknown token on the pay page is a page saying so, not an error trace.
  const unknown = await get('/demo-psp/pay?token=nothing-here');
  assert.equal(unknown.status, 404);
});

test('outside demo mode and without PANJAREH_PSP_URL, payments are not configured', async () => {
  const none = createPayments(tp.database.db, { ...tp.config, demo: false, psp: undefined });
  assert.equal(none.configured, false);
  await assert.rejects(() => none.start(order(), { returnTo: '/x' }), (e) => (e as { code?: string }).code === 'payments_not_configured');
  const real = createPayments(tp.database.db, { ...tp.config, demo: false, psp: { url: 'https://psp.example', merchant: 'm', secret: 's' } });
  assert.equal(real.configured, true);
});

test('a PSP that cannot be reached: 502 psp_unavailable, nothing written, the payment stays pending', async () => {
  const deadPort = await freePort();
  const dead = new Payments(tp.database.db, { publicUrl: url, provider: new HttpPaymentProvider({ apiUrl: `http://127.0.0.1:${deadPort}/demo-psp`, merchant: 'PANJAREH', secret: 'x', timeoutMs: 2000 }) });
  const o = order();
  await assert.rejects(() => dead.start(o, { returnTo: '/h' }), (e) => (e as { status?: number; code?: string }).status === 502 && (e as { code?: string }).code === 'psp_unavailable');
  assert.deepEqual(await payments.forOrder(o.kind, o.reference), []);
  // Paid at the PSP, but the verify cannot get through: nothing counts until a return that can.
  const { paymentId, redirectUrl } = await payments.start(o, { returnTo: '/h' });
  const callback = new URL(await atPsp(redirectUrl, 'pay'));
  await assert.rejects(() => dead.callback(Object.fromEntries(callback.searchParams)), (e) => (e as { code?: string }).code === 'psp_unavailable');
  assert.equal((await payments.get(paymentId))!.status, 'pending');
  assert.equal((await get(callback.toString())).status, 303);
  assert.equal((await payments.get(paymentId))!.status, 'verified');
});
