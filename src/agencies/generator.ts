import type { Insertable } from 'kysely';
import { nationalCodeCheckDigit } from '../platform/national-code.js';
import { operatorOf, operatorPrefixes, plateFromParts, type Degree, type LicenceClass, type Operator } from './model.js';
import * as W from './names.js';
import type { AgencyTables } from './tables.js';

/**
 * The synthetic country, the same at every demo start: a seeded generator (mulberry32) draws every
 * person and record, and a few hand-written fixtures come first so documentation and tests can name them.
 * Nothing here reads the clock: dates are relative to DEMO_REFERENCE_DATE.
 */

export const DEMO_SEED = 0x5eed_1404;
/** "Today" in the demo world: ages, ongoing insurance periods and recent fines are counted to this day. */
export const DEMO_REFERENCE_DATE = '2026-11-01';
export const DEMO_CITIZENS = 300;
export const DEMO_FOREIGN_NATIONALS = 10;

/** The documented people of the demo (README: "sign in as …"). */
export const DEMO_FIXTURES = {
  /** Ali Rezaei: a living citizen with a line, a car with fines, an address, insurance, a degree and a driving licence. */
  person: { nationalCode: '0499370899', mobile: '09123456789', plateId: '12-B-345-67', postalCode: '1434843181', certificateNumber: '1391-004512', licenceNumber: '9312004518' },
  /** Hossein Karimi, deceased in 2023; his line was never cancelled, so a sign-in must be refused by the death, not by the line. */
  deceased: { nationalCode: '0062345672', mobile: '09121110001' },
  /** Zahra Ahmadi: a living adult citizen with no mobile line at all. */
  withoutMobile: { nationalCode: '1287654320' },
  /** Ahmad Nowrouzi: a resident foreign national with a twelve-digit code and an Irancell line. */
  foreign: { nationalCode: '213456789012', mobile: '09351234567' },
} as const;

type Row<T extends keyof AgencyTables> = Insertable<AgencyTables[T]>;
export type PersonRow = Omit<Row<'agency_people'>, 'created_at'>;
export interface DemoWorld {
  people: PersonRow[];
  lines: Row<'agency_mobile_lines'>[];
  vehicles: Row<'agency_vehicles'>[];
  fines: Row<'agency_fines'>[];
  addresses: Row<'agency_addresses'>[];
  insurance: Row<'agency_insurance_records'>[];
  certificates: Row<'agency_certificates'>[];
  licences: Row<'agency_driving_licences'>[];
}

// ---- dates (UTC, ISO) ----
const DAY = 86_400_000;
const dayOf = (iso: string) => Date.parse(`${iso.slice(0, 10)}T00:00:00Z`);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export function addMonths(iso: string, n: number): string {
  const d = new Date(dayOf(iso));
  d.setUTCMonth(d.getUTCMonth() + n);
  return isoDay(d.getTime());
}
const addYears = (iso: string, n: number) => addMonths(iso, 12 * n);
/** Whole calendar months from `from` to `to` (both YYYY-MM-DD), counting a started month. */
export function monthsBetween(from: string, to: string): number {
  const [fy, fm] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  const [ty, tm] = [Number(to.slice(0, 4)), Number(to.slice(5, 7))];
  return Math.max(0, (ty - fy) * 12 + (tm - fm) + 1);
}
/** The Solar Hijri year a Gregorian date falls in (the year turns at Nowruz, about 21 March). */
const hijriYear = (iso: string) => Number(iso.slice(0, 4)) - (iso.slice(5) >= '03-21' ? 621 : 622);
const minIso = (a: string, b: string) => (a < b ? a : b);
const maxIso = (a: string, b: string) => (a > b ? a : b);

// ---- the seeded generator ----
class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  digits(n: number, alphabet = '0123456789'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
  dateBetween(from: string, to: string): string {
    const a = dayOf(from);
    const b = dayOf(to);
    return b <= a ? from : isoDay(a + Math.floor(this.next() * ((b - a) / DAY + 1)) * DAY);
  }
}

