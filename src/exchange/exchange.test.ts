import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { testPlatform, type TestPlatform } from '../../test/harness.js';
import { DEMO_AGENCIES } from '../agencies/index.js';
import type { ConsentRequest } from './consents.js';
import type { ContractTerms } from './contracts.js';
import { seedDemoExchange } from './seed.js';

/** The exchange's rules without HTTP: registry input, the contract lifecycle, API keys, consent. */

let tp: TestPlatform;
const code = (e: unknown) => (e as { code?: string }).code;
const BANK = 'IR/COM/10100000001/kyc';
const PERSON = 'IR/GOV/NOCR/registry/person';
const ALI = '0499370899';

before(async () => {
  tp = await testPlatform();
  const { registry } = tp.exchange;
  await registry.addMember({ id: 'IR/GOV/NOCR', name: 'Civil registry' }, 'test');
  await registry.addMember({ id: 'IR/COM/10100000001', name: 'Bank' }, 'test');
  await registry.addSubsystem({ id: 'IR/GOV/NOCR/registry' }, 'test');
  await registry.addSubsystem({ id: BANK }, 'test');
  await registry.addService({ id: PERSON, upstream: 'https://nocr.example/api/', classification: 'personal', subject: { in: 'query', name: 'nationalCode' } }, 'test');
});
after(() => tp.dispose());

test('registry: upstreams, OpenAPI documents and subjects are checked', async () => {
  const { registry } = tp.exchange;
  assert.equal((await registry.service(PERSON))!.upstream, 'https://nocr.example/api', 'trailing slash dropped');
  const add = (extra: object) => registry.addService({ id: 'IR/GOV/NOCR/registry/x', upstream: 'https://nocr.example', ...extra }, 'test');
  for (const [input, expected] of [
    [{ upstream: 'ftp://nocr.example' }, 'invalid_upstream'],
    [{ upstream: 'https://nocr.example/?debug=1' }, 'invalid_upstream'],
    [{ upstream: 'https://nocr.example/#x' }, 'invalid_upstream'],
    [{ openapi: 'openapi: 3.0.0' }, 'invalid_openapi'],
    [{ openapi: [] }, 'invalid_openapi'],
    [{ openapi: { swagger: '2.0' } }, 'invalid_openapi'],
    [{ openapi: { openapi: '3.0.3', paths: { 'no-slash': {} } } }, 'invalid_openapi'],
    [{ classification: 'secret' }, 'invalid_classification'],
    [{ classification: 'personal' }, 'subject_required'],
    [{ subject: { in: 'header', name: 'Authorization' } }, 'invalid_subject'],
    [{ subject: { in: 'cookie', name: 'x' } }, 'invalid_subject'],
    [{ subject: { in: 'path', name: 'nationalCode' }, openapi: { openapi: '3.1.0', paths: { '/a': {} } } }, 'invalid_subject'],
  ] as const) {
    await assert.rejects(add(input), (e) => code(e) === expected, JSON.stringify(input));
  }
  await assert.rejects(registry.addService({ id: 'IR/GOV/NOCR/nowhere/x', upstream: 'https://a.example' }, 'test'), (e) => code(e) === 'not_found');
  await assert.rejects(registry.addService({ id: PERSON.toUpperCase().replace('IR/GOV/NOCR/REGISTRY', 'IR/GOV/NOCR/registry'), upstream: 'https://a.example' }, 'test'), (e) => code(e) === 'service_exists');
  const updated = await registry.updateService({ id: PERSON, upstream: 'https://nocr2.example', classification: 'personal', subject: { in: 'path', name: 'code' }, openapi: { openapi: '3.0.3', paths: { '/people/{code}': { get: {}, post: {} } } } }, 'test');
  assert.deepEqual(updated.endpoints, [{ method: 'GET', path: '/people/*' }, { method: 'POST', path: '/people/*' }]);
  assert.deepEqual(updated.subject, { in: 'path', name: 'code' });
});

