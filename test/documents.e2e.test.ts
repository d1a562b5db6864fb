import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../src/app.js';
import { connectDocumentsToExchange, DEMO_BANK, Documents, formatNumber, seedDemoVerifier, VERIFICATION_SERVICE, type IssueRequest, type IssuedDocument } from '../src/documents/index.js';
import { nationalCodeCheckDigit } from '../src/platform/national-code.js';
import type { ExchangeAuditRecord } from '../src/exchange/index.js';
import { Browser } from './browser.js';
import { applicant, delivery, prefill } from './casework-fixtures.js';
import { call, recordAudit } from './exchange-helpers.js';
import { catalogFile, service } from './fixtures.js';
import { freePort, freshDatabase, testPlatform, type TestPlatform } from './harness.js';
import { signInToPortal } from './signin.js';

/**
 * The public verification of issued documents, end to end on real servers: two nodes on one
 * database, so a revocation made through one is what a verifier asking the other sees next.
 * The pages and the API are the portal role's own (src/app.ts), with their default rate limit.
 * Then the exchange service IR/GOV/PANJAREH/documents/verification through node A's gateway, and a
 * revocation by the issuing agency in the staff console (src/web/console/documents-*.ts).
 */

interface Node {
  platform: TestPlatform;
  app: FastifyInstance;
  url: string;
  documents: Documents;
}

/** The verification lookups one address may make a minute (src/web/documents/routes.ts, src/documents/routes.ts). */
const RATE_PER_MINUTE = 60;

async function startNode(shared: Awaited<ReturnType<typeof freshDatabase>>): Promise<Node> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const platform = await testPlatform({ shared, env: { PUBLIC_URL: url } });
    const app = await buildServer(platform);
    try {
      await app.listen({ port, host: '127.0.0.1' });
      return { platform, app, url, documents: platform.documents };
    } catch (e) {
      await app.close();
      await platform.dispose();
      if ((e as { code?: string }).code !== 'EADDRINUSE' || attempt === 5) throw e;
    }
  }
}

let shared: Awaited<ReturnType<typeof freshDatabase>>;
let a: Node;
let b: Node;

before(async () => {
  shared = await freshDatabase();
  a = await startNode(shared);
  b = await startNode(shared);
  await setUpConsoleAndExchange();
});

after(async () => {
  for (const n of [a, b]) {
    if (!n) continue;
    await n.app.close();
    await n.platform.dispose();
  }
  await shared?.drop();
});

const request: IssueRequest = {
  type: 'criminal-record-certificate',
  title: { fa: 'گواهی عدم سوءپیشینه', en: 'Criminal record certificate' },
  organization: { code: 'JUDICIARY', name: { fa: 'قوه قضاییه', en: 'Judiciary' } },
  holder: { nationalCode: '0012345679', name: { fa: 'علی محمدی', en: 'Ali Mohammadi' } },
  fields: [{ key: 'purpose', label: { fa: 'منظور', en: 'Purpose' }, value: 'ارائه به سفارت' }],
  validDays: 90,
};

/** A well-formed number (its check character is right) that no document has. */
const UNKNOWN = 'K7QF-3M9X-ABCD-EFGHX';

const get = (url: string, accept = 'text/html') => fetch(url, { headers: { accept }, redirect: 'manual' });
const toPersian = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)));

