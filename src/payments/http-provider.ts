import { ProviderError, type PaymentProvider, type TokenRequest, type Verification } from './provider.js';

export interface HttpProviderOptions {
  /** The provider's server-to-server base address (`PANJAREH_PSP_URL`); a function when it is only known at run time. */
  apiUrl: string | (() => string);
  /** The base address browsers are sent to for the pay page; defaults to `apiUrl`. */
  payUrl?: string;
  merchant: string;
  /** The merchant's secret (`PANJAREH_PSP_SECRET`), or where to read it (the demo's, shared through the database). */
  secret: string | (() => Promise<string>);
  timeoutMs?: number;
}

const VERIFY_STATUSES = new Set(['verified', 'pending', 'cancelled', 'failed', 'refunded']);

/**
 * The client of a PSP that speaks Panjareh's JSON protocol (docs/payments.md): POST
 * `{url}/api/token`, `/api/verify` and `/api/refund` with the merchant id and secret in the body;
 * the pay page is `{url}/pay?token=…` (`{url}/en/pay` is not assumed: the language goes as `lang`).
 * The demo PSP serves the same protocol, so the demo runs this very client over HTTP.
 */
export class HttpPaymentProvider implements PaymentProvider {
  constructor(private readonly opts: HttpProviderOptions) {}

  private base(): string {
    return (typeof this.opts.apiUrl === 'function' ? this.opts.apiUrl() : this.opts.apiUrl).replace(/\/+$/, '');
  }

  payUrl(token: string, lang: 'fa' | 'en'): string {
    const base = (this.opts.payUrl ?? this.base()).replace(/\/+$/, '');
    return `${base}/pay?token=${encodeURIComponent(token)}${lang === 'en' ? '&lang=en' : ''}`;
  }

  async requestToken(req: TokenRequest): Promise<{ token: string }> {
    const r = await this.call('token', { orderId: req.orderId, amount: req.amount, callbackUrl: req.callbackUrl, description: req.description });
    if (typeof r.token !== 'string' || !/^[A-Za-z0-9_-]{16,200}$/.test(r.token)) throw new ProviderError('token: the answer has no usable token');
    return { token: r.token };
  }

  async verify(token: string): Promise<Verification> {
    const r = await this.call('verify', { token });
    if (typeof r.status !== 'string' || !VERIFY_STATUSES.has(r.status) || typeof r.orderId !== 'string' || !Number.isSafeInteger(r.amount)) {
      throw new ProviderError('verify: the answer is not a verification');
    }
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v.slice(0, 64) : null);
    return { status: r.status as Verification['status'], orderId: r.orderId, amount: r.amount as number, rrn: str(r.rrn), traceNo: str(r.traceNo) };
  }

  async refund(token: string, amount: number): Promise<{ status: 'refunded' }> {
    const r = await this.call('refund', { token, amount });
    if (r.status !== 'refunded') throw new ProviderError('refund: the provider did not confirm the refund');
    return { status: 'refunded' };
  }

  private async call(op: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const secret = typeof this.opts.secret === 'function' ? await this.opts.secret() : this.opts.secret;
    let res: Response;
    try {
      res = await fetch(`${this.base()}/api/${op}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ merchant: this.opts.merchant, secret, ...body }),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
        redirect: 'error',
      });
    } catch (e) {
      throw new ProviderError(`${op}: ${(e as Error).message}`);
    }
    const text = await res.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ProviderError(`${op}: HTTP ${res.status}, not JSON`);
    }
    if (!res.ok) {
      const code = (parsed as { error?: { code?: unknown } })?.error?.code;
      throw new ProviderError(`${op}: HTTP ${res.status}`, typeof code === 'string' ? code.slice(0, 100) : undefined);
    }
    if (!parsed || typeof parsed !== 'object') throw new ProviderError(`${op}: the answer is not an object`);
    return parsed as Record<string, unknown>;
  }
}
