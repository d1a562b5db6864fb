import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { after, before, test } from 'node:test';
import { nationalCodeCheckDigit } from '../src/platform/national-code.js';
import { Browser } from './browser.js';
import { signInToPortal } from './signin.js';
import { catalogFile, service } from './fixtures.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { demoCatalog } from '../src/app.js';
import { digits, fmtCost } from '../src/web/i18n.js';

/** The approval workflow driven through the real server's HTML forms, as staff would use it. */

let tp: TestPlatform;
const PASSWORD = 'correct horse battery staple';
const person = (first9: string, mobile: string) => ({ nationalCode: `${first9}${nationalCodeCheckDigit(first9)}`, mobile });
const PEOPLE = { editorNocr: person('111222333', '09301112233'), editorPost: person('111222334', '09301112234'), reviewer: person('111222335', '09301112235'), citizen: person('111222336', '09301112236'), editorForms: person('111222337', '09301112237') };
async function staffBrowser(who: keyof typeof PEOPLE): Promise<Browser> {
  const b = new Browser(tp.url!);
  assert.equal(await signInToPortal(b, tp.url!, PEOPLE[who], '/console'), '/console');
  return b;
}

before(async () => {
  tp = await testPlatform({ listen: true });
  await tp.catalog.import(catalogFile(), { actor: 'test' });
  // Staff are people of the registry holding roles granted to their national codes.
  await tp.agencies.seed();
  for (const [name, p] of Object.entries(PEOPLE)) {
    await tp.agencies.addPerson({ nationalCode: p.nationalCode, mobile: p.mobile, firstName: name, lastName: 'Staff', birthDate: '1985-05-05', gender: 'female' }, 'test');
  }
  await tp.identity.staffGrants.grant({ nationalCode: PEOPLE.editorNocr.nationalCode, role: 'editor', organization: 'NOCR' }, 'test');
  await tp.identity.staffGrants.grant({ nationalCode: PEOPLE.editorPost.nationalCode, role: 'editor', organization: 'POST' }, 'test');
  await tp.identity.staffGrants.grant({ nationalCode: PEOPLE.reviewer.nationalCode, role: 'reviewer' }, 'test');
  // The preview's tests sign in an editor of their own: a person gets five codes an hour.
  await tp.identity.staffGrants.grant({ nationalCode: PEOPLE.editorForms.nationalCode, role: 'editor', organization: 'NOCR' }, 'test');
});
after(() => tp.dispose());

const api = async (path: string) => {
  const res = await fetch(`${tp.url}${path}`);
  return { status: res.status, json: (await res.json()) as Record<string, any> };
};

const form = (title: string, extra: Record<string, string | string[]> = {}) => ({
  code: 'NOCR-0800',
  organization: 'NOCR',
  title_fa: `${title} (فارسی)`,
  title_en: title,
  summary_fa: 'خلاصه',
  summary_en: 'Summary',
  topics: ['identity'],
  online_url: 'https://sabteahval.ir/marriage',
  requirements_fa: 'کارت ملی\nشناسنامه',
  requirements_en: 'National ID card\nBirth certificate',
  cost: '۵۰۰۰۰',
  processingDays: '3',
  keywords_fa: 'ازدواج، عقد',
  keywords_en: 'marriage, wedding',
  smart: 'on',
  ...extra,
});

