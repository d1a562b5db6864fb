import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_AGENCIES, DEMO_FIXTURES } from '../src/agencies/index.js';
import { SANDBOX_LEGAL_BASIS, seedDemoExchange, type ExchangeAuditRecord } from '../src/exchange/index.js';
import { Browser } from './browser.js';
import { call, recordAudit, startUpstream } from './exchange-helpers.js';
import { testPlatform, type TestPlatform } from './harness.js';

/**
 * The developer portal and the sandbox on the real server: the catalogue of data services and their
 * OpenAPI documents, a self-service sandbox key through the form, calls with it through /r1 on
 * synthetic data, its refusal everywhere outside the sandbox, bad input and the form's limits.
 */

let tp: TestPlatform;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let audit: Map<string, ExchangeAuditRecord>;
const TAX = 'IR/GOV/TAX/returns/income';
const PERSON = 'IR/GOV/NOCR/registry/person';
const ALI = DEMO_FIXTURES.person.nationalCode;
const demoServices = DEMO_AGENCIES.flatMap((a) => a.services);
/** Set by the key test, used by those after it. */
let sandboxKey: { key: string; client: string } | undefined;

// A production service on a back-end that is not the demo country's: listed, never in the sandbox.
const TAX_OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Income tax returns <script>alert(1)</script>', version: '2.0.0' },
  paths: {
    '/returns/{year}': {
      parameters: [{ $ref: '#/components/parameters/year' }],
      get: { summary: 'A company’s return for a year', responses: { '200': { $ref: '#/components/responses/Return' } } },
      post: { summary: 'File a return', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Return' } } } }, responses: { '201': { description: 'Filed' } } },
    },
  },
  components: {
    parameters: { year: { name: 'year', in: 'path', required: true, description: 'Solar Hijri year', schema: { type: 'integer' } } },
    responses: { Return: { description: 'The return', content: { 'application/json': { schema: { $ref: '#/components/schemas/Return' } } } } },
    schemas: { Return: { type: 'object', properties: { total: { type: 'integer' }, self: { $ref: '#/components/schemas/Return' } } } },
  },
};

before(async () => {
  tp = await testPlatform({ listen: true });
  await tp.agencies.seed();
  await seedDemoExchange(tp.exchange.registry, { loopbackBaseUrl: tp.url! });
  upstream = await startUpstream();
  const { registry } = tp.exchange;
  await registry.addMember({ id: 'IR/GOV/TAX', name: 'Iranian National Tax Administration' }, 'test');
  await registry.addSubsystem({ id: 'IR/GOV/TAX/returns' }, 'test');
  await registry.addService({ id: TAX, name: 'Income tax returns', upstream: `${upstream.url}/base`, classification: 'internal', openapi: TAX_OPENAPI }, 'test');
  audit = recordAudit(tp);
});
after(async () => {
  await tp.dispose();
  await upstream.close();
});

const get = (path: string) => fetch(`${tp.url}${path}`, { headers: { accept: 'text/html' } });

test('the catalogue lists every registered service by provider, in Persian and English', async () => {
  const fa = await get('/developers');
  assert.equal(fa.status, 200);
  const body = await fa.text();
  assert.match(body, /<html lang="fa" dir="rtl">/);
  for (const s of demoServices) assert.ok(body.includes(`href="/developers/services/${s.id}"`), s.id);
  assert.ok(body.includes(`href="/developers/services/${TAX}"`));
  assert.ok(body.includes('Iranian National Tax Administration') && body.includes('National Organization for Civil Registration'));
  assert.ok(body.includes('GET /persons/{…}'), 'methods and paths are listed');
  assert.ok(body.includes(`${tp.url}/.well-known/openid-configuration`), 'sign in with Panjareh: the discovery address');
  assert.ok(!body.includes('IR-SANDBOX/'), 'the sandbox instance is not part of the catalogue');
  // Each demo service has a sandbox, the tax service does not.
  assert.equal(body.match(/<td>دارد<\/td>/g)?.length, demoServices.length);
  assert.equal(body.match(/<td>ندارد<\/td>/g)?.length, 1);

  const en = await (await get('/en/developers')).text();
  assert.match(en, /<html lang="en" dir="ltr">/);
  assert.ok(en.includes(`href="/en/developers/services/${PERSON}"`) && en.includes('Data services') && en.includes('Personal'));
});

