import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { DATABASE_URL, freshDatabase } from '../../test/harness.js';
import { openDatabase, type DatabaseHandle } from '../platform/db.js';
import type { AppError } from '../platform/errors.js';
import { migrate, platformMigrations } from '../platform/migrations.js';
import { DEMO_CALENDAR_DIR, HolidayStore, calendarMigrations } from '../platform/calendar/index.js';
import { addHoliday, importHolidays, listHolidays, removeHoliday } from './calendar.js';

let fresh: Awaited<ReturnType<typeof freshDatabase>>;
let database: DatabaseHandle;
let store: HolidayStore;

before(async () => {
  fresh = await freshDatabase();
  database = openDatabase({ databaseUrl: DATABASE_URL, dataDir: fresh.dataDir }, { pgSchema: fresh.pgSchema });
  await migrate(database.db, database.dialect, [...platformMigrations, ...calendarMigrations]);
  store = new HolidayStore(database.db);
});
after(async () => {
  await database?.close();
  await fresh?.drop();
});

test('import, list, add, remove: what the commands print and write', async () => {
  const file = path.join(fresh.dataDir, '1405.json');
  fs.copyFileSync(path.join(DEMO_CALENDAR_DIR, '1405.json'), file);
  const count = (JSON.parse(fs.readFileSync(file, 'utf8')) as unknown[]).length;
  assert.equal(await importHolidays(store, file), `Imported ${file}: ${count} added, 0 updated, 0 unchanged.`);
  assert.equal(await importHolidays(store, file), `Imported ${file}: 0 added, 0 updated, ${count} unchanged.`);

  const listed = await listHolidays(store, { year: 1405, now: new Date('2026-12-07T08:00:00Z') });
  assert.equal(listed.lines.length, count + 1);
  assert.equal(listed.lines[0], '1405-01-01  2026-03-21  Sat  solar  آغاز نوروز و عید سعید فطر / Nowruz (New Year); Eid al-Fitr');
  assert.match(listed.lines.at(-1)!, new RegExp(`^${count} holiday\\(s\\) in 1405; Fridays`));
  assert.deepEqual(listed.warnings, ['warning: no holidays for 1406: deadlines falling in 1406 skip only Fridays until its holidays are imported']);

  assert.match(await addHoliday(store, '۱۴۰۵/۰۹/۱۸', { nameFa: 'تعطیلی به علت آلودگی هوا', nameEn: 'Closed for air pollution', kind: 'other' }), /^Added holiday 1405-09-18  2026-12-09  Wed  other /);
  await assert.rejects(addHoliday(store, '1405/09/18', { nameFa: 'x', nameEn: 'x', kind: 'other' }), (e: AppError) => e.code === 'holiday_exists');
  assert.match(await removeHoliday(store, '1405-09-18'), /^Removed holiday 1405-09-18/);
  await assert.rejects(removeHoliday(store, '1405/09/18'), (e: AppError) => e.status === 404);

  fs.writeFileSync(path.join(fresh.dataDir, 'junk.json'), 'not json');
  await assert.rejects(importHolidays(store, path.join(fresh.dataDir, 'junk.json')), (e: AppError) => e.code === 'invalid_holidays' && /not valid JSON; nothing was imported/.test(e.message));
  await assert.rejects(importHolidays(store, path.join(fresh.dataDir, 'missing.json')), (e: AppError) => /no such file/.test(e.message));

  const audit = await database.db.selectFrom('audit_log').select(['actor', 'action']).where('action', 'like', 'calendar.%').orderBy('id').execute();
  assert.deepEqual(audit.map((a) => `${a.actor} ${a.action}`), ['cli calendar.holidays.import', 'cli calendar.holiday.add', 'cli calendar.holiday.remove']);
});

/**
 * The commands through a real process (2 runs: they are slow). Until `panjareh`'s program registers the
 * calendar commands, the entry below mounts them on a program of their own; once registered, it uses the real one.
 */
test('panjareh calendar holidays import / list as processes', async (t) => {
  // A database of its own: the platform runs every capability's migrations on it, in their order.
  const cliDb = await freshDatabase();
  t.after(() => cliDb.drop());
  const here = path.dirname(fileURLToPath(import.meta.url));
  const entry = path.join(cliDb.dataDir, 'cli-entry.mts');
  fs.writeFileSync(
    entry,
    [
      `import { program } from ${JSON.stringify(path.join(here, 'program.js'))};`,
      `import { registerCalendarCommands } from ${JSON.stringify(path.join(here, 'calendar.js'))};`,
      `let cmd: any = await program();`,
      `if (!cmd.commands.some((c) => c.name() === 'calendar')) { cmd = new cmd.constructor('panjareh').exitOverride(); registerCalendarCommands(cmd); }`,
      `await cmd.parseAsync(process.argv.slice(2), { from: 'user' });`,
      `process.exit(0);`,
    ].join('\n'),
  );
  const cli = (args: string[]) => {
    const schemaEnv = cliDb.pgSchema ? { PGOPTIONS: `-c search_path=${cliDb.pgSchema}` } : {};
    const r = spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], {
      cwd: path.resolve(here, '../..'),
      env: { ...process.env, PANJAREH_DATA_DIR: cliDb.dataDir, LOG_LEVEL: 'silent', ...schemaEnv },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const imported = cli(['calendar', 'holidays', 'import', path.join(DEMO_CALENDAR_DIR, '1406.json')]);
  assert.equal(imported.code, 0, imported.err);
  assert.match(imported.out, /1406\.json: \d+ added, 0 updated, 0 unchanged\./);
  const listed = cli(['calendar', 'holidays', 'list', '--year', '۱۴۰۶']);
  assert.equal(listed.code, 0, listed.err);
  assert.match(listed.out, /^1406-01-01  2027-03-21  Sun  solar  آغاز نوروز \/ Nowruz \(New Year\)$/m);
  assert.match(listed.out, /^1406-11-22  2028-02-11  Fri  solar  پیروزی انقلاب اسلامی /m);
  assert.match(listed.out, /\d+ holiday\(s\) in 1406; Fridays are always non-working days/);
});
