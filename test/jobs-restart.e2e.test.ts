import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../src/platform/config.js';
import { openDatabase, type DatabaseHandle } from '../src/platform/db.js';
import { applicant, delivery } from './casework-fixtures.js';
import { catalogFile, service } from './fixtures.js';
import { dialectUnderTest, eventually, freshDatabase, testPlatform } from './harness.js';
import { nodeEntry } from './entry.js';

/**
 * Durable jobs across restarts and nodes, with real processes (test/jobs-restart-child.ts): a job due
 * while no node polls is run after the restart exactly once although two nodes start polling at the
 * same moment; a node killed (SIGKILL) in the middle of a job loses its lease and the job is run once
 * more, by one of two fresh nodes; and an application's legal deadline that passed while no node ran
 * (the demo clock moved past it) is acted on once when two worker nodes of the platform start together.
 */

type Db = Awaited<ReturnType<typeof freshDatabase>>;
const databases: Db[] = [];
const handles: DatabaseHandle[] = [];
const children = new Set<ChildProcess>();
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const h of handles) await h.close();
  for (const d of databases) await d.drop();
});

async function database(): Promise<{ shared: Db; handle: DatabaseHandle }> {
  const shared = await freshDatabase();
  databases.push(shared);
  const handle = openDatabase(loadConfig({ ...process.env, PANJAREH_DATA_DIR: shared.dataDir }), { pgSchema: shared.pgSchema });
  handles.push(handle);
  return { shared, handle };
}

