import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import { clockMigrations, DatabaseClock, ManualClock } from '../clock.js';
import { Jobs, jobMigrations, type JobRun } from './index.js';
import { testDatabase } from './test-database.js';

const MIN = 60_000;

/** A promise and the function that settles it: a handler that waits for the test. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not in time: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const status = async (db: Kysely<any>, id: string) =>
  (await db.selectFrom('platform_jobs').select(['status', 'attempt', 'last_error', 'run_at', 'locked_by']).where('id', '=', id).executeTakeFirst()) as
    | { status: string; attempt: number; last_error: string | null; run_at: string; locked_by: string | null }
    | undefined;

test('a job is due only when the clock reaches its time; then it runs once and is done', async () => {
  const t = await testDatabase(jobMigrations);
  try {
    const clock = new ManualClock();
    const jobs = new Jobs(t.db, t.dialect, { clock, nodeId: 'n1' });
    const ran: JobRun[] = [];
    jobs.register('remind', async (job) => void ran.push(job));
    const id = await jobs.schedule(t.db, 'remind', { application: 'A-1' }, { runAt: new Date(clock.now().getTime() + 10 * MIN) });

    assert.equal(await jobs.runDue(), 0);
    assert.deepEqual(await jobs.stats(), { waiting: 1, due: 0, running: 0, failed: 0, oldestDueLagMs: null });
    clock.advance(10 * MIN - 1);
    assert.equal(await jobs.runDue(), 0, 'a millisecond early');
    clock.advance(1);
    assert.deepEqual(await jobs.stats(), { waiting: 1, due: 1, running: 0, failed: 0, oldestDueLagMs: 0 });
    clock.advance(5000);
    assert.equal((await jobs.stats()).oldestDueLagMs, 5000);
    assert.equal(await jobs.runDue(), 1);
    assert.deepEqual(ran, [{ id, kind: 'remind', key: null, payload: { application: 'A-1' }, attempt: 1 }]);
    assert.equal((await status(t.db, id))?.status, 'done', 'done rows are kept (pruned after keepDoneMs)');
    assert.equal(await jobs.runDue(), 0);
    assert.deepEqual(await jobs.stats(), { waiting: 0, due: 0, running: 0, failed: 0, oldestDueLagMs: null });
  } finally {
    await t.dispose();
  }
});

test('two nodes polling one database at once: every job is handled exactly once', async () => {
  const t = await testDatabase(jobMigrations);
  try {
    const clock = new ManualClock();
    // Each node has its own connection (on SQLite its own handle on the file), as separate processes would.
    const nodes = ['node-a', 'node-b'].map((nodeId) => new Jobs(t.open().db, t.dialect, { clock, nodeId, batch: 7 }));
    const handled = new Map<string, string[]>();
    for (const [i, jobs] of nodes.entries()) {
      jobs.register('work', async (job) => {
        handled.set(job.id, [...(handled.get(job.id) ?? []), `node-${i}`]);
        // Yield, so the other node's claims interleave with this node's runs.
        await new Promise((r) => setImmediate(r));
      });
    }
    const ids: string[] = [];
    await t.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 300; i++) ids.push(await nodes[0]!.schedule(trx, 'work', { i }, { runAt: new Date(clock.now().getTime() - i) }));
    });
    const drain = async (jobs: Jobs) => {
      let total = 0;
      for (let n; (n = await jobs.runDue()) > 0; ) total += n;
      return total;
    };
    const [a, b] = await Promise.all(nodes.map(drain));
    assert.equal(a! + b!, 300);
    assert.ok(a! > 0 && b! > 0, `both nodes took part (${a} and ${b})`);
    assert.equal(handled.size, 300);
    const twice = [...handled].filter(([, by]) => by.length !== 1);
    assert.deepEqual(twice, [], 'no job ran twice');
    assert.deepEqual(await nodes[1]!.stats(), { waiting: 0, due: 0, running: 0, failed: 0, oldestDueLagMs: null });
  } finally {
    await t.dispose();
  }
});

test('a job that throws is retried after its backoff and then succeeds', async () => {
  const t = await testDatabase(jobMigrations);
  try {
    const clock = new ManualClock();
    const logged: string[] = [];
    const jobs = new Jobs(t.db, t.dialect, { clock, nodeId: 'n1', log: (msg) => logged.push(msg) });
    const attempts: number[] = [];
    jobs.register(
      'flaky',
      async (job) => {
        attempts.push(job.attempt);
        if (job.attempt < 3) throw new Error(`gateway down (${job.attempt})`);
      },
      { maxAttempts: 5, backoffMs: (attempt) => attempt * MIN },
    );
    const id = await jobs.schedule(t.db, 'flaky', {}, { runAt: clock.now() });
    assert.equal(await jobs.runDue(), 1);
    let row = await status(t.db, id);
    assert.equal(row?.status, 'waiting');
    assert.equal(row?.last_error, 'Error: gateway down (1)');
    assert.equal(row?.run_at, new Date(clock.now().getTime() + MIN).toISOString(), 'after attempt 1: backoffMs(1)');
    assert.equal(await jobs.runDue(), 0, 'not before the backoff');
    clock.advance(MIN);
    assert.equal(await jobs.runDue(), 1);
    clock.advance(2 * MIN - 1);
    assert.equal(await jobs.runDue(), 0, 'after attempt 2: backoffMs(2)');
    clock.advance(1);
    assert.equal(await jobs.runDue(), 1);
    assert.deepEqual(attempts, [1, 2, 3]);
    row = await status(t.db, id);
    assert.equal(row?.status, 'done');
    assert.equal(row?.attempt, 3);
    assert.deepEqual(logged, ['job will be retried', 'job will be retried']);
    assert.equal((await jobs.stats()).failed, 0);
  } finally {
    await t.dispose();
  }
});

test('after maxAttempts a job is failed with its last error, kept and counted; retry sends it back', async () => {
  const t = await testDatabase(jobMigrations);
  try {
    const clock = new ManualClock();
    const jobs = new Jobs(t.db, t.dialect, { clock, nodeId: 'n1' });
    let runs = 0;
    let healthy = false;
    jobs.register(
      'doomed',
      async (job) => {
        runs++;
        if (!healthy) throw new Error(`refused on attempt ${job.attempt}`);
      },
      { maxAttempts: 2, backoffMs: () => 1000 },
    );
    const id = await jobs.schedule(t.db, 'doomed', { x: 1 }, { runAt: clock.now(), key: 'k' });
    assert.equal(await jobs.runDue(), 1);
    clock.advance(1000);
    assert.equal(await jobs.runDue(), 1);
    clock.advance(3_600_000);
    assert.equal(await jobs.runDue(), 0, 'no third attempt');
    assert.equal(runs, 2);
    const stats = await jobs.stats();
    assert.equal(stats.failed, 1);
    assert.equal(stats.waiting, 0);
    const [f] = await jobs.failures();
    assert.equal(f?.id, id);
    assert.equal(f?.lastError, 'Error: refused on attempt 2');
    assert.equal(f?.attempt, 2);
    assert.deepEqual(f?.payload, { x: 1 });

    // The key is free again once its job failed: scheduling it makes a new job.
    const again = await jobs.schedule(t.db, 'doomed', { x: 2 }, { runAt: new Date(clock.now().getTime() + MIN), key: 'k' });
    assert.notEqual(again, id);
    await assert.rejects(jobs.retry(id), (e: unknown) => (e as { code?: string }).code === 'job_key_taken');
    assert.equal(await jobs.cancel(t.db, 'doomed', 'k'), true);
    healthy = true;
    assert.equal(await jobs.retry(id), true);
    assert.equal(await jobs.retry(id), false, 'no longer failed');
    assert.equal(await jobs.runDue(), 1);
    assert.equal((await status(t.db, id))?.status, 'done');
    assert.equal((await jobs.stats()).failed, 0);
  } finally {
    await t.dispose();
  }
});

test('a job scheduled inside a transaction that rolls back does not exist; one that commits does', async () => {
  const t = await testDatabase(jobMigrations);
  try {
    const clock = new ManualClock();
    const jobs = new Jobs(t.db, t.dialect, { clock, nodeId: 'n1' });
    const ran: unknown[] = [];
    jobs.register('deadline', async (job) => void ran.push(job.payload));
    await assert.rejects(
      t.db.transaction().execute(async (trx) => {
        await jobs.schedule(trx, 'deadline', { application: 'rolled back' }, { runAt: clock.now() });
        throw new Error('the submission failed after scheduling');
      }),
      /submission failed/,
    );
    await t.db.transaction().execute(async (trx) => {
      await jobs.schedule(trx, 'deadline', { application: 'committed' }, { runAt: clock.now() });
    });
    assert.equal((await jobs.stats()).waiting, 1);
    assert.equal(await jobs.runDue(), 1);
    assert.deepEqual(ran, [{ application: 'committed' }]);
    const rows = await (t.db as Kysely<any>).selectFrom('platform_jobs').select('id').execute();
    assert.equal(rows.length, 1);
  } finally {
    await t.dispose();
  }
});

test("a node that dies mid-job lets its lease expire; another node takes the job over and the dead node's late outcome is dropped", async () => {
  const t = await testDatabase(jobMigrations);
  try {
    const clock = new ManualClock();
    const logA: string[] = [];
    const a = new Jobs(t.open().db, t.dialect, { clock, nodeId: 'node-a', leaseMs: 5 * MIN, log: (m) => logA.push(m) });
    const b = new Jobs(t.open().db, t.dialect, { clock, nodeId: 'node-b', leaseMs: 5 * MIN });
    const stuck = gate();
    const runs: string[] = [];
    a.register('send', async (job) => {
      runs.push(`a#${job.attempt}`);
      await stuck.wait; // hangs like a dead node (its lease is not renewed: the manual clock moves, real time hardly does)
      throw new Error('a: too late');
    });
    b.register('send', async (job) => void runs.push(`b#${job.attempt}`));
    const id = await a.schedule(t.db, 'send', {}, { runAt: clock.now() });
    const aPass = a.runDue();
    await until(() => runs.length === 1, 'node a started the job');
    assert.equal((await status(t.db, id))?.locked_by, 'node-a');
    clock.advance(5 * MIN - 1);
    assert.equal(await b.runDue(), 0, 'the lease still holds');
    clock.advance(1);
    assert.equal(await b.runDue(), 1, 'the lease expired: b takes the job');
    assert.deepEqual(runs, ['a#1', 'b#2']);
    assert.equal((await status(t.db, id))?.status, 'done');
    stuck.open();
    assert.equal(await aPass, 1);
    const row = await status(t.db, id);
    assert.equal(row?.status, 'done', "a's failure after losing the lease changes nothing");
    assert.equal(row?.last_error, null);
    assert.ok(logA.includes('job lease lost: its outcome here is dropped'), logA.join());
  } finally {
    await t.dispose();
  }
});

test('a node that died during the last allowed attempt leaves the job failed, not run again', async () => {
  const t = await testDatabase(jobMigrations);
  try {
    const clock = new ManualClock();
    const a = new Jobs(t.open().db, t.dialect, { clock, nodeId: 'node-a', leaseMs: MIN });
    const b = new Jobs(t.open().db, t.dialect, { clock, nodeId: 'node-b', leaseMs: MIN });
    const stuck = gate();
    let bRan = false;
    a.register('once', () => stuck.wait, { maxAttempts: 1 });
    b.register('once', async () => void (bRan = true), { maxAttempts: 1 });
    const id = await a.schedule(t.db, 'once', {}, { runAt: clock.now() });
    const aPass = a.runDue();
    await until(async () => (await status(t.db, id))?.status === 'running', 'a claimed it');
    clock.advance(MIN);
    assert.equal(await b.runDue(), 1);
    assert.equal(bRan, false);
    const row = await status(t.db, id);
    assert.equal(row?.status, 'failed');
    assert.match(row?.last_error ?? '', /lease expired/);
    stuck.open();
    await aPass;
    assert.equal((await status(t.db, id))?.status, 'failed');
  } finally {
    await t.dispose();
  }
});

test('scheduling the same key again moves the waiting job; while it runs, it runs again at the new time; cancel removes it', async () => {
  const t = await testDatabase(jobMigrations);
  try {
    const clock = new ManualClock();
    const jobs = new Jobs(t.db, t.dialect, { clock, nodeId: 'n1' });
    const ran: unknown[] = [];
    let hold: ReturnType<typeof gate> | null = null;
    jobs.register('deadline', async (job) => {
      ran.push(job.payload);
      if (hold) await hold.wait;
    });
    const at = (min: number) => new Date(clock.now().getTime() + min * MIN);
    const first = await jobs.schedule(t.db, 'deadline', { v: 1 }, { runAt: at(10), key: 'APP-1' });
    const second = await jobs.schedule(t.db, 'deadline', { v: 2 }, { runAt: at(20), key: 'APP-1' });
    assert.equal(second, first, 'the same job');
    await jobs.schedule(t.db, 'deadline', { other: true }, { runAt: at(30), key: 'APP-2' });
    await jobs.schedule(t.db, 'reminder', { otherKind: true }, { runAt: at(30), key: 'APP-1' });
    assert.equal((await jobs.stats()).waiting, 3, 'keys are per kind');
    clock.advance(10 * MIN);
    assert.equal(await jobs.runDue(), 0, 'the first time no longer holds');
    clock.advance(10 * MIN);
    assert.equal(await jobs.runDue(), 1);
    assert.deepEqual(ran, [{ v: 2 }]);
    assert.equal(await jobs.cancel(t.db, 'deadline', 'APP-2'), true);
    assert.equal(await jobs.cancel(t.db, 'deadline', 'APP-2'), false);
    assert.equal(await jobs.cancel(t.db, 'deadline', 'nothing'), false);

    // Scheduled again while running: this run ends, then it waits for the new time.
    const again = await jobs.schedule(t.db, 'deadline', { v: 3 }, { runAt: at(5), key: 'APP-1' });
    assert.notEqual(again, first, 'the done job stays done; the key makes a new one');
    clock.advance(5 * MIN);
    hold = gate();
    const pass = jobs.runDue(1);
    await until(() => ran.length === 2, 'v3 started');
    assert.equal(await jobs.schedule(t.db, 'deadline', { v: 4 }, { runAt: at(60), key: 'APP-1' }), again, 'the running job is the one moved');
    hold.open();
    await pass;
    hold = null;
    const row = await status(t.db, again);
    assert.equal(row?.status, 'waiting');
    assert.equal(row?.attempt, 0);
    clock.advance(60 * MIN);
    assert.equal(await jobs.runDue(1), 1);
    assert.deepEqual(ran.slice(2), [{ v: 4 }]);

    assert.equal((await jobs.stats()).waiting, 1, 'only the other kind is left');
  } finally {
    await t.dispose();
  }
});

test('start polls and runs due jobs; stop waits for the handler that is running; a node claims only kinds it handles', async () => {
  const t = await testDatabase(jobMigrations);
  try {
    const clock = new ManualClock();
    const jobs = new Jobs(t.db, t.dialect, { clock, nodeId: 'n1', pollMs: 20 });
    const hold = gate();
    let started = false;
    let finished = false;
    jobs.register('slow', async () => {
      started = true;
      await hold.wait;
      finished = true;
    });
    const slow = await jobs.schedule(t.db, 'slow', {}, { runAt: clock.now() });
    await jobs.schedule(t.db, 'not-here', {}, { runAt: clock.now() });
    jobs.start();
    await until(() => started, 'the loop ran the job');
    let stopped = false;
    const stopping = jobs.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(stopped, false, 'stop waits for the handler');
    hold.open();
    await stopping;
    assert.equal(finished, true);
    assert.equal((await status(t.db, slow))?.status, 'done');
    const stats = await jobs.stats();
    assert.equal(stats.waiting, 1, 'the kind without a handler here is left for a node that has one');
  } finally {
    await t.dispose();
  }
});

test('moving the demo clock makes jobs due on every node, without expiring the leases of running jobs (leaseClock)', async () => {
  const t = await testDatabase([...clockMigrations, ...jobMigrations]);
  try {
    const real = new ManualClock();
    const platformA = new DatabaseClock(t.db, { allowed: true, base: real });
    const platformB = new DatabaseClock(t.open().db, { allowed: true, base: real });
    const a = new Jobs(t.open().db, t.dialect, { clock: platformA, leaseClock: real, nodeId: 'node-a', leaseMs: MIN });
    const b = new Jobs(t.open().db, t.dialect, { clock: platformB, leaseClock: real, nodeId: 'node-b', leaseMs: MIN });
    const hold = gate();
    const ran: string[] = [];
    a.register('deadline', async (job) => {
      ran.push(`a:${String((job.payload as { n: number }).n)}`);
      await hold.wait;
    });
    b.register('deadline', async (job) => void ran.push(`b:${String((job.payload as { n: number }).n)}`));
    await a.schedule(t.db, 'deadline', { n: 1 }, { runAt: real.now() });
    await a.schedule(t.db, 'deadline', { n: 2 }, { runAt: new Date(real.now().getTime() + 10 * 86_400_000) });
    const aPass = a.runDue(1);
    await until(() => ran.length === 1, 'a runs job 1');

    await platformA.advance(10 * 86_400_000, 'operator');
    await platformB.refresh();
    assert.equal(await b.runDue(), 1, 'job 2 is due on node b at once');
    assert.deepEqual(ran, ['a:1', 'b:2'], "job 1's lease, in real time, still holds: b does not run it again");
    real.advance(MIN);
    hold.open();
    await aPass;
    assert.equal(await b.runDue(), 0, 'a finished job 1 (its outcome kept, as nobody took it over)');
    assert.deepEqual(await b.stats(), { waiting: 0, due: 0, running: 0, failed: 0, oldestDueLagMs: null });
  } finally {
    await t.dispose();
  }
});
