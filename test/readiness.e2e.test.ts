import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { doctor } from '../src/commands/doctor-checks.js';
import { ExchangeAuditLog } from '../src/exchange/index.js';
import { Jobs } from '../src/platform/jobs/index.js';
import { systemClock } from '../src/platform/clock.js';
import { Readiness } from '../src/platform/readiness.js';
import { DATABASE_URL, dialectUnderTest, testPlatform, type TestPlatform } from './harness.js';

/**
 * /readyz and `panjareh doctor` (called in-process; test/cli.e2e.test.ts runs the command once). One
 * node, every role, with a Redis configured that nobody listens on; its database is made unreachable
 * in the last test.
 */

const DEAD_REDIS = 'redis://127.0.0.1:1';
const LIVE_REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let tp: TestPlatform;
/** PostgreSQL: the schema of this test's database, which the doctor is pointed at as PGOPTIONS would. */
let currentSchema: string | undefined;
before(async () => {
  tp = await testPlatform({ listen: true, env: { REDIS_URL: DEAD_REDIS } });
  if (dialectUnderTest === 'postgres') currentSchema = (await sql<{ s: string }>`select current_schema() as s`.execute(tp.database.db)).rows[0]!.s;
});
after(() => tp.dispose());

const readyz = async () => {
  const r = await fetch(`${tp.url}/readyz`);
  return { status: r.status, body: (await r.json()) as { status: string; node: string; roles: string[]; checks: Record<string, { status: string; reason?: string; latencyMs?: number } & Record<string, unknown>> } };
};

/** The doctor on this test's database, as the node's operator would run it (in demo mode, with a Redis that answers). */
const doctorEnv = () => ({ PANJAREH_DATA_DIR: tp.config.dataDir, ...(DATABASE_URL ? { DATABASE_URL } : {}), REDIS_URL: LIVE_REDIS });

test('/readyz: every role is served, but Redis is configured and unreachable: 503 naming redis', async () => {
  const { status, body } = await readyz();
  assert.equal(status, 503);
  assert.equal(body.status, 'not_ready');
  assert.deepEqual(body.roles, ['portal', 'idp', 'gateway', 'worker']);
  assert.ok(body.node);
  assert.equal(body.checks.redis!.status, 'down');
  assert.match(body.checks.redis!.reason!, /not connected|no answer/);
  // Everything else this node needs is up, each with its latency.
  for (const name of ['database', 'audit', 'jobs']) {
    assert.equal(body.checks[name]!.status, 'up', `${name}: ${JSON.stringify(body.checks[name])}`);
    assert.equal(typeof body.checks[name]!.latencyMs, 'number');
  }
  const m = body.checks.database!.migrations as { applied: number; pending: number; unknown: number };
  assert.ok(m.applied > 0 && m.pending === 0 && m.unknown === 0, JSON.stringify(m));
  assert.equal(body.checks.database!.dialect, dialectUnderTest);
});

test('readiness: a check that hangs is down after its timeout; a check no role of the node needs is not run', async () => {
  const r = new Readiness({ node: 'n1', roles: ['portal'] });
  let ran = false;
  r.register('hangs', { neededBy: 'all', timeoutMs: 50, run: () => new Promise(() => undefined) });
  r.register('fails', { neededBy: ['portal'], run: () => Promise.reject(new Error('connect ECONNREFUSED postgres://u:pw@db/x')) });
  r.register('jobs', {
    neededBy: ['worker'],
    run: () => {
      ran = true;
      return {};
    },
  });
  const t = performance.now();
  const report = await r.report();
  assert.ok(performance.now() - t < 1000);
  assert.equal(report.status, 'not_ready');
  assert.deepEqual(report.checks.jobs, { status: 'not_needed' });
  assert.equal(ran, false);
  assert.match((report.checks.hangs as { reason: string }).reason, /no answer within 50 ms/);
  assert.equal((report.checks.fails as { reason: string }).reason, 'connect ECONNREFUSED postgres://u:***@db/x');
  // A scheduler that was never started is down; so is an audit log once closed.
  assert.match(String(new Jobs(tp.database.db, tp.database.dialect, { clock: systemClock, nodeId: 'x' }).health().reason), /not started/);
  const log = new ExchangeAuditLog(tp.database.db, tp.database.dialect, { keys: tp.keys });
  await log.close();
  assert.deepEqual([log.health().status, log.health().reason], ['down', 'the audit log is closed']);
});

test('doctor on a good configuration: every check ok', async () => {
  const r = await doctor(doctorEnv(), { pgSchema: currentSchema });
  assert.deepEqual(
    r.checks.map((c) => c.name),
    ['settings', 'database', 'migrations', 'keys', 'clock', 'redis', 'public-url', 'sms', 'mail', 'payments'],
  );
  for (const c of r.checks) assert.equal(c.status, 'ok', `${c.name}: ${c.reason}`);
  assert.equal(r.ok, true);
  assert.match(r.checks.find((c) => c.name === 'migrations')!.reason, /^all \d+ applied$/);
  assert.match(r.checks.find((c) => c.name === 'redis')!.reason, /answers PING with PONG/);
});