interface Node {
  child: ChildProcess;
  /** Resolves with the first line of standard output that matches. */
  line(re: RegExp): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

function node(shared: Db, mode: string, id: string): Node {
  const schemaEnv = shared.pgSchema ? { PGOPTIONS: `-c search_path=${shared.pgSchema}` } : {};
  const child = spawn(process.execPath, [...nodeEntry('test/jobs-restart-child.ts'), mode], {
    env: { ...process.env, PANJAREH_DATA_DIR: shared.dataDir, LOG_LEVEL: 'silent', JOBS_NODE_ID: id, ...schemaEnv },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  const waiters: Array<{ re: RegExp; resolve: (m: RegExpExecArray) => void }> = [];
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    for (const w of [...waiters]) {
      const m = w.re.exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return {
    child,
    exited,
    stderr: () => err,
    // Waiting for a line is waiting for an event (or the process's end), never for a fixed time: loading
    // the platform's code takes seconds on a busy machine; the suite's per-file limit still holds.
    line: (re) =>
      new Promise((resolve, reject) => {
        const m = re.exec(out);
        if (m) return resolve(m);
        waiters.push({ re, resolve });
        void exited.then(({ code, signal }) => reject(new Error(`${mode} node ${id} exited (${code ?? signal}) before ${re}: ${err}`)));
      }),
  };
}

async function runs(handle: DatabaseHandle): Promise<Array<{ job_id: string; node: string; attempt: number; phase: string }>> {
  const { rows } = await sql<{ job_id: string; node: string; attempt: number; phase: string }>`select job_id, node, attempt, phase from jobs_restart_runs order by attempt, phase`.execute(handle.db);
  return rows.map((r) => ({ ...r, attempt: Number(r.attempt) }));
}

const jobStatus = async (handle: DatabaseHandle, id: string) =>
  (await sql<{ status: string }>`select status from platform_jobs where id = ${id}`.execute(handle.db)).rows[0]?.status;

/** Two fresh nodes start polling at the same moment; returns once the job is done and both stopped cleanly. */
async function twoNodesRun(shared: Db, handle: DatabaseHandle, jobId: string): Promise<void> {
  const nodes = [node(shared, 'run', 'node-1'), node(shared, 'run', 'node-2')];
  await Promise.all(nodes.map((n) => n.line(/^ready$/m)));
  for (const n of nodes) n.child.stdin!.write('go\n');
  await eventually(async () => (await jobStatus(handle, jobId)) === 'done', 60_000);
  for (const n of nodes) n.child.kill('SIGTERM');
  for (const n of nodes) assert.deepEqual(await n.exited, { code: 0, signal: null }, n.stderr());
}

test('a job that fell due while no node ran is run once after the restart, by one of two nodes', async () => {
  const { shared, handle } = await database();
  const scheduler = node(shared, 'schedule', 'node-0');
  const [, jobId] = await scheduler.line(/^scheduled (\S+)$/m);
  assert.deepEqual(await scheduler.exited, { code: 0, signal: null }, scheduler.stderr());
  assert.equal(await jobStatus(handle, jobId!), 'waiting', 'nothing ran it: the scheduling process never polled');

  await twoNodesRun(shared, handle, jobId!);
  const r = await runs(handle);
  assert.equal(r.length, 1, JSON.stringify(r));
  assert.equal(r[0]!.job_id, jobId);
  assert.equal(r[0]!.attempt, 1);
  assert.equal(r[0]!.phase, 'ran');
  assert.ok(['node-1', 'node-2'].includes(r[0]!.node));
  const { rows } = await sql<{ status: string }>`select status from platform_jobs where id <> ${jobId!}`.execute(handle.db);
  assert.deepEqual(rows, [{ status: 'waiting' }], 'the job due in an hour is still waiting');
});

test('a node killed (SIGKILL) in the middle of a job: after its lease expires one of two fresh nodes runs it, once', async () => {
  const { shared, handle } = await database();
  const crashing = node(shared, 'crash', 'node-0');
  const [, jobId] = await crashing.line(/^handling (\S+)$/m);
  crashing.child.kill('SIGKILL');
  assert.equal((await crashing.exited).signal, 'SIGKILL');
  assert.equal(await jobStatus(handle, jobId!), 'running', 'the dead node still holds the lease');

  await twoNodesRun(shared, handle, jobId!);
  const r = await runs(handle);
  assert.deepEqual(
    r.map((x) => [x.job_id, x.attempt, x.phase]),
    [
      [jobId, 1, 'started'],
      [jobId, 2, 'ran'],
    ],
  );
  assert.equal(r[0]!.node, 'node-0');
  assert.ok(['node-1', 'node-2'].includes(r[1]!.node));
});

test('a deadline that passed while the server was down is acted on once after the restart, by one of two worker nodes', async () => {
  const { shared, handle } = await database();
  // Submitted while no worker runs; then the platform stops and its (demo) clock moves an hour past the deadline.
  const ali = { ...applicant('0499370899', 'علی رضایی', 'Ali Rezaei'), mobile: '09123456789' };
  const p = await testPlatform({ shared, env: { PANJAREH_DEMO: 'true' } });
  let id: string;
  try {
    const file = catalogFile();
    file.services.push(service('NOCR-0041', 'NOCR', ['گواهی تجرد', 'Certificate of single status'], { delivery: delivery('NOCR', 1) }) as never);
    await p.catalog.import(file, { actor: 'test' });
    const { application } = await p.services.applications.create(ali, 'NOCR-0041', { purpose: 'work' }, 'deadline-restart-1', []);
    id = application.id;
    assert.equal(application.status, 'submitted');
    await p.clock.advance(Date.parse(application.deadline!) + 3_600_000 - p.clock.now().getTime(), 'test');
  } finally {
    await p.dispose();
  }
  const jobsOf = async (kind: string) =>
    (await sql<{ key: string | null; status: string; attempt: number; payload: string; last_error: string | null }>`select key, status, attempt, payload, last_error from platform_jobs where kind = ${kind}`.execute(handle.db)).rows.map((r) => ({ ...r, attempt: Number(r.attempt), payload: JSON.parse(r.payload) as { kind?: string } }));
  assert.deepEqual((await jobsOf('application.deadline')).map((j) => j.status), ['waiting']);

  const nodes = [node(shared, 'worker', 'node-1'), node(shared, 'worker', 'node-2')];
  await Promise.all(nodes.map((n) => n.line(/^ready$/m)));
  for (const n of nodes) n.child.stdin!.write('go\n');
  // Done: the deadline's job ran, and so did the texts it and the submission scheduled.
  await eventually(async () => {
    const notify = await jobsOf('application.notify');
    return (await jobsOf('application.deadline'))[0]?.status === 'done' && notify.length === 2 && notify.every((j) => j.status === 'done');
  }, 90_000);
  for (const n of nodes) n.child.kill('SIGTERM');
  for (const n of nodes) assert.deepEqual(await n.exited, { code: 0, signal: null }, n.stderr());

  const app = (await sql<{ overdue: number; status: string }>`select overdue, status from applications where id = ${id}`.execute(handle.db)).rows[0]!;
  assert.deepEqual([Number(app.overdue), app.status], [1, 'submitted'], 'marked overdue, still in the queue');
  const events = (await sql<{ kind: string }>`select kind from application_events where application_id = ${id} order by id`.execute(handle.db)).rows.map((r) => r.kind);
  assert.deepEqual(events, ['created', 'submitted', 'overdue'], 'one overdue event');
  const texts = (await sql<{ purpose: string }>`select purpose from dev_outbox where channel = 'sms' order by created_at`.execute(handle.db)).rows.map((r) => r.purpose);
  assert.deepEqual(texts.sort(), ['application-overdue', 'application-status'], 'one text about the submission, one about the deadline');
  const [deadlineJob, ...more] = await jobsOf('application.deadline');
  assert.deepEqual([deadlineJob?.key, deadlineJob?.status, more.length], [id, 'done', 0]);
  // Claimed once. On SQLite alone a second attempt is allowed when the first was refused by its one-writer
  // rule (the other node committed inside the job's transaction: SQLITE_BUSY), which changed nothing.
  const sqliteRetry = dialectUnderTest === 'sqlite' && /SQLITE_BUSY|database is locked/.test(deadlineJob!.last_error ?? '');
  assert.ok(deadlineJob!.attempt === 1 || sqliteRetry, `the deadline job ran once: attempt ${deadlineJob!.attempt}, ${deadlineJob!.last_error}`);
  assert.deepEqual((await jobsOf('application.notify')).map((j) => [j.payload.kind, j.status, j.attempt]).sort(), [['overdue', 'done', 1], ['status', 'done', 1]]);
  // The escalation waits for its own time (three working days after the deadline), scheduled once.
  assert.deepEqual((await jobsOf('application.escalate')).map((j) => [j.key, j.status]), [[id, 'waiting']]);
});
