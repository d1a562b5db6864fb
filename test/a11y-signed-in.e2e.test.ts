import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_FIXTURES } from '../src/agencies/index.js';
import { Browser as TestBrowser } from './browser.js';
import { both, checkPage, signedIn, tp, useA11yPlatform } from './a11y-kit.js';
import { signInToPortal } from './signin.js';

/** Accessibility of the pages behind a citizen's sign-in, in both languages (the national identity's own pages: a11y-identity.e2e.test.ts). */

useA11yPlatform();

describe('pages behind sign-in', () => {
  test('a citizen: My Panjareh, consents, data tracker, an inquiry, a consent request', async () => {
    const ali = DEMO_FIXTURES.person;
    const b = new TestBrowser(tp.url!);
    await signInToPortal(b, tp.url!, ali);
    // An inquiry through the gateway, so the data tracker has a row to show.
    const form = await b.get('/inquiries/civil-registry');
    assert.equal((await b.post('/inquiries/civil-registry', { _csrf: TestBrowser.csrf(form.body) })).status, 200);
    // A business asks for the person's consent.
    const bank = 'IR/COM/10100000001/kyc';
    await tp.exchange.registry.addMember({ id: 'IR/COM/10100000001', name: 'بانک نمونه' }, 'test');
    await tp.exchange.registry.addSubsystem({ id: bank, name: 'احراز هویت مشتری' }, 'test');
    await tp.exchange.contracts.grant({ client: bank, service: 'IR/GOV/NOCR/registry/person', purpose: 'KYC' }, 'test');
    const consent = await tp.exchange.consents.request({ subject: ali.nationalCode, client: bank, services: ['IR/GOV/NOCR/registry/person'], purpose: 'افتتاح حساب', expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) }, 'test');
    const as = await signedIn(b);
    try {
      for (const path of ['/account', '/account/consents', '/account/data-access', '/inquiries', '/inquiries/civil-registry', `/consents/${consent.id}`]) {
        for (const c of both(path)) await checkPage(c, as);
      }
      // A revoked consent says when, on its page and in the list.
      await tp.exchange.consents.approve(consent.id, ali.nationalCode);
      await tp.exchange.consents.revoke(consent.id, { subject: ali.nationalCode, actor: ali.nationalCode });
      for (const path of ['/account/consents', `/consents/${consent.id}`]) {
        for (const c of both(path)) await checkPage(c, as);
      }
    } finally {
      await as.noJs.close();
      await as.withJs.close();
    }
  });

});
