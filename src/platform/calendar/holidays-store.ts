import type { Kysely } from 'kysely';
import { writeAudit } from '../audit.js';
import { nowIso } from '../db.js';
import { conflict, invalid, notFound } from '../errors.js';
import { normalizeText } from '../text.js';
import { fromJalali, gregorianToJalali, jalaliIso, parseJalali } from './jalali.js';

/** Solar holidays come back on the same Jalali day every year; lunar ones move ~11 days a year; `other` is a one-off closure. */
export type HolidayKind = 'solar' | 'lunar' | 'other';
export const HOLIDAY_KINDS: readonly HolidayKind[] = ['solar', 'lunar', 'other'];

export interface Holiday {
  /** Gregorian day, `YYYY-MM-DD`. */
  gregorian: string;
  /** Jalali day, `1405-01-01`. */
  jalali: string;
  name: { fa: string; en: string };
  kind: HolidayKind;
  createdAt: string;
}

/** One entry of a holidays file (demo/calendar/1405.json) and the input of `add`; `jalali` in any form `parseJalali` reads. */
export interface HolidayEntry {
  jalali: string;
  name: { fa: string; en: string };
  kind?: HolidayKind;
}

export interface CalendarTables {
  calendar_holidays: { gregorian_date: string; jalali_date: string; name_fa: string; name_en: string; kind: string; created_at: string };
}

export interface ImportResult {
  added: number;
  updated: number;
  unchanged: number;
}

type Row = CalendarTables['calendar_holidays'];

const toHoliday = (r: Row): Holiday => ({ gregorian: r.gregorian_date, jalali: r.jalali_date, name: { fa: r.name_fa, en: r.name_en }, kind: r.kind as HolidayKind, createdAt: r.created_at });

/** A checked entry: its days resolved, its names normalised. */
interface CheckedEntry {
  gregorian: string;
  jalali: string;
  nameFa: string;
  nameEn: string;
  kind: HolidayKind;
}

function checkName(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = normalizeText(v).trim();
  return s.length > 0 && s.length <= 200 ? s : undefined;
}

/** Checks one entry; returns the problems in English (the file's author reads them next to the entry's index). */
function checkEntry(raw: unknown): { entry?: CheckedEntry; problems: string[] } {
  const problems: string[] = [];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { problems: ['must be an object {jalali, name: {fa, en}, kind}'] };
  const e = raw as Record<string, unknown>;
  const unknownKeys = Object.keys(e).filter((k) => !['jalali', 'name', 'kind'].includes(k));
  if (unknownKeys.length) problems.push(`unknown field(s): ${unknownKeys.join(', ')}`);
  let gregorian: string | undefined;
  let jalali: string | undefined;
  try {
    const j = parseJalali(String(e.jalali ?? ''));
    gregorian = fromJalali(j.y, j.m, j.d);
    jalali = jalaliIso(j);
  } catch (err) {
    problems.push(`jalali: ${(err as Error).message}`);
  }
  const name = e.name as Record<string, unknown> | undefined;
  const nameFa = checkName(name?.fa);
  const nameEn = checkName(name?.en);
  if (!nameFa) problems.push('name.fa: a Persian name of 1 to 200 characters is required');
  if (!nameEn) problems.push('name.en: an English name of 1 to 200 characters is required');
  const kind = (e.kind ?? 'other') as HolidayKind;
  if (!HOLIDAY_KINDS.includes(kind)) problems.push(`kind: must be one of ${HOLIDAY_KINDS.join(', ')}`);
  if (problems.length) return { problems };
  return { entry: { gregorian: gregorian!, jalali: jalali!, nameFa: nameFa!, nameEn: nameEn!, kind }, problems };
}

/** Checks a whole holidays file (a JSON array of entries); throws `invalid_holidays` listing every problem, so nothing half-imports. */
export function checkHolidayFile(data: unknown): CheckedEntry[] {
  if (!Array.isArray(data)) throw invalid('invalid_holidays', 'فایل تعطیلات باید فهرستی (آرایه JSON) باشد.', 'A holidays file must be a JSON array of {jalali, name, kind}.');
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const entries: CheckedEntry[] = [];
  data.forEach((raw, i) => {
    const r = checkEntry(raw);
    for (const p of r.problems) problems.push(`[${i}] ${p}`);
    if (!r.entry) return;
    const before = seen.get(r.entry.gregorian);
    if (before !== undefined) problems.push(`[${i}] jalali: ${r.entry.jalali} is also entry [${before}]; merge them into one entry (one row per day)`);
    seen.set(r.entry.gregorian, i);
    entries.push(r.entry);
  });
  if (problems.length) {
    throw invalid('invalid_holidays', `فایل تعطیلات ${problems.length} ایراد دارد؛ چیزی وارد نشد.`, `The holidays file has ${problems.length} problem(s); nothing was imported:\n${problems.join('\n')}`, problems);
  }
  return entries;
}

const holidayNotFound = (jalali: string) => notFound({ fa: `تعطیلی ${jalali}`, en: `A holiday on ${jalali}` });

/**
 * The `calendar_holidays` table. Every change is written with its audit record in one transaction.
 * `onChange` lets this node's working-day cache reload at once; other nodes see it within their cache's TTL.
 */
export class HolidayStore {
  constructor(
    private readonly db: Kysely<any>,
    private readonly onChange: () => void = () => undefined,
  ) {}

  private get t(): Kysely<CalendarTables> {
    return this.db as Kysely<CalendarTables>;
  }

