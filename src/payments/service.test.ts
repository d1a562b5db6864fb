import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, test } from 'node:test';
import { testPlatform, type TestPlatform } from '../../test/harness.js';
import { writeAudit } from '../platform/audit.js';
import { AppError } from '../platform/errors.js';
import type { Order, Payment } from './model.js';
import type { PaymentProvider, TokenRequest, Verification } from './provider.js';
import { Payments } from './service.js';

/** A provider in memory, as a test double: what it answers to verify is set by each test. */
class FakeProvider implements PaymentProvider {
  tokens = new Map<string, TokenRequest & { status: Verification['status'] }>();
  refunds: string[] = [];
  verifies = 0;
  /** Overrides what verify reports, to play a misbehaving or tampered-with provider. */
  report: Partial<Verification> = {};
  async requestToken(req: TokenRequest) {
    const token = `tok_${randomBytes(12).toString('hex')}`;
    this.tokens.set(token, { ...req, status: 'pending' });
    return { token };
  }
  payUrl(token: string, lang: 'fa' | 'en') {
    return `https://psp.example/pay?token=${token}&lang=${lang}`;
  }
  async verify(token: string): Promise<Verification> {
    this.verifies++;
    const t = this.tokens.get(token)!;
    return { status: t.status, orderId: t.orderId, amount: t.amount, rrn: '123456789012', traceNo: '654321', ...this.report };
  }
  async refund(token: string) {
    this.refunds.push(token);
    this.tokens.get(token)!.status = 'refunded';
    return { status: 'refunded' as const };
  }
  pay(token: string) {
    this.tokens.get(token)!.status = 'verified';
  }
}

let tp: TestPlatform;
let provider: FakeProvider;
let payments: Payments;
let calls: Payment[];
let seq = 0;

before(async () => {
  tp = await testPlatform();
});
after(() => tp.dispose());
beforeEach(() => {
  provider = new FakeProvider();
  payments = new Payments(tp.database.db, { provider, publicUrl: 'https://panjareh.example' });
  calls = [];
  payments.onVerified(async (p) => void calls.push(p), { kind: 'application' });
});

const order = (over: Partial<Order> = {}): Order => ({
  kind: 'application',
  reference: `app-${++seq}`,
  amount: 1_200_000,
  description: { fa: 'گواهی عدم سوء پیشینه', en: 'Criminal record certificate' },
  payer: '0012345679',
  ...over,
});
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
const code = (c: string) => (e: unknown) => e instanceof AppError && e.code === c;
const audits = (action: string, subject?: string) => {
  let q = tp.database.db.selectFrom('audit_log').selectAll().where('action', '=', action);
  if (subject) q = q.where('subject', '=', subject);
  return q.execute().then((rows) => rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> })));
};

test('start asks the provider for a token for our own order id and amount, and a verified callback counts once', async () => {
  const o = order();
  const { paymentId, redirectUrl } = await payments.start(o, { returnTo: '/en/account/applications/x' });
  const token = tokenOf(redirectUrl);
  assert.match(redirectUrl, /lang=en$/);
  const asked = provider.tokens.get(token)!;
  assert.equal(asked.amount, 1_200_000);
  assert.equal(asked.callbackUrl, 'https://panjareh.example/en/payments/callback');
  const pending = (await payments.get(paymentId))!;
  assert.equal(pending.status, 'pending');
  assert.equal(pending.providerOrderId, asked.orderId);
  assert.match(asked.orderId, /^[0-9a-f]{32}$/, 'an unguessable order id, not the application id');

  provider.pay(token);
  const r = await payments.callback({ token, status: 'paid', orderId: asked.orderId, amount: '1200000' });
  assert.equal(r.redirectTo, '/en/account/applications/x?payment=verified');
  assert.equal(r.payment.status, 'verified');
  assert.equal(r.payment.rrn, '123456789012');
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.id, paymentId);
  assert.equal((await audits('payment.verified', `payment:${paymentId}`)).length, 1);

  await assert.rejects(() => payments.callback({ token }), code('payment_replayed'));
  assert.equal(calls.length, 1, 'a replay is not counted again');
  const refused = await audits('payment.callback_refused', `payment:${paymentId}`);
  assert.deepEqual(refused.map((a) => a.detail.reason), ['replayed']);
  await assert.rejects(() => payments.start(o, { returnTo: '/x' }), code('payment_already_paid'));
  assert.equal((await audits('payment.start_refused', `payment:${paymentId}`)).length, 1);
});

