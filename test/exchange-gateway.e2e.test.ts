import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import { ExchangeAuditReader, type ExchangeAuditRecord } from '../src/exchange/index.js';
import { call, rawCall, recordAudit, startGarbage, startUpstream, type Answer } from './exchange-helpers.js';
import { dialectUnderTest, freePort, testPlatform, type TestPlatform } from './harness.js';

/**
 * The gateway end to end: a real upstream (node:http), the real server, real keys, contracts and
 * consent tokens. Every bad input of the issue gets its X-Road-style answer and an audit record,
 * and the upstream never sees a refused call. On PostgreSQL it runs as a national deployment does,
 * with the rate limits and quotas in Redis (REDIS_URL, or the local one).
 */
const REDIS_URL = dialectUnderTest === 'postgres' ? (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') : undefined;

let tp: TestPlatform;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let garbage: Awaited<ReturnType<typeof startGarbage>>;
let audit: Map<string, ExchangeAuditRecord>;
const keys: Record<string, string> = {};

const BANK = 'IR/COM/10100000001/kyc';
const SSO = 'IR/GOV/SSO/insurance';
const RENTAL = 'IR/COM/20200000002/rental';
const PERSON = 'IR/GOV/NOCR/registry/person';
const VERIFY = 'IR/GOV/MSRT/certificates/verify';
const ADDRESS = 'IR/GOV/POST/postal/address';
const LIMITED = 'IR/GOV/POST/postal/limited';
const ALI = '0499370899';
const OTHER = '1287654320';

const personApi = { openapi: '3.0.3', info: { title: 'Civil registry', version: '1' }, paths: { '/persons/{nationalCode}': { get: { responses: {} } } } };
const verifyApi = { openapi: '3.0.3', info: { title: 'Certificates', version: '1' }, paths: { '/certificates/{number}': { get: { responses: {} } } } };

const as = (client: string, key = keys[client]!, extra: Record<string, string> = {}) => ({ 'x-road-client': client, authorization: `ApiKey ${key}`, ...extra });
const r1 = (service: string, rest = '') => `/r1/${service}${rest}`;

/** The answer is the gateway's own error of `type`, with the X-Road headers and an audit record saying so. */
function refused(a: Answer, status: number, type: string): ExchangeAuditRecord {
  assert.equal(a.status, status, `${type}: ${a.text}`);
  assert.equal(a.json?.type, type, a.text);
  assert.match(a.headers['content-type'] ?? '', /^application\/json/);
  assert.equal(a.headers['x-road-error'], type);
  const id = a.headers['x-road-id'] as string;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.equal(a.json.detail, id, 'detail carries the X-Road-Id');
  assert.ok(a.json.message && a.json.messages?.fa && a.json.messages?.en);
  const rec = audit.get(id);
  assert.ok(rec, `an audit record for ${id}`);
  assert.equal(rec.status, status);
  assert.equal(rec.errorType, type);
  return rec;
}

before(async () => {
  upstream = await startUpstream();
  garbage = await startGarbage();
  tp = await testPlatform({
    listen: true,
    env: { ...(REDIS_URL ? { REDIS_URL } : {}), PANJAREH_GATEWAY_MAX_BODY: '1024', PANJAREH_GATEWAY_MAX_RESPONSE: String(64 * 1024), PANJAREH_GATEWAY_TIMEOUT_MS: '1000', PANJAREH_GATEWAY_CLIENT_TIMEOUT_MS: '1000' },
  });
  audit = recordAudit(tp);
  const { registry, contracts, apiKeys } = tp.exchange;
  for (const [m, name] of [['IR/GOV/NOCR', 'Civil registry'], ['IR/GOV/MSRT', 'Ministry of science'], ['IR/GOV/POST', 'Post'], ['IR/GOV/SSO', 'Social security'], ['IR/COM/10100000001', 'Bank'], ['IR/COM/20200000002', 'Rental platform']] as const) {
    await registry.addMember({ id: m, name }, 'test');
  }
  for (const s of ['IR/GOV/NOCR/registry', 'IR/GOV/MSRT/certificates', 'IR/GOV/POST/postal', SSO, BANK, RENTAL]) await registry.addSubsystem({ id: s }, 'test');
  await registry.addService({ id: PERSON, upstream: `${upstream.url}/base`, classification: 'personal', subject: { in: 'path', name: 'nationalCode' }, openapi: personApi }, 'test');
  await registry.addService({ id: VERIFY, upstream: `${upstream.url}/base`, classification: 'personal', subject: { in: 'query', name: 'nationalCode' }, openapi: verifyApi }, 'test');
  await registry.addService({ id: ADDRESS, upstream: `${upstream.url}/base`, classification: 'internal' }, 'test');
  await registry.addService({ id: LIMITED, upstream: `${upstream.url}/base`, classification: 'public' }, 'test');
  await registry.addService({ id: 'IR/GOV/POST/postal/down', upstream: `http://127.0.0.1:${await freePort()}/x`, classification: 'public' }, 'test');
  await registry.addService({ id: 'IR/GOV/POST/postal/garbage', upstream: garbage.url, classification: 'public' }, 'test');

  await contracts.grant({ client: BANK, service: PERSON, purpose: 'KYC with the customer\'s consent', paths: ['/persons/*'] }, 'test');
  await contracts.grant({ client: BANK, service: VERIFY, purpose: 'Hiring', paths: ['/certificates/*'] }, 'test');
  await contracts.grant({ client: BANK, service: ADDRESS, methods: ['GET', 'POST'], paths: ['/addresses/*', '/echo', '/slow', '/huge', '/cookie'], ratePerSecond: 1000 }, 'test');
  await contracts.grant({ client: BANK, service: 'IR/GOV/POST/postal/down', ratePerSecond: 1000 }, 'test');
  await contracts.grant({ client: BANK, service: 'IR/GOV/POST/postal/garbage', ratePerSecond: 1000 }, 'test');
  await contracts.grant({ client: SSO, service: PERSON, legalBasis: 'Social Security Act, art. 38', legalBasisCoversPersonalData: true }, 'test');
  for (const s of [BANK, SSO, RENTAL]) keys[s] = (await apiKeys.create(s, { label: 'test' }, 'test')).key;
});

after(async () => {
  await tp.dispose();
  await upstream.close();
  await garbage.close();
});

test('happy path: the call reaches the registered upstream, credentials stay behind, X-Road headers both ways, audited', async () => {
  const before = upstream.hits.length;
  const a = await call(tp.url!, r1(PERSON, `/persons/${ALI}?fields=name`), { headers: as(SSO, keys[SSO], { cookie: 'sid=secret', 'x-forwarded-for': '10.0.0.1', 'x-road-id': 'client-chosen', 'x-road-userid': 'IR0499370899', accept: 'application/json' }) });
  assert.equal(a.status, 200, a.text);
  assert.equal(upstream.hits.length, before + 1);
  const hit = a.json;
  assert.equal(hit.url, `/base/persons/${ALI}?fields=name`, 'base path + path + query, unchanged');
  const id = a.headers['x-road-id'] as string;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.notEqual(id, 'client-chosen');
  assert.equal(hit.headers['x-road-id'], id, 'the upstream sees the same X-Road-Id');
  assert.equal(hit.headers['x-road-client'], SSO);
  assert.equal(hit.headers['x-road-service'], PERSON);
  assert.equal(hit.headers['x-road-userid'], 'IR0499370899', 'X-Road-UserId passes');
  assert.equal(hit.headers.authorization, undefined, 'the API key never reaches the upstream');
  assert.equal(hit.headers.cookie, undefined);
  assert.equal(hit.headers['x-forwarded-for'], undefined);
  assert.equal(hit.headers.accept, 'application/json');
  assert.equal(a.headers['x-road-client'], SSO);
  assert.equal(a.headers['x-road-service'], PERSON);
  assert.equal(a.headers['x-upstream'], 'yes', 'the upstream\'s own headers pass');
  assert.equal(a.headers['x-road-request-hash'], createHash('sha512').digest('base64'), 'SHA-512 of the (empty) request body');
  assert.equal(a.headers['x-road-error'], undefined);
  const rec = audit.get(id)!;
  assert.deepEqual(
    [rec.client, rec.service, rec.method, rec.path, rec.subject, rec.consentId, rec.legalBasis, rec.status, rec.errorType, rec.requestBytes],
    [SSO, PERSON, 'GET', `/persons/${ALI}?fields=`, ALI, null, 'Social Security Act, art. 38', 200, null, 0],
  );
  assert.equal(rec.responseBytes, Buffer.byteLength(a.text));
  assert.equal(rec.responseHash, createHash('sha256').update(a.text).digest('hex'));
  assert.ok(rec.latencyMs >= 0);
});

test('a body is forwarded as bytes; X-Road-Request-Hash and the audit hash are of those bytes', async () => {
  const body = JSON.stringify({ postalCode: '1434843181', note: 'سلام' });
  const a = await call(tp.url!, r1(ADDRESS, '/echo'), { method: 'POST', headers: as(BANK, keys[BANK], { 'content-type': 'application/json' }), body });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.body, body);
  assert.equal(a.json.headers['content-type'], 'application/json');
  assert.equal(a.headers['x-road-request-hash'], createHash('sha512').update(body).digest('base64'));
  const rec = audit.get(a.headers['x-road-id'] as string)!;
  assert.equal(rec.requestBytes, Buffer.byteLength(body));
  assert.equal(rec.requestHash, createHash('sha256').update(body).digest('hex'));
});

