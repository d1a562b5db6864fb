import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import type { Kysely } from 'kysely';
import * as client from 'openid-client';
import { chromium, type Page } from 'playwright-core';
import { Browser } from './browser.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { follow, latestCode, outboxIds, signInToPortal } from './signin.js';
import { SoftwareAuthenticator } from './webauthn-authenticator.js';

/**
 * Passkeys end to end on the real server: a person signs in by text-message code, adds a passkey in
 * My Panjareh with a software authenticator, signs out, and signs in to an agency's site (a real
 * OpenID client) with the passkey alone, which gives the level of assurance "high". Then the
 * refusals: forged and replayed assertions, someone else's passkey, a removed passkey, requests
 * without the page's CSRF token or from another origin. WebAuthn wants a domain as the RP ID, so
 * PUBLIC_URL here is http://localhost:PORT.
 */

const LOA_HIGH = 'http://eidas.europa.eu/LoA/high';
const REDIRECT = 'http://127.0.0.1:9/callback';
const ALI = { nationalCode: '0499370899', mobile: '09123456789' };
const FOREIGN = { nationalCode: '213456789012', mobile: '09351234567' };

let tp: TestPlatform;
let base: string;
let rp: { clientId: string; clientSecret: string };
/** Ali's laptop: the authenticator that holds the passkey added in the first test. */
const laptop = () => aliKey;
let aliKey: SoftwareAuthenticator;
let aliBrowser: Browser;
let aliCredentialId: string;

before(async () => {
  // WebAuthn needs a host name, not an address: the platform's public URL names localhost.
  tp = await testPlatform({ listen: true, publicHost: 'localhost' });
  base = `http://localhost:${new URL(tp.url!).port}`;
  await tp.agencies.seed();
  const r = await tp.identity.clients.add({ name: 'سامانه آزمون / Test agency', redirectUris: [REDIRECT] }, 'test');
  rp = { clientId: r.clientId, clientSecret: r.clientSecret! };
});
after(() => tp.dispose());

type Json = { status: number; body: any };

/** A POST with a JSON body from the page's script, through the browser's cookies. */
async function postJson(browser: Browser, path: string, body: unknown, o: { csrf?: string; origin?: string | null } = {}): Promise<Json> {
  const headers: Record<string, string> = browser['headers']({ 'content-type': 'application/json', accept: 'application/json' });
  if (o.csrf) headers['x-csrf-token'] = o.csrf;
  if (o.origin !== null) headers.origin = o.origin ?? base;
  const res = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body), redirect: 'manual' });
  browser['remember'](res);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const dataCsrf = (page: string, id: string): string => {
  const m = new RegExp(`id="${id}"[^>]*data-csrf="([^"]+)"`).exec(page);
  assert.ok(m, `the page has the ${id} control with its CSRF token`);
  return m[1]!;
};

async function configuration() {
  return client.discovery(new URL(base), rp.clientId, undefined, client.ClientSecretBasic(rp.clientSecret), { execute: [client.allowInsecureRequests] });
}

/** Starts a sign-in at the test site and returns the sign-in page (path, HTML, passkey CSRF token). */
async function startSignIn(browser: Browser, config: client.Configuration) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid profile national_code',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const page = await follow(browser, url.href, base);
  assert.equal(page.status, 200, `the sign-in page opens: ${page.location}`);
  assert.match(page.body, /name="national_code"/, 'the text-message form is there (it works without JavaScript)');
  assert.match(page.body, /<div id="passkey-signin"[^>]*hidden>/, 'the passkey button waits, hidden, for the script');
  assert.match(page.body, /<script src="\/assets\/passkey\.js" defer><\/script>/);
  return { path: new URL(page.url, base).pathname, csrf: dataCsrf(page.body, 'passkey-signin'), verifier, state };
}

