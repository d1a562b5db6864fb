import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nationalCodeCheckDigit } from '../src/platform/national-code.js';
import { Browser } from './browser.js';
import { catalogFile } from './fixtures.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { signInToPortal } from './signin.js';

/**
 * The console's relying-party and exchange forms behave as its catalogue form does: a form with
 * several mistakes lists every one at once in the error summary, each linked to its field, the field
 * marked invalid with its message beside it, in the page's language. Also: which exchange members an
 * agency's editor speaks for comes from the catalogue's links, and names show in the page's language.
 */

let tp: TestPlatform;
const person = (first9: string, mobile: string) => ({ nationalCode: `${first9}${nationalCodeCheckDigit(first9)}`, mobile });
const PEOPLE = {
  admin: person('333444555', '09303334455'),
  editorTraffic: person('333444556', '09303334456'),
  editorPost: person('333444557', '09303334457'),
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

before(async () => {
  tp = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'true' } });
  // The traffic police (RAHVAR) is the exchange member IR/GOV/NAJA: a code unlike its own, linked in the catalogue.
  const file = catalogFile();
  file.organizations = file.organizations.map((o) => (o.code === 'RAHVAR' ? { ...o, exchangeMembers: ['IR/GOV/NAJA'] } : o));
  await tp.catalog.import(file, { actor: 'test' });
  await tp.agencies.seed();
  await tp.agencies.addPerson({ ...PEOPLE.admin, firstName: { fa: 'مریم', en: 'Maryam' }, lastName: { fa: 'احمدی', en: 'Ahmadi' }, birthDate: '1980-01-01', gender: 'female' }, 'test');
  for (const who of ['editorTraffic', 'editorPost'] as const) {
    await tp.agencies.addPerson({ ...PEOPLE[who], firstName: who, lastName: 'Staff', birthDate: '1980-01-01', gender: 'male' }, 'test');
  }
  await tp.identity.staffGrants.grant({ nationalCode: PEOPLE.admin.nationalCode, role: 'admin' }, 'test');
  await tp.identity.staffGrants.grant({ nationalCode: PEOPLE.editorTraffic.nationalCode, role: 'editor', organization: 'RAHVAR' }, 'test');
  await tp.identity.staffGrants.grant({ nationalCode: PEOPLE.editorPost.nationalCode, role: 'editor', organization: 'POST' }, 'test');
});
after(async () => {
  await tp.dispose();
});

/** The fields the error summary links to, in its order. */
function summaryLinks(body: string): string[] {
  const box = /<div class="error-summary"[\s\S]*?<\/ul><\/div>/.exec(body)?.[0];
  assert.ok(box, 'an error summary');
  return [...box.matchAll(/<li><a href="#([^"]+)">/g)].map((m) => m[1]!);
}

/** The summary lists exactly these fields; each link leads to a control of the page, marked invalid and described by its message. */
function assertProblems(body: string, fields: string[]): void {
  assert.deepEqual(summaryLinks(body), fields);
  for (const f of new Set(fields)) {
    const control = new RegExp(`<(input|textarea|select)\\b[^>]*\\bid="${f}"[^>]*>`).exec(body)?.[0];
    assert.ok(control, `a control with id="${f}"`);
    assert.match(control, /aria-invalid="true"/, f);
    assert.match(control, new RegExp(`aria-describedby="[^"]*\\b${f}-error\\b`), f);
    assert.match(body, new RegExp(`<span class="error-message" id="${f}-error">`), `${f}'s message beside it`);
  }
}

/** The summary's text and the fields' messages, without markup: what a person reads. */
const words = (body: string) => body.replace(/<[^>]+>/g, '');

