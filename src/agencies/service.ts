import type { Kysely } from 'kysely';
import { writeAudit } from '../platform/audit.js';
import { nowIso } from '../platform/db.js';
import { AppError, conflict, invalid } from '../platform/errors.js';
import { parseMobile, parsePersonCode } from '../platform/national-code.js';
import { normalizeText, toLatinDigits } from '../platform/text.js';
import { DEMO_FIXTURES, generateDemoWorld } from './generator.js';
import { operatorOf, type CivilRegistry, type Localized, type MobileOwnershipRegister, type RegistryPerson } from './model.js';
import { FEMALE_NAMES, FOREIGN_FEMALE_NAMES, FOREIGN_MALE_NAMES, MALE_NAMES } from './names.js';
import * as store from './store.js';

/**
 * The demo country's agencies in one object: the civil registry and the mobile ownership register the
 * identity provider asks, the synthetic data they hold, and adding a person by hand for a demo.
 */

export function toRegistryPerson(r: store.PersonRecord): RegistryPerson {
  return {
    nationalCode: r.national_code,
    kind: r.kind,
    firstName: { fa: r.first_name_fa, en: r.first_name_en },
    lastName: { fa: r.last_name_fa, en: r.last_name_en },
    fatherName: { fa: r.father_name_fa, en: r.father_name_en },
    gender: r.gender,
    birthDate: r.birth_date,
    alive: Number(r.alive) === 1,
    deathDate: r.death_date,
  };
}

/** A name in Persian, in English, or both; a name given in one script only is stored as it is for both. */
export type NameInput = string | { fa?: string; en?: string };

export interface NewPerson {
  nationalCode: string;
  mobile: string;
  firstName: NameInput;
  lastName: NameInput;
  /** YYYY-MM-DD (Gregorian); Persian digits accepted. */
  birthDate: string;
  fatherName?: NameInput;
  gender?: string;
}

export interface SeedResult {
  /** False when the country was already there and nothing was written. */
  seeded: boolean;
  people: number;
  lines: number;
  /** The documented person to sign in as. */
  demoPerson: { nationalCode: string; mobile: string };
}