test('the upstream cannot set cookies or forge X-Road headers through the gateway', async () => {
  const a = await call(tp.url!, r1(ADDRESS, '/cookie'), { headers: as(BANK) });
  assert.equal(a.status, 200);
  assert.equal(a.headers['set-cookie'], undefined);
  assert.notEqual(a.headers['x-road-id'], 'forged-by-upstream');
  assert.ok(audit.has(a.headers['x-road-id'] as string));
});

test('missing, malformed or forged X-Road-Client, and calling as someone else', async () => {
  const hits = upstream.hits.length;
  const path = r1(ADDRESS, '/addresses/1434843181');
  refused(await call(tp.url!, path, { headers: { authorization: `ApiKey ${keys[BANK]}` } }), 400, 'Client.InvalidClientIdentifier');
  refused(await call(tp.url!, path, { headers: as('IR/COM/10100000001', keys[BANK]) }), 400, 'Client.InvalidClientIdentifier');
  refused(await call(tp.url!, path, { headers: as('IR/COM/10100000001/kyc/extra', keys[BANK]) }), 400, 'Client.InvalidClientIdentifier');
  // A made-up subsystem with a real key, and a real one that is not the key's owner.
  const forged = refused(await call(tp.url!, path, { headers: as('IR/COM/99999999999/kyc', keys[BANK]) }), 403, 'Server.ClientProxy.ClientIdentifierMismatch');
  assert.equal(forged.client, 'IR/COM/99999999999/kyc', 'the claimed client is recorded');
  refused(await call(tp.url!, path, { headers: as(BANK, keys[RENTAL]) }), 403, 'Server.ClientProxy.ClientIdentifierMismatch');
  // Two X-Road-Client headers are joined by the HTTP parser and fail the grammar.
  const twice = await rawCall(tp.url!, `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Road-Client: ${RENTAL}\r\nX-Road-Client: ${BANK}\r\nAuthorization: ApiKey ${keys[BANK]}\r\nConnection: close\r\n\r\n`);
  assert.equal(twice.status, 400);
  assert.match(twice.body, /Client\.InvalidClientIdentifier/);
  assert.equal(upstream.hits.length, hits, 'no refused call reached the upstream');
});

