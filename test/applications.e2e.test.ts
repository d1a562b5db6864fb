import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { DEMO_FIXTURES } from '../src/agencies/index.js';
import { citizenApiResource } from '../src/identity/index.js';
import { JOBS } from '../src/services/index.js';
import { nationalCodeCheckDigit } from '../src/platform/national-code.js';
import { connectPortalToExchange } from '../src/web/inquiries/connect.js';
import { Browser } from './browser.js';
import { catalogFile, organizations } from './fixtures.js';
import { eventually, testPlatform, type TestPlatform } from './harness.js';
import { signInToPortal } from './signin.js';
import { pdfsigReport } from './pdfsig.js';

/**
 * Applying online end to end on the real server in demo mode: the citizen's pages (start, a form page
 * with an error, check your answers with the civil registry's data, submit), the fee paid through the
 * demo payment provider, the agency deciding through the agency API with its exchange credential, the
 * signed document issued by the job, and the holder's PDF that pdfsig accepts. Then attachments: a
 * file uploaded on a page (multipart, no JavaScript), refused by content, size or a forged id, shown
 * on the check and application pages, downloaded by the applicant and the agency's caseworker and
 * by nobody else; and the citizen API's uploads.
 */

const run = promisify(execFile);
let tp: TestPlatform;
let ali: Browser;
const F = DEMO_FIXTURES.person;
let agencyKey = '';
const AGENCY = 'IR/GOV/JUDICIARY/cases';

const delivery = {
  form: {
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      additionalProperties: false,
      required: ['purpose'],
      properties: { purpose: { type: 'string', enum: ['employment', 'immigration'] } },
    },
    fields: {
      purpose: {
        kind: 'choice',
        label: { fa: 'این گواهی را برای چه می‌خواهید؟', en: 'What do you need the certificate for?' },
        options: [
          { value: 'employment', label: { fa: 'استخدام', en: 'Employment' } },
          { value: 'immigration', label: { fa: 'مهاجرت', en: 'Immigration' } },
        ],
      },
    },
    pages: [{ id: 'purpose', title: { fa: 'هدف', en: 'Purpose' }, fields: ['purpose'] }],
  },
  prefill: [
    {
      id: 'identity',
      source: { fa: 'از ثبت احوال', en: 'from the civil registry' },
      service: 'IR/GOV/NOCR/registry/person',
      path: '/persons/{nationalCode}',
      fields: [
        { id: 'firstName', label: { fa: 'نام', en: 'First name' }, pointer: '/firstName/fa' },
        { id: 'fatherName', label: { fa: 'نام پدر', en: 'Father’s name' }, pointer: '/fatherName/fa' },
      ],
    },
  ],
  fee: { amount: 1_200_000, refundOnReject: true },
  steps: [{ id: 'check', organization: 'JUDICIARY', title: { fa: 'بررسی سوابق', en: 'Records check' }, deadlineDays: 5 }],
  reasons: [],
  document: {
    type: 'criminal-record-certificate',
    title: { fa: 'گواهی عدم سوء پیشینه', en: 'Certificate of no criminal record' },
    validDays: 180,
    fields: [
      { label: { fa: 'نام', en: 'First name' }, value: 'prefill.identity.firstName' },
      { label: { fa: 'هدف', en: 'Purpose' }, value: 'answers.purpose' },
    ],
  },
};

/** A free service whose one page asks for a PDF (required) and an optional note. */
const withFile = {
  ...delivery,
  form: {
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      additionalProperties: false,
      required: ['report'],
      properties: { report: { type: 'string' }, note: { type: 'string', maxLength: 200 } },
    },
    fields: {
      report: { kind: 'file', label: { fa: 'گزارش پلیس', en: 'Police report' }, accept: ['application/pdf'] },
      note: { kind: 'text', label: { fa: 'توضیح (اختیاری)', en: 'Note (optional)' } },
    },
    pages: [{ id: 'report', title: { fa: 'گزارش', en: 'Report' }, fields: ['report', 'note'] }],
  },
  fee: null,
  document: null,
};
const CASEWORKER = { nationalCode: `444555669${nationalCodeCheckDigit('444555669')}`, mobile: '09304445569' };

