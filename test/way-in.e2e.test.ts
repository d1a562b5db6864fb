import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_FIXTURES } from '../src/agencies/index.js';
import { demoCatalog } from '../src/app.js';
import { connectPortalToExchange } from '../src/web/inquiries/connect.js';
import { INQUIRIES } from '../src/web/inquiries/inquiries.js';
import { Browser } from './browser.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { signInToPortal } from './signin.js';

/**
 * The way in, as a new visitor finds it: every page's header offers sign-in, or once signed in the
 * person's name (to My Panjareh) and sign-out; the home page leads to every inquiry without typing
 * an address; and the small things around it (the icon, the API reference, a 404 that offers search).
 */

let tp: TestPlatform;
const ali = DEMO_FIXTURES.person;

before(async () => {
  tp = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'true' } });
  await tp.catalog.import(demoCatalog(), { actor: 'demo' });
  await tp.agencies.seed();
  await connectPortalToExchange(tp);
});
after(() => tp.dispose());

const header = (page: string) => /<header class="site-header">([\s\S]*?)<\/header>/.exec(page)?.[1] ?? '';
const hrefs = (fragment: string) => [...fragment.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));

test('a visitor: every page header offers sign-in coming back to that page, the inquiries and the services', async () => {
  const b = new Browser(tp.url!);
  for (const [path, lang] of [['/', 'fa'], ['/en/', 'en'], ['/services?q=passport', 'fa'], ['/en/organizations/NOCR', 'en'], ['/inquiries', 'fa'], ['/developers', 'fa'], ['/no-such-page', 'fa']] as const) {
    const page = await b.get(path);
    const links = hrefs(header(page.body));
    const p = lang === 'en' ? '/en' : '';
    assert.ok(links.includes(`${p}/account/signin?return=${encodeURIComponent(path)}`), `${path}: sign-in returns to the page (${links.join(' ')})`);
    assert.ok(links.includes(`${p}/inquiries`), `${path}: the inquiries`);
    assert.ok(links.includes(`${p}/services`), `${path}: the services`);
    assert.match(header(page.body), lang === 'fa' ? />ورود</ : />Sign in</);
    assert.doesNotMatch(header(page.body), /signout/, 'no sign-out for a visitor');
    assert.match(page.headers.vary ?? '', /Cookie/i, 'caches keep signed-in and anonymous pages apart');
  }
});

test('the home page leads to every inquiry and to My Panjareh, and each link opens (a personal one through sign-in)', async () => {
  const b = new Browser(tp.url!);
  for (const lang of ['fa', 'en'] as const) {
    const p = lang === 'en' ? '/en' : '';
    const home = await b.get(`${p}/`);
    const links = hrefs(home.body.slice(home.body.indexOf('<main')));
    for (const d of INQUIRIES) {
      const href = `${p}/inquiries/${d.slug}`;
      assert.ok(links.includes(href), `home links to ${href}`);
      const opened = await b.get(href);
      if (d.personal) {
        assert.equal(opened.status, 303, `${href} asks a visitor to sign in`);
        assert.equal(opened.location, `${p}/account/signin?return=${encodeURIComponent(href)}`);
      } else assert.equal(opened.status, 200, href);
    }
    assert.ok(links.includes(`${p}/account`), 'home links to My Panjareh');
  }
});

test('signed in: the header shows the person’s name linking to My Panjareh and a sign-out that works; nothing personal is cached publicly', async () => {
  const b = new Browser(tp.url!);
  await signInToPortal(b, tp.url!, ali, '/');
  const person = (await tp.identity.people.registry.person(ali.nationalCode))!;
  for (const lang of ['fa', 'en'] as const) {
    const p = lang === 'en' ? '/en' : '';
    const page = await b.get(`${p}/services/apply-for-a-passport`);
    const h = header(page.body);
    assert.match(h, new RegExp(`<a href="${p}/account">.*${person.firstName[lang]} ${person.lastName[lang]}</a>`));
    assert.match(h, new RegExp(`<form class="header-signout" method="post" action="${p}/account/signout">`));
    assert.doesNotMatch(h, /account\/signin/);
    assert.match(page.headers['cache-control'] ?? '', /private/, 'a page with a name on it is private');
    // The inquiries page knows the person is signed in: no "sign in needed", a way back to My Panjareh.
    const list = await b.get(`${p}/inquiries`);
    assert.doesNotMatch(list.body, lang === 'fa' ? />نیاز به ورود</ : />Sign-in needed</);
    assert.ok(hrefs(list.body.slice(list.body.indexOf('<main'))).includes(`${p}/account`));
  }
  const home = await b.get('/');
  const out = await b.post('/account/signout', { _csrf: Browser.csrf(header(home.body)) });
  assert.equal(out.status, 303);
  const after = await b.get('/');
  assert.match(header(after.body), /account\/signin/, 'signed out: "sign in" again');
});

test('the sign-in link in the header cannot send a person to another site', async () => {
  const b = new Browser(tp.url!);
  const r = await b.get('/account/signin?return=' + encodeURIComponent('//evil.example/x'));
  assert.equal(r.status, 303);
  const flow = b.cookieList().find(([n]) => n === 'pj_rp');
  assert.ok(flow);
  assert.doesNotMatch(decodeURIComponent(flow[1]), /evil\.example/);
});

test('small things: a favicon, the API reference without a script, a 404 that offers search', async () => {
  const icon = await fetch(`${tp.url}/favicon.ico`, { redirect: 'manual' });
  assert.equal(icon.status, 301);
  const svg = await fetch(new URL(icon.headers.get('location')!, tp.url));
  assert.equal(svg.status, 200);
  assert.match(svg.headers.get('content-type') ?? '', /image\/svg\+xml/);
  const home = await (await fetch(`${tp.url}/`)).text();
  assert.match(home, /<link rel="icon" href="\/assets\/favicon.svg"/);

  for (const p of ['', '/en']) {
    const docs = await fetch(`${tp.url}${p}/api/docs`);
    assert.equal(docs.status, 200);
    const body = await docs.text();
    assert.doesNotMatch(body, /<script/, 'no script builds the reference');
    assert.match(body, /GET \/api\/v1\/services/);
    const missing = await fetch(`${tp.url}${p}/no-such-page`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /<form class="search-form" action="[^"]*\/services" method="get" role="search">/);
  }
  const spec = (await (await fetch(`${tp.url}/api/docs/json`)).json()) as { openapi: string; paths: Record<string, unknown> };
  assert.match(spec.openapi, /^3\./);
  assert.ok(spec.paths['/api/v1/services']);
});

test('the service page shows its code as it is typed, and does not repeat its summary when it has no description', async () => {
  const page = await (await fetch(`${tp.url}/services/apply-for-a-passport`)).text();
  assert.match(page, /<bdi class="code" dir="ltr">PASSPORT-0001<\/bdi>/);
  const code = 'NOCR-9001';
  await tp.catalog.import(
    {
      services: [
        {
          code,
          slug: 'no-description-test',
          title: { fa: 'خدمت آزمایشی بی‌شرح', en: 'A test service without a description' },
          summary: { fa: 'خلاصهٔ یکتای این خدمت آزمایشی', en: 'The unique summary of this test service' },
          organization: 'NOCR',
          channels: [{ type: 'in-person', instructions: { fa: 'به دفتر بروید', en: 'Go to the office' } }],
        },
      ],
    },
    { actor: 'test' },
  );
  const svc = await (await fetch(`${tp.url}/en/services/no-description-test`)).text();
  assert.equal(svc.split('The unique summary of this test service').length - 1, 1, 'the summary shows once');
});
