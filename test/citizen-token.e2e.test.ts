import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, test } from 'node:test';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';
import { BearerTokenError, CitizenTokens, EXCHANGE_RESOURCE, OIDC_TTL, citizenApiResource, type CitizenCaller } from '../src/identity/index.js';
import { createHttpServer } from '../src/platform/http.js';
import { Browser } from './browser.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { follow, signInThroughPages } from './signin.js';

/**
 * The citizen's API takes access tokens from the platform's own OpenID provider: a site (here a
 * registered relying party, through openid-client) asks for the `applications` scope at the resource
 * PUBLIC_URL/api/v1 in the code flow, the person consents on the provider's page, and
 * CitizenTokens.verify names the person. Everything else (no scope, the exchange's token, an expired,
 * tampered or foreign token, no header, a disabled site) is refused as RFC 6750 says.
 */

let tp: TestPlatform;
let tokens: CitizenTokens;
let resource: string;
let rp: { clientId: string; clientSecret: string };
let config: client.Configuration;
const browser = () => new Browser(tp.url!);
let signedIn: Browser;
const REDIRECT = 'http://127.0.0.1:9/callback';
const PERSON = { nationalCode: '0499370899', mobile: '09123456789' };
/** A good token for the applications scope, made by the first test and used by the later ones. */
let good: { accessToken: string; subject: string };

before(async () => {
  tp = await testPlatform({ listen: true });
  await tp.agencies.seed();
  const r = await tp.identity.clients.add({ name: 'برنامهٔ همراه آزمون / Test mobile app', redirectUris: [REDIRECT] }, 'test');
  rp = { clientId: r.clientId, clientSecret: r.clientSecret! };
  config = await client.discovery(new URL(tp.url!), rp.clientId, undefined, client.ClientSecretBasic(rp.clientSecret), { execute: [client.allowInsecureRequests] });
  tokens = tp.identity.citizenTokens({ issuer: tp.config.publicUrl, keys: tp.keys });
  resource = citizenApiResource(tp.config.publicUrl);
  signedIn = browser();
});
after(() => tp.dispose());

async function authorize(scope: string, extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, ...extra });
  return { url: url.href, verifier, state };
}

/** Expects `verify` to refuse with this status and code; returns the refusal. */
async function refused(p: Promise<CitizenCaller>, status: number, code: string): Promise<BearerTokenError> {
  let caught: unknown;
  await p.then(
    (ok) => assert.fail(`accepted: ${JSON.stringify(ok)}`),
    (e) => (caught = e),
  );
  assert.ok(caught instanceof BearerTokenError, String(caught));
  assert.equal(caught.status, status);
  assert.equal(caught.code, code);
  assert.ok(caught.messages.fa && caught.messages.en, 'a message in both languages');
  return caught;
}

test('a site asks for the applications scope at the citizen API in the code flow; the verifier names the person', async () => {
  assert.equal(resource, `${tp.url}/api/v1`);
  assert.equal(tokens.audience, resource);

  // First the site only signs the person in: its token is for userinfo, not for the citizen API.
  const plain = await authorize('openid');
  const cb1 = await signInThroughPages(signedIn, plain.url, tp.url!, PERSON);
  const first = await client.authorizationCodeGrant(config, new URL(cb1), { pkceCodeVerifier: plain.verifier, expectedState: plain.state });
  await refused(tokens.verify(`Bearer ${first.access_token}`, 'applications'), 401, 'invalid_token');

  // Then it asks for the applications scope: the person is already signed in, and is asked only about that.
  const a = await authorize('openid applications', { resource });
  const consent = await follow(signedIn, a.url, tp.url!);
  assert.equal(consent.status, 200, `the consent page: ${consent.body.slice(0, 300)}`);
  assert.match(consent.body, /درخواست‌های شما: دیدن، ثبت، پرداخت و پس گرفتن/, 'the page says what the scope allows, in Persian');
  const inEnglish = await signedIn.get(`${new URL(consent.url, tp.url).pathname}?lang=en`);
  assert.match(inEnglish.body, /Your applications: see, submit, pay and withdraw/);
  const allowed = await signedIn.post(`${new URL(consent.url, tp.url).pathname}/consent`, { _csrf: Browser.csrf(consent.body), decision: 'allow' });
  assert.equal(allowed.status, 303);
  const back = await follow(signedIn, new URL(allowed.location!, tp.url).href, tp.url!);
  assert.ok(back.location?.startsWith(REDIRECT), `back to the site: ${back.location}`);

  // The resource is named again at the token endpoint (RFC 8707 §2.2), so the token is the API's.
  const t = await client.authorizationCodeGrant(config, new URL(back.location!), { pkceCodeVerifier: a.verifier, expectedState: a.state }, { resource });
  const header = decodeProtectedHeader(t.access_token);
  assert.equal(header.typ, 'at+jwt');
  assert.equal(header.alg, 'RS256');
  const claims = decodeJwt(t.access_token);
  assert.equal(claims.aud, resource);
  assert.equal(claims.scope, 'applications');
  assert.equal(claims.exp! - claims.iat!, OIDC_TTL.AccessToken, 'the access token lives TTL.AccessToken');
  const subject = t.claims()!.sub;

  const caller = await tokens.verify(`Bearer ${t.access_token}`, 'applications');
  const person = (await tp.agencies.civilRegistry.person(PERSON.nationalCode))!;
  assert.deepEqual(caller, {
    nationalCode: PERSON.nationalCode,
    name: { fa: `${person.firstName.fa} ${person.lastName.fa}`, en: `${person.firstName.en} ${person.lastName.en}` },
    mobile: PERSON.mobile,
    subject,
    clientId: rp.clientId,
    scopes: ['applications'],
  });
  good = { accessToken: t.access_token, subject };

  // "My Panjareh" lists the permission with the site.
  const sites = await tp.identity.accounts.sites(subject);
  const site = sites.find((x) => x.clientId === rp.clientId);
  assert.ok(site?.scopes.includes('applications'), JSON.stringify(sites));
  const actions = (await tp.database.db.selectFrom('audit_log').select('action').execute()).map((r) => r.action);
  assert.ok(actions.includes('identity.consent.granted'));
});