before(async () => {
  tp = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'true' } });
  await tp.agencies.seed();
  await connectPortalToExchange(tp);
  const file = catalogFile();
  file.organizations = [...organizations, { code: 'JUDICIARY', name: { fa: 'قوه قضاییه', en: 'Judiciary' }, parent: null, website: null, exchangeMembers: ['IR/GOV/JUDICIARY'] }] as never;
  file.services = [
    {
      code: 'JUDICIARY-0906',
      slug: 'test-criminal-record',
      title: { fa: 'گواهی عدم سوء پیشینه', en: 'Criminal record certificate' },
      summary: { fa: 'گواهی برای استخدام یا مهاجرت', en: 'A certificate for employment or immigration' },
      organization: 'JUDICIARY',
      channels: [{ type: 'in-person', instructions: { fa: 'دفاتر خدمات قضایی', en: 'Judicial service offices' } }],
      delivery,
    },
    {
      code: 'JUDICIARY-0907',
      slug: 'test-attachments',
      title: { fa: 'شکایت با پیوست', en: 'A complaint with an attachment' },
      summary: { fa: 'شکایت با گزارش پلیس', en: 'A complaint with the police report' },
      organization: 'JUDICIARY',
      channels: [{ type: 'in-person', instructions: { fa: 'دفاتر خدمات قضایی', en: 'Judicial service offices' } }],
      delivery: withFile,
    },
  ] as never;
  await tp.catalog.import(file, { actor: 'test' });
  // The judiciary's case system: an exchange member and subsystem with an API key.
  await tp.exchange.registry.addMember({ id: 'IR/GOV/JUDICIARY', name: 'Judiciary' }, 'test');
  await tp.exchange.registry.addSubsystem({ id: AGENCY, name: 'Case system' }, 'test');
  agencyKey = (await tp.exchange.apiKeys.create(AGENCY, {}, 'test')).key;
  // The judiciary's caseworker in the console's back office.
  await tp.agencies.addPerson({ ...CASEWORKER, firstName: { fa: 'مینا', en: 'Mina' }, lastName: { fa: 'کارمند', en: 'Staff' }, birthDate: '1985-01-01', gender: 'female' }, 'test');
  await tp.identity.staffGrants.grant({ nationalCode: CASEWORKER.nationalCode, role: 'caseworker', organization: 'JUDICIARY' }, 'test');
  ali = new Browser(tp.url!);
  await signInToPortal(ali, tp.url!, { nationalCode: F.nationalCode, mobile: F.mobile }, '/account');
});
after(() => tp.dispose());

const agency = (path: string, init: { method?: string; body?: unknown; client?: string; key?: string } = {}) =>
  fetch(`${tp.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'x-road-client': init.client ?? AGENCY, authorization: `ApiKey ${init.key ?? agencyKey}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });

test('the catalogue entry leads to the apply page, which says what comes from registries', async () => {
  const entry = tp.catalog.read.service('JUDICIARY-0906')!;
  assert.deepEqual(entry.channels[0], { type: 'platform', path: '/services/test-criminal-record/apply' });
  const visitor = await new Browser(tp.url!).get('/services/test-criminal-record/apply');
  assert.equal(visitor.status, 200);
  assert.match(visitor.body, /برای شروع وارد شوید/);
  const en = await new Browser(tp.url!).get('/en/services/test-criminal-record/apply');
  assert.match(en.body, /Sign in to start/);
  assert.equal((await new Browser(tp.url!).get('/services/no-such-service/apply')).status, 404);
});

