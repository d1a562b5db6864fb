import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { nationalCodeCheckDigit } from '../src/platform/national-code.js';
import { Browser } from './browser.js';
import { call, startUpstream } from './exchange-helpers.js';
import { catalogFile } from './fixtures.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { signInThroughPages, signInToPortal } from './signin.js';

/**
 * The national authority's console pages for the identity's relying parties, the data exchange's
 * onboarding and the demo outbox, driven through the real server's HTML forms as staff would use them.
 */

let tp: TestPlatform;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
const person = (first9: string, mobile: string) => ({ nationalCode: `${first9}${nationalCodeCheckDigit(first9)}`, mobile });
const PEOPLE = {
  admin: person('222333444', '09302223344'),
  reviewer: person('222333445', '09302223345'),
  editorNocr: person('222333446', '09302223346'),
  editorPost: person('222333447', '09302223347'),
};
const browsers = new Map<keyof typeof PEOPLE, Browser>();
async function staff(who: keyof typeof PEOPLE): Promise<Browser> {
  const known = browsers.get(who);
  if (known) return known;
  const b = new Browser(tp.url!);
  assert.equal(await signInToPortal(b, tp.url!, PEOPLE[who], '/console'), '/console');
  browsers.set(who, b);
  return b;
}

const OPENAPI = JSON.stringify({ openapi: '3.0.3', info: { title: 'Records', version: '1' }, paths: { '/records/{id}': { get: { responses: { 200: { description: 'ok' } } } } } });

before(async () => {
  tp = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'true' } });
  upstream = await startUpstream();
  // The catalogue links the organisation NOCR to the exchange member IR/GOV/NOCR: its editors decide on that member's contracts.
  const file = catalogFile();
  file.organizations = file.organizations.map((o) => (o.code === 'NOCR' ? { ...o, exchangeMembers: ['IR/GOV/NOCR'] } : o));
  await tp.catalog.import(file, { actor: 'test' });
  await tp.agencies.seed();
  for (const [name, p] of Object.entries(PEOPLE)) {
    await tp.agencies.addPerson({ nationalCode: p.nationalCode, mobile: p.mobile, firstName: name, lastName: 'Staff', birthDate: '1980-01-01', gender: 'male' }, 'test');
  }
  await tp.identity.staffGrants.grant({ nationalCode: PEOPLE.admin.nationalCode, role: 'admin' }, 'test');
  await tp.identity.staffGrants.grant({ nationalCode: PEOPLE.reviewer.nationalCode, role: 'reviewer' }, 'test');
  await tp.identity.staffGrants.grant({ nationalCode: PEOPLE.editorNocr.nationalCode, role: 'editor', organization: 'NOCR' }, 'test');
  await tp.identity.staffGrants.grant({ nationalCode: PEOPLE.editorPost.nationalCode, role: 'editor', organization: 'POST' }, 'test');
});
after(async () => {
  await upstream?.close();
  await tp.dispose();
});

const codeIn = (body: string, id: string) => new RegExp(`id="${id}">([^<]+)<`).exec(body)?.[1];
const audited = async (action: string) =>
  (await tp.database.db.selectFrom('audit_log' as never).select(['actor' as never, 'subject' as never]).where('action' as never, '=', action as never).execute()) as Array<{ actor: string; subject: string }>;

