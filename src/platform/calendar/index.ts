/**
 * Iran's working-day calendar: Jalali dates through Intl, the official holidays the operator keeps in
 * `calendar_holidays`, and legal deadlines counted in working days (Fridays and holidays skipped).
 */
export {
  TEHRAN,
  JALALI_MONTHS,
  addDays,
  endOfTehranDay,
  formatJalali,
  fromJalali,
  gregorianToJalali,
  jalaliIso,
  parseJalali,
  tehranDate,
  toJalali,
  weekday,
  type JalaliDate,
  type Lang,
} from './jalali.js';
export { HOLIDAY_KINDS, HolidayStore, checkHolidayFile, type CalendarTables, type Holiday, type HolidayEntry, type HolidayKind, type ImportResult } from './holidays-store.js';
export { MAX_WORKING_DAYS, WorkingCalendar, WorkingDays, type DayLike, type WorkingDaysOptions } from './working-days.js';
export { DEMO_CALENDAR_DIR, DEMO_HOLIDAY_YEARS, demoHolidayFile, loadDemoHolidays } from './demo.js';
export { calendarMigrations } from './migrations.js';
