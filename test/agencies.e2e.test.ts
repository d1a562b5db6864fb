import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Ajv } from 'ajv';
import { DEMO_AGENCIES, DEMO_FIXTURES } from '../src/agencies/index.js';
import { testPlatform, type TestPlatform } from './harness.js';

/** The demo agencies' back-ends on the real server: every route, good and bad input, loopback only. */

let tp: TestPlatform;
const F = DEMO_FIXTURES;
const ajv = new Ajv({ strict: false, allErrors: true });

before(async () => {
  tp = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'true' } });
  await tp.agencies.seed();
});
after(() => tp.dispose());

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${tp.url}${path}`, { headers: { accept: 'application/json', ...headers } });
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${path} answers JSON`);
  return { status: res.status, body: (await res.json()) as any };
}

/** The response must match the schema its OpenAPI document promises. */
function conforms(agencyId: string, path: string, body: unknown) {
  const doc = DEMO_AGENCIES.find((a) => a.id === agencyId)!.openapi as any;
  const schema = doc.paths[path].get.responses['200'].content['application/json'].schema;
  const validate = ajv.compile(schema);
  assert.ok(validate(body), `${agencyId} ${path}: ${ajv.errorsText(validate.errors)}`);
}

test('nocr: a person by national code; 404 for an unknown one; 400 for a bad check digit or format', async () => {
  const ok = await get(`/demo-agencies/nocr/persons/${F.person.nationalCode}`);
  assert.equal(ok.status, 200);
  assert.deepEqual([ok.body.firstName.en, ok.body.lastName.fa, ok.body.alive, ok.body.birthDate], ['Ali', 'رضایی', true, '1990-03-21']);
  conforms('IR/GOV/NOCR/registry', '/persons/{nationalCode}', ok.body);
  const dead = await get(`/demo-agencies/nocr/persons/${F.deceased.nationalCode}`);
  assert.deepEqual([dead.body.alive, dead.body.deathDate], [false, '2023-02-14']);
  conforms('IR/GOV/NOCR/registry', '/persons/{nationalCode}', dead.body);
  assert.equal((await get(`/demo-agencies/nocr/persons/${F.foreign.nationalCode}`)).body.kind, 'foreign');

  const missing = await get('/demo-agencies/nocr/persons/0013542419');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
  assert.ok(missing.body.error.message.fa && missing.body.error.message.en);
  const check = await get('/demo-agencies/nocr/persons/0499370898');
  assert.deepEqual([check.status, check.body.error.code], [400, 'invalid_national_code']);
  for (const bad of ['049937089', 'abcdefghij', '0499370899x', encodeURIComponent('۰۴۹۹۳۷۰۸۹۹')]) {
    const r = await get(`/demo-agencies/nocr/persons/${bad}`);
    assert.deepEqual([r.status, r.body.error.code], [400, 'invalid_request'], bad);
  }
});

test('police: vehicles of a person and fines of a plate', async () => {
  const v = await get(`/demo-agencies/police/persons/${F.person.nationalCode}/vehicles`);
  assert.equal(v.status, 200);
  assert.deepEqual(v.body.vehicles.map((x: { plate: string; plateId: string }) => [x.plate, x.plateId]), [['12ب345-67', '12-B-345-67']]);
  conforms('IR/GOV/RAHVAR/traffic', '/persons/{nationalCode}/vehicles', v.body);
  assert.deepEqual((await get(`/demo-agencies/police/persons/${F.withoutMobile.nationalCode}/vehicles`)).body.vehicles, []);
  assert.equal((await get('/demo-agencies/police/persons/0013542419/vehicles')).status, 404);
  assert.equal((await get('/demo-agencies/police/persons/0013542418/vehicles')).status, 400);

  const f = await get(`/demo-agencies/police/vehicles/${F.person.plateId}/fines`);
  assert.equal(f.status, 200);
  assert.equal(f.body.plate, '12ب345-67');
  assert.equal(f.body.fines.length, 2);
  assert.deepEqual(f.body.fines.map((x: { paid: boolean }) => x.paid), [false, true], 'newest first');
  assert.equal(f.body.unpaidTotal, f.body.fines[0].amount);
  conforms('IR/GOV/RAHVAR/traffic', '/vehicles/{plate}/fines', f.body);

  assert.equal((await get('/demo-agencies/police/vehicles/99-B-999-99/fines')).status, 404);
  const letter = await get('/demo-agencies/police/vehicles/12-XX-345-67/fines');
  assert.deepEqual([letter.status, letter.body.error.code], [400, 'invalid_plate']);
  assert.equal((await get(`/demo-agencies/police/vehicles/${encodeURIComponent('12ب345-67')}/fines`)).status, 400, 'the URL form only');
  assert.equal((await get('/demo-agencies/police/vehicles/12B34567/fines')).status, 400);
});

