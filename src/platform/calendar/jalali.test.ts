import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../errors.js';
import { addDays, endOfTehranDay, formatJalali, fromJalali, gregorianToJalali, parseJalali, tehranDate, toJalali, weekday } from './jalali.js';

test('every day of 1405 and 1406 converts to Gregorian and back, one day after another', () => {
  let previous = addDays(fromJalali(1405, 1, 1), -1);
  let days = 0;
  for (const y of [1405, 1406]) {
    for (let m = 1; m <= 12; m++) {
      // 1405 and 1406 are common years: Esfand has 29 days, and its 30th does not exist.
      const length = m <= 6 ? 31 : m < 12 ? 30 : 29;
      for (let d = 1; d <= length; d++) {
        const iso = fromJalali(y, m, d);
        assert.equal(iso, addDays(previous, 1), `${y}/${m}/${d} follows the day before`);
        assert.deepEqual(gregorianToJalali(iso), { y, m, d });
        assert.deepEqual(parseJalali(`${y}/${m}/${d}`), { y, m, d });
        previous = iso;
        days++;
      }
    }
  }
  assert.equal(days, 730);
  assert.throws(() => fromJalali(1405, 12, 30), (e: AppError) => e.status === 400 && e.code === 'invalid_jalali_date');
  assert.throws(() => fromJalali(1406, 12, 30), (e: AppError) => e.code === 'invalid_jalali_date');
  assert.equal(fromJalali(1403, 12, 30), '2025-03-20', '1403 was a leap year');
});

test('known dates: Nowruz 1405 and 1406, today in Tehran', () => {
  assert.equal(fromJalali(1405, 1, 1), '2026-03-21');
  assert.equal(fromJalali(1406, 1, 1), '2027-03-21');
  assert.equal(fromJalali(1405, 9, 16), '2026-12-07');
  assert.equal(weekday('2026-12-04'), 5, '2026-12-04 is a Friday');
  assert.deepEqual(toJalali('2026-12-07'), { y: 1405, m: 9, d: 16 });
  // 20:29 UTC is 23:59 in Tehran; 20:30 UTC is already the next day there.
  assert.deepEqual(toJalali(new Date('2026-12-07T20:29:59Z')), { y: 1405, m: 9, d: 16 });
  assert.deepEqual(toJalali(new Date('2026-12-07T20:30:00Z')), { y: 1405, m: 9, d: 17 });
  assert.equal(tehranDate(new Date('2026-03-20T20:30:00Z')), '2026-03-21');
});

test('the end of a day in Tehran is 23:59:59.999 at UTC+03:30 (no summer time since 2022)', () => {
  assert.equal(endOfTehranDay('2026-12-07').toISOString(), '2026-12-07T20:29:59.999Z');
  assert.equal(endOfTehranDay('2026-07-01').toISOString(), '2026-07-01T20:29:59.999Z', 'summer too');
  assert.equal(endOfTehranDay('2020-07-01').toISOString(), '2020-07-01T19:29:59.999Z', 'summer time still applied in 2020');
});

test('parseJalali reads Persian, Arabic-Indic and Latin digits and refuses what is not a day', () => {
  for (const s of ['1405/09/16', '۱۴۰۵/۰۹/۱۶', '١٤٠٥/٠٩/١٦', '1405-9-16', ' ۱۴۰۵.۹.۱۶ ']) assert.deepEqual(parseJalali(s), { y: 1405, m: 9, d: 16 }, s);
  for (const s of ['1405/13/01', '1405/07/31', '1405/12/30', '16/09/1405', '1405/09', 'tomorrow', '']) {
    assert.throws(() => parseJalali(s), (e: AppError) => e instanceof AppError && e.status === 400 && e.code === 'invalid_jalali_date' && /[آ-ی]/.test(e.messages.fa), s);
  }
});

test('formatJalali: Persian with Persian digits, English with Latin digits', () => {
  assert.equal(formatJalali('2026-12-07', 'fa'), '۱۶ آذر ۱۴۰۵');
  assert.equal(formatJalali('2026-12-07', 'en'), '16 Azar 1405');
  assert.equal(formatJalali(new Date('2027-03-20T21:00:00Z'), 'fa', 'numeric'), '۱۴۰۶/۰۱/۰۱');
  assert.equal(formatJalali('2026-03-21', 'en', 'numeric'), '1405/01/01');
});
