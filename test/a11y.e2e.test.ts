import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { demoCatalog } from '../src/app.js';
import { Browser as TestBrowser } from './browser.js';
import { follow, latestCode, outboxIds, signInToPortal } from './signin.js';
import { connectPortalToExchange } from '../src/web/inquiries/connect.js';
import { DEMO_FIXTURES } from '../src/agencies/index.js';
import { testPlatform, type TestPlatform } from './harness.js';

/**
 * Accessibility and page quality of every kind of public page, in Persian and English, as Chromium
 * sees the real server with the demo catalogue: axe-core with all its rules, the page weight, the
 * language and direction, that the page shows without JavaScript, the local font and Persian digits.
 */

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const MAX_HTML_BYTES = 100 * 1024;
// A service with an online channel, so its page shows the "start now" button.
const SERVICE = 'apply-for-a-passport';

interface PageCase {
  path: string;
  lang: 'fa' | 'en';
  status: number;
}

const paths = (lang: 'fa' | 'en', q: string): PageCase[] => {
  const p = lang === 'fa' ? '' : '/en';
  const q1 = encodeURIComponent(q);
  return [
    [`${p}/`, 200],
    [`${p}/services?q=${q1}`, 200],
    // A chosen facet renders differently (a "clear" link and the selected value).
    [`${p}/services?q=${q1}&channel=online`, 200],
    // No query: the whole catalogue, with paging.
    [`${p}/services?page=2`, 200],
    [`${p}/services/${SERVICE}`, 200],
    [`${p}/organizations`, 200],
    // Has a parent agency and a website address with digits in it.
    [`${p}/organizations/RAHVAR`, 200],
    [`${p}/topics/travel`, 200],
    [`${p}/life-events/birth`, 200],
    [`${p}/windows/universities`, 200],
    [`${p}/windows/land`, 200],
    [`${p}/no-such-page`, 404],
    [`${p}/console/login`, 200],
    // Through the portal's relying party to the national identity's sign-in page (its language follows ui_locales).
    [`${p}/account/signin`, 200],
    // The exchange's developer portal and the portal's public inquiry (the demo agencies are registered in before()).
    [`${p}/developers`, 200],
    [`${p}/developers/sandbox`, 200],
    [`${p}/developers/services/IR/GOV/NOCR/registry/person`, 200],
    [`${p}/inquiries`, 200],
    [`${p}/inquiries/postal-address`, 200],
  ].map(([path, status]) => ({ path: path as string, lang, status: status as number }));
};
const PAGES = [...paths('fa', 'گذرنامه'), ...paths('en', 'passport')];

let tp: TestPlatform;
let browser: Browser;
// Pages are loaded with JavaScript off, as the portal promises to work without it; axe itself is
// JavaScript, so it runs in a second context on the same server-rendered address.
let noJs: BrowserContext;
let withJs: BrowserContext;

before(async () => {
  tp = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'true' } });
  await tp.catalog.import(demoCatalog(), { actor: 'demo' });
  await tp.agencies.seed();
  await connectPortalToExchange(tp);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  noJs = await browser.newContext({ javaScriptEnabled: false });
  withJs = await browser.newContext();
});
after(async () => {
  await browser?.close();
  await tp?.dispose();
});

interface AxeRule {
  id: string;
  impact: string | null;
  help: string;
  tags: string[];
  nodes: Array<{ target: unknown[] }>;
}
type AxeViolation = Omit<AxeRule, 'tags'>;
type AxeResults = Record<'violations' | 'passes' | 'incomplete' | 'inapplicable', AxeRule[]>;

