import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Kysely } from 'kysely';
import { DEMO_FIXTURES, generateDemoWorld } from '../src/agencies/index.js';
import { demoCatalog } from '../src/app.js';
import { DEMO_CASEWORK_AGENCIES } from '../src/commands/program.js';
import { readPrefill, type Delivery, type PrefilledSource, type RegistryReader } from '../src/services/index.js';
import { connectPortalToExchange } from '../src/web/inquiries/connect.js';
import { PORTAL_CLIENT, storedPortalKey } from '../src/web/inquiries/credentials.js';
import { ExchangeClient } from '../src/web/inquiries/exchange-client.js';
import { Browser } from './browser.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { signInToPortal } from './signin.js';

/**
 * The demo's five services delivered on the platform (issue 9, item 10), seeded as `start` seeds the
 * demo: each definition is live, its prefill reads the demo person's real records through the
 * exchange as the portal (each read in the exchange's audit log under the portal's client), and its
 * form accepts a good set of answers and lists the problems of a bad one.
 */

let tp: TestPlatform;
let exchange: ExchangeClient;
const F = DEMO_FIXTURES.person;
const db = () => tp.database.db as Kysely<any>;
const NOW = new Date('2026-12-07T08:00:00Z');

const CODES = ['JUDICIARY-0006', 'MSRT-0002', 'MCLS-0001', 'RAHVAR-0004', 'TCI-0002'] as const;

before(async () => {
  tp = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'true' } });
  await tp.agencies.seed();
  await connectPortalToExchange(tp);
  await tp.catalog.import(demoCatalog(), { actor: 'demo' });
  // The portal's own client of the exchange (src/web/portal-exchange.ts), here on the test server's address.
  exchange = new ExchangeClient({ client: PORTAL_CLIENT, gatewayBase: () => tp.url!, key: () => storedPortalKey(tp.database.db) });
});
after(async () => {
  await exchange.close();
  await tp.dispose();
});

const reader = (): RegistryReader => exchange;

async function delivered(code: string) {
  const d = await tp.services.applications.delivered(code);
  const entry = tp.catalog.read.service(code)!;
  assert.equal(entry.channels[0]?.type, 'platform', `${code} starts on the platform`);
  assert.equal((entry.channels[0] as { path: string }).path, `/services/${entry.slug}/apply`);
  return d.delivery;
}

/**
 * The audit record of each read: made by the portal, of this service, about the demo person (the
 * subject named by a national code, or the person an indirect identifier such as a postal code resolved to).
 */
async function assertAudited(sources: PrefilledSource[], services: string[]) {
  assert.equal(sources.length, services.length);
  const rows = await db().selectFrom('exchange_audit').select(['id', 'client', 'service', 'subject', 'persons', 'status']).where('id', 'in', sources.map((s) => s.xroadId)).execute();
  for (const [i, s] of sources.entries()) {
    const row = rows.find((r) => r.id === s.xroadId);
    assert.ok(row, `the read of ${s.id} is in the exchange's audit log`);
    assert.deepEqual([row.client, row.service, Number(row.status), row.persons ? JSON.parse(row.persons) : [row.subject]], [PORTAL_CLIENT, services[i], 200, [F.nationalCode]]);
  }
}

const value = (src: PrefilledSource, id: string) => src.fields.find((f) => f.id === id)?.value;
const codesOf = (r: { errors: Array<{ field: string; code: string }> }) => r.errors.map((e) => `${e.field}:${e.code}`).sort();

test('the five services are delivered here, and the demo has a caseworker for every agency that handles a step', async () => {
  const orgs = new Set<string>();
  for (const code of CODES) {
    const d = await delivered(code);
    assert.ok(d.steps.length >= 1 && d.document, code);
    for (const s of d.steps) {
      orgs.add(s.organization);
      assert.ok(tp.catalog.read.organization(s.organization), `${s.organization} is an organisation of the catalogue`);
      assert.ok(s.deadlineDays >= 1);
    }
    assert.equal(tp.catalog.read.service(code)!.smart, true, `${code} is a smart service now`);
  }
  assert.deepEqual([...orgs].sort(), [...DEMO_CASEWORK_AGENCIES].sort());
});