/** Generates the whole demo country. Pure: the same output at every call. */
export function generateDemoWorld(): DemoWorld {
  const rng = new Rng(DEMO_SEED);
  const w: DemoWorld = { people: [], lines: [], vehicles: [], fines: [], addresses: [], insurance: [], certificates: [], licences: [] };
  const used = { codes: new Set<string>(), mobiles: new Set<string>(), plates: new Set<string>(), postal: new Set<string>(), certs: new Set<string>() };
  let fineSeq = 0;
  const fineNumber = () => `RV-${String(++fineSeq).padStart(8, '0')}`;
  const periodOf = new Map<string, number>();

  const addPerson = (p: PersonRow) => {
    used.codes.add(p.national_code);
    w.people.push(p);
  };
  const addLine = (national_code: string, mobile: string, registered_at: string, operator: Operator = operatorOf(mobile)) => {
    used.mobiles.add(mobile);
    w.lines.push({ mobile, national_code, operator, registered_at });
  };
  const addInsurance = (national_code: string, employer: readonly [string, string], start: string, end: string | null, horizon: string) => {
    const period = (periodOf.get(national_code) ?? 0) + 1;
    periodOf.set(national_code, period);
    const employerIndex = W.EMPLOYERS.indexOf(employer as (typeof W.EMPLOYERS)[number]);
    w.insurance.push({
      national_code, period, employer_fa: employer[0], employer_en: employer[1],
      // a workshop code (کد کارگاه) per employer, stable: 10 digits
      workshop_code: String(1_000_000_000 + 7_919 * (employerIndex + 1) * 1_009),
      start_date: start, end_date: end, months: monthsBetween(start, end ?? horizon),
    });
  };
  const addCertificate = (national_code: string, number: string, university: readonly [string, string], degree: Degree, field: readonly [string, string], graduation_date: string) => {
    used.certs.add(number);
    w.certificates.push({ certificate_number: number, national_code, university_fa: university[0], university_en: university[1], degree, field_fa: field[0], field_en: field[1], graduation_date });
  };

  // ---- the documented fixtures ----
  const F = DEMO_FIXTURES;
  const name = (fa: string, en: string) => ({ fa, en });
  const fixture = (code: string, kind: 'citizen' | 'foreign', first: ReturnType<typeof name>, last: ReturnType<typeof name>, father: ReturnType<typeof name>, gender: 'male' | 'female', birth: string, death: string | null) =>
    addPerson({ national_code: code, kind, first_name_fa: first.fa, first_name_en: first.en, last_name_fa: last.fa, last_name_en: last.en, father_name_fa: father.fa, father_name_en: father.en, gender, birth_date: birth, alive: death ? 0 : 1, death_date: death });

  fixture(F.person.nationalCode, 'citizen', name('علی', 'Ali'), name('رضایی', 'Rezaei'), name('حسن', 'Hassan'), 'male', '1990-03-21', null);
  addLine(F.person.nationalCode, F.person.mobile, '2012-06-10');
  const demoPlate = plateFromParts('12', 'ب', '345', '67');
  used.plates.add(demoPlate.plateId);
  w.vehicles.push({ plate_id: demoPlate.plateId, plate: demoPlate.plate, national_code: F.person.nationalCode, make_fa: 'پژو ۲۰۶', make_en: 'Peugeot 206', model_year: 2016, color_fa: 'سفید', color_en: 'white', registered_at: '2016-09-01' });
  const red = W.VIOLATIONS[0]!;
  const parking = W.VIOLATIONS[2]!;
  w.fines.push(
    { fine_number: fineNumber(), plate_id: demoPlate.plateId, committed_at: '2026-09-14T08:12:00.000Z', violation_code: red.code, violation_fa: red.fa, violation_en: red.en, amount: red.amount, location_fa: 'تهران، خیابان ولیعصر', location_en: 'Tehran, Valiasr St', paid: 0 },
    { fine_number: fineNumber(), plate_id: demoPlate.plateId, committed_at: '2025-05-02T17:40:00.000Z', violation_code: parking.code, violation_fa: parking.fa, violation_en: parking.en, amount: parking.amount, location_fa: 'تهران، خیابان انقلاب', location_en: 'Tehran, Enghelab St', paid: 1 },
  );
  used.postal.add(F.person.postalCode);
  w.addresses.push({ postal_code: F.person.postalCode, national_code: F.person.nationalCode, province_fa: 'تهران', province_en: 'Tehran', city_fa: 'تهران', city_en: 'Tehran', street_fa: 'خیابان ولیعصر، کوچه ۱۲', street_en: 'Valiasr St, Alley 12', building_number: '45', unit: '3' });
  addInsurance(F.person.nationalCode, W.EMPLOYERS[8]!, '2013-09-01', '2018-02-28', DEMO_REFERENCE_DATE);
  addInsurance(F.person.nationalCode, W.EMPLOYERS[0]!, '2018-04-01', null, DEMO_REFERENCE_DATE);
  addCertificate(F.person.nationalCode, F.person.certificateNumber, W.UNIVERSITIES[0]!, 'bachelor', W.FIELDS[0]!, '2012-07-15');

  fixture(F.deceased.nationalCode, 'citizen', name('حسین', 'Hossein'), name('کریمی', 'Karimi'), name('محمد', 'Mohammad'), 'male', '1941-05-10', '2023-02-14');
  addLine(F.deceased.nationalCode, F.deceased.mobile, '2006-01-15');
  fixture(F.withoutMobile.nationalCode, 'citizen', name('زهرا', 'Zahra'), name('احمدی', 'Ahmadi'), name('علی', 'Ali'), 'female', '1985-09-01', null);
  fixture(F.foreign.nationalCode, 'foreign', name('احمد', 'Ahmad'), name('نوروزی', 'Nowrouzi'), name('محمود', 'Mahmoud'), 'male', '1988-01-12', null);
  addLine(F.foreign.nationalCode, F.foreign.mobile, '2019-03-01');

  // ---- everyone else ----
  const newMobile = (): string => {
    for (;;) {
      const op: Operator = rng.chance(0.5) ? 'MCI' : rng.chance(0.8) ? 'Irancell' : 'Rightel';
      const m = rng.pick(operatorPrefixes(op)) + rng.digits(7);
      if (!used.mobiles.has(m)) return m;
    }
  };
  const newCitizenCode = (prefixes: readonly string[]): string => {
    for (;;) {
      const first9 = rng.pick(prefixes) + rng.digits(6);
      const code = first9 + nationalCodeCheckDigit(first9);
      if (!used.codes.has(code) && !/^(\d)\1{9}$/.test(code)) return code;
    }
  };
  const newForeignCode = (): string => {
    for (;;) {
      const code = String(rng.int(1, 9)) + rng.digits(11);
      if (!used.codes.has(code)) return code;
    }
  };
  // The first five digits of a postal code use neither 0 nor 2, nor 5 in the fifth place; the rest no 2.
  const newPostal = (first: string): string => {
    for (;;) {
      const code = first + rng.digits(3, '1346789') + rng.digits(1, '134679') + rng.digits(5, '01346789');
      if (!used.postal.has(code)) return code;
    }
  };
  const newPlate = () => {
    for (;;) {
      const p = plateFromParts(rng.digits(2, '123456789'), rng.pick(W.PLATE_LETTERS_USED), rng.digits(3, '123456789'), String(rng.int(10, 99)));
      if (!used.plates.has(p.plateId)) {
        used.plates.add(p.plateId);
        return p;
      }
    }
  };
  const newCertNumber = (graduation: string) => {
    for (;;) {
      const n = `${hijriYear(graduation)}-${rng.digits(6)}`;
      if (!used.certs.has(n)) return n;
    }
  };

  const adultSince = addYears(DEMO_REFERENCE_DATE, -18);
  const count = { citizen: w.people.filter((p) => p.kind === 'citizen').length, foreign: w.people.filter((p) => p.kind === 'foreign').length };
  while (count.citizen < DEMO_CITIZENS || count.foreign < DEMO_FOREIGN_NATIONALS) {
    const foreign = count.citizen >= DEMO_CITIZENS;
    count[foreign ? 'foreign' : 'citizen']++;
    const gender = rng.chance(0.5) ? 'male' : 'female';
    const first = rng.pick(foreign ? (gender === 'male' ? W.FOREIGN_MALE_NAMES : W.FOREIGN_FEMALE_NAMES) : gender === 'male' ? W.MALE_NAMES : W.FEMALE_NAMES);
    const last = rng.pick(foreign ? W.FOREIGN_LAST_NAMES : W.LAST_NAMES);
    const father = rng.pick(foreign ? W.FOREIGN_MALE_NAMES : W.MALE_NAMES);
    const birth = rng.dateBetween('1945-01-01', '2016-12-31');
    const city = rng.pick(W.CITIES);
    const code = foreign ? newForeignCode() : newCitizenCode(city.codePrefixes);
    const olderThan60 = birth < addYears(DEMO_REFERENCE_DATE, -60);
    const earliestDeath = maxIso(addYears(birth, 1), '2010-01-01');
    const deathDate = rng.chance(olderThan60 ? 0.12 : 0.01) && earliestDeath < '2026-09-30' ? rng.dateBetween(earliestDeath, '2026-09-30') : null;
    addPerson({ national_code: code, kind: foreign ? 'foreign' : 'citizen', first_name_fa: first[0], first_name_en: first[1], last_name_fa: last[0], last_name_en: last[1], father_name_fa: father[0], father_name_en: father[1], gender, birth_date: birth, alive: deathDate ? 0 : 1, death_date: deathDate });

    const adult = birth <= adultSince;
    if (!adult) continue;
    const horizon = deathDate ?? DEMO_REFERENCE_DATE;
    const alive = !deathDate;
    const eighteen = addYears(birth, 18);

    // Mobile lines: most living adults one, some two, some none; a dead person's lines are cancelled.
    if (alive && rng.chance(0.9)) {
      const count = rng.chance(0.25) ? 2 : 1;
      for (let k = 0; k < count; k++) addLine(code, newMobile(), rng.dateBetween(maxIso(eighteen, '2005-01-01'), DEMO_REFERENCE_DATE));
    }
    if (alive) {
      w.addresses.push({
        postal_code: newPostal(city.postal), national_code: code, province_fa: city.province[0], province_en: city.province[1], city_fa: city.city[0], city_en: city.city[1],
        ...(() => {
          const street = rng.pick(W.STREETS);
          const alley = rng.int(1, 40);
          return { street_fa: `${street[0]}، کوچه ${String(alley).replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d)))}`, street_en: `${street[1]}, Alley ${alley}` };
        })(),
        building_number: String(rng.int(1, 220)), unit: rng.chance(0.6) ? String(rng.int(1, 24)) : null,
      });
    }
    if (alive && rng.chance(foreign ? 0.15 : 0.35)) {
      for (let k = 0, n = rng.chance(0.2) ? 2 : 1; k < n; k++) {
        const p = newPlate();
        const make = rng.pick(W.CAR_MAKES);
        const color = rng.pick(W.CAR_COLORS);
        const year = rng.int(Math.max(2000, Number(eighteen.slice(0, 4))), 2026);
        const registered = rng.dateBetween(`${year}-01-01`, DEMO_REFERENCE_DATE);
        w.vehicles.push({ plate_id: p.plateId, plate: p.plate, national_code: code, make_fa: make[0], make_en: make[1], model_year: year, color_fa: color[0], color_en: color[1], registered_at: registered });
        for (let f = rng.int(0, 3); f > 0; f--) {
          const v = rng.pick(W.VIOLATIONS);
          const street = rng.pick(W.STREETS);
          const when = rng.dateBetween(maxIso(registered, '2023-11-01'), DEMO_REFERENCE_DATE);
          w.fines.push({
            fine_number: fineNumber(), plate_id: p.plateId, committed_at: `${when}T${String(rng.int(6, 22)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}:00.000Z`,
            violation_code: v.code, violation_fa: v.fa, violation_en: v.en, amount: v.amount,
            location_fa: `${city.city[0]}، ${street[0]}`, location_en: `${city.city[1]}, ${street[1]}`, paid: rng.chance(0.3) ? 1 : 0,
          });
        }
      }
    }
    // Social security: one to three periods of work after the age of twenty.
    const twenty = addYears(birth, 20);
    if (twenty < addYears(horizon, -1) && rng.chance(0.55)) {
      let start = rng.dateBetween(twenty, addYears(horizon, -1));
      for (let k = 0, n = rng.int(1, 3); k < n && start < horizon; k++) {
        const months = rng.int(3, 72);
        let end: string | null = addMonths(start, months);
        end = isoDay(dayOf(end) - DAY);
        const last = k === n - 1;
        if (end >= horizon || (last && alive && rng.chance(0.5))) end = alive ? null : minIso(end, horizon);
        addInsurance(code, rng.pick(W.EMPLOYERS), start, end, horizon);
        if (!end) break;
        start = addMonths(end, rng.int(1, 12));
      }
    }
    // Higher education: a first degree, and for some a master's and a doctorate after it.
    if (!foreign || rng.chance(0.3)) {
      if (addYears(birth, 22) < horizon && rng.chance(0.4)) {
        const steps: [Degree, number][] = rng.chance(0.15) ? [['associate', rng.int(20, 23)]] : [['bachelor', rng.int(22, 26)]];
        if (steps[0]![0] === 'bachelor' && rng.chance(0.35)) {
          steps.push(['master', steps[0]![1] + rng.int(2, 3)]);
          if (rng.chance(0.25)) steps.push(['doctorate', steps[1]![1] + rng.int(4, 5)]);
        }
        for (const [degree, age] of steps) {
          const graduation = rng.dateBetween(`${Number(birth.slice(0, 4)) + age}-06-01`, `${Number(birth.slice(0, 4)) + age}-09-30`);
          if (graduation >= horizon) break;
          addCertificate(code, newCertNumber(graduation), rng.pick(W.UNIVERSITIES), degree, rng.pick(W.FIELDS), graduation);
        }
      }
    }
  }
  w.licences = drivingLicences(w);
  return w;
}