test('a valid document: the Persian and English pages and the JSON say so, with the holder masked', async () => {
  const doc = await a.documents.issue(a.platform.database.db, request);
  const number = formatNumber(doc.id);

  const fa = await get(`${a.url}/verify/${number}`);
  assert.equal(fa.status, 200);
  assert.equal(fa.headers.get('cache-control'), 'no-store');
  const faHtml = await fa.text();
  assert.match(faHtml, /<html lang="fa" dir="rtl">/);
  assert.match(faHtml, /data-status="valid"/);
  assert.match(faHtml, /معتبر/);
  assert.match(faHtml, /گواهی عدم سوءپیشینه/);
  assert.match(faHtml, /قوه قضاییه/);
  assert.ok(faHtml.includes('ع*** م***'), 'the name, masked');
  assert.ok(!faHtml.includes('علی محمدی') && !faHtml.includes('0012345679') && !faHtml.includes(toPersian('0012345679')), 'neither the name nor the national code');
  assert.ok(faHtml.includes('آذر') || faHtml.includes('دی'), 'a Jalali date');

  const en = await get(`${a.url}/en/verify/${number}`);
  assert.equal(en.status, 200);
  const enHtml = await en.text();
  assert.match(enHtml, /<html lang="en" dir="ltr">/);
  assert.match(enHtml, /Valid/);
  assert.ok(enHtml.includes('A*** M***'));

  const api = await get(`${b.url}/api/v1/documents/${number}/verification`, 'application/json');
  assert.equal(api.status, 200);
  const v = (await api.json()) as Record<string, any>;
  assert.equal(v.id, doc.id);
  assert.equal(v.number, number);
  assert.equal(v.status, 'valid');
  assert.equal(v.type, 'criminal-record-certificate');
  assert.deepEqual(v.issuer, { code: 'JUDICIARY', name: { fa: 'قوه قضاییه', en: 'Judiciary' } });
  assert.deepEqual(v.holder, { fa: 'ع*** م***', en: 'A*** M***' });
  assert.equal(v.expiresAt, doc.expiresAt);
  assert.equal(v.nationalCode, undefined);
});

test('the form: a number typed with Persian digits, small letters and spaces leads to its page; a wrong one is explained', async () => {
  const doc = await a.documents.issue(a.platform.database.db, request);
  const typed = toPersian(formatNumber(doc.id).toLowerCase().replace(/-/g, ' '));
  const res = await get(`${a.url}/verify?number=${encodeURIComponent(typed)}`);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `/verify/${formatNumber(doc.id)}`);
  const en = await get(`${a.url}/en/verify?number=${encodeURIComponent(doc.id)}`);
  assert.equal(en.headers.get('location'), `/en/verify/${formatNumber(doc.id)}`);
  // The address without dashes is the same document's: one canonical address.
  const plain = await get(`${a.url}/verify/${doc.id}`);
  assert.equal(plain.status, 301);
  assert.equal(plain.headers.get('location'), `/verify/${formatNumber(doc.id)}`);

  const form = await get(`${a.url}/verify`);
  assert.equal(form.status, 200);
  const formHtml = await form.text();
  assert.match(formHtml, /<form method="get" action="\/verify"/);
  assert.match(formHtml, /name="number"/);

  const bad = await get(`${a.url}/verify?number=ABC-123`);
  assert.equal(bad.status, 400);
  const badHtml = await bad.text();
  assert.match(badHtml, /class="error-summary"/);
  assert.match(badHtml, /aria-invalid="true"/);
  assert.match(badHtml, /value="ABC-123"/);
  const badEn = await (await get(`${a.url}/en/verify?number=nope`)).text();
  assert.match(badEn, /not a valid document number/);
});

test('unknown numbers: a 404 page, and a 404 in the platform’s error format from the API', async () => {
  // A well-formed number (its check character is right) that was never issued.
  const unknown = UNKNOWN;
  const page = await get(`${a.url}/verify/${unknown}`);
  assert.equal(page.status, 404);
  const html = await page.text();
  assert.match(html, /data-status="unknown"/);
  assert.match(html, /سندی با این شماره پیدا نشد/);
  const garbage = await get(`${a.url}/en/verify/not-a-number`);
  assert.equal(garbage.status, 404);
  assert.match(await garbage.text(), /No document has this number/);

  for (const id of [unknown, 'not-a-number']) {
    const res = await get(`${a.url}/api/v1/documents/${id}/verification`, 'application/json');
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { code: string; message: { fa: string; en: string } } };
    assert.equal(body.error.code, 'not_found');
    assert.ok(body.error.message.fa.length > 0 && body.error.message.en.length > 0);
  }
});

