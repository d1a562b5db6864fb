import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { writeAudit } from '../platform/audit.js';
import { nowIso } from '../platform/db.js';
import { AppError, conflict, invalid, notFound } from '../platform/errors.js';
import { uuidV7 } from '../platform/uuid.js';
import type { Order, Payment } from './model.js';
import type { PaymentProvider, Verification } from './provider.js';
import { PaymentStore, type PaymentDb } from './store.js';

/** Called inside the transaction that marks the payment verified: what the caller changes commits with it, or neither does. */
export type VerifiedListener = (payment: Payment, executor: Kysely<any>) => Promise<void>;

/** What the provider sent back through the browser: nothing in it is trusted except as a key to look up. */
export interface CallbackInput {
  token?: string;
  status?: string;
  orderId?: string;
  amount?: string;
  rrn?: string;
  traceNo?: string;
}

export interface CallbackContext {
  ip?: string | null;
  userAgent?: string | null;
}

export interface CallbackResult {
  payment: Payment;
  /** Where to send the browser: the `returnTo` given at start with `payment=<status>` added. */
  redirectTo: string;
}

export interface PaymentsOptions {
  /** Null when no provider is configured (not in demo mode and no PANJAREH_PSP_URL): `configured` is false. */
  provider: PaymentProvider | null;
  /** PUBLIC_URL: the provider sends browsers back to `{publicUrl}/payments/callback` (`/en/…` for English). */
  publicUrl: string;
}

const CALLBACK_ACTOR = 'payments:callback';
const MAX_AMOUNT = 1e15;

const notConfigured = () =>
  new AppError(503, 'payments_not_configured', { fa: 'پرداخت برخط در این سامانه راه‌اندازی نشده است.', en: 'Online payment is not configured on this platform (set PANJAREH_PSP_URL, PANJAREH_PSP_MERCHANT and PANJAREH_PSP_SECRET).' });

const REFUSALS = {
  callback_invalid: () => invalid('payment_callback_invalid', 'بازگشت از درگاه پرداخت ناقص است.', 'The return from the payment gateway is incomplete.'),
  unknown_token: () => new AppError(404, 'payment_unknown', { fa: 'چنین پرداختی در این سامانه آغاز نشده است.', en: 'No such payment was started on this platform.' }),
  replayed: () => conflict('payment_replayed', 'نتیجهٔ این پرداخت پیش‌تر ثبت شده است و دوباره پذیرفته نمی‌شود.', 'The result of this payment has already been recorded and is not accepted again.'),
  mismatch: () => invalid('payment_mismatch', 'اطلاعات بازگشتی درگاه با این پرداخت (مبلغ یا شمارهٔ سفارش) نمی‌خواند؛ پرداخت ثبت نشد.', 'What came back from the gateway does not match this payment (amount or order number); nothing was recorded.'),
  not_completed: () => conflict('payment_not_completed', 'پرداخت در درگاه هنوز انجام نشده است.', 'The payment has not been completed at the gateway.'),
};

/**
 * Payments for an order through a provider, verified server to server before they count. The
 * amount and order are always ours: the browser's return only names the token to look up.
 */
export class Payments {
  private readonly store: PaymentStore;
  private readonly listeners: Array<{ kind?: string; listener: VerifiedListener }> = [];

  constructor(
    private readonly db: Kysely<any>,
    private readonly opts: PaymentsOptions,
  ) {
    this.store = new PaymentStore(db as PaymentDb);
  }

  /** False when no provider is configured: every payment operation then fails with 503 `payments_not_configured`. */
  get configured(): boolean {
    return this.opts.provider !== null;
  }

  private provider(): PaymentProvider {
    if (!this.opts.provider) throw notConfigured();
    return this.opts.provider;
  }

  /** Registers what happens when a payment is verified (for orders of `kind` only, when given); called once per payment, inside its transaction. */
  onVerified(listener: VerifiedListener, opts: { kind?: string } = {}): void {
    this.listeners.push({ kind: opts.kind, listener });
  }

  get(id: string): Promise<Payment | null> {
    return this.store.byId(id);
  }

  /** Every attempt to pay an order, newest first. */
  forOrder(kind: string, reference: string): Promise<Payment[]> {
    return this.store.forOrder(kind, reference);
  }

