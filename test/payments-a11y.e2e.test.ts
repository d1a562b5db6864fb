import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { buildServer } from '../src/app.js';
import { createPayments, paymentRoutes, type Order, type Payments } from '../src/payments/index.js';
import { demoPspRoutes } from '../src/web/payments/demo-psp-pages.js';
import { checkCurrent } from './a11y-kit.js';
import { freePort, testPlatform, type TestPlatform } from './harness.js';

/**
 * The demo PSP's pages in Chromium: paying works with JavaScript off (a plain form and redirects),
 * and the pay page, the page of a decided payment and a refused callback pass axe-core with every
 * rule, in Persian (RTL, Persian digits, no English phrase) and in English.
 */

let tp: TestPlatform;
let app: FastifyInstance;
let url: string;
let payments: Payments;
let browser: Browser;
let seq = 0;

before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  tp = await testPlatform({ env: { PANJAREH_DEMO: 'true', PORT: String(port), PUBLIC_URL: url } });
  payments = (tp as TestPlatform & { payments?: Payments }).payments ?? createPayments(tp.database.db, tp.config);
  app = await buildServer(tp);
  if (!app.hasRoute({ method: 'GET', url: '/payments/callback' })) await app.register(paymentRoutes, { payments });
  if (!app.hasRoute({ method: 'GET', url: '/demo-psp/pay' })) await app.register(demoPspRoutes, { db: tp.database.db, publicUrl: url });
  await app.listen({ port, host: '127.0.0.1' });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
});
after(async () => {
  await browser?.close();
  await app?.close();
  await tp?.dispose();
});

const order = (): Order => ({ kind: 'a11y-order', reference: `a11y-${++seq}`, amount: 1_200_000, description: { fa: 'گواهی عدم سوء پیشینه', en: 'Criminal record certificate' }, payer: '0012345679' });

for (const lang of ['fa', 'en'] as const) {
  const p = lang === 'fa' ? '' : '/en';
  test(`${lang}: pay without JavaScript, then the pages pass axe`, async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    const withJs = await browser.newContext();
    try {
      const paid = await payments.start(order(), { returnTo: `${p}/` });
      const plain = await noJs.newPage();
      await plain.goto(paid.redirectUrl);
      assert.equal(await plain.locator('h1').count(), 1);
      assert.equal(await plain.locator('html').getAttribute('dir'), lang === 'fa' ? 'rtl' : 'ltr');
      await plain.getByRole('button', { name: lang === 'fa' ? 'پرداخت' : 'Pay', exact: true }).click();
      await plain.waitForURL((u) => u.searchParams.get('payment') === 'verified');
      assert.equal(new URL(plain.url()).pathname, `${p}/`);
      assert.equal((await payments.get(paid.paymentId))!.status, 'verified');

      const page = await withJs.newPage();
      const fresh = await payments.start(order(), { returnTo: `${p}/` });
      await page.goto(fresh.redirectUrl);
      await checkCurrent(page, lang, `${lang} pay page`);
      // The paid token's page again: says it is done and offers the way back.
      await page.goto(paid.redirectUrl);
      await checkCurrent(page, lang, `${lang} page of a paid token`);
      // Its callback again: the refusal page.
      const callback = (await page.locator('main a[href*="payments/callback"]').getAttribute('href'))!;
      const res = await page.goto(callback);
      assert.equal(res?.status(), 409);
      await checkCurrent(page, lang, `${lang} refused callback`);
    } finally {
      await noJs.close();
      await withJs.close();
    }
  });
}
