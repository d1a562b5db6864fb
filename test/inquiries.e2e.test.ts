import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Kysely } from 'kysely';
import { DEMO_AGENCIES, DEMO_FIXTURES } from '../src/agencies/index.js';
import { seedDemoExchange } from '../src/exchange/index.js';
import { connectPortalToExchange } from '../src/web/inquiries/connect.js';
import { PORTAL_CLIENT, storedPortalKey } from '../src/web/inquiries/credentials.js';
import { SERVICES } from '../src/web/inquiries/inquiries.js';
import { Browser } from './browser.js';
import { freshDatabase, testPlatform, type TestPlatform } from './harness.js';
import { signInToPortal } from './signin.js';

/**
 * The portal's inquiry services on the real server in demo mode, seeded as `start` seeds it: every
 * answer must come from the demo agencies' data, and every call must have gone through the gateway
 * (its record in `exchange_audit`, under the portal's client id, found by the reference on the page).
 */

let tp: TestPlatform;
let ali: Browser;
const F = DEMO_FIXTURES.person;
/** The exchange's and the agencies' tables, which the platform's own type does not list. */
const db = () => tp.database.db as Kysely<any>;

before(async () => {
  tp = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'true' } });
  await tp.agencies.seed();
  await connectPortalToExchange(tp);
  ali = new Browser(tp.url!);
  await signInToPortal(ali, tp.url!, { nationalCode: F.nationalCode, mobile: F.mobile }, '/inquiries');
});
after(() => tp.dispose());

/** The exchange's audit record of every reference (X-Road-Id) a result page names. */
async function auditOf(page: string) {
  const ids = [...page.matchAll(/<code dir="ltr">([0-9a-f-]{36})<\/code>/g)].map((m) => m[1]!);
  assert.ok(ids.length > 0, 'the page names the X-Road-Id of its call');
  const rows = await db().selectFrom('exchange_audit').select(['id', 'client', 'service', 'subject', 'persons', 'status', 'error_type', 'path']).where('id', 'in', ids).execute();
  assert.equal(rows.length, ids.length, 'each call left one audit record');
  return ids.map((id) => rows.find((r) => r.id === id)!);
}

async function inquire(browser: Browser, path: string, form: Record<string, string> = {}) {
  const page = await browser.get(path);
  assert.equal(page.status, 200, `${path} opens`);
  return browser.post(path, { _csrf: Browser.csrf(page.body), ...form });
}

test('seeding registers the six agencies, the portal as a consumer with a key it keeps, and is idempotent', async () => {
  const services = await tp.exchange.registry.services();
  const demo = DEMO_AGENCIES.flatMap((a) => a.services.map((s) => ({ ...s, prefix: a.pathPrefix })));
  assert.equal(new Set(DEMO_AGENCIES.map((a) => a.id.split('/')[2])).size, 6);
  for (const s of demo) {
    const found = services.find((x) => x.id === s.id);
    assert.ok(found?.hasOpenApi, `${s.id} is registered with its OpenAPI document`);
    assert.equal(found.upstream, `${tp.url}${s.prefix}`, 'the upstream is the loopback address the server listens on');
    assert.equal(found.classification, s.classification);
  }
  const contracts = await tp.exchange.contracts.list({ client: PORTAL_CLIENT });
  assert.equal(contracts.length, demo.length);
  for (const c of contracts) {
    const s = demo.find((x) => x.id === c.service)!;
    assert.deepEqual([c.status, c.methods, c.paths, c.legalBasisCoversPersonalData], ['active', ['GET'], [s.path], s.classification === 'personal']);
  }
  const key = await storedPortalKey(tp.database.db);
  assert.match(key ?? '', /^pjx_[0-9a-f]{12}_/);
  const keys = await tp.exchange.apiKeys.list(PORTAL_CLIENT);
  assert.equal(keys.filter((k) => !k.revokedAt).length, 1);

  const again = await connectPortalToExchange(tp);
  assert.deepEqual([again.agencies, again.consumer, again.keyCreated], [{ members: 0, subsystems: 0, services: 0 }, { members: 0, subsystems: 0, contracts: 0 }, false]);
  assert.equal(await storedPortalKey(tp.database.db), key, 'a live key is kept');

  // A restart on another port moves the demo upstreams with it; one an operator pointed elsewhere stays.
  await seedDemoExchange(tp.exchange.registry, { loopbackBaseUrl: 'http://127.0.0.1:1' });
  assert.equal((await tp.exchange.registry.service(SERVICES.person.id))?.upstream, 'http://127.0.0.1:1/demo-agencies/nocr');
  await seedDemoExchange(tp.exchange.registry, { loopbackBaseUrl: tp.url! });
  assert.equal((await tp.exchange.registry.service(SERVICES.person.id))?.upstream, `${tp.url}/demo-agencies/nocr`);
});

