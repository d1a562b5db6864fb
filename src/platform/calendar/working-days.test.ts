import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Kysely } from 'kysely';
import { DATABASE_URL, freshDatabase } from '../../../test/harness.js';
import { openDatabase, type DatabaseHandle } from '../db.js';
import type { AppError } from '../errors.js';
import { migrate, platformMigrations } from '../migrations.js';
import { holidaysOf } from '../../../scripts/calendar-holidays.js';
import { calendarMigrations, demoHolidayFile, endOfTehranDay, fromJalali, HolidayStore, loadDemoHolidays, WorkingCalendar, WorkingDays } from './index.js';

let fresh: Awaited<ReturnType<typeof freshDatabase>>;
let database: DatabaseHandle;
let db: Kysely<any>;

before(async () => {
  fresh = await freshDatabase();
  database = openDatabase({ databaseUrl: DATABASE_URL, dataDir: fresh.dataDir }, { pgSchema: fresh.pgSchema });
  db = database.db;
  await migrate(db, database.dialect, [...platformMigrations, ...calendarMigrations]);
  const loaded = await loadDemoHolidays(db);
  assert.deepEqual(loaded.years, [1405, 1406]);
});
after(async () => {
  await database?.close();
  await fresh?.drop();
});

/** An instant at a Tehran wall-clock time of a Jalali day (Tehran is UTC+03:30). */
const at = (y: number, m: number, d: number, hhmm = '10:00') => new Date(`${fromJalali(y, m, d)}T${hhmm}:00+03:30`);
const endOf = (y: number, m: number, d: number) => endOfTehranDay(fromJalali(y, m, d)).toISOString();

const SOLAR = ['01-01', '01-02', '01-03', '01-04', '01-12', '01-13', '03-14', '03-15', '11-22', '12-29'];

test('the demo files load, each year with its solar holidays and about 26 days; loading again changes nothing', async () => {
  const store = new HolidayStore(db);
  for (const year of [1405, 1406]) {
    const list = await store.list({ jalaliYear: year });
    assert.ok(list.length >= 24 && list.length <= 28, `${year}: ${list.length} holidays`);
    assert.equal(list.length, (demoHolidayFile(year) as unknown[]).length);
    assert.deepEqual(holidaysOf(year), demoHolidayFile(year), `demo/calendar/${year}.json is what scripts/calendar-holidays.ts makes`);
    const solar = list.filter((h) => h.kind === 'solar').map((h) => h.jalali.slice(5));
    assert.deepEqual(solar, SOLAR, `${year}: the fixed solar holidays, kept 'solar' even when a lunar feast falls on them`);
    for (const h of list) {
      assert.equal(h.gregorian, fromJalali(Number(h.jalali.slice(0, 4)), Number(h.jalali.slice(5, 7)), Number(h.jalali.slice(8))));
      assert.ok(h.name.fa && h.name.en);
    }
    const names = list.map((h) => h.name.en).join('|');
    for (const feast of ['Tasua', 'Ashura', 'Arbaeen', 'Imam Reza', 'Eid al-Fitr', 'Eid al-Adha', 'Eid al-Ghadir', 'Martyrdom of Imam Ali', 'Birthday of Imam Ali', "Mab'ath", 'Imam Mahdi', 'Fatima', 'Imam Sadeq']) {
      assert.match(names, new RegExp(feast), `${year} has ${feast}`);
    }
  }
  assert.equal((await store.list({ jalaliYear: 1405 })).find((h) => h.jalali === '1405-01-01')?.name.en, 'Nowruz (New Year); Eid al-Fitr');
  const again = await loadDemoHolidays(db);
  assert.deepEqual(again, { added: 0, updated: 0, unchanged: 0, years: [] }, 'years already in the table are left alone');
  const audit = await db.selectFrom('audit_log').select(['actor', 'action']).where('action', '=', 'calendar.holidays.import').execute();
  assert.equal(audit.length, 2, 'one audit record per demo year');
});

test('Fridays and holidays are not working days; Thursdays and ordinary days are', async () => {
  const wd = new WorkingDays(db);
  assert.equal(await wd.isWorkingDay(fromJalali(1405, 9, 13)), false, '1405/09/13 is a Friday');
  assert.equal(await wd.isWorkingDay(fromJalali(1405, 11, 22)), false, '22 Bahman');
  assert.equal(await wd.isWorkingDay(fromJalali(1405, 4, 4)), false, 'Ashura 1405');
  assert.equal(await wd.isWorkingDay(fromJalali(1405, 9, 14)), true, 'a Saturday');
  assert.equal(await wd.isWorkingDay(fromJalali(1405, 9, 12)), true, 'a Thursday');
  // An instant counts as its day in Tehran: 21:00 UTC on Thursday is 00:30 on Friday there.
  assert.equal(await wd.isWorkingDay(new Date(`${fromJalali(1405, 9, 12)}T21:00:00Z`)), false);
  assert.equal(await wd.isWorkingDay(new Date(`${fromJalali(1405, 9, 12)}T20:00:00Z`)), true);
  // After Saturday 1405/11/17: Sun 18 … Wed 21 work, Thu 22 Bahman and Fri 23 do not, Sat 24 does.
  assert.equal(await wd.workingDaysBetween(fromJalali(1405, 11, 17), fromJalali(1405, 11, 24)), 5);
});

