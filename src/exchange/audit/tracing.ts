import { ROOT_CONTEXT, SpanKind, context, trace, type Context, type Link, type Span } from '@opentelemetry/api';
import { failed, tracer, tracingActive } from '../../platform/tracing/index.js';

/**
 * The audit log's commit span (only while tracing is on). One commit holds the records of many
 * calls: the span is a child of the first traced call in the batch, so that a lone call's trace
 * shows its commit, and links to the others (OpenTelemetry's way for batches), so that each of them
 * finds the commit that made its answer wait.
 */

/** Links kept per commit span: a batch may hold thousands of records. */
const MAX_LINKS = 128;

/** The context an append was made in, kept with the record while tracing is on. */
export const appendContext = (): Context | undefined => (tracingActive() ? context.active() : undefined);

export function startCommitSpan(batch: ReadonlyArray<{ ctx?: Context }>, attributes: { system: 'sqlite' | 'postgresql'; chain: string | null; sealed: boolean; thread: boolean }): Span | null {
  if (!tracingActive()) return null;
  let parent: Context | null = null;
  const links: Link[] = [];
  for (const p of batch) {
    const sc = p.ctx && trace.getSpanContext(p.ctx);
    if (!sc) continue;
    if (!parent) parent = trace.setSpanContext(ROOT_CONTEXT, sc);
    else if (links.length < MAX_LINKS) links.push({ context: sc });
  }
  // A batch of untraced records (or a seal alone) makes no trace of its own.
  if (!parent) return null;
  return tracer().startSpan(
    'exchange.audit commit',
    {
      kind: SpanKind.INTERNAL,
      links,
      attributes: {
        'db.system': attributes.system,
        'db.system.name': attributes.system,
        'panjareh.audit.records': batch.length,
        'panjareh.audit.sealed': attributes.sealed,
        'panjareh.audit.writer_thread': attributes.thread,
        ...(attributes.chain ? { 'panjareh.audit.chain': attributes.chain } : {}),
      },
    },
    parent,
  );
}

export function endCommitSpan(span: Span | null, e?: unknown): void {
  if (!span?.isRecording()) return;
  if (e !== undefined) failed(span, e);
  span.end();
}

/**
 * Runs the log's drain outside any caller's context: it outlives the call that started it. Only
 * when a context is active at all (a traced Fastify request appended): entering one costs (above).
 */
export function detached<T>(fn: () => T): T {
  return tracingActive() && context.active() !== ROOT_CONTEXT ? context.with(ROOT_CONTEXT, fn) : fn();
}
