/** What a payment is for and where it stands; shared by the service, the store and the routes. */

export interface Localized {
  fa: string;
  en: string;
}

/**
 * What is being paid for. The caller (online applications) names its own record; payments never
 * reads it, so the capability stays generic. `kind` is `'application'` for the online applications.
 */
export interface Order {
  kind: string;
  /** The caller's id of what is paid for (an application's id). */
  reference: string;
  /** In Iranian rials, a whole number: the platform's amount, never the browser's. */
  amount: number;
  description: Localized;
  /** The payer's national code. */
  payer: string;
}

/**
 * `pending` until the provider's verify says it is paid (`verified`) or not (`cancelled`, `failed`);
 * a verified payment can be `refunded`. A pending payment replaced by a new start is `cancelled`.
 */
export type PaymentStatus = 'pending' | 'verified' | 'cancelled' | 'failed' | 'refunded';

export interface Payment {
  id: string;
  order: Order;
  status: PaymentStatus;
  /** Our order id as the provider knows it: random, so nobody can guess another payment's. */
  providerOrderId: string;
  /** The provider's token for this payment. */
  token: string;
  /** The provider's retrieval reference number and trace number, once verified. */
  rrn: string | null;
  traceNo: string | null;
  /** The platform page the person goes back to after the provider. */
  returnTo: string;
  lang: 'fa' | 'en';
  createdAt: string;
  updatedAt: string;
  verifiedAt: string | null;
  refundedAt: string | null;
  /** Why it was cancelled, failed or refunded. */
  reason: string | null;
}
