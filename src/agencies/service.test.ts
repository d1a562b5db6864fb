import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testPlatform, type TestPlatform } from '../../test/harness.js';
import { DEMO_FIXTURES, generateDemoWorld } from './generator.js';
import { DemoAgencies } from './service.js';
import * as store from './store.js';

let tp: TestPlatform;
let agencies: DemoAgencies;
const world = generateDemoWorld();
const code = (e: unknown) => (e as { code?: string }).code;
const status = (e: unknown) => (e as { status?: number }).status;
const F = DEMO_FIXTURES;

before(async () => {
  tp = await testPlatform();
  agencies = new DemoAgencies(tp.database.db);
});
after(() => tp.dispose());

const count = async (table: 'agency_people' | 'agency_mobile_lines' | 'agency_vehicles' | 'agency_fines' | 'agency_addresses' | 'agency_insurance_records' | 'agency_certificates' | 'agency_driving_licences') =>
  Number((await agencies.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

test('seed loads the whole country once; a second seed writes nothing', async () => {
  const first = await agencies.seed();
  assert.deepEqual(first, { seeded: true, people: world.people.length, lines: world.lines.length, demoPerson: { nationalCode: F.person.nationalCode, mobile: F.person.mobile } });
  const expected = { agency_people: world.people.length, agency_mobile_lines: world.lines.length, agency_vehicles: world.vehicles.length, agency_fines: world.fines.length, agency_addresses: world.addresses.length, agency_insurance_records: world.insurance.length, agency_certificates: world.certificates.length, agency_driving_licences: world.licences.length };
  for (const [table, n] of Object.entries(expected)) assert.equal(await count(table as keyof typeof expected), n, table);
  assert.equal((await agencies.seed()).seeded, false);
  assert.equal(await count('agency_people'), world.people.length);
  const audit = await tp.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'agencies.demo.seed').execute();
  assert.equal(audit.length, 1);
});

test('the civil registry answers by national code in any digits; invalid or unknown codes are null', async () => {
  const ali = await agencies.civilRegistry.person(F.person.nationalCode);
  assert.deepEqual(ali, {
    nationalCode: '0499370899', kind: 'citizen', firstName: { fa: 'علی', en: 'Ali' }, lastName: { fa: 'رضایی', en: 'Rezaei' }, fatherName: { fa: 'حسن', en: 'Hassan' },
    gender: 'male', birthDate: '1990-03-21', alive: true, deathDate: null,
  });
  assert.deepEqual(await agencies.civilRegistry.person('۰۴۹۹۳۷۰۸۹۹'), ali);
  assert.equal(await agencies.civilRegistry.person('0499370898'), null, 'bad check digit');
  assert.equal(await agencies.civilRegistry.person('0013542419'), null, 'valid but not registered');
  assert.equal(await agencies.civilRegistry.person("0499370899' or 1=1 --"), null);
  const dead = await agencies.civilRegistry.person(F.deceased.nationalCode);
  assert.deepEqual([dead?.alive, dead?.deathDate], [false, '2023-02-14']);
  assert.equal((await agencies.civilRegistry.person(F.foreign.nationalCode))?.kind, 'foreign');
});

test('the mobile register: who owns which line', async () => {
  const reg = agencies.mobileRegister;
  assert.equal(await reg.isRegisteredTo(F.person.mobile, F.person.nationalCode), true);
  assert.equal(await reg.isRegisteredTo('+98 912 345 6789', '۰۴۹۹۳۷۰۸۹۹'), true, 'any usual spelling');
  assert.equal(await reg.isRegisteredTo(F.foreign.mobile, F.person.nationalCode), false, "someone else's line");
  assert.equal(await reg.isRegisteredTo(F.person.mobile, F.foreign.nationalCode), false);
  assert.equal(await reg.isRegisteredTo('not a number', F.person.nationalCode), false);
  assert.deepEqual(await reg.linesOf(F.person.nationalCode), [{ mobile: F.person.mobile, operator: 'MCI' }]);
  assert.deepEqual(await reg.linesOf(F.foreign.nationalCode), [{ mobile: F.foreign.mobile, operator: 'Irancell' }]);
  assert.deepEqual(await reg.linesOf(F.withoutMobile.nationalCode), []);
  assert.deepEqual(await reg.linesOf('junk'), []);
  const twoLines = world.people.find((p) => world.lines.filter((l) => l.national_code === p.national_code).length === 2)!;
  assert.equal((await reg.linesOf(twoLines.national_code)).length, 2);
});

test('store lookups of every agency', async () => {
  const db = agencies.db;
  assert.deepEqual((await store.vehiclesOf(db, F.person.nationalCode)).map((v) => v.plate), ['12ب345-67']);
  const fines = await store.finesOf(db, F.person.plateId);
  assert.deepEqual(fines.map((f) => [f.violation_code, Number(f.paid)]), [['2002', 0], ['2056', 1]], 'newest first');
  assert.equal((await store.findAddress(db, F.person.postalCode))?.city_en, 'Tehran');
  assert.equal(await store.findAddress(db, '1111111111'), undefined);
  assert.deepEqual((await store.insuranceOf(db, F.person.nationalCode)).map((r) => [r.period, r.months]), [[1, 54], [2, world.insurance[1]!.months]]);
  assert.equal((await store.findCertificate(db, F.person.certificateNumber))?.national_code, F.person.nationalCode);
  const listed = await agencies.listPeople(4);
  assert.deepEqual(listed.map((p) => p.nationalCode), [F.person.nationalCode, F.deceased.nationalCode, F.withoutMobile.nationalCode, F.foreign.nationalCode], 'documented people first, in order');
  assert.deepEqual(listed[0]!.mobiles, [F.person.mobile]);
  assert.equal((await agencies.listPeople(1000)).length, world.people.length);
});

test('addPerson registers a person and their line; one script serves for both names', async () => {
  const added = await agencies.addPerson({ nationalCode: '۰۰۱۳۵۴۲۴۱۹', mobile: '+98 901 555 0101', firstName: 'سارا', lastName: 'نیک‌نام', birthDate: '۱۹۹۵-۰۶-۳۰', fatherName: 'Reza' }, 'tester');
  assert.deepEqual(added, {
    nationalCode: '0013542419', kind: 'citizen', firstName: { fa: 'سارا', en: 'سارا' }, lastName: { fa: 'نیک‌نام', en: 'نیک‌نام' }, fatherName: { fa: 'Reza', en: 'Reza' },
    gender: 'female', birthDate: '1995-06-30', alive: true, deathDate: null, mobile: '09015550101', operator: 'Irancell',
  });
  const { mobile: _m, operator: _o, ...person } = added;
  assert.deepEqual(await agencies.civilRegistry.person('0013542419'), person);
  assert.equal(await agencies.mobileRegister.isRegisteredTo('09015550101', '0013542419'), true);
  const audit = await tp.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'agencies.person.add').where('subject', '=', 'person:0013542419').executeTakeFirstOrThrow();
  assert.equal(audit.actor, 'tester');

  const both = await agencies.addPerson({ nationalCode: '0084575948', mobile: '09205550102', firstName: { fa: 'کاوه', en: 'Kaveh' }, lastName: { en: 'Ahangar' }, birthDate: '1980-01-31', gender: 'male' });
  assert.deepEqual([both.firstName, both.lastName, both.fatherName, both.operator], [{ fa: 'کاوه', en: 'Kaveh' }, { fa: 'Ahangar', en: 'Ahangar' }, { fa: '', en: '' }, 'Rightel']);
  const foreign = await agencies.addPerson({ nationalCode: '3001-2345-6789', mobile: '09395550103', firstName: 'Jamal', lastName: 'Azizi', birthDate: '2000-02-29' });
  assert.deepEqual([foreign.kind, foreign.nationalCode, foreign.gender], ['foreign', '300123456789', 'male'], 'gender told by a known first name');
});