test('doctor names a pending migration (warn) and a signing key that cannot be read (fail)', async () => {
  const db = tp.database.db;
  const { name } = await db.selectFrom('schema_migrations' as never).select('name' as never).orderBy('name' as never, 'desc').executeTakeFirstOrThrow() as { name: string };
  const row = await db.selectFrom('schema_migrations' as never).selectAll().where('name' as never, '=', name as never).executeTakeFirstOrThrow();
  await db.deleteFrom('schema_migrations' as never).where('name' as never, '=', name as never).execute();
  const now = new Date().toISOString();
  await db.insertInto('signing_keys' as never).values({ kid: 'broken-1', purpose: 'doctor-broken', alg: 'EdDSA', public_jwk: '{}', private_jwk: '{"kty":"OKP"}', created_at: now, retired_at: null, expires_at: null } as never).execute();
  await db.insertInto('signing_key_slots' as never).values({ purpose: 'doctor-broken', active_kid: 'broken-1', changed_at: now } as never).execute();
  try {
    // /readyz says the same: this version's queries would meet a table it does not have.
    const ready = await readyz();
    assert.equal(ready.status, 503);
    assert.match(ready.body.checks.database!.reason!, new RegExp(`1 migration\\(s\\) not applied: ${name}`));
    const r = await doctor(doctorEnv(), { pgSchema: currentSchema });
    const by = Object.fromEntries(r.checks.map((c) => [c.name, c]));
    assert.equal(by.migrations!.status, 'warn');
    assert.match(by.migrations!.reason, new RegExp(`1 pending.*${name}`));
    assert.equal(by.keys!.status, 'fail');
    assert.match(by.keys!.reason, /doctor-broken: its active key cannot be read/);
    assert.equal(r.ok, false);
  } finally {
    await db.insertInto('schema_migrations' as never).values(row as never).execute();
    await db.deleteFrom('signing_key_slots' as never).where('purpose' as never, '=', 'doctor-broken' as never).execute();
    await db.deleteFrom('signing_keys' as never).where('kid' as never, '=', 'broken-1' as never).execute();
  }
});

test('doctor on a bad configuration names each problem and no secret', async () => {
  const secrets = { DATABASE_URL: 'postgres://doctor:s3cret-pw@127.0.0.1:1/nowhere', PANJAREH_PSP_SECRET: 'psp-secret-value', PANJAREH_SMS_TOKEN: 'sms-token-value' };
  const r = await doctor({ PANJAREH_DATA_DIR: tp.config.dataDir, PANJAREH_DEMO: 'false', PUBLIC_URL: 'http://portal.example.ir', REDIS_URL: DEAD_REDIS, PANJAREH_SMS_URL: 'http://127.0.0.1:1/send', ...secrets }, { timeoutMs: 1000 });
  const by = Object.fromEntries(r.checks.map((c) => [c.name, c]));
  assert.equal(r.ok, false);
  assert.equal(by.database!.status, 'fail');
  assert.match(by.database!.reason, /cannot reach postgres 127\.0\.0\.1:1\/nowhere \(DATABASE_URL\)/);
  assert.equal(by.redis!.status, 'fail');
  assert.match(by.redis!.reason, /cannot reach redis:\/\/127\.0\.0\.1:1 \(REDIS_URL\): .*ECONNREFUSED/);
  assert.equal(by['public-url']!.status, 'fail');
  assert.match(by['public-url']!.reason, /must be https:\/\//);
  assert.equal(by.sms!.status, 'fail');
  assert.match(by.sms!.reason, /PANJAREH_SMS_URL: cannot reach http:\/\/127\.0\.0\.1:1/);
  assert.equal(by.payments!.status, 'warn');
  assert.equal(by.mail!.status, 'warn');
  const text = JSON.stringify(r);
  for (const s of ['s3cret-pw', 'psp-secret-value', 'sms-token-value']) assert.ok(!text.includes(s), s);
  // A setting that does not parse is the whole report, naming it.
  const unparsed = await doctor({ PANJAREH_DATA_DIR: tp.config.dataDir, REDIS_URL: 'http://cache:6379' });
  assert.deepEqual(unparsed.checks.map((c) => [c.name, c.status]), [['settings', 'fail']]);
  assert.match(unparsed.checks[0]!.reason, /REDIS_URL must start with redis:\/\//);
  // Outside demo mode, http://localhost is a warning, not a failure.
  const local = await doctor({ PANJAREH_DATA_DIR: `${tp.config.dataDir}/none`, PANJAREH_DEMO: 'false', PUBLIC_URL: 'http://localhost:3000' }, { flags: { roles: 'gateway' } });
  assert.equal(local.checks.find((c) => c.name === 'public-url')!.status, 'warn');
  assert.equal(local.checks.find((c) => c.name === 'sms')!.status, 'ok', 'a gateway sends no texts');
});

test('/readyz: 503 naming the database when it cannot be reached', async () => {
  // PostgreSQL: the node's schema disappears (renamed back for the clean-up); SQLite: the connection is closed.
  const renamed = `${currentSchema}_gone`;
  if (dialectUnderTest === 'postgres') await pgQuery(`alter schema ${currentSchema} rename to ${renamed}`);
  else await tp.database.close();
  try {
    // A gateway call now: its audit record cannot be committed.
    const sha = createHash('sha256').update('').digest('hex');
    const call = { id: randomUUID(), at: new Date().toISOString(), client: null, service: null, method: 'GET', path: '/', subject: null, consentId: null, legalBasis: null, status: 200, errorType: null, latencyMs: 1, requestBytes: 0, responseBytes: 0, requestHash: sha, responseHash: sha };
    await assert.rejects(tp.exchange.audit!.append(call));
    const { status, body } = await readyz();
    assert.equal(status, 503);
    assert.equal(body.status, 'not_ready');
    assert.equal(body.checks.database!.status, 'down');
    assert.ok(body.checks.database!.reason, JSON.stringify(body.checks.database));
    assert.equal(body.checks.audit!.status, 'down');
    assert.match(body.checks.audit!.reason!, /^the last audit commit failed \d+ ms ago: /);
  } finally {
    if (dialectUnderTest === 'postgres') await pgQuery(`alter schema ${renamed} rename to ${currentSchema}`);
  }
});

async function pgQuery(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}