test('the list of inquiries, and personal ones need a signed-in person', async () => {
  const visitor = new Browser(tp.url!);
  for (const path of ['/inquiries', '/en/inquiries']) {
    const page = await visitor.get(path);
    assert.equal(page.status, 200);
    for (const slug of ['civil-registry', 'insurance', 'mobile-lines', 'vehicle-fines', 'certificate', 'postal-address']) assert.ok(page.body.includes(`${path}/${slug}"`), `${path} links ${slug}`);
  }
  for (const slug of ['civil-registry', 'insurance', 'mobile-lines', 'vehicle-fines', 'certificate']) {
    const r = await visitor.get(`/inquiries/${slug}`);
    assert.deepEqual([r.status, r.location], [303, `/account/signin?return=${encodeURIComponent(`/inquiries/${slug}`)}`]);
    const en = await visitor.get(`/en/inquiries/${slug}`);
    assert.equal(en.location, `/en/account/signin?return=${encodeURIComponent(`/en/inquiries/${slug}`)}`);
  }
  const form = await visitor.get('/inquiries/postal-address');
  const posted = await visitor.post('/inquiries/insurance', { _csrf: Browser.csrf(form.body) });
  assert.equal(posted.status, 303, 'a visitor posting a personal inquiry is sent to sign in');
  assert.equal(await ali.get('/inquiries/insurance').then((r) => r.status), 200, 'a signed-in person sees the form');
});

test('address by postal code: for anyone, Persian digits accepted, bad codes refused with 400', async () => {
  const visitor = new Browser(tp.url!);
  const r = await inquire(visitor, '/inquiries/postal-address', { postal_code: '۱۴۳۴۸-۴۳۱۸۱' });
  assert.equal(r.status, 200, r.body.slice(0, 500));
  assert.match(r.body, /خیابان ولیعصر، کوچه ۱۲/);
  const [rec] = await auditOf(r.body);
  assert.deepEqual([rec!.client, rec!.service, rec!.status, rec!.path], [PORTAL_CLIENT, SERVICES.address.id, 200, `/addresses/${F.postalCode}`]);

  for (const bad of ['143484318', 'abcdefghij', '']) {
    const b = await inquire(visitor, '/en/inquiries/postal-address', { postal_code: bad });
    assert.equal(b.status, 400, bad);
    assert.match(b.body, /The postal code must be ten digits/);
    assert.match(b.body, /data-code="invalid_postal_code"/);
    assert.match(b.body, /aria-invalid="true"/);
  }
  const fa = await inquire(visitor, '/inquiries/postal-address', { postal_code: '12' });
  assert.deepEqual([fa.status, fa.body.includes('کد پستی باید ده رقم باشد')], [400, true]);
  const unknown = await inquire(visitor, '/en/inquiries/postal-address', { postal_code: '1111111111' });
  assert.equal(unknown.status, 404, 'the agency found no address: its own answer, on the form');
  assert.match(unknown.body, /was not found/);
});