test('a service page renders its OpenAPI document; the raw JSON downloads with the gateway as its server', async () => {
  const res = await get(`/developers/services/${PERSON}`);
  assert.equal(res.status, 200);
  const page = await res.text();
  for (const part of ['GET /persons/{nationalCode}', '<code dir="ltr">nationalCode</code>', 'pattern ^([0-9]{10}|[0-9]{12})$', '<dt><code dir="ltr">404</code></dt>', `href="/developers/services/${PERSON}/openapi.json" download`, `IR-SANDBOX/GOV/NOCR/registry/person`, 'X-Panjareh-Consent']) {
    assert.ok(page.includes(part), part);
  }
  assert.ok(page.includes(`${tp.url}/r1/${PERSON}/persons/${ALI}`), 'a ready example call');

  const tax = await (await get(`/en/developers/services/${TAX}`)).text();
  assert.ok(tax.includes('POST /returns/{year}') && tax.includes('Solar Hijri year') && tax.includes('Request body'), 'path-level and $ref parameters are followed');
  assert.ok(tax.includes('&lt;script&gt;alert(1)&lt;/script&gt;') && !tax.includes('<script>alert'), 'text from the document is escaped');
  assert.ok(!tax.includes('IR-SANDBOX/GOV/TAX'), 'no sandbox for a real back-end');
  assert.ok(!tax.includes(upstream.url), 'the agency’s own back-end address is never shown');

  const json = await fetch(`${tp.url}/developers/services/${PERSON}/openapi.json`);
  assert.equal(json.status, 200);
  assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
  assert.match(json.headers.get('content-disposition') ?? '', /attachment; filename="IR_GOV_NOCR_registry_person\.openapi\.json"/);
  const doc = (await json.json()) as { servers: Array<{ url: string }>; paths: object };
  assert.deepEqual(doc.servers.map((s) => s.url), [`${tp.url}/r1/${PERSON}`, `${tp.url}/r1/IR-SANDBOX/GOV/NOCR/registry/person`]);
  assert.deepEqual(doc.paths, (DEMO_AGENCIES.find((a) => a.id === 'IR/GOV/NOCR/registry')!.openapi as { paths: object }).paths);
  const taxDoc = (await (await fetch(`${tp.url}/developers/services/${TAX}/openapi.json`)).json()) as { servers: Array<{ url: string }> };
  assert.deepEqual(taxDoc.servers.map((s) => s.url), [`${tp.url}/r1/${TAX}`]);

  for (const missing of ['/developers/services/IR/GOV/NOCR/registry/nothing', '/developers/services/IR/GOV/NOCR', '/developers/services/IR-SANDBOX/GOV/NOCR/registry/person', '/developers/services/IR/GOV/NOCR/registry/person/other.json', '/en/developers/services/..%2F..%2Fetc']) {
    assert.equal((await get(missing)).status, 404, missing);
  }
});

