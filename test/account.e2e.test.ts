import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { Browser } from './browser.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { signInToPortal } from './signin.js';

/** My Panjareh's own session handling: signing a device out, and sign-in callbacks that cannot complete. */

let tp: TestPlatform;
const PERSON = { nationalCode: '0499370899', mobile: '09123456789' };

before(async () => {
  tp = await testPlatform({ listen: true });
  await tp.agencies.seed();
});
after(() => tp.dispose());

const endForms = (html: string) => [...html.matchAll(/action="\/account\/sessions\/([^"/]+)\/end"/g)].map((m) => m[1]!);

test('ending a session in My Panjareh signs that browser out of the portal too, and only that browser', async () => {
  const a = new Browser(tp.url!);
  const b = new Browser(tp.url!);
  await signInToPortal(a, tp.url!, PERSON);
  await signInToPortal(b, tp.url!, PERSON);
  const page = await a.get('/account');
  assert.equal(page.status, 200);
  const ids = endForms(page.body);
  assert.equal(ids.length, 2, 'two browsers, two sessions');

  const ended = await a.post(`/account/sessions/${ids[0]}/end`, { _csrf: Browser.csrf(page.body) });
  assert.equal(ended.status, 303);
  const after = [(await a.get('/account')).status, (await b.get('/account')).status];
  assert.deepEqual([...after].sort(), [200, 303], `exactly one browser is signed out (A ${after[0]}, B ${after[1]})`);

  const left = after[0] === 200 ? a : b;
  const own = await left.get('/account');
  assert.deepEqual(endForms(own.body), [ids[1]], 'one session left');
  assert.equal((await left.post(`/account/sessions/${ids[1]}/end`, { _csrf: Browser.csrf(own.body) })).status, 303);
  const last = await left.get('/account');
  assert.equal(last.status, 303, 'the last browser is signed out as well');
  assert.match(last.location ?? '', /\/account\/signin/);
  const audit = await tp.database.db.selectFrom('audit_log').select('action').where('action', '=', 'identity.session.ended').execute();
  assert.equal(audit.length, 2);
});

test('a callback whose state does not match (two tabs signing in at once) is a 400 page, never a 500', async () => {
  const browser = new Browser(tp.url!);
  const start = await browser.get('/account/signin?return=%2Faccount');
  assert.equal(start.status, 303, 'the flow cookie is set');
  const r = await browser.get('/account/callback?code=not-a-code&state=not-the-state');
  assert.equal(r.status, 400, r.body.slice(0, 300));
  assert.match(r.body, /منقضی|نامعتبر/);
  // Without the flow cookie (it was already used): the same page.
  assert.equal((await browser.get('/account/callback?code=x&state=y')).status, 400);
});

test('back-channel logout: a token that is not the provider\'s is refused (400), never a 500', async () => {
  const post = (body: string) => fetch(`${tp.url}/account/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const forged = await post(`logout_token=${'eyJhbGciOiJub25lIn0.eyJzaWQiOiJ4In0.'.padEnd(40, 'x')}`);
  assert.equal(forged.status, 400);
  assert.equal(((await forged.json()) as { error: string }).error, 'invalid_request');
  assert.equal((await post('nothing=here')).status, 400, 'no token at all');
});

test('back-channel logout: the provider\'s signed logout token for a session closes the portal session on it', async () => {
  const browser = new Browser(tp.url!);
  await signInToPortal(browser, tp.url!, PERSON);
  assert.equal((await browser.get('/account')).status, 200);
  // The provider signs such a token when a session ends; loopback addresses are outside what
  // oidc-provider will call, so the test makes the token the provider would send.
  const rows = await tp.database.db.selectFrom('portal_sessions' as never).select('sid' as never).execute();
  const sids = (rows as { sid: string | null }[]).map((r) => r.sid).filter((x): x is string => !!x);
  assert.ok(sids.length >= 1, 'the portal session knows its provider session id (sid in the ID token)');
  const key = await tp.keys.active('oidc', 'RS256');
  const token = (sid: string, aud = 'panjareh-portal') =>
    new SignJWT({ sid, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'logout+jwt' })
      .setIssuer(tp.url!)
      .setAudience(aud)
      .setIssuedAt()
      .setJti(randomUUID())
      .sign(key.privateKey);
  const post = async (t: string) => (await fetch(`${tp.url}/account/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `logout_token=${t}` })).status;
  assert.equal(await post(await token(sids.at(-1)!, 'another-site')), 400, 'a token for another site');
  assert.equal((await browser.get('/account')).status, 200, 'still signed in');
  assert.equal(await post(await token(sids.at(-1)!)), 200);
  assert.equal((await browser.get('/account')).status, 303, 'signed out of the portal');
});
