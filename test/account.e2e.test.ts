import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import * as client from 'openid-client';
import { Browser } from './browser.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { follow, signInToPortal } from './signin.js';

/** My Panjareh's own session handling: signing a device out, naming browsers, connected sites, and sign-in callbacks that cannot complete. */

let tp: TestPlatform;
const PERSON = { nationalCode: '0499370899', mobile: '09123456789' };
/** A second person, so that no one asks for more codes in an hour than the sign-in allows (5). */
const FOREIGN = { nationalCode: '213456789012', mobile: '09351234567' };

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

const CHROME_ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
/** The sessions table's rows, as text. */
const sessionRows = (page: string) => [...(/<h2 id="sessions">[\s\S]*?<\/table>/.exec(page)?.[0] ?? '').matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].slice(1).map((m) => m[1]!);

test('My Panjareh names the browser of each session and marks this device, in both languages', async () => {
  const phone = new Browser(tp.url!, CHROME_ANDROID);
  const laptop = new Browser(tp.url!, FIREFOX_WINDOWS);
  await signInToPortal(phone, tp.url!, PERSON);
  await signInToPortal(laptop, tp.url!, PERSON);
  const fa = sessionRows((await phone.get('/account')).body);
  assert.ok(fa.length >= 2);
  const mine = fa.filter((r) => r.includes('همین دستگاه'));
  assert.equal(mine.length, 1, 'exactly one session is this device');
  assert.match(mine[0]!, /کروم روی اندروید/);
  assert.ok(fa.some((r) => /فایرفاکس روی ویندوز/.test(r) && !r.includes('همین دستگاه')), 'the other browser is named and not marked');
  assert.match(fa[0]!, /همین دستگاه/, 'this device comes first');
  const en = sessionRows((await laptop.get('/en/account')).body);
  const here = en.filter((r) => r.includes('This device'));
  assert.equal(here.length, 1);
  assert.match(here[0]!, /Firefox on Windows/);
  assert.ok(en.some((r) => /Chrome on Android/.test(r)));
  const stored = await tp.database.db.selectFrom('identity_session_devices' as never).selectAll().execute();
  assert.ok(!JSON.stringify(stored).includes('Mozilla'), 'only the names are kept, not the User-Agent header');

  // The phone signs the laptop out: the page confirms it, the laptop's browser is gone from the list, and so is what was noted of it.
  const page = await phone.get('/account');
  const laptopRow = sessionRows(page.body).find((r) => /فایرفاکس روی ویندوز/.test(r))!;
  const id = /\/account\/sessions\/([^"/]+)\/end/.exec(laptopRow)![1]!;
  const ended = await phone.post(`/account/sessions/${id}/end`, { _csrf: Browser.csrf(page.body) });
  const after = await phone.get(ended.location!);
  assert.match(after.body, /role="status"><p><strong>نشست خارج شد/);
  assert.ok(!sessionRows(after.body).some((r) => /فایرفاکس/.test(r)));
  assert.equal((await laptop.get('/account')).status, 303, 'the laptop is signed out');
});

test('the portal is not a connected site; a site\'s data is named in words; withdrawing it ends on a confirmation', async () => {
  const browser = new Browser(tp.url!);
  await signInToPortal(browser, tp.url!, FOREIGN);
  const sitesOf = (page: string) => /<h2 id="sites">[\s\S]*?(?=<h2)/.exec(page)![0];
  const before = await browser.get('/account');
  assert.doesNotMatch(sitesOf(before.body), /\/account\/sites\//, 'no way to withdraw from the portal itself');
  const portalGrant = (await tp.database.db.selectFrom('oidc_payloads' as never).select(['id', 'payload'] as never).where('model' as never, '=', 'Grant' as never).execute()) as { id: string; payload: string }[];
  const own = portalGrant.find((g) => JSON.parse(g.payload).clientId === 'panjareh-portal')!;
  assert.equal((await browser.post(`/account/sites/${own.id}/revoke`, { _csrf: Browser.csrf(before.body) })).status, 404, 'nor by posting its grant');

  // Another site: the person signs in there (single sign-on) and allows it their national code.
  const redirect = 'http://127.0.0.1:9/cb';
  const site = await tp.identity.clients.add({ name: 'Bank of Tests', redirectUris: [redirect] }, 'test');
  const config = await client.discovery(new URL(tp.url!), site.clientId, undefined, client.ClientSecretPost(site.clientSecret!), { execute: [client.allowInsecureRequests] });
  const url = client.buildAuthorizationUrl(config, { redirect_uri: redirect, scope: 'openid national_code phone', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256', state: 's' });
  const consent = await follow(browser, url.href, tp.url!);
  assert.match(consent.body, /name="decision"/, 'already signed in: only the consent screen');
  const allowed = await browser.post(`${new URL(consent.url, tp.url).pathname}/consent`, { _csrf: Browser.csrf(consent.body), decision: 'allow' });
  assert.equal(allowed.status, 303);
  assert.ok((await follow(browser, new URL(allowed.location!, tp.url).href, tp.url!)).location?.startsWith(redirect));
  const fa = await browser.get('/account');
  const sites = sitesOf(fa.body);
  assert.match(sites, /Bank of Tests/);
  assert.match(sites, /کد ملی/);
  assert.match(sites, /شماره همراه تأییدشده/);
  assert.doesNotMatch(sites, /national_code|openid/, 'no raw scope names');
  assert.match(sitesOf((await browser.get('/en/account')).body), /National code/);

  const grantId = /action="\/account\/sites\/([^"/]+)\/revoke"/.exec(sites)![1]!;
  const withdrawn = await browser.post(`/account/sites/${grantId}/revoke`, { _csrf: Browser.csrf(fa.body) });
  assert.equal(withdrawn.status, 303);
  const confirmed = await browser.get(withdrawn.location!);
  assert.match(confirmed.body, /role="status"[\s\S]*اجازهٔ «Bank of Tests» را در/, 'the confirmation names the site and when');
  assert.doesNotMatch(sitesOf(confirmed.body), /Bank of Tests/);
  assert.doesNotMatch((await browser.get('/account')).body, /role="status"/, 'shown once: a refresh does not repeat it');
});
