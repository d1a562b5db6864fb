import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { anonymous, checkPage, PAGES, SERVICE, tp, useA11yPlatform, withJs } from './a11y-kit.js';

/**
 * Accessibility and page quality of every kind of public page in Persian (English in
 * a11y-en.e2e.test.ts, pages behind sign-in in a11y-signed-in and a11y-console), as Chromium sees
 * the real server with the demo catalogue; the Persian digits and the local font.
 */

useA11yPlatform();

// Pages are independent, so a few load at once: most of a page's time is spent waiting on Chromium.
describe('every kind of public page in Persian', { concurrency: 4 }, () => {
  for (const c of PAGES.filter((x) => x.lang === 'fa')) {
    test(`${decodeURIComponent(c.path)} is accessible, light, RTL Persian and works without JavaScript`, () => checkPage(c, anonymous));
  }
});

test('Persian pages show numbers in Persian digits', async () => {
  const home = await (await fetch(`${tp.url}/`)).text();
  const stats = /<p class="secondary">([^<]*)<\/p>/.exec(home)?.[1] ?? '';
  assert.match(stats, /^[۰-۹٬]+ خدمت از [۰-۹٬]+ دستگاه$/, stats);
  const results = await (await fetch(`${tp.url}/services?q=${encodeURIComponent('گذرنامه')}`)).text();
  assert.match(results, /<strong>[۰-۹٬]+ خدمت<\/strong>/);
  // A code is shown as it is typed, left to right with Latin digits, as the console shows it.
  assert.match(await (await fetch(`${tp.url}/services/${SERVICE}`)).text(), /<bdi class="code" dir="ltr">PASSPORT-0001<\/bdi>/);
});

test('the Vazirmatn font is served by this server, and Chromium uses it', async () => {
  const css = await (await fetch(`${tp.url}/assets/style.css`)).text();
  const fontUrls = [...css.matchAll(/url\(['"]?([^'")]+)['"]?\)/g)].map((m) => m[1]!);
  assert.ok(fontUrls.length > 0, 'the stylesheet names a font file');
  for (const u of fontUrls) {
    assert.match(u, /^\/fonts\/Vazirmatn/, `${u} is served locally`);
    const res = await fetch(`${tp.url}${u}`);
    assert.equal(res.status, 200, u);
    assert.match(res.headers.get('content-type') ?? '', /^font\/woff2/, u);
    await res.arrayBuffer();
  }
  const page = await withJs.newPage();
  try {
    await page.goto(`${tp.url}/`);
    const loaded = await page.evaluate(async () => {
      await document.fonts.ready;
      return [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'Vazirmatn').map((f) => f.status);
    });
    assert.deepEqual(loaded, ['loaded']);
  } finally {
    await page.close();
  }
});