test('my civil registry record, insurance and mobile lines come from the agencies, through the gateway', async () => {
  const person = await inquire(ali, '/en/inquiries/civil-registry');
  assert.equal(person.status, 200, person.body.slice(0, 500));
  assert.match(person.body, /Ali Rezaei/);
  assert.match(person.body, /Hassan/);
  assert.match(person.body, /21 March 1990/);
  const fa = await inquire(ali, '/inquiries/civil-registry');
  assert.match(fa.body, /علی رضایی/);
  assert.match(fa.body, /۰۴۹۹۳۷۰۸۹۹/);

  const insurance = await inquire(ali, '/en/inquiries/insurance');
  assert.equal(insurance.status, 200);
  const sso = (await (await fetch(`${tp.url}/demo-agencies/sso/insurance/${F.nationalCode}`)).json()) as { totalMonths: number; periods: { employer: { en: string } }[] };
  assert.ok(insurance.body.includes(`${sso.totalMonths} months`), 'the total from the social security back-end');
  for (const p of sso.periods) assert.ok(insurance.body.includes(p.employer.en.replace(/&/g, '&amp;').replace(/'/g, '&#39;')), p.employer.en);

  const lines = await inquire(ali, '/en/inquiries/mobile-lines');
  assert.equal(lines.status, 200);
  assert.match(lines.body, new RegExp(F.mobile));
  assert.match(lines.body, /MCI/);

  for (const [page, service, path] of [
    [person.body, SERVICES.person.id, `/persons/${F.nationalCode}`],
    [insurance.body, SERVICES.insurance.id, `/insurance/${F.nationalCode}`],
    [lines.body, SERVICES.lines.id, `/lines/${F.nationalCode}`],
  ] as const) {
    const [rec] = await auditOf(page);
    assert.deepEqual([rec!.client, rec!.service, rec!.subject, rec!.status, rec!.path], [PORTAL_CLIENT, service, F.nationalCode, 200, path]);
  }
});

test('the national code always comes from the session, never from the form', async () => {
  const r = await inquire(ali, '/en/inquiries/civil-registry', { national_code: DEMO_FIXTURES.foreign.nationalCode, nationalCode: DEMO_FIXTURES.foreign.nationalCode });
  assert.equal(r.status, 200);
  assert.match(r.body, /Ali Rezaei/);
  assert.doesNotMatch(r.body, /Nowrouzi/);
  assert.equal((await auditOf(r.body))[0]!.subject, F.nationalCode);
});

test('vehicle fines: my vehicles, then a plate of mine in any writing; someone else’s plate is refused', async () => {
  const list = await inquire(ali, '/en/inquiries/vehicle-fines');
  assert.equal(list.status, 200);
  assert.match(list.body, /Peugeot 206/);
  assert.match(list.body, /name="plate" value="12-B-345-67"/);
  const [vehiclesCall] = await auditOf(list.body);
  assert.deepEqual([vehiclesCall!.client, vehiclesCall!.service, vehiclesCall!.subject], [PORTAL_CLIENT, SERVICES.vehicles.id, F.nationalCode]);

  for (const plate of ['۱۲ب۳۴۵-۶۷', '12-B-345-67']) {
    const r = await inquire(ali, '/en/inquiries/vehicle-fines', { plate });
    assert.equal(r.status, 200, r.body.slice(0, 500));
    assert.match(r.body, /Tehran, Valiasr St/);
    assert.match(r.body, /Unpaid/);
    const calls = await auditOf(r.body);
    assert.deepEqual(calls.map((c) => [c.client, c.service, c.subject, c.persons, c.status]), [
      [PORTAL_CLIENT, SERVICES.vehicles.id, F.nationalCode, null, 200],
      [PORTAL_CLIENT, SERVICES.fines.id, F.plateId, `["${F.nationalCode}"]`, 200],
    ], 'the plate, and its owner as the traffic police resolved it (test/data-tracker.e2e.test.ts)');
  }
  const other = await db().selectFrom('agency_vehicles').select('plate_id').where('national_code', '!=', F.nationalCode).executeTakeFirstOrThrow();
  const theirs = await inquire(ali, '/en/inquiries/vehicle-fines', { plate: other.plate_id });
  assert.equal(theirs.status, 403);
  assert.match(theirs.body, /not registered to you/);
  assert.match(theirs.body, /data-code="not_your_vehicle"/);
  const finesCalls = await db().selectFrom('exchange_audit').select('id').where('service', '=', SERVICES.fines.id).where('subject', '=', other.plate_id).execute();
  assert.equal(finesCalls.length, 0, 'the fines of someone else’s plate were never asked for');
  for (const bad of ['12X345-67', 'abc', '12ب345']) {
    const r = await inquire(ali, '/inquiries/vehicle-fines', { plate: bad });
    assert.equal(r.status, 400, bad);
    assert.match(r.body, /پلاک درست نیست/);
  }
});

test('certificate verification: mine is confirmed, an unknown number is not, a malformed one is refused', async () => {
  const ok = await inquire(ali, '/en/inquiries/certificate', { certificate: '۱۳۹۱-۰۰۴۵۱۲' });
  assert.equal(ok.status, 200);
  assert.match(ok.body, /This certificate is genuine/);
  assert.match(ok.body, /Computer Engineering/);
  const [rec] = await auditOf(ok.body);
  assert.deepEqual([rec!.client, rec!.service, rec!.subject, rec!.persons, rec!.path], [PORTAL_CLIENT, SERVICES.certificate.id, F.certificateNumber, `["${F.nationalCode}"]`, `/certificates/${F.certificateNumber}?nationalCode=`], 'the certificate and its holder; the query value is not logged');
  const unknown = await inquire(ali, '/en/inquiries/certificate', { certificate: '1399-000000' });
  assert.equal(unknown.status, 200);
  assert.match(unknown.body, /No certificate with this number is registered to you/);
  const bad = await inquire(ali, '/en/inquiries/certificate', { certificate: '12-34' });
  assert.equal(bad.status, 400);
  assert.match(bad.body, /certificate number is not valid/);
});

test('a form without its CSRF token is refused', async () => {
  const r = await ali.post('/en/inquiries/insurance', {});
  assert.equal(r.status, 403);
});

test('a refusal by the gateway is a clear page, never a 500; a revoked key is replaced at the next start', async () => {
  // The authority revokes the portal's contract for insurance records.
  await tp.exchange.contracts.revokeFor(PORTAL_CLIENT, SERVICES.insurance.id, { actor: 'test' });
  const refused = await inquire(ali, '/en/inquiries/insurance');
  assert.equal(refused.status, 503);
  assert.match(refused.body, /This inquiry is not available right now/);
  assert.match(refused.body, /data-code="exchange_refused"/);
  const [rec] = await auditOf(refused.body);
  assert.deepEqual([rec!.client, rec!.status, rec!.error_type], [PORTAL_CLIENT, 403, 'Server.ServerProxy.AccessDenied']);
  const fa = await inquire(ali, '/inquiries/insurance');
  assert.deepEqual([fa.status, fa.body.includes('این استعلام اکنون در دسترس نیست')], [503, true]);
  assert.equal((await connectPortalToExchange(tp)).consumer.contracts, 0, 'a revoked contract stays revoked across restarts');

  // The portal's key is revoked: refused too, until the next start gives the portal a new key.
  const key = (await tp.exchange.apiKeys.list(PORTAL_CLIENT)).find((k) => !k.revokedAt)!;
  await tp.exchange.apiKeys.revoke(key.id, 'test');
  const noKey = await inquire(ali, '/en/inquiries/mobile-lines');
  assert.equal(noKey.status, 503);
  assert.equal((await connectPortalToExchange(tp)).keyCreated, true);
  const back = await inquire(ali, '/en/inquiries/mobile-lines');
  assert.equal(back.status, 200, 'the running portal picks up the new key when the old one is refused');
  assert.match(back.body, new RegExp(F.mobile));

  // The agency's back-end is down: the gateway answers ServiceFailed, the citizen a 502 page.
  await seedDemoExchange(tp.exchange.registry, { loopbackBaseUrl: 'http://127.0.0.1:1' });
  const down = await inquire(new Browser(tp.url!), '/en/inquiries/postal-address', { postal_code: F.postalCode });
  assert.equal(down.status, 502);
  assert.match(down.body, /did not answer/);
  assert.match(down.body, /data-code="agency_failed"/);
  await seedDemoExchange(tp.exchange.registry, { loopbackBaseUrl: tp.url! });
});

test('two nodes connecting the portal at once on one database end with one set of registrations and one live key', async () => {
  const shared = await freshDatabase();
  // Opened one after the other (each migrates), then connected at the same moment.
  const nodes = [await testPlatform({ shared }), await testPlatform({ shared })];
  try {
    const results = await Promise.all(nodes.map((n) => connectPortalToExchange(n, { loopbackBaseUrl: 'http://127.0.0.1:3000' })));
    const services = DEMO_AGENCIES.flatMap((a) => a.services).length;
    assert.equal(results.reduce((n, r) => n + (r.agencies?.services ?? 0), 0), services, 'each service registered once');
    assert.equal(results.reduce((n, r) => n + r.consumer.contracts, 0), services, 'each contract granted once');
    const [one] = nodes;
    const live = (await one!.exchange.apiKeys.list(PORTAL_CLIENT)).filter((k) => !k.revokedAt);
    assert.equal(live.length, 1, 'a key made by the node that lost the race is revoked');
    assert.ok((await storedPortalKey(one!.database.db))?.startsWith(`${live[0]!.prefix}_`), 'the stored key is the live one');
    assert.equal((await one!.exchange.contracts.list({ client: PORTAL_CLIENT, status: 'active' })).length, services);
  } finally {
    for (const n of nodes) await n.dispose();
    await shared.drop();
  }
});