test('the relying-party form lists every problem at once, each on its field, in the page’s language', async () => {
  const admin = await staff('admin');
  const bad = {
    name: '',
    redirect_uris: 'http://evil.example/cb\r\nnot a url',
    post_logout_redirect_uris: 'ftp://tax.example/',
    auth: 'private_key_jwt',
    jwks_uri: '',
    backchannel_logout_uri: 'http://tax.example/logout',
  };
  const fa = await admin.submit('/console/relying-parties', '/console/relying-parties', bad);
  assert.equal(fa.status, 400);
  assertProblems(fa.body, ['name', 'redirect_uris', 'redirect_uris', 'post_logout_redirect_uris', 'jwks_uri', 'backchannel_logout_uri']);
  assert.match(words(fa.body), /نام سامانه لازم است/);
  assert.match(words(fa.body), /برای private_key_jwt نشانی کلیدهای عمومی/);
  assert.match(fa.body, /value="http:\/\/tax.example\/logout"/, 'what was typed is kept');

  const en = await admin.submit('/en/console/relying-parties', '/en/console/relying-parties', bad);
  assert.equal(en.status, 400);
  assertProblems(en.body, ['name', 'redirect_uris', 'redirect_uris', 'post_logout_redirect_uris', 'jwks_uri', 'backchannel_logout_uri']);
  assert.match(words(en.body), /A client name is required/);
  assert.match(words(en.body), /not a url\S* is not an absolute URL/);
  assert.doesNotMatch(words(en.body), /نام سامانه لازم است/, 'no Persian message on the English page');
  assert.equal((await tp.identity.clients.list()).filter((c) => c.clientId !== 'panjareh-portal').length, 0, 'nothing was registered');
});

test('the exchange’s member and subsystem forms list every problem; names are kept in both languages and shown in the page’s', async () => {
  const admin = await staff('admin');
  const empty = await admin.submit('/console/exchange', '/console/exchange/members', { member_id: '', member_name: '', member_name_fa: '' });
  assert.equal(empty.status, 400);
  assertProblems(empty.body, ['member_id', 'member_name']);
  assert.match(words(empty.body), /نام عضو لازم است/);

  // Made with a Persian and an English name: a redirect, then each page shows its language's name.
  const made = await admin.submit('/console/exchange', '/console/exchange/members', { member_id: 'IR/COM/555', member_name_fa: 'بانک نمونه', member_name: 'Sample Bank' });
  assert.equal(made.status, 303);
  assert.equal(made.location, '/console/exchange');
  const member = (await tp.exchange.registry.members()).find((m) => m.id === 'IR/COM/555');
  assert.deepEqual([member?.name, member?.nameFa], ['Sample Bank', 'بانک نمونه']);
  assert.match((await admin.get('/console/exchange')).body, /IR\/COM\/555<\/td><td><span dir="auto">بانک نمونه<\/span>/);
  assert.match((await admin.get('/en/console/exchange')).body, /IR\/COM\/555<\/td><td><span lang="en" dir="ltr">Sample Bank<\/span>/);
  // Named in Persian only: the one name serves both.
  assert.equal((await admin.submit('/console/exchange', '/console/exchange/members', { member_id: 'IR/GOV/NAJA', member_name_fa: 'فرماندهی انتظامی', member_name: '' })).status, 303);
  assert.equal((await tp.exchange.registry.members()).find((m) => m.id === 'IR/GOV/NAJA')?.nameFa, 'فرماندهی انتظامی');

  const taken = await admin.submit('/en/console/exchange', '/en/console/exchange/members', { member_id: 'IR/COM/555', member_name: '', member_name_fa: '' });
  assert.equal(taken.status, 400, 'a conflict and a missing name together are one 400');
  assertProblems(taken.body, ['member_id', 'member_name']);
  assert.match(words(taken.body), /The member IR\/COM\/555 is already registered/);

  const subsystem = await admin.submit('/console/exchange', '/console/exchange/subsystems', { subsystem_id: 'IR/GOV/NOWHERE/x', subsystem_name_fa: 'ن'.repeat(201), subsystem_name: '' });
  assert.equal(subsystem.status, 400);
  assertProblems(subsystem.body, ['subsystem_id', 'subsystem_name_fa']);
  assert.match(words(subsystem.body), /نام فارسی بیش از ۲۰۰ نویسه است/);
  assert.equal((await admin.submit('/console/exchange', '/console/exchange/subsystems', { subsystem_id: 'IR/COM/555/app', subsystem_name_fa: 'برنامهٔ همراه', subsystem_name: 'Mobile app' })).status, 303);
  assert.equal((await tp.exchange.registry.subsystems('IR/COM/555'))[0]?.nameFa, 'برنامهٔ همراه');
});