test('post: an address by postal code, without its resident', async () => {
  const a = await get(`/demo-agencies/post/addresses/${F.person.postalCode}`);
  assert.equal(a.status, 200);
  assert.equal(a.body.city.en, 'Tehran');
  assert.match(a.body.text.fa, /ولیعصر/);
  assert.equal(JSON.stringify(a.body).includes(F.person.nationalCode), false, 'the resident is not named');
  conforms('IR/GOV/POST/postal', '/addresses/{postalCode}', a.body);
  assert.equal((await get('/demo-agencies/post/addresses/1111111111')).status, 404);
  for (const bad of ['143484318', '14348431811', '14348431a1']) assert.equal((await get(`/demo-agencies/post/addresses/${bad}`)).status, 400, bad);
});

test('sso: insured periods and total months', async () => {
  const r = await get(`/demo-agencies/sso/insurance/${F.person.nationalCode}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.periods.length, 2);
  assert.equal(r.body.periods[0].months, 54);
  assert.equal(r.body.periods[1].to, null, 'the current period is open');
  assert.equal(r.body.totalMonths, r.body.periods[0].months + r.body.periods[1].months);
  conforms('IR/GOV/TAMIN/insurance', '/insurance/{nationalCode}', r.body);
  const none = await get(`/demo-agencies/sso/insurance/${F.withoutMobile.nationalCode}`);
  assert.deepEqual([none.status, none.body.totalMonths], [200, none.body.periods.reduce((s: number, p: { months: number }) => s + p.months, 0)]);
  assert.equal((await get('/demo-agencies/sso/insurance/0013542419')).status, 404);
  assert.equal((await get('/demo-agencies/sso/insurance/12')).status, 400);
});

test('msrt: a certificate is confirmed only with its holder’s national code, and tells nothing otherwise', async () => {
  const base = `/demo-agencies/msrt/certificates/${F.person.certificateNumber}`;
  const ok = await get(`${base}?nationalCode=${F.person.nationalCode}`);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.valid, true);
  assert.deepEqual([ok.body.degree.code, ok.body.field.en, ok.body.holder.lastName.en], ['bachelor', 'Computer Engineering', 'Rezaei']);
  conforms('IR/GOV/MSRT/certificates', '/certificates/{certificateNumber}', ok.body);

  const wrongHolder = await get(`${base}?nationalCode=${F.foreign.nationalCode}`);
  assert.deepEqual([wrongHolder.status, wrongHolder.body], [200, { certificateNumber: F.person.certificateNumber, valid: false }]);
  const unknown = await get(`/demo-agencies/msrt/certificates/1399-000000?nationalCode=${F.person.nationalCode}`);
  assert.deepEqual(unknown.body, { certificateNumber: '1399-000000', valid: false }, 'the same answer as a wrong holder');
  conforms('IR/GOV/MSRT/certificates', '/certificates/{certificateNumber}', unknown.body);

  assert.equal((await get(base)).status, 400, 'the national code is required');
  assert.equal((await get(`${base}?nationalCode=0499370898`)).body.error.code, 'invalid_national_code');
  assert.equal((await get(`/demo-agencies/msrt/certificates/1391004512?nationalCode=${F.person.nationalCode}`)).status, 400);
});

test('cra: mobile lines of a person', async () => {
  const r = await get(`/demo-agencies/cra/lines/${F.person.nationalCode}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.lines.map((l: { mobile: string; operator: { code: string } }) => [l.mobile, l.operator.code]), [[F.person.mobile, 'MCI']]);
  conforms('IR/GOV/CRA/lines', '/lines/{nationalCode}', r.body);
  assert.equal((await get(`/demo-agencies/cra/lines/${F.foreign.nationalCode}`)).body.lines[0].operator.fa, 'ایرانسل');
  assert.deepEqual((await get(`/demo-agencies/cra/lines/${F.withoutMobile.nationalCode}`)).body.lines, []);
  assert.equal((await get('/demo-agencies/cra/lines/0499370890')).status, 400);
});