test('a revocation through one node is seen at once on the other, by the page, the API and the status list', async () => {
  const doc: IssuedDocument = await a.documents.issue(a.platform.database.db, request);
  const number = formatNumber(doc.id);
  // Node B has read the document (and would have cached it, were anything cached).
  assert.equal(((await (await get(`${b.url}/api/v1/documents/${number}/verification`, 'application/json')).json()) as { status: string }).status, 'valid');
  const listBefore = await get(`${b.url}/credentials/status/0`, '*/*');
  assert.equal(listBefore.status, 200);
  assert.match(listBefore.headers.get('content-type') ?? '', /application\/statuslist\+jwt/);

  await a.documents.revoke({ username: 'judiciary-clerk', organization: 'JUDICIARY' }, doc.id, { fa: 'صدور اشتباه', en: 'Issued in error' });

  const v = (await (await get(`${b.url}/api/v1/documents/${number}/verification`, 'application/json')).json()) as Record<string, any>;
  assert.equal(v.status, 'revoked');
  assert.ok(v.revokedAt);
  assert.deepEqual(v.revokedReason, { fa: 'صدور اشتباه', en: 'Issued in error' });
  const page = await (await get(`${b.url}/verify/${number}`)).text();
  assert.match(page, /data-status="revoked"/);
  assert.match(page, /باطل شده/);
  assert.match(page, /صدور اشتباه/);
  const enPage = await (await get(`${b.url}/en/verify/${number}`)).text();
  assert.match(enPage, /Revoked/);
  assert.match(enPage, /Issued in error/);

  // The wallet's view: the token status list on node B has the document's bit set.
  const sdJwt = (await a.documents.credential(doc.id))!;
  const claims = JSON.parse(Buffer.from(sdJwt.split('.')[1]!, 'base64url').toString()) as { status: { status_list: { idx: number; uri: string } } };
  assert.equal(claims.status.status_list.uri, `${a.url}/credentials/status/0`);
  const { getListFromStatusListJWT } = await import('@sd-jwt/jwt-status-list');
  const list = getListFromStatusListJWT(await (await get(`${b.url}/credentials/status/0`, '*/*')).text());
  assert.equal(list.getStatus(claims.status.status_list.idx), 1);
});

test('the credential issuer metadata publishes the verification keys, and a credential type its names', async () => {
  const res = await get(`${a.url}/.well-known/jwt-vc-issuer`, 'application/json');
  assert.equal(res.status, 200);
  const meta = (await res.json()) as { issuer: string; jwks: { keys: Array<Record<string, string>> } };
  assert.equal(meta.issuer, a.url);
  assert.ok(meta.jwks.keys.length >= 1);
  assert.equal(meta.jwks.keys[0]!.kty, 'EC');
  assert.equal(meta.jwks.keys[0]!.d, undefined, 'no private part');

  // The credential type resolves to its name in both languages once a document of it exists.
  await a.documents.issue(a.platform.database.db, request);
  const type = await get(`${a.url}/credentials/criminal-record-certificate`, 'application/json');
  assert.equal(type.status, 200);
  const typeMeta = (await type.json()) as { vct: string; name: string; display: Array<{ locale: string; name: string }> };
  assert.equal(typeMeta.vct, `${a.url}/credentials/criminal-record-certificate`);
  assert.deepEqual(typeMeta.display.map((d) => d.name), ['گواهی عدم سوءپیشینه', 'Criminal record certificate']);
  assert.equal((await get(`${a.url}/credentials/never-issued`, 'application/json')).status, 404);
});

test('verification lookups are rate-limited per address', async () => {
  const db = await freshDatabase();
  const c = await startNode(db);
  try {
    const codes: number[] = [];
    for (let i = 0; i <= RATE_PER_MINUTE; i++) codes.push((await get(`${c.url}/api/v1/documents/K7QF-3M9X-ABCD-EFGH2/verification`, 'application/json')).status);
    assert.deepEqual(codes, [...Array(RATE_PER_MINUTE).fill(404), 429]);
    const limited = await get(`${c.url}/api/v1/documents/K7QF-3M9X-ABCD-EFGH2/verification`, 'application/json');
    assert.equal(((await limited.json()) as { error: { code: string } }).error.code, 'rate_limited');
  } finally {
    await c.app.close();
    await c.platform.dispose();
    await db.drop();
  }
});

// The exchange service and the issuing agency's revocation in the staff console.

