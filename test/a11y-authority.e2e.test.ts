import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Browser as TestBrowser } from './browser.js';
import { checkPage, signedIn, tp, useA11yPlatform } from './a11y-kit.js';

/** Accessibility of the national authority's pages in the staff console, in both languages. */

useA11yPlatform();

const both = (path: string) => (['fa', 'en'] as const).map((lang) => ({ path: `${lang === 'en' ? '/en' : ''}${path}`, lang, status: 200 }));

/** Signs in the operator's break-glass admin, who sees every console page, and hands the cookies to Chromium. */
async function asAdmin() {
  await tp.staff.add({ username: 'operator', password: 'correct horse battery staple', role: 'admin' });
  const b = new TestBrowser(tp.url!);
  assert.equal((await b.signIn('operator', 'correct horse battery staple')).status, 303);
  return signedIn(b);
}

describe('the staff console: the authority', () => {
  test('relying parties, exchange onboarding, contracts, keys, the secret pages opened again, the demo outbox', async () => {
    const as = await asAdmin();
    try {
      const pages = ['/console/relying-parties', '/console/relying-parties/created', '/console/exchange', '/console/exchange/services/new', '/console/exchange/contracts', '/console/exchange/keys', '/console/exchange/keys/created', '/console/outbox?to=09123456789'];
      for (const path of pages) {
        for (const c of both(path)) await checkPage(c, as);
      }
    } finally {
      await as.noJs.close();
      await as.withJs.close();
    }
  });
});
