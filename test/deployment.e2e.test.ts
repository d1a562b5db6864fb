import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { after, test } from 'node:test';
import pg from 'pg';
import { nodeEntry } from './entry.js';
import { BANK_CLIENT, PERSON_SERVICE, registerBankAndRegistry, startUpstream } from './exchange-helpers.js';
import type { freshDatabase as FreshDatabase } from './harness.js';

/**
 * The reference deployment (deploy/reference/start.mjs, docs/operations.md#reference-deployment) as an
 * operator starts it: nginx in front of two portal nodes (portal,idp), two gateway nodes and a worker
 * node, on PostgreSQL and Redis. Gateway calls go through nginx while one gateway node is killed with
 * SIGKILL; every call answered 2xx has its audit record (by X-Road-Id), the other gateway node serves
 * every call made after the kill, the portal's pages and identity provider answer through nginx, and
 * SIGTERM stops every process. Demo mode is off: the calls go to a provider and a consumer this test
 * registers (as in exchange-gateway-kill), so that nothing depends on which node the demo's loopback
 * back-ends were registered at.
 */

const SKIP = process.env.DATABASE_URL ? false : 'the reference deployment runs on PostgreSQL';
const CLIENT = BANK_CLIENT;
const SERVICE = PERSON_SERVICE;
const PATH = `/r1/${SERVICE}/persons/0499370899`;

let db: Awaited<ReturnType<typeof FreshDatabase>> | undefined;
let upstream: Awaited<ReturnType<typeof startUpstream>> | undefined;
let script: ChildProcess | undefined;
const pids: number[] = [];