test('a token for the citizen API without the applications scope: insufficient_scope', async () => {
  const a = await authorize('openid', { resource });
  const r = await follow(signedIn, a.url, tp.url!);
  assert.ok(r.location?.startsWith(REDIRECT), `single sign-on, nothing new to consent to: ${r.location}`);
  const t = await client.authorizationCodeGrant(config, new URL(r.location!), { pkceCodeVerifier: a.verifier, expectedState: a.state }, { resource });
  const claims = decodeJwt(t.access_token);
  assert.equal(claims.aud, resource);
  assert.ok(!String(claims.scope ?? '').includes('applications'));
  const e = await refused(tokens.verify(`Bearer ${t.access_token}`, 'applications'), 403, 'insufficient_scope');
  assert.equal(e.challenge, 'Bearer realm="Panjareh", error="insufficient_scope", scope="applications"');

  // The scope without the resource is not an error, and gives nothing for the API (docs/identity.md).
  const b = await authorize('openid applications');
  const r2 = await follow(signedIn, b.url, tp.url!);
  assert.ok(r2.location?.startsWith(REDIRECT) && new URL(r2.location).searchParams.has('code'), `a code, no error: ${r2.location}`);
  const t2 = await client.authorizationCodeGrant(config, new URL(r2.location!), { pkceCodeVerifier: b.verifier, expectedState: b.state });
  await refused(tokens.verify(`Bearer ${t2.access_token}`, 'applications'), 401, 'invalid_token');
});

