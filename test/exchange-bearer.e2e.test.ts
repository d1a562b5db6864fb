import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { OAuthClientLinks, type ExchangeAuditRecord } from '../src/exchange/index.js';
import { EXCHANGE_RESOURCE } from '../src/identity/index.js';
import { call, recordAudit, startUpstream, type Answer } from './exchange-helpers.js';
import { eventually, freshDatabase, testPlatform, type TestPlatform } from './harness.js';
import { nodeEntry } from './entry.js';

/**
 * `Authorization: Bearer` at the gateway: a subsystem's OpenID client (private_key_jwt, keys at its
 * registered public keys) gets a client-credentials token from /oidc/token and calls /r1 with it; the gateway
 * verifies it locally and maps the client to its subsystem. Forged, expired, mis-addressed and
 * someone else's tokens are refused with X-Road errors.
 */

let db: Awaited<ReturnType<typeof freshDatabase>>;
let tp: TestPlatform;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let audit: Map<string, ExchangeAuditRecord>;
let links: OAuthClientLinks;

const BANK = 'IR/COM/10100000001/kyc';
const RENTAL = 'IR/COM/20200000002/rental';
const ADDRESS = 'IR/GOV/POST/postal/address';

/** The business's own signing key: it proves the client's identity at the token endpoint. */
const clientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const CLIENT_KID = 'bank-key-1';
/**
 * Registered inline: oidc-provider refuses to fetch a jwks_uri on a loopback or other special-use
 * address (its SSRF protection), so a test's local key server could not be used.
 */
const publicJwks = { keys: [{ ...clientKey.publicKey.export({ format: 'jwk' }), kid: CLIENT_KID, alg: 'ES256', use: 'sig' }] };

interface Client {
  clientId: string;
}
let bank: Client;
let rental: Client;
let unlinked: Client;

async function register(name: string): Promise<Client> {
  const r = await tp.identity.clients.add({ name, redirectUris: [], auth: 'private_key_jwt', jwks: publicJwks, grantTypes: ['client_credentials'] }, 'test');
  return { clientId: r.clientId };
}

