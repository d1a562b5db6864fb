import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { ExchangeAuditLog, ExchangeAuditReader } from '../src/exchange/audit/index.js';
import { freshDatabase, testPlatform } from './harness.js';
import { loadUntilKilled } from './kill-under-load.js';
import { nodeEntry } from './entry.js';

/**
 * Kill -9 under load: every request that got a 200 has its audit record after the restart, and the
 * log verifies. The child (test/exchange-audit-kill-child.ts) answers only after its record committed.
 */

let db: Awaited<ReturnType<typeof freshDatabase>>;
before(async () => {
  db = await freshDatabase();
});
after(() => db.drop());

async function startChild(nodeId: string): Promise<{ child: ChildProcess; url: string }> {
  const schemaEnv = db.pgSchema ? { PGOPTIONS: `-c search_path=${db.pgSchema}` } : {};
  const child = spawn(process.execPath, nodeEntry('test/exchange-audit-kill-child.ts'), {
    env: { ...process.env, PANJAREH_DATA_DIR: db.dataDir, LOG_LEVEL: 'silent', PANJAREH_DEMO: 'false', AUDIT_NODE_ID: nodeId, ...schemaEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  // Started is an event (it says where it listens, or it exits), not a fixed time: on a loaded machine
  // loading the platform can take longer than any such limit; the suite's per-file limit still holds.
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      const m = /listening (\d+)/.exec(c.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}): ${err}`)));
  });
  return { child, url: `http://127.0.0.1:${port}/person/1?x=y` };
}

/** 48 clients until the child dies; SIGKILL once `killAfter` answers are in. Returns the acknowledged record ids. */
function hammer(child: ChildProcess, url: string, killAfter: number): Promise<{ ok: string[]; failed: number }> {
  return loadUntilKilled(child, {
    clients: 48,
    killAfter,
    call: async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
      const body = await res.text();
      return res.status === 200 ? (JSON.parse(body) as { id: string }).id : null;
    },
  });
}

test('kill -9 under load: every answered request has its record, and the log verifies', async () => {
  const acknowledged: string[] = [];
  for (const round of [1, 2]) {
    // The same node id both times: the restarted process continues its chain after the crash.
    const { child, url } = await startChild('kill-node');
    const r = await hammer(child, url, 1500);
    assert.equal(child.signalCode, 'SIGKILL', `round ${round}`);
    assert.ok(r.ok.length >= 1500, `round ${round}: ${r.ok.length} answered`);
    assert.ok(r.failed > 0, `round ${round}: the kill came while requests were in flight`);
    acknowledged.push(...r.ok);
  }
  const p = await testPlatform({ shared: db });
  try {
    const stored = new Set((await sql<{ id: string }>`select id from exchange_audit`.execute(p.database.db)).rows.map((r) => r.id));
    const lost = acknowledged.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged requests have no audit record`);
    const v = await new ExchangeAuditReader(p.database.db, p.keys).verify();
    assert.equal(v.ok, true, JSON.stringify(v.firstBad));
    assert.equal(v.chains, 1);
    assert.ok(v.records >= acknowledged.length);
    assert.ok(v.seals >= 2, `${v.seals} seals`);
  } finally {
    await p.dispose();
  }
});

test('panjareh audit verify / stats: exit 0 and a summary when intact, 1 naming the first bad record', async () => {
  const own = await freshDatabase();
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [...nodeEntry('src/cli.ts'), 'audit', ...args], {
      env: { ...process.env, PANJAREH_DATA_DIR: own.dataDir, LOG_LEVEL: 'silent', PANJAREH_DEMO: 'false', ...(own.pgSchema ? { PGOPTIONS: `-c search_path=${own.pgSchema}` } : {}) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    // oidc-provider warns on stderr when it is loaded on Node 20; that line is not ours.
    return { code: r.status, out: r.stdout, err: r.stderr.split('\n').filter((l) => !l.startsWith('oidc-provider WARNING')).join('\n') };
  };
  const p = await testPlatform({ shared: own });
  try {
    const log = new ExchangeAuditLog(p.database.db, p.database.dialect, { keys: p.keys, nodeId: 'cli-node' });
    const sha = createHash('sha256').digest('hex');
    const ids = Array.from({ length: 30 }, () => randomUUID());
    await Promise.all(
      ids.map((id, i) =>
        log.append({ id, at: new Date().toISOString(), client: 'IR/COM/10100000001/kyc', service: 'IR/GOV/NOCR/registry/person', method: 'GET', path: '/person', subject: null, consentId: null, legalBasis: null, status: i < 3 ? 404 : 200, errorType: i < 3 ? 'Client.NotFound' : null, latencyMs: 2 + i, requestBytes: 0, responseBytes: 10, requestHash: sha, responseHash: sha }),
      ),
    );
    await log.close();

    const good = cli(['verify']);
    assert.equal(good.code, 0, good.err);
    assert.match(good.out, /^Audit log intact: 1 chain\(s\), 30 record\(s\), 1 seal\(s\) checked, 0 record\(s\) not yet sealed\.\n$/);
    const stats = cli(['stats', '--since', '1h', '--by', 'service,provider']);
    assert.equal(stats.code, 0, stats.err);
    assert.match(stats.out, /30 call\(s\), 3 error\(s\)/);
    assert.match(stats.out, /IR\/GOV\/NOCR\/registry\/person\s+30\s+3\s+10\.0/);
    assert.match(stats.out, /^IR\/GOV\/NOCR\s+30/m);
    assert.doesNotMatch(stats.out, /^consumer/m);
    assert.notEqual(cli(['stats', '--since', 'last tuesday']).code, 0);
    assert.match(cli(['verify', '--help']).out, /first bad record/);
    assert.match(cli(['stats', '--help']).out, /--since/);

    await sql`update exchange_audit set status = 200 where chain_id = 'cli-node' and seq = 2`.execute(p.database.db);
    const victim = (await sql<{ id: string }>`select id from exchange_audit where chain_id = 'cli-node' and seq = 2`.execute(p.database.db)).rows[0]!.id;
    const bad = cli(['verify']);
    assert.equal(bad.code, 1);
    assert.equal(bad.out, '');
    assert.match(bad.err, new RegExp(`^error: audit log BROKEN at chain cli-node, sequence 2, X-Road-Id ${victim}: the record's content does not match its hash`));
    assert.equal(bad.err.trim().split('\n').length, 1, 'one line');
  } finally {
    await p.dispose();
    await own.drop();
  }
});
