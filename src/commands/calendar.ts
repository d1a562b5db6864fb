import fs from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { HOLIDAY_KINDS, HolidayStore, WorkingCalendar, toJalali, weekday, type Holiday, type HolidayKind } from '../platform/calendar/index.js';
import { invalid } from '../platform/errors.js';
import { toLatinDigits } from '../platform/text.js';
import { withPlatform } from './context.js';

/**
 * `panjareh calendar holidays …`: the official holidays that legal deadlines skip (besides Fridays).
 * The functions below do the work and return what to print, so tests call them without a process.
 */

const ACTOR = 'cli';
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export function parseJalaliYear(raw: string): number {
  const s = toLatinDigits(raw).trim();
  const n = Number(s);
  if (!/^\d{4}$/.test(s) || n < 1200 || n > 1599) throw new InvalidArgumentError('a Jalali year such as 1405');
  return n;
}

const line = (h: Holiday) => `${h.jalali}  ${h.gregorian}  ${WEEKDAYS[weekday(h.gregorian)]}  ${h.kind.padEnd(5)}  ${h.name.fa} / ${h.name.en}`;

/** The table (or one Jalali year), one holiday a line, and warnings for years a deadline may reach that have no holidays. */
export async function listHolidays(store: HolidayStore, opts: { year?: number; now?: Date } = {}): Promise<{ lines: string[]; warnings: string[] }> {
  const list = await store.list({ jalaliYear: opts.year });
  const lines = list.map(line);
  lines.push(`${list.length} holiday(s)${opts.year ? ` in ${opts.year}` : ''}; Fridays are always non-working days and are not listed.`);
  // Deadlines run into next year: both this year and the next should be in the table.
  const covered = new WorkingCalendar(opts.year ? await store.list() : list).coveredJalaliYears;
  const thisYear = toJalali(opts.now ?? new Date()).y;
  const warnings = [thisYear, thisYear + 1]
    .filter((y) => !covered.includes(y))
    .map((y) => `warning: no holidays for ${y}: deadlines falling in ${y} skip only Fridays until its holidays are imported`);
  return { lines, warnings };
}

export async function addHoliday(store: HolidayStore, date: string, o: { nameFa: string; nameEn: string; kind: HolidayKind }): Promise<string> {
  const h = await store.add({ jalali: date, name: { fa: o.nameFa, en: o.nameEn }, kind: o.kind }, ACTOR);
  return `Added holiday ${line(h)}`;
}

export async function removeHoliday(store: HolidayStore, date: string): Promise<string> {
  const h = await store.remove(date, ACTOR);
  return `Removed holiday ${line(h)}`;
}

/** Reads a JSON holidays file (demo/calendar/1405.json's format) and imports it whole or not at all. */
export async function importHolidays(store: HolidayStore, file: string): Promise<string> {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not valid JSON';
    throw invalid('invalid_holidays', `فایل ${file} خوانده نشد.`, `${file}: ${why}; nothing was imported.`);
  }
  const r = await store.import(data, { actor: ACTOR, file });
  return `Imported ${file}: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged.`;
}

const onStore = <T>(fn: (store: HolidayStore) => Promise<T>) => withPlatform({}, (p) => fn(new HolidayStore(p.database.db)));

export function registerCalendarCommands(program: Command): void {
  const calendar = program.command('calendar').description('the working-day calendar: official holidays that legal deadlines skip');
  const holidays = calendar.command('holidays').description('the official holidays table (Fridays are always non-working days and are not stored)');

  holidays
    .command('list')
    .description('list the holidays, optionally of one Jalali year; warns when this year or the next has none')
    .option('--year <jalali-year>', 'a Jalali year, e.g. 1405', parseJalaliYear)
    .action((o: { year?: number }) =>
      onStore(async (store) => {
        const r = await listHolidays(store, { year: o.year });
        for (const l of r.lines) console.log(l);
        for (const w of r.warnings) console.warn(w);
      }),
    );

  holidays
    .command('add <jalali-date>')
    .description('add a holiday, e.g. an announced lunar holiday or a closure (written to the audit log); the date as 1405/09/16, Persian digits accepted')
    .requiredOption('--name-fa <name>', 'its name in Persian')
    .requiredOption('--name-en <name>', 'its name in English')
    .addOption(new Option('--kind <kind>', 'solar (fixed Jalali day), lunar (Islamic calendar) or other (a one-off closure)').choices(HOLIDAY_KINDS as string[]).default('other'))
    .action((date: string, o: { nameFa: string; nameEn: string; kind: HolidayKind }) => onStore(async (store) => console.log(await addHoliday(store, date, o))));

  holidays
    .command('remove <jalali-date>')
    .description('remove the holiday on that day, e.g. a lunar holiday announced for another day (written to the audit log)')
    .action((date: string) => onStore(async (store) => console.log(await removeHoliday(store, date))));

  holidays
    .command('import <file>')
    .description('import a JSON array of {jalali, name: {fa, en}, kind} (the format of demo/calendar/1405.json): checked whole first, idempotent; days already in the table get the file\'s name and kind')
    .action((file: string) => onStore(async (store) => console.log(await importHolidays(store, file))));
}
