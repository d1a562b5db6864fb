import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { nowIso } from '../platform/db.js';
import { AppError, conflict, notFound } from '../platform/errors.js';
import { sharedSecret } from '../platform/secrets.js';

/**
 * The demo's payment service provider, at `/demo-psp/`, only in demo mode. It stands in for a
 * card-payment gateway: merchants ask for tokens server to server, people pay or cancel on its page,
 * and merchants verify and refund server to server, all with Panjareh's JSON protocol
 * (docs/payments.md). Its state lives in tables of its own, so every node serves every token.
 */

export const DEMO_PSP_PREFIX = '/demo-psp';
/** The merchant the platform itself is at the demo PSP; its secret is shared by every node through the database. */
export const DEMO_MERCHANT = 'PANJAREH';
export const DEMO_MERCHANT_NAME = { fa: 'پنجره — درگاه ملی خدمات دولت هوشمند', en: 'Panjareh — the national government services portal' };
export const demoMerchantSecret = (db: Kysely<any>): Promise<string> => sharedSecret(db, 'demo-psp-merchant');

/** How long a token can be paid: as long as a card gateway's page usually lives. */
const TOKEN_TTL_MS = 20 * 60 * 1000;

export type DemoPspStatus = 'issued' | 'paid' | 'cancelled' | 'verified' | 'refunded';

export interface DemoPspPayment {
  token: string;
  merchant: string;
  merchantName: { fa: string; en: string };
  orderId: string;
  amount: number;
  description: { fa: string; en: string };
  callbackUrl: string;
  status: DemoPspStatus;
  rrn: string | null;
  traceNo: string | null;
  expired: boolean;
}

interface Tables {
  demo_psp_merchants: { id: string; name_fa: string; name_en: string; secret_hash: string; created_at: string };
  demo_psp_payments: {
    token: string;
    merchant: string;
    order_id: string;
    amount: number;
    description_fa: string;
    description_en: string;
    callback_url: string;
    status: DemoPspStatus;
    rrn: string | null;
    trace_no: string | null;
    created_at: string;
    expires_at: string;
    decided_at: string | null;
    verified_at: string | null;
    refunded_at: string | null;
  };
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const unauthorized = () => new AppError(401, 'merchant_unauthorized', { fa: 'شناسه یا رمز پذیرنده درست نیست.', en: 'The merchant id or secret is wrong.' });
const tokenNotFound = () => notFound({ fa: 'توکن پرداخت', en: 'The payment token' });

export class DemoPsp {
  private readonly db: Kysely<Tables>;

  constructor(db: Kysely<any>) {
    this.db = db as Kysely<Tables>;
  }

  /** Registers a merchant, or leaves it as it is when it exists. */
  async ensureMerchant(id: string, name: { fa: string; en: string }, secret: string): Promise<void> {
    await this.db
      .insertInto('demo_psp_merchants')
      .values({ id, name_fa: name.fa, name_en: name.en, secret_hash: sha256(secret).toString('hex'), created_at: nowIso() })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  /** The platform's own merchant, with the secret every node reads from the database. */
  async ensureDemoMerchant(): Promise<void> {
    await this.ensureMerchant(DEMO_MERCHANT, DEMO_MERCHANT_NAME, await demoMerchantSecret(this.db));
  }

  /** Compares hashes in constant time, and hashes something for an unknown merchant too, so timing tells nothing. */
  async authenticate(merchant: unknown, secret: unknown): Promise<string> {
    const row = typeof merchant === 'string' && merchant.length <= 100 ? await this.db.selectFrom('demo_psp_merchants').select(['id', 'secret_hash']).where('id', '=', merchant).executeTakeFirst() : undefined;
    const given = sha256(typeof secret === 'string' ? secret : '');
    const stored = row ? Buffer.from(row.secret_hash, 'hex') : sha256(randomBytes(16).toString('hex'));
    if (!timingSafeEqual(given, stored) || !row) throw unauthorized();
    return row.id;
  }

  async issue(merchant: string, o: { orderId: string; amount: number; callbackUrl: string; description: { fa: string; en: string } }): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    const now = Date.now();
    try {
      await this.db
        .insertInto('demo_psp_payments')
        .values({
          token,
          merchant,
          order_id: o.orderId,
          amount: o.amount,
          description_fa: o.description.fa,
          description_en: o.description.en,
          callback_url: o.callbackUrl,
          status: 'issued',
          rrn: null,
          trace_no: null,
          created_at: new Date(now).toISOString(),
          expires_at: new Date(now + TOKEN_TTL_MS).toISOString(),
          decided_at: null,
          verified_at: null,
          refunded_at: null,
        })
        .execute();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE') throw conflict('duplicate_order', 'این شمارهٔ سفارش پیش‌تر به کار رفته است.', 'This order id has been used already.');
      throw e;
    }
    return token;
  }

  async find(token: string): Promise<DemoPspPayment | null> {
    const r = await this.db
      .selectFrom('demo_psp_payments')
      .innerJoin('demo_psp_merchants', 'demo_psp_merchants.id', 'demo_psp_payments.merchant')
      .selectAll('demo_psp_payments')
      .select(['demo_psp_merchants.name_fa', 'demo_psp_merchants.name_en'])
      .where('token', '=', token)
      .executeTakeFirst();
    if (!r) return null;
    return {
      token: r.token,
      merchant: r.merchant,
      merchantName: { fa: r.name_fa, en: r.name_en },
      orderId: r.order_id,
      amount: Number(r.amount),
      description: { fa: r.description_fa, en: r.description_en },
      callbackUrl: r.callback_url,
      status: r.status,
      rrn: r.rrn,
      traceNo: r.trace_no,
      expired: r.status === 'issued' && Date.parse(r.expires_at) <= Date.now(),
    };
  }