  /**
   * Starts paying an order: a new pending payment with a token from the provider, and the address
   * to send the browser to. An order already paid is refused (409); an attempt in progress is
   * cancelled and replaced. `returnTo` is a path on this platform (`/en/…` makes the pages English).
   */
  async start(order: Order, opts: { returnTo: string; actor?: string }): Promise<{ paymentId: string; redirectUrl: string }> {
    checkOrder(order);
    const returnTo = checkReturnTo(opts.returnTo);
    const provider = this.provider();
    const actor = opts.actor ?? `person:${order.payer}`;
    await this.refuseIfPaid(this.db, order, actor);
    const lang = langOf(returnTo);
    const id = uuidV7();
    // Random, so a guessed order id names no payment of ours; hexadecimal, as gateways accept.
    const providerOrderId = randomBytes(16).toString('hex');
    const { token } = await provider.requestToken({ orderId: providerOrderId, amount: order.amount, callbackUrl: `${this.opts.publicUrl}${lang === 'en' ? '/en' : ''}/payments/callback`, description: order.description });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.transaction().execute(async (trx) => {
          await this.refuseIfPaid(trx, order, actor);
          const now = nowIso();
          for (const old of await this.store.cancelPending(trx, order.kind, order.reference, now, 'restarted')) {
            await writeAudit(trx, { actor, action: 'payment.superseded', subject: `payment:${old.id}`, detail: { order: orderRef(order), by: id } });
          }
          await this.store.insert(trx, { id, order, providerOrderId, token, returnTo, lang, now });
          await writeAudit(trx, { actor, action: 'payment.started', subject: `payment:${id}`, detail: { order: orderRef(order), amount: order.amount, providerOrderId } });
        });
        break;
      } catch (e) {
        // Another start for the same order committed its pending payment first: cancel that one in turn.
        if (attempt < 3 && isPendingRace(e)) continue;
        throw e;
      }
    }
    return { paymentId: id, redirectUrl: provider.payUrl(token, lang) };
  }

  private async refuseIfPaid(db: Kysely<any>, order: Order, actor: string): Promise<void> {
    const done = (await this.store.forOrder(order.kind, order.reference, db)).find((p) => p.status === 'verified' || p.status === 'refunded');
    if (!done) return;
    if (db === this.db) await writeAudit(db, { actor, action: 'payment.start_refused', subject: `payment:${done.id}`, detail: { order: orderRef(order), reason: `already_${done.status}` } });
    throw done.status === 'verified'
      ? conflict('payment_already_paid', 'هزینهٔ این درخواست پیش‌تر پرداخت شده است.', 'This has already been paid for.')
      : conflict('payment_refunded', 'هزینهٔ این درخواست پرداخت و بازپرداخت شده است و دوباره پرداخت نمی‌شود.', 'This was paid for and refunded; it cannot be paid again.');
  }

  /**
   * The browser is back from the provider. Looks the payment up by token, refuses a forged,
   * replayed or tampered return (audited, nothing changes), asks the provider to verify, compares
   * its order id and amount with ours, and only then moves `pending → verified` once, calling the
   * listeners in the same transaction. A cancelled or failed payment is recorded as such.
   */
  async callback(input: CallbackInput, ctx: CallbackContext = {}): Promise<CallbackResult> {
    const provider = this.provider();
    const token = typeof input.token === 'string' ? input.token.trim() : '';
    if (!/^[A-Za-z0-9_-]{16,200}$/.test(token)) {
      await this.refused(null, 'callback_invalid', { token: token.slice(0, 80) }, ctx);
      throw REFUSALS.callback_invalid();
    }
    const payment = await this.store.byToken(token);
    if (!payment) {
      await this.refused(null, 'unknown_token', { token: token.slice(0, 80), orderId: input.orderId?.slice(0, 80) }, ctx);
      throw REFUSALS.unknown_token();
    }
    if (payment.status !== 'pending') {
      await this.refused(payment, 'replayed', { status: payment.status }, ctx);
      throw REFUSALS.replayed();
    }
    // The browser's copy of the order and amount is only checked, never used: a difference is tampering.
    if (input.orderId !== undefined && input.orderId !== payment.providerOrderId) {
      await this.refused(payment, 'order_mismatch', { sent: input.orderId.slice(0, 80) }, ctx);
      throw REFUSALS.mismatch();
    }
    if (input.amount !== undefined && input.amount !== String(payment.order.amount)) {
      await this.refused(payment, 'amount_mismatch', { sent: input.amount.slice(0, 40) }, ctx);
      throw REFUSALS.mismatch();
    }
    const v = await provider.verify(token);
    if (v.orderId !== payment.providerOrderId || v.amount !== payment.order.amount) {
      await this.refused(payment, 'verified_mismatch', { providerOrderId: v.orderId.slice(0, 80), providerAmount: v.amount, status: v.status }, ctx);
      throw REFUSALS.mismatch();
    }
    if (v.status === 'pending') {
      await this.refused(payment, 'not_completed', {}, ctx);
      throw REFUSALS.not_completed();
    }
    if (v.status === 'cancelled' || v.status === 'failed') return this.close(payment, v.status, ctx);
    if (v.status === 'refunded') {
      await this.refused(payment, 'provider_refunded', {}, ctx);
      throw REFUSALS.replayed();
    }
    return this.verified(payment, v, ctx);
  }

  private async verified(payment: Payment, v: Verification, ctx: CallbackContext): Promise<CallbackResult> {
    const RACE = Symbol('race');
    let result: Payment;
    try {
      result = await this.db.transaction().execute(async (trx) => {
        const now = nowIso();
        if (!(await this.store.transition(trx, payment.id, 'pending', 'verified', now, { rrn: v.rrn, traceNo: v.traceNo }))) throw RACE;
        const p = (await this.store.byId(payment.id, trx))!;
        for (const l of this.listeners) if (!l.kind || l.kind === p.order.kind) await l.listener(p, trx);
        await writeAudit(trx, { actor: CALLBACK_ACTOR, action: 'payment.verified', subject: `payment:${p.id}`, detail: { order: orderRef(p.order), amount: p.order.amount, rrn: v.rrn, traceNo: v.traceNo }, ip: ctx.ip, userAgent: ctx.userAgent });
        return p;
      });
    } catch (e) {
      if (e === RACE) {
        // Another return of the same payment got there first (a double submit, a replay in flight).
        await this.refused(payment, 'replayed', { raced: true }, ctx);
        throw REFUSALS.replayed();
      }
      if (e instanceof AppError) await this.reverse(payment, e, ctx);
      throw e;
    }
    return { payment: result, redirectTo: withStatus(result.returnTo, 'verified') };
  }

  /**
   * A listener refused the payment (the application was withdrawn meanwhile): the money, already
   * settled by verify, goes back, and the payment is recorded as refunded with the reason.
   */
  private async reverse(payment: Payment, why: AppError, ctx: CallbackContext): Promise<void> {
    try {
      await this.provider().refund(payment.token, payment.order.amount);
    } catch (e) {
      await this.refused(payment, 'listener_refused_refund_failed', { code: why.code, error: (e as Error).message }, ctx);
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      if (await this.store.transition(trx, payment.id, 'pending', 'refunded', nowIso(), { reason: `refused: ${why.code}` })) {
        await writeAudit(trx, { actor: CALLBACK_ACTOR, action: 'payment.reversed', subject: `payment:${payment.id}`, detail: { order: orderRef(payment.order), code: why.code }, ip: ctx.ip, userAgent: ctx.userAgent });
      }
    });
  }

  private async close(payment: Payment, status: 'cancelled' | 'failed', ctx: CallbackContext): Promise<CallbackResult> {
    const moved = await this.db.transaction().execute(async (trx) => {
      if (!(await this.store.transition(trx, payment.id, 'pending', status, nowIso(), { reason: status === 'cancelled' ? 'cancelled at the gateway' : 'failed at the gateway' }))) return false;
      await writeAudit(trx, { actor: CALLBACK_ACTOR, action: `payment.${status}`, subject: `payment:${payment.id}`, detail: { order: orderRef(payment.order) }, ip: ctx.ip, userAgent: ctx.userAgent });
      return true;
    });
    if (!moved) {
      await this.refused(payment, 'replayed', { raced: true }, ctx);
      throw REFUSALS.replayed();
    }
    return { payment: (await this.store.byId(payment.id))!, redirectTo: withStatus(payment.returnTo, status) };
  }

  private async refused(payment: Payment | null, reason: string, detail: Record<string, unknown>, ctx: CallbackContext): Promise<void> {
    await writeAudit(this.db, {
      actor: CALLBACK_ACTOR,
      action: 'payment.callback_refused',
      subject: payment ? `payment:${payment.id}` : 'payment:unknown',
      detail: { reason, ...(payment ? { order: orderRef(payment.order) } : {}), ...detail },
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    });
  }

  /**
   * Gives a verified payment's money back through the provider (an application rejected where the
   * service's rule says so). A payment already refunded is returned as it is; any other is refused.
   */
  async refund(paymentId: string, reason: string, opts: { actor?: string } = {}): Promise<Payment> {
    const payment = await this.store.byId(paymentId);
    if (!payment) throw notFound({ fa: 'پرداخت', en: 'The payment' });
    if (payment.status === 'refunded') return payment;
    const actor = opts.actor ?? 'system';
    if (payment.status !== 'verified') {
      await writeAudit(this.db, { actor, action: 'payment.refund_refused', subject: `payment:${payment.id}`, detail: { status: payment.status } });
      throw conflict('payment_not_refundable', 'فقط پرداخت تأییدشده بازپرداخت می‌شود.', 'Only a verified payment can be refunded.');
    }
    await this.provider().refund(payment.token, payment.order.amount);
    await this.db.transaction().execute(async (trx) => {
      if (await this.store.transition(trx, payment.id, 'verified', 'refunded', nowIso(), { reason: reason.slice(0, 500) })) {
        await writeAudit(trx, { actor, action: 'payment.refunded', subject: `payment:${payment.id}`, detail: { order: orderRef(payment.order), amount: payment.order.amount, reason: reason.slice(0, 500) } });
      }
    });
    return (await this.store.byId(payment.id))!;
  }
}