test('apply through the pages: an error next to the field, the registry’s data on the check page, pay, follow', async () => {
  const start = await ali.get('/services/test-criminal-record/apply');
  assert.match(start.body, /شروع درخواست/);
  const started = await ali.post('/services/test-criminal-record/apply', { _csrf: Browser.csrf(start.body) });
  assert.equal(started.status, 303);
  const pagePath = started.location!;
  assert.match(pagePath, /^\/account\/applications\/[0-9a-f-]{36}\/pages\/purpose$/);
  const id = pagePath.split('/')[3]!;
  const form = await ali.get(pagePath);
  const empty = await ali.post(pagePath, { _csrf: Browser.csrf(form.body) });
  assert.equal(empty.status, 400);
  assert.match(empty.body, /class="error-summary"/);
  assert.match(empty.body, /href="#field-purpose"/);
  const answered = await ali.post(pagePath, { _csrf: Browser.csrf(empty.body), purpose: 'employment' });
  assert.equal(answered.location, `/account/applications/${id}/check`);
  const check = await ali.get(answered.location!);
  assert.match(check.body, /از ثبت احوال/);
  assert.match(check.body, /استخدام/);
  // Someone else cannot see it.
  const other = new Browser(tp.url!);
  await signInToPortal(other, tp.url!, { nationalCode: DEMO_FIXTURES.foreign.nationalCode, mobile: DEMO_FIXTURES.foreign.mobile }, '/account');
  assert.equal((await other.get(`/account/applications/${id}`)).status, 404);
  assert.equal((await other.get(`/account/applications/${id}/check`)).status, 404);

  const submitted = await ali.post(`/account/applications/${id}/submit`, { _csrf: Browser.csrf(check.body) });
  assert.equal(submitted.status, 303);
  assert.match(submitted.location!, /\/demo-psp\/pay\?token=/);
  const again = await ali.post(`/account/applications/${id}/submit`, { _csrf: Browser.csrf(check.body) });
  assert.equal(again.status, 303, 'a second submit does not make a second application');
  assert.equal((await tp.services.applications.listMine({ nationalCode: F.nationalCode, name: { fa: '', en: '' }, mobile: null })).items.filter((a) => a.service === 'JUDICIARY-0906').length, 1);

  // Pay at the demo provider.
  const payUrl = new URL(submitted.location!, tp.url);
  const payPage = await ali.get(payUrl.pathname + payUrl.search);
  assert.equal(payPage.status, 200);
  const pspForm = /<form method="post" action="([^"]*demo-psp[^"]*)">([\s\S]*?)<\/form>/.exec(payPage.body)!;
  const action = pspForm[1]!.replace(/&amp;/g, '&');
  const hidden = Object.fromEntries([...pspForm[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
  let r = await ali.post(action, { ...hidden, action: 'pay' });
  for (let hops = 0; r.location && hops < 5 && !r.location.includes(`/account/applications/${id}`); hops++) {
    const u = new URL(r.location, tp.url);
    r = await ali.get(u.pathname + u.search);
  }
  assert.match(r.location ?? '', new RegExp(`/account/applications/${id}`));
  const status = await ali.get(new URL(r.location!, tp.url).pathname + new URL(r.location!, tp.url).search);
  assert.equal(status.status, 200);
  assert.match(status.body, /ثبت شده/, 'paid: the application is in the agency’s queue');
  assert.match(status.body, /class="tracking-code"/);
});

test('the agency decides through its API with its exchange credential; the document follows and verifies', async () => {
  assert.equal((await agency('/api/agency/v1/applications', { key: 'wrong' })).status, 401);
  const list = await agency('/api/agency/v1/applications');
  assert.equal(list.status, 200);
  const items = ((await list.json()) as { items: Array<{ id: string; status: string; service: string }> }).items;
  const mine = items.find((a) => a.service === 'JUDICIARY-0906')!;
  assert.equal(mine.status, 'submitted');
  const one = (await (await agency(`/api/agency/v1/applications/${mine.id}`)).json()) as { prefill: Array<{ id: string; fields: Array<{ id: string; value: string }> }>; answers: Record<string, unknown> };
  assert.ok(one.prefill[0]!.fields.find((f) => f.id === 'firstName')!.value, 'the registry’s data is there for the caseworker');
  const bad = await agency(`/api/agency/v1/applications/${mine.id}/decision`, { method: 'POST', body: { decision: 'reject' } });
  assert.equal(bad.status, 400, 'a rejection needs reasons');
  const ok = await agency(`/api/agency/v1/applications/${mine.id}/decision`, { method: 'POST', body: { decision: 'approve' } });
  assert.equal(ok.status, 200);
  assert.equal(((await ok.json()) as { status: string }).status, 'approved');
  const twice = await agency(`/api/agency/v1/applications/${mine.id}/decision`, { method: 'POST', body: { decision: 'approve' } });
  assert.equal(twice.status, 409, 'deciding twice is refused');
  // The document is issued by a job.
  for (let i = 0; i < 20 && (await tp.documents.forApplication(mine.id)).length === 0; i++) await tp.jobs.runDue();
  const [doc] = await tp.documents.forApplication(mine.id);
  assert.ok(doc, 'the approval issued its document');
  const page = await ali.get(`/account/applications/${mine.id}`);
  assert.match(page.body, new RegExp(`/account/documents/${doc.id}\\.pdf`));
  const res = await fetch(`${tp.url}/account/documents/${doc.id}.pdf`, { headers: { cookie: ali.cookieList().map(([k, v]) => `${k}=${v}`).join('; ') } });
  assert.equal(res.status, 200);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pj-doc-')), 'doc.pdf');
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const sig = await pdfsigReport(file);
  assert.match(sig, /Signature is Valid/);
  const text = (await run('pdftotext', [file, '-'])).stdout;
  assert.match(text, /سوء پیشینه/);
  const docs = await ali.get('/account/documents');
  assert.match(docs.body, new RegExp(doc.id));
  const verify = await fetch(`${tp.url}/api/v1/documents/${doc.id}/verification`);
  assert.equal(((await verify.json()) as { status: string }).status, 'valid');
});

test('another agency sees none of it; the citizen API wants a token', async () => {
  await tp.exchange.registry.addMember({ id: 'IR/GOV/OTHER', name: 'Other' }, 'test');
  await tp.exchange.registry.addSubsystem({ id: 'IR/GOV/OTHER/x', name: 'x' }, 'test');
  const key = (await tp.exchange.apiKeys.create('IR/GOV/OTHER/x', {}, 'test')).key;
  assert.equal((await agency('/api/agency/v1/applications', { client: 'IR/GOV/OTHER/x', key })).status, 403, 'a member linked to no organisation is not an agency');
  const api = await fetch(`${tp.url}/api/v1/applications`);
  assert.equal(api.status, 401);
  assert.match(api.headers.get('www-authenticate') ?? '', /Bearer/);
});

// ---- Attachments ----

const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const cookieOf = (b: Browser) => b.cookieList().map(([k, v]) => `${k}=${v}`).join('; ');

/** A page's form sent as a browser sends it with a file input: multipart/form-data (an unchosen file is an empty part). */
async function postFiles(b: Browser, path: string, fields: Record<string, string>, files: Record<string, { name: string; bytes: Uint8Array } | null>) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const [k, f] of Object.entries(files)) form.append(k, f ? new Blob([new Uint8Array(f.bytes)], { type: 'application/pdf' }) : new Blob([]), f ? f.name : '');
  const res = await fetch(`${tp.url}${path}`, { method: 'POST', body: form, redirect: 'manual', headers: { accept: 'text/html', cookie: cookieOf(b) } });
  return { status: res.status, body: await res.text(), location: res.headers.get('location') };
}

const download = (b: Browser | null, path: string) => fetch(`${tp.url}${path}`, { redirect: 'manual', headers: b ? { cookie: cookieOf(b) } : {} });

let attachedApp = '';
let attachedFile = '';

test('attach a PDF on a page: refused by content, size or a forged id, kept when posted again, on the check page, submitted', async () => {
  const start = await ali.get('/services/test-attachments/apply');
  const started = await ali.post('/services/test-attachments/apply', { _csrf: Browser.csrf(start.body) });
  const pagePath = started.location!;
  assert.match(pagePath, /\/pages\/report$/);
  attachedApp = pagePath.split('/')[3]!;
  const page = await ali.get(pagePath);
  assert.match(page.body, /enctype="multipart\/form-data"/);
  assert.match(page.body, /<input id="field-report" name="report" type="file" accept="application\/pdf"/);
  const csrf = Browser.csrf(page.body);
  const answers = async () => (await tp.services.applications.mine({ nationalCode: F.nationalCode, name: { fa: '', en: '' }, mobile: null }, attachedApp)).application.answers;

  // Text named .pdf: refused by its content, the message next to the field, nothing saved.
  const text = await postFiles(ali, pagePath, { _csrf: csrf, note: 'یادداشت' }, { report: { name: 'report.pdf', bytes: Buffer.from('just some text, not a PDF') } });
  assert.equal(text.status, 400);
  assert.match(text.body, /<p class="error-message" id="field-report-error"><span class="visually-hidden">[^<]+<\/span>گزارش پلیس باید پرونده PDF باشد\.<\/p>/);
  assert.match(text.body, /<a href="#field-report">گزارش پلیس باید پرونده PDF باشد\.<\/a>/);
  assert.match(text.body, /value="یادداشت"/, 'what was typed is shown back');
  const inEnglish = await postFiles(ali, `/en${pagePath}`, { _csrf: csrf }, { report: { name: 'report.pdf', bytes: Buffer.from('just some text') } });
  assert.match(inEnglish.body, /Police report must be a PDF file\./);
  // A PNG is a good file, but not what this field accepts.
  const png = await postFiles(ali, pagePath, { _csrf: csrf }, { report: { name: 'scan.png', bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]) } });
  assert.equal(png.status, 400);
  // Over 5 MB: cut off by its declared length, the page again with the message.
  const big = Buffer.alloc(6 * 1024 * 1024, 0x20);
  PDF.copy(big);
  const tooBig = await postFiles(ali, pagePath, { _csrf: csrf }, { report: { name: 'big.pdf', bytes: big } });
  assert.equal(tooBig.status, 413);
  assert.match(tooBig.body, /گزارش پلیس باید ۵ مگابایت یا کوچک‌تر باشد\./);
  // A forged id: a file of someone else's draft, posted as the one "already attached".
  const theirs = await tp.files.put(tp.database.db, { bytes: PDF, name: 'theirs.pdf', owner: 'application:00000000-0000-4000-8000-000000000001' });
  const forged = await postFiles(ali, pagePath, { _csrf: csrf, 'report-current': theirs.id }, { report: null });
  assert.equal(forged.status, 400);
  assert.match(forged.body, /پرونده گزارش پلیس پیدا نشد؛ دوباره بارگذاری کنید\./);
  const typed = await ali.post(pagePath, { _csrf: csrf, report: theirs.id });
  assert.equal(typed.status, 400, 'an id typed into the form is no upload');
  assert.match(typed.body, /گزارش پلیس را بارگذاری کنید\./);
  // A file on a page that asks for none (the other service's first page).
  const other = await ali.post('/services/test-criminal-record/apply', { _csrf: csrf });
  const noFile = await postFiles(ali, other.location!, { _csrf: csrf, purpose: 'employment' }, { report: { name: 'a.pdf', bytes: PDF } });
  assert.equal(noFile.status, 413);
  assert.match(noFile.body, /این فرم پرونده‌ای نمی‌پذیرد\./);
  assert.deepEqual(await answers(), {}, 'nothing refused was saved');

  // A good PDF with a Persian name.
  const good = await postFiles(ali, pagePath, { _csrf: csrf }, { report: { name: 'گزارش "پلیس".pdf', bytes: PDF } });
  assert.equal(good.status, 303, good.body.slice(0, 300));
  assert.equal(good.location, `/account/applications/${attachedApp}/check`);
  const first = (await answers()).report as string;
  assert.match(first, /^[0-9a-f-]{36}$/);
  const check = await ali.get(good.location!);
  assert.match(check.body, /گزارش _پلیس_\.pdf/, 'the check page names the file (its name cleaned)');
  // Posted again without choosing another: the current file stays.
  const again = await ali.get(pagePath);
  assert.match(again.body, new RegExp(`<input type="hidden" name="report-current" value="${first}">`));
  assert.match(again.body, /گزارش _پلیس_\.pdf/);
  assert.equal((await postFiles(ali, pagePath, { _csrf: csrf, 'report-current': first, note: 'بعدی' }, { report: null })).status, 303);
  assert.equal((await answers()).report, first);
  // Replaced: the draft's old file is gone.
  assert.equal((await postFiles(ali, pagePath, { _csrf: csrf, 'report-current': first }, { report: { name: 'report.pdf', bytes: PDF } })).status, 303);
  attachedFile = (await answers()).report as string;
  assert.notEqual(attachedFile, first);
  assert.equal(await tp.files.meta(first), null);

  const submitted = await ali.post(`/account/applications/${attachedApp}/submit`, { _csrf: csrf });
  assert.equal(submitted.location, `/account/applications/${attachedApp}`);

  // A draft left past its keeping period is purged with its files.
  const left = (await ali.post('/services/test-attachments/apply', { _csrf: csrf })).location!;
  assert.equal((await postFiles(ali, left, { _csrf: csrf }, { report: { name: 'left.pdf', bytes: PDF } })).status, 303);
  const leftId = left.split('/')[3]!;
  const leftFile = (await tp.services.applications.mine({ nationalCode: F.nationalCode, name: { fa: '', en: '' }, mobile: null }, leftId)).application.answers.report as string;
  await tp.database.db.updateTable('applications' as never).set({ expires_at: '2000-01-01T00:00:00.000Z' } as never).where('id' as never, '=', leftId as never).execute();
  await tp.jobs.schedule(tp.database.db, JOBS.purgeDrafts, {}, { runAt: tp.clock.now(), key: 'daily' });
  await eventually(async () => (await tp.jobs.runDue(), (await tp.files.meta(leftFile)) === null));
  assert.equal((await tp.files.meta(attachedFile))?.name, 'report.pdf', 'a submitted application keeps its file');
});