const code = (first9: string) => `${first9}${nationalCodeCheckDigit(first9)}`;
/** A caseworker of the issuing agency (NOCR) and one of another agency (POST), who sign in to the console (on node B; the gateway is called on node A). */
const STAFF = {
  nocr: { nationalCode: code('444555771'), mobile: '09304445571' },
  post: { nationalCode: code('444555772'), mobile: '09304445572' },
};
const HOLDER = code('555666781');
const NOCR = { code: 'NOCR', name: { fa: 'سازمان ثبت احوال کشور', en: 'National Organization for Civil Registration' } };
const OTHER_CLIENT = 'IR/COM/10100000002/kyc';
let bankKey = '';
let otherKey = '';
let audit: Map<string, ExchangeAuditRecord>;
let applicationId = '';
const browsers = new Map<keyof typeof STAFF, Browser>();

/** The console's staff and the exchange's consumers, on node A (run by `before` once both nodes are up). */
async function setUpConsoleAndExchange() {
  const p = a.platform;
  const file = catalogFile();
  file.services.push(service('NOCR-0009', 'NOCR', ['گواهی تجرد', 'Certificate of single status'], { delivery: delivery('NOCR') }) as never);
  await p.catalog.import(file, { actor: 'test' });
  await p.catalog.read.rebuild();
  await b.platform.catalog.read.rebuild();
  for (const [who, fa, en] of [['nocr', 'مینا', 'Mina'], ['post', 'نگار', 'Negar']] as const) {
    await p.agencies.addPerson({ ...STAFF[who], firstName: { fa, en }, lastName: { fa: 'کارمند', en: 'Staff' }, birthDate: '1985-01-01', gender: 'female' }, 'test');
    await p.identity.staffGrants.grant({ nationalCode: STAFF[who].nationalCode, role: 'caseworker', organization: who.toUpperCase() }, 'test');
  }
  // Fresh working days before the application's transaction asks for them (see console-casework.e2e.test.ts).
  await p.calendar.reload();
  applicationId = (await p.services.applications.create(applicant(HOLDER, 'علی محمدی', 'Ali Mohammadi'), 'NOCR-0009', { purpose: 'work' }, 'documents-e2e-0001', prefill('حسن'))).application.id;

  // The service, its upstream on node A (the test picks the port, so it is given rather than read from the config), idempotently.
  const first = await connectDocumentsToExchange(p, { loopbackBaseUrl: a.url });
  assert.deepEqual(first, { member: true, subsystem: true, service: true, updated: false, upstream: `${a.url}/platform-backends/documents/verification`, warning: null });
  const again = await connectDocumentsToExchange(p, { loopbackBaseUrl: a.url });
  assert.deepEqual([again.member, again.subsystem, again.service, again.updated], [false, false, false, false], 'a second start registers nothing');
  assert.deepEqual(await seedDemoVerifier(p.exchange, 'test'), { contract: true }, 'the demo bank’s contract');
  assert.deepEqual(await seedDemoVerifier(p.exchange, 'test'), { contract: false });
  await p.exchange.registry.addMember({ id: 'IR/COM/10100000002', name: 'Another bank' }, 'test');
  await p.exchange.registry.addSubsystem({ id: OTHER_CLIENT }, 'test');
  bankKey = (await p.exchange.apiKeys.create(DEMO_BANK.client, { label: 'test' }, 'test')).key;
  otherKey = (await p.exchange.apiKeys.create(OTHER_CLIENT, { label: 'test' }, 'test')).key;
  audit = recordAudit(p);
}

const issueNocr = () => a.documents.issue(a.platform.database.db, { ...request, organization: NOCR, holder: { nationalCode: HOLDER, name: request.holder.name }, applicationId });
const viaGateway = (number: string, client: string = DEMO_BANK.client, key = bankKey) =>
  call(a.url, `/r1/${VERIFICATION_SERVICE}/${encodeURIComponent(number)}`, { headers: { 'x-road-client': client, authorization: `ApiKey ${key}` } });
const words = (body: string) => body.replace(/<[^>]+>/g, '');

async function staff(who: keyof typeof STAFF): Promise<Browser> {
  const known = browsers.get(who);
  if (known) return known;
  // On node B, whose address the portal's sign-in client was registered with last (both nodes register it at start).
  const br = new Browser(b.url);
  assert.equal(await signInToPortal(br, b.url, STAFF[who], '/console'), '/console');
  browsers.set(who, br);
  return br;
}

