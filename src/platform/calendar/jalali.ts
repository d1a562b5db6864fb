import { invalid } from '../errors.js';
import { toLatinDigits, toPersianDigits } from '../text.js';

/**
 * The Solar Hijri (Jalali) calendar through ICU (`Intl.DateTimeFormat` with `calendar: 'persian'`), so the
 * conversion is the one the runtime already ships and keeps up to date, not arithmetic written here.
 * Intl only converts Gregorian → Jalali; Jalali → Gregorian is found by a bounded search around an estimate.
 *
 * Two kinds of input: a `Date` is an instant, taken as the calendar day it is in Tehran; a string
 * `YYYY-MM-DD` is already a Gregorian calendar day (no time zone involved).
 */

export interface JalaliDate {
  y: number;
  m: number;
  d: number;
}

export const TEHRAN = 'Asia/Tehran';
export type Lang = 'fa' | 'en';

/** Years the search below is checked for (AD 1821–2221): wider than any birth date or deadline we handle. */
export const MIN_JALALI_YEAR = 1200;
export const MAX_JALALI_YEAR = 1600;

export const JALALI_MONTHS: Record<Lang, readonly string[]> = {
  fa: ['فروردین', 'اردیبهشت', 'خرداد', 'تیر', 'مرداد', 'شهریور', 'مهر', 'آبان', 'آذر', 'دی', 'بهمن', 'اسفند'],
  en: ['Farvardin', 'Ordibehesht', 'Khordad', 'Tir', 'Mordad', 'Shahrivar', 'Mehr', 'Aban', 'Azar', 'Dey', 'Bahman', 'Esfand'],
};

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// `-nu-latn`: Latin digits whatever the ICU locale data says, so the parts parse as numbers.
const persianFmt = new Intl.DateTimeFormat('en-u-ca-persian-nu-latn', { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });
// A Node built without full ICU silently falls back to the Gregorian calendar: refuse to start rather than date deadlines wrong.
if (persianFmt.resolvedOptions().calendar !== 'persian' || new Intl.DateTimeFormat('en', { timeZone: TEHRAN }).resolvedOptions().timeZone !== TEHRAN) {
  throw new Error('this Node.js has no Persian calendar or Asia/Tehran time zone in its ICU data; use an official Node.js build (full ICU)');
}
const tehranDayFmt = new Intl.DateTimeFormat('en-u-nu-latn', { timeZone: TEHRAN, year: 'numeric', month: 'numeric', day: 'numeric' });
const tehranWallFmt = new Intl.DateTimeFormat('en-u-nu-latn', {
  timeZone: TEHRAN, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
});

function parts(fmt: Intl.DateTimeFormat, t: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of fmt.formatToParts(t)) if (p.type !== 'literal' && p.type !== 'era') out[p.type] = Number(p.value);
  return out;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Days since 1970-01-01 of a Gregorian calendar day `YYYY-MM-DD`; throws on anything else. */
export function dayNumber(iso: string): number {
  const m = ISO_DATE.exec(iso);
  if (!m) throw invalid('invalid_date', `تاریخ «${iso}» درست نیست.`, `"${iso}" is not a date (YYYY-MM-DD).`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(t).toISOString().slice(0, 10) !== iso) throw invalid('invalid_date', `تاریخ «${iso}» وجود ندارد.`, `${iso} is not a day of the calendar.`);
  return t / DAY_MS;
}

export const isoFromDayNumber = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);

/** `YYYY-MM-DD` plus `days` (negative to go back). */
export const addDays = (iso: string, days: number): string => isoFromDayNumber(dayNumber(iso) + days);

/** 0 = Sunday … 5 = Friday, 6 = Saturday (1970-01-01 was a Thursday). */
export const weekday = (iso: string): number => (((dayNumber(iso) + 4) % 7) + 7) % 7;

/** The Gregorian calendar day (`YYYY-MM-DD`) that the instant falls on in Tehran. */
export function tehranDate(instant: Date): string {
  const t = instant.getTime();
  if (Number.isNaN(t)) throw invalid('invalid_date', 'تاریخ درست نیست.', 'Invalid date.');
  const p = parts(tehranDayFmt, t);
  return `${pad(p.year!, 4)}-${pad(p.month!)}-${pad(p.day!)}`;
}

/** Tehran's offset from UTC in minutes at an instant (+210 since 2022; it had summer time before). */
export function tehranOffsetMinutes(t: number): number {
  const p = parts(tehranWallFmt, t);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((wall - Math.floor(t / 1000) * 1000) / 60_000);
}

