import assert from 'node:assert/strict';
import { test } from 'node:test';
import { visualRuns } from './bidi-line.js';

/** The line as it is seen, left to right, in characters: right-to-left runs read back to front. */
const seen = (text: string, base: 'rtl' | 'ltr') =>
  visualRuns(text, base)
    .map((r) => (/[\u0600-\u06ff]/.test(r.text) === r.rtl ? (r.rtl ? Array.from(r.text).reverse().join('') : r.text) : Array.from(r.text).reverse().join('')))
    .join('');

test('a Persian sentence with a Latin code and Persian digits is ordered by the bidi algorithm', () => {
  const runs = visualRuns('گواهی شماره AB-123 صادر شده در ۱۴۰۵', 'rtl');
  // Left to right: the year, then «صادر شده در», the code, then «گواهی شماره» at the right.
  const words = runs.map((r) => r.text).filter((t) => t.trim());
  assert.deepEqual(words, ['۵۰۴۱', 'در', 'شده', 'صادر', 'AB-123', 'شماره', 'گواهی']);
  // The year's digits are handed over reversed: fontkit turns Arabic-script runs around, and digits read left to right.
  assert.equal(runs[0]!.rtl, false);
  assert.equal(seen('گواهی شماره AB-123 صادر شده در ۱۴۰۵', 'rtl'), '۱۴۰۵ رد هدش رداص AB-123 هرامش یهاوگ');
});

test('brackets are mirrored inside right-to-left runs, not in left-to-right ones', () => {
  const rtl = visualRuns('ارائه به سفارت (Embassy of Canada)', 'rtl').map((r) => r.text);
  assert.equal(rtl[0], '(');
  assert.ok(rtl.includes('Embassy'));
  assert.equal(rtl[rtl.indexOf('سفارت') - 1], ' ');
  assert.equal(rtl[rtl.indexOf('Canada') + 1], ')');
  const ltr = visualRuns('Embassy (Canada)', 'ltr').map((r) => r.text).join('');
  assert.equal(ltr, 'Embassy (Canada)');
});

test('an English line stays as it is; an empty line has no runs', () => {
  assert.equal(visualRuns('7 December 2026', 'ltr').map((r) => r.text).join(''), '7 December 2026');
  assert.deepEqual(visualRuns('', 'rtl'), []);
});
