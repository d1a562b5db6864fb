import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { OAuthClientLinks } from '../src/exchange/index.js';
import { EXCHANGE_RESOURCE } from '../src/identity/index.js';
import { nationalCodeCheckDigit } from '../src/platform/national-code.js';
import { Browser } from './browser.js';
import { call, startUpstream } from './exchange-helpers.js';
import { eventually, freshDatabase, testPlatform, type TestPlatform } from './harness.js';
import { signInToPortal } from './signin.js';

/**
 * Consent end to end: a business asks through the consent API with its exchange credential, the
 * citizen reads and approves the request on the portal (signed in, CSRF-protected forms, no
 * JavaScript), the business fetches the token and calls the gateway with it, the citizen sees the
 * call in their data tracker and revokes, and the gateway refuses the token within a second.
 */

let db: Awaited<ReturnType<typeof freshDatabase>>;
let tp: TestPlatform;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
const keys: Record<string, string> = {};

const BANK = 'IR/COM/10100000001/kyc';
const RENTAL = 'IR/COM/20200000002/rental';
const SSO = 'IR/GOV/SSO/insurance';
const PERSON = 'IR/GOV/NOCR/registry/person';
const ADDRESS = 'IR/GOV/POST/postal/address';
const person = (first9: string, mobile: string) => ({ nationalCode: `${first9}${nationalCodeCheckDigit(first9)}`, mobile });
const SARA = person('333444555', '09303334455');
const REZA = person('333444556', '09303334456');
const personApi = { openapi: '3.0.3', info: { title: 'Civil registry', version: '1' }, paths: { '/persons/{nationalCode}': { get: { responses: {} } } } };