/** A client-credentials grant with a private_key_jwt assertion, as a business's server would send it. */
async function tokenFor(c: Client, extra: Record<string, string> = {}, key: KeyObject = clientKey.privateKey): Promise<{ status: number; body: any }> {
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: CLIENT_KID })
    .setIssuer(c.clientId)
    .setSubject(c.clientId)
    .setAudience(tp.url!)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(key);
  const res = await fetch(`${tp.url}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      ...extra,
    }),
  });
  return { status: res.status, body: await res.json() };
}

async function accessToken(c: Client): Promise<string> {
  const r = await tokenFor(c, { resource: EXCHANGE_RESOURCE });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.token_type, 'Bearer');
  return r.body.access_token as string;
}

const bearer = (client: string, token: string) => ({ 'x-road-client': client, authorization: `Bearer ${token}` });

function refused(a: Answer, status: number, type: string): void {
  assert.equal(a.status, status, `${type}: ${a.text}`);
  assert.equal(a.json?.type, type, a.text);
  assert.equal(a.headers['x-road-error'], type);
  assert.equal(a.json.detail, a.headers['x-road-id']);
  assert.ok(a.json.messages?.fa && a.json.messages?.en);
  const rec = audit.get(a.headers['x-road-id'] as string);
  assert.ok(rec, 'the refusal is in the audit log');
  assert.equal(rec.errorType, type);
}

/** A token signed with the platform's real provider key, with claims chosen by the test. */
async function platformSigned(claims: Record<string, unknown>, opts: { typ?: string; exp?: number; nbf?: number } = {}): Promise<string> {
  const k = await tp.keys.active('oidc', 'RS256');
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ client_id: bank.clientId, sub: bank.clientId, iss: tp.url!, aud: EXCHANGE_RESOURCE, jti: randomUUID(), iat: now, exp: opts.exp ?? now + 600, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: k.kid, typ: opts.typ ?? 'at+jwt' });
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return jwt.sign(k.privateKey);
}

before(async () => {
  upstream = await startUpstream();
  db = await freshDatabase();
  tp = await testPlatform({ listen: true, shared: db });
  audit = recordAudit(tp);
  const { registry, contracts } = tp.exchange;
  for (const [m, name] of [['IR/GOV/POST', 'Post'], ['IR/COM/10100000001', 'Bank'], ['IR/COM/20200000002', 'Rental']] as const) await registry.addMember({ id: m, name }, 'test');
  for (const s of ['IR/GOV/POST/postal', BANK, RENTAL]) await registry.addSubsystem({ id: s }, 'test');
  await registry.addService({ id: ADDRESS, upstream: `${upstream.url}/base`, classification: 'internal' }, 'test');
  await contracts.grant({ client: BANK, service: ADDRESS, ratePerSecond: 1000 }, 'test');
  await contracts.grant({ client: RENTAL, service: ADDRESS, ratePerSecond: 1000 }, 'test');
  links = new OAuthClientLinks(tp.database.db, () => tp.exchange.state.reload('keys'));
  bank = await register('Bank KYC');
  rental = await register('Rental platform');
  unlinked = await register('Not linked');
  await links.link({ subsystem: BANK, clientId: bank.clientId }, 'test');
  await links.link({ subsystem: RENTAL, clientId: rental.clientId }, 'test');
});

after(async () => {
  await tp.dispose();
  await db.drop();
  await upstream.close();
});

test('a client-credentials token from /oidc/token (private_key_jwt) calls the gateway as its subsystem; the token stays at the gateway', async () => {
  const token = await accessToken(bank);
  const h = decodeProtectedHeader(token);
  assert.equal(h.typ, 'at+jwt');
  assert.equal(h.alg, 'RS256');
  const claims = decodeJwt(token);
  assert.equal(claims.aud, EXCHANGE_RESOURCE);
  assert.equal(claims.client_id, bank.clientId);
  assert.equal(claims.sub, bank.clientId);

  const before = upstream.hits.length;
  const a = await call(tp.url!, `/r1/${ADDRESS}/addresses/1434843181`, { headers: bearer(BANK, token) });
  assert.equal(a.status, 200, a.text);
  assert.equal(upstream.hits.length, before + 1);
  const hit = upstream.hits.at(-1)!;
  assert.equal(hit.headers.authorization, undefined, 'the bearer token never reaches the upstream');
  assert.ok(!JSON.stringify(hit.headers).includes(token.split('.')[2]!), 'no part of the token is forwarded');
  assert.equal(hit.headers['x-road-client'], BANK);
  const rec = audit.get(a.headers['x-road-id'] as string)!;
  assert.equal(rec.client, BANK);
  assert.equal(rec.status, 200);

  // The default resource of a client-credentials grant is the exchange.
  const dflt = await tokenFor(bank);
  assert.equal(dflt.status, 200, JSON.stringify(dflt.body));
  assert.equal(decodeJwt(dflt.body.access_token).aud, EXCHANGE_RESOURCE);
  assert.equal((await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: bearer(BANK, dflt.body.access_token) })).status, 200);
  // The scheme is case-insensitive, like ApiKey.
  assert.equal((await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: { 'x-road-client': BANK, authorization: `bearer ${token}` } })).status, 200);
});

test('the token endpoint refuses a client assertion signed with another key and another resource', async () => {
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const r = await tokenFor(bank, { resource: EXCHANGE_RESOURCE }, other.privateKey);
  assert.equal(r.status, 401, JSON.stringify(r.body));
  assert.equal(r.body.error, 'invalid_client');
  const wrongResource = await tokenFor(bank, { resource: 'https://elsewhere.example/api' });
  assert.equal(wrongResource.status, 400);
  assert.equal(wrongResource.body.error, 'invalid_target');
});

test('another subsystem\'s token is refused as a client mismatch; an unlinked client\'s token is not a credential', async () => {
  const rentalToken = await accessToken(rental);
  refused(await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: bearer(BANK, rentalToken) }), 403, 'Server.ClientProxy.ClientIdentifierMismatch');
  assert.equal((await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: bearer(RENTAL, rentalToken) })).status, 200);
  const lone = await accessToken(unlinked);
  refused(await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: bearer(BANK, lone) }), 401, 'Server.ClientProxy.AuthenticationFailed');
});

test('expired, not yet valid, wrong audience, wrong issuer, a person\'s token, wrong typ, bound or forged tokens are refused 401', async () => {
  const now = Math.floor(Date.now() / 1000);
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const realKid = (await tp.keys.active('oidc', 'RS256')).kid;
  const cases: Record<string, string> = {
    expired: await platformSigned({ iat: now - 700 }, { exp: now - 100 }),
    'not yet valid': await platformSigned({}, { nbf: now + 300 }),
    'wrong audience': await platformSigned({ aud: 'urn:panjareh:exchange:consent' }),
    'wrong issuer': await platformSigned({ iss: 'https://evil.example' }),
    "a person's token (sub is not the client)": await platformSigned({ sub: 'person-subject' }),
    'an ID token typ': await platformSigned({}, { typ: 'JWT' }),
    'sender-constrained (cnf)': await platformSigned({ cnf: { jkt: 'abc' } }),
    'no client_id': await platformSigned({ client_id: undefined }),
    'foreign-signed with the real kid': await new SignJWT({ client_id: bank.clientId, sub: bank.clientId })
      .setProtectedHeader({ alg: 'RS256', kid: realKid, typ: 'at+jwt' })
      .setIssuer(tp.url!)
      .setAudience(EXCHANGE_RESOURCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(foreign.privateKey),
    'foreign-signed with its own kid': await new SignJWT({ client_id: bank.clientId, sub: bank.clientId })
      .setProtectedHeader({ alg: 'RS256', kid: 'attacker-key', typ: 'at+jwt' })
      .setIssuer(tp.url!)
      .setAudience(EXCHANGE_RESOURCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(foreign.privateKey),
    'alg none': `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify({ client_id: bank.clientId, sub: bank.clientId, iss: tp.url, aud: EXCHANGE_RESOURCE, exp: now + 600 })).toString('base64url')}.`,
    garbage: 'not-a-token',
    empty: '',
  };
  for (const [why, token] of Object.entries(cases)) {
    const a = await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: bearer(BANK, token) });
    assert.equal(a.status, 401, `${why}: ${a.text}`);
    refused(a, 401, 'Server.ClientProxy.AuthenticationFailed');
  }
  // The control: the same construction with nothing wrong is accepted, so each case above failed for its own reason.
  assert.equal((await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: bearer(BANK, await platformSigned({})) })).status, 200);
});

test('unlinking a client stops its tokens at once; a key rotation keeps old tokens valid and new ones verify', async () => {
  const token = await accessToken(bank);
  assert.equal((await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: bearer(BANK, token) })).status, 200);

  await tp.keys.rotate('oidc', 'RS256', 1200);
  assert.equal((await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: bearer(BANK, token) })).status, 200, 'a token signed by the retired key still verifies');
  const forged = await platformSigned({});
  assert.notEqual(decodeProtectedHeader(forged).kid, decodeProtectedHeader(token).kid, 'the test signs with the new key');
  await new Promise((r) => setTimeout(r, 1100)); // past the one-a-second limit on unknown key ids
  assert.equal((await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: bearer(BANK, forged) })).status, 200, 'a token of the new key verifies without a restart');

  await links.unlink(bank.clientId, 'test');
  refused(await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: bearer(BANK, token) }), 401, 'Server.ClientProxy.AuthenticationFailed');
  await links.link({ subsystem: BANK, clientId: bank.clientId }, 'test');
  assert.equal((await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: bearer(BANK, token) })).status, 200);
});

test('links: bad input, unknown subsystem, a client linked twice; changes are audited', async () => {
  await assert.rejects(links.link({ subsystem: 'nope', clientId: 'x' }, 'test'), { code: 'invalid_subsystem_id' });
  await assert.rejects(links.link({ subsystem: BANK, clientId: 'has space' }, 'test'), { code: 'invalid_client_id' });
  await assert.rejects(links.link({ subsystem: 'IR/COM/999/none', clientId: 'abc' }, 'test'), { code: 'not_found' });
  await assert.rejects(links.link({ subsystem: RENTAL, clientId: bank.clientId }, 'test'), { code: 'client_linked' });
  await assert.rejects(links.unlink('no-such-client', 'test'), { code: 'not_found' });
  assert.deepEqual((await links.list(BANK)).map((l) => l.clientId), [bank.clientId]);
  const actions = (await tp.database.db.selectFrom('audit_log').select('action').where('action', 'like', 'exchange.oauth-client.%').execute()).map((r) => r.action);
  assert.ok(actions.includes('exchange.oauth-client.link') && actions.includes('exchange.oauth-client.unlink'));
});

test('a second gateway node on the same database picks up a link within a second', async () => {
  const node2 = await testPlatform({ listen: true, shared: db, env: { PUBLIC_URL: tp.url! } });
  try {
    const token = await accessToken(rental);
    assert.equal((await call(node2.url!, `/r1/${ADDRESS}/x`, { headers: bearer(RENTAL, token) })).status, 200);
    await links.unlink(rental.clientId, 'test');
    const t0 = Date.now();
    await eventually(async () => (await call(node2.url!, `/r1/${ADDRESS}/x`, { headers: bearer(RENTAL, token) })).status === 401, 1000);
    assert.ok(Date.now() - t0 < 1000);
  } finally {
    await node2.dispose();
  }
});

test('the command line: `exchange client create --jwks-file` registers and links a client whose tokens work; list and unlink', async () => {
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [...nodeEntry('src/cli.ts'), ...args], {
      env: { ...process.env, PANJAREH_DATA_DIR: db.dataDir, LOG_LEVEL: 'silent', PUBLIC_URL: tp.url!, ...(db.pgSchema ? { PGOPTIONS: `-c search_path=${db.pgSchema}` } : {}) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const file = path.join(db.dataDir, 'rental-jwks.json');
  fs.writeFileSync(file, JSON.stringify(publicJwks));
  assert.notEqual(cli(['exchange', 'client', 'create', '--subsystem', RENTAL]).code, 0, 'keys are required');
  const bad = path.join(db.dataDir, 'private.json');
  fs.writeFileSync(bad, JSON.stringify({ keys: [{ ...clientKey.privateKey.export({ format: 'jwk' }), kid: 'x' }] }));
  const refusedPrivate = cli(['exchange', 'client', 'create', '--subsystem', RENTAL, '--jwks-file', bad]);
  assert.notEqual(refusedPrivate.code, 0);
  assert.match(refusedPrivate.err, /public keys/);
  const made = cli(['exchange', 'client', 'create', '--subsystem', RENTAL, '--jwks-file', file, '--name', 'Rental platform (gateway)']);
  assert.equal(made.code, 0, made.err);
  const clientId = JSON.parse(made.out.trim().split('\n').at(-1)!).client_id as string;
  assert.match(made.out, /resource=urn:panjareh:exchange/);
  assert.match(cli(['exchange', 'client', 'list', '--subsystem', RENTAL]).out, new RegExp(clientId));
  const token = await accessToken({ clientId });
  await eventually(async () => (await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: bearer(RENTAL, token) })).status === 200, 1000);
  assert.equal(cli(['exchange', 'client', 'unlink', '--client-id', clientId]).code, 0);
  await eventually(async () => (await call(tp.url!, `/r1/${ADDRESS}/x`, { headers: bearer(RENTAL, token) })).status === 401, 1000);
  assert.notEqual(cli(['exchange', 'client', 'link', '--subsystem', RENTAL, '--client-id', 'rp-unknown']).code, 0, 'an unknown client cannot be linked');
  assert.equal(cli(['exchange', 'client', 'link', '--subsystem', RENTAL, '--client-id', clientId]).code, 0);
});
