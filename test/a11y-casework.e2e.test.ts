import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { nationalCodeCheckDigit } from '../src/platform/national-code.js';
import type { Application } from '../src/services/index.js';
import { formatNumber } from '../src/documents/index.js';
import { asAdmin, both, checkCurrent, checkPage, signedIn, tp, useA11yPlatform } from './a11y-kit.js';
import { Browser } from './browser.js';
import { applicant, delivery, prefill } from './casework-fixtures.js';
import { service } from './fixtures.js';
import { signInToPortal } from './signin.js';

/**
 * Accessibility of the back office, in both languages: a caseworker's queue (with overdue ones) and an
 * application (its registry data, answers, history and forms, and a refused form with its error
 * summary), and the national authority's overdue list.
 */

useA11yPlatform();

const code = (first9: string) => `${first9}${nationalCodeCheckDigit(first9)}`;
const CASEWORKER = { nationalCode: code('666777881'), mobile: '09306667781' };
const COLLEAGUE = { nationalCode: code('666777882'), mobile: '09306667782' };
const apps: Application[] = [];
/** The console's page of a document issued for the first application (src/web/console/documents-pages.ts). */
let documentPath = '';

async function setUp() {
  // The test runs due jobs itself, after fresh working days (see console-casework.e2e.test.ts's freshCalendar).
  await tp.jobs.stop();
  await tp.catalog.import({ organizations: [], topics: [], lifeEvents: [], windows: [], services: [service('NOCR-0901', 'NOCR', ['گواهی تجرد', 'Certificate of single status'], { delivery: delivery('NOCR') })] }, { actor: 'test' });
  await tp.catalog.read.rebuild();
  for (const [p, fa, en] of [[CASEWORKER, 'مینا', 'Mina'], [COLLEAGUE, 'رضا', 'Reza']] as const) {
    await tp.agencies.addPerson({ ...p, firstName: { fa, en }, lastName: { fa: 'کارمند', en: 'Staff' }, birthDate: '1985-01-01', gender: 'female' }, 'test');
    await tp.identity.staffGrants.grant({ nationalCode: p.nationalCode, role: 'caseworker', organization: 'NOCR' }, 'test');
  }
  await tp.calendar.reload();
  for (let i = 0; i < 3; i++) {
    const who = applicant(code(`77788899${i}`), 'علی رضایی', 'Ali Rezaei');
    // The first has an attachment, which its page offers for download.
    const letter = i ? null : await tp.files.put(tp.database.db, { bytes: Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'), name: 'نامه کارفرما.pdf', owner: `person:${who.nationalCode}` });
    const answers = { purpose: i ? 'travel' : 'work', ...(letter ? { letter: letter.id } : {}) };
    apps.push((await tp.services.applications.create(who, 'NOCR-0901', answers, `a11y-key-${i}-0000`, prefill('حسن'))).application);
  }
  // Two become overdue (a month on), the third is made later and is on time.
  await tp.clock.advance(30 * 86_400_000, 'test');
  await tp.calendar.reload();
  while ((await tp.jobs.runDue()) > 0);
  assert.equal((await tp.services.casework.queue({ username: 'test', organization: null }, { overdueOnly: true })).items.length, 3, 'three overdue for the authority’s list');
  await tp.calendar.reload();
  apps.push((await tp.services.applications.create(applicant(code('777888993'), 'سارا احمدی', 'Sara Ahmadi'), 'NOCR-0901', { purpose: 'work' }, 'a11y-key-3-0000', prefill('حسن'))).application);
  await tp.services.casework.claim({ username: `person:${CASEWORKER.nationalCode}`, organization: 'NOCR' }, apps[0]!.id);
  await tp.services.casework.note({ username: `person:${CASEWORKER.nationalCode}`, organization: 'NOCR' }, apps[0]!.id, 'استعلام از دادگستری لازم است');
  const doc = await tp.documents.issue(tp.database.db, {
    type: 'single-status-certificate',
    title: { fa: 'گواهی تجرد', en: 'Certificate of single status' },
    organization: { code: 'NOCR', name: { fa: 'سازمان ثبت احوال کشور', en: 'National Organization for Civil Registration' } },
    holder: { nationalCode: apps[0]!.applicant.nationalCode, name: { fa: 'علی رضایی', en: 'Ali Rezaei' } },
    fields: [],
    validDays: 90,
    applicationId: apps[0]!.id,
  });
  documentPath = `/console/documents/${formatNumber(doc.id)}`;
}

describe('the staff console: the back office', () => {
  before(setUp);
  test('the queue, an application (and a refused form on it), an issued document, and the authority’s overdue list', async () => {
    const b = new Browser(tp.url!);
    assert.equal(await signInToPortal(b, tp.url!, CASEWORKER, '/console'), '/console');
    const as = await signedIn(b);
    try {
      for (const path of ['/console/applications', '/console/applications?overdue=1', `/console/applications/${apps[0]!.id}`, `/console/applications/${apps[3]!.id}`, documentPath]) {
        for (const c of both(path)) await checkPage(c, as);
      }
      for (const lang of ['fa', 'en'] as const) {
        const p = lang === 'en' ? '/en' : '';
        const page = await as.withJs.newPage();
        try {
          // A decision without a reason: the page again with the error summary linked to the reasons.
          await page.goto(`${tp.url}${p}/console/applications/${apps[0]!.id}`);
          await page.locator('#decision-reject').check();
          await page.locator('form[action$="/decision"] button[type=submit]').click();
          await page.waitForLoadState();
          assert.equal(await page.locator('.error-summary a[href="#reason-0"]').count(), 1, 'the missing reason is linked to its field');
          await checkCurrent(page, lang, `${p}/console/applications/… (a decision without a reason)`);
          // A note: the confirmation after the redirect.
          await page.goto(`${tp.url}${p}/console/applications/${apps[0]!.id}`);
          await page.locator('#note').fill(lang === 'fa' ? 'یادداشت آزمون' : 'A test note');
          await page.locator('form[action$="/note"] button[type=submit]').click();
          await page.waitForLoadState();
          assert.equal(await page.locator('.panel--confirmation').count(), 1, 'the confirmation');
          await checkCurrent(page, lang, `${p}/console/applications/… (a note added)`);
        } finally {
          await page.close();
        }
      }
    } finally {
      await as.noJs.close();
      await as.withJs.close();
    }
    const admin = await asAdmin();
    try {
      for (const path of ['/console/overdue', `/console/applications/${apps[1]!.id}`]) {
        for (const c of both(path)) await checkPage(c, admin);
      }
    } finally {
      await admin.noJs.close();
      await admin.withJs.close();
    }
  });
});