test('credentials: none, unknown, malformed, another scheme, revoked, expired', async () => {
  const path = r1(ADDRESS, '/addresses/1');
  const none = refused(await call(tp.url!, path, { headers: { 'x-road-client': BANK } }), 401, 'Server.ClientProxy.AuthenticationFailed');
  assert.equal(none.client, BANK);
  const forgedKey = keys[BANK]!.slice(0, -4) + 'AAAA';
  refused(await call(tp.url!, path, { headers: as(BANK, forgedKey) }), 401, 'Server.ClientProxy.AuthenticationFailed');
  refused(await call(tp.url!, path, { headers: as(BANK, 'not-a-key') }), 401, 'Server.ClientProxy.AuthenticationFailed');
  refused(await call(tp.url!, path, { headers: { 'x-road-client': BANK, authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }), 401, 'Server.ClientProxy.AuthenticationFailed');
  const ok = await call(tp.url!, path, { headers: { 'x-road-client': BANK, authorization: `apikey ${keys[BANK]}` } });
  assert.equal(ok.status, 200, 'the scheme is case-insensitive');

  // Rotation: a second key works beside the first; revoking the first leaves the second.
  const second = await tp.exchange.apiKeys.create(BANK, { label: 'rotation' }, 'test');
  assert.equal((await call(tp.url!, path, { headers: as(BANK, second.key) })).status, 200);
  const temp = await tp.exchange.apiKeys.create(BANK, {}, 'test');
  await tp.exchange.apiKeys.revoke(temp.id, 'test');
  refused(await call(tp.url!, path, { headers: as(BANK, temp.key) }), 401, 'Server.ClientProxy.AuthenticationFailed');
  assert.equal((await call(tp.url!, path, { headers: as(BANK, second.key) })).status, 200);

  // An expired key (its expiry moved into the past, as time would).
  await sql`update exchange_api_keys set expires_at = ${new Date(Date.now() - 1000).toISOString()} where id = ${second.id}`.execute(tp.database.db);
  await tp.exchange.state.reload('keys');
  refused(await call(tp.url!, path, { headers: as(BANK, second.key) }), 401, 'Server.ClientProxy.AuthenticationFailed');
});

test('contracts: none, expired, method or path outside; unknown and disabled services', async () => {
  const hits = upstream.hits.length;
  refused(await call(tp.url!, r1(ADDRESS, '/addresses/1'), { headers: as(RENTAL) }), 403, 'Server.ServerProxy.AccessDenied');
  refused(await call(tp.url!, r1(ADDRESS, '/addresses/1'), { method: 'DELETE', headers: as(BANK) }), 403, 'Server.ServerProxy.AccessDenied');
  refused(await call(tp.url!, r1(ADDRESS, '/admin/users'), { headers: as(BANK) }), 403, 'Server.ServerProxy.AccessDenied');
  refused(await call(tp.url!, r1(ADDRESS, '/addresses/1/extra'), { headers: as(BANK) }), 403, 'Server.ServerProxy.AccessDenied');
  refused(await call(tp.url!, r1('IR/GOV/POST/postal/nothing', '/x'), { headers: as(BANK) }), 404, 'Server.ServerProxy.UnknownService');

  const c = await tp.exchange.contracts.grant({ client: RENTAL, service: LIMITED, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }, 'test');
  assert.equal((await call(tp.url!, r1(LIMITED, '/a'), { headers: as(RENTAL) })).status, 200);
  await sql`update exchange_contracts set expires_at = ${new Date(Date.now() - 1000).toISOString()} where id = ${c.id}`.execute(tp.database.db);
  await tp.exchange.state.reload('contracts');
  const expired = refused(await call(tp.url!, r1(LIMITED, '/a'), { headers: as(RENTAL) }), 403, 'Server.ServerProxy.AccessDenied');
  assert.match(expired.errorType!, /AccessDenied/);
  // A new contract may replace the expired one; revoking it stops calls at once on this node.
  const again = await tp.exchange.contracts.grant({ client: RENTAL, service: LIMITED }, 'test');
  assert.equal((await call(tp.url!, r1(LIMITED, '/a'), { headers: as(RENTAL) })).status, 200);
  await tp.exchange.contracts.revoke(again.id, { actor: 'test' });
  refused(await call(tp.url!, r1(LIMITED, '/a'), { headers: as(RENTAL) }), 403, 'Server.ServerProxy.AccessDenied');

  await tp.exchange.registry.setServiceDisabled(ADDRESS, true, 'test');
  refused(await call(tp.url!, r1(ADDRESS, '/addresses/1'), { headers: as(BANK) }), 404, 'Server.ServerProxy.UnknownService');
  await tp.exchange.registry.setServiceDisabled(ADDRESS, false, 'test');
  assert.equal((await call(tp.url!, r1(ADDRESS, '/addresses/1'), { headers: as(BANK) })).status, 200);
  assert.equal(upstream.hits.length, hits + 3, 'only the allowed calls reached the upstream');
});

async function consentFor(subject: string, client = BANK, services = [PERSON, VERIFY], expiresAt = new Date(Date.now() + 86_400_000).toISOString()) {
  const c = await tp.exchange.consents.request({ subject, client, services, purpose: 'Opening an account', expiresAt }, client);
  return tp.exchange.consents.approve(c.id, subject);
}

test('personal data: consent token for this client, service and person; or a legal basis', async () => {
  const hits = upstream.hits.length;
  const path = r1(PERSON, `/persons/${ALI}`);
  refused(await call(tp.url!, path, { headers: as(BANK) }), 403, 'Server.ServerProxy.ConsentRequired');
  const { consent, token } = await consentFor(ALI);
  const ok = await call(tp.url!, path, { headers: as(BANK, keys[BANK], { 'x-panjareh-consent': token }) });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.headers['x-panjareh-consent'], undefined, 'the token stays at the gateway');
  assert.equal(ok.json.headers['x-panjareh-consent-id'], consent.id);
  const rec = audit.get(ok.headers['x-road-id'] as string)!;
  assert.deepEqual([rec.subject, rec.consentId, rec.legalBasis], [ALI, consent.id, null]);
  // Persian digits in the path name the same person.
  const persian = await call(tp.url!, r1(PERSON, `/persons/${encodeURIComponent('۰۴۹۹۳۷۰۸۹۹')}`), { headers: as(BANK, keys[BANK], { 'x-panjareh-consent': token }) });
  assert.equal(persian.status, 200, persian.text);

  // Another person, another service, another consumer.
  const otherPerson = refused(await call(tp.url!, r1(PERSON, `/persons/${OTHER}`), { headers: as(BANK, keys[BANK], { 'x-panjareh-consent': token }) }), 403, 'Server.ServerProxy.ConsentInvalid');
  assert.equal(otherPerson.consentId, consent.id);
  const narrow = await consentFor(ALI, BANK, [VERIFY]);
  refused(await call(tp.url!, path, { headers: as(BANK, keys[BANK], { 'x-panjareh-consent': narrow.token }) }), 403, 'Server.ServerProxy.ConsentInvalid');
  await tp.exchange.contracts.grant({ client: RENTAL, service: PERSON }, 'test');
  refused(await call(tp.url!, path, { headers: as(RENTAL, keys[RENTAL], { 'x-panjareh-consent': token }) }), 403, 'Server.ServerProxy.ConsentInvalid');

  // Tampered payload, a token signed by someone else's key with our kid, garbage.
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: OTHER })).toString('base64url')}.${s}`;
  refused(await call(tp.url!, r1(PERSON, `/persons/${OTHER}`), { headers: as(BANK, keys[BANK], { 'x-panjareh-consent': tampered }) }), 403, 'Server.ServerProxy.ConsentInvalid');
  const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
  const foreign = await new SignJWT(claims).setProtectedHeader(header).sign(generateKeyPairSync('ed25519').privateKey);
  refused(await call(tp.url!, path, { headers: as(BANK, keys[BANK], { 'x-panjareh-consent': foreign }) }), 403, 'Server.ServerProxy.ConsentInvalid');
  refused(await call(tp.url!, path, { headers: as(BANK, keys[BANK], { 'x-panjareh-consent': 'not.a.token' }) }), 403, 'Server.ServerProxy.ConsentInvalid');

  // Revoked: refused at once on this node.
  await tp.exchange.consents.revoke(consent.id, { subject: ALI, actor: ALI });
  const revoked = refused(await call(tp.url!, path, { headers: as(BANK, keys[BANK], { 'x-panjareh-consent': token }) }), 403, 'Server.ServerProxy.ConsentInvalid');
  assert.match(revoked.errorType!, /ConsentInvalid/);

  // The legal basis of the agency's contract covers personal data without a token.
  assert.equal((await call(tp.url!, r1(PERSON, `/persons/${OTHER}`), { headers: as(SSO) })).status, 200);
  assert.equal(upstream.hits.length, hits + 3);
});

test('an expired consent token is refused', async () => {
  // A token's exp is in whole seconds (a JWT NumericDate), rounded down from the consent's expiry: an
  // expiry 1.5 s ahead gave a token that could lapse 0.5 s after it was made, which on a busy machine
  // can be before the first call below reaches the gateway. On a whole second the token lasts exactly as
  // long as the consent, and the test waits for that instant itself rather than for a fixed time.
  const expiresAt = Math.ceil((Date.now() + 3000) / 1000) * 1000;
  const { token } = await consentFor(ALI, BANK, [PERSON], new Date(expiresAt).toISOString());
  const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
  assert.equal(exp * 1000, expiresAt, 'the token expires when the consent does');
  // The boundary, on the verifier's clock: valid up to the last millisecond, expired from exp on.
  const expect = { client: BANK, service: PERSON, subject: ALI };
  const early = await tp.exchange.verifier.verify(token, expect, expiresAt - 1);
  assert.equal(early.ok, true, JSON.stringify(early));
  assert.deepEqual(await tp.exchange.verifier.verify(token, expect, expiresAt), { ok: false, reason: 'the consent has expired', consentId: early.consentId });
  const path = r1(PERSON, `/persons/${ALI}`);
  // Through the gateway: answered before the expiry, it was judged before the expiry, so it must pass.
  const before = await call(tp.url!, path, { headers: as(BANK, keys[BANK], { 'x-panjareh-consent': token }) });
  if (Date.now() < expiresAt) assert.equal(before.status, 200, before.text);
  while (Date.now() <= expiresAt) await new Promise((r) => setTimeout(r, expiresAt - Date.now() + 1));
  const a = await call(tp.url!, path, { headers: as(BANK, keys[BANK], { 'x-panjareh-consent': token }) });
  refused(a, 403, 'Server.ServerProxy.ConsentInvalid');
  assert.match(a.json.message, /expired/);
});

test('subject in the query: once only (parameter pollution), and it must be the consenting person', async () => {
  const { token } = await consentFor(ALI);
  const h = as(BANK, keys[BANK], { 'x-panjareh-consent': token });
  const ok = await call(tp.url!, r1(VERIFY, `/certificates/1391-004512?nationalCode=${ALI}`), { headers: h });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(audit.get(ok.headers['x-road-id'] as string)!.path, '/certificates/1391-004512?nationalCode=', 'query values are not recorded');
  const hits = upstream.hits.length;
  refused(await call(tp.url!, r1(VERIFY, `/certificates/1?nationalCode=${ALI}&nationalCode=${OTHER}`), { headers: h }), 400, 'Client.BadRequest');
  refused(await call(tp.url!, r1(VERIFY, `/certificates/1?nationalCode=${ALI}&NationalCode=${OTHER}`), { headers: h }), 400, 'Client.BadRequest');
  refused(await call(tp.url!, r1(VERIFY, `/certificates/1?nationalCode=${ALI}&national%43ode=${OTHER}`), { headers: h }), 400, 'Client.BadRequest');
  refused(await call(tp.url!, r1(VERIFY, `/certificates/1?nationalCode%5B%5D=${OTHER}&nationalCode=${ALI}`), { headers: h }), 400, 'Client.BadRequest');
  refused(await call(tp.url!, r1(VERIFY, `/certificates/1?nationalCode=${ALI};nationalCode=${OTHER}`), { headers: h }), 400, 'Client.BadRequest');
  refused(await call(tp.url!, r1(VERIFY, '/certificates/1'), { headers: h }), 403, 'Server.ServerProxy.ConsentInvalid');
  refused(await call(tp.url!, r1(VERIFY, `/certificates/1?nationalCode=${OTHER}`), { headers: h }), 403, 'Server.ServerProxy.ConsentInvalid');
  assert.equal(upstream.hits.length, hits);
});

test('"../" and encoded tricks in the path never reach the upstream', async () => {
  const hits = upstream.hits.length;
  for (const rest of [
    '/addresses/../../admin',
    '/addresses/..',
    '/addresses/%2e%2e/admin',
    '/addresses/%2E%2e',
    '/addresses/.%2e/x',
    '/addresses%2f..%2fadmin',
    '/addresses/x%2Fy',
    '/addresses/x%5c..',
    '/addresses/%252e%252e',
    '/addresses/%c0%ae%c0%ae',
    '/addresses/%ef%bc%8e%ef%bc%8e',
    '/addresses/1%00',
    '/addresses/1%0d%0aX-Injected:%20yes',
    '/addresses/..;/admin',
    '/addresses//1',
    '/addresses/%zz',
    '/addresses/%',
  ]) {
    const a = await call(tp.url!, r1(ADDRESS, rest), { headers: as(BANK) });
    refused(a, 400, 'Client.BadRequest');
  }
  const backslash = await rawCall(tp.url!, `GET ${r1(ADDRESS, '/addresses/..\\..\\admin')} HTTP/1.1\r\nHost: x\r\nX-Road-Client: ${BANK}\r\nAuthorization: ApiKey ${keys[BANK]}\r\nConnection: close\r\n\r\n`);
  assert.equal(backslash.status, 400);
  assert.match(backslash.body, /"type":"Client\.BadRequest"/);
  // Service ids off the grammar, and the long URI.
  refused(await call(tp.url!, '/r1/IR/GOV/POST/../postal/address/addresses/1', { headers: as(BANK) }), 400, 'Client.BadRequest');
  refused(await call(tp.url!, '/r1/IR/GOV/POST/postal%2Faddress/addresses/1', { headers: as(BANK) }), 400, 'Client.BadRequest');
  refused(await call(tp.url!, '/r1/IR/GOV/POST', { headers: as(BANK) }), 400, 'Client.BadRequest');
  refused(await call(tp.url!, r1(ADDRESS, `/addresses/${'a'.repeat(5000)}`), { headers: as(BANK) }), 414, 'Client.BadRequest.UriTooLong');
  assert.equal(upstream.hits.length, hits);
});

test('header injection: non-ASCII header values and smuggled X-Road or forwarding headers', async () => {
  const hits = upstream.hits.length;
  const head = `GET ${r1(ADDRESS, '/addresses/1')} HTTP/1.1\r\nHost: x\r\nX-Road-Client: ${BANK}\r\nAuthorization: ApiKey ${keys[BANK]}\r\nConnection: close\r\n`;
  const latin1 = await rawCall(tp.url!, Buffer.concat([Buffer.from(head + 'X-Note: caf'), Buffer.from([0xe9]), Buffer.from('\r\n\r\n')]));
  assert.equal(latin1.status, 400);
  assert.match(latin1.body, /Client\.BadRequest/);
  // CR without LF inside a value is not HTTP: Node's parser refuses the connection before any route (no X-Road body possible).
  const cr = await rawCall(tp.url!, `${head}X-Note: a\rX-Injected: b\r\n\r\n`);
  assert.equal(cr.status, 400);
  assert.equal(upstream.hits.length, hits);
  const smuggled = await call(tp.url!, r1(ADDRESS, '/addresses/1'), { headers: as(BANK, keys[BANK], { 'x-road-client-sensitive': 'x', 'x-road-service': 'IR/GOV/NOCR/registry/person', forwarded: 'for=1.2.3.4', 'x-real-ip': '1.2.3.4', 'proxy-authorization': 'Basic x', connection: 'x-secret', 'x-secret': 'hop' }) });
  assert.equal(smuggled.status, 200);
  const seen = smuggled.json.headers;
  assert.equal(seen['x-road-service'], ADDRESS, 'the gateway sets X-Road-Service itself');
  for (const h of ['x-road-client-sensitive', 'forwarded', 'x-real-ip', 'proxy-authorization', 'x-secret']) assert.equal(seen[h], undefined, h);
});

test('bodies: over the limit by Content-Length or by streaming; a slow client times out', async () => {
  const hits = upstream.hits.length;
  refused(await call(tp.url!, r1(ADDRESS, '/echo'), { method: 'POST', headers: as(BANK, keys[BANK], { 'content-type': 'text/plain' }), body: 'x'.repeat(2000) }), 413, 'Client.BadRequest.BodyTooLarge');
  const chunked = await rawCall(
    tp.url!,
    `POST ${r1(ADDRESS, '/echo')} HTTP/1.1\r\nHost: x\r\nX-Road-Client: ${BANK}\r\nAuthorization: ApiKey ${keys[BANK]}\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n${'400\r\n' + 'y'.repeat(1024) + '\r\n'}${'400\r\n' + 'y'.repeat(1024) + '\r\n'}0\r\n\r\n`,
  );
  assert.equal(chunked.status, 413);
  assert.match(chunked.body, /BodyTooLarge/);
  const t0 = Date.now();
  const slow = await rawCall(tp.url!, `POST ${r1(ADDRESS, '/echo')} HTTP/1.1\r\nHost: x\r\nX-Road-Client: ${BANK}\r\nAuthorization: ApiKey ${keys[BANK]}\r\nContent-Length: 100\r\nContent-Type: text/plain\r\n\r\nonly ten b`, { keepOpenMs: 5000 });
  assert.equal(slow.status, 408);
  assert.match(slow.body, /Client\.RequestTimeout/);
  assert.ok(Date.now() - t0 < 4500, 'answered by the gateway\'s client deadline, not by the client giving up');
  const rec = audit.get(JSON.parse(slow.body).detail)!;
  assert.equal(rec.errorType, 'Client.RequestTimeout');
  assert.equal(upstream.hits.length, hits);
});

test('a bad upstream: down, slow, garbage, oversized', async () => {
  refused(await call(tp.url!, r1('IR/GOV/POST/postal/down', '/x'), { headers: as(BANK) }), 502, 'Server.ServerProxy.ServiceFailed');
  const t0 = Date.now();
  refused(await call(tp.url!, r1(ADDRESS, '/slow'), { headers: as(BANK) }), 504, 'Server.ServerProxy.ServiceFailed.Timeout');
  assert.ok(Date.now() - t0 < 2900, 'the upstream deadline (1 s here) holds');
  refused(await call(tp.url!, r1('IR/GOV/POST/postal/garbage', '/x'), { headers: as(BANK) }), 502, 'Server.ServerProxy.ServiceFailed');
  refused(await call(tp.url!, r1(ADDRESS, '/huge'), { headers: as(BANK) }), 502, 'Server.ServerProxy.ServiceFailed');
  // And the gateway is still there.
  assert.equal((await call(tp.url!, r1(ADDRESS, '/addresses/1'), { headers: as(BANK) })).status, 200);
});

test('many concurrent calls from different consumers each get their own answer', async () => {
  const { token } = await consentFor(ALI);
  const calls = Array.from({ length: 40 }, (_, i) => {
    const who = i % 2 === 0 ? BANK : SSO;
    const person = who === SSO ? (i % 4 === 1 ? ALI : OTHER) : ALI;
    const tag = randomUUID();
    const headers = as(who, keys[who], who === BANK ? { 'x-panjareh-consent': token, 'x-tag': tag } : { 'x-tag': tag });
    return call(tp.url!, r1(PERSON, `/persons/${person}`), { headers }).then((a) => ({ a, who, person, tag }));
  });
  for (const { a, who, person, tag } of await Promise.all(calls)) {
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.headers['x-tag'], tag);
    assert.equal(a.json.headers['x-road-client'], who);
    assert.equal(a.json.url, `/base/persons/${person}`);
    assert.equal(a.json.headers['x-road-id'], a.headers['x-road-id']);
  }
});

test('rate limit and daily quota', async () => {
  await tp.exchange.contracts.grant({ client: BANK, service: LIMITED, ratePerSecond: 2, dailyQuota: null }, 'test');
  const burst = await Promise.all(Array.from({ length: 30 }, () => call(tp.url!, r1(LIMITED, '/x'), { headers: as(BANK) })));
  const limited = burst.filter((a) => a.status === 429);
  assert.ok(limited.length > 0, 'some calls are over the rate');
  for (const a of limited) {
    refused(a, 429, 'Server.ServerProxy.RateLimitExceeded');
    assert.equal(a.headers['retry-after'], '1');
  }
  const okSeconds = new Map<string, number>();
  for (const a of burst.filter((x) => x.status === 200)) {
    const sec = audit.get(a.headers['x-road-id'] as string)!.at.slice(0, 19);
    okSeconds.set(sec, (okSeconds.get(sec) ?? 0) + 1);
  }
  // The audit time is taken a little after the limiter's; allow a call to slip into the next second's record.
  assert.ok(burst.length - limited.length <= 2 * (okSeconds.size + 1), 'at most the rate in each second');

  await tp.exchange.contracts.revokeFor(BANK, LIMITED, { actor: 'test' });
  const quota = await tp.exchange.contracts.grant({ client: BANK, service: LIMITED, ratePerSecond: 1000, dailyQuota: 3 }, 'test');
  const seq: Answer[] = [];
  for (let i = 0; i < 5; i++) seq.push(await call(tp.url!, r1(LIMITED, '/x'), { headers: as(BANK) }));
  assert.deepEqual(seq.map((a) => a.status), [200, 200, 200, 429, 429]);
  refused(seq[3]!, 429, 'Server.ServerProxy.QuotaExceeded');
  assert.ok(Number(seq[3]!.headers['retry-after']) > 0);

  if (REDIS_URL) {
    // The counting was done in Redis, not in this node's memory: the day's counter of this contract is there.
    const ns = (await sql<{ value: string }>`select value from platform_secrets where name = 'exchange-redis-namespace'`.execute(tp.database.db)).rows[0]!.value;
    const redis = new Redis(REDIS_URL);
    try {
      // SCAN returns a page of the keys at a time: one call may miss the key in a Redis shared with other runs.
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, page] = await redis.scan(cursor, 'MATCH', `pjx:${ns}:${quota.id}:d:*`, 'COUNT', 1000);
        found.push(...page);
        cursor = next;
      } while (cursor !== '0');
      assert.equal(found.length, 1, 'one daily counter for the contract in Redis');
      assert.ok(Number(await redis.get(found[0]!)) >= 3);
    } finally {
      redis.disconnect();
    }
  }
});

test('metaservices: listClients, listMethods, allowedMethods, getOpenAPI', async () => {
  const clients = await call(tp.url!, '/r1/IR/listClients', { headers: as(BANK) });
  assert.equal(clients.status, 200);
  const ids = clients.json.member.map((m: any) => m.id);
  assert.ok(ids.some((i: any) => i.object_type === 'MEMBER' && i.member_code === 'NOCR' && i.member_class === 'GOV' && i.xroad_instance === 'IR'));
  assert.ok(ids.some((i: any) => i.object_type === 'SUBSYSTEM' && i.member_code === '10100000001' && i.subsystem_code === 'kyc'));

  const methods = await call(tp.url!, '/r1/IR/GOV/NOCR/registry/listMethods', { headers: as(RENTAL) });
  assert.equal(methods.status, 200);
  assert.deepEqual(methods.json.service, [
    { object_type: 'SERVICE', xroad_instance: 'IR', member_class: 'GOV', member_code: 'NOCR', subsystem_code: 'registry', service_code: 'person', service_type: 'OPENAPI', endpoint_list: [{ method: 'GET', path: '/persons/*' }] },
  ]);
  const allowedBank = await call(tp.url!, '/r1/IR/GOV/POST/postal/allowedMethods', { headers: as(BANK) });
  assert.deepEqual(allowedBank.json.service.map((s: any) => s.service_code).sort(), ['address', 'down', 'garbage', 'limited']);
  const address = allowedBank.json.service.find((s: any) => s.service_code === 'address');
  assert.ok(address.endpoint_list.some((e: any) => e.method === 'POST' && e.path === '/echo'));
  const allowedSso = await call(tp.url!, '/r1/IR/GOV/POST/postal/allowedMethods', { headers: as(SSO) });
  assert.deepEqual(allowedSso.json.service, [], 'only what the caller\'s contracts allow');

  const doc = await call(tp.url!, '/r1/IR/GOV/NOCR/registry/getOpenAPI?serviceCode=person', { headers: as(RENTAL) });
  assert.equal(doc.status, 200);
  assert.deepEqual(doc.json, personApi);
  refused(await call(tp.url!, '/r1/IR/GOV/NOCR/registry/getOpenAPI?serviceCode=nothing', { headers: as(RENTAL) }), 404, 'Server.ServerProxy.UnknownService');
  refused(await call(tp.url!, '/r1/IR/GOV/POST/postal/getOpenAPI?serviceCode=address', { headers: as(RENTAL) }), 404, 'Server.ServerProxy.NoServiceDescription');
  refused(await call(tp.url!, '/r1/IR/GOV/NOCR/registry/getOpenAPI', { headers: as(RENTAL) }), 400, 'Client.BadRequest');
  refused(await call(tp.url!, '/r1/IR/GOV/NOCR/nothing/listMethods', { headers: as(RENTAL) }), 404, 'Server.ServerProxy.UnknownMember');
  refused(await call(tp.url!, '/r1/IR/listClients', { headers: { 'x-road-client': RENTAL } }), 401, 'Server.ClientProxy.AuthenticationFailed');
  refused(await call(tp.url!, '/r1/IR/GOV/NOCR/registry/listMethods', { method: 'POST', headers: as(RENTAL) }), 405, 'Client.BadRequest.MethodNotAllowed');
});

test('an audit log that cannot write turns every answer into a 503 that carries no data', async () => {
  const working = tp.exchange.audit!;
  tp.exchange.useAuditLog({ append: async () => Promise.reject(new Error('disk full')) });
  try {
    const a = await call(tp.url!, r1(PERSON, `/persons/${ALI}`), { headers: as(SSO) });
    assert.equal(a.status, 503);
    assert.equal(a.json.type, 'Server.ServerProxy.DatabaseError');
    assert.doesNotMatch(a.text, /base\/persons/, 'no upstream data leaks');
  } finally {
    tp.exchange.useAuditLog(working);
  }
});

test('every answer above is in the durable audit log, and the log verifies', async () => {
  const rows = await sql<{ id: string }>`select id from exchange_audit`.execute(tp.database.db);
  const stored = new Set(rows.rows.map((r) => r.id));
  assert.ok(audit.size > 100);
  for (const id of audit.keys()) assert.ok(stored.has(id), `record ${id} is committed`);
  const v = await new ExchangeAuditReader(tp.database.db, tp.keys).verify();
  assert.ok(v.ok, JSON.stringify(v.firstBad));
});