test('a developer gets a sandbox key through the form and calls sandbox services on synthetic data', async () => {
  const browser = new Browser(tp.url!);
  const form = await browser.get('/developers/sandbox');
  assert.equal(form.status, 200);
  assert.ok(form.body.includes('name="terms"') && form.body.includes('IR-SANDBOX/GOV/NOCR/registry/person'));
  const posted = await browser.post('/developers/sandbox', { _csrf: Browser.csrf(form.body), name: 'سارا احمدی', email: 'sara@startup.example', organization: 'Startup', terms: 'yes' });
  // Post/redirect/get: the key is shown on the page after the redirect, never in the address.
  assert.equal(posted.status, 303);
  assert.equal(posted.location, '/developers/sandbox/key');
  assert.ok(!posted.body.includes('pjx_'));
  const res = await browser.get(posted.location!);
  assert.equal(res.status, 200);
  assert.match(res.body, /کلید آزمایشی ساخته شد/);
  const key = /id="sandbox-key">([^<]+)</.exec(res.body)?.[1];
  const client = /id="sandbox-client">([^<]+)</.exec(res.body)?.[1];
  assert.match(key ?? '', /^pjx_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  assert.match(client ?? '', /^IR-SANDBOX\/COM\/dev-[0-9a-f]{10}\/app$/);
  sandboxKey = { key: key!, client: client! };

  // A refresh shows the key no more and makes no new one.
  const keysBefore = await tp.database.db.selectFrom('audit_log').select('id').where('action', '=', 'exchange.sandbox.register').execute();
  const again = await browser.get('/developers/sandbox/key');
  assert.equal(again.status, 200);
  assert.ok(!again.body.includes('pjx_') && again.body.includes('کلید دیگر نشان داده نمی‌شود') && again.body.includes('href="/developers/sandbox"'));
  const keysAfter = await tp.database.db.selectFrom('audit_log').select('id').where('action', '=', 'exchange.sandbox.register').execute();
  assert.equal(keysAfter.length, keysBefore.length, 'no key was made by the refresh');
  // A forged or replayed-elsewhere cookie opens nothing.
  const forged = await fetch(`${tp.url}/developers/sandbox/key`, { headers: { cookie: 'panjareh_sandbox_key=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', accept: 'text/html' } });
  assert.ok(!(await forged.text()).includes('pjx_'));
  const headers = { 'x-road-client': client!, authorization: `ApiKey ${key}` };

  const person = await call(tp.url!, `/r1/IR-SANDBOX/GOV/NOCR/registry/person/persons/${ALI}`, { headers });
  assert.equal(person.status, 200, person.text);
  assert.deepEqual([person.json.nationalCode, person.json.firstName.en], [ALI, 'Ali']);
  assert.equal(person.headers['x-road-service'], 'IR-SANDBOX/GOV/NOCR/registry/person');
  const rec = audit.get(String(person.headers['x-road-id']))!;
  assert.deepEqual([rec.client, rec.service, rec.subject, rec.legalBasis, rec.status], [client, 'IR-SANDBOX/GOV/NOCR/registry/person', ALI, SANDBOX_LEGAL_BASIS, 200]);

  const fines = await call(tp.url!, `/r1/IR-SANDBOX/GOV/RAHVAR/traffic/vehicle-fines/vehicles/${DEMO_FIXTURES.person.plateId}/fines`, { headers });
  assert.equal(fines.status, 200, fines.text);
  assert.ok(Array.isArray(fines.json.fines) && fines.json.fines.length > 0);
  const cert = await call(tp.url!, `/r1/IR-SANDBOX/GOV/MSRT/certificates/certificate-verification/certificates/${DEMO_FIXTURES.person.certificateNumber}?nationalCode=${ALI}`, { headers });
  assert.equal(cert.json?.valid, true, cert.text);
});

test('the sandbox key is refused on every service outside the sandbox, with X-Road error bodies', async () => {
  assert.ok(sandboxKey, 'the key test ran first');
  const headers = { 'x-road-client': sandboxKey.client, authorization: `ApiKey ${sandboxKey.key}` };
  for (const path of [`/r1/${PERSON}/persons/${ALI}`, `/r1/${TAX}/returns/1402`]) {
    const r = await call(tp.url!, path, { headers });
    assert.equal(r.status, 403, path);
    assert.equal(r.headers['x-road-error'], 'Server.ServerProxy.AccessDenied');
    assert.equal(r.json.type, 'Server.ServerProxy.AccessDenied');
    assert.ok(r.json.messages.fa && r.json.messages.en && r.json.detail === r.headers['x-road-id']);
  }
  // Claiming a production subsystem with the sandbox key does not help either.
  const mismatch = await call(tp.url!, `/r1/${PERSON}/persons/${ALI}`, { headers: { ...headers, 'x-road-client': 'IR/GOV/TAX/returns' } });
  assert.deepEqual([mismatch.status, mismatch.json.type], [403, 'Server.ClientProxy.ClientIdentifierMismatch']);
  // The real tax back-end has no sandbox copy at all.
  const none = await call(tp.url!, `/r1/IR-SANDBOX/GOV/TAX/returns/income/returns/1402`, { headers });
  assert.deepEqual([none.status, none.json.type], [404, 'Server.ServerProxy.UnknownService']);
  assert.equal(upstream.hits.length, 0, 'the real back-end was never reached');
});

test('bad form input: 400 with the problems in the page’s language; no CSRF token: 403', async () => {
  const browser = new Browser(tp.url!);
  const fa = await browser.submit('/developers/sandbox', '/developers/sandbox', { name: 'x', email: 'not-an-email', organization: '' });
  assert.equal(fa.status, 400);
  assert.ok(fa.body.includes('نشانی رایانامه درست نیست') && fa.body.includes('نام باید ۲ تا ۱۰۰ نویسه باشد') && fa.body.includes('شرایط محیط آزمایشی'));
  assert.ok(fa.body.includes('value="not-an-email"'), 'what was typed is kept');
  assert.ok(!fa.body.includes('id="sandbox-key"'));
  const en = await browser.submit('/en/developers/sandbox', '/en/developers/sandbox', { name: 'Sara', email: 'sara@', terms: 'yes' });
  assert.equal(en.status, 400);
  assert.ok(en.body.includes('The e-mail address is not valid') && !en.body.includes('The name must be'));
  const noCsrf = await new Browser(tp.url!).post('/developers/sandbox', { name: 'Sara', email: 'sara@startup.example', terms: 'yes' });
  assert.equal(noCsrf.status, 403);
  const extra = await browser.submit('/en/developers/sandbox', '/en/developers/sandbox', { name: 'Sara', email: 'sara2@startup.example', terms: 'yes', role: 'admin' });
  assert.equal(extra.status, 400, 'unknown fields are refused');
});

test('limits: three keys a day per address, and the form itself is rate-limited per address', async () => {
  const browser = new Browser(tp.url!);
  // One key was made from this address already (the key test).
  for (const email of ['b@startup.example', 'c@startup.example']) {
    assert.equal((await browser.submit('/en/developers/sandbox', '/en/developers/sandbox', { name: 'Dev', email, terms: 'yes' })).status, 303, email);
  }
  const fourth = await browser.submit('/en/developers/sandbox', '/en/developers/sandbox', { name: 'Dev', email: 'd@startup.example', terms: 'yes' });
  assert.equal(fourth.status, 429);
  assert.ok(fourth.body.includes('Enough sandbox keys were made from this address today') && !fourth.body.includes('id="sandbox-key"'));
  const faLimit = await browser.submit('/developers/sandbox', '/developers/sandbox', { name: 'Dev', email: 'e@startup.example', terms: 'yes' });
  assert.equal(faLimit.status, 429);
  assert.ok(faLimit.body.includes('از این نشانی امروز'));

  // Past the per-minute limit of the route every post is refused before it is even read.
  let limited: { status: number; body: string } | undefined;
  for (let i = 0; i < 12 && !limited; i++) {
    const r = await browser.submit('/en/developers/sandbox', '/en/developers/sandbox', { name: 'x', email: 'y' });
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 400);
  }
  assert.ok(limited, 'the form was rate-limited');
  assert.ok(limited.body.includes('Too many requests'));
  const rows = await tp.database.db.selectFrom('audit_log').select(['action', 'ip']).where('action', '=', 'exchange.sandbox.register').execute();
  assert.equal(rows.length, 3, 'one audit record per key made');
  assert.ok(rows.every((r) => r.ip === '127.0.0.1'));
});

