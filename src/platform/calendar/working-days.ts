import type { Kysely } from 'kysely';
import { invalid } from '../errors.js';
import { dayNumber, endOfTehranDay, gregorianToJalali, isoFromDayNumber, tehranDate, weekday } from './jalali.js';
import { HolidayStore, type Holiday } from './holidays-store.js';

/**
 * Working days of Iran's public administration: every day except Fridays and the official holidays of
 * the `calendar_holidays` table. Days are calendar days in Tehran (UTC+03:30).
 *
 * How a deadline of n working days is counted (the rule the receipt states):
 *  - the day of submission never counts, even when it is a working day: counting starts the next day
 *    (as in Iran's Civil Procedure Code, art. 445: the day of notice is not part of the period);
 *  - so a submission on a Friday or a holiday starts counting from the next working day, which is day 1;
 *  - the deadline is the end (23:59:59.999 Tehran time) of the n-th working day; it therefore never
 *    falls on a Friday or a holiday;
 *  - n = 0 means "by the end of today" when today is a working day, else the end of the next working day.
 *
 * Pausing (a request for changes): `remainingWorkingDays(now, deadline)` is what is left, counted by the
 * same rule; on resuming, `addWorkingDays(resumedAt, remaining)` is the new deadline. Paused and resumed
 * on the same day, the deadline does not move.
 */

/** A day (`YYYY-MM-DD`, a calendar day) or an instant (taken as its day in Tehran). */
export type DayLike = Date | string;

const dayOf = (d: DayLike): string => (typeof d === 'string' ? isoFromDayNumber(dayNumber(d)) : tehranDate(d));

/** Longer than any legal deadline; a bound so that bad input can never loop for long. */
export const MAX_WORKING_DAYS = 3650;

/** A snapshot of the holidays: synchronous, for loops and for code that already awaited `WorkingDays.calendar()`. */
export class WorkingCalendar {
  private readonly byDay: Map<string, Holiday>;
  /** Jalali years that have at least one holiday in the table: outside them only Fridays are known. */
  readonly coveredJalaliYears: readonly number[];

  constructor(holidays: Iterable<Holiday>) {
    this.byDay = new Map([...holidays].map((h) => [h.gregorian, h]));
    this.coveredJalaliYears = [...new Set([...this.byDay.keys()].map((d) => gregorianToJalali(d).y))].sort((a, b) => a - b);
  }

  /** The holiday on that day, if the table has one (Fridays are not in the table). */
  holiday(day: DayLike): Holiday | undefined {
    return this.byDay.get(dayOf(day));
  }

  /** Whether the table has holidays for the Jalali year of that day (a deadline there is only as good as the table). */
  covers(day: DayLike): boolean {
    return this.coveredJalaliYears.includes(gregorianToJalali(dayOf(day)).y);
  }

  isWorkingDay(day: DayLike): boolean {
    const iso = dayOf(day);
    return weekday(iso) !== 5 && !this.byDay.has(iso);
  }

  /** The n-th working day after `from`'s day (n ≥ 1), or for n = 0 the first working day from `from`'s day on. */
  nthWorkingDay(from: DayLike, n: number): string {
    if (!Number.isInteger(n) || n < 0 || n > MAX_WORKING_DAYS) {
      throw invalid('invalid_working_days', `شمار روزهای کاری باید عددی درست از ۰ تا ${MAX_WORKING_DAYS} باشد.`, `A number of working days must be a whole number from 0 to ${MAX_WORKING_DAYS}.`);
    }
    let day = dayNumber(dayOf(from));
    if (n === 0) {
      while (!this.isWorkingDay(isoFromDayNumber(day))) day++;
      return isoFromDayNumber(day);
    }
    for (let counted = 0; counted < n; ) if (this.isWorkingDay(isoFromDayNumber(++day))) counted++;
    return isoFromDayNumber(day);
  }