test('draft → submit → reject → edit → submit → approve; the public API sees only approved versions', async () => {
  const editor = await staffBrowser('editorNocr');
  const reviewer = await staffBrowser('reviewer');

  // Draft: not public.
  const created = await editor.submit('/console/services/new', '/console/services/new', form('Marriage registration'));
  assert.equal(created.status, 303, created.body.slice(0, 500));
  assert.equal(created.location, '/console/services/NOCR-0800');
  assert.equal((await api('/api/v1/services/NOCR-0800')).status, 404);

  // Each action ends on the entry's page with a confirmation, shown once: a refresh shows the page without it.
  const saved = await editor.get(created.location!);
  assert.match(saved.body, /role="status"><p>پیش‌نویس ذخیره شد/);
  assert.doesNotMatch((await editor.get(created.location!)).body, /پیش‌نویس ذخیره شد/, 'the confirmation is not repeated on refresh');

  // Submit, then the reviewer rejects with a reason: still not public.
  const submitted = await editor.submit('/console/services/NOCR-0800', '/console/services/NOCR-0800/submit', {});
  assert.equal(submitted.status, 303);
  assert.match((await editor.get(submitted.location!)).body, /برای بررسی فرستاده شد\. بازبین مرجع ملی/, 'says what happens next');
  const noReason = await reviewer.submit('/console/services/NOCR-0800', '/console/services/NOCR-0800/reject', { reason: '' });
  assert.equal(noReason.status, 400);
  assert.match(noReason.body, /<a href="#reason">دلیل رد: دلیل رد را بنویسید/, 'the missing reason is linked to its field');
  assert.match(noReason.body, /<textarea id="reason" name="reason" maxlength="2000" aria-invalid="true" aria-describedby="reason-error">/);
  const rejectedStep = await reviewer.submit('/console/services/NOCR-0800', '/console/services/NOCR-0800/reject', { reason: 'The English title is unclear' });
  assert.equal(rejectedStep.status, 303);
  assert.match((await reviewer.get(rejectedStep.location!)).body, /رد شد\. ویراستار دستگاه دلیل شما را/);
  assert.equal((await api('/api/v1/services/NOCR-0800')).status, 404);
  const rejected = await editor.get('/console/services/NOCR-0800');
  assert.match(rejected.body, /The English title is unclear/);

  // Edit, submit, approve: public.
  assert.equal((await editor.submit('/console/services/NOCR-0800/edit', '/console/services/NOCR-0800/edit', form('Register a marriage'))).status, 303);
  assert.equal((await editor.submit('/console/services/NOCR-0800', '/console/services/NOCR-0800/submit', {})).status, 303);
  assert.equal((await api('/api/v1/services/NOCR-0800')).status, 404);
  // The reviewer sees the whole entry as the public will, in both languages, before approving; nothing is live yet.
  const toReview = await reviewer.get('/console/services/NOCR-0800');
  assert.match(toReview.body, /این خدمت هنوز منتشر نشده است/);
  assert.match(toReview.body, /<div class="preview" lang="fa" dir="rtl"><h4>Register a marriage \(فارسی\)<\/h4>/);
  assert.match(toReview.body, /<div class="preview" lang="en" dir="ltr"><h4>Register a marriage<\/h4>/);
  for (const part of ['https://sabteahval.ir/marriage', 'National ID card', 'شناسنامه', '۵۰٬۰۰۰', '50,000']) assert.ok(toReview.body.includes(part), part);
  const approved = await reviewer.submit('/console/services/NOCR-0800', '/console/services/NOCR-0800/approve', {});
  assert.equal(approved.status, 303);
  assert.match((await reviewer.get(approved.location!)).body, /تأیید و منتشر شد/);
  const live = await api('/api/v1/services/NOCR-0800');
  assert.equal(live.status, 200);
  assert.equal(live.json.title.en, 'Register a marriage');
  assert.equal(live.json.cost.amount, 50000, 'Persian digits in the form are read');
  assert.deepEqual(live.json.requirements.map((r: { en: string }) => r.en), ['National ID card', 'Birth certificate']);

  // Editing the live entry makes a new draft; the approved version stays public until the next approval.
  assert.equal((await editor.submit('/console/services/NOCR-0800/edit', '/console/services/NOCR-0800/edit', form('Marriage registration, third wording'))).status, 303);
  assert.equal((await api('/api/v1/services/NOCR-0800')).json.title.en, 'Register a marriage');
  const search = await api(`/api/v1/services?q=${encodeURIComponent('third wording')}`);
  assert.ok(!search.json.items.some((i: { code: string }) => i.code === 'NOCR-0800'), 'search does not see the draft');

  // The new draft against the live version: only what changed, field by field, both languages.
  assert.equal((await editor.submit('/console/services/NOCR-0800', '/console/services/NOCR-0800/submit', {})).status, 303);
  const review = await reviewer.get('/console/services/NOCR-0800');
  assert.match(review.body, /<h2 id="changes">تغییرها نسبت به نسخهٔ منتشرشده<\/h2>/);
  const diffRow = /<tr id="diff-title">([\s\S]*?)<\/tr>/.exec(review.body)?.[1] ?? '';
  assert.match(diffRow, /<td class="diff-old">[\s\S]*Register a marriage[\s\S]*<td class="diff-new">[\s\S]*Marriage registration, third wording/);
  assert.ok(!review.body.includes('id="diff-cost"') && !review.body.includes('id="diff-requirements"'), 'unchanged fields are not listed');

  // Full history, with who (by name, not an account id) and when.
  const history = await reviewer.get('/console/services/NOCR-0800');
  for (const who of ['editorNocr Staff', 'reviewer Staff']) assert.ok(history.body.includes(who), `each step names who took it: ${who}`);
  assert.ok(!history.body.includes('person:'), 'no account ids');
  for (const action of ['ایجاد', 'فرستادن', 'رد', 'تأیید', 'ویرایش']) assert.match(history.body, new RegExp(action));
  const historyEn = await reviewer.get('/en/console/services/NOCR-0800');
  assert.ok(historyEn.body.includes('editorNocr Staff') && historyEn.body.includes(PEOPLE.editorNocr.nationalCode));
});

test("an editor of another agency can't touch the entry", async () => {
  const other = await staffBrowser('editorPost');
  assert.equal((await other.get('/console/services/NOCR-0001')).status, 403);
  assert.equal((await other.get('/console/services/NOCR-0001/edit')).status, 403);
  assert.equal((await other.submit('/console', '/console/services/NOCR-0001/submit', {})).status, 403);
  const create = await other.submit('/console/services/new', '/console/services/new', form('Sneaky', { code: 'NOCR-0900' }));
  assert.equal(create.status, 403);
});

