import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { Kysely } from 'kysely';
import { testPlatform, type TestPlatform } from '../../test/harness.js';
import { cbor, FLAG_AT, FLAG_BE, FLAG_BS, FLAG_UP, FLAG_UV, SoftwareAuthenticator } from '../../test/webauthn-authenticator.js';
import { AppError } from '../platform/errors.js';
import { createHttpServer } from '../platform/http.js';
import { passkeyAmr } from './passkeys-ceremonies.js';
import { authenticationResponseSchema, MAX_PASSKEYS_PER_PERSON, PASSKEY_RP_NAME, Passkeys, passkeyMigrations, registrationResponseSchema } from './passkeys.js';

/**
 * Passkeys against a software authenticator that builds real WebAuthn bytes (test/webauthn-authenticator.ts),
 * on the database of the run (SQLite, or PostgreSQL with DATABASE_URL).
 */

const PUBLIC_URL = 'https://panjareh.example.ir';
const ALI = { nationalCode: '0499370899', displayName: 'علی رضایی' };
const SARA = { nationalCode: '0062345672', displayName: 'سارا احمدی' };

let p: TestPlatform;
let db: Kysely<any>;
let passkeys: Passkeys;

before(async () => {
  p = await testPlatform();
  db = p.database.db as Kysely<any>;
  const applied = await db.selectFrom('schema_migrations').select('name').where('name', '=', passkeyMigrations[0]!.name).executeTakeFirst();
  assert.ok(applied, 'the passkey tables are part of the identity migrations');
  passkeys = new Passkeys(db, { publicUrl: PUBLIC_URL });
});
after(async () => p.dispose());
// Each test starts with no passkeys (the people's handles stay, as they would).
beforeEach(async () => {
  await db.deleteFrom('identity_passkeys').execute();
});