/** The last millisecond of a Gregorian calendar day in Tehran: 23:59:59.999 local time. */
export function endOfTehranDay(iso: string): Date {
  const nextMidnightWall = (dayNumber(iso) + 1) * DAY_MS;
  // The offset at (about) that moment; asking twice settles the rare day when the offset changed.
  let offset = tehranOffsetMinutes(nextMidnightWall - 210 * 60_000);
  offset = tehranOffsetMinutes(nextMidnightWall - offset * 60_000 - 1);
  return new Date(nextMidnightWall - offset * 60_000 - 1);
}

/** The Jalali date of a Gregorian calendar day `YYYY-MM-DD`. */
export function gregorianToJalali(iso: string): JalaliDate {
  const p = parts(persianFmt, dayNumber(iso) * DAY_MS + DAY_MS / 2);
  return { y: p.year!, m: p.month!, d: p.day! };
}

/** The Jalali date of an instant (its day in Tehran) or of a Gregorian calendar day `YYYY-MM-DD`. */
export function toJalali(date: Date | string): JalaliDate {
  return gregorianToJalali(typeof date === 'string' ? date : tehranDate(date));
}

const badJalali = (y: number, m: number, d: number) =>
  invalid('invalid_jalali_date', `تاریخ ${toPersianDigits(`${y}/${pad(m)}/${pad(d)}`)} در تقویم خورشیدی وجود ندارد.`, `${y}/${pad(m)}/${pad(d)} is not a day of the Jalali calendar.`);

/**
 * The Gregorian calendar day (`YYYY-MM-DD`) of a Jalali date. Estimated from 1 Farvardin ≈ 21 March,
 * then confirmed through Intl within ±3 days (Nowruz falls on 20–22 March in these years): no
 * conversion arithmetic of our own decides the answer. A date that does not exist (30 Esfand of a
 * common year, 31 Mehr) is refused.
 */
export function fromJalali(y: number, m: number, d: number): string {
  if (![y, m, d].every(Number.isInteger) || y < MIN_JALALI_YEAR || y > MAX_JALALI_YEAR || m < 1 || m > 12 || d < 1 || d > (m <= 6 ? 31 : 30)) throw badJalali(y, m, d);
  const estimate = Date.UTC(y + 621, 2, 21) / DAY_MS + (m <= 6 ? (m - 1) * 31 : 186 + (m - 7) * 30) + d - 1;
  for (const delta of [0, -1, 1, -2, 2, -3, 3]) {
    const iso = isoFromDayNumber(estimate + delta);
    const j = gregorianToJalali(iso);
    if (j.y === y && j.m === m && j.d === d) return iso;
  }
  throw badJalali(y, m, d);
}

/** `1405-09-16`: the form stored in the holidays table and written in the demo files. */
export const jalaliIso = (j: JalaliDate): string => `${pad(j.y, 4)}-${pad(j.m)}-${pad(j.d)}`;

/**
 * Reads a Jalali date as people write it: `1405/09/16`, `۱۴۰۵/۰۹/۱۶`, `1405-9-16` (Persian, Arabic-Indic or
 * Latin digits; `/`, `-` or `.` between the parts). Throws `invalid_jalali_date` (400) otherwise.
 */
export function parseJalali(text: string): JalaliDate {
  const m = /^(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})$/.exec(toLatinDigits(String(text)).trim());
  if (!m) {
    throw invalid('invalid_jalali_date', `«${text}» تاریخ خورشیدی نیست؛ به شکل ۱۴۰۵/۰۹/۱۶ بنویسید.`, `"${text}" is not a Jalali date; write it as 1405/09/16.`);
  }
  const j = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  fromJalali(j.y, j.m, j.d);
  return j;
}

/**
 * A Jalali date for people: `long` is "۱۶ آذر ۱۴۰۵" / "16 Azar 1405", `numeric` is "۱۴۰۵/۰۹/۱۶" /
 * "1405/09/16". Persian digits in Persian. Month names are ours, not ICU's, so they never change with the runtime.
 */
export function formatJalali(date: Date | string, lang: Lang, style: 'long' | 'numeric' = 'long'): string {
  const j = toJalali(date);
  const text = style === 'numeric' ? `${j.y}/${pad(j.m)}/${pad(j.d)}` : `${j.d} ${JALALI_MONTHS[lang][j.m - 1]} ${j.y}`;
  return lang === 'fa' ? toPersianDigits(text) : text;
}