/** Asks the sign-in page for passkey options and answers them with `sign` (the authenticator, or a forger). */
async function passkeySignIn(browser: Browser, s: { path: string; csrf: string }, sign: (options: any) => unknown): Promise<Json> {
  const options = await postJson(browser, `${s.path}/passkey/options`, {}, { csrf: s.csrf });
  assert.equal(options.status, 200, JSON.stringify(options.body));
  return postJson(browser, `${s.path}/passkey`, sign(options.body), { csrf: s.csrf });
}

async function audit(action: string): Promise<{ actor: string; detail: any }[]> {
  const rows = await tp.database.db.selectFrom('audit_log').select(['actor', 'detail']).where('action', '=', action).execute();
  return rows.map((r: { actor: string; detail: string }) => ({ actor: r.actor, detail: JSON.parse(r.detail) }));
}

async function refusedAndAudited(r: Json, code: string, status = 400): Promise<void> {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error.code, code);
  assert.ok(r.body.error.message.fa && r.body.error.message.en);
  const failures = await audit('identity.signin.failed');
  assert.ok(failures.some((f) => f.detail.method === 'passkey' && f.detail.reason === code && f.detail.clientId === rp.clientId), `the refusal (${code}) is in the audit log`);
}

/** Signs the person out of the portal and of the national identity (the provider's confirmation page). */
async function signOut(browser: Browser): Promise<void> {
  const account = await browser.get('/account');
  const out = await browser.post('/account/signout', { _csrf: Browser.csrf(account.body) });
  assert.equal(out.status, 303);
  const confirm = await follow(browser, out.location!, base);
  assert.equal(confirm.status, 200);
  const action = /action="([^"]+)"/.exec(confirm.body.slice(confirm.body.indexOf('op.logoutForm') - 200))![1]!;
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)![1]!;
  const done = await browser.post(new URL(action, base).pathname, { xsrf, logout: 'yes' });
  assert.equal(done.status, 303);
}