  /** The deadline instant: the end, in Tehran, of the n-th working day after `from` (see the rule above). */
  addWorkingDays(from: Date, n: number): Date {
    return endOfTehranDay(this.nthWorkingDay(from, n));
  }

  /**
   * Working days after `a`'s day up to and including `b`'s day; negative (the same count the other way)
   * when `b` is before `a`, so an overdue deadline reads as "-3": three working days late.
   */
  workingDaysBetween(a: DayLike, b: DayLike): number {
    const from = dayNumber(dayOf(a));
    const to = dayNumber(dayOf(b));
    if (to < from) return -this.workingDaysBetween(b, a);
    if (to - from > MAX_WORKING_DAYS * 2) throw invalid('invalid_working_days', 'بازه بیش از اندازه بلند است.', 'The period is too long.');
    let n = 0;
    for (let d = from + 1; d <= to; d++) if (this.isWorkingDay(isoFromDayNumber(d))) n++;
    return n;
  }

  /** Working days left before a deadline, for pausing it: 0 once the deadline's day has come or passed. */
  remainingWorkingDays(now: Date, deadline: Date): number {
    return Math.max(0, this.workingDaysBetween(now, deadline));
  }
}

export interface WorkingDaysOptions {
  /** How long a node trusts its copy of the holidays table (default 60 s): other nodes' changes show within it. */
  ttlMs?: number;
  /** Milliseconds now, for the cache's age only (deadlines take their instants as arguments). */
  now?: () => number;
}

/**
 * Working days over the `calendar_holidays` table, shared by every node: each node keeps the table in
 * memory for `ttlMs` (it is a few dozen rows a year), and changes made through `holidays` reload it here at once.
 */
export class WorkingDays {
  readonly holidays: HolidayStore;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private cached?: { at: number; calendar: WorkingCalendar };
  private loading?: Promise<WorkingCalendar>;
  private generation = 0;

  constructor(db: Kysely<any>, opts: WorkingDaysOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.holidays = new HolidayStore(db, () => this.invalidate());
  }

  /** Forgets the cached table; the next call reads it again. */
  invalidate(): void {
    this.cached = undefined;
    this.loading = undefined;
    this.generation++;
  }

  /** Reads the table now (after an operator's change on another node, say). */
  reload(): Promise<WorkingCalendar> {
    this.invalidate();
    return this.calendar();
  }

  /**
   * The current snapshot, read from the table when older than the TTL; concurrent callers share one read.
   * Inside a transaction pass it as `executor`: on SQLite the one connection is the transaction's, and a
   * read beside it would wait for it forever.
   */
  calendar(executor?: Kysely<any>): Promise<WorkingCalendar> {
    if (this.cached && this.now() - this.cached.at < this.ttlMs) return Promise.resolve(this.cached.calendar);
    if (executor) return this.holidays.list({}, executor).then((list) => new WorkingCalendar(list));
    if (!this.loading) {
      const generation = this.generation;
      const at = this.now();
      const load: Promise<WorkingCalendar> = this.holidays
        .list()
        .then((list) => {
          const calendar = new WorkingCalendar(list);
          // A change made while this read was under way may be missing from it: cache it only if none was.
          if (generation === this.generation) this.cached = { at, calendar };
          return calendar;
        })
        .finally(() => {
          if (this.loading === load) this.loading = undefined;
        });
      this.loading = load;
    }
    return this.loading;
  }

  async isWorkingDay(day: DayLike): Promise<boolean> {
    return (await this.calendar()).isWorkingDay(day);
  }

  async addWorkingDays(from: Date, n: number): Promise<Date> {
    return (await this.calendar()).addWorkingDays(from, n);
  }

  async workingDaysBetween(a: DayLike, b: DayLike): Promise<number> {
    return (await this.calendar()).workingDaysBetween(a, b);
  }

  async remainingWorkingDays(now: Date, deadline: Date): Promise<number> {
    return (await this.calendar()).remainingWorkingDays(now, deadline);
  }
}