test('criminal record certificate: only the purpose is asked; name, father’s name and birth date come from the civil registry', async () => {
  const d = await delivered('JUDICIARY-0006');
  assert.deepEqual(d.fee, { amount: 1_200_000, refundOnReject: false });
  assert.deepEqual(d.steps.map((s) => [s.organization, s.deadlineDays]), [['JUDICIARY', 5]]);
  assert.equal(d.document!.title.fa, 'گواهی عدم سوء پیشینه');
  assert.deepEqual(tp.services.forms.fields(d.form), ['purpose']);

  const prefill = await readPrefill(reader(), d.prefill, F.nationalCode, {}, NOW);
  await assertAudited(prefill, ['IR/GOV/NOCR/registry/person']);
  assert.deepEqual(['firstName', 'lastName', 'fatherName', 'birthDate'].map((f) => value(prefill[0]!, f)), ['علی', 'رضایی', 'حسن', '1990-03-21']);
  assert.equal(prefill[0]!.source.fa, 'از ثبت احوال');

  assert.deepEqual(tp.services.forms.validate(d.form, { purpose: 'emigration' }).errors, []);
  // Registry data sent as an answer is refused, and so is a purpose not offered.
  assert.deepEqual(codesOf(tp.services.forms.validate(d.form, { purpose: 'smuggling', fatherName: 'حسن' })), ['fatherName:unknown_field', 'purpose:choice']);
  assert.deepEqual(codesOf(tp.services.forms.validate(d.form, {})), ['purpose:required']);
});

test('degree certified for use abroad: the degrees come from the Ministry of Science’s new data service', async () => {
  const d = await delivered('MSRT-0002');
  assert.deepEqual(d.steps.map((s) => [s.organization, s.deadlineDays]), [['MSRT', 10]]);
  assert.equal(d.fee?.amount, 3_200_000);

  const [degrees] = await readPrefill(reader(), d.prefill, F.nationalCode, {}, NOW);
  await assertAudited([degrees!], ['IR/GOV/MSRT/certificates/person-degrees']);
  const mine = generateDemoWorld().certificates.filter((c) => c.national_code === F.nationalCode);
  assert.equal(degrees!.items?.length, mine.length);
  const first = degrees!.items![0]!.fields;
  assert.deepEqual(first.map((f) => [f.id, f.value]), [
    ['degree', 'کارشناسی'],
    ['field', mine[0]!.field_fa],
    ['university', mine[0]!.university_fa],
    ['graduationDate', '2012-07-15'],
    ['certificateNumber', F.certificateNumber],
  ]);

  assert.deepEqual(tp.services.forms.validate(d.form, { degree: 'bachelor', country: 'آلمان' }).errors, []);
  assert.deepEqual(codesOf(tp.services.forms.validate(d.form, { degree: 'phd' })), ['country:required', 'degree:choice']);
});

test('unemployment benefit: the insurance record comes from Social Security; Social Security, then the Ministry of Labour', async () => {
  const d = await delivered('MCLS-0001');
  assert.equal(d.fee, null);
  assert.deepEqual(d.steps.map((s) => [s.organization, s.deadlineDays]), [['TAMIN', 5], ['MCLS', 10]]);

  const [insurance] = await readPrefill(reader(), d.prefill, F.nationalCode, {}, NOW);
  await assertAudited([insurance!], ['IR/GOV/TAMIN/insurance/insurance-record']);
  const periods = await db().selectFrom('agency_insurance_records').selectAll().where('national_code', '=', F.nationalCode).orderBy('period').execute();
  assert.equal(value(insurance!, 'totalMonths'), String(periods.reduce((n, p) => n + Number(p.months), 0)));
  assert.deepEqual(insurance!.items!.map((i) => i.fields.find((f) => f.id === 'workshopCode')!.value), periods.map((p) => p.workshop_code));

  const good = { lastDay: '1405-08-15', reason: 'workshop-closed', iban: 'IR820540102680020817909002' };
  assert.deepEqual(tp.services.forms.validate(d.form, good).errors, []);
  const bad = tp.services.forms.validate(d.form, { ...good, iban: 'IR82 0540 1026', lastDay: '1405-13-01', reason: 'resigned' });
  assert.deepEqual(codesOf(bad), ['iban:pattern', 'lastDay:date_invalid', 'reason:choice']);
  assert.match(bad.errors.find((e) => e.field === 'iban')!.message.fa, /IR/, 'the pattern has its own message');
});