test('a forged callback (no token, unknown token) is refused and audited; nothing changes', async () => {
  const before = (await audits('payment.callback_refused', 'payment:unknown')).length;
  await assert.rejects(() => payments.callback({}), code('payment_callback_invalid'));
  await assert.rejects(() => payments.callback({ token: 'x'.repeat(30), status: 'paid' }), (e) => e instanceof AppError && e.status === 404 && e.code === 'payment_unknown');
  const after = await audits('payment.callback_refused', 'payment:unknown');
  assert.equal(after.length, before + 2);
  assert.equal(after.at(-1)!.detail.reason, 'unknown_token');
  assert.equal(provider.verifies, 0, 'the provider is not asked about a token we never issued');
});

test('a callback whose order or amount differs from ours is refused, audited, and leaves the payment pending', async () => {
  const { paymentId, redirectUrl } = await payments.start(order(), { returnTo: '/p' });
  const token = tokenOf(redirectUrl);
  provider.pay(token);
  await assert.rejects(() => payments.callback({ token, orderId: 'f'.repeat(32) }), code('payment_mismatch'));
  await assert.rejects(() => payments.callback({ token, amount: '1000' }), code('payment_mismatch'));
  // The provider itself reports another amount, then another order (a misbehaving or mixed-up gateway).
  provider.report = { amount: 1000 };
  await assert.rejects(() => payments.callback({ token }), code('payment_mismatch'));
  provider.report = { orderId: 'a'.repeat(32) };
  await assert.rejects(() => payments.callback({ token }), code('payment_mismatch'));
  assert.equal((await payments.get(paymentId))!.status, 'pending');
  assert.equal(calls.length, 0);
  const reasons = (await audits('payment.callback_refused', `payment:${paymentId}`)).map((a) => a.detail.reason);
  assert.deepEqual(reasons, ['order_mismatch', 'amount_mismatch', 'verified_mismatch', 'verified_mismatch']);
  // The genuine return still counts afterwards.
  provider.report = {};
  assert.equal((await payments.callback({ token })).payment.status, 'verified');
});

test('a callback before the person paid is refused; a cancelled payment becomes cancelled', async () => {
  const { paymentId, redirectUrl } = await payments.start(order(), { returnTo: '/p?a=1#top' });
  const token = tokenOf(redirectUrl);
  await assert.rejects(() => payments.callback({ token, status: 'paid' }), code('payment_not_completed'));
  assert.equal((await payments.get(paymentId))!.status, 'pending');
  provider.tokens.get(token)!.status = 'cancelled';
  const r = await payments.callback({ token, status: 'cancelled' });
  assert.equal(r.payment.status, 'cancelled');
  assert.equal(r.redirectTo, '/p?a=1&payment=cancelled#top');
  assert.equal(calls.length, 0);
  assert.equal((await audits('payment.cancelled', `payment:${paymentId}`)).length, 1);
  await assert.rejects(() => payments.callback({ token }), code('payment_replayed'));
});

test('two callbacks racing verify once and call the listener exactly once', async () => {
  const { paymentId, redirectUrl } = await payments.start(order(), { returnTo: '/p' });
  const token = tokenOf(redirectUrl);
  provider.pay(token);
  const results = await Promise.allSettled([payments.callback({ token }), payments.callback({ token }), payments.callback({ token })]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of results) if (r.status === 'rejected') assert.ok(code('payment_replayed')(r.reason), String(r.reason));
  assert.equal(calls.length, 1);
  assert.equal((await audits('payment.verified', `payment:${paymentId}`)).length, 1);
});

test('the listener runs in the payment\'s transaction: its refusal rolls its writes back and the money is returned', async () => {
  payments.onVerified(async (p, executor) => {
    await writeAudit(executor, { actor: 'test', action: 'test.listener_wrote', subject: `payment:${p.id}` });
    throw new AppError(409, 'application_withdrawn', { fa: 'درخواست پس گرفته شده است.', en: 'The application was withdrawn.' });
  });
  const { paymentId, redirectUrl } = await payments.start(order(), { returnTo: '/p' });
  const token = tokenOf(redirectUrl);
  provider.pay(token);
  await assert.rejects(() => payments.callback({ token }), code('application_withdrawn'));
  assert.equal((await audits('test.listener_wrote', `payment:${paymentId}`)).length, 0, 'the listener\'s write was rolled back');
  assert.equal((await audits('payment.verified', `payment:${paymentId}`)).length, 0);
  const p = (await payments.get(paymentId))!;
  assert.equal(p.status, 'refunded');
  assert.deepEqual(provider.refunds, [token]);
  assert.equal((await audits('payment.reversed', `payment:${paymentId}`)).length, 1);
});