after(async () => {
  // A test that failed half-way: the script stops what it started (nodes still starting too), and
  // whatever is left after 40 s gets SIGKILL.
  if (script && script.exitCode === null && script.signalCode === null) {
    const exited = new Promise((r) => script!.once('exit', r));
    script.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 40_000).unref())]);
    script.kill('SIGKILL');
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await upstream?.close();
  await db?.drop();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Started {
  nodes: Map<string, { pid: number; port: number; roles: string }>;
  nginxPid: number;
  /** Resolves with the first line of the script's output matching `re`. */
  line(re: RegExp): Promise<RegExpMatchArray>;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs deploy/reference/start.mjs until it says the deployment is ready; its nodes run the test bundle of the CLI when there is one. */
async function startDeployment(env: NodeJS.ProcessEnv, lbPort: number): Promise<Started> {
  const child = spawn(process.execPath, ['deploy/reference/start.mjs', '--port', String(lbPort), '--host', '127.0.0.1', '--node-port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  script = child;
  let out = '';
  const waiting = new Set<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }>();
  const onLine = (l: string) => {
    out += `${l}\n`;
    for (const w of waiting) {
      const m = w.re.exec(l);
      if (m) {
        waiting.delete(w);
        w.resolve(m);
      }
    }
  };
  readline.createInterface({ input: child.stdout! }).on('line', onLine);
  readline.createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const line = (re: RegExp) => {
    const seen = out.split('\n').map((l) => re.exec(l)).find(Boolean);
    if (seen) return Promise.resolve(seen);
    return new Promise<RegExpMatchArray>((resolve, reject) => {
      waiting.add({ re, resolve });
      void exited.then((code) => reject(new Error(`start.mjs exited (${code}) before printing ${re}:\n${out}`)));
    });
  };
  const nodes = new Map<string, { pid: number; port: number; roles: string }>();
  const readyLines = /^(\S+) ready: pid (\d+), http:\/\/127\.0\.0\.1:(\d+), roles (\S+) /;
  const ready = await line(/^Panjareh's reference deployment is ready at .* \(nginx pid (\d+) /);
  for (const l of out.split('\n')) {
    const m = readyLines.exec(l);
    if (m) nodes.set(m[1]!, { pid: Number(m[2]), port: Number(m[3]), roles: m[4]! });
  }
  pids.push(...[...nodes.values()].map((n) => n.pid), Number(ready[1]));
  return { nodes, nginxPid: Number(ready[1]), line, output: () => out, exited };
}

test('the reference deployment: nginx, 2 portal, 2 gateway and 1 worker nodes; a gateway killed mid-traffic loses no answered call, the other serves on', { skip: SKIP }, async (t) => {
  const { freshDatabase, freePort, testPlatform } = await import('./harness.js');
  db = await freshDatabase();
  upstream = await startUpstream();
  let key: string;
  const p = await testPlatform({ shared: db });
  try {
    key = await registerBankAndRegistry(p, upstream.url, 'Deployment test');
  } finally {
    await p.dispose();
  }

  const lbPort = await freePort();
  const publicUrl = `http://127.0.0.1:${lbPort}`;
  const startedAt = performance.now();
  const d = await startDeployment(
    {
      ...process.env,
      PANJAREH_DATA_DIR: db.dataDir,
      PGOPTIONS: `-c search_path=${db.pgSchema}`,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      PANJAREH_DEMO: 'false',
      LOG_LEVEL: 'warn',
      PUBLIC_URL: publicUrl,
      PANJAREH_NODE_COMMAND: JSON.stringify([process.execPath, ...nodeEntry('src/cli.ts')]),
    },
    lbPort,
  );
  const startSeconds = (performance.now() - startedAt) / 1000;
  t.diagnostic(d.output().split('\n').filter((l) => / ready: pid /.test(l)).join('; '));
  assert.deepEqual([...d.nodes.keys()].sort(), ['gateway-1', 'gateway-2', 'portal-1', 'portal-2', 'worker-1']);
  assert.equal(d.nodes.get('portal-1')!.roles, 'portal,idp');

  // Gateway traffic through nginx: 16 clients; gateway-1 gets SIGKILL after 150 answers, or after 3 s
  // once every client was answered (a loaded machine answers slowly), and the calls go on until 50 more
  // were answered after it, for at least one second and at most ten.
  const headers = { 'x-road-client': CLIENT, authorization: `ApiKey ${key}` };
  const calls: Array<{ status: number; id: string | null; afterKill: boolean; ms: number }> = [];
  let killedAt = 0;
  let answeredBefore = 0;
  let answeredAfter = 0;
  const trafficStarted = performance.now();
  const done = () => killedAt > 0 && ((answeredAfter >= 50 && performance.now() - killedAt >= 1000) || performance.now() - killedAt >= 10_000);
  const client = async () => {
    while (!done()) {
      const afterKill = killedAt > 0;
      let status = 0;
      let id: string | null = null;
      const t0 = performance.now();
      try {
        const r = await fetch(`${publicUrl}${PATH}`, { headers, signal: AbortSignal.timeout(15_000) });
        await r.arrayBuffer();
        status = r.status;
        id = r.headers.get('x-road-id');
      } catch {
        // No answer at all: counted as status 0.
      }
      calls.push({ status, id, afterKill, ms: performance.now() - t0 });
      const ok = status >= 200 && status < 300;
      if (ok && afterKill) answeredAfter++;
      else if (ok) answeredBefore++;
      if (!killedAt && (answeredBefore >= 150 || (answeredBefore >= 16 && performance.now() - trafficStarted >= 3000))) {
        killedAt = performance.now();
        process.kill(d.nodes.get('gateway-1')!.pid, 'SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, client));
  const trafficSeconds = (performance.now() - trafficStarted) / 1000;
  await d.line(/start\.mjs: gateway-1 stopped \(SIGKILL\); the other nodes go on serving/);
  assert.equal(alive(d.nodes.get('gateway-1')!.pid), false);

  const answered = calls.filter((c) => c.status >= 200 && c.status < 300);
  const inFlightFailed = calls.filter((c) => !c.afterKill && (c.status < 200 || c.status >= 300));
  const laterFailed = calls.filter((c) => c.afterKill && (c.status < 200 || c.status >= 300));
  const median = calls.map((c) => c.ms).sort((a, b) => a - b)[calls.length >> 1]!;
  t.diagnostic(`${calls.length} calls in ${trafficSeconds.toFixed(1)} s (the kill after ${((killedAt - trafficStarted) / 1000).toFixed(1)} s; median ${median.toFixed(0)} ms), ${answered.length} answered; ${inFlightFailed.length} of those started before the kill failed`);
  assert.deepEqual(laterFailed.map((c) => c.status), [], 'every call made after the kill was answered by the other gateway node');
  assert.ok(answered.filter((c) => c.afterKill).length >= 1);
  assert.ok(answered.every((c) => c.id), 'every 2xx carries its X-Road-Id');

  // Every answered call is in the audit log; both gateways served before the kill, only gateway-2 after.
  const pgc = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await pgc.connect();
  let chainOf: Map<string, string>;
  try {
    const { rows } = await pgc.query<{ id: string; chain_id: string }>(`select id, chain_id from "${db.pgSchema}".exchange_audit where id = any($1)`, [answered.map((c) => c.id)]);
    chainOf = new Map(rows.map((r) => [r.id, r.chain_id]));
  } finally {
    await pgc.end();
  }
  const missing = answered.filter((c) => !chainOf.has(c.id!));
  assert.deepEqual(missing, [], `${missing.length} of ${answered.length} answered calls have no audit record`);
  assert.deepEqual(new Set(answered.filter((c) => !c.afterKill).map((c) => chainOf.get(c.id!))), new Set(['gateway-1', 'gateway-2']), 'nginx spread the calls over both gateway nodes');
  assert.deepEqual(new Set(answered.filter((c) => c.afterKill).map((c) => chainOf.get(c.id!))), new Set(['gateway-2']), 'after the kill only the other node answered');

  // The portal nodes behind nginx: pages in both languages, the identity provider under PUBLIC_URL,
  // and everything but /r1/ spread over both portal nodes (their /readyz names them).
  for (const [path, lang] of [['/', 'fa'], ['/en/', 'en']] as const) {
    const r = await fetch(`${publicUrl}${path}`);
    assert.equal(r.status, 200, path);
    assert.match(await r.text(), new RegExp(`<html lang="${lang}"`));
  }
  const oidc = (await (await fetch(`${publicUrl}/.well-known/openid-configuration`)).json()) as { issuer: string };
  assert.equal(oidc.issuer, publicUrl);
  const seen = new Set<string>();
  for (let i = 0; i < 20 && seen.size < 2; i++) {
    const r = (await (await fetch(`${publicUrl}/readyz`)).json()) as { status: string; node: string; roles: string[] };
    assert.equal(r.status, 'ready');
    assert.deepEqual(r.roles, ['portal', 'idp']);
    seen.add(r.node);
  }
  assert.deepEqual([...seen].sort(), ['portal-1', 'portal-2']);

  // SIGTERM stops nginx and every node, and the script ends with 0.
  const stopStarted = performance.now();
  script!.kill('SIGTERM');
  assert.equal(await d.exited, 0, d.output());
  const stopSeconds = (performance.now() - stopStarted) / 1000;
  assert.deepEqual(pids.filter(alive), [], 'no node or nginx process is left');
  t.diagnostic(`started in ${startSeconds.toFixed(1)} s, traffic ${trafficSeconds.toFixed(1)} s, stopped in ${stopSeconds.toFixed(1)} s`);
});
