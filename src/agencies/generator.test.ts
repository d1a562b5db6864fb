import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseForeignNationalCode, parseMobile, parseNationalCode } from '../platform/national-code.js';
import { DEMO_CITIZENS, DEMO_FIXTURES, DEMO_FOREIGN_NATIONALS, DEMO_REFERENCE_DATE, generateDemoWorld, monthsBetween } from './generator.js';
import { CERTIFICATE_NUMBER_PATTERN, LICENCE_CLASSES, LICENCE_NUMBER_PATTERN, OPERATORS, operatorOf, parsePlateId, plateFromParts } from './model.js';

const world = generateDemoWorld();
const byCode = new Map(world.people.map((p) => [p.national_code, p]));

test('the generator is deterministic: the same country at every call', () => {
  assert.deepEqual(generateDemoWorld(), world);
});

test('a few hundred citizens and about ten foreign nationals, every code valid and unique', () => {
  assert.equal(world.people.filter((p) => p.kind === 'citizen').length, DEMO_CITIZENS);
  assert.equal(world.people.filter((p) => p.kind === 'foreign').length, DEMO_FOREIGN_NATIONALS);
  assert.equal(byCode.size, world.people.length, 'national codes are unique');
  for (const p of world.people) {
    const parse = p.kind === 'citizen' ? parseNationalCode : parseForeignNationalCode;
    assert.equal(parse(p.national_code), p.national_code, p.national_code);
    assert.ok(p.first_name_fa && p.first_name_en && p.last_name_fa && p.last_name_en && p.father_name_fa && p.father_name_en);
    assert.match(p.first_name_fa, /^[\u0600-\u06ff\u200c ]+$/, 'Persian names in Persian script');
    assert.match(p.first_name_en, /^[A-Za-z' -]+$/, 'English transliterations in Latin');
    assert.ok(['male', 'female'].includes(p.gender));
    assert.match(p.birth_date, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(p.birth_date < DEMO_REFERENCE_DATE);
    assert.equal(p.alive === 0, p.death_date !== null, 'deceased exactly when a death date is set');
    if (p.death_date) assert.ok(p.death_date > p.birth_date && p.death_date <= DEMO_REFERENCE_DATE);
  }
  const deceased = world.people.filter((p) => !p.alive);
  assert.ok(deceased.length >= 3 && deceased.length <= 30, `a few deceased (${deceased.length})`);
});

test('the documented demo people come first, as documented', () => {
  const [first] = world.people;
  assert.equal(first!.national_code, DEMO_FIXTURES.person.nationalCode);
  assert.equal(parseNationalCode('0499370899'), '0499370899', 'the documented code has a valid check digit');
  assert.deepEqual([first!.first_name_en, first!.last_name_en, first!.alive], ['Ali', 'Rezaei', 1]);
  assert.deepEqual(world.lines.filter((l) => l.national_code === first!.national_code).map((l) => l.mobile), [DEMO_FIXTURES.person.mobile]);
  assert.ok(world.vehicles.some((v) => v.plate_id === DEMO_FIXTURES.person.plateId && v.national_code === first!.national_code));
  assert.ok(world.fines.filter((f) => f.plate_id === DEMO_FIXTURES.person.plateId).length >= 2);
  assert.ok(world.addresses.some((a) => a.postal_code === DEMO_FIXTURES.person.postalCode && a.national_code === first!.national_code));
  assert.ok(world.insurance.some((r) => r.national_code === first!.national_code));
  assert.ok(world.certificates.some((c) => c.certificate_number === DEMO_FIXTURES.person.certificateNumber && c.national_code === first!.national_code));

  const dead = byCode.get(DEMO_FIXTURES.deceased.nationalCode)!;
  assert.equal(dead.alive, 0);
  assert.ok(world.lines.some((l) => l.mobile === DEMO_FIXTURES.deceased.mobile && l.national_code === dead.national_code), 'the deceased fixture keeps a line');
  assert.equal(byCode.get(DEMO_FIXTURES.withoutMobile.nationalCode)!.alive, 1);
  assert.ok(!world.lines.some((l) => l.national_code === DEMO_FIXTURES.withoutMobile.nationalCode));
  assert.equal(byCode.get(DEMO_FIXTURES.foreign.nationalCode)!.kind, 'foreign');
  assert.ok(world.lines.some((l) => l.mobile === DEMO_FIXTURES.foreign.mobile && l.national_code === DEMO_FIXTURES.foreign.nationalCode));
});

test('mobile lines: unique, canonical, one or two per living adult, some with none, none for children or (generated) dead', () => {
  assert.equal(new Set(world.lines.map((l) => l.mobile)).size, world.lines.length, 'mobiles are unique');
  const perPerson = new Map<string, number>();
  for (const l of world.lines) {
    assert.equal(parseMobile(l.mobile), l.mobile);
    assert.ok(l.operator in OPERATORS, l.operator);
    assert.equal(l.operator, operatorOf(l.mobile), 'operator matches the prefix it issued');
    assert.ok(byCode.has(l.national_code), 'every line has an owner in the registry');
    perPerson.set(l.national_code, (perPerson.get(l.national_code) ?? 0) + 1);
  }
  assert.ok([...perPerson.values()].every((n) => n === 1 || n === 2));
  assert.ok([...perPerson.values()].some((n) => n === 2), 'some people have two lines');
  const adultSince = `${Number(DEMO_REFERENCE_DATE.slice(0, 4)) - 18}${DEMO_REFERENCE_DATE.slice(4)}`;
  const livingAdults = world.people.filter((p) => p.alive && p.birth_date <= adultSince);
  assert.ok(livingAdults.filter((p) => !perPerson.has(p.national_code)).length >= 3, 'some living adults have no line');
  for (const p of world.people) {
    if (p.birth_date > adultSince) assert.ok(!perPerson.has(p.national_code), `no line for the child ${p.national_code}`);
    if (!p.alive && p.national_code !== DEMO_FIXTURES.deceased.nationalCode) assert.ok(!perPerson.has(p.national_code));
  }
});

test('agency records are well formed and refer to registered people', () => {
  assert.equal(new Set(world.vehicles.map((v) => v.plate_id)).size, world.vehicles.length);
  for (const v of world.vehicles) {
    assert.deepEqual(parsePlateId(v.plate_id), { plate: v.plate, plateId: v.plate_id });
    assert.ok(byCode.get(v.national_code)?.alive);
  }
  const plates = new Set(world.vehicles.map((v) => v.plate_id));
  assert.equal(new Set(world.fines.map((f) => f.fine_number)).size, world.fines.length);
  assert.ok(world.fines.every((f) => plates.has(f.plate_id) && f.amount > 0 && !Number.isNaN(Date.parse(f.committed_at))));
  assert.ok(world.fines.some((f) => f.paid) && world.fines.some((f) => !f.paid));

  assert.equal(new Set(world.addresses.map((a) => a.postal_code)).size, world.addresses.length);
  for (const a of world.addresses) assert.match(a.postal_code, /^[13-9]{4}[1346-9][013-9]{5}$/);

  for (const r of world.insurance) {
    assert.ok(byCode.has(r.national_code));
    assert.ok(!r.end_date || r.end_date >= r.start_date);
    const horizon = byCode.get(r.national_code)!.death_date ?? DEMO_REFERENCE_DATE;
    assert.equal(r.months, monthsBetween(r.start_date, r.end_date ?? horizon));
    assert.ok(r.months > 0);
    assert.match(r.workshop_code, /^\d{10}$/);
  }
  assert.ok(world.insurance.some((r) => r.end_date === null), 'some periods are ongoing');

  assert.equal(new Set(world.certificates.map((c) => c.certificate_number)).size, world.certificates.length);
  for (const c of world.certificates) {
    assert.match(c.certificate_number, new RegExp(CERTIFICATE_NUMBER_PATTERN));
    assert.ok(c.graduation_date > byCode.get(c.national_code)!.birth_date);
  }
  assert.ok(new Set(world.certificates.map((c) => c.degree)).size >= 3, 'several degrees');
});

test('driving licences: unique numbers, held by living adults, one for every car owner, current', () => {
  assert.equal(new Set(world.licences.map((l) => l.licence_number)).size, world.licences.length);
  const adultSince = `${Number(DEMO_REFERENCE_DATE.slice(0, 4)) - 18}${DEMO_REFERENCE_DATE.slice(4)}`;
  for (const l of world.licences) {
    const p = byCode.get(l.national_code)!;
    assert.ok(p.alive && p.birth_date <= adultSince, `${l.licence_number} is held by a living adult`);
    assert.match(l.licence_number, new RegExp(LICENCE_NUMBER_PATTERN));
    assert.ok(l.class in LICENCE_CLASSES, l.class);
    assert.ok(l.issued_at <= DEMO_REFERENCE_DATE && l.expires_at > DEMO_REFERENCE_DATE, `${l.licence_number} is current`);
  }
  const carLicences = new Set(world.licences.filter((l) => l.class !== 'motorcycle').map((l) => l.national_code));
  for (const v of world.vehicles) if (byCode.get(v.national_code)!.alive) assert.ok(carLicences.has(v.national_code), `the owner of ${v.plate} can drive it`);
  const drivers = new Set(world.licences.map((l) => l.national_code));
  assert.ok(drivers.size > world.vehicles.length / 2 && drivers.size < world.people.length, `${drivers.size} people hold a licence`);
  assert.ok(world.licences.some((l) => l.class === 'motorcycle'));
  assert.deepEqual(world.licences.filter((l) => l.national_code === DEMO_FIXTURES.person.nationalCode).map((l) => [l.licence_number, l.class]), [[DEMO_FIXTURES.person.licenceNumber, 'grade2']]);
});

test('plates: a display form and a URL form, both ways', () => {
  assert.deepEqual(plateFromParts('12', 'ب', '345', '67'), { plate: '12ب345-67', plateId: '12-B-345-67' });
  assert.deepEqual(parsePlateId('12-B-345-67'), { plate: '12ب345-67', plateId: '12-B-345-67' });
  assert.equal(parsePlateId('34-ALEF-111-22')?.plate, '34الف111-22');
  assert.equal(parsePlateId('12-XX-345-67'), null, 'unknown letter code');
  assert.equal(parsePlateId('12B34567'), null);
  assert.throws(() => plateFromParts('12', 'x', '345', '67'));
});