test('replacement of a lost driving licence: the licences come from the Traffic Police’s new data service', async () => {
  const d = await delivered('RAHVAR-0004');
  assert.deepEqual(d.steps.map((s) => [s.organization, s.deadlineDays]), [['RAHVAR', 7]]);
  assert.ok((d.fee?.amount ?? 0) > 0);

  const [licences] = await readPrefill(reader(), d.prefill, F.nationalCode, {}, NOW);
  await assertAudited([licences!], ['IR/GOV/RAHVAR/traffic/person-driving-licences']);
  assert.deepEqual(licences!.items!.map((i) => i.fields.map((f) => f.value)), [[F.licenceNumber, 'پایه دوم', '2019-04-20', '2029-04-20']]);

  const good = { licence: 'car', circumstance: 'stolen', where: 'تهران، مترو ولیعصر', deliveryAddress: { postalCode: F.postalCode, details: 'طبقه سوم' } };
  assert.deepEqual(tp.services.forms.validate(d.form, good).errors, []);
  const bad = tp.services.forms.validate(d.form, { ...good, deliveryAddress: { postalCode: '0000000000' }, where: '' });
  assert.ok(bad.errors.some((e) => e.field === 'deliveryAddress'), JSON.stringify(bad.errors));
  assert.ok(bad.errors.some((e) => e.field === 'where'), JSON.stringify(bad.errors));
});

test('moving a landline: the new address is read from the postal code the applicant gives', async () => {
  const d = await delivered('TCI-0002');
  assert.deepEqual(d.steps.map((s) => [s.organization, s.deadlineDays]), [['TCI', 7]]);

  assert.deepEqual(await readPrefill(reader(), d.prefill, F.nationalCode, {}, NOW), [], 'nothing to read before the postal code is given');
  const [address] = await readPrefill(reader(), d.prefill, F.nationalCode, { phone: '02188776655', postalCode: F.postalCode }, NOW);
  await assertAudited([address!], ['IR/GOV/POST/postal/address']);
  assert.deepEqual([value(address!, 'province'), value(address!, 'city')], ['تهران', 'تهران']);
  assert.match(value(address!, 'text')!, /ولیعصر/);

  assert.deepEqual(tp.services.forms.validate(d.form, { phone: '02188776655', postalCode: F.postalCode }).errors, []);
  assert.deepEqual(codesOf(tp.services.forms.validate(d.form, { phone: '88776655', postalCode: '1111111111' })), ['phone:pattern', 'postalCode:postal_code']);
});

test('a postal code with no address stops the application with the Post’s reason', async () => {
  const d: Delivery = await delivered('TCI-0002');
  await assert.rejects(readPrefill(reader(), d.prefill, F.nationalCode, { postalCode: '1434843189' }, NOW), (e: { code?: string; status?: number }) => e.code === 'prefill_failed' && e.status === 422);
});

test('the new agency data services answer through the gateway with the person’s own records, and the portal holds a contract for each', async () => {
  const zahra = DEMO_FIXTURES.withoutMobile.nationalCode;
  const world = generateDemoWorld();
  const degrees = await exchange.get<{ nationalCode: string; degrees: unknown[] }>('IR/GOV/MSRT/certificates/person-degrees', `/persons/${zahra}/degrees`, { userId: zahra });
  assert.ok(degrees.ok);
  assert.deepEqual([degrees.data.nationalCode, degrees.data.degrees.length], [zahra, world.certificates.filter((c) => c.national_code === zahra).length]);
  const licences = await exchange.get<{ licences: Array<{ number: string; class: { code: string } }> }>('IR/GOV/RAHVAR/traffic/person-driving-licences', `/persons/${F.nationalCode}/driving-licences`, { userId: F.nationalCode });
  assert.ok(licences.ok);
  assert.deepEqual(licences.data.licences.map((l) => [l.number, l.class.code]), [[F.licenceNumber, 'grade2']]);
  // A well-formed code nobody has: the agency's own 404; a malformed one: its 400.
  const nobody = await exchange.get('IR/GOV/RAHVAR/traffic/person-driving-licences', '/persons/0000000019/driving-licences');
  assert.deepEqual(nobody.ok ? 200 : nobody.status, 404);
  const malformed = await exchange.get('IR/GOV/MSRT/certificates/person-degrees', '/persons/0499370898/degrees');
  assert.deepEqual(malformed.ok ? 200 : malformed.status, 400);
  // Their OpenAPI documents on the exchange name the new paths.
  for (const [id, path] of [['IR/GOV/MSRT/certificates/person-degrees', '/persons/{nationalCode}/degrees'], ['IR/GOV/RAHVAR/traffic/person-driving-licences', '/persons/{nationalCode}/driving-licences']] as const) {
    const s = await tp.exchange.registry.service(id);
    assert.ok(s?.hasOpenApi, id);
    const contract = (await tp.exchange.contracts.list({ client: PORTAL_CLIENT })).find((c) => c.service === id);
    assert.deepEqual(contract?.paths, [path], `the portal holds a contract for ${id}`);
  }
});