test('forms reject bad input with the fields named and keep what was typed; script stays text', async () => {
  const editor = await staffBrowser('editorNocr');
  const bad = await editor.submit('/en/console/services/new', '/en/console/services/new', form('<script>alert(1)</script>', { code: 'NOCR-0901', online_url: 'javascript:alert(1)', processingDays: 'soon', requirements_en: 'only one line' }));
  assert.equal(bad.status, 400);
  assert.match(bad.body, /<a href="#processingDays">Processing time \(days\): must be a whole number\.<\/a>/);
  assert.match(bad.body, /<a href="#requirements_fa">Before you start \(one per line\) \(Persian\): give the same number of lines/);
  assert.match(bad.body, /<a href="#online_url">Address of the online service: must be an address starting http:\/\/ or https:\/\//, 'a form problem and a schema problem are listed together');
  assert.ok(!bad.body.includes('<script>alert(1)</script>'), 'typed markup is escaped');
  assert.match(bad.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  const badUrl = await editor.submit('/console/services/new', '/console/services/new', form('Fine title', { code: 'NOCR-0902', online_url: 'javascript:alert(1)' }));
  assert.equal(badUrl.status, 400);
  assert.match(badUrl.body, /نشانی خدمت برخط: باید نشانی وبی باشد که با <bdi dir="ltr">http:\/\/<\/bdi> یا <bdi dir="ltr">https:\/\/<\/bdi> آغاز می‌شود/, 'in the page’s language, the Latin isolated');
  const taken = await editor.submit('/console/services/new', '/console/services/new', form('Taken', { code: 'NOCR-0001' }));
  assert.equal(taken.status, 409 === taken.status ? 409 : 400);
  assert.match(taken.body, /<a href="#code">شناسه خدمت: این کد خدمت قبلاً ثبت شده است/, 'a refusal of the workflow is linked to its field');
});

test('an empty new-service form lists every problem at once, each linked to its field, marked invalid, in the page’s language', async () => {
  const editor = await staffBrowser('editorNocr');
  for (const [path, words] of [
    ['/console/services/new', { required: 'این مورد لازم است.', channel: 'دست‌کم یک راه دریافت خدمت را بنویسید', title: 'عنوان (فارسی)' }],
    ['/en/console/services/new', { required: 'this is required.', channel: 'give at least one way to get the service', title: 'Title (Persian)' }],
  ] as const) {
    const res = await editor.submit(path, path, { organization: '' });
    assert.equal(res.status, 400);
    const summary = /<div class="error-summary"[\s\S]*?<\/div>/.exec(res.body)?.[0] ?? '';
    const links = [...summary.matchAll(/<a href="#([^"]+)">([^<]+)<\/a>/g)].map((m) => m[1]);
    assert.deepEqual(links, ['code', 'organization', 'title_fa', 'title_en', 'summary_fa', 'summary_en', 'online_url'], 'every problem, in the form’s order');
    assert.ok(summary.includes(`${words.title}: ${words.required}`) && summary.includes(words.channel), summary);
    assert.doesNotMatch(summary.replace(/<[^>]+>/g, ''), /title_fa|online_url|required field|must NOT/, 'no field ids or schema wording shown');
    for (const id of links) {
      assert.match(res.body, new RegExp(`id="${id}"[^>]*aria-invalid="true" aria-describedby="${id}-error"`), `${id} is marked invalid`);
      assert.match(res.body, new RegExp(`<span class="error-message" id="${id}-error">`), `${id} has its message`);
    }
  }
});

test('the list of all services is searchable and paged, with links that work without JavaScript', async () => {
  const reviewer = await staffBrowser('reviewer');
  // Enough entries for three pages.
  const many = catalogFile().services.slice(0, 1).flatMap((s) =>
    Array.from({ length: 55 }, (_, i) => ({ ...s, code: `POST-${7000 + i}`, slug: `paged-${i}`, organization: 'POST', title: { fa: `خدمت صفحه‌بندی ${i}`, en: `Paging service ${i}` } })),
  );
  await tp.catalog.import({ services: many }, { actor: 'test' });
  const first = await reviewer.get('/console');
  assert.equal(first.status, 200);
  assert.match(first.body, /<input type="search" id="q" name="q"/);
  assert.match(first.body, /صفحهٔ ۱ از ۳/);
  const next = /<a href="([^"]+)" rel="next">/.exec(first.body)?.[1];
  assert.equal(next, '/console?page=2#all-services');
  const second = await reviewer.get(next!.replace(/#.*/, ''));
  assert.match(second.body, /صفحهٔ ۲ از ۳/);
  assert.match(second.body, /rel="prev"/);

  // Search by a word of the title, in Persian digits too; the page links keep the search.
  const found = await reviewer.get(`/console?q=${encodeURIComponent('صفحه‌بندی ۵۴')}`);
  assert.match(found.body, /<strong>۱ خدمت<\/strong>/, /<p role="status">.*/.exec(found.body)?.[0]);
  assert.ok(found.body.includes('POST-7054') && !found.body.includes('POST-7053'), 'only matching entries');
  assert.match((await reviewer.get(`/console?q=${encodeURIComponent('صفحه بندی')}`)).body, /<strong>۵۵ خدمت<\/strong>/, 'every word must match; a half-space is not needed');
  const byCode = await reviewer.get('/en/console?q=post-7054');
  assert.match(byCode.body, /<strong>1 service<\/strong>/);
  const byOrg = await reviewer.get(`/en/console?q=${encodeURIComponent('iran post')}`);
  assert.match(byOrg.body, /Page 1 of 3/);
  assert.match(byOrg.body, /href="\/en\/console\?q=iran\+post&amp;page=2#all-services" rel="next"/);
  const none = await reviewer.get('/console?q=nothing-like-this');
  assert.match(none.body, /<strong>۰ خدمت<\/strong>/);
  assert.equal((await reviewer.get('/console?page=99')).status, 200, 'a page past the end shows the last');
});

test('the signed-in bar names the role and the agency in the page’s language', async () => {
  const editor = await staffBrowser('editorNocr');
  assert.match((await editor.get('/console')).body, /\(ویراستار · سازمان ثبت احوال کشور\)/);
  assert.match((await editor.get('/en/console')).body, /\(editor · National Organization for Civil Registration\)/);
});

test('CSRF: a form posted without the token, or with a forged one, is refused', async () => {
  const editor = await staffBrowser('editorNocr');
  assert.equal((await editor.post('/console/services/NOCR-0001/submit', {})).status, 403);
  assert.equal((await editor.post('/console/services/NOCR-0001/submit', { _csrf: 'forged' })).status, 403);
  const anon = new Browser(tp.url!);
  assert.equal((await anon.post('/console/login', { username: 'reviewer', password: PASSWORD })).status, 403);
});

test('sign-in: wrong passwords lock the account after 5 tries, for the right password too; unknown users get the same answer', async () => {
  await tp.staff.add({ username: 'victim', password: PASSWORD, role: 'admin' });
  const b = new Browser(tp.url!);
  const unknown = await b.signIn('nobody', 'whatever-password');
  const wrong = await b.signIn('victim', 'wrong-password-1');
  assert.equal(unknown.status, 401);
  assert.equal(wrong.status, 401);
  assert.match(unknown.body, /نام کاربری یا گذرواژه درست نیست/);
  for (let i = 2; i <= 4; i++) assert.equal((await b.signIn('victim', `wrong-password-${i}`)).status, 401);
  assert.equal((await b.signIn('victim', 'wrong-password-5')).status, 423);
  assert.equal((await b.signIn('victim', PASSWORD)).status, 423, 'locked even with the right password');
  const audit = await tp.database.db.selectFrom('audit_log').select('action').where('subject', '=', 'staff:victim').execute();
  assert.ok(audit.some((a) => a.action === 'staff.signin.lockout'));
  // The console needs a session; signing out ends it.
  assert.equal((await new Browser(tp.url!).get('/console')).location, '/console/login');
  const ok = await staffBrowser('reviewer');
  assert.equal((await ok.get('/console')).status, 200);
  await ok.submit('/console', '/console/logout', {});
  assert.equal((await ok.get('/console')).status, 303);
  // Signed in with the national identity but holding no role: not let in, and told why.
  const citizen = new Browser(tp.url!);
  await signInToPortal(citizen, tp.url!, { nationalCode: '0499370899', mobile: '09123456789' }, '/console');
  const refused = await citizen.get('/console');
  assert.equal(refused.location, '/console/login');
  assert.match((await citizen.get('/console/login')).body, /holds no role|نقشی در میز کار/);
});

test('with REDIS_URL, nodes share the sign-in rate limit; another deployment on the same Redis does not', async () => {
  const { freshDatabase } = await import('./harness.js');
  const db = await freshDatabase();
  const env = { PANJAREH_LOGIN_RATE: '10', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
  const [a, b] = [await testPlatform({ shared: db, listen: true, env }), await testPlatform({ shared: db, listen: true, env })];
  const other = await testPlatform({ listen: true, env });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await new Browser(a.url!).signIn('nobody', 'x')).status);
    for (let i = 0; i < 6; i++) statuses.push((await new Browser(b.url!).signIn('nobody', 'x')).status);
    assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429]);
    // Same address, same Redis, another database: its own count (bug: every deployment shared one).
    assert.equal((await new Browser(other.url!).signIn('nobody', 'x')).status, 401);
  } finally {
    await a.dispose();
    await b.dispose();
    await other.dispose();
    await db.drop();
  }
});