test("the exchange's client-credentials token is for another audience: invalid_token; and no client-credentials token for the citizen API", async () => {
  const machine = await tp.identity.clients.add({ name: 'سامانهٔ بانک / Bank server', redirectUris: [], grantTypes: ['client_credentials'] }, 'test');
  const token = (extra: Record<string, string>) =>
    fetch(`${tp.url}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${machine.clientId}:${machine.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...extra }),
    });
  const ex = await token({ resource: EXCHANGE_RESOURCE });
  const body = (await ex.json()) as { access_token: string };
  assert.equal(ex.status, 200, JSON.stringify(body));
  assert.equal(decodeJwt(body.access_token).aud, EXCHANGE_RESOURCE, 'the exchange still gets its tokens');
  const e = await refused(tokens.verify(`Bearer ${body.access_token}`, 'applications'), 401, 'invalid_token');
  assert.equal(e.challenge, 'Bearer realm="Panjareh", error="invalid_token", scope="applications"');

  const forApi = await token({ resource, scope: 'applications' });
  assert.equal(forApi.status, 400);
  const refusal = (await forApi.json()) as { error: string; error_description: string };
  assert.equal(refusal.error, 'invalid_target', 'a site cannot get a citizen-API token for itself');
  assert.match(refusal.error_description, /only tokens issued for a person/);
});

test('expired, tampered, foreign and missing tokens: invalid_token', async () => {
  assert.ok(good, 'the first test made a token');
  const bearer = `Bearer ${good.accessToken}`;
  // The same token seen once its lifetime is over.
  const later = new CitizenTokens({ issuer: tp.config.publicUrl, keys: tp.keys, people: tp.identity.people, now: () => Date.now() + (OIDC_TTL.AccessToken + 1) * 1000 });
  await refused(later.verify(bearer, 'applications'), 401, 'invalid_token');

  // Another person's subject under the original signature.
  const [h, p, sig] = good.accessToken.split('.');
  const forged = Buffer.from(JSON.stringify({ ...decodeJwt(good.accessToken), sub: 'someone-else' })).toString('base64url');
  await refused(tokens.verify(`Bearer ${h}.${forged}.${sig}`, 'applications'), 401, 'invalid_token');
  // One character of the signature changed.
  const flipped = sig!.slice(0, -2) + (sig!.at(-2) === 'A' ? 'B' : 'A') + sig!.at(-1);
  await refused(tokens.verify(`Bearer ${h}.${p}.${flipped}`, 'applications'), 401, 'invalid_token');

  // Signed by a key that is not the provider's, under the provider's key id and with every claim right.
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const fake = await new SignJWT({ ...decodeJwt(good.accessToken) }).setProtectedHeader({ ...decodeProtectedHeader(good.accessToken) } as never).sign(stranger.privateKey);
  await refused(tokens.verify(`Bearer ${fake}`, 'applications'), 401, 'invalid_token');

  // Signed by the provider's own key but for another issuer, and one for the API of another deployment.
  const active = await tp.keys.active('oidc', 'RS256');
  const mint = (claims: Record<string, unknown>) => new SignJWT({ ...decodeJwt(good.accessToken), ...claims }).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: active.kid }).sign(active.privateKey);
  assert.ok(await tokens.verify(`Bearer ${await mint({})}`, 'applications'), 'the provider\'s key and the same claims verify: the refusals below are for the claim changed');
  await refused(tokens.verify(`Bearer ${await mint({ iss: 'https://elsewhere.example' })}`, 'applications'), 401, 'invalid_token');
  await refused(tokens.verify(`Bearer ${await mint({ aud: 'https://elsewhere.example/api/v1' })}`, 'applications'), 401, 'invalid_token');
  await refused(tokens.verify(`Bearer ${await mint({ sub: rp.clientId })}`, 'applications'), 401, 'invalid_token');
  await refused(tokens.verify(`Bearer ${await mint({ sub: 'no-such-subject' })}`, 'applications'), 401, 'invalid_token');
  await refused(tokens.verify(`Bearer ${await mint({ exp: Math.floor(Date.now() / 1000) - 5 })}`, 'applications'), 401, 'invalid_token');

  // No header at all: a challenge without an error code (RFC 6750 §3.1); a header of another kind.
  const none = await refused(tokens.verify(undefined, 'applications'), 401, 'invalid_token');
  assert.equal(none.challenge, 'Bearer realm="Panjareh", scope="applications"');
  await refused(tokens.verify('', 'applications'), 401, 'invalid_token');
  await refused(tokens.verify(`Basic ${Buffer.from('a:b').toString('base64')}`, 'applications'), 401, 'invalid_token');
  await refused(tokens.verify('Bearer not-a-token', 'applications'), 401, 'invalid_token');
  await refused(tokens.verify(`Bearer ${'a'.repeat(9000)}.b.c`, 'applications'), 401, 'invalid_token');
});

test('in a Fastify route: the challenge goes out in WWW-Authenticate with the API error body', async () => {
  const app = createHttpServer({ logLevel: 'silent' });
  app.get('/api/v1/whoami', async (req, reply) => {
    const caller = await tokens.authenticate(req, reply, 'applications');
    return { nationalCode: caller.nationalCode, clientId: caller.clientId };
  });
  await app.ready();
  try {
    const ok = await app.inject({ url: '/api/v1/whoami', headers: { authorization: `Bearer ${good.accessToken}` } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json(), { nationalCode: PERSON.nationalCode, clientId: rp.clientId });
    const missing = await app.inject({ url: '/api/v1/whoami' });
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="Panjareh", scope="applications"');
    assert.equal(missing.json().error.code, 'invalid_token');
    const bad = await app.inject({ url: '/api/v1/whoami', headers: { authorization: 'Bearer a.b.c' } });
    assert.equal(bad.statusCode, 401);
    assert.match(String(bad.headers['www-authenticate']), /error="invalid_token"/);
    assert.ok(bad.json().error.message.fa);
  } finally {
    await app.close();
  }
});

test('a disabled site: its tokens are refused at once', async () => {
  assert.ok(await tokens.verify(`Bearer ${good.accessToken}`, 'applications'));
  await tp.identity.clients.disable(rp.clientId, 'test');
  await refused(tokens.verify(`Bearer ${good.accessToken}`, 'applications'), 401, 'invalid_token');
});

test('a token is checked once, but its lifetime and its key still count on every later request', async () => {
  let clock = Date.now();
  // Without `clients`: the site was disabled by the test before; this one is about the signature.
  const node = new CitizenTokens({ issuer: tp.config.publicUrl, keys: tp.keys, people: tp.identity.people, now: () => clock });
  const bearer = `Bearer ${good.accessToken}`;
  assert.equal((await node.verify(bearer, 'applications')).subject, good.subject);
  assert.equal((await node.verify(bearer, 'applications')).subject, good.subject, 'the remembered check names the same person');
  // Past its lifetime the same token is refused by the same verifier.
  const saved = clock;
  clock += (OIDC_TTL.AccessToken + 1) * 1000;
  await refused(node.verify(bearer, 'applications'), 401, 'invalid_token');
  clock = saved;
  assert.ok(await node.verify(bearer, 'applications'), 'within its lifetime again: checked anew and good');
  // The key that signed it withdrawn at once (a rotation that keeps nothing, as after a compromise):
  // the remembered token is refused.
  const rotation = await tp.keys.rotate('oidc', 'RS256', 0);
  assert.equal(rotation.retired, decodeProtectedHeader(good.accessToken).kid);
  await refused(node.verify(bearer, 'applications'), 401, 'invalid_token');
});
