import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from './errors.js';
import { clockMigrations, DatabaseClock, ManualClock, systemClock } from './clock.js';
import { testDatabase } from './jobs/test-database.js';

const DAY = 86_400_000;

test('ManualClock stands still until set or advanced', () => {
  const c = new ManualClock('2026-12-07T08:00:00.000Z');
  assert.equal(c.nowIso(), '2026-12-07T08:00:00.000Z');
  assert.equal(c.nowIso(), '2026-12-07T08:00:00.000Z');
  c.advance(90_000);
  assert.equal(c.nowIso(), '2026-12-07T08:01:30.000Z');
  c.set('2027-01-01T00:00:00Z');
  assert.equal(c.now().getTime(), Date.parse('2027-01-01T00:00:00Z'));
  assert.throws(() => c.set('not a date'), TypeError);
  assert.ok(Math.abs(systemClock.now().getTime() - Date.now()) < 1000);
});

test('DatabaseClock: a demo platform moves forward on every node; reset returns to the real time', async () => {
  const t = await testDatabase(clockMigrations);
  try {
    const base = new ManualClock('2026-12-07T08:00:00.000Z');
    const nodeA = new DatabaseClock(t.db, { allowed: true, base });
    // Node B trusts its cached offset for a minute: it sees A's change only when it re-reads.
    const nodeB = new DatabaseClock(t.open().db, { allowed: true, base, cacheMs: 60_000 });
    assert.equal(await nodeB.refresh(), 0);
    assert.equal(nodeB.nowIso(), base.nowIso(), 'no offset yet: the real time');

    assert.equal(await nodeA.advance(3 * DAY, 'operator'), 3 * DAY);
    assert.equal(await nodeA.advance(40 * DAY), 43 * DAY, 'two moves add up (and 43 days in ms passes 32 bits)');
    assert.equal(nodeA.nowIso(), new Date(base.now().getTime() + 43 * DAY).toISOString());
    assert.equal(nodeB.nowIso(), base.nowIso(), 'B still answers from its cache');
    await nodeB.refresh();
    assert.equal(nodeB.nowIso(), new Date(base.now().getTime() + 43 * DAY).toISOString(), 'after re-reading, B is ahead too');

    await assert.rejects(nodeA.advance(-DAY), (e: unknown) => e instanceof AppError && e.status === 400 && e.code === 'clock_advance');
    await assert.rejects(nodeA.advance(0), (e: unknown) => e instanceof AppError && e.code === 'clock_advance');

    await nodeB.reset('operator');
    await nodeA.refresh();
    assert.equal(nodeA.nowIso(), base.nowIso());
    assert.equal(nodeB.offsetMs, 0);
  } finally {
    await t.dispose();
  }
});

test('DatabaseClock: a stale cache is re-read in the background by now() itself', async () => {
  const t = await testDatabase(clockMigrations);
  try {
    const base = new ManualClock();
    const writer = new DatabaseClock(t.db, { allowed: true, base });
    const reader = new DatabaseClock(t.open().db, { allowed: true, base, cacheMs: 0 });
    await writer.advance(DAY);
    const until = Date.now() + 10_000;
    while (reader.now().getTime() !== base.now().getTime() + DAY) {
      assert.ok(Date.now() < until, 'the reader never picked up the offset');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await t.dispose();
  }
});

test('DatabaseClock: a platform that is not a demo refuses to move and ignores any stored offset', async () => {
  const t = await testDatabase(clockMigrations);
  try {
    await new DatabaseClock(t.db, { allowed: true }).advance(DAY);
    const base = new ManualClock();
    const live = new DatabaseClock(t.db, { allowed: false, base });
    await assert.rejects(live.advance(DAY), (e: unknown) => e instanceof AppError && e.status === 403 && e.code === 'clock_demo_only' && /demo/.test(e.messages.en) && e.messages.fa.length > 0);
    await assert.rejects(live.reset(), (e: unknown) => e instanceof AppError && e.code === 'clock_demo_only');
    assert.equal(await live.refresh(), 0);
    assert.equal(live.nowIso(), base.nowIso(), 'the offset a demo left behind does not apply');
  } finally {
    await t.dispose();
  }
});
