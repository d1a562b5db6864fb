import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { trace, type ProxyTracerProvider } from '@opentelemetry/api';
import { DEMO_FIXTURES } from '../src/agencies/index.js';
import { ConfigError, loadConfig } from '../src/platform/config.js';
import { flushTracing, tracingActive, tracingSdkLoaded, withSpan } from '../src/platform/tracing/index.js';
import { connectPortalToExchange } from '../src/web/inquiries/connect.js';
import { PORTAL_CLIENT, storedPortalKey } from '../src/web/inquiries/credentials.js';
import { SERVICES } from '../src/web/inquiries/inquiries.js';
import { Browser } from './browser.js';
import { call } from './exchange-helpers.js';
import { eventually, freshDatabase, testPlatform, type TestPlatform } from './harness.js';

/**
 * Traces end to end: a local OTLP/HTTP receiver, the real server with OTEL_EXPORTER_OTLP_ENDPOINT
 * pointing at it (passed in the platform's environment, not process.env), and one call through the
 * demo exchange carrying a W3C traceparent. The receiver must get, in the caller's trace, the
 * gateway's server span, its upstream call, the audit commit, and the demo back-end's own server span
 * as the child of the upstream call (so the back-end received the gateway's traceparent), with the
 * X-Road-Id as an attribute and no personal data anywhere. First, without the variable: nothing is
 * registered and the SDK is never loaded.
 */

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
}
const SERVER = 2;
const CLIENT = 3;

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
const valueOf = (v: OtlpValue): unknown => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue));
const attrs = (list: Array<{ key: string; value: OtlpValue }> = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** A minimal OTLP/HTTP receiver: POST /v1/traces with the JSON encoding (what exporter-trace-otlp-http sends). */
async function startReceiver() {
  const spans: Span[] = [];
  const bodies: string[] = [];
  const contentTypes = new Set<string>();
  const resources: Array<Record<string, unknown>> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') return void res.writeHead(404).end();
      const text = Buffer.concat(chunks).toString('utf8');
      bodies.push(text);
      contentTypes.add(String(req.headers['content-type']));
      for (const rs of JSON.parse(text).resourceSpans ?? []) {
        resources.push(attrs(rs.resource?.attributes));
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind, attributes: attrs(s.attributes), links: s.links ?? [] });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, bodies, contentTypes, resources, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const F = DEMO_FIXTURES.person;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let shared: Awaited<ReturnType<typeof freshDatabase>>;

before(async () => {
  receiver = await startReceiver();
  shared = await freshDatabase();
});
after(async () => {
  await receiver.close();
  await shared.drop();
});

const noOtel = { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OTEL_SDK_DISABLED: '', OTEL_TRACES_EXPORTER: '', OTEL_TRACES_SAMPLER: '', OTEL_TRACES_SAMPLER_ARG: '' };

test('without OTEL_EXPORTER_OTLP_ENDPOINT no tracer provider is registered and the SDK is never loaded', async () => {
  const off = await testPlatform({ shared, env: { ...noOtel, PANJAREH_DEMO: 'true' } });
  try {
    assert.equal(off.config.tracing, undefined);
    assert.equal(tracingActive(), false);
    assert.equal(tracingSdkLoaded(), false, 'no import of @opentelemetry/sdk-trace-node or the exporter');
    const provider = trace.getTracerProvider() as ProxyTracerProvider;
    assert.equal(provider.getDelegate().constructor.name, 'NoopTracerProvider');
    assert.equal(await withSpan('off', {}, (span) => span.isRecording()), false, 'withSpan runs on the no-op tracer');
    await off.database.db.selectFrom('audit_log').select('id').limit(1).execute();
  } finally {
    await off.dispose();
  }
  assert.equal(receiver.bodies.length, 0);
});

test('the standard OTEL_* variables: endpoint, traces endpoint, service name, headers, switches', () => {
  const base = { PANJAREH_DATA_DIR: shared.dataDir, ...noOtel };
  const on = loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=gov,authorization=Bearer%20abc', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test' });
  assert.equal(on.tracing?.url, 'http://collector:4318/v1/traces');
  assert.equal(on.tracing?.serviceName, 'panjareh');
  assert.deepEqual(on.tracing?.headers, { 'x-tenant': 'gov', authorization: 'Bearer abc' });
  assert.equal(on.tracing?.resourceAttributes['deployment.environment'], 'test');
  const own = loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://t.example/otlp/traces', OTEL_SERVICE_NAME: 'gw-tehran-1' });
  assert.equal(own.tracing?.url, 'https://t.example/otlp/traces', "the signal's own variable is used as written");
  assert.equal(own.tracing?.serviceName, 'gw-tehran-1');
  assert.equal(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).tracing, undefined);
  assert.equal(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing, undefined);
  assert.throws(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }), ConfigError);
  assert.throws(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), /HTTP/);
});

