import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { demoCatalog } from '../src/app.js';
import { connectPortalToExchange } from '../src/web/inquiries/connect.js';
import { Browser as TestBrowser } from './browser.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { follow } from './signin.js';

/**
 * What the accessibility tests share: the real server with the demo catalogue and agencies, Chromium,
 * and the checks of one page (axe-core with all its rules on a desktop and on a 390-pixel phone, the
 * page weight, language and direction, that it shows without JavaScript, Persian digits and no English
 * phrase on Persian pages, no sideways scrolling on the phone). The tests are split over several files
 * so that each finishes well within the runner's per-file timeout and two run side by side.
 */

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const MAX_HTML_BYTES = 100 * 1024;
// A service with an online channel, so its page shows the "start now" button.
export const SERVICE = 'apply-for-a-passport';

export interface PageCase {
  path: string;
  lang: 'fa' | 'en';
  status: number;
}

export const paths = (lang: 'fa' | 'en', q: string): PageCase[] => {
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
    // The key page opened again: the key is shown once, so it says so.
    [`${p}/developers/sandbox/key`, 200],
    [`${p}/developers/services/IR/GOV/NOCR/registry/person`, 200],
    [`${p}/inquiries`, 200],
    [`${p}/inquiries/postal-address`, 200],
    // The public API's reference, rendered on the server.
    [`${p}/api/docs`, 200],
  ].map(([path, status]) => ({ path: path as string, lang, status: status as number }));
};
export const PAGES = [...paths('fa', 'گذرنامه'), ...paths('en', 'passport')];


export let tp: TestPlatform;
export let browser: Browser;
// Pages are loaded with JavaScript off, as the portal promises to work without it; axe itself is
// JavaScript, so it runs in a second context on the same server-rendered address.
export let noJs: BrowserContext;
export let withJs: BrowserContext;

/** Starts the server and Chromium before the file's tests and stops them after. */
export function useA11yPlatform(): void {
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
}

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
export async function axeAudit(page: Page): Promise<{ violations: AxeViolation[]; tags: Set<string> }> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
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

export const report = (vs: AxeViolation[]) =>
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

/**
 * Text on a Persian page that is an English phrase (two words in a row with small Latin letters, such
 * as "Sandbox developer" or "Identity record"), outside code and parts marked as English. Identifiers
 * (`IR/GOV/NOCR/registry`, `Server.ServerProxy.ConsentInvalid`, `RAHVAR-0006`) are one word and pass.
 */
function englishOnPersianPage(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const phrase = /[A-Za-z]*[a-z][A-Za-z]*[ ,]+[A-Za-z]*[a-z][A-Za-z]*/;
    const found: string[] = phrase.test(document.title) ? [document.title] : [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement!;
      if (!phrase.test(n.textContent ?? '') || el.closest('code, pre, kbd, samp, script, style, noscript')) continue;
      if (el.closest('[lang]')?.getAttribute('lang') !== 'fa' || getComputedStyle(el).display === 'none') continue;
      found.push(n.textContent!.trim());
    }
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], input[type=submit][value]')) {
      for (const a of ['aria-label', 'title', 'placeholder', 'value']) {
        const v = el.getAttribute(a);
        if (v && phrase.test(v) && el.closest('[lang]')?.getAttribute('lang') === 'fa') found.push(`${a}="${v}"`);
      }
    }
    return found;
  });
}

