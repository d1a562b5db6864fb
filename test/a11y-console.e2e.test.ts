import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { asAdmin, both, checkCurrent, checkPage, tp, useA11yPlatform } from './a11y-kit.js';

/** Accessibility of the staff console's catalogue pages, in both languages, signed in as an admin (the authority's own pages: a11y-authority.e2e.test.ts). */

useA11yPlatform();

describe('the staff console: the catalogue', () => {
  test('the workflow pages, the list searched and paged, a posted empty form and an edit of a live entry', async () => {
    const as = await asAdmin();
    try {
      // The preview of an application form: two pages (a date, a choice, a text), a registry's list, a document.
      const catalogue = ['/console', '/console/services/new', '/console/services/PASSPORT-0001', '/console/services/PASSPORT-0001/edit', '/console?q=passport', '/console?page=2', '/console/services/MCLS-0001/preview'];
      for (const path of catalogue) {
        for (const c of both(path)) await checkPage(c, as);
      }
      // States only a POST reaches: an empty new entry (every problem listed), and an edit of a live
      // entry (the confirmation, the entry as the public will see it and what changed).
      for (const lang of ['fa', 'en'] as const) {
        const p = lang === 'en' ? '/en' : '';
        const page = await as.withJs.newPage();
        try {
          await page.goto(`${tp.url}${p}/console/services/new`);
          await page.locator('main form button[type=submit]:not([formaction])').last().click();
          await page.waitForLoadState();
          assert.ok((await page.locator('.error-summary li').count()) > 3, 'every problem of an empty form is listed');
          await checkCurrent(page, lang, `${p}/console/services/new (empty form posted)`);
          await page.goto(`${tp.url}${p}/console/services/PASSPORT-0001/edit`);
          await page.locator('#title_en').fill(`Apply for a passport (${lang} edit)`);
          await page.locator('main form button[type=submit]:not([formaction])').last().click();
          await page.waitForLoadState();
          await checkCurrent(page, lang, `${p}/console/services/PASSPORT-0001 (after an edit)`);
          // The definition previewed before it is saved opens in a new tab, from the form's second button.
          await page.goto(`${tp.url}${p}/console/services/MCLS-0001/edit`);
          const [preview] = await Promise.all([page.context().waitForEvent('page'), page.locator('main form button[formaction]').click()]);
          try {
            await preview.waitForLoadState();
            assert.equal(await preview.locator('#check').count(), 1, 'the unsaved preview shows "check your answers"');
            await checkCurrent(preview, lang, `${p}/console/services/preview (MCLS-0001 unsaved)`);
          } finally {
            await preview.close();
          }
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
