import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { DEMO_FIXTURES } from '../src/agencies/index.js';
import { Browser as TestBrowser } from './browser.js';
import { assertFitsWidth, axeAudit, checkCurrent, checkPage, PHONE, report, signedIn, tp, useA11yPlatform, visualOrder } from './a11y-kit.js';
import { follow, latestCode, outboxIds, signInToPortal } from './signin.js';

/** Accessibility of the national identity's own pages for an agency's site, and of a plate on the inquiry pages, in both languages. */

useA11yPlatform();

describe('the national identity', () => {
  test("the national identity's own pages for an agency's site: the code page, the consent screen, sign-out", async () => {
    const ali = DEMO_FIXTURES.person;
    const redirect = 'http://127.0.0.1:9/callback';
    const rp = await tp.identity.clients.add({ name: 'سامانهٔ آزمون', redirectUris: [redirect], postLogoutRedirectUris: ['http://127.0.0.1:9/signed-out'] }, 'test');
    for (const lang of ['fa', 'en'] as const) {
      const b = new TestBrowser(tp.url!);
      const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
      const auth = `${tp.url}/oidc/auth?${new URLSearchParams({ client_id: rp.clientId, response_type: 'code', redirect_uri: redirect, scope: 'openid profile national_code phone', code_challenge: challenge, code_challenge_method: 'S256', state: 'a11y', ui_locales: lang })}`;
      const signin = await follow(b, auth, tp.url!);
      assert.match(signin.body, /name="national_code"/);
      const signinPath = new URL(signin.url, tp.url).pathname;
      // The form posted empty: every problem listed and linked to its field.
      let as = await signedIn(b);
      try {
        const page = await as.withJs.newPage();
        await page.goto(signin.url.startsWith('http') ? signin.url : `${tp.url}${signin.url}`);
        await page.locator('main form button[type=submit]').first().click();
        await page.waitForLoadState();
        assert.ok((await page.locator('.error-summary a[href^="#"]').count()) >= 2, 'both fields are named in the summary');
        await checkCurrent(page, lang, `${signinPath} (posted empty)`);
        await page.close();
      } finally {
        await as.noJs.close();
        await as.withJs.close();
      }
      const seen = await outboxIds(tp.url!, ali.mobile);
      const sent = await b.post(`${signinPath}/code`, { _csrf: TestBrowser.csrf(signin.body), national_code: ali.nationalCode, mobile: ali.mobile });
      assert.equal(sent.status, 303);
      const otpPath = new URL(sent.location!, tp.url).pathname + new URL(sent.location!, tp.url).search;
      as = await signedIn(b);
      try {
        await checkPage({ path: otpPath, lang, status: 200 }, as);
      } finally {
        await as.noJs.close();
        await as.withJs.close();
      }
      const otpPage = await b.get(otpPath);
      const verified = await b.post(`${signinPath}/otp`, { _csrf: TestBrowser.csrf(otpPage.body), otp: await latestCode(tp.url!, ali.mobile, seen) });
      assert.equal(verified.status, 303);
      const consent = await follow(b, new URL(verified.location!, tp.url).href, tp.url!);
      assert.match(consent.body, /name="decision"/, 'the consent screen names the site and the data');
      as = await signedIn(b);
      try {
        await checkPage({ path: new URL(consent.url, tp.url).pathname + new URL(consent.url, tp.url).search, lang, status: 200 }, as);
        // RP-initiated sign-out asks first.
        await checkPage({ path: `/oidc/session/end?${new URLSearchParams({ client_id: rp.clientId, ui_locales: lang })}`, lang, status: 200 }, as);
      } finally {
        await as.noJs.close();
        await as.withJs.close();
      }
    }
  });
});

test('a plate reads as it is written on the car, in the vehicles table, the fines heading and the hint, in both languages', async () => {
  const ali = DEMO_FIXTURES.person;
  const b = new TestBrowser(tp.url!);
  await signInToPortal(b, tp.url!, ali);
  const as = await signedIn(b);
  try {
    for (const lang of ['fa', 'en'] as const) {
      const p = lang === 'fa' ? '' : '/en';
      const written = lang === 'fa' ? '۱۲ب۳۴۵-۶۷' : '12ب345-67';
      const page = await as.withJs.newPage();
      try {
        await page.goto(`${tp.url}${p}/inquiries/vehicle-fines`);
        const hint = await visualOrder(page, '#plate-hint');
        assert.ok(hint.includes(written), `the hint's example reads ${written} left to right; on the screen: ${hint}`);
        await page.locator('main form button[type=submit]').click();
        await page.waitForLoadState();
        assert.equal(await visualOrder(page, 'tbody td .plate'), written, 'the vehicles table');
        const { violations } = await axeAudit(page);
        assert.equal(violations.length, 0, report(violations));
        await page.locator('tbody form button[type=submit]').first().click();
        await page.waitForLoadState();
        assert.equal(await visualOrder(page, 'h2 .plate'), written, 'the fines heading');
        assert.match(await page.locator('main').innerText(), lang === 'fa' ? /۱۳[۰-۹]{2}/ : /\b20[0-9]{2}\b/, 'model years in the reader’s calendar');
        if (lang === 'fa') assert.doesNotMatch(await page.locator('tbody').first().innerText(), /\b(19|20)[0-9]{2}\b|[۱][۹][۰-۹]{2}|۲۰[۰-۹]{2}/, 'no Gregorian model year on a Persian page');
        await page.setViewportSize(PHONE);
        await assertFitsWidth(page, PHONE.width, `${p}/inquiries/vehicle-fines (fines)`);
      } finally {
        await page.close();
      }
    }
  } finally {
    await as.noJs.close();
    await as.withJs.close();
  }
});