test('sign-in attempts from one address are rate limited', async () => {
  const small = await testPlatform({ listen: true, env: { PANJAREH_LOGIN_RATE: '10' } });
  try {
    const b = new Browser(small.url!);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await b.signIn('nobody', 'x')).status);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.deepEqual(statuses.slice(10), [429, 429]);
  } finally {
    await small.dispose();
  }
});

// The preview of an application form: every page as the citizen sees it, and what surrounds the form.
type Loc = { fa: string; en: string };
interface DemoDelivery {
  form: { fields: Record<string, { label: Loc }>; pages: Array<{ id: string; title: Loc; fields: string[] }> };
  prefill: Array<{ source: Loc; service: string; fields: Array<{ label: Loc }>; list?: { itemLabel: Loc; itemFields: Array<{ label: Loc }> } }>;
  fee: { amount: number } | null;
  steps: Array<{ organization: string; title: Loc; deadlineDays: number }>;
  document: { title: Loc } | null;
}
/** One signed-in browser per person for the preview's tests: each sign-in texts a code, and codes are limited per person and hour. */
const previewBrowsers = new Map<keyof typeof PEOPLE, Promise<Browser>>();
const staffOnce = (who: keyof typeof PEOPLE) => previewBrowsers.get(who) ?? (previewBrowsers.set(who, staffBrowser(who)), previewBrowsers.get(who)!);
/** A page's text as read: tags dropped, the escapes html`` makes undone. */
const readable = (body: string) => body.replace(/<[^>]+>/g, '').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');

