import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Attributes } from '@opentelemetry/api';
import { failed, tracer } from '../platform/tracing/index.js';

/**
 * The gateway's spans, made only while tracing is on (the gateway checks `tracingActive()` first).
 * Attributes name organisations and the call, never a person: the service id, the consumer's
 * subsystem, the X-Road-Id, the status and the X-Road error type; not the path or the query, which
 * may hold a national code.
 */

/** What a call has gathered by the time it is answered (the gateway's Call, seen from here). */
export interface TracedCall {
  id: string;
  method: string;
  client: string | null;
  service: string | null;
  errorType?: string | null;
}

/**
 * The server span of one `/r1` call: a child of the client's `traceparent` when it sends one, and
 * the active context while the call runs, so that the upstream call and the audit commit are its
 * children. Ended once the answer is written.
 */
export function traceGatewayCall(req: IncomingMessage, res: ServerResponse, call: TracedCall, run: () => Promise<void>): Promise<void> {
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const span = tracer().startSpan(
    `${call.method} /r1/*`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': call.method, 'http.route': '/r1/*', 'network.protocol.version': req.httpVersion, 'xroad.id': call.id } },
    parent,
  );
  return context.with(trace.setSpan(parent, span), run).finally(() => {
    const a: Attributes = { 'http.response.status_code': res.statusCode };
    if (call.service) a['xroad.service'] = call.service;
    if (call.client) a['xroad.client'] = call.client;
    if (call.errorType) a['xroad.error'] = call.errorType;
    span.setAttributes(a);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}

/**
 * The client span of a call to an upstream, a child of the active span, whose context goes to the
 * upstream in `traceparent` (replacing the one the client sent: the provider's spans are children of
 * the gateway's call). `headers` is the gateway's own object for this request and is written to.
 */
export function traceUpstream<T extends { status: number }>(origin: string, req: { method: string; headers: Record<string, string> }, attributes: Attributes | undefined, send: () => Promise<T>): Promise<T> {
  const u = new URL(origin);
  const service = attributes?.['xroad.service'];
  const span = tracer().startSpan(typeof service === 'string' ? `${req.method} ${service}` : req.method, {
    kind: SpanKind.CLIENT,
    attributes: { 'http.request.method': req.method, 'server.address': u.hostname, 'server.port': Number(u.port || (u.protocol === 'https:' ? 443 : 80)), ...attributes },
  });
  propagation.inject(trace.setSpan(context.active(), span), req.headers);
  return send().then(
    (r) => {
      span.setAttribute('http.response.status_code', r.status);
      if (r.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      return r;
    },
    (e: unknown) => {
      failed(span, e);
      span.end();
      throw e;
    },
  );
}