test('every agency serves its OpenAPI document, and the descriptor list matches the routes', async () => {
  assert.equal(DEMO_AGENCIES.length, 6);
  for (const agency of DEMO_AGENCIES) {
    const doc: { status: number; body: any } = await get(`${agency.pathPrefix}/openapi.json`);
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.0.3');
    assert.deepEqual(doc.body as unknown, agency.openapi);
    assert.deepEqual(Object.keys(doc.body.paths).sort(), agency.services.map((s) => s.path).sort());
    assert.equal(doc.body.servers[0].url, agency.pathPrefix);
    for (const s of agency.services) {
      assert.equal(s.id, `${agency.id}/${s.code}`);
      assert.ok(['public', 'internal', 'personal'].includes(s.classification));
      if (s.dataSubject) {
        const params = doc.body.paths[s.path].get.parameters as { name: string; in: string }[];
        assert.ok(params.some((p) => p.name === s.dataSubject!.name && p.in === s.dataSubject!.in), `${s.id} names its data subject`);
      }
    }
  }
});

test('errors and unknown routes under /demo-agencies are JSON, even for a browser', async () => {
  const res = await fetch(`${tp.url}/demo-agencies/nocr/nothing-here`, { headers: { accept: 'text/html' } });
  assert.equal(res.status, 404);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(((await res.json()) as any).error.code, 'not_found');
  const bad = await fetch(`${tp.url}/demo-agencies/nocr/persons/0499370898`, { headers: { accept: 'text/html' } });
  assert.match(bad.headers.get('content-type') ?? '', /^application\/json/);
});

test('only loopback callers are answered: another address or a proxied request gets 403', async () => {
  const remote = await tp.app!.inject({ method: 'GET', url: `/demo-agencies/nocr/persons/${F.person.nationalCode}`, remoteAddress: '203.0.113.9' });
  assert.equal(remote.statusCode, 403);
  assert.equal(remote.json().error.code, 'forbidden');
  const ipv6 = await tp.app!.inject({ method: 'GET', url: `/demo-agencies/cra/lines/${F.person.nationalCode}`, remoteAddress: '2001:db8::1' });
  assert.equal(ipv6.statusCode, 403);
  const local6 = await tp.app!.inject({ method: 'GET', url: `/demo-agencies/cra/lines/${F.person.nationalCode}`, remoteAddress: '::1' });
  assert.equal(local6.statusCode, 200);
  const proxied = await get(`/demo-agencies/nocr/persons/${F.person.nationalCode}`, { 'x-forwarded-for': '198.51.100.7' });
  assert.equal(proxied.status, 403);
  assert.equal((await get(`/demo-agencies/nocr/persons/${F.person.nationalCode}`, { forwarded: 'for=198.51.100.7' })).status, 403);
  assert.equal((await get('/demo-agencies/nocr/openapi.json', { 'x-forwarded-for': '198.51.100.7' })).status, 403);
});

test('outside demo mode there are no agency back-ends', async () => {
  const plain = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'false' } });
  try {
    const res = await fetch(`${plain.url}/demo-agencies/nocr/openapi.json`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 404);
  } finally {
    await plain.dispose();
  }
});