test('a delivered entry links to the preview of every page of its form, in Persian and English, with the registries’ fields, the fee, the steps and the document; it posts nothing', async () => {
  // Two of the demo's delivered services, with the organisations and terms they name.
  const demo = demoCatalog() as unknown as { organizations: Array<{ code: string; parent: string | null }>; topics: Array<{ code: string }>; lifeEvents: Array<{ code: string }>; services: Array<{ code: string; organization: string; topics: string[]; lifeEvents: string[]; delivery: DemoDelivery }> };
  const picked = demo.services.filter((s) => ['JUDICIARY-0006', 'MCLS-0001'].includes(s.code));
  const orgs = new Set(picked.flatMap((s) => [s.organization, ...s.delivery.steps.map((st) => st.organization)]));
  for (const o of demo.organizations) if (orgs.has(o.code) && o.parent) orgs.add(o.parent);
  const terms = new Set(picked.flatMap((s) => [...s.topics, ...s.lifeEvents]));
  await tp.catalog.import(
    { organizations: demo.organizations.filter((o) => orgs.has(o.code)), topics: demo.topics.filter((t) => terms.has(t.code)), lifeEvents: demo.lifeEvents.filter((t) => terms.has(t.code)), services: picked },
    { actor: 'test' },
  );
  const reviewer = await staffOnce('reviewer');
  for (const s of picked) {
    const d = s.delivery;
    assert.match((await reviewer.get(`/console/services/${s.code}`)).body, new RegExp(`<a href="/console/services/${s.code}/preview">`), 'the entry’s page links to it');
    assert.match((await reviewer.get(`/en/console/services/${s.code}`)).body, new RegExp(`<a href="/en/console/services/${s.code}/preview">Preview every page`));
    for (const lang of ['fa', 'en'] as const) {
      const res = await reviewer.get(`${lang === 'en' ? '/en' : ''}/console/services/${s.code}/preview`);
      assert.equal(res.status, 200);
      const text = readable(res.body);
      for (const [i, page] of d.form.pages.entries()) {
        assert.ok(text.includes(page.title[lang]), `${s.code} ${lang}: page ${i + 1}’s title`);
        for (const f of page.fields) assert.ok(text.includes(d.form.fields[f]!.label[lang]), `${s.code} ${lang}: the question of ${f}`);
      }
      assert.equal((res.body.match(/<section id="page-/g) ?? []).length, d.form.pages.length, 'every page, once');
      for (const p of d.prefill) {
        assert.ok(text.includes(p.source[lang]) && text.includes(p.service), `${s.code} ${lang}: which registry, through which exchange service`);
        for (const f of [...p.fields, ...(p.list?.itemFields ?? [])]) assert.ok(text.includes(f.label[lang]), `${s.code} ${lang}: ${f.label.en} from the registry`);
      }
      assert.ok(text.includes(lang === 'fa' ? 'نمونه' : 'sample'), 'the registries’ values are marked as samples');
      assert.ok(text.includes(d.fee?.amount ? fmtCost(d.fee.amount, lang) : lang === 'fa' ? 'رایگان' : 'Free'), `${s.code} ${lang}: the fee`);
      for (const st of d.steps) assert.ok(text.includes(st.title[lang]) && text.includes(lang === 'fa' ? `${digits(String(st.deadlineDays), 'fa')} روز کاری` : `${st.deadlineDays} working days`), `${s.code} ${lang}: step ${st.title.en} and its deadline`);
      if (d.document) assert.ok(text.includes(d.document.title[lang]), `${s.code} ${lang}: the document issued`);
      // "Check your answers": every question of every page with its change link, the registries' samples, the inert button.
      const check = /<section id="check"[\s\S]*?<\/section>/.exec(res.body)?.[0] ?? '';
      for (const page of d.form.pages) {
        assert.ok(check.includes(`href="#page-${page.id}"`), `${s.code} ${lang}: a change link to page ${page.id}`);
        for (const f of page.fields) assert.ok(readable(check).includes(d.form.fields[f]!.label[lang]), `${s.code} ${lang}: ${f} on "check your answers"`);
      }
      for (const p of d.prefill) assert.ok(readable(check).includes(p.source[lang]), `${s.code} ${lang}: ${p.source.en} on "check your answers"`);
      assert.match(check, d.fee?.amount ? (lang === 'fa' ? /type="button" disabled>ثبت و رفتن به پرداخت</ : /type="button" disabled>Submit and pay</) : /type="button" disabled>/);
      // Nothing on it posts: the one form is the bar's sign-out; the citizen's button is inert.
      assert.deepEqual([...res.body.matchAll(/<form\b[^>]*action="([^"]*)"/g)].map((m) => m[1]), [`${lang === 'en' ? '/en' : ''}/console/logout`]);
      assert.match(res.body, /<button class="button" type="button" disabled>/);
      assert.doesNotMatch(res.body, /type="submit"[^>]*>(ادامه|Continue)/);
    }
  }
  const judiciary = await reviewer.get('/console/services/JUDICIARY-0006/preview');
  assert.match(judiciary.body, /<a href="\/en\/console\/services\/JUDICIARY-0006\/preview" lang="en" hreflang="en">This preview in English<\/a>/, 'a switch to the other language');
  assert.match(readable(judiciary.body), /همیشه نمایش داده می‌شود/, 'a page without a condition says it is always shown');
});

test('a draft’s preview writes out each page’s condition; the reviewer opens it from the review page; a definition the checks refuse lists every problem with its path', async () => {
  const L = (fa: string, en: string) => ({ fa, en });
  const form = {
    schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { purpose: { type: 'string', enum: ['work', 'travel'] }, country: { type: 'string' }, employer: { type: 'string' } }, required: ['purpose'], additionalProperties: false },
    fields: {
      purpose: { kind: 'choice', label: L('گواهی را برای چه کاری می‌خواهید؟', 'What do you need the certificate for?'), options: [{ value: 'work', label: L('استخدام', 'Employment') }, { value: 'travel', label: L('سفر', 'Travel') }] },
      country: { kind: 'text', label: L('به کدام کشور سفر می‌کنید؟', 'Which country are you travelling to?') },
      employer: { kind: 'text', label: L('نام کارفرما', 'Name of the employer') },
    },
    pages: [
      { id: 'purpose', title: L('کاربرد', 'Purpose'), fields: ['purpose'] },
      { id: 'travel', title: L('سفر', 'Travel'), fields: ['country'], when: { field: 'purpose', equals: 'travel' } },
      { id: 'work', title: L('کار', 'Work'), fields: ['employer'], when: { all: [{ field: 'purpose', answered: true }, { not: { field: 'purpose', in: ['travel'] } }] } },
    ],
  };
  const delivery = { form, prefill: [], fee: { amount: 500000, refundOnReject: true }, steps: [{ id: 'check', organization: 'NOCR', title: L('بررسی', 'Check'), deadlineDays: 4 }], reasons: [], document: null };
  await tp.catalog.workflow.createDraft({ username: `person:${PEOPLE.editorForms.nationalCode}`, role: 'editor', organization: 'NOCR' }, service('NOCR-0810', 'NOCR', ['گواهی آزمایشی', 'Trial certificate'], { delivery }));
  const editor = await staffOnce('editorForms');
  const fa = readable((await editor.get('/console/services/NOCR-0810/preview')).body);
  assert.ok(fa.includes('فقط وقتی نمایش داده می‌شود که پاسخ به «گواهی را برای چه کاری می‌خواهید؟» «سفر» باشد.'), fa);
  assert.ok(fa.includes('فقط وقتی نمایش داده می‌شود که به «گواهی را برای چه کاری می‌خواهید؟» پاسخ داده شده باشد و چنین نباشد که پاسخ به «گواهی را برای چه کاری می‌خواهید؟» یکی از این‌ها باشد: «سفر».'), fa);
  assert.ok(fa.includes('اگر درخواست رد شود، هزینه بازگردانده می‌شود') && fa.includes('این خدمت اطلاعاتی از دستگاه‌ها نمی‌خواند'));
  const en = readable((await editor.get('/en/console/services/NOCR-0810/preview')).body);
  assert.ok(en.includes('Shown only when the answer to “What do you need the certificate for?” is “Travel”.'), en);
  assert.ok(en.includes('Shown only when “What do you need the certificate for?” has been answered and it is not so that the answer to “What do you need the certificate for?” is one of “Travel”.'), en);
  assert.ok(en.includes('Draft') && en.includes('An approval issues no document.'));
  assert.equal((await (await staffOnce('editorPost')).get('/console/services/NOCR-0810/preview')).status, 403, 'another agency’s editor');

  // Submitted: the reviewer's page, with approve and reject, links to the same preview of the version under review.
  assert.equal((await editor.submit('/console/services/NOCR-0810', '/console/services/NOCR-0810/submit', {})).status, 303);
  const reviewer = await staffOnce('reviewer');
  const review = await reviewer.get('/console/services/NOCR-0810');
  assert.match(review.body, /action="\/console\/services\/NOCR-0810\/approve"/);
  assert.match(review.body, /<a href="\/console\/services\/NOCR-0810\/preview">پیش‌نمایش همهٔ صفحه‌های فرم درخواست<\/a>/);
  const underReview = await reviewer.get('/en/console/services/NOCR-0810/preview');
  assert.match(readable(underReview.body), /Version1 \(Awaiting review\)/);
  assert.ok(readable(underReview.body).includes('Which country are you travelling to?'));

  // Stored before today's checks (an organisation since gone, a page asking a field the form lacks): its problems, not a 500.
  const db = tp.database.db as Kysely<any>;
  const row = await db.selectFrom('service_versions').select(['id', 'data']).where('service_code', '=', 'NOCR-0810').executeTakeFirstOrThrow();
  const data = JSON.parse(row.data as string) as { delivery: typeof delivery };
  data.delivery.steps[0]!.organization = 'GONE';
  data.delivery.form.pages[1]!.fields.push('nosuch');
  await db.updateTable('service_versions').set({ data: JSON.stringify(data) }).where('id', '=', row.id).execute();
  for (const lang of ['fa', 'en'] as const) {
    const res = await reviewer.get(`${lang === 'en' ? '/en' : ''}/console/services/NOCR-0810/preview`);
    assert.equal(res.status, 200);
    const text = readable(res.body);
    assert.ok(text.includes(lang === 'fa' ? 'این تعریف را نمی‌توان پیش‌نمایش داد' : 'This definition cannot be previewed'));
    assert.ok(text.includes(lang === 'fa' ? 'delivery.form.pages.1.fields.1: «nosuch» در fields تعریف نشده است.' : 'delivery.form.pages.1.fields.1: "nosuch" has no entry in fields.'), text);
    assert.ok(text.includes(lang === 'fa' ? 'delivery.steps.0.organization: دستگاه «GONE» در فهرست نیست.' : 'delivery.steps.0.organization: there is no organisation "GONE".'), text);
    assert.doesNotMatch(res.body, /<section id="page-/, 'no page is rendered from a definition with problems');
  }
});

test('an editor writes the delivery definition as JSON in the service form: every problem with its path, then a draft with its preview; an edit keeps it', async () => {
  const L = (fa: string, en: string) => ({ fa, en });
  const definition = {
    form: {
      schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { reason: { type: 'string', maxLength: 200 } }, required: ['reason'], additionalProperties: false },
      fields: { reason: { kind: 'textarea', label: L('چرا گواهی را می‌خواهید؟', 'Why do you need the certificate?') } },
      pages: [{ id: 'reason', title: L('دلیل', 'Reason'), fields: ['reason'] }],
    },
    prefill: [],
    fee: null,
    steps: [{ id: 'check', organization: 'NOCR', title: L('بررسی', 'Check'), deadlineDays: 3 }],
    reasons: [],
    document: null,
  };
  const editor = await staffOnce('editorForms');
  const notJson = await editor.submit('/console/services/new', '/console/services/new', form('Written in the console', { code: 'NOCR-0820', delivery: '{ "form": ' }));
  assert.equal(notJson.status, 400);
  assert.match(readable(notJson.body), /تعریف ارائهٔ برخط \(JSON\): این JSON درست نیست/);
  assert.match(notJson.body, /<textarea id="delivery" name="delivery"[^>]*aria-invalid="true">\{ &quot;form&quot;: <\/textarea>/, 'what was typed is kept');

  const broken = structuredClone(definition) as typeof definition;
  broken.steps[0]!.organization = 'GONE';
  broken.form.pages[0]!.fields.push('nosuch');
  const refused = await editor.submit('/en/console/services/new', '/en/console/services/new', form('Written in the console', { code: 'NOCR-0820', delivery: JSON.stringify(broken) }));
  assert.equal(refused.status, 400);
  const summary = readable(/<div class="error-summary"[\s\S]*?<\/ul><\/div>/.exec(refused.body)?.[0] ?? '');
  assert.ok(summary.includes('Online delivery definition (JSON): delivery.form.pages.0.fields.1: "nosuch" has no entry in fields.'), summary);
  assert.ok(summary.includes('Online delivery definition (JSON): delivery.steps.0.organization: there is no organisation "GONE".'), summary);
  assert.equal((await tp.catalog.workflow.list({ username: 'test', role: 'admin', organization: null })).some((r) => r.service_code === 'NOCR-0820'), false, 'nothing saved');

  const made = await editor.submit('/console/services/new', '/console/services/new', form('Written in the console', { code: 'NOCR-0820', delivery: JSON.stringify(definition, null, 2) }));
  assert.equal(made.status, 303, readable(made.body).slice(0, 500));
  assert.match((await editor.get('/console/services/NOCR-0820')).body, /<a href="\/console\/services\/NOCR-0820\/preview">/);
  assert.ok(readable((await editor.get('/en/console/services/NOCR-0820/preview')).body).includes('Why do you need the certificate?'));
  // The edit form holds the definition; saving the entry again keeps it (and its "Start now" on this platform).
  const edit = await editor.get('/console/services/NOCR-0820/edit');
  const written = /<textarea id="delivery" name="delivery"[^>]*>([^<]*)<\/textarea>/.exec(edit.body)?.[1] ?? '';
  assert.deepEqual(JSON.parse(written.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&#39;/g, "'")), definition);
  assert.equal((await editor.submit('/console/services/NOCR-0820/edit', '/console/services/NOCR-0820/edit', form('Written in the console, renamed', { code: 'NOCR-0820', delivery: written.replace(/&quot;/g, '"') }))).status, 303);
  const saved = await tp.catalog.workflow.working({ username: 'test', role: 'admin', organization: null }, 'NOCR-0820');
  assert.deepEqual(saved.data.delivery, definition);
  assert.equal(saved.data.title.en, 'Written in the console, renamed');
  assert.deepEqual(saved.data.channels[0], { type: 'platform', path: '/services/written-in-the-console/apply' });
});

test('the service form previews its definition before it is saved: in a new tab, in either language, with every problem; nothing is stored', async () => {
  const L = (fa: string, en: string) => ({ fa, en });
  const definition = {
    form: {
      schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { purpose: { type: 'string', enum: ['work', 'travel'] }, country: { type: 'string', maxLength: 80 } }, required: ['purpose'], additionalProperties: false },
      fields: {
        purpose: { kind: 'choice', label: L('کاربرد گواهی چیست؟', 'What is the certificate for?'), options: [{ value: 'work', label: L('کار', 'Work') }, { value: 'travel', label: L('سفر', 'Travel') }] },
        country: { kind: 'text', label: L('کشور مقصد', 'Country of destination') },
      },
      pages: [
        { id: 'purpose', title: L('کاربرد', 'Purpose'), fields: ['purpose'] },
        { id: 'country', title: L('مقصد', 'Destination'), fields: ['country'], when: { field: 'purpose', equals: 'travel' } },
      ],
    },
    prefill: [],
    fee: { amount: 250000, refundOnReject: false },
    steps: [{ id: 'check', organization: 'NOCR', title: L('بررسی', 'Check'), deadlineDays: 2 }],
    reasons: [],
    document: null,
  };
  const editor = await staffOnce('editorForms');
  // The form's second button posts the same fields to the preview, in a new tab.
  const newForm = await editor.get('/console/services/new');
  assert.match(newForm.body, /<button class="button button--secondary" type="submit" formaction="\/console\/services\/preview" formtarget="_blank">پیش‌نمایش بدون ذخیره \(در برگهٔ تازه\)<\/button>/);
  assert.match((await editor.get('/en/console/services/new')).body, /formaction="\/en\/console\/services\/preview" formtarget="_blank">Preview without saving \(opens in a new tab\)</);

  const values = form('Previewed before saving', { code: 'NOCR-0830', delivery: JSON.stringify(definition, null, 2) });
  const fa = await editor.submit('/console/services/new', '/console/services/preview', values);
  assert.equal(fa.status, 200, readable(fa.body).slice(0, 400));
  const text = readable(fa.body);
  assert.ok(text.includes('پیش‌نمایش تعریف ذخیره‌نشده: Previewed before saving (فارسی)'), text.slice(0, 600));
  assert.ok(text.includes('ذخیره نشده') && text.includes('کشور مقصد') && text.includes('فقط وقتی نمایش داده می‌شود که پاسخ به «کاربرد گواهی چیست؟» «سفر» باشد.'));
  assert.equal((fa.body.match(/<section id="page-/g) ?? []).length, 2, 'both pages');
  assert.match(fa.body, /<section id="check"[\s\S]*href="#page-country"[\s\S]*type="button" disabled>ثبت و رفتن به پرداخت</, '"check your answers" with a change link to each page');
  // The same preview in English is the same fields posted again (an unsaved definition has no address).
  const switchForm = /<form method="post" action="\/en\/console\/services\/preview">([\s\S]*?)<\/form>/.exec(fa.body)?.[1] ?? '';
  const hidden = Object.fromEntries([...switchForm.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')]));
  assert.deepEqual(Object.keys(hidden).sort(), ['_csrf', 'code', 'delivery', 'organization', 'title_en', 'title_fa']);
  assert.deepEqual(JSON.parse(hidden.delivery!), definition);
  const en = await editor.post('/en/console/services/preview', hidden);
  assert.equal(en.status, 200);
  assert.ok(readable(en.body).includes('Preview of an unsaved definition: Previewed before saving') && readable(en.body).includes('Country of destination') && readable(en.body).includes('Not refunded if the application is rejected.'));
  assert.equal((await tp.catalog.workflow.list({ username: 'test', role: 'admin', organization: null })).some((r) => r.service_code === 'NOCR-0830'), false, 'nothing saved');

  // What the checks refuse is listed with its path, as the saved preview does; not JSON and empty say so.
  const broken = structuredClone(definition);
  broken.steps[0]!.organization = 'GONE';
  broken.form.pages[1]!.fields.push('nosuch');
  const refused = await editor.submit('/en/console/services/new', '/en/console/services/preview', form('Previewed before saving', { code: 'NOCR-0830', delivery: JSON.stringify(broken) }));
  assert.equal(refused.status, 400);
  assert.ok(readable(refused.body).includes('delivery.form.pages.1.fields.1: "nosuch" has no entry in fields.') && readable(refused.body).includes('delivery.steps.0.organization: there is no organisation "GONE".'), readable(refused.body));
  assert.doesNotMatch(refused.body, /<section id="page-/);
  const notJson = await editor.submit('/console/services/new', '/console/services/preview', form('x', { delivery: '{ "form": ' }));
  assert.equal(notJson.status, 400);
  assert.ok(readable(notJson.body).includes('این JSON درست نیست'), readable(notJson.body));
  const empty = await editor.submit('/en/console/services/new', '/en/console/services/preview', form('x', { delivery: '' }));
  assert.equal(empty.status, 400);
  assert.ok(readable(empty.body).includes('The online-delivery definition is empty; there is nothing to preview.'));
  // A form post like any other: no CSRF token, no preview; the address alone leads back to a new entry's form.
  assert.equal((await editor.post('/console/services/preview', values)).status, 403);
  const got = await editor.get('/en/console/services/preview');
  assert.equal(got.status, 303);
  assert.equal(got.location, '/en/console/services/new');
});

test('the preview is refused to anyone who may not open the entry', async () => {
  const anonymous = await fetch(`${tp.url}/console/services/JUDICIARY-0006/preview`, { redirect: 'manual' });
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.headers.get('location'), '/console/login');
  const citizen = new Browser(tp.url!);
  await signInToPortal(citizen, tp.url!, PEOPLE.citizen, '/account');
  const asCitizen = await citizen.get('/en/console/services/JUDICIARY-0006/preview');
  assert.equal(asCitizen.status, 303, 'a citizen without a staff role is sent to the staff sign-in');
  assert.equal(asCitizen.location, '/en/console/login');
  const editor = await staffOnce('editorForms');
  assert.equal((await editor.get('/console/services/JUDICIARY-0006/preview')).status, 403, 'an editor of another agency');
  assert.equal((await editor.get('/console/services/NOCR-0001/preview')).status, 404, 'an entry not delivered here has no form');
  assert.equal((await editor.get('/console/services/NOCR-9999/preview')).status, 404);
});