/** A smart licence is valid ten years; the demo's are all current (renewed when they ran out). */
const LICENCE_YEARS = 10;

/**
 * Driving licences, drawn after everything else from a generator of their own, so adding them left
 * every other record of the country as it was: every living adult who owns a car holds a car licence,
 * about half of the others too, and some men a motorcycle licence.
 */
function drivingLicences(w: Omit<DemoWorld, 'licences'>): DemoWorld['licences'] {
  const rng = new Rng(DEMO_SEED ^ 0x11c3_0de5);
  const out: DemoWorld['licences'] = [];
  const used = new Set<string>([DEMO_FIXTURES.person.licenceNumber]);
  const owners = new Set(w.vehicles.map((v) => v.national_code));
  const adultSince = addYears(DEMO_REFERENCE_DATE, -18);
  const add = (national_code: string, licence_number: string, cls: LicenceClass, issued_at: string) => {
    used.add(licence_number);
    out.push({ licence_number, national_code, class: cls, issued_at, expires_at: addYears(issued_at, LICENCE_YEARS) });
  };
  const newNumber = (): string => {
    for (;;) {
      const n = rng.digits(1, '123456789') + rng.digits(9);
      if (!used.has(n)) return n;
    }
  };
  const issued = (birth: string) => rng.dateBetween(maxIso(addYears(birth, 18), isoDay(dayOf(addYears(DEMO_REFERENCE_DATE, -LICENCE_YEARS)) + DAY)), DEMO_REFERENCE_DATE);
  const ali = DEMO_FIXTURES.person.nationalCode;
  add(ali, DEMO_FIXTURES.person.licenceNumber, 'grade2', '2019-04-20');
  for (const p of w.people) {
    if (!p.alive || p.national_code === ali || p.birth_date > adultSince) continue;
    if (owners.has(p.national_code) || rng.chance(0.5)) add(p.national_code, newNumber(), rng.chance(0.7) ? 'grade3' : rng.chance(0.85) ? 'grade2' : 'grade1', issued(p.birth_date));
    if (p.gender === 'male' && rng.chance(0.12)) add(p.national_code, newNumber(), 'motorcycle', issued(p.birth_date));
  }
  return out;
}
