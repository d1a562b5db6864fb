import type { Kysely } from 'kysely';
import type { Order, Payment, PaymentStatus } from './model.js';

export interface PaymentsTable {
  id: string;
  order_kind: string;
  order_ref: string;
  amount: number;
  description_fa: string;
  description_en: string;
  payer: string;
  status: PaymentStatus;
  provider_order_id: string;
  token: string;
  rrn: string | null;
  trace_no: string | null;
  return_to: string;
  lang: 'fa' | 'en';
  reason: string | null;
  created_at: string;
  updated_at: string;
  verified_at: string | null;
  refunded_at: string | null;
}

export interface PaymentTables {
  payments: PaymentsTable;
}

export type PaymentDb = Kysely<PaymentTables>;

export function toPayment(r: PaymentsTable): Payment {
  return {
    id: r.id,
    order: { kind: r.order_kind, reference: r.order_ref, amount: Number(r.amount), description: { fa: r.description_fa, en: r.description_en }, payer: r.payer },
    status: r.status,
    providerOrderId: r.provider_order_id,
    token: r.token,
    rrn: r.rrn,
    traceNo: r.trace_no,
    returnTo: r.return_to,
    lang: r.lang,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    verifiedAt: r.verified_at,
    refundedAt: r.refunded_at,
    reason: r.reason,
  };
}

/** The SQL of payments; every status change is conditional on the status it leaves, so a race changes a row once. */
export class PaymentStore {
  constructor(private readonly db: PaymentDb) {}

  async byId(id: string, db: Kysely<any> = this.db): Promise<Payment | null> {
    const r = await (db as PaymentDb).selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toPayment(r) : null;
  }

  async byToken(token: string): Promise<Payment | null> {
    const r = await this.db.selectFrom('payments').selectAll().where('token', '=', token).executeTakeFirst();
    return r ? toPayment(r) : null;
  }

  /** Every attempt to pay the order, newest first. */
  async forOrder(kind: string, reference: string, db: Kysely<any> = this.db): Promise<Payment[]> {
    const rows = await (db as PaymentDb).selectFrom('payments').selectAll().where('order_kind', '=', kind).where('order_ref', '=', reference).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(toPayment);
  }

  async insert(db: Kysely<any>, p: { id: string; order: Order; providerOrderId: string; token: string; returnTo: string; lang: 'fa' | 'en'; now: string }): Promise<void> {
    await (db as PaymentDb)
      .insertInto('payments')
      .values({
        id: p.id,
        order_kind: p.order.kind,
        order_ref: p.order.reference,
        amount: p.order.amount,
        description_fa: p.order.description.fa,
        description_en: p.order.description.en,
        payer: p.order.payer,
        status: 'pending',
        provider_order_id: p.providerOrderId,
        token: p.token,
        rrn: null,
        trace_no: null,
        return_to: p.returnTo,
        lang: p.lang,
        reason: null,
        created_at: p.now,
        updated_at: p.now,
        verified_at: null,
        refunded_at: null,
      })
      .execute();
  }

  /** Moves a row from `from` to `to`; returns whether this call moved it (false: another got there first). */
  async transition(
    db: Kysely<any>,
    id: string,
    from: PaymentStatus,
    to: PaymentStatus,
    now: string,
    extra: { rrn?: string | null; traceNo?: string | null; reason?: string | null } = {},
  ): Promise<boolean> {
    const r = await (db as PaymentDb)
      .updateTable('payments')
      .set({
        status: to,
        updated_at: now,
        ...(to === 'verified' ? { verified_at: now, rrn: extra.rrn ?? null, trace_no: extra.traceNo ?? null } : {}),
        ...(to === 'refunded' ? { refunded_at: now } : {}),
        ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
      })
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** The order's attempt in progress, cancelled so that a new one can start; returns it if there was one. */
  async cancelPending(db: Kysely<any>, kind: string, reference: string, now: string, reason: string): Promise<Payment[]> {
    const pending = await this.forOrder(kind, reference, db).then((ps) => ps.filter((p) => p.status === 'pending'));
    const out: Payment[] = [];
    for (const p of pending) if (await this.transition(db, p.id, 'pending', 'cancelled', now, { reason })) out.push(p);
    return out;
  }
}
