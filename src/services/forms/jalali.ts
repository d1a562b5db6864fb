/**
 * Jalali (Solar Hijri) dates as forms store them: `YYYY-MM-DD` strings in the Jalali calendar
 * (`1405-09-16`). They sort as text, read as the applicant wrote them, and need no time zone. The
 * conversion to Gregorian leans on ICU's Persian calendar (Intl), so there is no second leap-year
 * table here to disagree with the one the pages print dates with.
 */

const PERSIAN = new Intl.DateTimeFormat('en-u-ca-persian-nu-latn', { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });
const DAY = 86_400_000;

export interface JalaliDate {
  year: number;
  month: number;
  day: number;
}

/** The Jalali date of a Gregorian day (UTC midnight of `date` counts). */
export function toJalali(date: Date): JalaliDate {
  const parts = PERSIAN.formatToParts(date);
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return { year: n('year'), month: n('month'), day: n('day') };
}

/** Days from 1 Farvardin of the same year: months 1–6 have 31 days, 7–11 have 30, Esfand 29 or 30. */
const dayOfYear = (d: JalaliDate) => (d.month <= 6 ? (d.month - 1) * 31 : 186 + (d.month - 7) * 30) + d.day - 1;

/** The Gregorian date (UTC midnight) of a Jalali date, or null when there is no such day (31 Mehr, 30 Esfand of a common year). */
export function fromJalali(d: JalaliDate): Date | null {
  if (!Number.isInteger(d.year) || !Number.isInteger(d.month) || !Number.isInteger(d.day)) return null;
  if (d.year < 1 || d.year > 9377 || d.month < 1 || d.month > 12 || d.day < 1 || d.day > (d.month <= 6 ? 31 : 30)) return null;
  // Nowruz (1 Farvardin) falls between 19 and 22 March: find it as ICU counts it, then count the days.
  let nowruz = Date.UTC(d.year + 621, 2, 19);
  for (let i = 0; i < 4; i++, nowruz += DAY) {
    const j = toJalali(new Date(nowruz));
    if (j.year === d.year && j.month === 1 && j.day === 1) break;
  }
  const t = nowruz + dayOfYear(d) * DAY;
  const got = toJalali(new Date(t));
  // 30 Esfand of a common year lands on the next Nowruz: no such day.
  return got.year === d.year && got.month === d.month && got.day === d.day ? new Date(t) : null;
}

export const formatJalali = (d: JalaliDate): string =>
  `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

/** A stored `YYYY-MM-DD` Jalali string taken apart, or null when it is not one or names no real day. */
export function parseJalali(s: string): JalaliDate | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  return fromJalali(d) ? d : null;
}

/** The Gregorian ISO date (`2026-12-07`) of a stored Jalali date, for systems that want one. */
export function jalaliToIso(s: string): string | null {
  const d = parseJalali(s);
  const g = d && fromJalali(d);
  return g ? g.toISOString().slice(0, 10) : null;
}

export const JALALI_MONTHS = {
  fa: ['فروردین', 'اردیبهشت', 'خرداد', 'تیر', 'مرداد', 'شهریور', 'مهر', 'آبان', 'آذر', 'دی', 'بهمن', 'اسفند'],
  en: ['Farvardin', 'Ordibehesht', 'Khordad', 'Tir', 'Mordad', 'Shahrivar', 'Mehr', 'Aban', 'Azar', 'Dey', 'Bahman', 'Esfand'],
} as const;
