import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ExchangeAuditRecord } from '../src/exchange/index.js';
import { call, recordAudit, startUpstream, type Answer } from './exchange-helpers.js';
import { testPlatform, type TestPlatform } from './harness.js';

/**
 * The metaservices' edges, as a third-party Information Mediator test suite probes them: a malformed
 * instance or service code is a bad request (400), a well-formed one that names nothing is a 404, and
 * allowedMethods lists the service's own endpoints that the caller's contract allows, as X-Road does.
 */

let tp: TestPlatform;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let audit: Map<string, ExchangeAuditRecord>;
const keys: Record<string, string> = {};

const PROVIDER = 'IR/GOV/NOCR/registry';
const PERSON = `${PROVIDER}/person`;
const PLAIN = `${PROVIDER}/plain`;
const NARROW = 'IR/COM/10100000001/kyc';
const WIDE = 'IR/GOV/TAMIN/insurance';
const LITERAL = 'IR/COM/20200000002/rental';
const api = {
  openapi: '3.0.3',
  info: { title: 'Civil registry', version: '1' },
  paths: {
    '/persons/{nationalCode}': { get: { responses: {} }, delete: { responses: {} } },
    '/persons/{nationalCode}/vehicles': { get: { responses: {} } },
    '/persons': { post: { responses: {} } },
    '/health': { get: { responses: {} } },
  },
};

const as = (client: string) => ({ 'x-road-client': client, authorization: `ApiKey ${keys[client]}` });
const meta = (client: string, path: string) => call(tp.url!, path, { headers: as(client) });

function refused(a: Answer, status: number, type: string): void {
  assert.equal(a.status, status, `${type}: ${a.text}`);
  assert.equal(a.json?.type, type, a.text);
  assert.equal(a.headers['x-road-error'], type);
  assert.ok(a.json.messages?.fa && a.json.messages?.en, 'the message in both languages');
  const rec = audit.get(a.headers['x-road-id'] as string);
  assert.deepEqual([rec?.status, rec?.errorType], [status, type], 'audited');
}

before(async () => {
  upstream = await startUpstream();
  tp = await testPlatform({ listen: true });
  audit = recordAudit(tp);
  const { registry, contracts, apiKeys } = tp.exchange;
  for (const m of ['IR/GOV/NOCR', 'IR/GOV/TAMIN', 'IR/COM/10100000001', 'IR/COM/20200000002']) await registry.addMember({ id: m, name: m }, 'test');
  for (const s of [PROVIDER, NARROW, WIDE, LITERAL]) await registry.addSubsystem({ id: s }, 'test');
  await registry.addService({ id: PERSON, upstream: `${upstream.url}/base`, classification: 'internal', openapi: api }, 'test');
  await registry.addService({ id: PLAIN, upstream: `${upstream.url}/base`, classification: 'internal' }, 'test');
  await contracts.grant({ client: NARROW, service: PERSON, methods: ['GET'], paths: ['/persons/{code}'] }, 'test');
  await contracts.grant({ client: NARROW, service: PLAIN, methods: ['GET', 'POST'], paths: ['/things/{id}', '/echo'] }, 'test');
  await contracts.grant({ client: WIDE, service: PERSON, methods: ['GET', 'POST'], paths: ['/**'] }, 'test');
  await contracts.grant({ client: LITERAL, service: PERSON, methods: ['GET'], paths: ['/persons/0499370899'] }, 'test');
  for (const s of [NARROW, WIDE, LITERAL]) keys[s] = (await apiKeys.create(s, { label: 'test' }, 'test')).key;
});

after(async () => {
  await tp.dispose();
  await upstream.close();
});

test('getOpenAPI: a serviceCode that breaks the grammar is 400 Client.BadRequest; a well-formed unknown one stays 404', async () => {
  const ok = await meta(NARROW, `/r1/${PROVIDER}/getOpenAPI?serviceCode=person`);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json, api);
  for (const bad of ['bad%20code', '-person', '.person', 'per%2Fson', 'listMethods', 'GETOPENAPI', 'x'.repeat(65), 'per*son']) {
    refused(await meta(NARROW, `/r1/${PROVIDER}/getOpenAPI?serviceCode=${bad}`), 400, 'Client.BadRequest');
  }
  refused(await meta(NARROW, `/r1/${PROVIDER}/getOpenAPI?serviceCode=nothing`), 404, 'Server.ServerProxy.UnknownService');
  refused(await meta(NARROW, `/r1/${PROVIDER}/getOpenAPI?serviceCode=${'x'.repeat(64)}`), 404, 'Server.ServerProxy.UnknownService');
  refused(await meta(NARROW, `/r1/${PROVIDER}/getOpenAPI?serviceCode=plain`), 404, 'Server.ServerProxy.NoServiceDescription');
});

test('listClients: a malformed instance is 400; an instance with no member is 404, as X-Road refuses an unknown instance identifier', async () => {
  const ok = await meta(NARROW, '/r1/IR/listClients');
  assert.equal(ok.status, 200);
  assert.ok(ok.json.member.some((m: any) => m.id.object_type === 'MEMBER' && m.id.member_code === 'NOCR'));
  for (const bad of ['ir', 'IR_X', '1R', 'I%52', 'ABCDEFGHIJKLMNOPQ', 'IR.GOV']) {
    refused(await meta(NARROW, `/r1/${bad}/listClients`), 400, 'Client.BadRequest');
  }
  refused(await meta(NARROW, '/r1/EE/listClients'), 404, 'Server.ClientProxy.UnknownInstance');
  refused(await meta(NARROW, '/r1/IR-TEST/listClients'), 404, 'Server.ClientProxy.UnknownInstance');
});

test('allowedMethods: the service\'s own endpoints that the contract allows, not the contract\'s patterns; without an OpenAPI document, the patterns', async () => {
  const services = async (client: string) => {
    const a = await meta(client, `/r1/${PROVIDER}/allowedMethods`);
    assert.equal(a.status, 200, a.text);
    return Object.fromEntries(a.json.service.map((s: any) => [s.service_code, s.endpoint_list]));
  };
  const narrow = await services(NARROW);
  assert.deepEqual(narrow.person, [{ method: 'GET', path: '/persons/*' }], 'GET of the one template the pattern matches: not DELETE, not /vehicles, not POST /persons');
  assert.deepEqual(narrow.plain, [
    { method: 'GET', path: '/things/*' },
    { method: 'GET', path: '/echo' },
    { method: 'POST', path: '/things/*' },
    { method: 'POST', path: '/echo' },
  ], 'no OpenAPI document: the contract\'s patterns as before');
  const wide = await services(WIDE);
  assert.deepEqual(wide.person, [
    { method: 'GET', path: '/persons/*' },
    { method: 'GET', path: '/persons/*/vehicles' },
    { method: 'POST', path: '/persons' },
    { method: 'GET', path: '/health' },
  ], 'every endpoint of an allowed method under "/**"; DELETE is not allowed');
  assert.deepEqual(wide.plain, undefined, 'no contract, no entry');
  const literal = await services(LITERAL);
  assert.deepEqual(literal.person, [], 'a contract for one literal path allows no whole endpoint of the document');

  const listed = await meta(LITERAL, `/r1/${PROVIDER}/listMethods`);
  assert.equal(listed.json.service.find((s: any) => s.service_code === 'person').endpoint_list.length, 5, 'listMethods still lists every endpoint');
});