test('addPerson refuses bad input with 400 and taken codes or lines with 409, writing nothing', async () => {
  const good = { nationalCode: '4608968882', mobile: '09125550104', firstName: 'Mina', lastName: 'Karimi', birthDate: '1999-12-31' };
  const rejects = async (change: Record<string, unknown>, expectedCode: string, expectedStatus = 400) =>
    assert.rejects(() => agencies.addPerson({ ...good, ...change } as never), (e) => code(e) === expectedCode && status(e) === expectedStatus, `${JSON.stringify(change)} → ${expectedCode}`);
  await rejects({ nationalCode: '4608968883' }, 'invalid_national_code');
  await rejects({ nationalCode: '1111111111' }, 'invalid_national_code');
  await rejects({ nationalCode: 'abc' }, 'invalid_national_code');
  await rejects({ mobile: '02188776655' }, 'invalid_mobile');
  await rejects({ mobile: '0912abc4567' }, 'invalid_mobile');
  await rejects({ birthDate: '1999-02-30' }, 'invalid_birth_date');
  await rejects({ birthDate: '31/12/1999' }, 'invalid_birth_date');
  await rejects({ birthDate: '2999-01-01' }, 'invalid_birth_date');
  await rejects({ birthDate: '1850-01-01' }, 'invalid_birth_date');
  await rejects({ firstName: 'Mina2' }, 'invalid_name');
  await rejects({ firstName: 'مینا Mina' }, 'invalid_name');
  await rejects({ firstName: '   ' }, 'invalid_name');
  await rejects({ firstName: { fa: 'Mina' } }, 'invalid_name');
  await rejects({ lastName: '<script>' }, 'invalid_name');
  await rejects({ lastName: 'x'.repeat(51) }, 'invalid_name');
  await rejects({ firstName: 'Zorro' }, 'gender_required');
  await rejects({ gender: 'other' }, 'invalid_gender');
  await rejects({ mobile: F.person.mobile }, 'mobile_taken', 409);
  await rejects({ mobile: '0912 345 6789' }, 'mobile_taken', 409);
  await rejects({ nationalCode: F.person.nationalCode }, 'person_exists', 409);
  assert.equal(await agencies.civilRegistry.person(good.nationalCode), null, 'nothing was written');
  assert.equal(await store.lineOwner(agencies.db, good.mobile), null);
  await agencies.addPerson(good);
  assert.equal((await agencies.civilRegistry.person(good.nationalCode))?.gender, 'female');
});

test('a person added before the first seed stays, and seeding twice at once is harmless', async () => {
  const fresh = await testPlatform();
  try {
    const a = new DemoAgencies(fresh.database.db);
    await a.addPerson({ nationalCode: '0013542419', mobile: '09365550105', firstName: 'Leila', lastName: 'Nouri', birthDate: '1970-01-01' });
    const results = await Promise.all([a.seed(), a.seed()]);
    assert.ok(results.some((r) => r.seeded));
    assert.equal((await a.civilRegistry.person('0013542419'))?.firstName.en, 'Leila');
    assert.equal((await a.civilRegistry.person(F.person.nationalCode))?.firstName.en, 'Ali');
    const people = Number((await a.db.selectFrom('agency_people').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    assert.equal(people, world.people.length + 1);
  } finally {
    await fresh.dispose();
  }
});
