/**
 * What the gateway needs from the exchange's audit log (`./audit/`, the tamper-evident, hash-chained
 * log): one record per call, allowed or refused, durably committed before the response is sent.
 * `ExchangeAuditLog` satisfies this interface; the gateway depends only on it.
 */
import type { Context } from '@opentelemetry/api';
import type { CheckOutcome } from '../platform/readiness.js';
import type { ExchangeAuditRecord } from './audit/index.js';

export type { ExchangeAuditRecord };

export interface AuditSink {
  /**
   * Resolves once the record is durably committed. `trace`: the call's trace context (the gateway
   * passes its own rather than relying on the active one), so the commit span joins the call's trace.
   */
  append(r: ExchangeAuditRecord, trace?: Context): Promise<void>;
  /** Whether its writer keeps up, for /readyz (a sink without it is taken as up). */
  health?(): CheckOutcome;
}