test('the exchange service: a bank with a contract verifies a number through the gateway as the public API answers it, audited; without a contract, refused; an unknown number, 404', async () => {
  const doc = await issueNocr();
  const number = formatNumber(doc.id);
  const r = await viaGateway(number);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers['cache-control'], 'no-store');
  const api = (await (await get(`${b.url}/api/v1/documents/${number}/verification`, 'application/json')).json()) as Record<string, unknown>;
  assert.deepEqual(r.json, api, 'what the public API answers');
  assert.equal(r.json.status, 'valid');
  assert.deepEqual(r.json.holder, { fa: 'ع*** م***', en: 'A*** M***' });
  assert.ok(!r.text.includes(HOLDER) && !r.text.includes('علی محمدی'), 'never the national code or the name');
  // In the exchange's audit log like any other call, with the holder as the person the number names (their data tracker).
  const rec = audit.get(String(r.headers['x-road-id']));
  assert.ok(rec, 'audited');
  assert.deepEqual([rec.client, rec.service, rec.status, rec.subject, rec.persons], [DEMO_BANK.client, VERIFICATION_SERVICE, 200, number, [HOLDER]]);
  // The number as people type it.
  assert.equal((await viaGateway(doc.id.toLowerCase())).json?.id, doc.id);

  const refused = await viaGateway(number, OTHER_CLIENT, otherKey);
  assert.equal(refused.status, 403);
  assert.equal(refused.headers['x-road-error'], 'Server.ServerProxy.AccessDenied');
  assert.ok(!refused.text.includes('ع***'), 'nothing of the document');

  const unknown = await viaGateway(UNKNOWN);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json?.error?.code, 'not_found');
  assert.equal(audit.get(String(unknown.headers['x-road-id']))?.status, 404);
  assert.equal((await viaGateway('not-a-number')).status, 404);

  // Its OpenAPI document, through the metaservice.
  const openapi = await call(a.url, `/r1/IR/GOV/PANJAREH/documents/getOpenAPI?serviceCode=verification`, { headers: { 'x-road-client': DEMO_BANK.client, authorization: `ApiKey ${bankKey}` } });
  assert.equal(openapi.status, 200);
  assert.ok(openapi.json.paths['/{documentNumber}'].get.responses['404']);
  // The back-end answers the gateway only: not a request a proxy forwarded, and the holder's lookup not without the gateway's header.
  assert.equal((await call(a.url, `/platform-backends/documents/verification/${number}`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 403);
  assert.equal((await call(a.url, `/platform-backends/documents/verification/subjects/${number}`)).status, 403);
});

