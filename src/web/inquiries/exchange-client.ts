import { Pool } from 'undici';
import { AppError } from '../../platform/errors.js';
import { context, propagation } from '@opentelemetry/api';
import { tracingActive } from '../../platform/tracing/index.js';

/**
 * The portal's client of the national data exchange: it calls `{gateway}/r1/{service}/{path}` over
 * HTTP exactly as any other consumer would (X-Road-Client, `Authorization: ApiKey …`), on a
 * keep-alive connection pool, and turns every way a call can fail into an `InquiryFailure` with a
 * status and a message in both languages. It never sees an agency's back-end directly.
 */

export interface ExchangeClientOptions {
  /** The consumer subsystem the portal calls as. */
  client: string;
  /** The gateway's origin, decided at the first call (a node learns its own port once it listens). */
  gatewayBase: () => string;
  /** The portal's API key; `fresh` asks the store again instead of a cached copy. */
  key: (fresh: boolean) => Promise<string | null>;
  /** Overall deadline of one call; longer than the gateway's own deadline for the upstream. */
  timeoutMs?: number;
  /** Largest answer read. */
  maxResponseBytes?: number;
}

/** The agency's answer: its data, or its own refusal of the request (400, 404: an answer about the request, shown as is). */
export type ExchangeAnswer<T> =
  | { ok: true; xroadId: string; data: T }
  | { ok: false; xroadId: string; status: number; error: { code: string; message: { fa: string; en: string } } };

const msg = (fa: string, en: string) => ({ fa, en });

/** A call that did not bring an answer the citizen can use. `reference` is the X-Road-Id when the gateway gave one. */
export class InquiryFailure extends AppError {
  constructor(
    status: number,
    code: string,
    messages: { fa: string; en: string },
    readonly reference: string | null,
    readonly retryAfter: string | null = null,
  ) {
    super(status, code, messages);
    this.name = 'InquiryFailure';
  }
}

const NOT_CONNECTED = msg('این استعلام اکنون در دسترس نیست: درگاه پنجره به شبکهٔ ملی تبادل داده وصل نشده است.', 'This inquiry is not available right now: the portal is not connected to the national data exchange.');
const REFUSED = msg('این استعلام اکنون در دسترس نیست: دستگاه دارندهٔ اطلاعات دسترسی پنجره را نپذیرفت (مجوز دسترسی پنجره باطل شده یا منقضی است). لطفاً بعداً دوباره تلاش کنید.', 'This inquiry is not available right now: the agency that holds the data did not accept the portal’s access (the portal’s permission has been withdrawn or has expired). Please try again later.');
const UNREACHABLE = msg('شبکهٔ ملی تبادل داده در دسترس نیست. لطفاً چند دقیقهٔ دیگر دوباره تلاش کنید.', 'The national data exchange cannot be reached. Please try again in a few minutes.');
const AGENCY_DOWN = msg('سامانهٔ دستگاه دارندهٔ اطلاعات پاسخ نداد. لطفاً بعداً دوباره تلاش کنید.', 'The agency’s system that holds this data did not answer. Please try again later.');
const TOO_SLOW = msg('سامانهٔ دستگاه دارندهٔ اطلاعات به‌موقع پاسخ نداد. لطفاً بعداً دوباره تلاش کنید.', 'The agency’s system did not answer in time. Please try again later.');
const BUSY = msg('درخواست‌های این استعلام بیش از اندازه است؛ کمی بعد دوباره تلاش کنید.', 'This inquiry is receiving too many requests; try again a little later.');
const UNREADABLE = msg('پاسخ دستگاه خوانا نبود. لطفاً بعداً دوباره تلاش کنید.', 'The agency’s answer could not be read. Please try again later.');

/** What each X-Road error type of the gateway means to a citizen. */
function gatewayFailure(status: number, type: string, reference: string | null, retryAfter: string | null): InquiryFailure {
  if (status === 429) return new InquiryFailure(429, 'exchange_busy', BUSY, reference, retryAfter ?? '60');
  if (type.endsWith('ServiceFailed.Timeout') || status === 504) return new InquiryFailure(504, 'agency_timeout', TOO_SLOW, reference);
  if (type.endsWith('ServiceFailed') || status === 502) return new InquiryFailure(502, 'agency_failed', AGENCY_DOWN, reference);
  // The portal's own credential, contract, service or consent refused: nothing the citizen did wrong.
  return new InquiryFailure(503, 'exchange_refused', REFUSED, reference);
}

