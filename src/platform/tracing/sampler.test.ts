import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { ConfigError } from '../config.js';
import { startTracing, tracer, tracingSettings, type TracingHandle } from './index.js';

/**
 * OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG reach the SDK: with `parentbased_traceidratio` at
 * 0 a call that starts a trace is not recorded, and one whose caller sampled it is. The recorded
 * span goes, at shutdown, to a receiver here that counts what it gets.
 */

let received = 0;
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
const env = { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_BSP_SCHEDULE_DELAY: '600000' };
let handle: TracingHandle | undefined;
before(async () => {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
after(async () => {
  await handle?.shutdown();
  assert.equal(received, 1, 'the one recorded span left in one batch');
  await new Promise<void>((r) => receiver.close(() => r()));
});

test('the sampler settings: default, a ratio, and refusals that name the variable', () => {
  assert.deepEqual(tracingSettings(env)!.sampler, { name: 'parentbased_traceidratio', ratio: 0.1 }, 'one trace in ten started here, and every one a caller sampled');
  assert.deepEqual(tracingSettings({ ...env, OTEL_TRACES_SAMPLER_ARG: '0.25' })!.sampler, { name: 'parentbased_traceidratio', ratio: 0.25 });
  assert.deepEqual(tracingSettings({ ...env, OTEL_TRACES_SAMPLER: 'parentbased_always_on' })!.sampler, { name: 'parentbased_always_on', ratio: 1 });
  assert.deepEqual(tracingSettings({ ...env, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.05' })!.sampler, { name: 'parentbased_traceidratio', ratio: 0.05 });
  assert.deepEqual(tracingSettings({ ...env, OTEL_TRACES_SAMPLER: 'TraceIdRatio' })!.sampler, { name: 'traceidratio', ratio: 1 }, 'without an argument the ratio is 1, as the specification says');
  assert.throws(() => tracingSettings({ ...env, OTEL_TRACES_SAMPLER: 'jaeger_remote' }), (e: unknown) => e instanceof ConfigError && /OTEL_TRACES_SAMPLER must be one of/.test(e.message));
  assert.throws(() => tracingSettings({ ...env, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }), /OTEL_TRACES_SAMPLER_ARG/);
  assert.throws(() => tracingSettings({ ...env, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: 'half' }), /OTEL_TRACES_SAMPLER_ARG/);
});

test('parentbased_traceidratio at 0: a new trace is not recorded, a sampled caller’s is', async () => {
  handle = await startTracing(tracingSettings({ ...env, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' })!, { instanceId: 'test', roles: ['gateway'] });
  const root = tracer().startSpan('a new trace');
  assert.equal(root.isRecording(), false);
  root.end();
  const caller = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED, isRemote: true });
  const child = tracer().startSpan('in the caller’s sampled trace', {}, caller);
  assert.equal(child.isRecording(), true);
  child.end();
  const unsampled = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: TraceFlags.NONE, isRemote: true });
  assert.equal(tracer().startSpan('in an unsampled trace', {}, unsampled).isRecording(), false);
});
