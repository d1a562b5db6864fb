import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import { nationalCodeCheckDigit } from '../src/platform/national-code.js';
import { Browser } from './browser.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { follow, latestCode, outboxIds, signInThroughPages } from './signin.js';

/**
 * A real OpenID client (openid-client) against the national identity provider, through discovery,
 * the code flow with PKCE on our HTML pages, token exchange, userinfo, refresh and logout, and the
 * bad input the specs define errors for.
 */

let tp: TestPlatform;
let rp: { clientId: string; clientSecret: string };
const REDIRECT = 'http://127.0.0.1:9/callback';
const AFTER_LOGOUT = 'http://127.0.0.1:9/signed-out';
const PERSON = { nationalCode: '0499370899', mobile: '09123456789' };

before(async () => {
  tp = await testPlatform({ listen: true });
  await tp.agencies.seed();
  const r = await tp.identity.clients.add({ name: 'سامانه آزمون / Test agency', redirectUris: [REDIRECT], postLogoutRedirectUris: [AFTER_LOGOUT] }, 'test');
  rp = { clientId: r.clientId, clientSecret: r.clientSecret! };
});
after(() => tp.dispose());

async function configuration(secret = rp.clientSecret) {
  return client.discovery(new URL(tp.url!), rp.clientId, undefined, client.ClientSecretBasic(secret), { execute: [client.allowInsecureRequests] });
}

async function authorize(config: client.Configuration, extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid profile national_code phone',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  });
  return { url: url.href, verifier, state };
}

async function auditActions(): Promise<string[]> {
  const rows = await tp.database.db.selectFrom('audit_log').select('action').execute();
  return rows.map((r) => r.action);
}

