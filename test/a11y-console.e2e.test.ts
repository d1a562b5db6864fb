import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Browser as TestBrowser } from './browser.js';
import { checkPage, signedIn, tp, useA11yPlatform } from './a11y-kit.js';

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
      for (const path of [...catalogue, '/console/relying-parties', '/console/exchange', '/console/exchange/services/new', '/console/exchange/contracts', '/console/exchange/keys', '/console/outbox?to=09123456789']) {
        for (const c of both(path)) await checkPage(c, as);
      }
    } finally {
      await as.noJs.close();
      await as.withJs.close();
    }
  });
});