/** A multipart post (the service form with an OpenAPI file), with the browser's cookies. */
async function postMultipart(b: Browser, path: string, fields: Record<string, string>, file: { field: string; name: string; text: string }) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append(file.field, new Blob([file.text], { type: 'application/json' }), file.name);
  const res = await fetch(`${tp.url}${path}`, { method: 'POST', body: form, redirect: 'manual', headers: { accept: 'text/html', cookie: b.cookieList().map(([k, v]) => `${k}=${v}`).join('; ') } });
  return { status: res.status, body: await res.text() };
}

test('the data-service form lists every problem, the OpenAPI document’s too, in the page’s language', async () => {
  const admin = await staff('admin');
  const empty = await admin.submit('/console/exchange/services/new', '/console/exchange/services', { id: '', name_fa: '', name: '', upstream: '', classification: 'personal', subject_in: '', subject_name: '', openapi_text: '' });
  assert.equal(empty.status, 400);
  assertProblems(empty.body, ['id', 'upstream', 'subject_name']);
  assert.match(words(empty.body), /برای دادهٔ شخصی باید محل شناسهٔ شخص/);

  const en = await admin.submit('/en/console/exchange/services/new', '/en/console/exchange/services', { id: 'IR/GOV/NAJA/fines/list', name_fa: '', name: '', upstream: 'ftp://fines.example', classification: 'public', subject_in: 'path', subject_name: '', openapi_text: '{"openapi": "2.0"}' });
  assert.equal(en.status, 400);
  assertProblems(en.body, ['id', 'upstream', 'subject_name', 'openapi_text']);
  assert.match(words(en.body), /The subsystem IR\/GOV\/NAJA\/fines was not found/);
  assert.match(words(en.body), /with a 3\.x version/);

  // A file and pasted text both: which one is meant is the person's to say, and the rest is checked meanwhile.
  const page = await admin.get('/console/exchange/services/new');
  const both = await postMultipart(admin, '/console/exchange/services', { _csrf: Browser.csrf(page.body), id: 'IR/COM/555/app/kyc', name_fa: '', name: '', upstream: 'not a url', classification: 'public', subject_in: '', subject_name: '', openapi_text: '{}' }, { field: 'openapi_file', name: 'a.json', text: '{}' });
  assert.equal(both.status, 400);
  assertProblems(both.body, ['upstream', 'openapi_text']);
  assert.match(words(both.body), /نه هر دو/);
  assert.equal((await tp.exchange.registry.services()).length, 0, 'nothing was registered');
});