const orderRef = (o: Order) => `${o.kind}:${o.reference}`;
const langOf = (path: string): 'fa' | 'en' => (path === '/en' || path.startsWith('/en/') || path.startsWith('/en?') ? 'en' : 'fa');

/** `returnTo` with `payment=<status>` added, for the page to say what happened (it reads the payment itself). */
export function withStatus(returnTo: string, status: string): string {
  const hash = returnTo.indexOf('#');
  const [base, frag] = hash < 0 ? [returnTo, ''] : [returnTo.slice(0, hash), returnTo.slice(hash)];
  return `${base}${base.includes('?') ? '&' : '?'}payment=${status}${frag}`;
}

function checkOrder(o: Order): void {
  const bad = (what: string) => invalid('payment_order_invalid', `سفارش پرداخت درست نیست: ${what}`, `The order to pay is not valid: ${what}`);
  if (!o || typeof o !== 'object') throw bad('order');
  if (typeof o.kind !== 'string' || !/^[a-z][a-z0-9_-]{0,39}$/.test(o.kind)) throw bad('kind');
  if (typeof o.reference !== 'string' || o.reference.length < 1 || o.reference.length > 200) throw bad('reference');
  if (!Number.isSafeInteger(o.amount) || o.amount <= 0 || o.amount > MAX_AMOUNT) throw bad('amount');
  if (!o.description || typeof o.description.fa !== 'string' || typeof o.description.en !== 'string' || !o.description.fa.trim() || !o.description.en.trim() || o.description.fa.length > 300 || o.description.en.length > 300) throw bad('description');
  if (typeof o.payer !== 'string' || !/^\d{10}(\d{2})?$/.test(o.payer)) throw bad('payer');
}

/** A path on this platform only: the callback redirects there, so anything else would be an open redirect. */
function checkReturnTo(p: string): string {
  if (typeof p !== 'string' || !p.startsWith('/') || p.startsWith('//') || p.startsWith('/\\') || p.length > 500 || /[\u0000-\u001f\u007f\\]/.test(p)) {
    throw invalid('payment_return_invalid', 'نشانی بازگشت باید مسیری در همین سامانه باشد.', 'returnTo must be a path on this platform.');
  }
  return p;
}

/** Another start of the same order won the race for the one attempt in progress (payments_one_pending). */
function isPendingRace(e: unknown): boolean {
  const { code, constraint, message } = (e ?? {}) as { code?: unknown; constraint?: unknown; message?: unknown };
  if (code === '23505') return constraint === 'payments_one_pending';
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('payments.order_kind');
}
