import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { ExchangeAuditReader } from '../src/exchange/index.js';
import { call, startUpstream } from './exchange-helpers.js';
import { freePort, freshDatabase, testPlatform, type TestPlatform } from './harness.js';

/**
 * Two gateway nodes on one database (and one Redis when there is one: REDIS_URL, or the local
 * 127.0.0.1:6379), as behind a load balancer: what is granted, created or revoked on one node holds
 * on the other within a second, and with Redis the daily quota is one quota for both.
 */

const BANK = 'IR/COM/10100000001/kyc';
const PERSON = 'IR/GOV/NOCR/registry/person';
const POSTAL = 'IR/GOV/POST/postal/address';
const ALI = '0499370899';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let a: TestPlatform;
let b: TestPlatform;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let redisUrl: string | undefined;
let key: string;

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.setTimeout(500);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

/** Polls until `check` holds and returns how long it took; fails after `ms`. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await check()) return Date.now() - t0;
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const headers = (k = key, extra: Record<string, string> = {}) => ({ 'x-road-client': BANK, authorization: `ApiKey ${k}`, ...extra });

before(async () => {
  redisUrl = process.env.REDIS_URL ?? ((await reachable('127.0.0.1', 6379)) ? 'redis://127.0.0.1:6379' : undefined);
  upstream = await startUpstream();
  db = await freshDatabase();
  // One PUBLIC_URL for both, as behind a load balancer: it is the consent tokens' issuer.
  const publicUrl = `http://127.0.0.1:${await freePort()}`;
  const env = { PUBLIC_URL: publicUrl, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) };
  a = await testPlatform({ shared: db, listen: true, env });
  b = await testPlatform({ shared: db, listen: true, env });
  const { registry, apiKeys } = a.exchange;
  for (const m of ['IR/GOV/NOCR', 'IR/GOV/POST', 'IR/COM/10100000001']) await registry.addMember({ id: m, name: m }, 'test');
  for (const s of ['IR/GOV/NOCR/registry', 'IR/GOV/POST/postal', BANK]) await registry.addSubsystem({ id: s }, 'test');
  await registry.addService({ id: PERSON, upstream: `${upstream.url}/base`, classification: 'personal', subject: { in: 'path', name: 'nationalCode' }, openapi: { openapi: '3.0.3', paths: { '/persons/{nationalCode}': { get: {} } } } }, 'test');
  await registry.addService({ id: POSTAL, upstream: `${upstream.url}/base`, classification: 'internal' }, 'test');
  key = (await apiKeys.create(BANK, {}, 'test')).key;
});

after(async () => {
  await b.dispose();
  await a.dispose();
  await db.drop();
  await upstream.close();
});

test('a service, contract and key made on one node work on the other', async () => {
  await a.exchange.contracts.grant({ client: BANK, service: PERSON, purpose: 'KYC' }, 'test');
  await a.exchange.contracts.grant({ client: BANK, service: POSTAL, ratePerSecond: 1000, dailyQuota: 4 }, 'test');
  assert.equal((await call(a.url!, `/r1/${POSTAL}/addresses/1`, { headers: headers() })).status, 200, 'the writing node sees it at once');
  await within(1000, async () => (await call(b.url!, `/r1/${POSTAL}/addresses/1`, { headers: headers() })).status === 200);
});

test('with Redis the daily quota is shared by both nodes; without it each node counts alone', async () => {
  // Two calls were made above (one on A, at least one on B).
  const used = (await a.exchange.contracts.list({ client: BANK, service: POSTAL, status: 'active' }))[0]!;
  await a.exchange.contracts.revoke(used.id, { actor: 'test' });
  const fresh = await a.exchange.contracts.grant({ client: BANK, service: POSTAL, ratePerSecond: 1000, dailyQuota: 4 }, 'test');
  await within(1000, async () => b.exchange.state.contracts.get(`${BANK} ${POSTAL}`)?.id === fresh.id);
  const statuses: number[] = [];
  for (const node of [a, a, b, a, b, b]) statuses.push((await call(node.url!, `/r1/${POSTAL}/addresses/1`, { headers: headers() })).status);
  if (redisUrl) {
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429], 'one quota of 4 for the two nodes');
    const r = new Redis(redisUrl);
    try {
      assert.ok((await r.keys('pjx:*')).length > 0, 'the counters are in Redis');
    } finally {
      r.disconnect();
    }
  } else {
    // Each node has its own 4, and each used 3.
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200], 'no Redis: each node counts alone');
  }
});

test('a consent revoked on one node is refused on the other within a second', async () => {
  const c = await a.exchange.consents.request({ subject: ALI, client: BANK, services: [PERSON], purpose: 'Opening an account', expiresAt: new Date(Date.now() + 86_400_000).toISOString() }, BANK);
  const { token } = await b.exchange.consents.approve(c.id, ALI);
  const path = `/r1/${PERSON}/persons/${ALI}`;
  assert.equal((await call(b.url!, path, { headers: headers(key, { 'x-panjareh-consent': token }) })).status, 200, 'a token issued on B works on B');
  assert.equal((await call(a.url!, path, { headers: headers(key, { 'x-panjareh-consent': token }) })).status, 200, 'and on A');
  await a.exchange.consents.revoke(c.id, { subject: ALI, actor: ALI });
  const took = await within(1000, async () => (await call(b.url!, path, { headers: headers(key, { 'x-panjareh-consent': token }) })).status === 403);
  assert.ok(took <= 1000, `refused on the other node after ${took} ms`);
});

test('a key or a contract revoked on one node is refused on the other within a second', async () => {
  const second = await b.exchange.apiKeys.create(BANK, { label: 'rotation' }, 'test');
  await within(1000, async () => (await call(a.url!, `/r1/${PERSON}/persons/${ALI}`, { headers: headers(second.key) })).status === 403); // known key; no consent yet
  await b.exchange.apiKeys.revoke(second.id, 'test');
  await within(1000, async () => (await call(a.url!, `/r1/${POSTAL}/x`, { headers: headers(second.key) })).status === 401);

  const contract = (await b.exchange.contracts.list({ client: BANK, service: PERSON, status: 'active' }))[0]!;
  await b.exchange.contracts.revoke(contract.id, { actor: 'test' });
  await within(1000, async () => {
    const r = await call(a.url!, `/r1/${PERSON}/persons/${ALI}`, { headers: headers() });
    return r.status === 403 && r.json?.type === 'Server.ServerProxy.AccessDenied';
  });
});

test('each node writes its own audit chain; together they verify', async () => {
  const v = await new ExchangeAuditReader(a.database.db, a.keys).verify();
  assert.ok(v.ok, JSON.stringify(v.firstBad));
  assert.ok(v.chains >= 2, `one chain per node (${v.chains})`);
});
