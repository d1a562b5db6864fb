import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { DEMO_AGENCIES, DEMO_FIXTURES } from '../src/agencies/index.js';
import { instrument } from '../src/instrument.js';
import { loadConfig } from '../src/platform/config.js';
import { connectPortalToExchange } from '../src/web/inquiries/connect.js';
import { PORTAL_CLIENT, storedPortalKey } from '../src/web/inquiries/credentials.js';
import { Browser } from './browser.js';
import { call } from './exchange-helpers.js';
import { dialectUnderTest, eventually, testPlatform, type TestPlatform } from './harness.js';
import { signInToPortal } from './signin.js';

/**
 * Metrics (PANJAREH_METRICS_PORT): one real platform serving its metrics on a port of its own, some
 * traffic naming a demo citizen everywhere it can (URL paths, queries, the gateway's data subject, a
 * forged X-Road-Client), then one scrape: the expected series with the node's labels, and no personal
 * data in any label. The Grafana dashboard's queries are checked against the same scrape.
 */

let tp: TestPlatform;
let scrape = '';
const F = DEMO_FIXTURES.person;
const PERSON = DEMO_AGENCIES.flatMap((a) => a.services).find((s) => s.path === '/persons/{nationalCode}')!.id;
const names: string[] = [];

const metricsUrl = () => `http://127.0.0.1:${tp.metrics!.port}`;

/** Every label value of the exposition text. */
function labelValues(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const labels = /\{(.*)\}/.exec(line)?.[1];
    if (labels) for (const m of labels.matchAll(/\w+="((?:[^"\\]|\\.)*)"/g)) out.push(m[1]!);
  }
  return out;
}

/** The series of one metric as label sets. */
const series = (name: string): Array<Record<string, string>> =>
  scrape
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .map((l) => Object.fromEntries([...(/\{(.*)\}/.exec(l)?.[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!])));

before(async () => {
  tp = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'true', PANJAREH_METRICS_PORT: '0', PANJAREH_NODE_ID: 'metrics-test-node' } });
  await tp.agencies.seed();
  await connectPortalToExchange(tp);
  const portalKey = (await storedPortalKey(tp.database.db))!;
  for (const code of [F.nationalCode, DEMO_FIXTURES.foreign.nationalCode]) {
    const p = (await tp.agencies.civilRegistry.person(code))!;
    names.push(p.firstName.fa, p.lastName.fa, p.firstName.en, p.lastName.en);
  }

  // Pages and searches, with a national code and a mobile number in paths and queries.
  assert.equal((await fetch(`${tp.url}/`)).status, 200);
  assert.equal((await fetch(`${tp.url}/services?q=${encodeURIComponent('گذرنامه')}`)).status, 200);
  assert.equal((await fetch(`${tp.url}/api/v1/services?q=${F.nationalCode}`)).status, 200);
  assert.equal((await fetch(`${tp.url}/services/${F.nationalCode}`)).status, 404);
  assert.equal((await fetch(`${tp.url}/no/such/page/${F.mobile}?mobile=${F.mobile}`)).status, 404);
  // The gateway: a read of Ali's record (committed to the audit log before it is answered), and a forged client naming him.
  const ok = await call(tp.url!, `/r1/${PERSON}/persons/${F.nationalCode}?mobile=${F.mobile}`, { headers: { 'x-road-client': PORTAL_CLIENT, authorization: `ApiKey ${portalKey}` } });
  assert.equal(ok.status, 200, ok.text);
  const forged = await call(tp.url!, `/r1/${PERSON}/persons/${F.nationalCode}`, { headers: { 'x-road-client': `IR/GOV/${F.nationalCode}/x${F.mobile}`, authorization: 'ApiKey nothing' } });
  assert.equal(forged.status, 401);
  // A sign-in: a code sent, then success.
  await signInToPortal(new Browser(tp.url!), tp.url!, { nationalCode: F.nationalCode, mobile: F.mobile });

  // The worker role's daily job has run once it is counted; the audit commit is in by then too.
  await eventually(async () => {
    scrape = await (await fetch(`${metricsUrl()}/metrics`)).text();
    return /panjareh_job_runs_total\{[^}]*result="done"/.test(scrape) && /panjareh_signins_total\{[^}]*result="success"/.test(scrape);
  }, 10_000);
});
after(() => tp.dispose());