test('contracts: apply, the provider decides, one open contract per pair, revoke', async () => {
  const { contracts } = tp.exchange;
  const c = await contracts.apply({ client: BANK, service: PERSON, purpose: 'Customer due diligence', legalBasis: 'AML Act' }, BANK);
  assert.equal(c.status, 'pending');
  assert.ok(!tp.exchange.state.contracts.size || ![...tp.exchange.state.contracts.values()].some((x) => x.id === c.id), 'a pending contract allows nothing');
  await assert.rejects(contracts.apply({ client: BANK, service: PERSON, purpose: 'again' }, BANK), (e) => code(e) === 'contract_exists');
  await assert.rejects(contracts.approve(c.id, { actor: 'someone', provider: 'IR/COM/10100000001' }), (e) => code(e) === 'forbidden', 'only the provider decides');
  const approved = await contracts.approve(c.id, { actor: 'nocr-staff', provider: 'IR/GOV/NOCR' }, { ratePerSecond: 5, paths: ['/people/*'] });
  assert.deepEqual([approved.status, approved.ratePerSecond, approved.paths, approved.decidedBy], ['active', 5, ['/people/*'], 'nocr-staff']);
  await assert.rejects(contracts.approve(c.id, { actor: 'x' }), (e) => code(e) === 'contract_not_pending');
  await assert.rejects(contracts.grant({ client: BANK, service: PERSON }, 'authority'), (e) => code(e) === 'contract_exists');
  const revoked = await contracts.revokeFor(BANK, PERSON, { actor: 'authority' });
  assert.equal(revoked.status, 'revoked');
  const second = await contracts.apply({ client: BANK, service: PERSON, purpose: 'Again' }, BANK);
  const rejected = await contracts.reject(second.id, { actor: 'nocr-staff', provider: 'IR/GOV/NOCR' }, 'No legal basis given');
  assert.deepEqual([rejected.status, rejected.decisionReason], ['rejected', 'No legal basis given']);
  const badTerms: Array<[ContractTerms, string]> = [
    [{ ratePerSecond: 0 }, 'invalid_rate'],
    [{ dailyQuota: -1 }, 'invalid_quota'],
    [{ methods: ['CONNECT'] }, 'invalid_methods'],
    [{ paths: ['relative'] }, 'invalid_path_pattern'],
    [{ expiresAt: 'tomorrow' }, 'invalid_expiry'],
  ];
  for (const [terms, expected] of badTerms) {
    await assert.rejects(contracts.grant({ client: BANK, service: PERSON, ...terms }, 'authority'), (e) => code(e) === expected, JSON.stringify(terms));
  }
  await assert.rejects(contracts.grant({ client: 'IR/COM/10100000001/none', service: PERSON }, 'authority'), (e) => code(e) === 'not_found');
});

test('API keys: shown once, several active, at most ten', async () => {
  const { apiKeys } = tp.exchange;
  const made = [];
  for (let i = 0; i < 10; i++) made.push(await apiKeys.create(BANK, { label: `k${i}` }, 'test'));
  assert.equal(new Set(made.map((k) => k.key)).size, 10);
  await assert.rejects(apiKeys.create(BANK, {}, 'test'), (e) => code(e) === 'too_many_keys');
  await apiKeys.revoke(made[0]!.id, 'test');
  await apiKeys.create(BANK, {}, 'test');
  const listed = await apiKeys.list(BANK);
  assert.ok(listed.every((k) => !('key' in k)), 'listing never carries a secret');
  await assert.rejects(apiKeys.revoke(made[1]!.id, 'test', 'IR/GOV/NOCR/registry'), (e) => code(e) === 'not_found', 'a subsystem revokes only its own keys');
});

