import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Kysely } from 'kysely';
import { testPlatform, type TestPlatform } from '../../test/harness.js';
import { DEMO_AGENCIES } from '../agencies/index.js';
import { SANDBOX_LEGAL_BASIS, Sandbox, checkApplication, isSyntheticUpstream, sandboxIdOf } from './sandbox.js';
import { seedDemoExchange } from './seed.js';

/** The sandbox's rules without HTTP: what counts as synthetic, mirroring, the instance boundary, self-service keys and their limits. */

let tp: TestPlatform;
let sandbox: Sandbox;
const PORT = 3000;
const code = (e: unknown) => (e as { code?: string }).code;
const status = (e: unknown) => (e as { status?: number }).status;
const REAL = 'IR/GOV/TAX/returns/income';
const demoServices = DEMO_AGENCIES.flatMap((a) => a.services.map((s) => s.id));
const form = (email: string, extra: object = {}) => ({ name: 'Sara Ahmadi', email, organization: 'Fintech Co', terms: 'yes', ...extra });

before(async () => {
  tp = await testPlatform();
  const { registry } = tp.exchange;
  await seedDemoExchange(registry, { loopbackBaseUrl: `http://127.0.0.1:${PORT}` });
  // A production service on a real agency's back-end: it must never reach the sandbox.
  await registry.addMember({ id: 'IR/GOV/TAX', name: 'Tax administration' }, 'test');
  await registry.addSubsystem({ id: 'IR/GOV/TAX/returns' }, 'test');
  await registry.addService({ id: REAL, upstream: 'https://tax.example/api', classification: 'internal' }, 'test');
  sandbox = new Sandbox(tp.database.db, tp.exchange, { enabled: true, port: PORT, rules: { perAddressPerDay: 2, perEmailPerDay: 1 } });
});
after(() => tp.dispose());

test('synthetic means one of the demo back-ends on this node’s loopback port, nothing else', () => {
  for (const ok of ['http://127.0.0.1:3000/demo-agencies/nocr', 'http://127.0.0.1:3000/demo-agencies/police/', 'http://[::1]:3000/demo-agencies/post', 'http://localhost:3000/demo-agencies/cra', 'http://127.0.0.2:3000/demo-agencies/sso/sub']) {
    assert.equal(isSyntheticUpstream(ok, PORT), true, ok);
  }
  for (const bad of [
    'https://127.0.0.1:3000/demo-agencies/nocr', // not the plain-http back-end of this node
    'http://127.0.0.1:3001/demo-agencies/nocr', // another process on the host
    'http://10.0.0.5:3000/demo-agencies/nocr', // another host
    'http://nocr.example:3000/demo-agencies/nocr',
    'http://127.0.0.1:3000/demo-agencies', // the prefix alone is no agency
    'http://127.0.0.1:3000/demo-agencies/nocr-real',
    'http://127.0.0.1:3000/api/v1',
    'http://user:pw@127.0.0.1:3000/demo-agencies/nocr',
    'not a url',
  ]) {
    assert.equal(isSyntheticUpstream(bad, PORT), false, bad);
  }
  assert.equal(isSyntheticUpstream('http://127.0.0.1:3000/demo-agencies/nocr', 0), false, 'port unknown: nothing is synthetic');
  assert.equal(sandboxIdOf('IR/GOV/NOCR/registry/person'), 'IR-SANDBOX/GOV/NOCR/registry/person');
  assert.equal(sandboxIdOf('IR-SANDBOX/GOV/NOCR/registry/person'), null);
});

test('the form: every problem at once, in Persian and English', () => {
  assert.deepEqual(checkApplication({ name: '  سارا احمدي ', email: ' Sara@Example.COM ', terms: 'on' }), { name: 'سارا احمدی', email: 'sara@example.com', organization: null });
  try {
    checkApplication({ name: 'x', email: 'not-an-email', organization: 'o'.repeat(201) });
    assert.fail('accepted');
  } catch (e) {
    assert.equal(code(e), 'invalid_application');
    assert.equal(status(e), 400);
    const details = (e as { details: Array<{ field: string; fa: string; en: string }> }).details;
    assert.deepEqual(details.map((d) => d.field), ['name', 'email', 'organization', 'terms']);
    for (const d of details) assert.ok(/[\u0600-\u06FF]/.test(d.fa) && /[a-z]/.test(d.en), d.field);
  }
  for (const email of ['a@b', 'a b@example.com', '<a>@example.com', 'a@-example.com', `${'a'.repeat(65)}@example.com`]) {
    assert.throws(() => checkApplication(form(email)), (e) => code(e) === 'invalid_application', email);
  }
});

