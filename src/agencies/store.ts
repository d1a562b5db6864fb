import type { Insertable, Kysely, Selectable } from 'kysely';
import type { DemoWorld } from './generator.js';
import type { AgencyTable, AgencyTables } from './tables.js';

/** SQL of the demo agencies. Every function takes a Kysely or a transaction, so callers decide the unit of work. */
export type AgencyDb = Kysely<AgencyTables>;
export type PersonRecord = Selectable<AgencyTables['agency_people']>;

export const DEMO_SEED_NAME = 'demo-country-v1';
/** Driving licences came after the first countries were loaded: their own mark, so a country loaded before gets them once. */
export const LICENCES_SEED_NAME = 'demo-driving-licences-v1';

export async function isSeeded(db: AgencyDb, name = DEMO_SEED_NAME): Promise<boolean> {
  return (await db.selectFrom('agency_seeds').select('name').where('name', '=', name).executeTakeFirst()) !== undefined;
}

/** Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits at 13 columns a row. */
const CHUNK = 300;

async function insertAll<T extends AgencyTable>(db: AgencyDb, table: T, rows: Insertable<AgencyTables[T]>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    // A row already there (a person or line added by hand before the first seed, or a second node seeding
    // at the same moment) is left as it is.
    await (db as Kysely<any>).insertInto(table).values(rows.slice(i, i + CHUNK)).onConflict((oc) => oc.doNothing()).execute();
  }
}

/** Writes the whole synthetic country and its seed mark; call inside a transaction. */
export async function insertWorld(db: AgencyDb, world: DemoWorld, createdAt: string): Promise<void> {
  // One millisecond apart, so listing by creation keeps the generator's order (documented people first).
  const base = Date.parse(createdAt);
  await insertAll(db, 'agency_people', world.people.map((p, i) => ({ ...p, created_at: new Date(base + i).toISOString() })));
  await insertAll(db, 'agency_mobile_lines', world.lines);
  await insertAll(db, 'agency_vehicles', world.vehicles);
  await insertAll(db, 'agency_fines', world.fines);
  await insertAll(db, 'agency_addresses', world.addresses);
  await insertAll(db, 'agency_insurance_records', world.insurance);
  await insertAll(db, 'agency_certificates', world.certificates);
  await insertAll(db, 'agency_driving_licences', world.licences);
  await insertAll(db, 'agency_seeds', [{ name: DEMO_SEED_NAME, seeded_at: createdAt }, { name: LICENCES_SEED_NAME, seeded_at: createdAt }]);
}

/**
 * The driving licences of a country loaded before they existed, and their mark; call inside a
 * transaction. Only the licences of people still in the registry (the generated ones) are written.
 */
export async function insertLicences(db: AgencyDb, world: DemoWorld, createdAt: string): Promise<number> {
  const codes = new Set(world.licences.map((l) => l.national_code));
  const present = new Set<string>();
  const list = [...codes];
  for (let i = 0; i < list.length; i += CHUNK) {
    const rows = await db.selectFrom('agency_people').select('national_code').where('national_code', 'in', list.slice(i, i + CHUNK)).execute();
    for (const r of rows) present.add(r.national_code);
  }
  const licences = world.licences.filter((l) => present.has(l.national_code));
  await insertAll(db, 'agency_driving_licences', licences);
  await insertAll(db, 'agency_seeds', [{ name: LICENCES_SEED_NAME, seeded_at: createdAt }]);
  return licences.length;
}

export async function findPerson(db: AgencyDb, nationalCode: string): Promise<PersonRecord | undefined> {
  return db.selectFrom('agency_people').selectAll().where('national_code', '=', nationalCode).executeTakeFirst();
}

export async function linesOf(db: AgencyDb, nationalCode: string) {
  return db.selectFrom('agency_mobile_lines').selectAll().where('national_code', '=', nationalCode).orderBy('registered_at').orderBy('mobile').execute();
}

export async function lineOwner(db: AgencyDb, mobile: string): Promise<string | null> {
  const row = await db.selectFrom('agency_mobile_lines').select('national_code').where('mobile', '=', mobile).executeTakeFirst();
  return row?.national_code ?? null;
}

export async function vehiclesOf(db: AgencyDb, nationalCode: string) {
  return db.selectFrom('agency_vehicles').selectAll().where('national_code', '=', nationalCode).orderBy('registered_at').orderBy('plate_id').execute();
}

export async function findVehicle(db: AgencyDb, plateId: string) {
  return db.selectFrom('agency_vehicles').selectAll().where('plate_id', '=', plateId).executeTakeFirst();
}

export async function finesOf(db: AgencyDb, plateId: string) {
  return db.selectFrom('agency_fines').selectAll().where('plate_id', '=', plateId).orderBy('committed_at', 'desc').orderBy('fine_number').execute();
}

export async function findAddress(db: AgencyDb, postalCode: string) {
  return db.selectFrom('agency_addresses').selectAll().where('postal_code', '=', postalCode).executeTakeFirst();
}

export async function insuranceOf(db: AgencyDb, nationalCode: string) {
  return db.selectFrom('agency_insurance_records').selectAll().where('national_code', '=', nationalCode).orderBy('period').execute();
}

export async function findCertificate(db: AgencyDb, certificateNumber: string) {
  return db.selectFrom('agency_certificates').selectAll().where('certificate_number', '=', certificateNumber).executeTakeFirst();
}

export async function certificatesOf(db: AgencyDb, nationalCode: string) {
  return db.selectFrom('agency_certificates').selectAll().where('national_code', '=', nationalCode).orderBy('graduation_date').orderBy('certificate_number').execute();
}

export async function licencesOf(db: AgencyDb, nationalCode: string) {
  return db.selectFrom('agency_driving_licences').selectAll().where('national_code', '=', nationalCode).orderBy('issued_at').orderBy('licence_number').execute();
}

/** People in a stable order (the documented demo people first: they were written first), with their lines. */
export async function listPeople(db: AgencyDb, limit: number, offset = 0): Promise<(PersonRecord & { mobiles: string[] })[]> {
  const people = await db.selectFrom('agency_people').selectAll().orderBy('created_at').orderBy('national_code').limit(limit).offset(offset).execute();
  if (people.length === 0) return [];
  const lines = await db
    .selectFrom('agency_mobile_lines')
    .select(['mobile', 'national_code'])
    .where('national_code', 'in', people.map((p) => p.national_code))
    .orderBy('registered_at')
    .orderBy('mobile')
    .execute();
  return people.map((p) => ({ ...p, mobiles: lines.filter((l) => l.national_code === p.national_code).map((l) => l.mobile) }));
}

export async function insertPerson(db: AgencyDb, person: Insertable<AgencyTables['agency_people']>): Promise<void> {
  await db.insertInto('agency_people').values(person).execute();
}

export async function insertLine(db: AgencyDb, line: Insertable<AgencyTables['agency_mobile_lines']>): Promise<void> {
  await db.insertInto('agency_mobile_lines').values(line).execute();
}
