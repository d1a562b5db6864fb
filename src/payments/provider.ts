import { AppError } from '../platform/errors.js';

/**
 * A payment service provider (PSP) as Iran's card-payment gateways work: the merchant asks for a
 * token for an order id and an amount (server to server), sends the person's browser to the pay
 * page with it, and once the browser is back calls `verify` (server to server) before the payment
 * counts; an unverified payment is reversed by the provider after a while.
 */
export interface PaymentProvider {
  requestToken(req: TokenRequest): Promise<{ token: string }>;
  /** The provider's pay page for this token, where the person's browser is sent. */
  payUrl(token: string, lang: 'fa' | 'en'): string;
  /**
   * Asks the provider what became of the token and, when it was paid, confirms (settles) it.
   * Idempotent: a verified token answers `verified` again with the same figures.
   */
  verify(token: string): Promise<Verification>;
  /** Gives a verified payment's money back. Idempotent: a refunded token answers `refunded` again. */
  refund(token: string, amount: number): Promise<{ status: 'refunded' }>;
}

export interface TokenRequest {
  /** Ours, unique per payment. */
  orderId: string;
  amount: number;
  /** Where the provider sends the browser back to (our callback). */
  callbackUrl: string;
  description: { fa: string; en: string };
}

export interface Verification {
  /** `pending`: the person has not finished at the provider (or the callback came before they did). */
  status: 'verified' | 'pending' | 'cancelled' | 'failed' | 'refunded';
  /** The order id and amount the provider holds for the token: compared with ours before anything counts. */
  orderId: string;
  amount: number;
  rrn: string | null;
  traceNo: string | null;
}

/** The provider could not be reached or refused what we asked: a 502 to the person, with the reason logged by the caller. */
export class ProviderError extends AppError {
  constructor(readonly reason: string, readonly providerCode?: string) {
    super(502, 'psp_unavailable', { fa: 'درگاه پرداخت در دسترس نیست یا درخواست را نپذیرفت؛ کمی بعد دوباره تلاش کنید.', en: 'The payment gateway is unavailable or refused the request; try again a little later.' }, providerCode ? { provider: providerCode } : undefined);
    this.name = 'ProviderError';
  }
}
