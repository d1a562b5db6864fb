import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_AGENCIES } from '../src/agencies/index.js';
import { demoCatalog } from '../src/app.js';
import { seedDemoExchange } from '../src/exchange/index.js';
import { nationalCodeCheckDigit } from '../src/platform/national-code.js';
import { INQUIRIES } from '../src/web/inquiries/inquiries.js';
import { Browser } from './browser.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { signInToPortal } from './signin.js';

/**
 * The demo catalogue wired to what the platform itself delivers (the inquiries), real agency codes
 * (POLICE-PASS, a legal entity's 11-digit national identifier) and the organisation ↔ exchange member
 * link, on the real server in both languages.
 */

let tp: TestPlatform;
const L = (fa: string, en: string) => ({ fa, en });
const editor = { nationalCode: `222333444${nationalCodeCheckDigit('222333444')}`, mobile: '09301119988' };

before(async () => {
  tp = await testPlatform({ listen: true });
  await tp.catalog.import(demoCatalog(), { actor: 'demo' });
  await tp.catalog.import(
    {
      organizations: [
        { code: 'POLICE-PASS', name: L('پلیس گذرنامه فراجا', 'FARAJA Passport Police'), parent: 'POLICE', website: null },
        { code: '10100000001', name: L('بانک نمونهٔ ملی', 'Sample National Bank'), parent: null, website: null, exchangeMembers: ['IR/COM/10100000001'] },
      ],
      services: [
        {
          code: 'POLICE-PASS-0001', organization: 'POLICE-PASS', title: L('تمدید گذرنامهٔ نمونه', 'Renew a sample passport'), summary: L('خلاصهٔ نمونه', 'A sample summary'),
          channels: [{ type: 'in-person', instructions: L('به دفتر پلیس+۱۰ بروید.', 'Go to a Police+10 office.') }],
        },
        { code: '10100000001-0001', organization: '10100000001', title: L('افتتاح حساب نمونه', 'Open a sample account'), summary: L('خلاصهٔ حساب', 'An account summary'), channels: [{ type: 'phone', number: '021-1234' }] },
      ],
    },
    { actor: 'test' },
  );
  await seedDemoExchange(tp.exchange.registry, { loopbackBaseUrl: tp.url! });
  await tp.agencies.seed();
  await tp.agencies.addPerson({ nationalCode: editor.nationalCode, mobile: editor.mobile, firstName: 'Rahvar', lastName: 'Editor', birthDate: '1985-05-05', gender: 'female' }, 'test');
  await tp.identity.staffGrants.grant({ nationalCode: editor.nationalCode, role: 'editor', organization: 'RAHVAR' }, 'test');
});
after(() => tp.dispose());

const get = async (path: string) => {
  const res = await fetch(`${tp.url}${path}`, { redirect: 'manual' });
  return { status: res.status, body: await res.text(), location: res.headers.get('location') };
};

test('every inquiry is the platform channel of a catalogue entry, and “start now” leads to it in either language', async () => {
  const res = await fetch(`${tp.url}/api/v1/services?channel=platform&pageSize=100`);
  const items = ((await res.json()) as { items: Array<{ code: string; slug: string; channels: Array<{ type: string; path?: string }> }> }).items;
  const paths = new Set(items.flatMap((i) => i.channels.filter((c) => c.type === 'platform').map((c) => c.path)));
  for (const d of INQUIRIES) assert.ok(paths.has(`/inquiries/${d.slug}`), `a catalogue entry leads to /inquiries/${d.slug}`);

  const fines = await get('/services/check-the-traffic-fines-on-your-vehicle');
  assert.equal(fines.status, 200);
  assert.match(fines.body, /<a class="button button--start" href="\/inquiries\/vehicle-fines">شروع کنید<\/a>/);
  assert.ok(!/button--start" href="https:/.test(fines.body), 'not the agency’s site');
  assert.match(fines.body, /<h3>در همین درگاه<\/h3><p><a href="\/inquiries\/vehicle-fines">/);
  const finesEn = await get('/en/services/check-the-traffic-fines-on-your-vehicle');
  assert.match(finesEn.body, /<a class="button button--start" href="\/en\/inquiries\/vehicle-fines">Start now<\/a>/);
  // The link works: the inquiry answers (a personal one sends a visitor to sign in first).
  for (const i of items) {
    for (const c of i.channels.filter((x) => x.type === 'platform')) {
      for (const p of ['', '/en']) {
        const r = await get(`${p}${c.path}`);
        assert.ok(r.status === 200 || (r.status === 303 && /\/account\/signin\?return=/.test(r.location ?? '')), `${p}${c.path}: ${r.status}`);
      }
    }
  }
  const api = (await (await fetch(`${tp.url}/api/v1/services/RAHVAR-0006`)).json()) as { channels: unknown[] };
  assert.deepEqual(api.channels[0], { type: 'platform', path: '/inquiries/vehicle-fines' });
});

test('search results mark services delivered here, and a facet filters them', async () => {
  const q = encodeURIComponent('خلافی خودرو');
  const results = await get(`/services?q=${q}`);
  const item = /<li>\s*<h2><a href="\/services\/check-the-traffic-fines-on-your-vehicle">[\s\S]*?<\/li>/.exec(results.body)?.[0] ?? '';
  assert.match(item, /<span class="tag tag--blue">در همین درگاه<\/span>/, 'the result is marked');
  const other = /<li>\s*<h2><a href="\/services\/pay-traffic-fines">[\s\S]*?<\/li>/.exec(results.body)?.[0] ?? '';
  assert.ok(other && !other.includes('در همین درگاه'), 'a service delivered elsewhere is not');
  assert.match(results.body, /<a href="\/services\?q=[^"]+&amp;channel=platform">در همین درگاه \(/, 'the facet offers it');

  const filtered = await get('/services?channel=platform');
  assert.equal(filtered.status, 200);
  const found = [...filtered.body.matchAll(/<h2><a href="\/services\/([^"]+)">/g)].map((m) => m[1]);
  assert.ok(found.length >= INQUIRIES.length && found.includes('check-the-traffic-fines-on-your-vehicle') && found.includes('see-your-civil-registry-record'), found.join(' '));
  assert.match(filtered.body, /<a class="selected" aria-current="true" href="\/services">✓ در همین درگاه/);
  const filteredEn = await get('/en/services?channel=platform');
  assert.match(filteredEn.body, /<span class="tag tag--blue">Here on Panjareh<\/span>/);
  assert.equal((await get('/services?channel=carrier-pigeon')).status, 400);
});