test('the listener of another kind is not called', async () => {
  const { redirectUrl } = await payments.start(order({ kind: 'licence' }), { returnTo: '/p' });
  provider.pay(tokenOf(redirectUrl));
  assert.equal((await payments.callback({ token: tokenOf(redirectUrl) })).payment.status, 'verified');
  assert.equal(calls.length, 0);
});

test('starting again cancels the attempt in progress; its late return is refused', async () => {
  const o = order();
  const first = await payments.start(o, { returnTo: '/p' });
  const second = await payments.start(o, { returnTo: '/p' });
  assert.notEqual(first.paymentId, second.paymentId);
  const old = (await payments.get(first.paymentId))!;
  assert.equal(old.status, 'cancelled');
  assert.equal(old.reason, 'restarted');
  assert.equal((await audits('payment.superseded', `payment:${first.paymentId}`)).length, 1);
  provider.pay(tokenOf(first.redirectUrl));
  await assert.rejects(() => payments.callback({ token: tokenOf(first.redirectUrl) }), code('payment_replayed'));
  // Starts racing each other leave exactly one attempt in progress.
  const racing = await Promise.all([payments.start(o, { returnTo: '/p' }), payments.start(o, { returnTo: '/p' }), payments.start(o, { returnTo: '/p' })]);
  assert.equal(racing.length, 3);
  const all = await payments.forOrder(o.kind, o.reference);
  assert.equal(all.length, 5);
  assert.equal(all.filter((p) => p.status === 'pending').length, 1);
});

test('refund returns a verified payment\'s money, once; other payments are refused', async () => {
  const { paymentId, redirectUrl } = await payments.start(order(), { returnTo: '/p' });
  const token = tokenOf(redirectUrl);
  await assert.rejects(() => payments.refund(paymentId, 'rejected'), code('payment_not_refundable'));
  provider.pay(token);
  await payments.callback({ token });
  const r = await payments.refund(paymentId, 'application rejected', { actor: 'staff:case1' });
  assert.equal(r.status, 'refunded');
  assert.equal(r.reason, 'application rejected');
  assert.ok(r.refundedAt);
  assert.deepEqual(provider.refunds, [token]);
  assert.equal((await payments.refund(paymentId, 'again')).status, 'refunded');
  assert.deepEqual(provider.refunds, [token], 'a second refund does not ask the provider again');
  const audited = await audits('payment.refunded', `payment:${paymentId}`);
  assert.equal(audited.length, 1);
  assert.equal(audited[0]!.actor, 'staff:case1');
  await assert.rejects(() => payments.refund('00000000-0000-7000-8000-000000000000', 'x'), code('not_found'));
});

test('bad orders and return paths are refused before the provider is asked', async () => {
  await assert.rejects(() => payments.start(order({ amount: 12.5 }), { returnTo: '/p' }), code('payment_order_invalid'));
  await assert.rejects(() => payments.start(order({ amount: 0 }), { returnTo: '/p' }), code('payment_order_invalid'));
  await assert.rejects(() => payments.start(order({ payer: '12' }), { returnTo: '/p' }), code('payment_order_invalid'));
  await assert.rejects(() => payments.start(order({ description: { fa: '', en: 'x' } }), { returnTo: '/p' }), code('payment_order_invalid'));
  for (const returnTo of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'p', '/a\nb']) {
    await assert.rejects(() => payments.start(order(), { returnTo }), code('payment_return_invalid'), returnTo);
  }
  assert.equal(provider.tokens.size, 0);
});

test('without a provider, payments say they are not configured', async () => {
  const none = new Payments(tp.database.db, { provider: null, publicUrl: 'https://panjareh.example' });
  assert.equal(none.configured, false);
  assert.equal(payments.configured, true);
  await assert.rejects(() => none.start(order(), { returnTo: '/p' }), (e) => e instanceof AppError && e.status === 503 && e.code === 'payments_not_configured');
  await assert.rejects(() => none.callback({ token: 'x'.repeat(20) }), code('payments_not_configured'));
});
