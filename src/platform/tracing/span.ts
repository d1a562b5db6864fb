import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import { tracer } from './setup.js';

/**
 * `withSpan('documents.sign', { 'panjareh.document.kind': kind }, async () => …)`: runs `fn` in a
 * span, a child of the active one, ended when `fn` settles. Attributes must never carry personal
 * data (national codes, names, mobiles, query strings that hold them): ids of services, members and
 * calls, kinds and counts only. Without tracing this is the API's no-op span and costs next to nothing.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T> | T): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      failed(span, e);
      throw e;
    } finally {
      span.end();
    }
  });
}

/**
 * Ends `span` when `work` settles: `onAnswer` first sees a result (to add its status), a rejection
 * marks the span failed (see `failed`). The result or the rejection passes through unchanged.
 */
export function endWhenSettled<T>(span: Span, work: Promise<T>, onAnswer?: (r: T) => void): Promise<T> {
  return work.then(
    (r) => {
      onAnswer?.(r);
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

/**
 * Marks a span as failed with the error's kind only: an error's message may quote what it was given
 * (a national code, a path), so neither the message nor the stack is recorded.
 */
export function failed(span: Span, e: unknown, kind?: string): void {
  const err = e as { code?: unknown; kind?: unknown; name?: unknown } | null;
  const type = kind ?? (typeof err?.code === 'string' ? err.code : typeof err?.kind === 'string' ? err.kind : typeof err?.name === 'string' ? err.name : 'error');
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}
