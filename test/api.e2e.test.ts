import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { catalogFile } from './fixtures.js';
import { dialectUnderTest, testPlatform, type TestPlatform } from './harness.js';

let tp: TestPlatform;
before(async () => {
  tp = await testPlatform({ listen: true });
  await tp.catalog.import(catalogFile(), { actor: 'test' });
});
after(() => tp.dispose());

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${tp.url}${path}`, { headers });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    /* an HTML page */
  }
  return { status: res.status, json, text, type: res.headers.get('content-type') ?? '' };
};
const top3 = async (q: string) => ((await get(`/api/v1/services?q=${encodeURIComponent(q)}`)).json.items as Array<{ code: string }>).slice(0, 3).map((i) => i.code);

test('every Persian normalisation case finds its service among the first three results', async () => {
  const cases: Array<[string, string, string]> = [
    ['Arabic yeh and kaf', 'كد پستي', 'POST-0001'],
    ['ZWNJ as written', 'گواهی‌نامه', 'RAHVAR-0001'],
    ['ZWNJ omitted (joined)', 'گواهینامه', 'RAHVAR-0001'],
    ['ZWNJ as a space', 'گواهی نامه', 'RAHVAR-0001'],
    ['compound indexed with ZWNJ, query joined', 'ثبتنام کنکور', 'SANJESH-0001'],
    ['compound indexed with ZWNJ, query spaced', 'ثبت نام کنکور', 'SANJESH-0001'],
    ['Latin digits for Persian digits', 'کد پستی 10 رقمی', 'POST-0001'],
    ['Arabic-Indic digits', 'کد پستی ١٠ رقمی', 'POST-0001'],
    ['Persian digits', 'کد پستی ۱۰ رقمی', 'POST-0001'],
    ['diacritics in the query', 'شِناسنامهٔ نوزاد', 'NOCR-0001'],
    ['hamza written plain', 'تایید مدرک', 'MSRT-0001'],
    ['prefix while typing (Persian)', 'شناسن', 'NOCR-0001'],
    ['prefix while typing (English)', 'drivi', 'RAHVAR-0001'],
    ['one-letter typo in a long Persian word', 'گواهینمه', 'RAHVAR-0001'],
    ['one-letter typo in a long English word', 'certifcate verification', 'MSRT-0001'],
    ['organisation name', 'راهور خلافی', 'RAHVAR-0002'],
    ['keyword', 'جریمه', 'RAHVAR-0002'],
    ['English, any case', 'PASSPORT OR Birth Certificate', 'NOCR-0001'],
    ['service code', 'msrt-0001', 'MSRT-0001'],
  ];
  for (const [why, q, code] of cases) assert.ok((await top3(q)).includes(code), `${why}: «${q}» should find ${code}, got ${await top3(q)}`);
});

test('the list API: shape, facets, filters, paging and language', async () => {
  const all = await get('/api/v1/services?pageSize=2&page=2');
  assert.equal(all.status, 200);
  assert.equal(all.json.total, 7);
  assert.equal(all.json.items.length, 2);
  assert.equal(all.json.page, 2);
  const item = all.json.items[0];
  for (const key of ['code', 'slug', 'title', 'summary', 'organization', 'topics', 'channels', 'smart']) assert.ok(key in item, key);
  assert.ok(item.organization.name.fa && item.organization.name.en);
  const f = (await get('/api/v1/services')).json.facets;
  assert.deepEqual(Object.keys(f).sort(), ['channel', 'lifeEvent', 'organization', 'smart', 'topic']);
  assert.equal(f.organization.find((o: { code: string }) => o.code === 'RAHVAR').count, 2);
  const vehicles = await get('/api/v1/services?topic=vehicles&smart=false');
  assert.deepEqual(vehicles.json.items.map((i: { code: string }) => i.code), ['RAHVAR-0001']);
  const phone = await get('/api/v1/services?channel=phone');
  assert.deepEqual(phone.json.items.map((i: { code: string }) => i.code), ['MSRT-0001']);
  assert.equal((await get('/api/v1/services?organization=NOCR&lifeEvent=birth')).json.total, 1);
  assert.equal((await get('/api/v1/services?window=universities')).json.total, 2);
  assert.equal((await get(`/api/v1/services?q=${encodeURIComponent('گواهینامه')}&lang=en`)).json.total, 0, 'lang=en searches English only');
  assert.equal((await get('/api/v1/services?organization=NOSUCH')).json.total, 0);
});

test('one service by code or slug; organisations, topics, life events, windows', async () => {
  const byCode = await get('/api/v1/services/RAHVAR-0001');
  assert.equal(byCode.status, 200);
  const bySlug = await get(`/api/v1/services/${byCode.json.slug}`);
  assert.equal(bySlug.json.code, 'RAHVAR-0001');
  assert.ok(byCode.json.url.endsWith(`/services/${byCode.json.slug}`));
  const orgs = await get('/api/v1/organizations');
  assert.equal(orgs.json.items.find((o: { code: string }) => o.code === 'RAHVAR').parent, 'POLICE');
  assert.equal((await get('/api/v1/topics')).json.items.length, 4);
  assert.equal((await get('/api/v1/life-events')).json.items.length, 3);
  assert.equal((await get('/api/v1/windows')).json.items[0].code, 'universities');
});

test('bad input gets a 4xx with a code and a Persian and English message, never a 500', async () => {
  const expect4xx = async (path: string, status: number, code: string, init?: RequestInit) => {
    const res = await fetch(`${tp.url}${path}`, init);
    const body = (await res.json()) as { error: { code: string; message: { fa: string; en: string } } };
    assert.equal(res.status, status, `${path}: ${JSON.stringify(body)}`);
    assert.equal(body.error.code, code, path);
    assert.ok(body.error.message.fa && body.error.message.en, path);
  };
  await expect4xx('/api/v1/services/NOCR-9999', 404, 'not_found');
  await expect4xx('/api/v1/services/..%2F..%2Fetc%2Fpasswd', 400, 'invalid_request');
  await expect4xx('/api/v1/services/%3Cscript%3E', 400, 'invalid_request');
  await expect4xx('/api/v1/services?pageSize=1000', 400, 'invalid_request');
  await expect4xx('/api/v1/services?page=0', 400, 'invalid_request');
  await expect4xx('/api/v1/services?smart=perhaps', 400, 'invalid_request');
  await expect4xx('/api/v1/services?channel=fax', 400, 'invalid_request');
  await expect4xx('/api/v1/services?unknown=1', 400, 'invalid_request');
  await expect4xx(`/api/v1/services?q=${'x'.repeat(201)}`, 400, 'invalid_request');
  await expect4xx('/api/v1/services?organization=%27%3B%20drop%20table', 400, 'invalid_request');
  await expect4xx('/api/v1/nothing-here', 404, 'not_found');
  await expect4xx('/api/v1/services', 400, 'invalid_json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
  await expect4xx('/console/login', 413, 'payload_too_large', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ x: 'a'.repeat(2 * 1024 * 1024) }) });
  await expect4xx('/console/login', 400, 'invalid_json', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{"username": ' });
  await expect4xx('/console/login', 415, 'unsupported_media_type', { method: 'POST', headers: { 'content-type': 'application/x-evil', accept: 'application/json' }, body: 'x' });
  // A search query made of markup or SQL is just text.
  const odd = await get(`/api/v1/services?q=${encodeURIComponent("<script>' OR 1=1 --")}`);
  assert.equal(odd.status, 200);
});

test('a URL or header too long for the server is refused, and the server stays up', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.get(`${tp.url}/api/v1/services?q=${'a'.repeat(20000)}`, (res) => resolve(res.statusCode ?? 0));
    req.on('error', reject);
  });
  assert.equal(status, 431);
  assert.equal((await get('/healthz')).status, 200);
});

test('HTML pages escape everything and errors are pages in the right language', async () => {
  await tp.catalog.import({ services: [{ ...catalogFile().services[0]!, code: 'NOCR-0444', slug: 'xss-check', title: { fa: '<img src=x onerror=alert(1)>', en: '"><script>alert(1)</script>' } }] }, { actor: 'test' });
  for (const path of ['/services/xss-check', '/en/services/xss-check', '/organizations/NOCR', `/services?q=${encodeURIComponent('<script>alert(1)</script>')}`]) {
    const page = await get(path);
    assert.equal(page.status, 200, path);
    assert.ok(!/<script>alert|<img src=x/.test(page.text), `${path} must escape`);
  }
  const fa404 = await get('/services/no-such-service');
  assert.equal(fa404.status, 404);
  assert.match(fa404.type, /text\/html/);
  assert.match(fa404.text, /lang="fa"/);
  assert.match((await get('/en/services/no-such-service')).text, /lang="en"/);
  assert.equal((await get('/services/..%2F..%2Fpackage.json')).status, 400);
  const redirect = await fetch(`${tp.url}/services/RAHVAR-0001`, { redirect: 'manual' });
  assert.equal(redirect.status, 301);
});

test('health, readiness and the OpenAPI description', async () => {
  assert.deepEqual((await get('/healthz')).json, { status: 'ok' });
  const ready = await get('/readyz');
  assert.equal(ready.status, 200);
  // Every role on one node: each check its roles need is up; Redis is checked only when REDIS_URL is set.
  assert.equal(ready.json.status, 'ready');
  assert.deepEqual(ready.json.roles, ['portal', 'idp', 'gateway', 'worker']);
  assert.deepEqual(Object.keys(ready.json.checks), ['database', ...(process.env.REDIS_URL ? ['redis'] : []), 'audit', 'jobs']);
  for (const c of Object.values(ready.json.checks) as { status: string }[]) assert.equal(c.status, 'up');
  assert.equal(ready.json.checks.database.dialect, dialectUnderTest);
  const spec = await get('/api/docs/json');
  assert.equal(spec.status, 200);
  for (const path of ['/api/v1/services', '/api/v1/services/{id}', '/api/v1/organizations', '/api/v1/topics', '/api/v1/life-events', '/api/v1/windows']) assert.ok(spec.json.paths[path], path);
  assert.ok(!spec.json.paths['/console/login'], 'only the public API is described');
  assert.equal((await get('/api/docs')).status, 200);
});
