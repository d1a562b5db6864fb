import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_FIXTURES } from '../src/agencies/index.js';
import { anonymous, both, checkCurrent, checkPage, signedIn, tp, useA11yPlatform, visualOrder } from './a11y-kit.js';
import { Browser } from './browser.js';
import { signInToPortal } from './signin.js';

/**
 * Accessibility of applying online, in both languages: the start page (signed out and in), a form page
 * with its errors, check your answers (with the registry's data), the receipt just after submission,
 * the application's page, my applications and my documents (with an issued document). The service is
 * the demo catalogue's unemployment benefit: no fee (so submitting leads straight to the receipt), two
 * form pages, a list of insured periods from the social security registry and a document at the end.
 */

useA11yPlatform();

const SERVICE = 'apply-for-unemployment-benefit';
const ali = DEMO_FIXTURES.person;

/** Answers both form pages through the test browser and returns the application's id. */
async function startAndAnswer(b: Browser, p: string): Promise<string> {
  const start = await b.get(`${p}/services/${SERVICE}/apply`);
  assert.equal(start.status, 200);
  const started = await b.post(`${p}/services/${SERVICE}/apply`, { _csrf: Browser.csrf(start.body) });
  assert.equal(started.status, 303);
  const id = started.location!.split('/').at(-3)!;
  const first = await b.get(started.location!);
  const toBank = await b.post(started.location!, { _csrf: Browser.csrf(first.body), 'lastDay-day': '1', 'lastDay-month': '9', 'lastDay-year': '1405', reason: 'workshop-closed' });
  assert.equal(toBank.status, 303, 'the first page is answered');
  const bank = await b.get(toBank.location!);
  const toCheck = await b.post(toBank.location!, { _csrf: Browser.csrf(bank.body), iban: 'IR820540102680020817909002' });
  assert.equal(toCheck.location, `${p}/account/applications/${id}/check`);
  return id;
}

/** Claims and approves every step, as each organisation's caseworker, then runs the jobs until the document is issued. */
async function approve(id: string) {
  for (let i = 0; i < 5; i++) {
    const a = await tp.services.applications.mine({ nationalCode: ali.nationalCode, name: { fa: '', en: '' }, mobile: null }, id);
    if (a.application.status === 'approved') break;
    const actor = { username: 'person:1111111111', organization: a.application.organization };
    await tp.services.casework.claim(actor, id);
    await tp.services.casework.decide(actor, id, { decision: 'approve' });
  }
  for (let i = 0; i < 20 && (await tp.documents.forApplication(id)).length === 0; i++) await tp.jobs.runDue();
  assert.equal((await tp.documents.forApplication(id)).length, 1, 'the approval issued its document');
}

describe('applying online', () => {
  test('start, a form page with errors, check, the receipt, my applications and my documents', async () => {
    for (const c of both(`/services/${SERVICE}/apply`)) await checkPage(c, anonymous);
    const b = new Browser(tp.url!);
    await signInToPortal(b, tp.url!, ali, '/account');
    const as = await signedIn(b);
    const ids: string[] = [];
    try {
      for (const c of both(`/services/${SERVICE}/apply`)) await checkPage(c, as);
      for (const lang of ['fa', 'en'] as const) {
        const p = lang === 'en' ? '/en' : '';
        const page = await as.withJs.newPage();
        try {
          // A form page sent empty: the page again with the error summary, linked to the fields.
          const start = await b.get(`${p}/services/${SERVICE}/apply`);
          const started = await b.post(`${p}/services/${SERVICE}/apply`, { _csrf: Browser.csrf(start.body) });
          await page.goto(`${tp.url}${started.location!}`);
          await page.locator('main form button[type=submit]').first().click();
          await page.waitForLoadState();
          assert.equal(await page.locator('.error-summary a[href="#field-lastDay"]').count(), 1, 'the missing date is linked to its field');
          await checkCurrent(page, lang, `${p}/account/applications/…/pages/last-job (sent empty)`);

          const id = await startAndAnswer(b, p);
          ids.push(id);
          // The registry's list items are named in the page's language, its dates in the reader's calendar.
          const check = await b.get(`${p}/account/applications/${id}/check`);
          assert.match(check.body, lang === 'fa' ? /<h4>دوره بیمه ۱<\/h4>/ : /<h4>Insured period 1<\/h4>/);
          assert.doesNotMatch(check.body, /<dd>[0-9۰-۹]{4}-[0-9۰-۹]{2}-[0-9۰-۹]{2}<\/dd>/, 'no ISO dates');
          for (const c of both(`/account/applications/${id}/check`).filter((c) => c.lang === lang)) await checkPage(c, as);
          // Submitted from the check page: the receipt with its one-time confirmation.
          await page.goto(`${tp.url}${p}/account/applications/${id}/check`);
          await page.locator('form[action$="/submit"] button[type=submit]').click();
          await page.waitForLoadState();
          assert.equal(await page.locator('.panel--confirmation .tracking-code').count(), 1, 'the receipt shows the tracking code');
          // The code reads left to right on the screen, in either page's direction, as it is typed in.
          const typed = (await page.locator('.panel--confirmation .tracking-code').textContent())!.replace(/[\u200e\u200f\u2066-\u2069\s]/g, '');
          assert.match(typed, lang === 'fa' ? /^[۰-۹]{4}-[۰-۹]{4}-[۰-۹]{4}$/ : /^\d{4}-\d{4}-\d{4}$/);
          assert.equal(await visualOrder(page, '.panel--confirmation .tracking-code'), typed);
          // The timeline is numbered in the page's digits (list markers are drawn by CSS, which the digit check cannot see).
          assert.equal(await page.locator('ol.timeline').evaluate((e) => getComputedStyle(e).listStyleType), lang === 'fa' ? 'persian' : 'decimal');
          await checkCurrent(page, lang, `${p}/account/applications/… (just submitted)`);
        } finally {
          await page.close();
        }
      }
      await approve(ids[0]!);
      for (const path of [`/account/applications/${ids[0]}`, `/account/applications/${ids[1]}`, '/account/applications', '/account/documents']) {
        for (const c of both(path)) await checkPage(c, as);
      }
    } finally {
      await as.noJs.close();
      await as.withJs.close();
    }
  });
});
