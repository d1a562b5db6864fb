import type { Kysely } from 'kysely';
import { demoUpstreamBase } from '../exchange/index.js';
import type { Config } from '../platform/config.js';
import { DEMO_MERCHANT, DEMO_PSP_PREFIX, demoMerchantSecret } from './demo-psp.js';
import { HttpPaymentProvider } from './http-provider.js';
import { Payments } from './service.js';

export { Payments, withStatus, type CallbackContext, type CallbackInput, type CallbackResult, type PaymentsOptions, type VerifiedListener } from './service.js';
export type { Localized, Order, Payment, PaymentStatus } from './model.js';
export { ProviderError, type PaymentProvider, type TokenRequest, type Verification } from './provider.js';
export { HttpPaymentProvider, type HttpProviderOptions } from './http-provider.js';
export { DEMO_MERCHANT, DEMO_MERCHANT_NAME, DEMO_PSP_PREFIX, DemoPsp, demoMerchantSecret, demoPspApiRoutes, type DemoPspPayment } from './demo-psp.js';
export { demoPspMigrations, paymentMigrations } from './migrations.js';
export { paymentRoutes } from './routes.js';

/**
 * The platform's payments with the provider its settings name: the PSP at PANJAREH_PSP_URL; else,
 * in demo mode, the demo PSP this node serves at /demo-psp (reached on its own loopback address,
 * like the demo agencies, so that server-to-server calls never depend on PUBLIC_URL resolving from
 * inside); else none, and `configured` is false.
 */
export function createPayments(db: Kysely<any>, config: Pick<Config, 'psp' | 'demo' | 'publicUrl' | 'host' | 'port'>): Payments {
  if (config.psp) {
    const { url, merchant, secret } = config.psp;
    return new Payments(db, { publicUrl: config.publicUrl, provider: new HttpPaymentProvider({ apiUrl: url, merchant, secret }) });
  }
  if (config.demo) {
    const own = demoUpstreamBase(config.host, config.port) ?? config.publicUrl;
    const provider = new HttpPaymentProvider({ apiUrl: `${own}${DEMO_PSP_PREFIX}`, payUrl: `${config.publicUrl}${DEMO_PSP_PREFIX}`, merchant: DEMO_MERCHANT, secret: () => demoMerchantSecret(db) });
    return new Payments(db, { publicUrl: config.publicUrl, provider });
  }
  return new Payments(db, { publicUrl: config.publicUrl, provider: null });
}