describe('with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  let tp: TestPlatform;
  let key: string;
  const gatewayCall = (traceparent: string) =>
    call(tp.url!, `/r1/${SERVICES.person.id}/persons/${F.nationalCode}?nationalCode=${F.nationalCode}`, { headers: { 'x-road-client': PORTAL_CLIENT, authorization: `ApiKey ${key}`, traceparent } });
  const inTrace = (id: string) => receiver.spans.filter((s) => s.traceId === id);

  before(async () => {
    // A long batch delay: spans leave only when flushed, or when the platform closes. Every trace
    // started here is kept (the default keeps one in ten), so that each test sees its own.
    const env = { ...noOtel, PANJAREH_DEMO: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'panjareh-test', OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_TRACES_SAMPLER: 'parentbased_always_on' };
    tp = await testPlatform({ shared, listen: true, env });
    await tp.agencies.seed();
    await connectPortalToExchange(tp);
    key = (await storedPortalKey(tp.database.db))!;
  });
  after(() => tp?.dispose());

  test('one gateway call is one trace: the caller, the gateway, its upstream call, the audit commit and the back-end', async () => {
    assert.equal(tracingActive(), true);
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const a = await gatewayCall(`00-${traceId}-${callerSpan}-01`);
    assert.equal(a.status, 200, a.text);
    const xroadId = a.headers['x-road-id'] as string;

    const named = (pred: (s: Span) => boolean) => inTrace(traceId).find(pred);
    const isGateway = (s: Span) => s.kind === SERVER && s.name === 'GET /r1/*';
    const isUpstream = (s: Span) => s.kind === CLIENT && s.attributes['xroad.id'] === xroadId;
    const isCommit = (s: Span) => s.name === 'exchange.audit commit';
    const isBackend = (s: Span) => s.kind === SERVER && s.name.startsWith('GET /demo-agencies/');
    await eventually(async () => {
      await flushTracing();
      return [isGateway, isUpstream, isCommit, isBackend].every((p) => named(p));
    }, 10_000);

    const gateway = named(isGateway)!;
    assert.equal(gateway.parentSpanId, callerSpan, "the gateway's span is the child of the caller's traceparent");
    assert.equal(gateway.attributes['xroad.id'], xroadId, 'the X-Road-Id is an attribute');
    assert.equal(gateway.attributes['xroad.client'], PORTAL_CLIENT);
    assert.equal(gateway.attributes['xroad.service'], SERVICES.person.id);
    assert.equal(gateway.attributes['http.response.status_code'], 200);

    const upstream = named(isUpstream)!;
    assert.equal(upstream.parentSpanId, gateway.spanId);
    assert.equal(upstream.name, `GET ${SERVICES.person.id}`);
    assert.deepEqual([upstream.attributes['xroad.service'], upstream.attributes['xroad.client'], upstream.attributes['http.response.status_code']], [SERVICES.person.id, PORTAL_CLIENT, 200]);

    const commit = named(isCommit)!;
    assert.equal(commit.parentSpanId, gateway.spanId, 'the audit commit is part of the call it made wait');
    assert.equal(commit.attributes['db.system'], tp.database.dialect === 'postgres' ? 'postgresql' : 'sqlite');

    // The demo back-end is a Fastify route of the same server: its span continues the traceparent the gateway sent it.
    const backend = named(isBackend)!;
    assert.equal(backend.parentSpanId, upstream.spanId, 'the upstream received a traceparent of the same trace, naming the upstream call');
    assert.equal(backend.name, 'GET /demo-agencies/nocr/persons/:nationalCode', 'the route pattern, not the path');
    const query = inTrace(traceId).find((s) => s.attributes['db.system'] && s.attributes['db.operation.name'] && s.parentSpanId === backend.spanId);
    assert.ok(query, "the back-end's database query is a span of the trace");
    assert.match(query.name, /^[A-Z]+( \w+)?$/);

    assert.ok(receiver.resources.some((r) => r['service.name'] === 'panjareh-test'), 'OTEL_SERVICE_NAME names the service');
    assert.deepEqual([...receiver.contentTypes], ['application/json']);
    const everything = receiver.bodies.join('\n');
    for (const personal of [F.nationalCode, F.mobile]) assert.ok(!everything.includes(personal), `no ${personal} in any exported span`);
  });

  test('a caller that did not sample its trace: the call is answered, and nothing of its trace is recorded anywhere', async () => {
    const traceId = randomBytes(16).toString('hex');
    const a = await gatewayCall(`00-${traceId}-${randomBytes(8).toString('hex')}-00`);
    assert.equal(a.status, 200, a.text);
    // A sampled call after it, whose spans arriving show that the unsampled one's would have too.
    const later = randomBytes(16).toString('hex');
    assert.equal((await gatewayCall(`00-${later}-${randomBytes(8).toString('hex')}-01`)).status, 200);
    await eventually(async () => {
      await flushTracing();
      return inTrace(later).some((s) => s.name.startsWith('GET /demo-agencies/'));
    }, 10_000);
    assert.deepEqual(inTrace(traceId), [], 'neither the gateway, its upstream call, its audit commit nor the back-end recorded a span');
  });

  test("a portal page's inquiry and the gateway call it makes are one trace (the portal passes its traceparent on)", async () => {
    const visitor = new Browser(tp.url!);
    const form = await visitor.get('/inquiries/postal-address');
    const page = await visitor.post('/inquiries/postal-address', { _csrf: Browser.csrf(form.body), postal_code: F.postalCode });
    assert.equal(page.status, 200, page.body.slice(0, 300));
    const xroadId = /<code dir="ltr">([0-9a-f-]{36})<\/code>/.exec(page.body)?.[1];
    assert.ok(xroadId, 'the page names its call');
    const gatewayOf = () => receiver.spans.find((s) => s.name === 'GET /r1/*' && s.attributes['xroad.id'] === xroadId);
    await eventually(async () => {
      await flushTracing();
      const g = gatewayOf();
      return !!g && receiver.spans.some((s) => s.spanId === g.parentSpanId);
    }, 10_000);
    const gateway = gatewayOf()!;
    const portal = receiver.spans.find((s) => s.spanId === gateway.parentSpanId)!;
    assert.equal(portal.traceId, gateway.traceId);
    assert.deepEqual([portal.kind, portal.name], [SERVER, 'POST /inquiries/postal-address']);
    assert.equal(gateway.attributes['xroad.service'], SERVICES.address.id);
  });

  test('a refused call carries its X-Road error; a route without traceparent starts a trace, health checks none; closing sends what is left and unregisters', async () => {
    const r = await fetch(`${tp.url}/api/v1/services?q=${encodeURIComponent('گذرنامه')}`);
    assert.equal(r.status, 200);
    for (const check of ['/healthz', '/readyz']) assert.ok((await fetch(`${tp.url}${check}`)).status < 600);
    const traceId = randomBytes(16).toString('hex');
    const a = await call(tp.url!, `/r1/${SERVICES.person.id}/persons/${F.nationalCode}`, { headers: { 'x-road-client': PORTAL_CLIENT, authorization: 'ApiKey pjx_000000000000_not-a-key', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } });
    assert.equal(a.status, 401, a.text);
    const before = receiver.spans.length;
    await tp.dispose();
    tp = undefined as never;
    assert.ok(receiver.spans.length > before, 'the spans still waiting were sent at close');
    const refused = inTrace(traceId).find((s) => s.name === 'GET /r1/*');
    assert.ok(refused, 'the refused call was traced');
    assert.deepEqual([refused.attributes['http.response.status_code'], refused.attributes['xroad.error'], refused.attributes['xroad.id']], [401, a.headers['x-road-error'], a.headers['x-road-id']]);
    assert.ok(inTrace(traceId).some((s) => s.name === 'exchange.audit commit'), 'a refusal is audited too, in its trace');
    const search = receiver.spans.find((s) => s.name === 'GET /api/v1/services');
    assert.ok(search && search.parentSpanId === '' && search.attributes['http.route'] === '/api/v1/services', 'a request without traceparent is the root of its trace');
    assert.ok(!receiver.spans.some((s) => s.name === 'GET /healthz' || s.name === 'GET /readyz'), 'the load balancer’s checks make no spans');
    assert.equal(tracingActive(), false);
    assert.equal((trace.getTracerProvider() as ProxyTracerProvider).getDelegate().constructor.name, 'NoopTracerProvider');
    assert.ok(!receiver.bodies.join('\n').includes(F.nationalCode), 'no national code in any span, refused calls included');
  });
});
