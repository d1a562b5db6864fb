import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Browser as TestBrowser } from './browser.js';
import { checkCurrent, checkPage, signedIn, tp, useA11yPlatform } from './a11y-kit.js';

/** Accessibility of the staff console's pages, in both languages, signed in as the authority. */

useA11yPlatform();

describe('the staff console', () => {
  const both = (path: string) => (['fa', 'en'] as const).map((lang) => ({ path: `${lang === 'en' ? '/en' : ''}${path}`, lang, status: 200 }));

  test('the authority: the catalogue workflow, relying parties, exchange onboarding, contracts, keys, the demo outbox', async () => {
    await tp.staff.add({ username: 'operator', password: 'correct horse battery staple', role: 'admin' });
    const b = new TestBrowser(tp.url!);
    assert.equal((await b.signIn('operator', 'correct horse battery staple')).status, 303);
    const as = await signedIn(b);
    try {
      // The catalogue's workflow pages (dashboard, a new entry, an entry and its form) and the authority's own.
      const catalogue = ['/console', '/console/services/new', '/console/services/PASSPORT-0001', '/console/services/PASSPORT-0001/edit'];
      // The list searched and paged, and the pages that showed a secret once, opened again.
      const states = ['/console?q=passport', '/console?page=2', '/console/relying-parties/created', '/console/exchange/keys/created'];
      for (const path of [...catalogue, ...states, '/console/relying-parties', '/console/exchange', '/console/exchange/services/new', '/console/exchange/contracts', '/console/exchange/keys', '/console/outbox?to=09123456789']) {
        for (const c of both(path)) await checkPage(c, as);
      }
      // States only a POST reaches: an empty new entry (every problem listed), and an edit of a live
      // entry (the confirmation, the entry as the public will see it and what changed).
      for (const lang of ['fa', 'en'] as const) {
        const p = lang === 'en' ? '/en' : '';
        const page = await as.withJs.newPage();
        try {
          await page.goto(`${tp.url}${p}/console/services/new`);
          await page.locator('main form button[type=submit]').last().click();
          await page.waitForLoadState();
          assert.ok((await page.locator('.error-summary li').count()) > 3, 'every problem of an empty form is listed');
          await checkCurrent(page, lang, `${p}/console/services/new (empty form posted)`);
          await page.goto(`${tp.url}${p}/console/services/PASSPORT-0001/edit`);
          await page.locator('#title_en').fill(`Apply for a passport (${lang} edit)`);
          await page.locator('main form button[type=submit]').last().click();
          await page.waitForLoadState();
          await checkCurrent(page, lang, `${p}/console/services/PASSPORT-0001 (after an edit)`);
        } finally {
          await page.close();
        }
      }
    } finally {
      await as.noJs.close();
      await as.withJs.close();
    }
  });
});

