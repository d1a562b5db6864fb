import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../src/app.js';
import { Documents, formatNumber, type IssueRequest, type IssuedDocument } from '../src/documents/index.js';
import { freePort, freshDatabase, testPlatform, type TestPlatform } from './harness.js';

/**
 * The public verification of issued documents, end to end on real servers: two nodes on one
 * database, so a revocation made through one is what a verifier asking the other sees next.
 * The pages and the API are the portal role's own (src/app.ts), with their default rate limit.
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
  const unknown = 'K7QF-3M9X-ABCD-EFGH2';
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
