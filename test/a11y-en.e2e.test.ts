import { describe, test } from 'node:test';
import { anonymous, checkPage, PAGES, useA11yPlatform } from './a11y-kit.js';

/** The same public pages as a11y.e2e.test.ts, in English. */

useA11yPlatform();

describe('every kind of public page in English', { concurrency: 4 }, () => {
  for (const c of PAGES.filter((x) => x.lang === 'en')) {
    test(`${decodeURIComponent(c.path)} is accessible, light, LTR English and works without JavaScript`, () => checkPage(c, anonymous));
  }
});