test('addWorkingDays across Nowruz 1406: from Thursday 1405/12/27, 5 working days end on 1406/01/10', async () => {
  const wd = new WorkingDays(db);
  // 28 Esfand Friday, 29 Esfand oil day, 1–4 Farvardin Nowruz; then 5 Farvardin (Thu), 7, 8, 9, 10 (6th is a Friday).
  const deadline = await wd.addWorkingDays(at(1405, 12, 27), 5);
  assert.equal(deadline.toISOString(), endOf(1406, 1, 10));
  assert.equal(deadline.toISOString(), '2027-03-30T20:29:59.999Z', '23:59:59.999 in Tehran');
  assert.equal((await wd.addWorkingDays(at(1405, 12, 27), 1)).toISOString(), endOf(1406, 1, 5));
  assert.equal(await wd.workingDaysBetween(at(1405, 12, 27), deadline), 5);
});

test('a submission on a Friday or a holiday starts counting from the next working day', async () => {
  const wd = new WorkingDays(db);
  // Friday 1405/09/13: Saturday 09/14 is working day 1.
  assert.equal((await wd.addWorkingDays(at(1405, 9, 13), 1)).toISOString(), endOf(1405, 9, 14));
  assert.equal((await wd.addWorkingDays(at(1405, 9, 13), 3)).toISOString(), endOf(1405, 9, 16));
  // The same on a working day: the submission's own day never counts.
  assert.equal((await wd.addWorkingDays(at(1405, 9, 14), 1)).toISOString(), endOf(1405, 9, 15));
  // On Nowruz 1406 (Sunday 1406/01/01): 5 Farvardin is day 1.
  assert.equal((await wd.addWorkingDays(at(1406, 1, 1), 1)).toISOString(), endOf(1406, 1, 5));
  // n = 0: the end of today if it is a working day, else of the next working day.
  assert.equal((await wd.addWorkingDays(at(1405, 9, 14), 0)).toISOString(), endOf(1405, 9, 14));
  assert.equal((await wd.addWorkingDays(at(1405, 9, 13), 0)).toISOString(), endOf(1405, 9, 14));
  for (const n of [-1, 1.5, Number.NaN, 100_000]) {
    await assert.rejects(wd.addWorkingDays(at(1405, 9, 13), n), (e: AppError) => e.status === 400 && e.code === 'invalid_working_days');
  }
});

test('a holiday the operator adds moves a deadline, on this node at once and on another after its TTL or reload()', async () => {
  let clock = 0;
  const here = new WorkingDays(db, { ttlMs: 60_000, now: () => clock });
  const otherNode = new WorkingDays(db, { ttlMs: 60_000, now: () => clock });
  const from = at(1405, 9, 14); // Saturday
  const before = endOf(1405, 9, 19); // 5 working days: Sunday 15 to Thursday 19
  assert.equal((await here.addWorkingDays(from, 5)).toISOString(), before);
  assert.equal((await otherNode.addWorkingDays(from, 5)).toISOString(), before);

  // A closure announced for Wednesday 1405/09/18 (air pollution, say).
  const added = await here.holidays.add({ jalali: '۱۴۰۵/۰۹/۱۸', name: { fa: 'تعطیلی به علت آلودگی هوا', en: 'Closed for air pollution' } }, 'operator');
  assert.equal(added.kind, 'other');
  assert.equal((await here.addWorkingDays(from, 5)).toISOString(), endOf(1405, 9, 21), 'Friday 20 skipped too');
  assert.equal((await otherNode.addWorkingDays(from, 5)).toISOString(), before, 'the other node still trusts its copy');
  clock += 60_000;
  assert.equal((await otherNode.addWorkingDays(from, 5)).toISOString(), endOf(1405, 9, 21), 'and reads the table once its TTL is over');

  await here.holidays.remove('1405/09/18', 'operator');
  await otherNode.reload();
  assert.equal((await otherNode.addWorkingDays(from, 5)).toISOString(), before, 'reload() reads the removal at once');

  const audit = await db.selectFrom('audit_log').select(['actor', 'action', 'subject']).where('subject', '=', `calendar_holidays/${fromJalali(1405, 9, 18)}`).orderBy('id').execute();
  assert.deepEqual(audit.map((a) => a.action), ['calendar.holiday.add', 'calendar.holiday.remove']);
  assert.ok(audit.every((a) => a.actor === 'operator'));
});