  /** Every holiday, or those of one Jalali year, in date order; `executor` reads inside a caller's transaction. */
  async list(opts: { jalaliYear?: number } = {}, executor?: Kysely<any>): Promise<Holiday[]> {
    let q = ((executor as Kysely<CalendarTables> | undefined) ?? this.t).selectFrom('calendar_holidays').selectAll().orderBy('gregorian_date');
    if (opts.jalaliYear !== undefined) {
      // The year's Gregorian range: the key's own index, no string matching on the Jalali text.
      q = q.where('gregorian_date', '>=', fromJalali(opts.jalaliYear, 1, 1)).where('gregorian_date', '<', fromJalali(opts.jalaliYear + 1, 1, 1));
    }
    return (await q.execute()).map(toHoliday);
  }

  /** The holiday on a Jalali day (any form `parseJalali` reads), if any. */
  async get(jalali: string): Promise<Holiday | undefined> {
    const j = parseJalali(jalali);
    const row = await this.t.selectFrom('calendar_holidays').selectAll().where('gregorian_date', '=', fromJalali(j.y, j.m, j.d)).executeTakeFirst();
    return row ? toHoliday(row) : undefined;
  }

  /** Adds a holiday; a day that already has one is a conflict (remove it first, or import a corrected file). */
  async add(input: HolidayEntry, actor: string): Promise<Holiday> {
    const r = checkEntry({ kind: 'other', ...input });
    if (!r.entry) throw invalid('invalid_holiday', 'تعطیلی درست نیست: ' + r.problems.join('؛ '), `The holiday is not valid: ${r.problems.join('; ')}`, r.problems);
    const e = r.entry;
    const row: Row = { gregorian_date: e.gregorian, jalali_date: e.jalali, name_fa: e.nameFa, name_en: e.nameEn, kind: e.kind, created_at: nowIso() };
    await this.db.transaction().execute(async (trx) => {
      const existing = await (trx as Kysely<CalendarTables>).selectFrom('calendar_holidays').select('name_en').where('gregorian_date', '=', e.gregorian).executeTakeFirst();
      if (existing) throw conflict('holiday_exists', `روز ${e.jalali} از پیش تعطیل است.`, `${e.jalali} is already a holiday (${existing.name_en}); remove it first to change it.`);
      await (trx as Kysely<CalendarTables>).insertInto('calendar_holidays').values(row).execute();
      await writeAudit(trx, { actor, action: 'calendar.holiday.add', subject: `calendar_holidays/${e.gregorian}`, detail: { jalali: e.jalali, name: { fa: e.nameFa, en: e.nameEn }, kind: e.kind } });
    });
    this.onChange();
    return toHoliday(row);
  }

  /** Removes the holiday on a Jalali day; `not_found` (404) when there is none. */
  async remove(jalali: string, actor: string): Promise<Holiday> {
    const j = parseJalali(jalali);
    const gregorian = fromJalali(j.y, j.m, j.d);
    const removed = await this.db.transaction().execute(async (trx) => {
      const t = trx as Kysely<CalendarTables>;
      const row = await t.selectFrom('calendar_holidays').selectAll().where('gregorian_date', '=', gregorian).executeTakeFirst();
      if (!row) throw holidayNotFound(jalaliIso(j));
      await t.deleteFrom('calendar_holidays').where('gregorian_date', '=', gregorian).execute();
      await writeAudit(trx, { actor, action: 'calendar.holiday.remove', subject: `calendar_holidays/${gregorian}`, detail: { jalali: row.jalali_date, name: { fa: row.name_fa, en: row.name_en }, kind: row.kind } });
      return toHoliday(row);
    });
    this.onChange();
    return removed;
  }

  /**
   * Imports a holidays file: checked whole first, then each day added or corrected (name, kind) in one
   * transaction with one audit record. Idempotent: the same file again changes nothing. Days of the
   * table that the file does not name are left alone (an announced closure stays).
   */
  async import(data: unknown, opts: { actor: string; file?: string }): Promise<ImportResult> {
    const entries = checkHolidayFile(data);
    const result: ImportResult = { added: 0, updated: 0, unchanged: 0 };
    await this.db.transaction().execute(async (trx) => {
      const t = trx as Kysely<CalendarTables>;
      const existing = new Map<string, Row>();
      // In slices: PostgreSQL and SQLite both cap the parameters of one statement.
      for (let i = 0; i < entries.length; i += 500) {
        const dates = entries.slice(i, i + 500).map((e) => e.gregorian);
        for (const r of await t.selectFrom('calendar_holidays').selectAll().where('gregorian_date', 'in', dates).execute()) existing.set(r.gregorian_date, r);
      }
      const at = nowIso();
      for (const e of entries) {
        const old = existing.get(e.gregorian);
        if (!old) {
          await t.insertInto('calendar_holidays').values({ gregorian_date: e.gregorian, jalali_date: e.jalali, name_fa: e.nameFa, name_en: e.nameEn, kind: e.kind, created_at: at }).execute();
          result.added++;
        } else if (old.name_fa !== e.nameFa || old.name_en !== e.nameEn || old.kind !== e.kind) {
          await t.updateTable('calendar_holidays').set({ name_fa: e.nameFa, name_en: e.nameEn, kind: e.kind }).where('gregorian_date', '=', e.gregorian).execute();
          result.updated++;
        } else result.unchanged++;
      }
      if (result.added || result.updated) {
        const years = [...new Set(entries.map((e) => gregorianToJalali(e.gregorian).y))].sort();
        await writeAudit(trx, { actor: opts.actor, action: 'calendar.holidays.import', subject: 'calendar_holidays', detail: { file: opts.file ?? null, years, ...result } });
      }
    });
    if (result.added || result.updated) this.onChange();
    return result;
  }
}