  /** The person paid or cancelled on the page; a second press finds the first decision and keeps it. */
  async decide(token: string, action: 'pay' | 'cancel'): Promise<DemoPspPayment> {
    const found = await this.find(token);
    if (!found) throw tokenNotFound();
    if (found.status === 'issued' && !found.expired) {
      const paid = action === 'pay';
      await this.db
        .updateTable('demo_psp_payments')
        .set({
          status: paid ? 'paid' : 'cancelled',
          decided_at: nowIso(),
          // A retrieval reference number (12 digits) and a trace number (6 digits), as card switches give.
          rrn: paid ? String(randomInt(1e11, 1e12)) : null,
          trace_no: paid ? String(randomInt(1e5, 1e6)) : null,
        })
        .where('token', '=', token)
        .where('status', '=', 'issued')
        .execute();
    }
    return (await this.find(token))!;
  }

  /** Settles a paid token; answers what became of any other. Idempotent. */
  async verify(merchant: string, token: string): Promise<{ status: string; orderId: string; amount: number; rrn: string | null; traceNo: string | null }> {
    const p = await this.owned(merchant, token);
    if (p.status === 'paid') await this.db.updateTable('demo_psp_payments').set({ status: 'verified', verified_at: nowIso() }).where('token', '=', token).where('status', '=', 'paid').execute();
    const now = (await this.find(token))!;
    const status = now.status === 'issued' ? (now.expired ? 'failed' : 'pending') : now.status;
    return { status, orderId: now.orderId, amount: now.amount, rrn: now.rrn, traceNo: now.traceNo };
  }

  async refund(merchant: string, token: string, amount: unknown): Promise<{ status: 'refunded' }> {
    const p = await this.owned(merchant, token);
    if (amount !== undefined && amount !== p.amount) throw conflict('refund_amount', 'مبلغ بازپرداخت با مبلغ پرداخت برابر نیست.', 'The refund amount is not the amount paid.');
    if (p.status === 'verified') await this.db.updateTable('demo_psp_payments').set({ status: 'refunded', refunded_at: nowIso() }).where('token', '=', token).where('status', '=', 'verified').execute();
    const now = (await this.find(token))!;
    if (now.status !== 'refunded') throw conflict('not_refundable', 'فقط پرداخت تأییدشده بازپرداخت می‌شود.', 'Only a verified payment can be refunded.');
    return { status: 'refunded' };
  }

  /** A token of another merchant does not exist for this one. */
  private async owned(merchant: string, token: unknown): Promise<DemoPspPayment> {
    const p = typeof token === 'string' && token.length <= 200 ? await this.find(token) : null;
    if (!p || p.merchant !== merchant) throw tokenNotFound();
    return p;
  }
}

const credentials = { merchant: { type: 'string', minLength: 1, maxLength: 100 }, secret: { type: 'string', minLength: 1, maxLength: 500 } } as const;
const localized = { type: 'object', required: ['fa', 'en'], additionalProperties: false, properties: { fa: { type: 'string', minLength: 1, maxLength: 300 }, en: { type: 'string', minLength: 1, maxLength: 300 } } } as const;
const tokenBody = {
  type: 'object',
  required: ['merchant', 'secret', 'orderId', 'amount', 'callbackUrl', 'description'],
  additionalProperties: false,
  properties: {
    ...credentials,
    orderId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    amount: { type: 'integer', minimum: 1, maximum: 1e15 },
    callbackUrl: { type: 'string', pattern: '^https?://', maxLength: 1000 },
    description: localized,
  },
} as const;
const verifyBody = { type: 'object', required: ['merchant', 'secret', 'token'], additionalProperties: false, properties: { ...credentials, token: { type: 'string', minLength: 1, maxLength: 200 } } } as const;
const refundBody = { type: 'object', required: ['merchant', 'secret', 'token'], additionalProperties: false, properties: { ...credentials, token: { type: 'string', minLength: 1, maxLength: 200 }, amount: { type: 'integer' } } } as const;

interface Credentials {
  merchant: string;
  secret: string;
}

/**
 * The demo PSP's server-to-server API (JSON): `POST /api/token`, `/api/verify`, `/api/refund`.
 * Register with `{ prefix: DEMO_PSP_PREFIX }`, in demo mode only.
 */
export async function demoPspApiRoutes(app: FastifyInstance, opts: { psp: DemoPsp }): Promise<void> {
  const { psp } = opts;
  // Answers are never cached; a wrong secret is counted per address like a sign-in.
  const limit = { rateLimit: { max: 600, timeWindow: '1 minute' } };
  app.post<{ Body: Credentials & { orderId: string; amount: number; callbackUrl: string; description: { fa: string; en: string } } }>('/api/token', { config: limit, schema: { body: tokenBody } }, async (req, reply) => {
    const merchant = await psp.authenticate(req.body.merchant, req.body.secret);
    const token = await psp.issue(merchant, req.body);
    return reply.header('cache-control', 'no-store').send({ token });
  });
  app.post<{ Body: Credentials & { token: string } }>('/api/verify', { config: limit, schema: { body: verifyBody } }, async (req, reply) => {
    const merchant = await psp.authenticate(req.body.merchant, req.body.secret);
    return reply.header('cache-control', 'no-store').send(await psp.verify(merchant, req.body.token));
  });
  app.post<{ Body: Credentials & { token: string; amount?: number } }>('/api/refund', { config: limit, schema: { body: refundBody } }, async (req, reply) => {
    const merchant = await psp.authenticate(req.body.merchant, req.body.secret);
    return reply.header('cache-control', 'no-store').send(await psp.refund(merchant, req.body.token, req.body.amount));
  });
}