test('pausing and resuming a deadline: what remains is counted by the same rule', async () => {
  const wd = new WorkingDays(db);
  const submitted = at(1405, 9, 15); // Sunday
  const deadline = await wd.addWorkingDays(submitted, 10);
  assert.equal(await wd.remainingWorkingDays(submitted, deadline), 10);
  // Changes requested on Wednesday 1405/09/18, three working days in.
  const paused = at(1405, 9, 18, '14:00');
  const remaining = await wd.remainingWorkingDays(paused, deadline);
  assert.equal(remaining, 7);
  assert.equal((await wd.addWorkingDays(at(1405, 9, 18, '16:00'), remaining)).toISOString(), deadline.toISOString(), 'resumed the same day: the deadline stays');
  // The applicant answers on Sunday 1405/09/29: 7 working days from then.
  const resumed = await wd.addWorkingDays(at(1405, 9, 29), remaining);
  assert.equal(resumed.toISOString(), endOf(1405, 10, 8)); // 30 Azar, (1 Dey: Imam Ali's birthday), 2, 3, (4: Friday), 5, 6, 7, 8
  assert.equal(await wd.remainingWorkingDays(at(1405, 9, 29), resumed), 7);
  // Overdue: remaining is 0, the signed count says by how much.
  assert.equal(await wd.remainingWorkingDays(at(1405, 10, 10), resumed), 0);
  assert.equal(await wd.workingDaysBetween(at(1405, 10, 10), resumed), -2);
});

test('the holidays table: conflicts, unknown days, bad files refused whole, imports idempotent', async () => {
  const store = new HolidayStore(db);
  await assert.rejects(store.add({ jalali: '1405/01/01', name: { fa: 'x', en: 'x' }, kind: 'solar' }, 'operator'), (e: AppError) => e.status === 409 && e.code === 'holiday_exists');
  await assert.rejects(store.remove('1405/09/10', 'operator'), (e: AppError) => e.status === 404);
  await assert.rejects(store.add({ jalali: '1405/12/30', name: { fa: 'x', en: 'x' } }, 'operator'), (e: AppError) => e.status === 400);
  await assert.rejects(store.add({ jalali: '1405/09/10', name: { fa: ' ', en: 'x' } }, 'operator'), (e: AppError) => e.status === 400 && e.code === 'invalid_holiday');

  const before = (await store.list()).length;
  const bad = [
    { jalali: '1407-01-01', name: { fa: 'آغاز نوروز', en: 'Nowruz' }, kind: 'solar' },
    { jalali: '1407-13-01', name: { fa: 'x', en: 'x' }, kind: 'solar' },
    { jalali: '1407-01-02', name: { fa: 'x' }, kind: 'weekly' },
    { jalali: '۱۴۰۷/۰۱/۰۱', name: { fa: 'x', en: 'x' } },
  ];
  await assert.rejects(store.import(bad, { actor: 'operator' }), (e: AppError) => {
    const problems = e.details as string[];
    return e.status === 400 && e.code === 'invalid_holidays' && problems.some((p) => p.startsWith('[1] jalali')) && problems.some((p) => p.startsWith('[2] name.en')) && problems.some((p) => p.startsWith('[2] kind')) && problems.some((p) => p.startsWith('[3] jalali') && /also entry \[0\]/.test(p));
  });
  await assert.rejects(store.import({ not: 'an array' }, { actor: 'operator' }), (e: AppError) => e.code === 'invalid_holidays');
  assert.equal((await store.list()).length, before, 'nothing imported');

  const good = [{ jalali: '۱۴۰۷/۰۱/۰۱', name: { fa: 'آغاز نوروز', en: 'Nowruz' }, kind: 'solar' }];
  assert.deepEqual(await store.import(good, { actor: 'operator' }), { added: 1, updated: 0, unchanged: 0 });
  assert.deepEqual(await store.import(good, { actor: 'operator' }), { added: 0, updated: 0, unchanged: 1 });
  assert.deepEqual(await store.import([{ ...good[0], name: { fa: 'نوروز', en: 'Nowruz' } }], { actor: 'operator' }), { added: 0, updated: 1, unchanged: 0 });
  assert.equal((await store.get('1407/1/1'))?.name.fa, 'نوروز');
  assert.deepEqual(new WorkingCalendar(await store.list()).coveredJalaliYears, [1405, 1406, 1407]);
  await store.remove('1407/01/01', 'operator');
});