test('organisations with codes such as POLICE-PASS and 10100000001 have pages in both languages; another letter case redirects', async () => {
  for (const [code, fa, en, service] of [
    ['POLICE-PASS', 'پلیس گذرنامه فراجا', 'FARAJA Passport Police', 'renew-a-sample-passport'],
    ['10100000001', 'بانک نمونهٔ ملی', 'Sample National Bank', 'open-a-sample-account'],
  ] as const) {
    const pageFa = await get(`/organizations/${code}`);
    assert.equal(pageFa.status, 200, code);
    assert.match(pageFa.body, new RegExp(`<h1>${fa}</h1>`));
    assert.ok(pageFa.body.includes(`href="/services/${service}"`), `${code} lists its service`);
    const pageEn = await get(`/en/organizations/${code}`);
    assert.equal(pageEn.status, 200);
    assert.match(pageEn.body, new RegExp(`<h1>${en}</h1>`));
    const facet = await get(`/services?organization=${code}`);
    assert.ok(facet.body.includes(`href="/services/${service}"`), `?organization=${code} filters`);
    const lower = await get(`/en/organizations/${code.toLowerCase()}?q=x`);
    if (code !== code.toLowerCase()) {
      assert.equal(lower.status, 301);
      assert.equal(lower.location, `/en/organizations/${code}?q=x`);
    }
  }
  const list = await get('/organizations');
  assert.ok(list.body.includes('href="/organizations/POLICE-PASS"') && list.body.includes('href="/organizations/10100000001"'));
  const orgs = (await (await fetch(`${tp.url}/api/v1/organizations`)).json()) as { items: Array<{ code: string; exchangeMembers: string[] }> };
  assert.deepEqual(orgs.items.find((o) => o.code === 'NOCR')?.exchangeMembers, ['IR/GOV/NOCR']);
});

test('every demo agency on the exchange is its catalogue organisation, whose page shows its data services', async () => {
  for (const a of DEMO_AGENCIES) {
    const org = tp.catalog.read.organizationOfMember(a.id);
    assert.ok(org, `${a.id} is linked to an organisation`);
    assert.equal(org.code, a.id.split('/')[2], `${a.id}: the same agency`);
  }
  const nocr = await get('/organizations/NOCR');
  const section = /<section aria-labelledby="data-services">[\s\S]*?<\/section>/.exec(nocr.body)?.[0] ?? '';
  assert.match(section, /<h2 id="data-services">خدمات داده در شبکهٔ ملی تبادل داده<\/h2>/);
  assert.match(section, /<bdi class="code" dir="ltr">IR\/GOV\/NOCR<\/bdi>/);
  // The service's Persian name, which the demo seed gives every demo service.
  assert.match(section, /<a href="\/developers\/services\/IR\/GOV\/NOCR\/registry\/person">استعلام مشخصات هویتی<\/a>/);
  assert.ok(!section.includes('Identity record'), 'no English name on the Persian page');
  const nocrEn = await get('/en/organizations/NOCR');
  assert.match(nocrEn.body, /<a href="\/en\/developers\/services\/IR\/GOV\/NOCR\/registry\/person">Identity record<\/a>/);
  // Linked but with no data service yet; an organisation not on the exchange has no such section.
  assert.match((await get('/en/organizations/10100000001')).body, /offers no data service on the exchange yet/);
  assert.ok(!(await get('/organizations/POLICE-PASS')).body.includes('data-services'));
});

test('the console’s service form round-trips the platform channel and refuses a page that does not exist', async () => {
  const b = new Browser(tp.url!);
  assert.equal(await signInToPortal(b, tp.url!, editor, '/console'), '/console');
  const form = (path: string) => ({
    code: 'RAHVAR-0900', organization: 'RAHVAR', title_fa: 'خلافی‌های من', title_en: 'My fines', summary_fa: 'خلاصه', summary_en: 'Summary', platform_path: path, cost: '0', processingDays: '0',
  });
  const empty = await b.get('/console/services/new');
  assert.match(empty.body, /<input type="text" id="platform_path" name="platform_path" value="" dir="ltr"/);
  const bad = await b.submit('/console/services/new', '/console/services/new', form('/inquiries/nope'));
  assert.equal(bad.status, 400);
  assert.match(bad.body, /href="#platform_path"/, 'the problem is linked to its field');
  assert.match(bad.body, /در این درگاه نیست/);
  const created = await b.submit('/console/services/new', '/console/services/new', form('/inquiries/vehicle-fines'));
  assert.equal(created.status, 303, created.body.slice(0, 300));
  const edit = await b.get('/console/services/RAHVAR-0900/edit');
  assert.match(edit.body, /id="platform_path" name="platform_path" value="\/inquiries\/vehicle-fines"/);
  const working = await tp.catalog.workflow.working({ username: 'x', role: 'reviewer', organization: null }, 'RAHVAR-0900');
  assert.deepEqual(working.data.channels, [{ type: 'platform', path: '/inquiries/vehicle-fines' }]);
});