test('the console: the issuing agency’s caseworker finds a document, revokes it with a reason; the page, the API and the exchange service say so at once', async () => {
  const doc = await issueNocr();
  const number = formatNumber(doc.id);
  assert.equal((await viaGateway(number)).json.status, 'valid');
  const cw = await staff('nocr');
  // The queue (a caseworker's home) links to the documents, and the application to its document.
  assert.match((await cw.get('/console/applications')).body, /href="\/console\/documents"/);
  const application = await cw.get(`/console/applications/${applicationId}`);
  assert.match(application.body, new RegExp(`href="/console/documents/${number}"`));

  const form = await cw.get('/console/documents');
  assert.equal(form.status, 200);
  assert.match(form.body, /<form method="get" action="\/console\/documents"/);
  const bad = await cw.get('/console/documents?number=ABC-123');
  assert.equal(bad.status, 400);
  assert.match(bad.body, /<div class="error-summary"[\s\S]*?<a href="#number">/);
  assert.match(bad.body, /<input type="text" id="number" name="number" value="ABC-123"[^>]*aria-invalid="true"/);
  assert.equal((await cw.get(`/console/documents?number=${UNKNOWN}`)).status, 404);
  const typed = toPersian(doc.id.toLowerCase());
  const found = await cw.get(`/console/documents?number=${encodeURIComponent(typed)}`);
  assert.equal(found.status, 303);
  assert.equal(found.location, `/console/documents/${number}`);

  const page = await cw.get(found.location!);
  assert.equal(page.status, 200);
  assert.match(words(page.body), /ع\*\*\* م\*\*\*/, 'the holder masked');
  assert.ok(!page.body.includes('علی محمدی') && !page.body.includes(HOLDER) && !page.body.includes(toPersian(HOLDER)), 'neither the name nor the national code');
  assert.match(words(page.body), /معتبر/);
  assert.match(page.body, new RegExp(`href="/console/applications/${applicationId}"`));

  // Without the CSRF token: refused, nothing changes.
  assert.equal((await cw.post(`/console/documents/${number}/revoke`, { reason_fa: 'صدور اشتباه' })).status, 403);
  assert.equal((await a.documents.get(doc.id))!.status, 'valid');
  // Without a reason: the page again, the problem on its field.
  const empty = await cw.post(`/console/documents/${number}/revoke`, { _csrf: Browser.csrf(page.body), reason_fa: '  ', reason_en: 'x'.repeat(501) });
  assert.equal(empty.status, 400);
  assert.match(empty.body, /<div class="error-summary"[\s\S]*?<a href="#reason_fa">[\s\S]*?<a href="#reason_en">/);
  assert.match(empty.body, /<textarea id="reason_fa" name="reason_fa"[^>]*aria-invalid="true"/);

  const revoked = await cw.post(`/console/documents/${number}/revoke`, { _csrf: Browser.csrf(page.body), reason_fa: 'صدور اشتباه', reason_en: '' });
  assert.equal(revoked.status, 303);
  assert.equal(revoked.location, `/console/documents/${number}`);
  const after = await cw.get(revoked.location!);
  assert.match(after.body, /class="panel panel--confirmation"/, 'the confirmation, once');
  assert.match(words(after.body), /باطل شده/);
  assert.doesNotMatch(after.body, /\/revoke"/, 'no form any more');
  assert.doesNotMatch((await cw.get(revoked.location!)).body, /panel--confirmation/);
  assert.match(words((await cw.get(`/en/console/documents/${number}`)).body), /Revoked[\s\S]*صدور اشتباه/, 'the English page, the Persian reason when no English one was given');

  // At once, everywhere: the gateway, the API and the page on the other node.
  const gw = await viaGateway(number);
  assert.equal(gw.json.status, 'revoked');
  assert.deepEqual(gw.json.revokedReason, { fa: 'صدور اشتباه', en: 'صدور اشتباه' });
  const v = (await (await get(`${b.url}/api/v1/documents/${number}/verification`, 'application/json')).json()) as { status: string };
  assert.equal(v.status, 'revoked');
  assert.match(await (await get(`${b.url}/verify/${number}`)).text(), /data-status="revoked"/);
  const audited = await a.platform.database.db.selectFrom('audit_log').select(['actor']).where('action', '=', 'documents.revoke').where('subject', '=', `document:${doc.id}`).execute();
  assert.deepEqual(audited, [{ actor: `person:${STAFF.nocr.nationalCode}` }]);

  // Twice: a clear refusal.
  const twice = await cw.post(`/console/documents/${number}/revoke`, { _csrf: Browser.csrf(page.body), reason_fa: 'دوباره' });
  assert.equal(twice.status, 409);
  assert.match(words(twice.body), /پیش‌تر باطل شده است/);
});

test('another agency’s caseworker: the document does not exist for them, and a revocation is refused and audited', async () => {
  const doc = await issueNocr();
  const number = formatNumber(doc.id);
  const post = await staff('post');
  assert.equal((await post.get(`/console/documents/${number}`)).status, 404);
  const search = await post.get(`/console/documents?number=${number}`);
  assert.equal(search.status, 404);
  assert.match(search.body, /<a href="#number">/);
  const r = await post.post(`/console/documents/${number}/revoke`, { _csrf: Browser.csrf(search.body), reason_fa: 'ابطال' });
  assert.equal(r.status, 403);
  assert.equal((await a.documents.get(doc.id))!.status, 'valid');
  const refused = await a.platform.database.db.selectFrom('audit_log').select(['actor', 'detail']).where('action', '=', 'documents.revoke.refused').where('subject', '=', `document:${doc.id}`).execute();
  assert.equal(refused.length, 1);
  assert.equal(refused[0]!.actor, `person:${STAFF.post.nationalCode}`);
  assert.deepEqual(JSON.parse(String(refused[0]!.detail)), { organization: 'POST' });
  assert.equal((await viaGateway(number)).json.status, 'valid');
});