test('sync mirrors exactly the services on synthetic data, and keeps the sandbox clean', async () => {
  const { registry } = tp.exchange;
  // Someone adds a sandbox service by hand that points at a real back-end: the next sync disables it.
  await registry.addMember({ id: 'IR-SANDBOX/GOV/TAX', name: 'Tax (sandbox)' }, 'test');
  await registry.addSubsystem({ id: 'IR-SANDBOX/GOV/TAX/returns' }, 'test');
  await registry.addService({ id: 'IR-SANDBOX/GOV/TAX/returns/income', upstream: 'https://tax.example/api' }, 'test');

  const first = await sandbox.sync();
  assert.deepEqual(first.added.sort(), demoServices.map((id) => sandboxIdOf(id)!).sort());
  assert.deepEqual(first.disabled, ['IR-SANDBOX/GOV/TAX/returns/income']);
  const mirror = (await registry.service('IR-SANDBOX/GOV/NOCR/registry/person'))!;
  const source = (await registry.service('IR/GOV/NOCR/registry/person'))!;
  assert.deepEqual([mirror.upstream, mirror.classification, mirror.subject, mirror.hasOpenApi], [source.upstream, source.classification, source.subject, true]);
  assert.equal(await registry.openApi(mirror.id), await registry.openApi(source.id));
  assert.equal(await registry.service(sandboxIdOf(REAL)!).then((s) => s?.disabled), true, 'the real service has no live mirror');
  assert.deepEqual((await sandbox.services()).map((s) => s.id).sort(), demoServices.map((id) => sandboxIdOf(id)!).sort());

  const again = await sandbox.sync();
  assert.deepEqual(again, { added: [], updated: [], disabled: [], enabled: [], revokedContracts: [] }, 'idempotent');

  // A demo service moved to a real back-end: its mirror stops at once rather than follow it.
  const fines = (await registry.service('IR/GOV/RAHVAR/traffic/vehicle-fines'))!;
  await registry.updateService({ id: fines.id, upstream: 'https://police.example/api', openapi: await registry.openApi(fines.id), classification: fines.classification, subject: fines.subject }, 'test');
  assert.deepEqual((await sandbox.sync()).disabled, ['IR-SANDBOX/GOV/RAHVAR/traffic/vehicle-fines']);
  assert.equal((await registry.service('IR-SANDBOX/GOV/RAHVAR/traffic/vehicle-fines'))!.upstream, fines.upstream, 'the mirror kept its synthetic upstream');
  await registry.updateService({ id: fines.id, upstream: fines.upstream, openapi: await registry.openApi(fines.id), classification: fines.classification, subject: fines.subject }, 'test');
  assert.deepEqual((await sandbox.sync()).enabled, ['IR-SANDBOX/GOV/RAHVAR/traffic/vehicle-fines']);

  // A disabled source takes its mirror down with it.
  await registry.setServiceDisabled('IR/GOV/POST/postal/address', true, 'test');
  assert.deepEqual((await sandbox.sync()).disabled, ['IR-SANDBOX/GOV/POST/postal/address']);
  await registry.setServiceDisabled('IR/GOV/POST/postal/address', false, 'test');
  assert.deepEqual((await sandbox.sync()).enabled, ['IR-SANDBOX/GOV/POST/postal/address']);
});

