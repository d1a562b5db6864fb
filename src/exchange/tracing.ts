import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Context } from '@opentelemetry/api';
import { endWhenSettled, tracer } from '../platform/tracing/index.js';

/**
 * The gateway's spans, made only while tracing is on (the gateway checks `tracingActive()` first).
 * Attributes name organisations and the call, never a person: the service id, the consumer's
 * subsystem, the X-Road-Id, the status and the X-Road error type; not the path or the query, which
 * may hold a national code.
 *
 * The call's context travels with the call (`call.trace`), handed to the upstream call and the audit
 * log by the gateway, not through OpenTelemetry's active context: entering a context is
 * AsyncLocalStorage, which on Node 20 turns on promise hooks for the whole process and cost about a
 * tenth of the gateway's CPU per call (docs/benchmarks.md). A gateway node enters none, so it pays
 * nothing for contexts; a call that is not sampled makes one non-recording span and no other.
 */

/** What a call has gathered by the time it is answered (the gateway's Call, seen from here). */
export interface TracedCall {
  id: string;
  method: string;
  client: string | null;
  service: string | null;
  errorType?: string | null;
  /** The call's trace context, set here for the gateway to pass on. */
  trace?: Context;
}

/**
 * The server span of one `/r1` call: a child of the client's `traceparent` when it sends one, kept as
 * `call.trace` while the call runs, so that the upstream call and the audit commit are its children.
 * Ended once the answer is written.
 */
export function traceGatewayCall(req: IncomingMessage, res: ServerResponse, call: TracedCall, run: () => Promise<void>): Promise<void> {
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const span = tracer().startSpan(
    `${call.method} /r1/*`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': call.method, 'http.route': '/r1/*', 'network.protocol.version': req.httpVersion, 'xroad.id': call.id } },
    parent,
  );
  call.trace = trace.setSpan(parent, span);
  return run().finally(() => {
    if (!span.isRecording()) return;
    const a: Attributes = { 'http.response.status_code': res.statusCode };
    if (call.service) a['xroad.service'] = call.service;
    if (call.client) a['xroad.client'] = call.client;
    if (call.errorType) a['xroad.error'] = call.errorType;
    span.setAttributes(a);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}

/** Host and port of each upstream origin, parsed once. */
const servers = new Map<string, { 'server.address': string; 'server.port': number }>();
function serverOf(origin: string) {
  let s = servers.get(origin);
  if (!s) {
    const u = new URL(origin);
    s = { 'server.address': u.hostname, 'server.port': Number(u.port || (u.protocol === 'https:' ? 443 : 80)) };
    // Origins are the registered services' (a few thousand at most); the bound is for safety only.
    if (servers.size >= 10_000) servers.clear();
    servers.set(origin, s);
  }
  return s;
}

/**
 * The client span of a call to an upstream, a child of `parent` (the gateway call's context; the
 * active one otherwise), whose context goes to the upstream in `traceparent` (replacing the one the
 * client sent: the provider's spans are children of the gateway's call). `headers` is the gateway's
 * own object for this request and is written to. A call that is not sampled makes no span here: the
 * upstream gets the call's own context, marked not sampled, so that it records nothing either.
 */
export function traceUpstream<T extends { status: number }>(origin: string, req: { method: string; headers: Record<string, string> }, attributes: Attributes | undefined, send: () => Promise<T>, parent: Context = context.active()): Promise<T> {
  const caller = trace.getSpan(parent);
  if (caller && !caller.isRecording()) {
    propagation.inject(parent, req.headers);
    return send();
  }
  const service = attributes?.['xroad.service'];
  const span = tracer().startSpan(
    typeof service === 'string' ? `${req.method} ${service}` : req.method,
    { kind: SpanKind.CLIENT, attributes: { 'http.request.method': req.method, ...serverOf(origin), ...attributes } },
    parent,
  );
  propagation.inject(trace.setSpan(parent, span), req.headers);
  return endWhenSettled(span, send(), (r) => {
    span.setAttribute('http.response.status_code', r.status);
    if (r.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
  });
}
