import { describe, test } from 'node:test';
import { asAdmin, both, checkPage, useA11yPlatform } from './a11y-kit.js';

/** Accessibility of the national authority's pages in the staff console, in both languages. */

useA11yPlatform();

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