/** Asserts that `promise` fails with an AppError of this status and code. */
async function refused(promise: Promise<unknown>, code: string, status = 400): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof AppError, `an AppError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.status, status);
    assert.ok(e.messages.fa && e.messages.en);
    return true;
  });
}

async function registered(person = ALI, authenticator = new SoftwareAuthenticator(PUBLIC_URL)) {
  const options = await passkeys.registrationOptions(person);
  const stored = await passkeys.verifyRegistration(person.nationalCode, authenticator.create(options), { nickname: ' laptop ' });
  return { authenticator, options, stored };
}

test('register a passkey, then sign in with it without naming anyone', async () => {
  const authenticator = new SoftwareAuthenticator(PUBLIC_URL);
  const options = await passkeys.registrationOptions(ALI);
  assert.deepEqual(options.rp, { name: PASSKEY_RP_NAME, id: 'panjareh.example.ir' });
  assert.equal(options.user.displayName, ALI.displayName);
  assert.equal(options.user.name, '049****899', 'the authenticator sees a masked national code');
  assert.ok(!Buffer.from(options.user.id, 'base64url').toString('latin1').includes(ALI.nationalCode), 'the user handle is not the national code');
  assert.equal(Buffer.from(options.user.id, 'base64url').length, 32);
  assert.equal(options.authenticatorSelection?.userVerification, 'required');
  assert.equal(options.authenticatorSelection?.residentKey, 'required');
  assert.equal(options.attestation, 'none');
  assert.ok(options.pubKeyCredParams.some((x) => x.alg === -7), 'ES256 is offered');

  const stored = await passkeys.verifyRegistration(ALI.nationalCode, authenticator.create(options), { nickname: ' laptop ' });
  assert.equal(stored.nationalCode, ALI.nationalCode);
  assert.equal(stored.nickname, 'laptop');
  assert.deepEqual(stored.transports, ['internal', 'hybrid']);
  assert.equal(stored.lastUsedAt, null);
  assert.equal(stored.credentialId, Buffer.from(authenticator.credentials[0]!.id).toString('base64url'));
  const audit = await db.selectFrom('audit_log').select(['action', 'actor']).where('action', '=', 'identity.passkey.added').execute();
  assert.ok(audit.some((a) => a.actor === `person:${ALI.nationalCode}`), 'the new passkey is in the audit log');

  const request = await passkeys.authenticationOptions();
  assert.equal(request.rpId, 'panjareh.example.ir');
  assert.deepEqual(request.allowCredentials ?? [], [], 'usernameless: the browser offers its discoverable passkeys');
  assert.equal(request.userVerification, 'required');
  const signIn = await passkeys.verifyAuthentication(authenticator.get(request));
  assert.deepEqual(signIn, { nationalCode: ALI.nationalCode, credentialId: stored.credentialId, userVerified: true, deviceType: 'singleDevice', backedUp: false });

  const [listed] = await passkeys.list(ALI.nationalCode);
  assert.equal(listed!.credentialId, stored.credentialId);
  assert.ok(listed!.lastUsedAt, 'the use is recorded');
  const row = await db.selectFrom('identity_passkeys').select('counter').where('credential_id', '=', stored.credentialId).executeTakeFirstOrThrow();
  assert.equal(Number(row.counter), 1, 'the counter moved with the authenticator');

  // A second passkey: the same person keeps the same handle, and the first one is excluded.
  const again = await passkeys.registrationOptions(ALI);
  assert.equal(again.user.id, options.user.id, 'one handle per person');
  assert.deepEqual(again.excludeCredentials?.map((c) => c.id), [stored.credentialId]);
  assert.throws(() => authenticator.create(again), /excluded/, 'the same authenticator is not registered twice');
  const phone = new SoftwareAuthenticator(PUBLIC_URL);
  await passkeys.verifyRegistration(ALI.nationalCode, phone.create(again));
  assert.equal((await passkeys.list(ALI.nationalCode)).length, 2);
  const other = await passkeys.registrationOptions(SARA);
  assert.notEqual(other.user.id, options.user.id, 'handles differ between people');
});

test('sign-in options for a named person list only their passkeys; another person’s passkey cannot answer them', async () => {
  const ali = await registered(ALI);
  const sara = await registered(SARA);
  const request = await passkeys.authenticationOptions(SARA.nationalCode);
  assert.deepEqual(new Set(request.allowCredentials?.map((c) => c.id)), new Set((await passkeys.list(SARA.nationalCode)).map((c) => c.credentialId)));
  assert.ok(!request.allowCredentials?.some((c) => c.id === ali.stored.credentialId));
  assert.equal((await passkeys.verifyAuthentication(sara.authenticator.get(request))).nationalCode, SARA.nationalCode);
  const forSara = await passkeys.authenticationOptions(SARA.nationalCode);
  await refused(passkeys.verifyAuthentication(ali.authenticator.get({ ...forSara, allowCredentials: [] })), 'passkey_failed');
});

test('a challenge is good once: replayed registration and sign-in responses are refused', async () => {
  const authenticator = new SoftwareAuthenticator(PUBLIC_URL);
  const options = await passkeys.registrationOptions(ALI);
  const response = authenticator.create(options);
  await passkeys.verifyRegistration(ALI.nationalCode, response);
  await refused(passkeys.verifyRegistration(ALI.nationalCode, response), 'passkey_challenge');

  const request = await passkeys.authenticationOptions();
  const assertion = authenticator.get(request);
  await passkeys.verifyAuthentication(assertion);
  await refused(passkeys.verifyAuthentication(assertion), 'passkey_challenge');
  // A challenge we never issued, and one issued for the other ceremony, are refused alike.
  await refused(passkeys.verifyAuthentication(authenticator.get({ ...request, challenge: Buffer.alloc(32, 7).toString('base64url') })), 'passkey_challenge');
  const creation = await passkeys.registrationOptions(ALI);
  await refused(passkeys.verifyAuthentication(authenticator.get({ challenge: creation.challenge, rpId: creation.rp.id })), 'passkey_challenge');
});

test('an expired challenge is refused, and a failed try spends the challenge', async () => {
  const authenticator = new SoftwareAuthenticator(PUBLIC_URL);
  const options = await passkeys.registrationOptions(ALI);
  await db.updateTable('identity_passkey_challenges').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('challenge', '=', options.challenge).execute();
  await refused(passkeys.verifyRegistration(ALI.nationalCode, authenticator.create(options)), 'passkey_challenge');

  const { authenticator: a } = await registered(ALI);
  const request = await passkeys.authenticationOptions();
  await refused(passkeys.verifyAuthentication(a.get(request, { origin: 'https://evil.example' })), 'passkey_failed');
  await refused(passkeys.verifyAuthentication(a.get(request)), 'passkey_challenge', 400);
});

test('a registration challenge made for one person cannot register a passkey for another', async () => {
  const before = (await passkeys.list(SARA.nationalCode)).length;
  const options = await passkeys.registrationOptions(ALI);
  await refused(passkeys.verifyRegistration(SARA.nationalCode, new SoftwareAuthenticator(PUBLIC_URL).create(options)), 'passkey_challenge');
  assert.equal((await passkeys.list(SARA.nationalCode)).length, before);
});

test('a response from another origin is refused, at registration and at sign-in', async () => {
  for (const origin of ['https://panjareh.example.ir.evil.example', 'http://panjareh.example.ir', 'https://panjareh.example.ir:8443']) {
    const o = await passkeys.registrationOptions(ALI);
    await refused(passkeys.verifyRegistration(ALI.nationalCode, new SoftwareAuthenticator(origin).create(o)), 'passkey_failed');
  }
  const { authenticator } = await registered(ALI);
  await refused(passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions(), { origin: 'https://phish.example' })), 'passkey_failed');
});

test('authenticator data for another RP ID is refused, at registration and at sign-in', async () => {
  const options = await passkeys.registrationOptions(ALI);
  await refused(passkeys.verifyRegistration(ALI.nationalCode, new SoftwareAuthenticator(PUBLIC_URL).create(options, { rpId: 'example.ir' })), 'passkey_failed');
  const { authenticator } = await registered(ALI);
  await refused(passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions(), { rpId: 'evil.example' })), 'passkey_failed');
  // The right RP ID and origin still work with the same credential: the refusals were about the RP ID.
  assert.equal((await passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions()))).nationalCode, ALI.nationalCode);
});

test('a tampered signature, tampered authenticator data or a wrong ceremony type is refused', async () => {
  const { authenticator } = await registered(ALI);
  const good = authenticator.get(await passkeys.authenticationOptions());
  const sig = Buffer.from(good.response.signature, 'base64url');
  sig[sig.length - 1] ^= 0x01;
  await refused(passkeys.verifyAuthentication({ ...good, response: { ...good.response, signature: sig.toString('base64url') } }), 'passkey_failed');

  const second = authenticator.get(await passkeys.authenticationOptions());
  const data = Buffer.from(second.response.authenticatorData, 'base64url');
  data.writeUInt32BE(data.readUInt32BE(33) + 100, 33); // a higher counter than the one signed
  await refused(passkeys.verifyAuthentication({ ...second, response: { ...second.response, authenticatorData: data.toString('base64url') } }), 'passkey_failed');

  await refused(passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions(), { type: 'webauthn.create' })), 'passkey_failed');
});

test('user verification is required: a passkey used without it is refused', async () => {
  const options = await passkeys.registrationOptions(ALI);
  await refused(passkeys.verifyRegistration(ALI.nationalCode, new SoftwareAuthenticator(PUBLIC_URL).create(options, { flags: FLAG_UP | FLAG_AT })), 'passkey_failed');
  const { authenticator } = await registered(ALI);
  await refused(passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions(), { flags: FLAG_UP })), 'passkey_failed');
  await refused(passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions(), { flags: FLAG_UV })), 'passkey_failed');
});

test('a signature counter that goes backwards is refused and audited; authenticators that do not count are fine', async () => {
  const { authenticator, stored } = await registered(ALI);
  await passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions(), { counter: 10 }));
  await refused(passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions(), { counter: 5 })), 'passkey_counter');
  await refused(passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions(), { counter: 10 })), 'passkey_counter', 400);
  const audit = await db.selectFrom('audit_log').select('detail').where('action', '=', 'identity.passkey.counter_regression').execute();
  assert.ok(audit.some((a) => JSON.parse(a.detail).credentialId === stored.credentialId));
  assert.equal((await passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions(), { counter: 11 }))).credentialId, stored.credentialId);

  const synced = new SoftwareAuthenticator(PUBLIC_URL);
  synced.counterStep = 0;
  await registered(SARA, synced);
  for (let i = 0; i < 3; i++) assert.equal((await passkeys.verifyAuthentication(synced.get(await passkeys.authenticationOptions()))).nationalCode, SARA.nationalCode);
});

test('an unknown credential, a wrong user handle, or no user handle where no one was named, are refused', async () => {
  const { authenticator } = await registered(ALI);
  const stranger = new SoftwareAuthenticator(PUBLIC_URL);
  stranger.create({ challenge: 'AAAA', rp: { id: 'panjareh.example.ir', name: 'x' }, user: { id: 'AQID', name: 'x', displayName: 'x' } });
  await refused(passkeys.verifyAuthentication(stranger.get(await passkeys.authenticationOptions())), 'passkey_unknown');

  const sara = await passkeys.registrationOptions(SARA);
  await refused(passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions(), { userHandle: Buffer.from(sara.user.id, 'base64url') })), 'passkey_failed');
  await refused(passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions(), { userHandle: null })), 'passkey_failed');
  // With the person named beforehand the handle may be left out (non-discoverable use).
  assert.equal((await passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions(ALI.nationalCode), { userHandle: null }))).nationalCode, ALI.nationalCode);
});

test('malformed responses are a 400, never a crash', async () => {
  const { authenticator } = await registered(ALI);
  const options = await passkeys.registrationOptions(ALI);
  const good = new SoftwareAuthenticator(PUBLIC_URL).create(options);
  for (const bad of [null, 'x', {}, { ...good, type: 'password' }, { ...good, rawId: 'different' }, { ...good, response: {} }, { ...good, response: { ...good.response, clientDataJSON: 'not base64!' } }, { ...good, response: { ...good.response, clientDataJSON: Buffer.from('not json').toString('base64url') } }]) {
    await refused(passkeys.verifyRegistration(ALI.nationalCode, bad), 'passkey_invalid');
  }
  // Well-formed but broken inside: a valid challenge with a garbage attestation object.
  await refused(passkeys.verifyRegistration(ALI.nationalCode, { ...good, response: { ...good.response, attestationObject: cbor(new Map([['fmt', 'none']])).toString('base64url') } }), 'passkey_failed');
  const assertion = authenticator.get(await passkeys.authenticationOptions());
  await refused(passkeys.verifyAuthentication({ ...assertion, response: { ...assertion.response, signature: undefined } }), 'passkey_invalid');
  await refused(passkeys.verifyAuthentication({ ...assertion, response: { ...assertion.response, authenticatorData: 'AAAA' } }), 'passkey_failed');
});

test('a credential already registered is refused; a person has at most so many passkeys', async () => {
  const person = { nationalCode: '1287654320', displayName: 'بی‌همراه' };
  const authenticator = new SoftwareAuthenticator(PUBLIC_URL);
  await passkeys.verifyRegistration(person.nationalCode, authenticator.create(await passkeys.registrationOptions(person)));
  // The same credential presented again (a browser ignoring excludeCredentials) with a fresh challenge.
  const first = authenticator.credentials[0]!;
  const opts = await passkeys.registrationOptions(person);
  authenticator.credentials.length = 0;
  const replay = authenticator.create({ ...opts, excludeCredentials: [] });
  const sameId = Buffer.from(first.id).toString('base64url');
  const ad = Buffer.from(replay.response.attestationObject, 'base64url');
  const at = ad.indexOf(authenticator.credentials[0]!.id);
  first.id.copy(ad, at);
  await refused(passkeys.verifyRegistration(person.nationalCode, { ...replay, id: sameId, rawId: sameId, response: { ...replay.response, attestationObject: ad.toString('base64url') } }), 'passkey_exists', 409);

  while ((await passkeys.list(person.nationalCode)).length < MAX_PASSKEYS_PER_PERSON) {
    await passkeys.verifyRegistration(person.nationalCode, new SoftwareAuthenticator(PUBLIC_URL).create(await passkeys.registrationOptions(person)));
  }
  await refused(passkeys.verifyRegistration(person.nationalCode, new SoftwareAuthenticator(PUBLIC_URL).create(await passkeys.registrationOptions(person))), 'passkey_limit', 409);
});

test('a person removes their own passkey (then it signs no one in); not another person’s', async () => {
  const { authenticator, stored } = await registered(ALI);
  await refused(passkeys.remove(SARA.nationalCode, stored.credentialId), 'not_found', 404);
  await refused(passkeys.remove(ALI.nationalCode, 'nonexistent'), 'not_found', 404);
  await passkeys.remove(ALI.nationalCode, stored.credentialId, { meta: { ip: '127.0.0.1', userAgent: 'test' } });
  assert.ok(!(await passkeys.list(ALI.nationalCode)).some((c) => c.credentialId === stored.credentialId));
  await refused(passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions())), 'passkey_unknown');
  const audit = await db.selectFrom('audit_log').select(['ip', 'detail']).where('action', '=', 'identity.passkey.removed').execute();
  assert.ok(audit.some((a) => a.ip === '127.0.0.1' && JSON.parse(a.detail).credentialId === stored.credentialId));
});

test('a ceremony begun on one node finishes on another; of two nodes given the same response, one wins', async () => {
  const nodeA = passkeys;
  const nodeB = new Passkeys(db, { publicUrl: PUBLIC_URL });
  const authenticator = new SoftwareAuthenticator(PUBLIC_URL);
  await nodeB.verifyRegistration(ALI.nationalCode, authenticator.create(await nodeA.registrationOptions(ALI)));
  const assertion = authenticator.get(await nodeB.authenticationOptions());
  const results = await Promise.allSettled([nodeA.verifyAuthentication(assertion), nodeB.verifyAuthentication(assertion)]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one node accepts it');
  const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  assert.equal((lost.reason as AppError).code, 'passkey_challenge');
});

test('the relying party is PUBLIC_URL: its host is the RP ID, its origin (with port) the only origin', async () => {
  const local = new Passkeys(db, { publicUrl: 'http://localhost:3000/' });
  assert.equal(local.rpID, 'localhost');
  assert.equal(local.origin, 'http://localhost:3000');
  const authenticator = new SoftwareAuthenticator('http://localhost:3000');
  await local.verifyRegistration(SARA.nationalCode, authenticator.create(await local.registrationOptions(SARA)));
  assert.equal((await local.verifyAuthentication(authenticator.get(await local.authenticationOptions()))).nationalCode, SARA.nationalCode);
  // The production relying party does not accept what the local one registered.
  await refused(passkeys.verifyAuthentication(authenticator.get(await passkeys.authenticationOptions(), { origin: PUBLIC_URL, rpId: 'localhost', credential: authenticator.credentials[0] })), 'passkey_failed');
});

test('the exported JSON Schemas accept what a browser sends and refuse the malformed at the edge', async () => {
  const app = createHttpServer({ logLevel: 'silent' });
  app.post('/register', { schema: { body: registrationResponseSchema } }, async () => ({ ok: true }));
  app.post('/signin', { schema: { body: authenticationResponseSchema } }, async () => ({ ok: true }));
  try {
    const authenticator = new SoftwareAuthenticator(PUBLIC_URL);
    const created = authenticator.create(await passkeys.registrationOptions(ALI));
    const got = authenticator.get(await passkeys.authenticationOptions());
    const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });
    assert.equal((await post('/register', created)).statusCode, 200);
    assert.equal((await post('/signin', got)).statusCode, 200);
    assert.equal((await post('/signin', { ...got, extra: 'browsers add fields' })).statusCode, 200);
    for (const bad of [{}, { ...got, type: 'password' }, { ...got, response: { ...got.response, signature: 'not base64url!' } }, { ...got, id: 'x'.repeat(2000) }]) {
      assert.equal((await post('/signin', bad)).statusCode, 400, JSON.stringify(bad).slice(0, 80));
    }
    assert.equal((await post('/register', { ...created, response: { clientDataJSON: created.response.clientDataJSON } })).statusCode, 400);
  } finally {
    await app.close();
  }
});

test('a synced passkey (backup eligible and backed up) says so; amr names a software key for it, a hardware key otherwise', async () => {
  const synced = new SoftwareAuthenticator(PUBLIC_URL);
  const stored = await passkeys.verifyRegistration(ALI.nationalCode, synced.create(await passkeys.registrationOptions(ALI), { flags: FLAG_UP | FLAG_UV | FLAG_AT | FLAG_BE | FLAG_BS }));
  assert.equal(stored.deviceType, 'multiDevice');
  assert.equal(stored.backedUp, true);
  const use = await passkeys.verifyAuthentication(synced.get(await passkeys.authenticationOptions(), { flags: FLAG_UP | FLAG_UV | FLAG_BE | FLAG_BS }));
  assert.equal(use.deviceType, 'multiDevice');
  assert.deepEqual(passkeyAmr(use), ['swk', 'mfa']);
  const bound = await registered(SARA);
  const boundUse = await passkeys.verifyAuthentication(bound.authenticator.get(await passkeys.authenticationOptions()));
  assert.deepEqual(passkeyAmr(boundUse), ['hwk', 'mfa']);
});

test('sign-in failures are counted per address: after 20 in 15 minutes the address is refused before any check', async () => {
  await p.agencies.seed(); // the civil registry, which a passkey sign-in consults
  const ceremonies = p.identity.enablePasskeys(PUBLIC_URL);
  const meta = { ip: '198.51.100.7', userAgent: 'test', clientId: 'rp-test' };
  const { authenticator } = await registered(ALI);
  for (let i = 0; i < 20; i++) await refused(ceremonies.signIn({ id: 'x' }, meta), 'passkey_invalid');
  // Even a good answer is refused now, and that refusal is recorded too.
  await refused(ceremonies.signIn(authenticator.get(await passkeys.authenticationOptions()), meta), 'too_many_attempts', 429);
  const rows = await db.selectFrom('identity_sign_ins').select(['reason']).where('ip', '=', meta.ip).where('method', '=', 'passkey').execute();
  assert.equal(rows.length, 21);
  assert.ok(rows.some((r) => /throttled/.test(r.reason)));
  // Another address is not affected; its good answer signs the person in with the level "high".
  const login = await ceremonies.signIn(authenticator.get(await passkeys.authenticationOptions()), { ...meta, ip: '198.51.100.8' });
  assert.equal(login.nationalCode, ALI.nationalCode);
  assert.equal(login.acr, 'http://eidas.europa.eu/LoA/high');
  assert.deepEqual(login.amr, ['hwk', 'mfa']);
});
