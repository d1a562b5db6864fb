import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { BANK_CLIENT, PERSON_SERVICE, registerBankAndRegistry, startUpstream } from './exchange-helpers.js';
import { freshDatabase, testPlatform } from './harness.js';
import { loadUntilKilled } from './kill-under-load.js';
import { nodeEntry, startNode } from './entry.js';

/**
 * Kill -9 of the real gateway under load: `panjareh start --roles gateway` as a child process serves
 * /r1 calls from concurrent clients and is killed with SIGKILL mid-load. After a restart on the same
 * database (the same node id, so it continues its chain), every call that got a 2xx has its audit
 * record (by X-Road-Id) and `panjareh audit verify` exits 0.
 */

const CLIENT = BANK_CLIENT;
const SERVICE = PERSON_SERVICE;
const PATH = `/r1/${SERVICE}/persons/0499370899`;

let db: Awaited<ReturnType<typeof freshDatabase>>;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let key: string;
const running: ChildProcess[] = [];

const childEnv = () => ({
  ...process.env,
  PANJAREH_DATA_DIR: db.dataDir,
  LOG_LEVEL: 'silent',
  PANJAREH_DEMO: 'false',
  PANJAREH_NODE_ID: 'kill-gateway',
  ...(db.pgSchema ? { PGOPTIONS: `-c search_path=${db.pgSchema}` } : {}),
});

before(async () => {
  db = await freshDatabase();
  upstream = await startUpstream();
  const p = await testPlatform({ shared: db });
  try {
    key = await registerBankAndRegistry(p, upstream.url, 'Kill test');
  } finally {
    await p.dispose();
  }
});

after(async () => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await upstream.close();
  await db.drop();
});

const headers = () => ({ 'x-road-client': CLIENT, authorization: `ApiKey ${key}` });

/**
 * Starts the gateway node and waits until it answers a call with 200. It listens on a port of its own
 * choosing (port 0) and says which: a port picked free here and passed on could be taken by another
 * process before the child, seconds later, binds it. Its start is an event (the address it prints, or
 * its exit), not a time limit: on a loaded machine loading the platform alone took over 30 s.
 */
async function startGateway(): Promise<{ child: ChildProcess; url: string }> {
  const { child, port } = await startNode('gateway', childEnv());
  running.push(child);
  const url = `http://127.0.0.1:${port}${PATH}`;
  const r = await fetch(url, { headers: headers() });
  await r.arrayBuffer();
  assert.equal(r.status, 200, 'the gateway serves once it says it listens');
  return { child, url };
}

/** 32 clients until the node dies; SIGKILL once `killAfter` calls got a 2xx. Returns their X-Road-Ids ('' for a 2xx without one). */
function hammer(child: ChildProcess, url: string, killAfter: number): Promise<{ ok: string[]; failed: number }> {
  return loadUntilKilled(child, {
    clients: 32,
    killAfter,
    call: async () => {
      const res = await fetch(url, { headers: headers(), signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 300 ? (res.headers.get('x-road-id') ?? '') : null;
    },
  });
}

test('kill -9 of the gateway under load: every 2xx has its audit record after restart; audit verify passes', async () => {
  const first = await startGateway();
  const r = await hammer(first.child, first.url, 600);
  assert.equal(first.child.signalCode, 'SIGKILL');
  assert.ok(r.ok.length >= 600, `${r.ok.length} answered`);
  assert.ok(r.failed > 0, 'the kill came while calls were in flight');

  // The restarted node continues the same chain after the crash and serves again.
  const second = await startGateway();
  const again = await hammer(second.child, second.url, 150);
  const acknowledged = [...r.ok, ...again.ok];
  assert.ok(acknowledged.every((id) => id !== ''), 'every 2xx carries its X-Road-Id');

  const p = await testPlatform({ shared: db });
  try {
    const stored = new Set((await sql<{ id: string }>`select id from exchange_audit`.execute(p.database.db)).rows.map((x) => x.id));
    const lost = acknowledged.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} calls answered 2xx have no audit record`);
    const chains = (await sql<{ chain_id: string }>`select distinct chain_id from exchange_audit`.execute(p.database.db)).rows.map((x) => x.chain_id);
    assert.deepEqual(chains, ['kill-gateway'], 'the restarted node continued its chain');
  } finally {
    await p.dispose();
  }

  const verify = spawnSync(process.execPath, [...nodeEntry('src/cli.ts'), 'audit', 'verify'], { env: childEnv(), encoding: 'utf8', timeout: 60_000 });
  assert.equal(verify.status, 0, verify.stderr);
  assert.match(verify.stdout, /^Audit log intact: 1 chain\(s\), \d+ record\(s\)/);
});