const api = (client: string, path: string, body?: unknown, auth = `ApiKey ${keys[client]}`) =>
  call(tp.url!, path, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
const ask = (client: string, extra: Record<string, unknown> = {}) => api(client, '/api/exchange/consents', { nationalCode: SARA.nationalCode, services: [PERSON], purpose: 'Opening a bank account (KYC)', days: 30, ...extra });
const gateway = (client: string, code: string, token?: string) =>
  call(tp.url!, `/r1/${PERSON}/persons/${code}`, { headers: { 'x-road-client': client, authorization: `ApiKey ${keys[client]}`, ...(token ? { 'x-panjareh-consent': token } : {}) } });

const signedIn = new Map<string, Browser>();
async function browserOf(who: { nationalCode: string; mobile: string }): Promise<Browser> {
  let b = signedIn.get(who.nationalCode);
  if (!b) {
    b = new Browser(tp.url!);
    assert.equal(await signInToPortal(b, tp.url!, who, '/account'), '/account');
    signedIn.set(who.nationalCode, b);
  }
  return b;
}

before(async () => {
  upstream = await startUpstream();
  db = await freshDatabase();
  tp = await testPlatform({ listen: true, shared: db });
  for (const [name, p] of Object.entries({ Sara: SARA, Reza: REZA })) {
    await tp.agencies.addPerson({ nationalCode: p.nationalCode, mobile: p.mobile, firstName: name, lastName: 'Test', birthDate: '1990-01-01', gender: 'female' }, 'test');
  }
  const { registry, contracts, apiKeys } = tp.exchange;
  // The civil registry is a catalogue organisation linked to its member: pages name it as the catalogue does, not as the exchange does.
  const L = (fa: string, en: string) => ({ fa, en });
  await tp.catalog.import({ organizations: [{ code: 'NOCR', name: L('سازمان ثبت احوال کشور', 'National Organization for Civil Registration'), parent: null, website: null, exchangeMembers: ['IR/GOV/NOCR'] }] }, { actor: 'test' });
  await tp.catalog.read.rebuild();
  for (const [m, name] of [['IR/GOV/NOCR', 'NOCR as registered on the exchange'], ['IR/GOV/POST', 'Post'], ['IR/GOV/SSO', 'Social security'], ['IR/COM/10100000001', 'بانک آزمایشی <script>'], ['IR/COM/20200000002', 'Rental']] as const) {
    await registry.addMember({ id: m, name }, 'test');
  }
  for (const s of ['IR/GOV/NOCR/registry', 'IR/GOV/POST/postal', SSO, RENTAL]) await registry.addSubsystem({ id: s }, 'test');
  await registry.addSubsystem({ id: BANK, name: 'احراز هویت مشتری' }, 'test');
  await registry.addService({ id: PERSON, name: 'Identity record', nameFa: 'استعلام هویت', upstream: `${upstream.url}/base`, classification: 'personal', subject: { in: 'path', name: 'nationalCode' }, openapi: personApi }, 'test');
  await registry.addService({ id: ADDRESS, upstream: `${upstream.url}/base`, classification: 'internal' }, 'test');
  await contracts.grant({ client: BANK, service: PERSON, purpose: 'KYC', paths: ['/persons/*'], ratePerSecond: 1000 }, 'test');
  await contracts.grant({ client: BANK, service: ADDRESS }, 'test');
  await contracts.grant({ client: SSO, service: PERSON, legalBasis: 'Social Security Act, art. 38', legalBasisCoversPersonalData: true, ratePerSecond: 1000 }, 'test');
  for (const s of [BANK, RENTAL, SSO]) keys[s] = (await apiKeys.create(s, { label: 'test' }, 'test')).key;
});

after(async () => {
  await tp.dispose();
  await db.drop();
  await upstream.close();
});

test('the consent API: credentials required, bad requests refused with codes, a good one answered 201 with the approval address', async () => {
  const none = await call(tp.url!, '/api/exchange/consents', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(none.status, 401);
  assert.equal(none.json.error.code, 'unauthorized');
  assert.ok(none.json.error.message.fa && none.json.error.message.en);
  assert.equal((await api(BANK, '/api/exchange/consents', {}, `ApiKey pjx_000000000000_${'A'.repeat(43)}`)).status, 401, 'an unknown key, before the body is looked at');
  assert.equal((await call(tp.url!, '/api/exchange/consents', { method: 'POST', headers: { authorization: 'Basic eDp5', 'content-type': 'application/json' }, body: 'not json' })).status, 401);
  const cases: Array<[Record<string, unknown>, number, string]> = [
    [{ days: 0 }, 400, 'invalid_request'],
    [{ days: 400 }, 400, 'invalid_request'],
    [{ nationalCode: '0499370898' }, 400, 'invalid_national_code'],
    [{ services: [] }, 400, 'invalid_request'],
    [{ services: ['not a service'] }, 400, 'invalid_services'],
    [{ services: ['IR/GOV/NOCR/registry/nothing'] }, 400, 'unknown_service'],
    [{ services: [ADDRESS] }, 400, 'not_personal_data'],
    [{ purpose: 'x' }, 400, 'invalid_request'],
    [{ extra: true }, 400, 'invalid_request'],
  ];
  for (const [extra, status, code] of cases) {
    const a = await ask(BANK, extra);
    assert.equal(a.status, status, `${JSON.stringify(extra)}: ${a.text}`);
    assert.equal(a.json.error.code, code, JSON.stringify(extra));
  }
  const noContract = await ask(RENTAL);
  assert.equal(noContract.status, 403);
  assert.equal(noContract.json.error.code, 'no_contract');
  const mismatch = await call(tp.url!, '/api/exchange/consents', { method: 'POST', headers: { authorization: `ApiKey ${keys[BANK]}`, 'x-road-client': RENTAL, 'content-type': 'application/json' }, body: JSON.stringify({ nationalCode: SARA.nationalCode, services: [PERSON], purpose: 'KYC check', days: 5 }) });
  assert.equal(mismatch.status, 403);
  assert.equal(mismatch.json.error.code, 'client_mismatch');

  const ok = await ask(BANK, { nationalCode: SARA.nationalCode.replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[Number(d)]!) });
  assert.equal(ok.status, 201, ok.text);
  assert.match(ok.json.id, /^[0-9a-f-]{36}$/);
  assert.equal(ok.json.status, 'requested');
  assert.equal(ok.json.nationalCode, SARA.nationalCode, 'Persian digits are normalised');
  assert.equal(ok.json.approveUrl, `${tp.url}/consents/${ok.json.id}`);
  assert.equal(ok.json.token, null);
  const seen = await api(BANK, `/api/exchange/consents/${ok.json.id}`);
  assert.equal(seen.status, 200);
  assert.equal(seen.json.status, 'requested');
  assert.equal((await api(RENTAL, `/api/exchange/consents/${ok.json.id}`)).status, 404, 'another consumer cannot see it');
  assert.equal((await api(BANK, `/api/exchange/consents/${randomUUID()}`)).status, 404);
  assert.equal((await api(BANK, '/api/exchange/consents/not-an-id')).status, 400);
});

test('a person reads the request signed in, someone else cannot; approve needs CSRF; the business gets the token and calls the gateway', async () => {
  const asked = await ask(BANK);
  const id = asked.json.id as string;
  const anon = new Browser(tp.url!);
  const fa = await anon.get(`/consents/${id}`);
  assert.equal(fa.status, 303);
  assert.equal(fa.location, `/account/signin?return=${encodeURIComponent(`/consents/${id}`)}`);
  const en = await anon.get(`/en/consents/${id}`);
  assert.equal(en.location, `/en/account/signin?return=${encodeURIComponent(`/en/consents/${id}`)}`);
  assert.doesNotMatch(fa.body + en.body, /KYC/);

  // Signing in through the redirect brings the person back to the request.
  const sara = new Browser(tp.url!);
  assert.equal(await signInToPortal(sara, tp.url!, SARA, `/consents/${id}`), `/consents/${id}`);
  signedIn.set(SARA.nationalCode, sara);
  const pageFa = await sara.get(`/consents/${id}`);
  assert.equal(pageFa.status, 200);
  assert.match(pageFa.body, /<html lang="fa" dir="rtl">/);
  assert.match(pageFa.body, /بانک آزمایشی &lt;script&gt;/, 'the business name, escaped');
  assert.match(pageFa.body, /IR\/COM\/10100000001/, 'the member id');
  assert.match(pageFa.body, /احراز هویت مشتری/);
  assert.match(pageFa.body, /استعلام هویت/, 'the service name');
  assert.match(pageFa.body, /سازمان ثبت احوال کشور/, 'the provider as the catalogue names it');
  assert.doesNotMatch(pageFa.body, /Identity record|National Organization|as registered on the exchange/, 'no English names on the Persian page');
  assert.match(pageFa.body, /<span lang="en" dir="ltr">Opening a bank account \(KYC\)<\/span>/, 'the business\'s English words are marked as English');
  assert.match(pageFa.body, /شخصی/, 'its classification');
  assert.match(pageFa.body, /Opening a bank account \(KYC\)/);
  assert.match(pageFa.body, /\(۳۰ روز\)|\(۲۹ روز\)/, 'the duration in Persian digits');
  assert.match(pageFa.body, new RegExp(`action="/consents/${id}/approve"`));
  const pageEn = await sara.get(`/en/consents/${id}`);
  assert.equal(pageEn.status, 200);
  assert.match(pageEn.body, /Personal/);
  assert.match(pageEn.body, /Identity record/);
  assert.match(pageEn.body, /National Organization for Civil Registration/);
  assert.match(pageEn.body, /I agree/);

  const reza = await browserOf(REZA);
  const other = await reza.get(`/consents/${id}`);
  assert.equal(other.status, 403);
  assert.doesNotMatch(other.body, /KYC|IR\/COM/, 'nothing of the request is shown to someone else');
  const stolen = await reza.post(`/consents/${id}/approve`, { _csrf: Browser.csrf((await reza.get('/account')).body) });
  assert.equal(stolen.status, 403);

  const noCsrf = await sara.post(`/consents/${id}/approve`, {});
  assert.equal(noCsrf.status, 403);
  assert.equal((await api(BANK, `/api/exchange/consents/${id}`)).json.status, 'requested');

  const approved = await sara.post(`/consents/${id}/approve`, { _csrf: Browser.csrf(pageFa.body) });
  assert.equal(approved.status, 303);
  assert.equal(approved.location, `/consents/${id}`);
  const confirmed = await sara.get(`/consents/${id}`);
  assert.match(confirmed.body, /فعال/);
  assert.match(confirmed.body, /role="status"><h2>رضایت شما ثبت شد<\/h2><p>در [^<]*[۰-۹][^<]* موافقت کردید/, 'the confirmation says when, and what happens next');
  assert.match(confirmed.body, /ردیاب اطلاعات من/);
  assert.match((await sara.get(`/en/consents/${id}`)).body, /Your consent is recorded/);
  const again = await sara.post(`/consents/${id}/approve`, { _csrf: Browser.csrf(pageFa.body) });
  assert.equal(again.status, 409, 'a decided request cannot be decided again');

  const status = await api(BANK, `/api/exchange/consents/${id}`);
  assert.equal(status.json.status, 'active');
  const token = status.json.token as string;
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const a = await gateway(BANK, SARA.nationalCode, token);
  assert.equal(a.status, 200, a.text);
  assert.equal(upstream.hits.at(-1)!.headers['x-panjareh-consent-id'], id);
  assert.equal(upstream.hits.at(-1)!.headers['x-panjareh-consent'], undefined);
  // The token names Sara: it does not open Reza's record.
  assert.equal((await gateway(BANK, REZA.nationalCode, token)).json.type, 'Server.ServerProxy.ConsentInvalid');

  const audited = (await tp.database.db.selectFrom('audit_log').select(['action', 'actor']).where('subject', '=', `consent:${id}`).execute()).map((r) => r.action);
  assert.deepEqual(audited.sort(), ['exchange.consent.approve', 'exchange.consent.request']);
});

test('reject: the business sees it rejected and gets no token; too many undecided requests are refused', async () => {
  const asked = await ask(BANK, { purpose: 'Loan application' });
  const sara = await browserOf(SARA);
  const page = await sara.get(`/consents/${asked.json.id}`);
  const r = await sara.post(`/consents/${asked.json.id}/reject`, { _csrf: Browser.csrf(page.body) });
  assert.equal(r.status, 303);
  const s = await api(BANK, `/api/exchange/consents/${asked.json.id}`);
  assert.equal(s.json.status, 'rejected');
  assert.equal(s.json.token, null);

  const open = (await tp.exchange.consents.list({ subject: REZA.nationalCode, client: BANK, status: 'requested' })).length;
  for (let i = open; i < 5; i++) assert.equal((await ask(BANK, { nationalCode: REZA.nationalCode })).status, 201);
  const flood = await ask(BANK, { nationalCode: REZA.nationalCode });
  assert.equal(flood.status, 409);
  assert.equal(flood.json.error.code, 'too_many_requests');
});

test('a business asks with a Bearer token of its linked OpenID client', async () => {
  const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { clientId } = await tp.identity.clients.add({ name: 'Bank', redirectUris: [], auth: 'private_key_jwt', jwks: { keys: [{ ...k.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }] }, grantTypes: ['client_credentials'] }, 'test');
  await new OAuthClientLinks(tp.database.db, () => tp.exchange.state.reload('keys')).link({ subsystem: BANK, clientId }, 'test');
  const assertion = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(clientId).setSubject(clientId).setAudience(tp.url!).setJti(randomUUID()).setIssuedAt().setExpirationTime('1m').sign(k.privateKey);
  const res = await fetch(`${tp.url}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion, resource: EXCHANGE_RESOURCE }),
  });
  const token = ((await res.json()) as { access_token: string }).access_token;
  // The portal's own verifier follows the link as soon as this node reloads its keys.
  const viaBearer = await api(BANK, '/api/exchange/consents', { nationalCode: SARA.nationalCode, services: [PERSON], purpose: 'Bearer request', days: 3 }, `Bearer ${token}`);
  assert.equal(viaBearer.status, 201, viaBearer.text);
  assert.equal(viaBearer.json.client, BANK);
  assert.equal((await api(BANK, `/api/exchange/consents/${viaBearer.json.id}`, undefined, `Bearer ${token}`)).json.status, 'requested');
  assert.equal((await api(BANK, '/api/exchange/consents', { nationalCode: SARA.nationalCode, services: [PERSON], purpose: 'x'.repeat(10), days: 3 }, 'Bearer not-a-token')).status, 401);
});

test('the data tracker shows the calls that named this person, with consent or legal basis, and not on another person\'s page; revoking stops the token within a second', async () => {
  const sara = await browserOf(SARA);
  const reza = await browserOf(REZA);
  // Under the social-security contract's legal basis, naming Sara.
  assert.equal((await gateway(SSO, SARA.nationalCode)).status, 200);
  const tracker = await sara.get('/account/data-access');
  assert.equal(tracker.status, 200);
  assert.match(tracker.body, /بانک آزمایشی &lt;script&gt;/, 'who: the bank, by name');
  assert.match(tracker.body, /IR\/COM\/10100000001\/kyc/);
  assert.match(tracker.body, /استعلام هویت/, 'which service');
  assert.match(tracker.body, /<span lang="en" dir="ltr">Social Security Act, art\. 38<\/span>/, 'the legal basis as written, marked as English on the Persian page');
  assert.match(tracker.body, /استعلام هویت/);
  assert.doesNotMatch(tracker.body, /Identity record/);
  assert.match(tracker.body, /href="\/consents\/[0-9a-f-]{36}"/, 'a link to the consent');
  assert.match(tracker.body, /اطلاعات داده شد/);
  assert.match(tracker.body, /[۰-۹]{4}/, 'Persian digits (Jalali date)');
  assert.match(tracker.body, /۱۴۰۵/, 'the Jalali year of 2026');
  const en = await sara.get('/en/account/data-access');
  assert.match(en.body, /Social Security Act, art\. 38/);
  assert.match(en.body, /2026/);
  // Sara's rows list newest first: the SSO call comes before the bank's.
  assert.ok(tracker.body.indexOf('Social Security Act') < tracker.body.indexOf('بانک آزمایشی'));

  const rezaPage = await reza.get('/account/data-access');
  assert.equal(rezaPage.status, 200);
  assert.doesNotMatch(rezaPage.body, /Social Security Act/, 'Sara\'s accesses are not on Reza\'s page');
  // Reza was named once (the refused call with Sara's token): his own page shows it as refused.
  assert.match(rezaPage.body, /رد شد: رضایت شما برای این دسترسی معتبر نبود/, 'the refusal in words');
  assert.match(rezaPage.body, /<code>Server\.ServerProxy\.ConsentInvalid<\/code>/, 'the code stays as a detail');
  assert.match((await reza.get('/en/account/data-access')).body, /Refused: your consent was not valid for this read/);

  const anon = await new Browser(tp.url!).get('/account/data-access');
  assert.equal(anon.status, 303);
  assert.match(anon.location!, /^\/account\/signin\?return=/);

  // Revoke from the list; the token stops on the gateway within a second.
  const list = await sara.get('/account/consents');
  assert.equal(list.status, 200);
  const active = (await tp.exchange.consents.list({ subject: SARA.nationalCode, status: 'active' }))[0]!;
  const { token } = (await api(BANK, `/api/exchange/consents/${active.id}`)).json;
  assert.equal((await gateway(BANK, SARA.nationalCode, token)).status, 200);
  assert.match(list.body, new RegExp(`action="/account/consents/${active.id}/revoke"`));
  const revoked = await sara.post(`/account/consents/${active.id}/revoke`, { _csrf: Browser.csrf(list.body) });
  assert.equal(revoked.status, 303);
  assert.equal(revoked.location, `/consents/${active.id}`, 'the consent\'s own page confirms it');
  const after = await sara.get(revoked.location!);
  assert.match(after.body, /role="status"><h2>رضایت را پس گرفتید<\/h2><p>این رضایت را در [^<]*[۰-۹][^<]* پس گرفتید/, 'revoked, and when');
  assert.match((await sara.get('/account/consents')).body, /پس گرفته شده<br><span class="secondary">[^<]*[۰-۹]/, 'the list shows when it was revoked');
  const t0 = Date.now();
  await eventually(async () => (await gateway(BANK, SARA.nationalCode, token)).json?.type === 'Server.ServerProxy.ConsentInvalid', 1000);
  assert.ok(Date.now() - t0 < 1000);
  const s = await api(BANK, `/api/exchange/consents/${active.id}`);
  assert.equal(s.json.status, 'revoked');
  assert.equal(s.json.token, null);
  assert.match((await sara.get('/en/account/consents')).body, /Revoked/);
  const audit = await tp.database.db.selectFrom('audit_log').select(['actor']).where('action', '=', 'exchange.consent.revoke').where('subject', '=', `consent:${active.id}`).execute();
  assert.deepEqual(audit.map((r) => r.actor), [`person:${SARA.nationalCode}`]);
  // Someone else cannot revoke Sara's consents.
  const other = (await tp.exchange.consents.list({ subject: SARA.nationalCode }))[0]!;
  const takeover = await reza.post(`/account/consents/${other.id}/revoke`, { _csrf: Browser.csrf((await reza.get('/account')).body) });
  assert.ok([403, 409].includes(takeover.status), `Reza cannot revoke Sara's consent (${takeover.status})`);
});

test('a second gateway node refuses a revoked consent within a second', async () => {
  const asked = await ask(BANK, { purpose: 'Multi-node check' });
  const id = asked.json.id as string;
  const { token } = await tp.exchange.consents.approve(id, SARA.nationalCode);
  const node2 = await testPlatform({ listen: true, shared: db, env: { PUBLIC_URL: tp.url! } });
  try {
    const on2 = () => call(node2.url!, `/r1/${PERSON}/persons/${SARA.nationalCode}`, { headers: { 'x-road-client': BANK, authorization: `ApiKey ${keys[BANK]}`, 'x-panjareh-consent': token } });
    assert.equal((await on2()).status, 200);
    // Revoked on the first node (through the person's page), refused by the second.
    const sara = await browserOf(SARA);
    const list = await sara.get('/account/consents');
    assert.equal((await sara.post(`/account/consents/${id}/revoke`, { _csrf: Browser.csrf(list.body) })).status, 303);
    const t0 = Date.now();
    await eventually(async () => (await on2()).json?.type === 'Server.ServerProxy.ConsentInvalid', 1000);
    assert.ok(Date.now() - t0 < 1000);
  } finally {
    await node2.dispose();
  }
});