export class ExchangeClient {
  private readonly pools = new Map<string, Pool>();
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(private readonly o: ExchangeClientOptions) {
    this.timeoutMs = o.timeoutMs ?? 15_000;
    this.maxBytes = o.maxResponseBytes ?? 2 * 1024 * 1024;
  }

  private pool(origin: string): Pool {
    let p = this.pools.get(origin);
    if (!p) {
      p = new Pool(origin, { connections: 32, keepAliveTimeout: 10_000, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs, maxResponseSize: this.maxBytes });
      this.pools.set(origin, p);
    }
    return p;
  }

  /**
   * GET `{service}{path}` through the gateway. Resolves with the agency's answer when it is 2xx, or
   * its error body on 400/404 (answers about the request, not failures of the exchange); everything
   * else is an `InquiryFailure`. `userId` is X-Road's end user on whose behalf
   * the portal asks, passed on to the agency.
   */
  async get<T>(service: string, path: string, opts: { userId?: string } = {}): Promise<ExchangeAnswer<T>> {
    let key = await this.o.key(false);
    for (let attempt = 0; ; attempt++) {
      if (!key) throw new InquiryFailure(503, 'exchange_not_connected', NOT_CONNECTED, null);
      const r = await this.once(service, path, key, opts.userId);
      // Another node may have replaced a revoked key: read the store once more before giving up.
      if (r.status === 401 && r.type && attempt === 0) {
        const again = await this.o.key(true);
        if (again && again !== key) {
          key = again;
          continue;
        }
      }
      const xroadId = r.xroadId ?? '';
      if (r.type) throw gatewayFailure(r.status, r.type, r.xroadId, r.retryAfter);
      if (r.status >= 200 && r.status < 300) return { ok: true, xroadId, data: this.json<T>(r.body, r.xroadId) };
      if (r.status === 400 || r.status === 404) {
        const body = this.json<{ error?: { code?: unknown; message?: { fa?: unknown; en?: unknown } } }>(r.body, r.xroadId);
        const m = body?.error?.message;
        if (typeof m?.fa === 'string' && typeof m.en === 'string') return { ok: false, xroadId, status: r.status, error: { code: String(body.error?.code ?? 'agency_error'), message: { fa: m.fa, en: m.en } } };
      }
      throw new InquiryFailure(502, 'agency_failed', AGENCY_DOWN, r.xroadId);
    }
  }

  private json<T>(body: Buffer, reference: string | null): T {
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch {
      throw new InquiryFailure(502, 'agency_unreadable', UNREADABLE, reference);
    }
  }

  private async once(service: string, path: string, key: string, userId: string | undefined) {
    const base = new URL(this.o.gatewayBase());
    const headers: Record<string, string> = { accept: 'application/json', 'x-road-client': this.o.client, authorization: `ApiKey ${key}` };
    if (userId) headers['x-road-userid'] = userId;
    // With tracing on, the gateway's span (on this node or another) continues the page's trace.
    if (tracingActive()) propagation.inject(context.active(), headers);
    try {
      const res = await this.pool(base.origin).request({
        method: 'GET',
        path: `${base.pathname.replace(/\/+$/, '')}/r1/${service}${path}`,
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      const h = (name: string) => {
        const v = res.headers[name];
        return (Array.isArray(v) ? v[0] : v) ?? null;
      };
      return { status: res.statusCode, body, type: h('x-road-error'), xroadId: h('x-road-id'), retryAfter: h('retry-after') };
    } catch (e) {
      const code = (e as { code?: string; name?: string })?.code ?? (e as { name?: string })?.name ?? '';
      if (/Timeout|TIMEOUT/.test(code)) throw new InquiryFailure(504, 'exchange_timeout', TOO_SLOW, null);
      throw new InquiryFailure(503, 'exchange_unreachable', UNREACHABLE, null);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}
