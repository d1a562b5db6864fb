import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromJalali, jalaliToIso, parseJalali, toJalali } from './jalali.js';

describe('Jalali dates', () => {
  it('converts both ways for every day of 1395–1415, agreeing with ICU', () => {
    let t = Date.UTC(2016, 2, 20);
    const end = Date.UTC(2037, 2, 21);
    for (; t < end; t += 86_400_000) {
      const j = toJalali(new Date(t));
      assert.equal(fromJalali(j)?.getTime(), t, JSON.stringify(j));
    }
  });

  it('knows the days that do not exist', () => {
    assert.equal(fromJalali({ year: 1404, month: 12, day: 30 }), null);
    assert.ok(fromJalali({ year: 1403, month: 12, day: 30 }));
    assert.equal(fromJalali({ year: 1405, month: 7, day: 31 }), null);
    assert.equal(fromJalali({ year: 1405, month: 13, day: 1 }), null);
    assert.equal(fromJalali({ year: 1405, month: 1, day: 0 }), null);
    assert.equal(parseJalali('1405-9-16'), null);
  });

  it('gives the Gregorian date of a stored Jalali date', () => {
    assert.equal(jalaliToIso('1405-09-16'), '2026-12-07');
    assert.equal(jalaliToIso('1404-01-01'), '2025-03-21');
    assert.equal(jalaliToIso('1404-12-30'), null);
  });
});