test('discovery describes the provider under PUBLIC_URL', async () => {
  const res = await fetch(`${tp.url}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  const d = (await res.json()) as Record<string, any>;
  assert.equal(d.issuer, tp.url);
  assert.equal(d.authorization_endpoint, `${tp.url}/oidc/auth`);
  assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
  for (const s of ['openid', 'profile', 'national_code', 'phone']) assert.ok(d.scopes_supported.includes(s), s);
  for (const m of ['client_secret_basic', 'private_key_jwt']) assert.ok(d.token_endpoint_auth_methods_supported.includes(m), m);
  assert.equal(d.backchannel_logout_supported, true);
  assert.ok(d.end_session_endpoint);
  const jwks = (await (await fetch(d.jwks_uri)).json()) as { keys: Record<string, unknown>[] };
  assert.ok(jwks.keys.length >= 1);
  assert.ok(jwks.keys.every((k) => k.d === undefined && k.p === undefined), 'no private key material is published');
});

test('code flow with PKCE through the HTML pages: tokens, userinfo from the registry, refresh, logout', async () => {
  const config = await configuration();
  const browser = new Browser(tp.url!);
  const a = await authorize(config);
  const callback = await signInThroughPages(browser, a.url, tp.url!, PERSON);
  assert.ok(callback.startsWith(REDIRECT), callback);

  const tokens = await client.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: a.verifier, expectedState: a.state });
  const idClaims = tokens.claims()!;
  assert.equal(idClaims.acr, 'http://eidas.europa.eu/LoA/substantial');
  assert.ok(!String(idClaims.sub).includes(PERSON.nationalCode), 'the subject id is not the national code');

  const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
  assert.equal(info.national_code, PERSON.nationalCode);
  assert.equal(info.phone_number, '+989123456789');
  assert.equal(info.phone_number_verified, true);
  assert.ok(typeof info.family_name === 'string' && info.family_name.length > 0, 'names come from the civil registry');
  assert.match(String(info.birthdate), /^\d{4}-\d{2}-\d{2}$/);

  assert.ok(tokens.refresh_token, 'a refresh token is issued');
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
  assert.ok(refreshed.access_token);
  assert.notEqual(refreshed.access_token, tokens.access_token);
  assert.ok(await client.fetchUserInfo(config, refreshed.access_token, idClaims.sub));

  // A second sign-in from the same browser: single sign-on, no form, no consent asked again.
  const again = await authorize(config);
  const sso = await follow(browser, again.url, tp.url!);
  assert.ok(sso.location?.startsWith(REDIRECT), 'signed in at once');

  // RP-initiated logout: our page asks, the person confirms, the browser goes back to the site.
  const end = client.buildEndSessionUrl(config, { id_token_hint: refreshed.id_token ?? tokens.id_token!, post_logout_redirect_uri: AFTER_LOGOUT });
  const confirm = await follow(browser, end.href, tp.url!);
  assert.equal(confirm.status, 200);
  assert.match(confirm.body, /op\.logoutForm/);
  const action = /action="([^"]+)"/.exec(confirm.body.slice(confirm.body.indexOf('op.logoutForm') - 200))![1]!;
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)![1]!;
  const out = await browser.post(new URL(action, tp.url).pathname, { xsrf, logout: 'yes' });
  assert.equal(out.status, 303);
  assert.ok(out.location!.startsWith(AFTER_LOGOUT), `sent back to the site after logout: ${out.location}`);
  await assert.rejects(client.fetchUserInfo(config, refreshed.access_token, idClaims.sub), 'the session\'s tokens end with it');
  const after = await follow(browser, (await authorize(config)).url, tp.url!);
  assert.match(after.body, /name="national_code"/, 'signed out: the sign-in form again');

  // The same authorization code twice: refused, and the tokens issued for it are revoked (RFC 6749 §4.1.2).
  const c = await authorize(config);
  const cb = await signInThroughPages(browser, c.url, tp.url!, PERSON);
  const once = await client.authorizationCodeGrant(config, new URL(cb), { pkceCodeVerifier: c.verifier, expectedState: c.state });
  await assert.rejects(client.authorizationCodeGrant(config, new URL(cb), { pkceCodeVerifier: c.verifier, expectedState: c.state }), (e: any) => e.error === 'invalid_grant');
  await assert.rejects(client.fetchUserInfo(config, once.access_token, once.claims()!.sub), 'the replay revoked the first exchange\'s tokens');
  const actions = await auditActions();
  for (const a of ['identity.otp.sent', 'identity.signin', 'identity.consent.granted', 'oidc.grant.error', 'oidc.signout']) assert.ok(actions.includes(a), a);
});

test('bad input gets the error the specs define, and an audit record', async () => {
  const config = await configuration();
  const browser = new Browser(tp.url!);

  // Wrong redirect URI: never redirected there; an error page instead.
  const bad = await authorize(config, { redirect_uri: 'https://evil.example/cb' });
  const r1 = await follow(browser, bad.url, tp.url!);
  assert.equal(r1.status, 400);
  assert.match(r1.body, /redirect_uri/);
  assert.ok(!r1.location, 'not sent to an unregistered address');

  // Unknown client.
  const unknown = new URL(bad.url);
  unknown.searchParams.set('client_id', 'rp-nobody');
  unknown.searchParams.set('redirect_uri', REDIRECT);
  const r2 = await follow(browser, unknown.href, tp.url!);
  assert.equal(r2.status, 400);
  assert.match(r2.body, /invalid_client|client/);

  // Wrong PKCE verifier.
  const a = await authorize(config);
  const callback = await signInThroughPages(browser, a.url, tp.url!, PERSON);
  await assert.rejects(client.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: a.state }), (e: any) => e.error === 'invalid_grant');

  // Wrong client secret.
  const wrongSecret = await configuration('not-the-secret');
  const b = await authorize(wrongSecret);
  const cb2 = await signInThroughPages(browser, b.url, tp.url!, PERSON);
  await assert.rejects(client.authorizationCodeGrant(wrongSecret, new URL(cb2), { pkceCodeVerifier: b.verifier, expectedState: b.state }), (e: any) => e.error === 'invalid_client' || JSON.stringify(e.cause ?? '').includes('invalid_client'));

  // A tampered access token.
  const res = await fetch(`${tp.url}/oidc/me`, { headers: { authorization: 'Bearer not-a-real-token' } });
  assert.equal(res.status, 401);
  assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);

  const actions = await auditActions();
  for (const x of ['oidc.authorization.error', 'oidc.grant.error', 'oidc.userinfo.error']) assert.ok(actions.includes(x), x);
});

test('sign-in pages: check digit, Persian digits, no user enumeration, deceased and unknown people get no code', async () => {
  const config = await configuration();
  const browser = new Browser(tp.url!);
  const first = await follow(browser, (await authorize(config)).url, tp.url!);
  const path = new URL(first.url, tp.url).pathname;

  const wrongDigit = await browser.post(`${path}/code`, { _csrf: Browser.csrf(first.body), national_code: '0499370898', mobile: PERSON.mobile });
  assert.equal(wrongDigit.status, 400);
  assert.match(wrongDigit.body, /check digit|رقم کنترل/);
  const letters = await browser.post(`${path}/code`, { _csrf: Browser.csrf(first.body), national_code: '04993a0899', mobile: PERSON.mobile });
  assert.equal(letters.status, 400);
  // Both fields wrong: both problems at once, each linked to its field, which is marked invalid and described by its message.
  const both = await browser.post(`${path}/code`, { _csrf: Browser.csrf(first.body), national_code: '123', mobile: '0912' });
  assert.equal(both.status, 400);
  const summary = /<div class="error-summary"[\s\S]*?<\/div>/.exec(both.body)![0];
  assert.match(summary, /مشکلی پیش آمده است/, 'the same heading as every other form');
  assert.match(summary, /<a href="#national_code">[^<]*رقم کنترل/);
  assert.match(summary, /<a href="#mobile">[^<]*۰۹/);
  for (const field of ['national_code', 'mobile']) {
    const tag = new RegExp(`<input id="${field}"[^>]*>`).exec(both.body)![0];
    assert.match(tag, /aria-invalid="true"/, field);
    assert.match(tag, new RegExp(`aria-describedby="${field}-hint ${field}-error"`), field);
    assert.match(both.body, new RegExp(`<p class="error-message" id="${field}-error">`), field);
  }
  assert.match(/<input id="mobile"[^>]*>/.exec(both.body)![0], /type="tel"/);
  assert.match(/<input id="national_code"[^>]*>/.exec(both.body)![0], /value="123"/, 'what was typed is kept');
  const english = await browser.post(`${path}/code`, { _csrf: Browser.csrf(first.body), lang: 'en', national_code: '0499370899', mobile: 'abc' });
  assert.match(english.body, /There is a problem[\s\S]*<a href="#mobile">A mobile number looks like/, 'in the page\'s language');
  assert.doesNotMatch(/<input id="national_code"[^>]*>/.exec(english.body)![0], /aria-invalid/, 'only the field with a problem is marked');

  const noCsrf = await browser.post(`${path}/code`, { national_code: PERSON.nationalCode, mobile: PERSON.mobile });
  assert.equal(noCsrf.status, 403, 'a form without its CSRF token is refused');

  // An unknown pair and a real one get the same answer; only the real one gets a text message.
  const countTo = async (m: string) => ((await (await fetch(`${tp.url}/dev/outbox?to=${m}`)).json()) as unknown[] | { messages: unknown[] });
  const size = (x: unknown[] | { messages: unknown[] }) => (Array.isArray(x) ? x.length : x.messages.length);
  const before = size(await countTo('09129998877'));
  const seen = await outboxIds(tp.url!, PERSON.mobile);
  // …and the same work before answering (so the same time): a code row, a sign-in log row, an audit row.
  const rows = async () => {
    const n = async (table: string) => Number((await tp.database.db.selectFrom(table as never).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    return [await n('identity_otps'), await n('identity_sign_ins'), await n('audit_log')];
  };
  const rows0 = await rows();
  const wrongMobile = await browser.post(`${path}/code`, { _csrf: Browser.csrf(first.body), national_code: PERSON.nationalCode, mobile: '09129998877' });
  const rows1 = await rows();
  const real = await browser.post(`${path}/code`, { _csrf: Browser.csrf(first.body), national_code: '۰۴۹۹۳۷۰۸۹۹', mobile: '۰۹۱۲۳۴۵۶۷۸۹' });
  const rows2 = await rows();
  assert.deepEqual(rows1.map((x, i) => x - rows0[i]!), [1, 1, 1], 'a pair that does not match');
  assert.deepEqual(rows2.map((x, i) => x - rows1[i]!), [1, 1, 1], 'a pair that matches');
  assert.equal(wrongMobile.status, 303);
  assert.equal(real.status, 303, 'Persian digits are accepted');
  assert.equal(wrongMobile.location, real.location, 'the same answer for a mobile that is not theirs');
  // Codes are texted without the page waiting; once the real code has arrived, the other would have too.
  await latestCode(tp.url!, PERSON.mobile, seen);
  assert.equal(size(await countTo('09129998877')), before, 'no code went to a number that is not theirs');

  const deceased = await browser.post(`${path}/code`, { _csrf: Browser.csrf(first.body), national_code: '0062345672', mobile: '09121110001' });
  assert.equal(deceased.status, 303);
  assert.equal(size(await countTo('09121110001')), 0, 'no code for a person the registry records as deceased');
  const failures = await tp.database.db.selectFrom('identity_sign_ins' as never).selectAll().where('outcome' as never, '=', 'failure' as never).execute();
  assert.ok(failures.length >= 2);
});

test('brute force: the 6th try of a code finds it locked, and one address is throttled long before 100 wrong tries', async () => {
  const config = await configuration();
  const browser = new Browser(tp.url!);
  const first = await follow(browser, (await authorize(config)).url, tp.url!);
  const path = new URL(first.url, tp.url).pathname;
  // A person of their own: the earlier tests used up the demo person's hourly allowance of codes.
  const nationalCode = `123456780${nationalCodeCheckDigit('123456780')}`;
  await tp.agencies.addPerson({ nationalCode, mobile: '09187654321', firstName: 'مریم', lastName: 'آزمون', birthDate: '1990-01-01', gender: 'female' }, 'test');
  const sent = await browser.post(`${path}/code`, { _csrf: Browser.csrf(first.body), national_code: nationalCode, mobile: '09187654321' });
  assert.equal(sent.status, 303);
  const otp = await browser.get(sent.location!);
  // The masked number is isolated left-to-right, so it reads as written inside Persian text.
  assert.match(otp.body, /<bdi dir="ltr">۰۹۱۸\*\*\*۴۳۲۱<\/bdi>/);
  const csrf = Browser.csrf(otp.body);
  const code = await latestCode(tp.url!, '09187654321');
  const wrong = code === '000000' ? '111111' : '000000';
  for (let i = 1; i <= 5; i++) {
    const r = await browser.post(`${path}/otp`, { _csrf: csrf, otp: wrong });
    assert.equal(r.status, 400, `wrong try ${i}`);
    if (i === 1) {
      assert.match(r.body, /<a href="#otp">/, 'a wrong code is a problem of the code field');
      assert.match(/<input id="otp"[^>]*>/.exec(r.body)![0], /aria-invalid="true"/);
    }
  }
  const sixth = await browser.post(`${path}/otp`, { _csrf: csrf, otp: code });
  assert.equal(sixth.status, 429, 'the right code on the 6th try is refused: the code is locked');
  assert.match(sixth.body, /no longer valid|باطل/);

  let throttled = 0;
  for (let i = 0; i < 100; i++) {
    const r = await browser.post(`${path}/otp`, { _csrf: csrf, otp: String(100000 + i) });
    if (r.status === 429 && /too many|زیادی/i.test(r.body)) throttled++;
  }
  assert.ok(throttled >= 75, `wrong tries from one address are throttled (${throttled} of 100)`);
  const rows = await tp.database.db.selectFrom('audit_log').select('detail').where('action', '=', 'identity.signin.failed').execute();
  assert.ok(rows.some((r) => r.detail.includes('throttled')));
});
