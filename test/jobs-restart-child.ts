/**
 * A node of test/jobs-restart.e2e.test.ts, on the database its environment names (as `panjareh start`):
 *
 *   schedule  schedules a `restart-test` job due a minute ago (and one due in an hour) without starting
 *             its Jobs, prints `scheduled <id>` and exits
 *   crash     schedules such a job and starts its Jobs with a 2 s lease; the handler records `started`
 *             and hangs; prints `handling <id>` so the test can kill it with SIGKILL mid-handler
 *   run       registers a handler that records `ran`, prints `ready`, starts polling on the line `go` on
 *             its standard input, and on SIGTERM stops (waiting for its handler) and exits 0
 *   worker    the platform itself with the worker role (demo mode: its clock is the database's, moved by
 *             the test): opens it and prints `ready`; on `go` builds its server as `panjareh start
 *             --roles worker` does (which starts the platform's jobs) and listens; on SIGTERM closes as
 *             `start` does and exits 0
 */
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import { allMigrations, buildServer, openPlatform } from '../src/app.js';
import { systemClock } from '../src/platform/clock.js';
import { loadConfig } from '../src/platform/config.js';
import { openDatabase } from '../src/platform/db.js';
import { Jobs } from '../src/platform/jobs/index.js';
import { migrate } from '../src/platform/migrations.js';

const mode = process.argv[2];
const node = process.env.JOBS_NODE_ID ?? `node-${process.pid}`;
const database = openDatabase(loadConfig(process.env));
const { db, dialect } = database;
await migrate(db, dialect, allMigrations);
const log = (msg: string, detail: Record<string, unknown>) => process.stderr.write(`${msg} ${JSON.stringify(detail)}\n`);
const record = (id: string, attempt: number, phase: string) =>
  sql`insert into jobs_restart_runs (job_id, node, attempt, phase) values (${id}, ${node}, ${attempt}, ${phase})`.execute(db);

if (mode === 'schedule' || mode === 'crash') {
  await sql`create table if not exists jobs_restart_runs (job_id text not null, node text not null, attempt integer not null, phase text not null)`.execute(db);
  const jobs = new Jobs(db, dialect, { clock: systemClock, nodeId: node, leaseMs: 2000, pollMs: 50, log });
  const now = Date.now();
  const id = await db.transaction().execute(async (trx) => {
    await jobs.schedule(trx, 'restart-test', { later: true }, { runAt: new Date(now + 3_600_000) });
    return jobs.schedule(trx, 'restart-test', { due: 'while every node is down' }, { runAt: new Date(now - 60_000), key: 'the-deadline' });
  });
  if (mode === 'schedule') {
    console.log(`scheduled ${id}`);
    await database.close();
    process.exit(0);
  }
  jobs.register('restart-test', async (job) => {
    await record(job.id, job.attempt, 'started');
    console.log(`handling ${job.id}`);
    await new Promise(() => undefined); // never ends: the test kills this process here
  });
  jobs.start();
} else if (mode === 'run') {
  const jobs = new Jobs(db, dialect, { clock: systemClock, nodeId: node, pollMs: 50, log });
  jobs.register('restart-test', async (job) => {
    await record(job.id, job.attempt, 'ran');
    // A handler that takes a moment, so that a second claim of the same job, were one possible, would overlap it.
    await new Promise((r) => setTimeout(r, 200));
  });
  process.once('SIGTERM', () => {
    void jobs.stop().then(async () => {
      await database.close();
      process.exit(0);
    });
  });
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'go') jobs.start();
  });
  console.log('ready');
} else if (mode === 'worker') {
  await database.close();
  const platform = await openPlatform(loadConfig({ ...process.env, PANJAREH_DEMO: 'true' }, { roles: 'worker', port: 0, host: '127.0.0.1' }));
  let app: Awaited<ReturnType<typeof buildServer>> | null = null;
  process.once('SIGTERM', () => {
    void (async () => {
      await app?.close();
      await platform.close();
      process.exit(0);
    })();
  });
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'go' || app) return;
    void (async () => {
      app = await buildServer(platform);
      await app.listen({ port: 0, host: '127.0.0.1' });
    })();
  });
  console.log('ready');
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