/** Runs axe-core with every rule it enables by default (no `runOnly`), on the page as loaded. */
async function axeAudit(page: Page): Promise<{ violations: AxeViolation[]; tags: Set<string> }> {
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<AxeResults> } }).axe;
    // Only violations carry every failing node; the other groups still name each rule that ran.
    const res = await axe.run(document, { resultTypes: ['violations'] });
    return {
      violations: res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })),
      tags: [res.violations, res.passes, res.incomplete, res.inapplicable].flat().flatMap((rule) => rule.tags),
    };
  });
  return { violations: r.violations, tags: new Set(r.tags) };
}

const report = (vs: AxeViolation[]) =>
  vs.map((v) => `  ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)}`).join('\n')}`).join('\n');

/** Text on a Persian page that shows Latin digits, outside parts marked left-to-right or in another language (web addresses, the language switch). */
function latinDigitsOutsideLtr(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = /[0-9]/.test(document.title) ? [document.title] : [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement!;
      if (!/[0-9]/.test(n.textContent ?? '') || el.closest('[dir=ltr]') || el.closest('[lang]')?.getAttribute('lang') !== 'fa') continue;
      if (getComputedStyle(el).display === 'none' || el.closest('.skip-link')) continue;
      found.push(n.textContent!.trim());
    }
    return found;
  });
}

/** The page checks: status, size, language and direction; without JavaScript one visible <h1> and Persian digits; axe-core with JavaScript. */
async function checkPage(c: PageCase, as: { get(url: string): Promise<{ status: number; body: Buffer; contentType: string | null }>; noJs: BrowserContext; withJs: BrowserContext }) {
  const url = `${tp.url}${c.path}`;
  const res = await as.get(url);
  assert.equal(res.status, c.status);
  if (res.contentType !== null) assert.match(res.contentType, /^text\/html/);
  assert.ok(res.body.length < MAX_HTML_BYTES, `${res.body.length} bytes of HTML`);
  const htmlTag = /<html\b[^>]*>/i.exec(res.body.toString('utf8'))?.[0] ?? '';
  assert.match(htmlTag, c.lang === 'fa' ? /\blang="fa"/ : /\blang="en"/, htmlTag);
  assert.match(htmlTag, c.lang === 'fa' ? /\bdir="rtl"/ : /\bdir="ltr"/, htmlTag);

  const plain = await as.noJs.newPage();
  try {
    const r = await plain.goto(url);
    assert.equal(r?.status(), c.status);
    const h1 = plain.locator('h1');
    assert.equal(await h1.count(), 1, 'one <h1>');
    assert.ok(await h1.isVisible(), 'the <h1> shows without JavaScript');
    assert.ok((await h1.innerText()).trim().length > 0, 'the <h1> has text');
    if (c.lang === 'fa') assert.deepEqual(await latinDigitsOutsideLtr(plain), [], 'Latin digits on a Persian page');
  } finally {
    await plain.close();
  }

  const audited = await as.withJs.newPage();
  try {
    await audited.goto(url);
    const { violations, tags } = await axeAudit(audited);
    for (const tag of ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']) assert.ok(tags.has(tag), `axe ran no ${tag} rule`);
    assert.equal(violations.length, 0, `axe-core found violations on ${decodeURIComponent(c.path)}:\n${report(violations)}`);
  } finally {
    await audited.close();
  }
}

const anonymous = {
  async get(url: string) {
    // The sign-in flow needs its cookies kept across redirects, as a browser keeps them.
    if (url.includes('/account/signin')) {
      const r = await follow(new TestBrowser(tp.url!), url, tp.url!);
      return { status: r.status, body: Buffer.from(r.body), contentType: null };
    }
    const res = await fetch(url, { headers: { accept: 'text/html' } });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type') };
  },
  get noJs() {
    return noJs;
  },
  get withJs() {
    return withJs;
  },
};

// Pages are independent, so a few load at once: most of a page's time is spent waiting on Chromium.
describe('every kind of page', { concurrency: 4 }, () => {
  for (const c of PAGES) {
    test(`${decodeURIComponent(c.path)} is accessible, light, ${c.lang === 'fa' ? 'RTL Persian' : 'LTR English'} and works without JavaScript`, () => checkPage(c, anonymous));
  }
});

/** A signed-in visitor: the test browser's cookies, given to both Chromium contexts too. */
async function signedIn(b: TestBrowser) {
  const cookies = b.cookieList().map(([name, value]) => ({ name, value, url: tp.url! }));
  const [nj, wj] = [await browser.newContext({ javaScriptEnabled: false }), await browser.newContext()];
  await nj.addCookies(cookies);
  await wj.addCookies(cookies);
  return {
    noJs: nj,
    withJs: wj,
    async get(url: string) {
      const r = await b.get(url);
      return { status: r.status, body: Buffer.from(r.body), contentType: null };
    },
  };
}

describe('pages behind sign-in', () => {
  const both = (path: string) => (['fa', 'en'] as const).map((lang) => ({ path: `${lang === 'en' ? '/en' : ''}${path}`, lang, status: 200 }));

  test('a citizen: My Panjareh, consents, data tracker, an inquiry, a consent request', async () => {
    const ali = DEMO_FIXTURES.person;
    const b = new TestBrowser(tp.url!);
    await signInToPortal(b, tp.url!, ali);
    // An inquiry through the gateway, so the data tracker has a row to show.
    const form = await b.get('/inquiries/civil-registry');
    assert.equal((await b.post('/inquiries/civil-registry', { _csrf: TestBrowser.csrf(form.body) })).status, 200);
    // A business asks for the person's consent.
    const bank = 'IR/COM/10100000001/kyc';
    await tp.exchange.registry.addMember({ id: 'IR/COM/10100000001', name: 'بانک نمونه' }, 'test');
    await tp.exchange.registry.addSubsystem({ id: bank, name: 'احراز هویت مشتری' }, 'test');
    await tp.exchange.contracts.grant({ client: bank, service: 'IR/GOV/NOCR/registry/person', purpose: 'KYC' }, 'test');
    const consent = await tp.exchange.consents.request({ subject: ali.nationalCode, client: bank, services: ['IR/GOV/NOCR/registry/person'], purpose: 'افتتاح حساب', expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) }, 'test');
    const as = await signedIn(b);
    try {
      for (const path of ['/account', '/account/consents', '/account/data-access', '/inquiries/civil-registry', `/consents/${consent.id}`]) {
        for (const c of both(path)) await checkPage(c, as);
      }
    } finally {
      await as.noJs.close();
      await as.withJs.close();
    }
  });

  test("the national identity's own pages for an agency's site: the code page, the consent screen, sign-out", async () => {
    const ali = DEMO_FIXTURES.person;
    const redirect = 'http://127.0.0.1:9/callback';
    const rp = await tp.identity.clients.add({ name: 'سامانهٔ آزمون / Test agency', redirectUris: [redirect], postLogoutRedirectUris: ['http://127.0.0.1:9/signed-out'] }, 'test');
    for (const lang of ['fa', 'en'] as const) {
      const b = new TestBrowser(tp.url!);
      const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
      const auth = `${tp.url}/oidc/auth?${new URLSearchParams({ client_id: rp.clientId, response_type: 'code', redirect_uri: redirect, scope: 'openid profile national_code phone', code_challenge: challenge, code_challenge_method: 'S256', state: 'a11y', ui_locales: lang })}`;
      const signin = await follow(b, auth, tp.url!);
      assert.match(signin.body, /name="national_code"/);
      const signinPath = new URL(signin.url, tp.url).pathname;
      const seen = await outboxIds(tp.url!, ali.mobile);
      const sent = await b.post(`${signinPath}/code`, { _csrf: TestBrowser.csrf(signin.body), national_code: ali.nationalCode, mobile: ali.mobile });
      assert.equal(sent.status, 303);
      const otpPath = new URL(sent.location!, tp.url).pathname + new URL(sent.location!, tp.url).search;
      let as = await signedIn(b);
      try {
        await checkPage({ path: otpPath, lang, status: 200 }, as);
      } finally {
        await as.noJs.close();
        await as.withJs.close();
      }
      const otpPage = await b.get(otpPath);
      const verified = await b.post(`${signinPath}/otp`, { _csrf: TestBrowser.csrf(otpPage.body), otp: await latestCode(tp.url!, ali.mobile, seen) });
      assert.equal(verified.status, 303);
      const consent = await follow(b, new URL(verified.location!, tp.url).href, tp.url!);
      assert.match(consent.body, /name="decision"/, 'the consent screen names the site and the data');
      as = await signedIn(b);
      try {
        await checkPage({ path: new URL(consent.url, tp.url).pathname + new URL(consent.url, tp.url).search, lang, status: 200 }, as);
        // RP-initiated sign-out asks first.
        await checkPage({ path: `/oidc/session/end?${new URLSearchParams({ client_id: rp.clientId, ui_locales: lang })}`, lang, status: 200 }, as);
      } finally {
        await as.noJs.close();
        await as.withJs.close();
      }
    }
  });

  test('the authority: the catalogue workflow, relying parties, exchange onboarding, contracts, keys, the demo outbox', async () => {
    await tp.staff.add({ username: 'operator', password: 'correct horse battery staple', role: 'admin' });
    const b = new TestBrowser(tp.url!);
    assert.equal((await b.signIn('operator', 'correct horse battery staple')).status, 303);
    const as = await signedIn(b);
    try {
      // The catalogue's workflow pages (dashboard, a new entry, an entry and its form) and the authority's own.
      const catalogue = ['/console', '/console/services/new', '/console/services/PASSPORT-0001', '/console/services/PASSPORT-0001/edit'];
      for (const path of [...catalogue, '/console/relying-parties', '/console/exchange', '/console/exchange/services/new', '/console/exchange/contracts', '/console/exchange/keys', '/console/outbox?to=09123456789']) {
        for (const c of both(path)) await checkPage(c, as);
      }
    } finally {
      await as.noJs.close();
      await as.withJs.close();
    }
  });
});

test('Persian pages show numbers in Persian digits', async () => {
  const home = await (await fetch(`${tp.url}/`)).text();
  const stats = /<p class="secondary">([^<]*)<\/p>/.exec(home)?.[1] ?? '';
  assert.match(stats, /^[۰-۹٬]+ خدمت از [۰-۹٬]+ دستگاه$/, stats);
  const results = await (await fetch(`${tp.url}/services?q=${encodeURIComponent('گذرنامه')}`)).text();
  assert.match(results, /<strong>[۰-۹٬]+ خدمت<\/strong>/);
  assert.match(await (await fetch(`${tp.url}/services/${SERVICE}`)).text(), /PASSPORT-۰۰۰۱/);
});

test('the Vazirmatn font is served by this server, and Chromium uses it', async () => {
  const css = await (await fetch(`${tp.url}/assets/style.css`)).text();
  const fontUrls = [...css.matchAll(/url\(['"]?([^'")]+)['"]?\)/g)].map((m) => m[1]!);
  assert.ok(fontUrls.length > 0, 'the stylesheet names a font file');
  for (const u of fontUrls) {
    assert.match(u, /^\/fonts\/Vazirmatn/, `${u} is served locally`);
    const res = await fetch(`${tp.url}${u}`);
    assert.equal(res.status, 200, u);
    assert.match(res.headers.get('content-type') ?? '', /^font\/woff2/, u);
    await res.arrayBuffer();
  }
  const page = await withJs.newPage();
  try {
    await page.goto(`${tp.url}/`);
    const loaded = await page.evaluate(async () => {
      await document.fonts.ready;
      return [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'Vazirmatn').map((f) => f.status);
    });
    assert.deepEqual(loaded, ['loaded']);
  } finally {
    await page.close();
  }
});
