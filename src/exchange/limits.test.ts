import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLimiter, quotaDay, secondsToNextDay } from './limits.js';

test('rate: at most N calls in each second', () => {
  const l = new MemoryLimiter();
  const t = Date.parse('2026-11-23T10:00:00.100Z');
  assert.deepEqual([1, 2, 3, 4].map(() => l.take(1, 3, null, t)), ['ok', 'ok', 'ok', 'rate']);
  assert.equal(l.take(1, 3, null, t + 800), 'rate', 'same second');
  assert.equal(l.take(1, 3, null, t + 900), 'ok', 'next second');
  assert.equal(l.take(2, 3, null, t), 'ok', 'contracts count apart');
});

test('quota: at most N calls a day; refusals by rate or quota are not counted', () => {
  const l = new MemoryLimiter();
  const t = Date.parse('2026-11-23T10:00:00Z');
  assert.equal(l.take(1, 1, 2, t), 'ok');
  assert.equal(l.take(1, 1, 2, t), 'rate', 'rate refusal uses no quota');
  assert.equal(l.take(1, 1, 2, t + 1000), 'ok');
  assert.equal(l.take(1, 1, 2, t + 2000), 'quota');
  assert.equal(l.take(1, 1, 2, t + 3000), 'quota');
  // 20:30 UTC is midnight in Tehran: a new quota day.
  assert.equal(l.take(1, 1, 2, Date.parse('2026-11-23T20:30:00Z')), 'ok');
});

test('the quota day ends at midnight Tehran time (UTC+03:30)', () => {
  assert.equal(quotaDay(Date.parse('2026-11-23T20:29:59Z')) + 1, quotaDay(Date.parse('2026-11-23T20:30:00Z')));
  assert.equal(secondsToNextDay(Date.parse('2026-11-23T20:29:00Z')), 60);
});
