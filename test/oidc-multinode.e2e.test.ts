import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { Browser } from './browser.js';
import { freshDatabase, testPlatform, type TestPlatform } from './harness.js';
import { latestCode, outboxIds } from './signin.js';

/**
 * Two provider nodes on one database behind one PUBLIC_URL, as behind a load balancer: the sign-in
 * starts on one node and finishes on the other, the code is exchanged on the second and the token
 * used on the first. Nothing a sign-in needs may live in one node's memory.
 */

let db: Awaited<ReturnType<typeof freshDatabase>>;
let a: TestPlatform;
let b: TestPlatform;
const REDIRECT = 'http://127.0.0.1:9/callback';

before(async () => {
  db = await freshDatabase();
  // A's own address is the issuer of both, as behind a load balancer.
  a = await testPlatform({ shared: db, listen: true });
  b = await testPlatform({ shared: db, listen: true, env: { PUBLIC_URL: a.url! } });
  await a.agencies.seed();
});
after(async () => {
  await b.dispose();
  await a.dispose();
  await db.drop();
});

test('a sign-in started on one node finishes on the other; tokens work on both', async () => {
  assert.notEqual(a.url, b.url);
  const rp = await a.identity.clients.add({ name: 'Two-node test', redirectUris: [REDIRECT] }, 'test');
  // The site talks to "the provider" at PUBLIC_URL; here every back-channel call is sent to node B instead.
  const config = await client.discovery(new URL(a.url!), rp.clientId, undefined, client.ClientSecretBasic(rp.clientSecret!), { execute: [client.allowInsecureRequests] });
  config[client.customFetch] = (url, options) => fetch(url.replace(a.url!, b.url!), options as RequestInit);

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const authUrl = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid national_code', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });

  // One browser (one cookie jar), two nodes.
  const onA = new Browser(a.url!);
  const start = await onA.get(authUrl.pathname + authUrl.search);
  assert.equal(start.status, 303);
  const signin = await onA.get(start.location!);
  assert.equal(signin.status, 200);
  const path = new URL(start.location!, a.url).pathname;
  const seen = await outboxIds(a.url!, '09123456789');
  const sent = await onA.post(`${path}/code`, { _csrf: Browser.csrf(signin.body), national_code: '0499370899', mobile: '09123456789' });
  assert.equal(sent.status, 303);

  const onB = Object.assign(Object.create(Object.getPrototypeOf(onA)) as Browser, onA, { base: b.url! });
  const otpPage = await onB.get(sent.location!);
  assert.equal(otpPage.status, 200, 'node B knows the interaction node A started');
  const verified = await onB.post(`${path}/otp`, { _csrf: Browser.csrf(otpPage.body), otp: await latestCode(b.url!, '09123456789', seen) });
  assert.equal(verified.status, 303, verified.body.slice(0, 300));
  let r = await onB.get(verified.location!);
  for (let i = 0; i < 5 && (r.status === 302 || r.status === 303) && !r.location!.startsWith(REDIRECT); i++) r = await onB.get(r.location!);
  if (r.status === 200 && /name="decision"/.test(r.body)) {
    const consentPath = /action="([^"]*\/consent)"/.exec(r.body)![1]!;
    r = await onB.post(consentPath, { _csrf: Browser.csrf(r.body), decision: 'allow' });
    for (let i = 0; i < 5 && (r.status === 302 || r.status === 303) && !r.location!.startsWith(REDIRECT); i++) r = await onB.get(r.location!);
  }
  assert.ok(r.location?.startsWith(REDIRECT), `back at the site: ${r.status} ${r.location}`);

  const tokens = await client.authorizationCodeGrant(config, new URL(r.location!), { pkceCodeVerifier: verifier, expectedState: state });
  const sub = tokens.claims()!.sub;
  // The access token node B issued is good on node A.
  const onNodeA = await fetch(`${a.url}/oidc/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(onNodeA.status, 200);
  const info = (await onNodeA.json()) as { sub: string; national_code: string };
  assert.equal(info.sub, sub);
  assert.equal(info.national_code, '0499370899');
});