test('consent: requested by the consumer, decided by the person, a signed token, revocable', async () => {
  const { consents } = tp.exchange;
  const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
  const bad: Array<[Partial<ConsentRequest>, string]> = [
    [{ subject: '0499370898' }, 'invalid_national_code'],
    [{ services: [] }, 'invalid_services'],
    [{ services: ['IR/GOV/NOCR/registry/nothing'] }, 'unknown_service'],
    [{ purpose: 'x' }, 'invalid_purpose'],
    [{ expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString() }, 'expiry_too_far'],
    [{ expiresAt: '' }, 'expiry_required'],
  ];
  for (const [input, expected] of bad) {
    await assert.rejects(consents.request({ subject: ALI, client: BANK, services: [PERSON], purpose: 'Opening an account', expiresAt, ...input }, BANK), (e) => code(e) === expected, JSON.stringify(input));
  }
  const c = await consents.request({ subject: '۰۴۹۹۳۷۰۸۹۹', client: BANK, services: [PERSON], purpose: 'Opening an account', expiresAt }, BANK);
  assert.deepEqual([c.subject, c.status], [ALI, 'requested']);
  await assert.rejects(consents.approve(c.id, '1287654320'), (e) => code(e) === 'forbidden', 'only the person decides');
  const { token, consent } = await consents.approve(c.id, ALI);
  assert.equal(consent.status, 'active');
  assert.deepEqual(decodeProtectedHeader(token).typ, 'consent+jwt');
  const claims = decodeJwt(token);
  assert.deepEqual([claims.sub, claims.jti, claims.client, claims.services, claims.exp], [ALI, c.id, BANK, [PERSON], Math.floor(Date.parse(expiresAt) / 1000)]);
  assert.ok(await consents.token(c.id));
  assert.deepEqual((await consents.list({ subject: ALI })).map((x) => x.id), [c.id]);
  await consents.revoke(c.id, { subject: ALI, actor: ALI });
  await assert.rejects(consents.revoke(c.id, { subject: ALI, actor: ALI }), (e) => code(e) === 'consent_not_active');
  await assert.rejects(consents.token(c.id), (e) => code(e) === 'consent_not_active');
  const other = await consents.request({ subject: ALI, client: BANK, services: [PERSON], purpose: 'Loan', expiresAt }, BANK);
  assert.equal((await consents.reject(other.id, ALI)).status, 'rejected');
});

test('the demo agencies are registered once, with loopback upstreams and their OpenAPI documents', async () => {
  const first = await seedDemoExchange(tp.exchange.registry, { loopbackBaseUrl: 'http://127.0.0.1:3000' });
  const services = DEMO_AGENCIES.flatMap((a) => a.services);
  assert.equal(first.services, services.length - 1, 'the civil registry\'s person service was registered already and is left alone');
  const again = await seedDemoExchange(tp.exchange.registry, { loopbackBaseUrl: 'http://127.0.0.1:3000' });
  assert.deepEqual(again, { members: 0, subsystems: 0, services: 0 });
  const fines = await tp.exchange.registry.service('IR/GOV/RAHVAR/traffic/vehicle-fines');
  assert.equal(fines?.upstream, 'http://127.0.0.1:3000/demo-agencies/police');
  assert.deepEqual(fines?.subject, { in: 'path', name: 'plate', identifier: 'plate', resolve: { path: '/subjects/plates/{value}' } }, 'a plate names its owner: the agency says whose it is');
  assert.deepEqual((await tp.exchange.registry.service('IR/GOV/POST/postal/address'))?.subject, { in: 'path', name: 'postalCode', identifier: 'postalCode', resolve: { path: '/subjects/postal-codes/{value}' } });
  assert.ok(fines?.hasOpenApi);
});

test('a demo service registered before it said whose data its identifier names gains the lookup at the next seed; an operator\'s own upstream is left alone', async () => {
  const { registry } = tp.exchange;
  const fines = (await registry.service('IR/GOV/RAHVAR/traffic/vehicle-fines'))!;
  await registry.updateService({ id: fines.id, upstream: fines.upstream, openapi: await registry.openApi(fines.id), classification: fines.classification, subject: { in: 'path', name: 'plate' } }, 'test');
  await registry.updateService({ id: 'IR/GOV/POST/postal/address', upstream: 'https://post.example/api', classification: 'internal', subject: null }, 'test');
  await seedDemoExchange(tp.exchange.registry, { loopbackBaseUrl: 'http://127.0.0.1:3000' });
  assert.deepEqual((await registry.service(fines.id))?.subject, { in: 'path', name: 'plate', identifier: 'plate', resolve: { path: '/subjects/plates/{value}' } });
  const address = await registry.service('IR/GOV/POST/postal/address');
  assert.deepEqual([address?.upstream, address?.subject], ['https://post.example/api', null], 'pointed elsewhere by an operator: theirs to describe');
});