test('the authority registers a relying party through the page; the secret is shown once, stored hashed, and works at the token endpoint', async () => {
  const admin = await staff('admin');
  const dashboard = await admin.get('/console');
  assert.match(dashboard.body, /href="\/console\/relying-parties"/);

  const list = await admin.get('/console/relying-parties');
  assert.equal(list.status, 200);
  // Bad input: the form again, 400, the reason in the page's language, what was typed kept.
  const bad = await admin.post('/console/relying-parties', { _csrf: Browser.csrf(list.body), name: 'Tax office', redirect_uris: 'http://evil.example/cb', auth: 'client_secret_basic' });
  assert.equal(bad.status, 400);
  assert.match(bad.body, /باید <bdi dir="ltr">https<\/bdi> باشد/);
  assert.match(bad.body, /<a href="#redirect_uris">/, 'the refusal is linked to its field');
  assert.match(bad.body, /<textarea id="redirect_uris" name="redirect_uris" dir="ltr" required aria-invalid="true" aria-describedby="redirect_uris-error">/);
  assert.match(bad.body, /value="Tax office"/);
  const badEn = await admin.submit('/en/console/relying-parties', '/en/console/relying-parties', { name: 'Bank', redirect_uris: 'https://bank.example/cb', auth: 'private_key_jwt' });
  assert.equal(badEn.status, 400);
  assert.match(badEn.body, /private_key_jwt needs/);

  const made = await admin.submit('/console/relying-parties', '/console/relying-parties', {
    name: 'Tax office',
    redirect_uris: 'https://tax.example/cb\r\nhttps://tax.example/cb2',
    post_logout_redirect_uris: 'https://tax.example/',
    auth: 'client_secret_basic',
  });
  // Post/redirect/get: the secret shows once on the page after the redirect; a refresh shows it no more.
  assert.equal(made.status, 303, made.body.slice(0, 400));
  assert.equal(made.location, '/console/relying-parties/created');
  const shown = await admin.get(made.location!);
  assert.equal(shown.status, 200);
  const clientId = codeIn(shown.body, 'client-id')!;
  const secret = codeIn(shown.body, 'client-secret')!;
  const refreshed = await admin.get(made.location!);
  assert.ok(!refreshed.body.includes(secret) && refreshed.body.includes('دیگر نشان داده نمی‌شود'), 'the secret is shown once');
  assert.equal((await tp.database.db.selectFrom('oidc_clients' as never).select('client_id' as never).where('name' as never, '=', 'Tax office' as never).execute()).length, 1, 'the refresh registered nothing');
  assert.match(clientId, /^rp-/);
  assert.ok(secret.length >= 40);
  const row = (await tp.database.db.selectFrom('oidc_clients' as never).selectAll().where('client_id' as never, '=', clientId as never).executeTakeFirstOrThrow()) as { secret_hash: string };
  assert.equal(row.secret_hash, `sha256:${createHash('sha256').update(secret).digest('hex')}`);
  assert.ok(!JSON.stringify(row).includes(secret), 'only the hash is stored');
  // The list shows the site, never the secret.
  const again = await admin.get('/console/relying-parties');
  assert.match(again.body, new RegExp(clientId));
  assert.ok(!again.body.includes(secret));
  assert.deepEqual((await audited('oidc.client.add')).filter((r) => r.subject === `oidc-client:${clientId}`).map((r) => r.actor), [`person:${PEOPLE.admin.nationalCode}`]);
  // The form offers the secret in the form body too (openid-client's default), and the list says which method a site uses.
  assert.match(again.body, /<input type="radio" id="auth-post" name="auth" value="client_secret_post">/);
  const posted = await admin.submit('/console/relying-parties', '/console/relying-parties', { name: 'Post office site', redirect_uris: 'https://post.example/cb', auth: 'client_secret_post' });
  assert.equal(posted.status, 303, posted.body.slice(0, 400));
  assert.ok((await tp.identity.clients.list()).some((c) => c.name === 'Post office site' && c.auth === 'client_secret_post'));

  // A citizen signs in to the new site; the site exchanges the code with the secret and reads userinfo.
  const verifier = randomBytes(32).toString('base64url');
  const auth = new URL(`${tp.url}/oidc/auth`);
  auth.search = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid national_code', redirect_uri: 'https://tax.example/cb', state: 's1', nonce: 'n1', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' }).toString();
  const back = await signInThroughPages(new Browser(tp.url!), auth.href, tp.url!, { nationalCode: '0499370899', mobile: '09123456789' }, 'https://tax.example/cb');
  const code = new URL(back).searchParams.get('code');
  assert.ok(code, back);
  const tokenCall = (s: string) =>
    fetch(`${tp.url}/oidc/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${s}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://tax.example/cb', code_verifier: verifier }),
    });
  assert.equal((await tokenCall('not-the-secret')).status, 401);
  const tokens = await tokenCall(secret);
  assert.equal(tokens.status, 200);
  const { access_token } = (await tokens.json()) as { access_token: string };
  const me = (await (await fetch(`${tp.url}/oidc/me`, { headers: { authorization: `Bearer ${access_token}` } })).json()) as { national_code: string };
  assert.equal(me.national_code, '0499370899');

  // Disable: the site can no longer authenticate. The portal's own client cannot be disabled.
  const portal = await admin.submit('/console/relying-parties', '/console/relying-parties/panjareh-portal/disable', {});
  assert.equal(portal.status, 400);
  const disabled = await admin.submit('/console/relying-parties', `/console/relying-parties/${clientId}/disable`, {});
  assert.equal(disabled.status, 303);
  assert.match((await admin.get(disabled.location!)).body, /تارنما از کار افتاد/);
  assert.equal((await tokenCall(secret)).status, 401);
  assert.equal((await audited('oidc.client.disable')).length, 1);
});

/** A multipart form post (the service form with an OpenAPI file), with the browser's cookies. */
async function postMultipart(b: Browser, path: string, fields: Record<string, string>, file?: { field: string; name: string; text: string }) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append(file.field, new Blob([file.text], { type: 'application/json' }), file.name);
  const cookies = (b as unknown as { cookies: Map<string, string> }).cookies;
  const res = await fetch(`${tp.url}${path}`, { method: 'POST', body: form, redirect: 'manual', headers: { accept: 'text/html', cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
  return { status: res.status, body: await res.text(), location: res.headers.get('location') };
}

test('exchange onboarding through the pages, then a gateway call with the key made there succeeds', async () => {
  const admin = await staff('admin');
  const page = await admin.get('/console/exchange');
  assert.equal(page.status, 200);
  const csrf = Browser.csrf(page.body);
  for (const [id, name] of [['IR/GOV/NOCR', 'سازمان ثبت احوال'], ['IR/COM/10100000001', 'Test bank']]) {
    assert.equal((await admin.post('/console/exchange/members', { _csrf: csrf, member_id: id, member_name: name })).status, 303);
  }
  const badMember = await admin.post('/console/exchange/members', { _csrf: csrf, member_id: 'IR/XYZ/1', member_name: 'x' });
  assert.equal(badMember.status, 400);
  assert.match(badMember.body, /شناسه عضو درست نیست/);
  const dup = await admin.post('/en/console/exchange/members', { _csrf: csrf, member_id: 'IR/GOV/NOCR', member_name: 'again' });
  assert.equal(dup.status, 409);
  assert.match(dup.body, /already registered/);
  for (const id of ['IR/GOV/NOCR/registry', 'IR/COM/10100000001/kyc']) {
    assert.equal((await admin.post('/console/exchange/subsystems', { _csrf: csrf, subsystem_id: id, subsystem_name: '' })).status, 303);
  }

  // A service with its OpenAPI document uploaded as a file (multipart), and one pasted into the form.
  const form = await admin.get('/console/exchange/services/new');
  assert.match(form.body, /enctype="multipart\/form-data"/);
  const uploaded = await postMultipart(admin, '/console/exchange/services', { _csrf: Browser.csrf(form.body), id: 'IR/GOV/NOCR/registry/records', upstream: `${upstream.url}/base`, classification: 'public', subject_in: '', subject_name: '', openapi_text: '' }, { field: 'openapi_file', name: 'records.json', text: OPENAPI });
  assert.equal(uploaded.status, 303, uploaded.body.slice(0, 500));
  assert.equal(await tp.exchange.registry.openApi('IR/GOV/NOCR/registry/records'), OPENAPI);
  const pasted = await admin.post('/console/exchange/services', { _csrf: csrf, id: 'IR/GOV/NOCR/registry/person', upstream: `${upstream.url}/base`, classification: 'personal', subject_in: 'path', subject_name: 'id', openapi_text: OPENAPI });
  assert.equal(pasted.status, 303, pasted.body.slice(0, 500));
  assert.deepEqual((await tp.exchange.registry.service('IR/GOV/NOCR/registry/person'))?.subject, { in: 'path', name: 'id' });
  const badJson = await admin.post('/console/exchange/services', { _csrf: csrf, id: 'IR/GOV/NOCR/registry/bad', upstream: `${upstream.url}/base`, classification: 'public', openapi_text: '{not json' });
  assert.equal(badJson.status, 400);
  assert.match(badJson.body, /<bdi dir="ltr">JSON<\/bdi> معتبر نیست/);
  assert.match(badJson.body, /\{not json/, 'the pasted text is kept');
  const noSubject = await admin.post('/en/console/exchange/services', { _csrf: csrf, id: 'IR/GOV/NOCR/registry/bad', upstream: `${upstream.url}/base`, classification: 'personal' });
  assert.equal(noSubject.status, 400);
  assert.match(noSubject.body, /personal-data service must say where/);

  // A contract granted through the page, a key made through the page (shown once), then a call.
  const contracts = await admin.get('/console/exchange/contracts');
  const badRate = await admin.post('/console/exchange/contracts', { _csrf: Browser.csrf(contracts.body), client: 'IR/COM/10100000001/kyc', service: 'IR/GOV/NOCR/registry/records', methods: 'GET', paths: '/records/*', rate: 'fast', quota: '', expires: '', purpose: 'KYC' });
  assert.equal(badRate.status, 400);
  const granted = await admin.post('/console/exchange/contracts', { _csrf: Browser.csrf(contracts.body), client: 'IR/COM/10100000001/kyc', service: 'IR/GOV/NOCR/registry/records', methods: 'GET', paths: '/records/*', rate: '۱۰', quota: 'none', expires: '', purpose: 'KYC' });
  assert.equal(granted.status, 303, granted.body.slice(0, 500));
  const contract = (await tp.exchange.contracts.list({ client: 'IR/COM/10100000001/kyc' }))[0]!;
  assert.equal(contract.status, 'active');
  assert.equal(contract.ratePerSecond, 10);
  assert.equal(contract.dailyQuota, null);

  const keysPage = await admin.get('/console/exchange/keys?subsystem=IR/COM/10100000001/kyc');
  assert.equal(keysPage.status, 200);
  const created = await admin.post('/console/exchange/keys', { _csrf: Browser.csrf(keysPage.body), subsystem: 'IR/COM/10100000001/kyc', label: 'production', expires: '' });
  assert.equal(created.status, 303, created.body.slice(0, 500));
  const key = codeIn((await admin.get(created.location!)).body, 'api-key')!;
  assert.match(key, /^pjx_[0-9a-f]{12}_/);
  const keyAgain = await admin.get(created.location!);
  assert.ok(!keyAgain.body.includes(key) && keyAgain.body.includes('دیگر نشان داده نمی‌شود'), 'a refresh shows the key no more');
  assert.equal((await tp.exchange.apiKeys.list('IR/COM/10100000001/kyc')).length, 1, 'and makes no new one');
  assert.ok(!(await admin.get('/console/exchange/keys')).body.includes(key), 'the key is never shown again');

  const path = '/r1/IR/GOV/NOCR/registry/records/records/42';
  const ok = await call(tp.url!, path, { headers: { 'x-road-client': 'IR/COM/10100000001/kyc', authorization: `ApiKey ${key}` } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.url, '/base/records/42');

  // Revoke the key through the page: the next call is refused.
  const info = (await tp.exchange.apiKeys.list('IR/COM/10100000001/kyc'))[0]!;
  const revoked = await admin.submit('/console/exchange/keys', `/console/exchange/keys/${info.id}/revoke`, {});
  assert.equal(revoked.status, 303);
  const afterRevoke = await admin.get(revoked.location!);
  assert.match(afterRevoke.body, /role="status"><p>کلید باطل شد؛ از همین حالا هر فراخوانی با آن رد می‌شود/, 'the action ends on a confirmation');
  assert.doesNotMatch((await admin.get(revoked.location!)).body, /کلید باطل شد/, 'shown once');
  const refused = await call(tp.url!, path, { headers: { 'x-road-client': 'IR/COM/10100000001/kyc', authorization: `ApiKey ${key}` } });
  assert.equal(refused.status, 401);
  for (const action of ['exchange.member.add', 'exchange.subsystem.add', 'exchange.service.add', 'exchange.contract.grant', 'exchange.key.create', 'exchange.key.revoke']) {
    const rows = await audited(action);
    assert.ok(rows.length > 0 && rows.every((r) => r.actor === `person:${PEOPLE.admin.nationalCode}`), action);
  }

  // A provider's editor decides on applications for its own organisation's services, and no others.
  const applied = await tp.exchange.contracts.apply({ client: 'IR/COM/10100000001/kyc', service: 'IR/GOV/NOCR/registry/person', purpose: 'Know your customer' }, 'test');
  const applied2 = await tp.exchange.contracts.grant({ client: 'IR/GOV/NOCR/registry', service: 'IR/GOV/NOCR/registry/records' }, 'test');
  await tp.exchange.contracts.revoke(applied2.id, { actor: 'test' });
  const editor = await staff('editorNocr');
  assert.match((await editor.get('/console')).body, /href="\/console\/exchange\/contracts"/);
  const seen = await editor.get('/console/exchange/contracts');
  assert.equal(seen.status, 200);
  assert.match(seen.body, /Know your customer/);
  assert.ok(!/\/revoke"/.test(seen.body), 'providers do not revoke');
  assert.equal((await editor.submit('/console/exchange/contracts', `/console/exchange/contracts/${applied.id}/revoke`, {})).status, 403);
  const noReason = await editor.submit('/console/exchange/contracts', `/console/exchange/contracts/${applied.id}/reject`, { reason: ' ' });
  assert.equal(noReason.status, 400);
  assert.match(noReason.body, /دلیل رد را بنویسید/);
  const other = await staff('editorPost');
  assert.equal((await other.get('/console/exchange/contracts')).status, 403, 'POST is not an exchange member');
  assert.equal((await editor.submit('/console/exchange/contracts', `/console/exchange/contracts/${applied.id}/approve`, {})).status, 303);
  assert.equal((await tp.exchange.contracts.get(applied.id))?.status, 'active');
  assert.equal((await audited('exchange.contract.approve'))[0]?.actor, `person:${PEOPLE.editorNocr.nationalCode}`);
  assert.equal((await editor.get('/console/exchange')).status, 403, 'onboarding is the authority’s');
});

test('staff without the authority role get 403; a form without its CSRF token gets 403', async () => {
  const reviewer = await staff('reviewer');
  assert.ok(!(await reviewer.get('/console')).body.includes('/console/relying-parties'));
  for (const path of ['/console/relying-parties', '/en/console/relying-parties', '/console/exchange', '/console/exchange/services/new', '/console/exchange/contracts', '/console/exchange/keys', '/console/outbox']) {
    assert.equal((await reviewer.get(path)).status, 403, path);
  }
  const list = await reviewer.get('/console');
  const csrf = Browser.csrf(list.body);
  assert.equal((await reviewer.post('/console/relying-parties', { _csrf: csrf, name: 'Mine', redirect_uris: 'https://mine.example/cb', auth: 'client_secret_basic' })).status, 403);
  assert.equal((await reviewer.post('/console/exchange/members', { _csrf: csrf, member_id: 'IR/COM/999', member_name: 'x' })).status, 403);
  assert.equal((await reviewer.post('/console/exchange/keys', { _csrf: csrf, subsystem: 'IR/COM/10100000001/kyc' })).status, 403);
  assert.ok(!(await tp.identity.clients.list()).some((c) => c.name === 'Mine'));

  const admin = await staff('admin');
  for (const [path, form] of [
    ['/console/relying-parties', { name: 'No token', redirect_uris: 'https://x.example/cb', auth: 'client_secret_basic' }],
    ['/console/exchange/members', { member_id: 'IR/COM/555', member_name: 'No token' }],
    ['/console/exchange/keys', { subsystem: 'IR/COM/10100000001/kyc' }],
  ] as const) {
    const r = await admin.post(path, form);
    assert.equal(r.status, 403, path);
    assert.match(r.body, /فرم منقضی یا نامعتبر است/);
  }
  assert.ok(!(await tp.identity.clients.list()).some((c) => c.name === 'No token'));
  // Signed out: sent to sign in, never shown the page.
  assert.equal((await new Browser(tp.url!).get('/console/relying-parties')).status, 303);
});

test('demo mode: the outbox page lists a number’s messages newest first; a bad number is a 400 page', async () => {
  const admin = await staff('admin');
  const empty = await admin.get('/console/outbox');
  assert.equal(empty.status, 200);
  assert.match(empty.body, /name="to"/);
  const page = await admin.get(`/console/outbox?to=${encodeURIComponent('۰۹۳۰۲۲۲۳۳۴۴')}`);
  assert.equal(page.status, 200);
  const codes = [...page.body.matchAll(/\b(\d{6})\b/g)].map((m) => m[1]);
  assert.ok(codes.length >= 1, 'the admin’s own sign-in code is there');
  const bad = await admin.get('/en/console/outbox?to=12345');
  assert.equal(bad.status, 400);
  assert.match(bad.body, /Give a mobile number/);
  assert.ok((await audited('console.outbox.read')).some((r) => r.subject === 'outbox:09302223344'));
});

test('outside demo mode the outbox page does not exist', async () => {
  const off = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'false' } });
  try {
    await off.staff.add({ username: 'operator', password: 'correct horse battery staple', role: 'admin' });
    const b = new Browser(off.url!);
    assert.equal((await b.signIn('operator', 'correct horse battery staple')).status, 303);
    assert.equal((await b.get('/console/relying-parties')).status, 200, 'the break-glass admin is the authority');
    assert.ok(!(await b.get('/console')).body.includes('/console/outbox'));
    assert.equal((await b.get('/console/outbox')).status, 404);
    assert.equal((await b.get('/en/console/outbox?to=09123456789')).status, 404);
  } finally {
    await off.dispose();
  }
});
