/**
 * Traces with OpenTelemetry (docs/operations.md, "Tracing"): on when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set, exported over OTLP/HTTP; off otherwise, with the SDK never loaded and no hook, wrapper or span
 * on any path. Spans: HTTP requests (http.ts), database queries (kysely.ts), the exchange gateway's
 * calls and their upstream call (src/exchange/tracing.ts) and the audit log's commits.
 */
export { tracingSettings, type TracingSettings } from './settings.js';
export { flushTracing, startTracing, tracer, tracingActive, tracingSdkLoaded, type NodeIdentity, type TracingHandle } from './setup.js';
export { endWhenSettled, failed, withSpan } from './span.js';
export { traceRequests } from './http.js';
export { traceDialect, type DbSystem } from './kysely.js';
