import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { catalogFile } from './fixtures.js';
import { eventually, freshDatabase } from './harness.js';
import { nodeEntry } from './entry.js';

/**
 * `panjareh start --workers 2`: a primary and two worker processes on one port. Each worker is a node:
 * a catalogue import made by another process reaches both, a worker that dies is replaced, and SIGTERM
 * stops them all.
 */

let db: Awaited<ReturnType<typeof freshDatabase>>;
let primary: ChildProcess;
let output = '';
let port = 0;

const env = () => ({
  ...process.env,
  PANJAREH_DATA_DIR: db.dataDir,
  PANJAREH_DEMO: 'false',
  PANJAREH_INDEX_SYNC_MS: '100',
  LOG_LEVEL: 'warn',
  PORT: '0',
  ...(db.pgSchema ? { PGOPTIONS: `-c search_path=${db.pgSchema}` } : {}),
});

/** The worker processes of the primary (its children). */
function workers(): number[] {
  const r = spawnSync('pgrep', ['-P', String(primary.pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** A GET on a connection of its own, so that the primary deals each request to the next worker. */
function get(p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', reject);
  });
}

before(async () => {
  db = await freshDatabase();
  primary = spawn(process.execPath, [...nodeEntry('src/cli.ts'), 'start', '--workers', '2', '--host', '127.0.0.1'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  primary.stdout!.on('data', (d) => (output += d));
  primary.stderr!.on('data', (d) => (output += d));
  // Started is an event: the address printed once both workers listen, or the primary's exit. A fixed 60 s
  // for it failed on a loaded machine, where three processes loading the platform took longer.
  await new Promise<void>((resolve) => {
    const started = () => /Open http:\/\/localhost:\d+\//.test(output) && resolve();
    primary.stdout!.on('data', started);
    primary.once('exit', () => resolve());
    started();
  });
  assert.match(output, /in 2 worker processes/, output);
  port = Number(/Open http:\/\/localhost:(\d+)\//.exec(output)![1]);
});

after(async () => {
  if (primary.exitCode === null) {
    primary.kill('SIGKILL');
    for (const pid of workers()) process.kill(pid, 'SIGKILL');
  }
  await db.drop();
});

test('two workers serve one port, and an import by another process reaches both', async () => {
  assert.equal(workers().length, 2);
  assert.equal((await get('/readyz')).status, 200);
  const file = path.join(db.dataDir, 'catalog.json');
  fs.writeFileSync(file, JSON.stringify(catalogFile()));
  const imported = spawnSync(process.execPath, [...nodeEntry('src/cli.ts'), 'import', 'catalog', file], { env: env(), encoding: 'utf8' });
  assert.equal(imported.status, 0, imported.stderr);
  // Ten requests in a row, dealt to both workers, all see the imported services.
  await eventually(async () => {
    for (let i = 0; i < 10; i++) {
      const r = await get('/api/v1/services?q=passport%20OR%20birth');
      if (!r.body.includes('NOCR-0001')) return false;
    }
    return true;
  }, 10_000);
});

test('a worker that dies is replaced; SIGTERM to the primary stops every process', async () => {
  const [first] = workers();
  process.kill(first!, 'SIGKILL');
  await eventually(() => workers().length === 2 && !workers().includes(first!), 30_000);
  await eventually(async () => (await get('/healthz')).status === 200, 30_000);
  assert.match(output, /stopped \(SIGKILL\); starting another/);
  const pids = workers();
  primary.kill('SIGTERM');
  const [code] = await once(primary, 'exit');
  assert.equal(code, 0);
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), 'worker still running');
});
