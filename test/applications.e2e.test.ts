import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { DEMO_FIXTURES } from '../src/agencies/index.js';
import { connectPortalToExchange } from '../src/web/inquiries/connect.js';
import { Browser } from './browser.js';
import { catalogFile, organizations } from './fixtures.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { signInToPortal } from './signin.js';

/**
 * Applying online end to end on the real server in demo mode: the citizen's pages (start, a form page
 * with an error, check your answers with the civil registry's data, submit), the fee paid through the
 * demo payment provider, the agency deciding through the agency API with its exchange credential, the
 * signed document issued by the job, and the holder's PDF that pdfsig accepts.
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
  ] as never;
  await tp.catalog.import(file, { actor: 'test' });
  // The judiciary's case system: an exchange member and subsystem with an API key.
  await tp.exchange.registry.addMember({ id: 'IR/GOV/JUDICIARY', name: 'Judiciary' }, 'test');
  await tp.exchange.registry.addSubsystem({ id: AGENCY, name: 'Case system' }, 'test');
  agencyKey = (await tp.exchange.apiKeys.create(AGENCY, {}, 'test')).key;
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
  const sig = await run('pdfsig', [file]).then((o) => o.stdout, (e: { stdout?: string }) => e.stdout ?? '');
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
