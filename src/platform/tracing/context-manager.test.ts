import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { isTracingSuppressed, suppressTracing } from '@opentelemetry/core';
import { LeanContextManager } from './context-manager.js';

const spanContext = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED };

test('a context with a span is entered and survives an await; the SDK’s suppress-only context is not entered where none is active', async () => {
  const m = new LeanContextManager().enable();
  try {
    const traced = trace.setSpanContext(ROOT_CONTEXT, spanContext);
    const seen = await m.with(traced, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return trace.getSpanContext(m.active())?.spanId;
    });
    assert.equal(seen, spanContext.spanId, 'the span’s context is still active after the await');
    assert.equal(m.active(), ROOT_CONTEXT, 'and left afterwards');

    // What the span processor does around an export: the function runs, with its arguments and `this`.
    const out = m.with(suppressTracing(ROOT_CONTEXT), function (this: { n: number }, a: number) {
      return [this.n + a, m.active() === ROOT_CONTEXT];
    }, { n: 1 }, 2);
    assert.deepEqual(out, [3, true], 'run as it is, nothing entered');

    // Inside a traced context a suppression is entered as usual.
    const inner = m.with(traced, () => m.with(suppressTracing(m.active()), () => isTracingSuppressed(m.active())));
    assert.equal(inner, true);
  } finally {
    m.disable();
  }
});