const PERSIAN_LETTER = /\p{Script=Arabic}/u;
const LATIN_LETTER = /\p{Script=Latin}/u;
/** Letters of the Persian or Latin script, combining marks, ZWNJ, space, hyphen, apostrophe, dot; no digits, nothing else. */
const NAME_CHARS = /^(?:(?=\p{L})[\p{Script=Arabic}\p{Script=Latin}]|\p{M}|[\u200c '’.-])+$/u;

function nameError(field: string): AppError {
  return invalid(
    'invalid_name',
    `${FIELD_FA[field] ?? field} باید ۱ تا ۵۰ حرف فارسی یا لاتین باشد (بدون رقم و نشانه).`,
    `The ${FIELD_EN[field] ?? field} must be 1 to 50 Persian or Latin letters (no digits or symbols).`,
    [{ field, reason: 'letters only, one script' }],
  );
}
const FIELD_FA: Record<string, string> = { firstName: 'نام', lastName: 'نام خانوادگی', fatherName: 'نام پدر' };
const FIELD_EN: Record<string, string> = { firstName: 'first name', lastName: 'last name', fatherName: "father's name" };

function cleanName(raw: unknown, field: string, script: 'fa' | 'en' | 'any'): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string') throw nameError(field);
  const s = normalizeText(raw).replace(/\s+/g, ' ').trim();
  if (s === '') return null;
  const fa = PERSIAN_LETTER.test(s);
  const en = LATIN_LETTER.test(s);
  if (s.length > 50 || !NAME_CHARS.test(s) || (!fa && !en) || (fa && en) || (script === 'fa' && !fa) || (script === 'en' && !en)) throw nameError(field);
  return s;
}

/** Both spellings of a name; one given spelling serves for both. */
function parseName(input: NameInput | undefined, field: string, required: boolean): Localized {
  let fa: string | null;
  let en: string | null;
  if (typeof input === 'object' && input !== null) {
    fa = cleanName(input.fa, field, 'fa');
    en = cleanName(input.en, field, 'en');
  } else {
    const s = cleanName(input, field, 'any');
    fa = s && PERSIAN_LETTER.test(s) ? s : null;
    en = s && !fa ? s : null;
  }
  if (!fa && !en) {
    if (required) throw nameError(field);
    return { fa: '', en: '' };
  }
  return { fa: fa ?? en!, en: en ?? fa! };
}

function parseBirthDate(raw: unknown): string {
  const s = typeof raw === 'string' ? toLatinDigits(raw.trim()) : '';
  const t = /^\d{4}-\d{2}-\d{2}$/.test(s) ? Date.parse(`${s}T00:00:00Z`) : NaN;
  // Date.parse rolls 30 February over to March: a real date is one that comes back unchanged.
  const ok = !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s && s >= '1900-01-01' && s <= nowIso().slice(0, 10);
  if (!ok) {
    throw invalid('invalid_birth_date', 'تاریخ تولد باید به شکل YYYY-MM-DD (میلادی)، روزی واقعی از ۱۹۰۰ تا امروز باشد.', 'The birth date must be a real Gregorian date written YYYY-MM-DD, from 1900 up to today.', [{ field: 'birthDate', reason: 'YYYY-MM-DD' }]);
  }
  return s;
}

const KNOWN_FIRST_NAMES = new Map<string, 'male' | 'female'>();
for (const [list, g] of [[MALE_NAMES, 'male'], [FOREIGN_MALE_NAMES, 'male'], [FEMALE_NAMES, 'female'], [FOREIGN_FEMALE_NAMES, 'female']] as const) {
  for (const [fa, en] of list) {
    KNOWN_FIRST_NAMES.set(fa, g);
    KNOWN_FIRST_NAMES.set(en.toLowerCase(), g);
  }
}

function parseGender(raw: unknown, firstName: Localized): 'male' | 'female' {
  if (raw === undefined || raw === null || raw === '') {
    // Registries always record a gender; when none is given we take it from a first name we know rather than guess.
    const known = KNOWN_FIRST_NAMES.get(firstName.fa) ?? KNOWN_FIRST_NAMES.get(firstName.en.toLowerCase());
    if (known) return known;
    throw invalid('gender_required', 'جنسیت را مشخص کنید (male یا female).', 'Give the gender (male or female): it cannot be told from this first name.', [{ field: 'gender', reason: 'required' }]);
  }
  const g = String(raw).trim().toLowerCase();
  if (g === 'male' || g === 'female') return g;
  throw invalid('invalid_gender', 'جنسیت باید male یا female باشد.', 'The gender must be male or female.', [{ field: 'gender', reason: 'male or female' }]);
}

export class DemoAgencies {
  readonly db: store.AgencyDb;
  readonly civilRegistry: CivilRegistry;
  readonly mobileRegister: MobileOwnershipRegister;

  constructor(db: Kysely<any>) {
    this.db = db as store.AgencyDb;
    const agencyDb = this.db;
    this.civilRegistry = {
      async person(nationalCode) {
        const id = parsePersonCode(nationalCode);
        const row = id && (await store.findPerson(agencyDb, id.code));
        return row ? toRegistryPerson(row) : null;
      },
    };
    this.mobileRegister = {
      async isRegisteredTo(mobile, nationalCode) {
        const m = parseMobile(mobile);
        const id = parsePersonCode(nationalCode);
        return !!m && !!id && (await store.lineOwner(agencyDb, m)) === id.code;
      },
      async linesOf(nationalCode) {
        const id = parsePersonCode(nationalCode);
        return id ? (await store.linesOf(agencyDb, id.code)).map((l) => ({ mobile: l.mobile, operator: l.operator })) : [];
      },
    };
  }

  /** Loads the synthetic country into the agencies' tables unless it is already there (then does nothing). */
  async seed(actor = 'demo'): Promise<SeedResult> {
    const demoPerson = { nationalCode: DEMO_FIXTURES.person.nationalCode, mobile: DEMO_FIXTURES.person.mobile };
    if (await store.isSeeded(this.db)) {
      if (!(await store.isSeeded(this.db, store.LICENCES_SEED_NAME))) {
        const world = generateDemoWorld();
        await this.db.transaction().execute(async (trx) => {
          const licences = await store.insertLicences(trx, world, nowIso());
          await writeAudit(trx, { actor, action: 'agencies.demo.seed', subject: `seed:${store.LICENCES_SEED_NAME}`, detail: { licences } });
        });
      }
      return { seeded: false, people: 0, lines: 0, demoPerson };
    }
    const world = generateDemoWorld();
    await this.db.transaction().execute(async (trx) => {
      await store.insertWorld(trx, world, nowIso());
      await writeAudit(trx, { actor, action: 'agencies.demo.seed', subject: `seed:${store.DEMO_SEED_NAME}`, detail: { people: world.people.length, lines: world.lines.length } });
    });
    return { seeded: true, people: world.people.length, lines: world.lines.length, demoPerson };
  }

  /**
   * Adds a living person to the civil registry and registers a mobile line to them, for a demo. Every
   * field is checked; a national code already registered or a line owned by someone else is refused (409).
   */
  async addPerson(input: NewPerson, actor = 'cli'): Promise<RegistryPerson & { mobile: string; operator: string }> {
    const id = parsePersonCode(String(input.nationalCode ?? ''));
    if (!id) {
      throw invalid('invalid_national_code', 'کد ملی باید ۱۰ رقم با رقم کنترل درست باشد (یا کد فراگیر ۱۲ رقمی اتباع).', 'The national code must be 10 digits with a valid check digit (or a 12-digit foreign national code).', [{ field: 'nationalCode', reason: 'check digit' }]);
    }
    const mobile = parseMobile(String(input.mobile ?? ''));
    if (!mobile) throw invalid('invalid_mobile', 'شماره همراه باید به شکل 09XXXXXXXXX باشد.', 'The mobile number must be an Iranian mobile number (09XXXXXXXXX).', [{ field: 'mobile', reason: '09XXXXXXXXX' }]);
    const firstName = parseName(input.firstName, 'firstName', true);
    const lastName = parseName(input.lastName, 'lastName', true);
    const fatherName = parseName(input.fatherName, 'fatherName', false);
    const birthDate = parseBirthDate(input.birthDate);
    const gender = parseGender(input.gender, firstName);
    const operator = operatorOf(mobile);

    const checkFree = async (db: store.AgencyDb) => {
      if (await store.findPerson(db, id.code)) throw conflict('person_exists', 'این کد ملی قبلاً در ثبت احوال ثبت شده است.', `A person with national code ${id.code} is already registered.`);
      if (await store.lineOwner(db, mobile)) throw conflict('mobile_taken', 'این شماره همراه به نام شخص دیگری ثبت شده است.', `The mobile number ${mobile} is registered to someone else.`);
    };
    const person: RegistryPerson = { nationalCode: id.code, kind: id.kind, firstName, lastName, fatherName, gender, birthDate, alive: true, deathDate: null };
    try {
      await this.db.transaction().execute(async (trx) => {
        await checkFree(trx);
        const at = nowIso();
        await store.insertPerson(trx, {
          national_code: id.code, kind: id.kind, first_name_fa: firstName.fa, first_name_en: firstName.en, last_name_fa: lastName.fa, last_name_en: lastName.en,
          father_name_fa: fatherName.fa, father_name_en: fatherName.en, gender, birth_date: birthDate, alive: 1, death_date: null, created_at: at,
        });
        await store.insertLine(trx, { mobile, national_code: id.code, operator, registered_at: at });
        await writeAudit(trx, { actor, action: 'agencies.person.add', subject: `person:${id.code}`, detail: { kind: id.kind, mobile, operator } });
      });
    } catch (e) {
      if (e instanceof AppError) throw e;
      // Someone added the same person or line between our check and our insert: say which, as a 409.
      await checkFree(this.db);
      throw e;
    }
    return { ...person, mobile, operator };
  }

  async listPeople(limit = 20, offset = 0): Promise<(RegistryPerson & { mobiles: string[] })[]> {
    return (await store.listPeople(this.db, limit, offset)).map((r) => ({ ...toRegistryPerson(r), mobiles: r.mobiles }));
  }
}

/** Loads the demo country into an empty database; a no-op when it is already there. */
export const seedDemoAgencies = (db: Kysely<any>): Promise<SeedResult> => new DemoAgencies(db).seed();