/** Starts an application on its pages as a signed-in person: the first page's address. */
async function startOnPages(browser: Browser, slug: string): Promise<string> {
  const start = await browser.get(`/services/${slug}/apply`);
  assert.equal(start.status, 200, `the apply page of ${slug} opens`);
  const draft = await browser.post(`/services/${slug}/apply`, { _csrf: Browser.csrf(start.body) });
  assert.equal(draft.status, 303, draft.body.slice(0, 300));
  return draft.location!;
}

async function answerPage(browser: Browser, path: string, form: Record<string, string>) {
  const page = await browser.get(path);
  assert.equal(page.status, 200, path);
  return browser.post(path, { _csrf: Browser.csrf(page.body), ...form });
}

test('on the pages: the certificate asks only the purpose and shows the civil registry’s data; the landline move shows the Post’s address of the postal code typed', async () => {
  const ali = new Browser(tp.url!);
  await signInToPortal(ali, tp.url!, { nationalCode: F.nationalCode, mobile: F.mobile }, '/');

  const purposePage = await startOnPages(ali, 'get-a-criminal-record-certificate');
  assert.match(purposePage, /\/pages\/purpose$/);
  const toCheck = await answerPage(ali, purposePage, { purpose: 'employment' });
  assert.equal(toCheck.status, 303);
  assert.match(toCheck.location!, /\/check$/, 'one question, then “check your answers”');
  const check = await ali.get(toCheck.location!);
  assert.equal(check.status, 200);
  for (const shown of ['علی', 'رضایی', 'حسن', 'از ثبت احوال', 'استخدام']) assert.ok(check.body.includes(shown), `the check page shows ${shown}`);

  const linePage = await startOnPages(ali, 'move-your-landline-to-a-new-address');
  const bad = await answerPage(ali, linePage, { phone: '88776655' });
  assert.equal(bad.status, 400, 'a number without its area code is refused on the page');
  assert.ok(bad.body.includes('پیش‌شماره'), 'with the form’s own message');
  const toAddress = await answerPage(ali, linePage, { phone: '02188776655' });
  assert.match(toAddress.location!, /\/pages\/new-address$/);
  const toCheck2 = await answerPage(ali, toAddress.location!, { postalCode: '۱۴۳۴۸۴۳۱۸۱' });
  assert.match(toCheck2.location!, /\/check$/);
  const check2 = await ali.get(toCheck2.location!);
  assert.equal(check2.status, 200);
  assert.ok(check2.body.includes('ولیعصر') && check2.body.includes('از شرکت ملی پست'), 'the new address, read from Iran Post');
});

test('a demo country loaded before driving licences existed gets them at the next start, once', async () => {
  const count = async () => Number((await db().selectFrom('agency_driving_licences').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const all = await count();
  assert.equal(all, generateDemoWorld().licences.length);
  await db().deleteFrom('agency_driving_licences').execute();
  await db().deleteFrom('agency_seeds').where('name', '=', 'demo-driving-licences-v1').execute();
  assert.equal((await tp.agencies.seed()).seeded, false, 'the country itself is not loaded again');
  assert.equal(await count(), all);
  await tp.agencies.seed();
  assert.equal(await count(), all);
});