test('Persian pages keep code, headers and JSON left-to-right; sign in with Panjareh says which client authentication to use', async () => {
  const fa = await (await get('/developers')).text();
  // Each call header is code isolated left-to-right, its explanation Persian text beside it (not one left-to-right line).
  assert.ok(fa.includes('<li><code class="code-inline" dir="ltr">X-Road-Client: INSTANCE/CLASS/MEMBER/SUBSYSTEM</code>: شناسهٔ زیرسامانهٔ شما</li>'));
  assert.ok(fa.replace(/&quot;/g, '"').includes('<code class="code-inline" dir="ltr">{"type", "message", "detail", "messages": {"fa", "en"}}</code>'), 'the error body is code');
  assert.doesNotMatch(fa, /<li dir="ltr">[^<]*[\u0600-\u06ff]/, 'no Persian sentence laid out left-to-right');
  assert.match(fa, /<pre class="code-block" dir="ltr" lang="en"><code>GET /);
  // Client authentication: the default, the post variant and openid-client.
  assert.ok(fa.includes('<h2 id="oidc">ورود با پنجره (<span lang="en" dir="ltr">OpenID Connect</span>)</h2>'), 'an English name in Persian text is marked English');
  for (const part of ['<code class="code-inline" dir="ltr">client_secret_basic</code>', '<code class="code-inline" dir="ltr">oidc client add --auth client_secret_post</code>', '<code class="code-inline" dir="ltr">invalid_client</code>', 'client.ClientSecretBasic(&#39;your-client-secret&#39;)', 'await client.discovery(']) {
    assert.ok(fa.includes(part), part);
  }
  const en = await (await get('/en/developers')).text();
  assert.ok(en.includes('How your client authenticates at the token endpoint') && en.includes('the openid-client library sends that by default'));
  // Codes in tables sit in the column's own direction, isolated.
  const svc = await (await get(`/developers/services/${PERSON}`)).text();
  assert.doesNotMatch(svc, /<td dir="ltr">/);
  assert.match(svc, /<td><code dir="ltr">path<\/code><\/td>/);
});

test('names the sandbox gives its own members are said in the page’s language', async () => {
  const { memberName } = await import('../src/web/developers/strings.js');
  assert.equal(memberName('Sandbox developer', 'fa'), 'توسعه‌دهندهٔ محیط آزمایشی');
  assert.equal(memberName('Sandbox developer', 'en'), 'Sandbox developer');
  assert.equal(memberName('National Organization for Civil Registration (sandbox)', 'fa'), 'National Organization for Civil Registration (محیط آزمایشی)');
  assert.equal(memberName('Iran Post', 'fa'), 'Iran Post');
});