/** On a phone, nothing may make the page scroll sideways. */
export async function assertFitsWidth(page: Page, width: number, path: string) {
  const wide = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    culprits: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 || e.getBoundingClientRect().left < -1)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.className ? `.${String(e.className).split(' ')[0]}` : ''}: ${(e.textContent ?? '').trim().slice(0, 60)}`),
  }));
  assert.ok(wide.page <= width, `${decodeURIComponent(path)} is ${wide.page} px wide at ${width} px:\n  ${wide.culprits.join('\n  ')}`);
}

export const PHONE = { width: 390, height: 844 };

/**
 * The page checks: status, size, language and direction; without JavaScript one visible <h1>,
 * Persian digits and no English phrase on Persian pages; no sideways scrolling on a 390-pixel
 * phone; axe-core with JavaScript on a desktop and on the phone.
 */
export async function checkPage(c: PageCase, as: { get(url: string): Promise<{ status: number; body: Buffer; contentType: string | null }>; noJs: BrowserContext; withJs: BrowserContext }) {
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
    if (c.lang === 'fa') assert.deepEqual(await englishOnPersianPage(plain), [], 'English on a Persian page');
    await plain.setViewportSize(PHONE);
    await assertFitsWidth(plain, PHONE.width, c.path);
  } finally {
    await plain.close();
  }

  const audited = await as.withJs.newPage();
  try {
    await audited.goto(url);
    const { violations, tags } = await axeAudit(audited);
    for (const tag of ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']) assert.ok(tags.has(tag), `axe ran no ${tag} rule`);
    assert.equal(violations.length, 0, `axe-core found violations on ${decodeURIComponent(c.path)}:\n${report(violations)}`);
    await audited.setViewportSize(PHONE);
    await assertFitsWidth(audited, PHONE.width, c.path);
    const phone = await axeAudit(audited);
    assert.equal(phone.violations.length, 0, `axe-core found violations on ${decodeURIComponent(c.path)} at ${PHONE.width} px:\n${report(phone.violations)}`);
  } finally {
    await audited.close();
  }
}

/**
 * The checks of checkPage on the page as it stands in the browser now, for states that only a form's
 * POST reaches (its errors, the page a redirect leads to with its one-time confirmation).
 */
export async function checkCurrent(page: Page, lang: 'fa' | 'en', label: string) {
  const size = page.viewportSize();
  assert.equal(await page.locator('h1').count(), 1, `${label}: one <h1>`);
  assert.match((await page.locator('html').getAttribute('lang')) ?? '', new RegExp(`^${lang}$`), label);
  if (lang === 'fa') assert.deepEqual(await latinDigitsOutsideLtr(page), [], `${label}: Latin digits on a Persian page`);
  if (lang === 'fa') assert.deepEqual(await englishOnPersianPage(page), [], `${label}: English on a Persian page`);
  const desktop = await axeAudit(page);
  assert.equal(desktop.violations.length, 0, `axe-core found violations on ${label}:\n${report(desktop.violations)}`);
  await page.setViewportSize(PHONE);
  await assertFitsWidth(page, PHONE.width, label);
  const phone = await axeAudit(page);
  assert.equal(phone.violations.length, 0, `axe-core found violations on ${label} at ${PHONE.width} px:\n${report(phone.violations)}`);
  if (size) await page.setViewportSize(size);
}

/** A path in Persian and, under /en, in English, each expected to answer 200. */
export const both = (path: string): PageCase[] => (['fa', 'en'] as const).map((lang) => ({ path: `${lang === 'en' ? '/en' : ''}${path}`, lang, status: 200 }));

/** Signs in the operator's break-glass admin, who sees every console page, and hands the cookies to Chromium. */
export async function asAdmin() {
  await tp.staff.add({ username: 'operator', password: 'correct horse battery staple', role: 'admin' });
  const b = new TestBrowser(tp.url!);
  assert.equal((await b.signIn('operator', 'correct horse battery staple')).status, 303);
  return signedIn(b);
}

export const anonymous = {
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

/** A signed-in visitor: the test browser's cookies, given to both Chromium contexts too. */
export async function signedIn(b: TestBrowser) {
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

/** The characters of an element's text in the order they stand on the screen: lines from the top, each left to right (formatting marks and spaces left out). */
export function visualOrder(page: Page, selector: string): Promise<string> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return `(no ${sel})`;
    const chars: Array<{ c: string; x: number; line: number }> = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent ?? '';
      for (let i = 0; i < text.length; i++) {
        if (/[\u200e\u200f\u2066-\u2069\s]/.test(text[i]!)) continue;
        const r = document.createRange();
        r.setStart(n, i);
        r.setEnd(n, i + 1);
        const box = r.getBoundingClientRect();
        chars.push({ c: text[i]!, x: box.left + box.width / 2, line: Math.round((box.top + box.bottom) / 2 / 8) });
      }
    }
    // Line by line from the top, each line from left to right.
    return chars.sort((a, b) => a.line - b.line || a.x - b.x).map((x) => x.c).join('');
  }, selector);
}

