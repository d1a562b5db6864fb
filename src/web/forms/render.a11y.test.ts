import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { nationalCodeCheckDigit } from '../../platform/national-code.js';
import { exampleForm } from '../../services/forms/examples.js';
import { compileForm, parsePage, type PostBody } from '../../services/forms/index.js';
import { html } from '../html.js';
import type { Lang } from '../i18n.js';
import { page as layout } from '../layout.js';
import { pageTitle, renderAnswersSummary, renderPage } from './index.js';

/**
 * Every kind of field rendered in both languages, without and with errors, in Chromium: axe-core
 * with all its default rules finds nothing on a desktop or on a 390-pixel phone, nothing scrolls
 * sideways on the phone, and a Persian page shows no Latin digits outside left-to-right parts. The
 * pages are set as content with the site's stylesheet inlined: no server is needed.
 */

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const css = fs.readFileSync(new URL('../assets/style.css', import.meta.url), 'utf8');
const form = compileForm(exampleForm);
const CODE = `001234567${nationalCodeCheckDigit('001234567')}`;
const FILE = '0190d5d2-8a3b-7c4d-9e5f-0123456789ab';
const PHONE = { width: 390, height: 844 };

const answers = {
  purpose: 'other',
  purposeOther: 'پژوهش',
  languages: ['fa', 'en'],
  employer: 'شرکت نمونه',
  staff: 1200,
  startDate: '1405-09-16',
  employerCode: CODE,
  hasGuarantor: true,
  guarantorCode: CODE,
  guarantorMobile: '09123456789',
  guarantorPostalCode: '1434843181',
  newAddress: { postalCode: '1434843181', details: 'طبقه ۲، واحد ۴' },
  workAddress: { province: 'تهران', city: 'تهران', street: 'خیابان آزادی', alley: 'کوچه یکم', plaque: '۱۲', unit: '۴', postalCode: '1434843181' },
  letter: FILE,
  notes: 'یک\nدو',
};
// Posts that break every field, so that each kind is also seen with its message.
const badPosts: Record<string, PostBody> = {
  purpose: {},
  'purpose-other': { purposeOther: 'ab' },
  languages: { languages: 'xx' },
  employer: { employer: '', staff: 'abc', 'startDate-day': '31', 'startDate-month': '7', 'startDate-year': '1405', employerCode: '123' },
  guarantor: { hasGuarantor: 'maybe' },
  'guarantor-details': { guarantorCode: '1', guarantorMobile: '2', guarantorPostalCode: '3' },
  address: { 'newAddress-postalCode': 'x', 'workAddress-city': 'تهران' },
  letter: { letter: 'not-an-id', notes: 'x'.repeat(2001) },
};

function fullPage(lang: Lang, title: string, body: ReturnType<typeof renderPage>): string {
  return layout({ lang, title, path: '/services/x/apply', body, noindex: true }).replace('<link rel="stylesheet" href="/assets/style.css">', `<style>${css}</style>`);
}

let browser: Browser;
let tab: Page;

async function axe(p: Page) {
  if (!(await p.evaluate(() => 'axe' in window))) await p.addScriptTag({ content: axeSource });
  return p.evaluate(async () => {
    const a = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const r = await a.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  });
}

async function check(label: string, lang: Lang, content: string) {
  await tab.setViewportSize({ width: 1280, height: 900 });
  await tab.setContent(content);
  assert.deepEqual(await axe(tab), [], `${label}: axe on a desktop`);
  assert.equal(await tab.locator('h1').count(), 1, `${label}: one <h1>`);
  if (lang === 'fa') {
    const latin = await tab.evaluate(() => {
      const found: string[] = [];
      const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = w.nextNode(); n; n = w.nextNode()) {
        const el = n.parentElement!;
        if (/[0-9]/.test(n.textContent ?? '') && !el.closest('[dir=ltr], style, script') && el.closest('[lang]')?.getAttribute('lang') === 'fa') found.push(n.textContent!.trim());
      }
      return found;
    });
    assert.deepEqual(latin, [], `${label}: Latin digits on a Persian page`);
  }
  await tab.setViewportSize(PHONE);
  const wide = await tab.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= PHONE.width, `${label}: ${wide} px wide at ${PHONE.width} px`);
  assert.deepEqual(await axe(tab), [], `${label}: axe at ${PHONE.width} px`);
}

describe('form pages in Chromium', () => {
  before(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    tab = await (await browser.newContext()).newPage();
  });
  after(async () => {
    await browser?.close();
  });

  for (const lang of ['fa', 'en'] as const) {
    it(`every page with its answers, in ${lang}`, async () => {
      const kinds = new Set<string>();
      for (const p of form.pages) {
        p.fields.forEach((f) => kinds.add(form.fields[f]!.kind));
        const body = renderPage(form, p, { lang, action: `/services/x/apply/${p.id}`, csrfToken: 't', answers, backHref: '/services/x' });
        await check(`${p.id} (${lang})`, lang, fullPage(lang, pageTitle(form, p, lang), body));
      }
      assert.equal(kinds.size, 12, 'every kind of field was rendered');
    });

    it(`every page with an error on every field, in ${lang}`, async () => {
      for (const p of form.pages) {
        const parsed = parsePage(form, p.id, badPosts[p.id]!, answers);
        assert.ok(p.fields.every((f) => parsed.errors.some((e) => e.field === f)), `${p.id}: every field has a problem (${parsed.errors.map((e) => e.field).join(', ')})`);
        const body = renderPage(form, p, { lang, action: `/services/x/apply/${p.id}`, csrfToken: 't', answers, errors: parsed.errors, posted: parsed.posted });
        await check(`${p.id} with errors (${lang})`, lang, fullPage(lang, pageTitle(form, p, lang, true), body));
        // The summary's links lead to inputs that exist.
        for (const href of await tab.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!))) {
          assert.equal(await tab.locator(href).count(), 1, `${p.id}: ${href} is on the page`);
        }
      }
    });

    it(`check your answers, in ${lang}`, async () => {
      const body = renderAnswersSummary(form, answers, lang, (id) => `/services/x/apply/${id}`);
      await check(`summary (${lang})`, lang, fullPage(lang, 'check', html`<h1>${lang === 'fa' ? 'پاسخ‌هایتان را بررسی کنید' : 'Check your answers'}</h1>${body}`));
    });
  }
});
