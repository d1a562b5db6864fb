import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Context } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tracer } from './setup.js';

/**
 * A server span for every request Fastify routes: named "METHOD route-pattern" (`GET
 * /services/:slug`; the method alone for an address no route matches), a child of the caller's W3C
 * `traceparent` when it sends one, and the active context for the handler, so that the queries and
 * calls it makes are its children. The pattern, never the path: a path or query may hold a national
 * code. The exchange's gateway (`/r1`) does not pass through Fastify's router and makes its own span
 * (src/exchange/tracing.ts).
 *
 * Register on the root instance before any route, and only while tracing is on: off, there is no hook.
 *
 * The load balancer's health and readiness checks are not traced: they say nothing a trace would
 * show, and on a gateway node they would be the only requests that enter a context, whose cost then
 * stays with every call of the process (src/exchange/tracing.ts).
 */
const UNTRACED = new Set(['/healthz', '/readyz']);

export function traceRequests(app: FastifyInstance): void {
  const active = new WeakMap<FastifyRequest, Context>();

  // Callback hooks, so that the rest of the request runs inside context.with (its callbacks and
  // promises keep the context). A body arrives in stream callbacks, outside it: preValidation,
  // after the body, enters it again.
  app.addHook('onRequest', (req, _reply, done) => {
    const route = req.routeOptions.url;
    if (route?.startsWith('/r1/') || (route && UNTRACED.has(route))) return done();
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer().startSpan(
      route ? `${req.method} ${route}` : req.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method,
          ...(route ? { 'http.route': route } : {}),
          'url.scheme': req.protocol,
          'network.protocol.version': req.raw.httpVersion,
        },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    active.set(req, ctx);
    context.with(ctx, done);
  });

  app.addHook('preValidation', (req, _reply, done) => {
    const ctx = active.get(req);
    if (ctx) context.with(ctx, done);
    else done();
  });

  app.addHook('onError', (req, _reply, err, done) => {
    const span = spanOf(req);
    // The error's kind only: its message may quote the request.
    span?.setAttribute('error.type', typeof err.code === 'string' ? err.code : err.name);
    done();
  });

  app.addHook('onResponse', (req, reply, done) => {
    const span = spanOf(req);
    if (span) {
      active.delete(req);
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });

  app.addHook('onRequestAbort', (req, done) => {
    const span = spanOf(req);
    if (span) {
      active.delete(req);
      span.setAttribute('error.type', 'aborted');
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });

  function spanOf(req: FastifyRequest) {
    const ctx = active.get(req);
    return ctx ? trace.getSpan(ctx) : undefined;
  }
}