test('the applicant and the judiciary’s caseworker download the attachment; nobody else can', async () => {
  const status = await ali.get(`/account/applications/${attachedApp}`);
  const href = `/account/applications/${attachedApp}/files/${attachedFile}`;
  assert.match(status.body, new RegExp(`<a href="${href}" download><span dir="auto">report\\.pdf</span></a>`));
  const mine = await download(ali, href);
  assert.equal(mine.status, 200);
  assert.equal(mine.headers.get('content-type'), 'application/pdf');
  assert.equal(mine.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(mine.headers.get('content-disposition'), `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
  assert.ok(Buffer.from(await mine.arrayBuffer()).equals(PDF));

  const cw = new Browser(tp.url!);
  assert.equal(await signInToPortal(cw, tp.url!, CASEWORKER, '/console'), '/console');
  const casePage = await cw.get(`/console/applications/${attachedApp}`);
  const caseHref = /<a href="(\/console\/applications\/[0-9a-f-]+\/files\/[0-9a-f-]+)" download>/.exec(casePage.body)?.[1];
  assert.equal(caseHref, `/console/applications/${attachedApp}/files/${attachedFile}`);
  const theirs = await download(cw, caseHref!);
  assert.equal(theirs.status, 200);
  assert.equal(theirs.headers.get('content-type'), 'application/pdf');
  assert.match(theirs.headers.get('content-disposition') ?? '', /^attachment; filename="report\.pdf"/);

  // The agency's own case system, through its API: the application lists the attachment, which downloads as it was uploaded.
  const viaApi = (await (await agency(`/api/agency/v1/applications/${attachedApp}`)).json()) as { attachments: Array<{ id: string; name: string; type: string; size: number; url: string }> };
  const apiFile = `/api/agency/v1/applications/${attachedApp}/files/${attachedFile}`;
  assert.deepEqual(viaApi.attachments, [{ id: attachedFile, name: 'report.pdf', type: 'application/pdf', size: PDF.length, url: `${tp.config.publicUrl}${apiFile}` }]);
  const fromApi = await agency(apiFile);
  assert.equal(fromApi.status, 200);
  assert.equal(fromApi.headers.get('content-type'), 'application/pdf');
  assert.equal(fromApi.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(Buffer.from(await fromApi.arrayBuffer()).equals(PDF));
  assert.equal((await agency(apiFile, { key: 'wrong' })).status, 401, 'without the credential');
  assert.equal((await fetch(`${tp.url}${apiFile}`)).status, 401, 'without any credential');

  const stranger = new Browser(tp.url!);
  await signInToPortal(stranger, tp.url!, { nationalCode: DEMO_FIXTURES.foreign.nationalCode, mobile: DEMO_FIXTURES.foreign.mobile }, '/account');
  assert.equal((await download(stranger, href)).status, 404, 'another citizen');
  assert.equal((await download(stranger, caseHref!)).status, 303, 'not staff: sent to sign in');
  assert.equal((await download(cw, href)).status, 404, 'the caseworker as a citizen: not their application');
  assert.equal((await download(null, href)).status, 303, 'signed out: sent to sign in');
  const unnamed = await tp.files.put(tp.database.db, { bytes: PDF, name: 'x.pdf', owner: `application:${attachedApp}` });
  assert.equal((await download(ali, `/account/applications/${attachedApp}/files/${unnamed.id}`)).status, 404, 'only a file the answers name');
  assert.equal((await agency(`/api/agency/v1/applications/${attachedApp}/files/${unnamed.id}`)).status, 404, 'the agency API too: only a file the answers name');
  assert.equal((await agency(`/api/agency/v1/applications/${attachedApp}/files/not-an-id`)).status, 400, 'a malformed id');
});

test('the citizen API: POST /api/v1/files, then an application naming the file; a file of someone else is refused', async () => {
  const site = await tp.identity.clients.add({ name: 'Test app', redirectUris: ['http://127.0.0.1:9/callback'] }, 'test');
  // An access token as the provider issues it to a site for the person (the code flow itself: citizen-token.e2e.test.ts).
  const key = await tp.keys.active('oidc', 'RS256');
  const token = await new SignJWT({ scope: 'openid applications', client_id: site.clientId })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key.kid })
    .setIssuer(tp.config.publicUrl)
    .setAudience(citizenApiResource(tp.config.publicUrl))
    .setSubject(await tp.identity.people.subjectOf(F.nationalCode))
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key.privateKey);
  const api = (path: string, init: { body?: FormData | string; key?: string; auth?: boolean } = {}) =>
    fetch(`${tp.url}${path}`, {
      method: 'POST',
      body: init.body,
      headers: { ...(init.auth === false ? {} : { authorization: `Bearer ${token}` }), ...(typeof init.body === 'string' ? { 'content-type': 'application/json', 'idempotency-key': init.key ?? 'k' } : {}) },
    });
  const upload = (name: string, bytes: Uint8Array) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), name);
    return form;
  };

  assert.equal((await api('/api/v1/files', { body: upload('a.pdf', PDF), auth: false })).status, 401);
  const created = await api('/api/v1/files', { body: upload('گزارش.pdf', PDF) });
  assert.equal(created.status, 201);
  const file = (await created.json()) as { id: string; name: string; type: string; size: number };
  assert.deepEqual({ ...file, id: '' }, { id: '', name: 'گزارش.pdf', type: 'application/pdf', size: PDF.length });
  const text = await api('/api/v1/files', { body: upload('a.pdf', Buffer.from('plain text')) });
  assert.equal(text.status, 400);
  assert.equal(((await text.json()) as { error: { code: string } }).error.code, 'file_type');
  const big = Buffer.alloc(6 * 1024 * 1024);
  PDF.copy(big);
  assert.equal((await api('/api/v1/files', { body: upload('big.pdf', big) })).status, 413);

  const apply = (report: string, key: string) => api('/api/v1/applications', { body: JSON.stringify({ service: 'JUDICIARY-0907', answers: { report } }), key });
  const foreign = await apply(attachedFile, 'attach-key-foreign');
  assert.equal(foreign.status, 400, 'a file of a draft is not the API’s to name');
  const refusal = (await foreign.json()) as { error: { code: string; details: Array<{ field: string; code: string }> } };
  assert.deepEqual([refusal.error.code, refusal.error.details.map((d) => `${d.field}:${d.code}`)], ['invalid_answers', ['report:file_id']]);
  const ok = await apply(file.id, 'attach-key-own');
  assert.equal(ok.status, 201);
  const made = (await ok.json()) as { id: string };
  const got = await fetch(`${tp.url}/api/v1/applications/${made.id}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(((await got.json()) as { answers: { report: string } }).answers.report, file.id);

  // An upload no application names is kept as long as a draft, then the daily purge removes it; a named one stays.
  const unused = (await (await api('/api/v1/files', { body: upload('unused.pdf', PDF) })).json()) as { id: string };
  const recent = (await (await api('/api/v1/files', { body: upload('recent.pdf', PDF) })).json()) as { id: string };
  const old = new Date(tp.clock.now().getTime() - 31 * 86_400_000).toISOString();
  await tp.database.db.updateTable('stored_files' as never).set({ created_at: old } as never).where('id' as never, 'in', [unused.id, file.id] as never).execute();
  await tp.jobs.schedule(tp.database.db, JOBS.purgeDrafts, {}, { runAt: tp.clock.now(), key: 'daily' });
  await eventually(async () => (await tp.jobs.runDue(), (await tp.files.meta(unused.id)) === null));
  assert.ok(await tp.files.meta(file.id), 'the file an application names is kept, however old');
  assert.ok(await tp.files.meta(recent.id), 'an unused upload within its keeping period is kept');
  assert.ok(await tp.files.meta(attachedFile), 'a draft page’s file of a submitted application is kept');

  const doc = (await (await fetch(`${tp.url}/api/docs/json`)).json()) as { paths: Record<string, { post?: { requestBody?: { content: Record<string, unknown> } } }> };
  assert.ok(doc.paths['/api/v1/files']?.post?.requestBody?.content['multipart/form-data'], 'described in the OpenAPI document');
});