test('the expected series, each with the node and its roles', () => {
  for (const name of [
    'panjareh_info',
    'panjareh_http_request_duration_seconds_count',
    'panjareh_gateway_calls_total',
    'panjareh_gateway_call_duration_seconds_bucket',
    'panjareh_gateway_request_bytes_sum',
    'panjareh_gateway_response_bytes_sum',
    'panjareh_audit_commit_duration_seconds_count',
    'panjareh_audit_batch_records_bucket',
    'panjareh_audit_records_total',
    'panjareh_audit_backlog_records',
    'panjareh_jobs',
    'panjareh_jobs_lag_seconds',
    'panjareh_job_runs_total',
    'panjareh_search_duration_seconds_count',
    'panjareh_signins_total',
    'panjareh_db_pool_connections',
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_heap_size_used_bytes',
    'process_resident_memory_bytes',
  ]) {
    const s = series(name);
    assert.ok(s.length > 0, `${name} is scraped`);
    for (const labels of s) assert.deepEqual([labels.node, labels.roles], ['metrics-test-node', 'gateway,idp,portal,worker'], `${name} carries node and roles`);
  }
  const http = series('panjareh_http_request_duration_seconds_count');
  assert.ok(http.some((l) => l.route === '/services/:code' && l.status === '404' && l.method === 'GET'), 'requests by route pattern and status');
  assert.ok(http.some((l) => l.route === '/' && l.status === '200'));
  assert.ok(http.some((l) => l.route === 'unmatched' && l.status === '404'), 'a URL no route matches is counted without its path');
  const gw = series('panjareh_gateway_calls_total');
  assert.ok(gw.some((l) => l.service === PERSON && l.consumer === PORTAL_CLIENT && l.status === '200' && l.error === ''), 'a gateway call by service, consumer, status');
  assert.ok(gw.some((l) => l.service === PERSON && l.consumer === 'unknown' && l.status === '401' && l.error === 'Server.ClientProxy.AuthenticationFailed'), 'an unregistered consumer is "unknown", with the X-Road error type');
  const signIns = series('panjareh_signins_total');
  assert.ok(signIns.some((l) => l.method === 'otp' && l.result === 'code_sent' && l.site === 'portal'));
  assert.ok(signIns.some((l) => l.method === 'otp' && l.result === 'success' && l.site === 'portal'));
  assert.ok(series('panjareh_search_duration_seconds_count').some((l) => l.kind === 'text'));
  assert.ok(series('panjareh_jobs').some((l) => l.state === 'waiting'));
  const pool = Object.fromEntries(series('panjareh_db_pool_connections').map((l) => [l.state, true]));
  assert.deepEqual(Object.keys(pool).sort(), dialectUnderTest === 'postgres' ? ['idle', 'total', 'waiting'] : ['total']);
  assert.match(scrape, /panjareh_db_pool_connections\{state="total"[^}]*\} [1-9]/);
  assert.match(scrape, /panjareh_audit_records_total\{[^}]*\} [1-9]/, 'the gateway call\'s audit record was committed');
  assert.match(scrape, /panjareh_audit_backlog_records\{[^}]*\} 0\n/, 'and nothing is left waiting');
});

test('no personal data in any label: no national code, mobile number or name', () => {
  const values = labelValues(scrape);
  assert.ok(values.length > 100);
  for (const v of values) {
    assert.doesNotMatch(v, /(?<!\d)\d{10}(?!\d)/, `a label value with ten digits (a national code?): ${v}`);
    assert.doesNotMatch(v, /09\d{9}/, `a label value with a mobile number: ${v}`);
    assert.doesNotMatch(v, /\d{12}/, `a label value with twelve digits (a foreign national's code?): ${v}`);
    assert.doesNotMatch(v, /[?&=]/, `a label value with a query: ${v}`);
  }
  for (const s of [F.nationalCode, F.mobile, DEMO_FIXTURES.foreign.nationalCode, DEMO_FIXTURES.foreign.mobile, ...names]) assert.ok(!scrape.includes(s), `the scrape never names ${s}`);
});

test('the metrics port serves /metrics only; the public port has none; off by default', async () => {
  assert.notEqual(tp.metrics!.port, Number(new URL(tp.url!).port));
  assert.equal((await fetch(`${tp.url}/metrics`)).status, 404, 'never on the public port');
  assert.equal((await fetch(`${metricsUrl()}/`)).status, 404);
  assert.equal((await fetch(`${metricsUrl()}/metrics`, { method: 'POST' })).status, 404);
  const head = await fetch(`${metricsUrl()}/metrics`);
  assert.match(head.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  await head.arrayBuffer();

  assert.equal(loadConfig({}).metricsPort, undefined, 'no PANJAREH_METRICS_PORT, no metrics');
  assert.equal(instrument(loadConfig({}), tp), undefined, 'and nothing is instrumented');
  assert.equal(loadConfig({ PANJAREH_METRICS_PORT: '9464' }).metricsPort, 9464);
  assert.throws(() => loadConfig({ PANJAREH_METRICS_PORT: 'x' }), /PANJAREH_METRICS_PORT must be a whole number from 0 to 65535/);
  assert.throws(() => loadConfig({ PORT: '8080', PANJAREH_METRICS_PORT: '8080' }), /PANJAREH_METRICS_PORT must differ from the public port 8080/);
});

test('every metric the Grafana dashboard queries is in the scrape', () => {
  const dashboard = JSON.parse(fs.readFileSync(new URL('../deploy/grafana/panjareh.json', import.meta.url), 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
  assert.ok(exprs.length >= 10, 'the dashboard has its queries');
  const scraped = new Set(scrape.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => /^[a-zA-Z_:][\w:]*/.exec(l)![0]));
  const FUNCTIONS = new Set(['sum', 'rate', 'irate', 'increase', 'histogram_quantile', 'by', 'without', 'max', 'min', 'avg', 'count', 'topk', 'bottomk', 'clamp_min', 'le', 'on', 'ignoring', 'group_left', 'offset', 'vector', 'abs', 'delta', 'deriv', 'max_over_time', 'avg_over_time']);
  for (const { panel, expr } of exprs) {
    // Metric names: identifiers outside label matchers, grouping lists and range selectors that are no PromQL words.
    const bare = expr.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '').replace(/\b(by|without)\s*\([^)]*\)/g, '').replace(/"[^"]*"/g, '');
    const names = (bare.match(/[a-zA-Z_:][\w:]*/g) ?? []).filter((w) => !FUNCTIONS.has(w) && !/^\d/.test(w) && w.includes('_'));
    assert.ok(names.length > 0, `${panel}: ${expr} names a metric`);
    for (const n of names) assert.ok(scraped.has(n), `${panel}: ${n} is scraped`);
  }
});