test('a key: a sandbox subsystem with contracts for sandbox services only, low limits, expiring, audited', async () => {
  const before = Date.now();
  const creds = await sandbox.register(form('sara@example.com'), { ip: '203.0.113.7', userAgent: 'test-agent' });
  assert.match(creds.subsystem, /^IR-SANDBOX\/COM\/dev-[0-9a-f]{10}\/app$/);
  assert.match(creds.key, /^pjx_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  const days = (Date.parse(creds.expiresAt) - before) / 86_400_000;
  assert.ok(days > 29.99 && days < 30.01, `expires in ${days} days`);

  const contracts = await tp.exchange.contracts.list({ client: creds.subsystem });
  assert.deepEqual(contracts.map((c) => c.service).sort(), demoServices.map((id) => sandboxIdOf(id)!).sort());
  for (const c of contracts) {
    assert.deepEqual([c.status, c.ratePerSecond, c.dailyQuota, c.expiresAt, c.legalBasis, c.legalBasisCoversPersonalData], ['active', 5, 1000, creds.expiresAt, SANDBOX_LEGAL_BASIS, true]);
  }
  const member = (await tp.exchange.registry.members()).find((m) => creds.subsystem.startsWith(`${m.id}/`))!;
  assert.equal(member.name, 'Sandbox developer', 'listClients shows every member: no personal data in the registry');
  assert.equal((await tp.exchange.registry.subsystems(member.id))[0]!.name, null);
  const keys = await tp.exchange.apiKeys.list(creds.subsystem);
  assert.deepEqual([keys.length, keys[0]!.expiresAt, keys[0]!.id], [1, creds.expiresAt, creds.keyId]);
  const stored = await (tp.database.db as Kysely<any>).selectFrom('exchange_api_keys').select('secret_hash').where('id', '=', creds.keyId).executeTakeFirstOrThrow();
  // The secret is everything after the prefix: base64url has "_" in it, so split('_') gave a piece of it,
  // empty or a few characters about one run in fifty, which the hex hash then held by chance.
  const secret = creds.key.slice('pjx_'.length + 12 + 1);
  assert.equal(secret.length, 43);
  assert.ok(!stored.secret_hash.includes(secret), 'only a hash is kept');

  const audit = await tp.database.db.selectFrom('audit_log').selectAll().where('subject', '=', creds.subsystem).where('action', '=', 'exchange.sandbox.register').execute();
  assert.equal(audit.length, 1);
  assert.deepEqual([audit[0]!.ip, audit[0]!.user_agent, JSON.parse(audit[0]!.detail).email], ['203.0.113.7', 'test-agent', 'sara@example.com']);
  const actions = new Set((await tp.database.db.selectFrom('audit_log').select('action').where('actor', '=', 'sandbox').execute()).map((r) => r.action));
  for (const a of ['exchange.member.add', 'exchange.subsystem.add', 'exchange.contract.grant', 'exchange.key.create', 'exchange.service.add', 'exchange.service.disable']) assert.ok(actions.has(a), a);
});

test('the instance boundary: no contract crosses it, and one from before the rule is revoked by the next sync', async () => {
  const creds = await sandbox.register(form('ali@example.com'), { ip: '198.51.100.1' });
  await assert.rejects(tp.exchange.contracts.grant({ client: creds.subsystem, service: 'IR/GOV/NOCR/registry/person' }, 'careless-operator'), (e) => code(e) === 'sandbox_boundary' && status(e) === 400);
  await assert.rejects(tp.exchange.contracts.apply({ client: 'IR/GOV/TAX/returns', service: 'IR-SANDBOX/GOV/NOCR/registry/person', purpose: 'x' }, 'test'), (e) => code(e) === 'sandbox_boundary');
  // A contract written before the rule existed (straight into the table): the sync still finds and revokes it.
  const now = new Date().toISOString();
  const leak = await (tp.database.db as Kysely<any>)
    .insertInto('exchange_contracts')
    .values({ client: creds.subsystem, service: 'IR/GOV/NOCR/registry/person', purpose: 'x', legal_basis: null, legal_basis_personal: 0, methods: '["GET"]', paths: '["/**"]', rate_per_second: 1, daily_quota: null, expires_at: null, status: 'active', requested_at: now, requested_by: 'old', decided_at: now, decided_by: 'old', decision_reason: null, revoked_at: null, revoked_by: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const result = await sandbox.sync();
  assert.deepEqual(result.revokedContracts, [leak.id]);
  assert.equal((await tp.exchange.contracts.get(leak.id))!.status, 'revoked');
});

test('limits: registrations a day per address and per e-mail; a bad form counts for nothing', async () => {
  await assert.rejects(sandbox.register(form('sara@example.com'), { ip: '192.0.2.50' }), (e) => status(e) === 429 && code(e) === 'sandbox_limit');
  await sandbox.register(form('reza@example.com'), { ip: '203.0.113.7' });
  await assert.rejects(sandbox.register(form('nima@example.com'), { ip: '203.0.113.7' }), (e) => status(e) === 429 && code(e) === 'sandbox_limit');
  await assert.rejects(sandbox.register(form('bad', { terms: '' }), { ip: '192.0.2.99' }), (e) => status(e) === 400);
  const n = await (tp.database.db as Kysely<any>).selectFrom('exchange_sandbox_developers').select((eb) => eb.fn.countAll().as('n')).where('ip', '=', '192.0.2.99').executeTakeFirstOrThrow();
  assert.equal(Number(n.n), 0);
});

test('no sandbox where the demo back-ends are not mounted', async () => {
  const off = new Sandbox(tp.database.db, tp.exchange, { enabled: false, port: PORT });
  await assert.rejects(off.register(form('x@example.com')), (e) => status(e) === 404 && code(e) === 'sandbox_unavailable');
  assert.deepEqual(await off.services(), []);
  assert.deepEqual((await off.sync()).added, []);
  assert.equal(off.sandboxFor((await tp.exchange.registry.service('IR/GOV/NOCR/registry/person'))!), null);
});