test('the contract and key forms list every problem at once', async () => {
  const admin = await staff('admin');
  const contract = await admin.submit('/console/exchange/contracts', '/console/exchange/contracts', {
    client: 'IR/GOV/NOWHERE/x',
    service: 'not-a-service',
    methods: 'TRACE',
    paths: 'relative',
    rate: 'fast',
    quota: '-3',
    expires: 'tomorrow',
    purpose: '',
    legal_basis: '',
    covers_personal: 'on',
  });
  assert.equal(contract.status, 400);
  assertProblems(contract.body, ['client', 'service', 'methods', 'paths', 'rate', 'quota', 'expires', 'legal_basis']);
  assert.match(words(contract.body), /شمار درخواست در ثانیه باید عدد صحیح از ۱ تا/);
  assert.match(contract.body, /value="fast"/, 'what was typed is kept');
  const contractEn = await admin.submit('/en/console/exchange/contracts', '/en/console/exchange/contracts', { client: 'IR/GOV/NOWHERE/x', service: 'not-a-service', methods: 'GET', paths: '/**', rate: '۱۰', quota: 'none', expires: '', purpose: '' });
  assert.equal(contractEn.status, 400);
  assertProblems(contractEn.body, ['client', 'service']);
  assert.match(words(contractEn.body), /The subsystem IR\/GOV\/NOWHERE\/x was not found/);

  const key = await admin.submit('/console/exchange/keys', '/console/exchange/keys', { subsystem: 'IR/COM/1/none', label: 'x', expires: '2001-01-01' });
  assert.equal(key.status, 400);
  assertProblems(key.body, ['subsystem', 'expires']);
  assert.match(words(key.body), /تاریخ انقضا گذشته است/);
  assert.equal((await tp.exchange.apiKeys.list()).length, 0);
});

test('an agency’s editor decides on the contracts of the members the catalogue links to its organisation, and no others', async () => {
  const { registry, contracts } = tp.exchange;
  // Members registered above: IR/GOV/NAJA (the traffic police's, by the catalogue's link) and IR/COM/555 (a bank).
  await registry.addSubsystem({ id: 'IR/GOV/NAJA/fines' }, 'test');
  await registry.addService({ id: 'IR/GOV/NAJA/fines/list', upstream: 'https://fines.example/api' }, 'test');
  // POST's code is a member's code too, but the catalogue does not link them: the old rule (member code = organisation code) is gone.
  await registry.addMember({ id: 'IR/GOV/POST', name: 'Iran Post' }, 'test');
  await registry.addSubsystem({ id: 'IR/GOV/POST/tracking' }, 'test');
  await registry.addService({ id: 'IR/GOV/POST/tracking/parcels', upstream: 'https://post.example/api' }, 'test');
  const pending = await contracts.apply({ client: 'IR/COM/555/app', service: 'IR/GOV/NAJA/fines/list', purpose: 'Show drivers their fines' }, 'test');
  await contracts.apply({ client: 'IR/COM/555/app', service: 'IR/GOV/POST/tracking/parcels', purpose: 'Track parcels' }, 'test');

  const traffic = await staff('editorTraffic');
  assert.match((await traffic.get('/console')).body, /href="\/console\/exchange\/contracts"/);
  const seen = await traffic.get('/console/exchange/contracts');
  assert.equal(seen.status, 200);
  assert.match(seen.body, /Show drivers their fines/);
  assert.doesNotMatch(seen.body, /Track parcels/, 'only its own services’ contracts');
  // A refusal without a reason is linked to that contract's reason box.
  const noReason = await traffic.submit('/console/exchange/contracts', `/console/exchange/contracts/${pending.id}/reject`, { reason: ' ' });
  assert.equal(noReason.status, 400);
  assertProblems(noReason.body, [`reason-${pending.id}`]);
  assert.equal((await traffic.submit('/console/exchange/contracts', `/console/exchange/contracts/${pending.id}/approve`, {})).status, 303);
  assert.equal((await contracts.get(pending.id))?.status, 'active');

  const post = await staff('editorPost');
  assert.doesNotMatch((await post.get('/console')).body, /\/console\/exchange\/contracts/);
  assert.equal((await post.get('/console/exchange/contracts')).status, 403);
});

test('the bar names the staff member in the page’s language', async () => {
  const admin = await staff('admin');
  assert.match((await admin.get('/console')).body, /<strong>مریم احمدی<\/strong>/);
  const en = (await admin.get('/en/console')).body;
  assert.match(en, /<strong>Maryam Ahmadi<\/strong>/);
  assert.doesNotMatch(en, /مریم/);
});