test('after a text-message sign-in a person adds a passkey in My Panjareh, signs out, and signs in to a site with the passkey alone: acr is LoA high', async () => {
  aliBrowser = new Browser(base);
  assert.equal(await signInToPortal(aliBrowser, base, ALI), '/account');
  const account = await aliBrowser.get('/account');
  assert.match(account.body, /id="passkeys"/);
  assert.match(account.body, /هنوز کلید عبوری نساخته‌اید/);
  assert.match(account.body, /<form id="passkey-add"[^>]*hidden>/, 'the add form waits, hidden, for the script');
  const csrf = dataCsrf(account.body, 'passkey-add');

  const options = await postJson(aliBrowser, '/account/passkeys/options', {}, { csrf });
  assert.equal(options.status, 200, JSON.stringify(options.body));
  assert.equal(options.body.rp.id, 'localhost');
  assert.equal(options.body.authenticatorSelection.userVerification, 'required');
  aliKey = new SoftwareAuthenticator(base);
  const added = await postJson(aliBrowser, '/account/passkeys', { nickname: 'لپ‌تاپ <b>من</b>', credential: laptop().create(options.body) }, { csrf });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  aliCredentialId = Buffer.from(laptop().credentials[0]!.id).toString('base64url');
  assert.ok((await audit('identity.passkey.added')).some((a) => a.actor === `person:${ALI.nationalCode}` && a.detail.credentialId === aliCredentialId));

  const listed = await aliBrowser.get('/en/account');
  assert.match(listed.body, /لپ‌تاپ &lt;b&gt;من&lt;\/b&gt;/, 'the nickname is listed, escaped');
  assert.match(listed.body, /Not used yet/);
  assert.match(listed.body, /role="status"><p><strong>The passkey is made/, 'My Panjareh confirms it once');
  assert.doesNotMatch((await aliBrowser.get('/en/account')).body, /The passkey is made/);
  assert.ok(listed.body.includes(`name="credential_id" value="${aliCredentialId}"`), 'with a form to remove it');

  await signOut(aliBrowser);
  const config = await configuration();
  const s = await startSignIn(aliBrowser, config);
  const done = await passkeySignIn(aliBrowser, s, (o) => {
    assert.deepEqual(o.allowCredentials ?? [], [], 'no one is named: the browser offers its passkeys');
    assert.equal(o.userVerification, 'required');
    return laptop().get(o);
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.ok(typeof done.body.redirect === 'string');

  let r = await follow(aliBrowser, new URL(done.body.redirect, base).href, base);
  assert.equal(r.status, 200);
  assert.match(r.body, /name="decision"/, 'the site asks for consent, as after a text-message sign-in');
  const decided = await aliBrowser.post(`${new URL(r.url, base).pathname}/consent`, { _csrf: Browser.csrf(r.body), decision: 'allow' });
  assert.equal(decided.status, 303);
  r = await follow(aliBrowser, new URL(decided.location!, base).href, base);
  assert.ok(r.location?.startsWith(REDIRECT), `sent back to the site: ${r.location}`);

  const tokens = await client.authorizationCodeGrant(config, new URL(r.location!), { pkceCodeVerifier: s.verifier, expectedState: s.state });
  const claims = tokens.claims()!;
  assert.equal(claims.acr, LOA_HIGH, 'a passkey sign-in is level of assurance "high"');
  assert.deepEqual(claims.amr, ['hwk', 'mfa'], 'RFC 8176: a device-bound key and user verification');
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(info.national_code, ALI.nationalCode);

  const row = await (tp.database.db as Kysely<any>).selectFrom('identity_sign_ins').selectAll().where('method', '=', 'passkey').where('outcome', '=', 'success').executeTakeFirstOrThrow();
  assert.equal(row.national_code, ALI.nationalCode);
  assert.equal(row.acr, LOA_HIGH);
  assert.equal(row.client_id, rp.clientId);
  assert.ok((await audit('identity.signin')).some((a) => a.detail.method === 'passkey' && a.detail.credentialId === aliCredentialId && a.detail.acr === LOA_HIGH));

  // Back to My Panjareh: single sign-on, no form; the portal's session carries the level "high".
  const start = await aliBrowser.get('/account/signin?return=/en/account');
  const sso = await follow(aliBrowser, start.location!, base, `${base}/account/callback`);
  assert.ok(sso.location?.startsWith(`${base}/account/callback`), `signed in at once: ${sso.status} ${sso.location}`);
  assert.equal((await aliBrowser.get(sso.location!)).status, 303);
  const mine = await aliBrowser.get('/en/account');
  assert.match(mine.body, /High \(passkey\)/, 'the session is listed with its level');
  assert.match(mine.body, /<td>Passkey<\/td>/, 'the sign-in log names the method');
  assert.doesNotMatch(mine.body, /Not used yet/, 'the passkey’s last use is shown');
});

test('a forged assertion is refused and audited; its challenge is then spent, so the genuine answer to it is refused too', async () => {
  const config = await configuration();
  const browser = new Browser(base);
  const s = await startSignIn(browser, config);
  const options = await postJson(browser, `${s.path}/passkey/options`, {}, { csrf: s.csrf });
  const ceremonyCookie = browser['cookies'].get('pj_pk');
  assert.ok(ceremonyCookie, 'the ceremony is bound to this page in a cookie');
  const genuine = laptop().get(options.body);
  const sig = Buffer.from(genuine.response.signature, 'base64url');
  sig[sig.length - 1] ^= 0x01;
  const forged = { ...genuine, response: { ...genuine.response, signature: sig.toString('base64url') } };
  await refusedAndAudited(await postJson(browser, `${s.path}/passkey`, forged, { csrf: s.csrf }), 'passkey_failed');
  assert.ok((await audit('identity.signin.failed')).some((f) => f.actor === `person:${ALI.nationalCode}` && f.detail.credentialId === aliCredentialId), 'the failed use is on the owner’s record');
  // The same page, the same ceremony cookie, the genuine signature: the challenge is gone.
  browser['cookies'].set('pj_pk', ceremonyCookie);
  await refusedAndAudited(await postJson(browser, `${s.path}/passkey`, genuine, { csrf: s.csrf }), 'passkey_challenge');
  // Still on the sign-in page: a fresh ceremony works.
  const ok = await passkeySignIn(browser, s, (o) => laptop().get(o));
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

test('a replayed assertion is refused: on another sign-in page, with or without options of its own', async () => {
  const config = await configuration();
  const first = new Browser(base);
  const s1 = await startSignIn(first, config);
  let captured: unknown;
  const ok = await passkeySignIn(first, s1, (o) => (captured = laptop().get(o)));
  assert.equal(ok.status, 200);

  const second = new Browser(base);
  const s2 = await startSignIn(second, config);
  await refusedAndAudited(await postJson(second, `${s2.path}/passkey`, captured, { csrf: s2.csrf }), 'passkey_challenge');
  await refusedAndAudited(await passkeySignIn(second, s2, () => captured), 'passkey_challenge');
});

test('someone else’s passkey: not addable to my account, not usable with my handle, not removable by me', async () => {
  const foreign = new Browser(base);
  await signInToPortal(foreign, base, FOREIGN);
  const page = await foreign.get('/account');
  const csrf = dataCsrf(page.body, 'passkey-add');
  // Ali's browser asks for options; a response to them is posted into the other person's account.
  const aliPage = await aliBrowser.get('/account');
  const aliOptions = await postJson(aliBrowser, '/account/passkeys/options', {}, { csrf: dataCsrf(aliPage.body, 'passkey-add') });
  const stolen = new SoftwareAuthenticator(base).create(aliOptions.body);
  const r = await postJson(foreign, '/account/passkeys', { credential: stolen }, { csrf });
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'passkey_challenge');
  assert.ok((await audit('identity.passkey.add_failed')).some((a) => a.actor === `person:${FOREIGN.nationalCode}` && a.detail.reason === 'passkey_challenge'));

  // The other person adds a passkey of their own; Ali's key answering with their user handle is refused.
  const theirOptions = await postJson(foreign, '/account/passkeys/options', {}, { csrf });
  const theirKey = new SoftwareAuthenticator(base);
  assert.equal((await postJson(foreign, '/account/passkeys', { credential: theirKey.create(theirOptions.body) }, { csrf })).status, 201);
  const config = await configuration();
  const b = new Browser(base);
  const s = await startSignIn(b, config);
  await refusedAndAudited(await passkeySignIn(b, s, (o) => laptop().get(o, { userHandle: Buffer.from(theirOptions.body.user.id, 'base64url') })), 'passkey_failed');
  // Their credential id on Ali's signature.
  const theirId = Buffer.from(theirKey.credentials[0]!.id).toString('base64url');
  await refusedAndAudited(await passkeySignIn(b, s, (o) => ({ ...laptop().get(o), id: theirId, rawId: theirId })), 'passkey_failed');

  // Removing Ali's passkey from the other person's account: not found, and it still works.
  const removed = await foreign.post('/account/passkeys/remove', { _csrf: Browser.csrf(page.body), credential_id: aliCredentialId });
  assert.equal(removed.status, 404);
  assert.equal((await passkeySignIn(b, s, (o) => laptop().get(o))).status, 200);
});

test('the JSON endpoints need the page’s CSRF token, their own origin, JSON, and (to add) a signed-in person', async () => {
  const config = await configuration();
  const b = new Browser(base);
  const s = await startSignIn(b, config);
  const noToken = await postJson(b, `${s.path}/passkey/options`, {});
  assert.equal(noToken.status, 403);
  assert.equal(noToken.body.error.code, 'csrf_invalid');
  const otherSite = await postJson(b, `${s.path}/passkey/options`, {}, { csrf: s.csrf, origin: 'https://evil.example' });
  assert.equal(otherSite.status, 403);
  assert.equal(otherSite.body.error.code, 'cross_origin');
  assert.equal((await postJson(b, `${s.path}/passkey/options`, {}, { csrf: s.csrf, origin: null })).status, 403, 'no Origin header: refused');
  const form = await fetch(`${base}${s.path}/passkey/options`, { method: 'POST', headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': s.csrf }, body: 'a=b' });
  assert.equal(form.status, 415);
  const malformed = await postJson(b, `${s.path}/passkey`, { id: 'x', type: 'password' }, { csrf: s.csrf });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.code, 'invalid_request');

  const anonymous = await postJson(b, '/account/passkeys/options', {}, { csrf: s.csrf });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.error.code, 'unauthorized');
  // An interaction that does not exist (or belongs to another browser).
  const stale = await postJson(new Browser(base), `${s.path}/passkey/options`, {}, { csrf: s.csrf });
  assert.ok(stale.status === 400 || stale.status === 403, String(stale.status));
});

test('a passkey of a person the civil registry records as deceased signs no one in', async () => {
  const passkeys = tp.identity.passkeys!;
  const key = new SoftwareAuthenticator(base);
  const deceased = '0062345672';
  await passkeys.passkeys.verifyRegistration(deceased, key.create(await passkeys.registrationOptions(deceased)));
  const b = new Browser(base);
  const s = await startSignIn(b, await configuration());
  const r = await passkeySignIn(b, s, (o) => key.get(o));
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'passkey_refused');
  const rows = await (tp.database.db as Kysely<any>).selectFrom('identity_sign_ins').selectAll().where('national_code', '=', deceased).where('method', '=', 'passkey').execute();
  assert.ok(rows.some((x) => x.outcome === 'failure' && /deceased/.test(x.reason)));
});

test('adding a passkey needs a fresh authentication: a session signed in long ago is asked to sign in again', async () => {
  const db = tp.database.db as Kysely<any>;
  const sessions = await db.selectFrom('portal_sessions').select(['token_hash', 'id_token']).where('national_code', '=', ALI.nationalCode).execute();
  const claims = JSON.parse(Buffer.from(sessions[0].id_token.split('.')[1], 'base64url').toString('utf8'));
  assert.equal(typeof claims.auth_time, 'number', 'the ID token says when the person authenticated');
  // The sessions as they would be an hour later (only the time in the stored token changes).
  const [h, , sig] = sessions[0].id_token.split('.');
  const stale = `${h}.${Buffer.from(JSON.stringify({ ...claims, auth_time: claims.auth_time - 3600 })).toString('base64url')}.${sig}`;
  await db.updateTable('portal_sessions').set({ id_token: stale }).where('national_code', '=', ALI.nationalCode).execute();

  const page = await aliBrowser.get('/account');
  assert.doesNotMatch(page.body, /id="passkey-add"/);
  const link = /href="([^"]*reauth=1[^"]*)"/.exec(page.body);
  assert.ok(link, 'a link (no script needed) to sign in again');
  const refused = await postJson(aliBrowser, '/account/passkeys/options', {}, { csrf: Browser.csrf(page.body) });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'reauth_required');

  // The link makes the provider authenticate again (prompt=login) although its session is alive.
  const start = await aliBrowser.get(link[1]!.replace(/&amp;/g, '&'));
  const signin = await follow(aliBrowser, start.location!, base);
  assert.equal(signin.status, 200, 'the sign-in page, not single sign-on');
  const s = { path: new URL(signin.url, base).pathname, csrf: dataCsrf(signin.body, 'passkey-signin') };
  const done = await passkeySignIn(aliBrowser, s, (o) => laptop().get(o));
  assert.equal(done.status, 200, JSON.stringify(done.body));
  const back = await follow(aliBrowser, new URL(done.body.redirect, base).href, base, `${base}/account/callback`);
  const home = await aliBrowser.get(back.location!);
  assert.equal(home.location, '/account#passkeys');
  const fresh = await aliBrowser.get('/account');
  assert.match(fresh.body, /id="passkey-add"/);
  assert.equal((await postJson(aliBrowser, '/account/passkeys/options', {}, { csrf: dataCsrf(fresh.body, 'passkey-add') })).status, 200);
});

test('removing a passkey in My Panjareh stops it working', async () => {
  const page = await aliBrowser.get('/account');
  const removed = await aliBrowser.post('/account/passkeys/remove', { _csrf: Browser.csrf(page.body), credential_id: aliCredentialId });
  assert.equal(removed.status, 303);
  assert.ok((await audit('identity.passkey.removed')).some((a) => a.actor === `person:${ALI.nationalCode}` && a.detail.credentialId === aliCredentialId));
  const after = await aliBrowser.get(removed.location!);
  assert.ok(!after.body.includes(aliCredentialId), 'no longer listed');
  assert.match(after.body, /role="status"><p><strong>کلید عبور حذف شد/, 'and the page says so');
  const b = new Browser(base);
  const s = await startSignIn(b, await configuration());
  await refusedAndAudited(await passkeySignIn(b, s, (o) => laptop().get(o)), 'passkey_unknown');
  const noCsrf = await aliBrowser.post('/account/passkeys/remove', { credential_id: aliCredentialId });
  assert.equal(noCsrf.status, 403, 'the remove form needs its CSRF token');
});

/** axe-core (every default rule) on the page as the browser shows it, scripts run. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(d: Document, o: object): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  });
}

test('in Chromium with a virtual authenticator, /assets/passkey.js adds a passkey and signs in with it', async () => {
  const js = await fetch(`${base}/assets/passkey.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
  const chrome = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await chrome.newContext();
    const page = await context.newPage();
    // Chromium's own WebAuthn virtual authenticator (DevTools protocol): a platform authenticator with a PIN/biometric.
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });

    await page.goto(`${base}/account/signin?return=/en/account`);
    await page.fill('#national_code', ALI.nationalCode);
    await page.fill('#mobile', ALI.mobile);
    const seen = await outboxIds(base, ALI.mobile);
    await page.click('form[action$="/code"] button[type=submit]');
    await page.waitForSelector('#otp');
    await page.fill('#otp', await latestCode(base, ALI.mobile, seen));
    await Promise.all([page.waitForURL(`${base}/en/account`), page.click('form[action$="/otp"] button[type=submit]')]);

    await page.waitForSelector('#passkey-add:not([hidden])');
    assert.deepEqual(await axeViolations(page), [], 'My Panjareh with its passkey section passes axe');
    await page.fill('#passkey-nickname', 'Chromium');
    await Promise.all([page.waitForURL(`${base}/en/account#passkeys`), page.click('#passkey-add button[type=submit]')]);
    await page.waitForSelector('td:has-text("Chromium")');
    assert.deepEqual(await axeViolations(page), [], 'and with a passkey listed');

    // Sign out of the portal and the national identity.
    await page.click('form[action$="/account/signout"] button');
    await page.waitForSelector('button[name=logout][value=yes]');
    await Promise.all([page.waitForURL(`${base}/en/`), page.click('button[name=logout][value=yes]')]);

    const config = await configuration();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid profile', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    await page.goto(url.href);
    await page.waitForSelector('#passkey-signin button', { state: 'visible' });
    assert.deepEqual(await axeViolations(page), [], 'the sign-in page with its passkey button passes axe');
    await Promise.all([page.waitForSelector('input[name=decision]', { state: 'attached' }), page.click('#passkey-signin button')]);
    const callback = page.waitForRequest((r) => r.url().startsWith(REDIRECT));
    await page.click('form[action$="/consent"]:has(input[value=allow]) button');
    const tokens = await client.authorizationCodeGrant(config, new URL((await callback).url()), { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal(tokens.claims()!.acr, LOA_HIGH);
    assert.ok((tokens.claims()!.amr as string[]).includes('mfa'));
  } finally {
    await chrome.close();
  }
});
