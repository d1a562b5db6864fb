import assert from 'node:assert/strict';
import { Browser } from './browser.js';

/**
 * Signs a person in through the national identity's own HTML pages, as a browser without JavaScript
 * would: the sign-in form, the one-time code read from the demo outbox, and consent when asked.
 * Starts from an authorization URL and returns where the provider finally sends the browser.
 */

async function outbox(base: string, mobile: string): Promise<{ id: string; body: string }[]> {
  const res = await fetch(`${base}/dev/outbox?to=${encodeURIComponent(mobile)}`);
  assert.equal(res.status, 200, 'the demo outbox answers');
  return ((await res.json()) as { messages: { id: string; body: string }[] }).messages;
}

/** The ids already in a number's outbox, so that a code sent afterwards can be told from older ones. */
export async function outboxIds(base: string, mobile: string): Promise<Set<string>> {
  return new Set((await outbox(base, mobile)).map((m) => m.id));
}

/**
 * The newest one-time code sent to a number and not among `seen`. It waits for it (5 s at most):
 * the sign-in page answers without waiting for the text message, so the code can arrive a moment later.
 */
export async function latestCode(base: string, mobile: string, seen: Set<string> = new Set()): Promise<string> {
  const until = Date.now() + 5000;
  for (;;) {
    const newest = (await outbox(base, mobile))[0];
    if (newest && !seen.has(newest.id)) {
      const m = /\b(\d{6})\b/.exec(newest.body);
      assert.ok(m, `the message to ${mobile} holds a one-time code`);
      return m[1]!;
    }
    assert.ok(Date.now() < until, `a one-time code was sent to ${mobile}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface SignInSteps {
  nationalCode: string;
  mobile: string;
  /** Consent to what the site asks for (default true); false refuses. */
  consent?: boolean;
  /** Overrides the code typed in (to test wrong codes). */
  code?: string;
}

/** Follows redirects on the provider's server until the browser is sent elsewhere (the site's redirect URI). */
export async function follow(browser: Browser, url: string, origin: string, stopAt = '\u0000'): Promise<{ status: number; body: string; location: string | null; url: string }> {
  let at = url;
  for (let i = 0; i < 10; i++) {
    const r = await browser.get(at);
    if (r.status !== 302 && r.status !== 303) return { ...r, url: at };
    const next = new URL(r.location!, at.startsWith('http') ? at : origin + at).href;
    if (!next.startsWith(origin) || next.startsWith(stopAt)) return { ...r, url: at, location: next };
    at = next;
  }
  throw new Error('too many redirects');
}

export async function signInThroughPages(browser: Browser, authorizationUrl: string, origin: string, steps: SignInSteps, stopAt?: string): Promise<string> {
  const first = await follow(browser, authorizationUrl, origin, stopAt);
  // Already signed in (single sign-on): the provider answers at once.
  if (first.location && !first.location.startsWith(origin)) return first.location;
  assert.equal(first.status, 200, `the sign-in page opens (${first.url} → ${first.location})`);
  assert.match(first.body, /name="national_code"/);
  const signinPath = new URL(first.url, origin).pathname;
  const seen = await outboxIds(origin, steps.mobile);
  const sent = await browser.post(`${signinPath}/code`, { _csrf: Browser.csrf(first.body), national_code: steps.nationalCode, mobile: steps.mobile });
  assert.equal(sent.status, 303, `the code is requested: ${sent.body.slice(0, 300)}`);
  const otpPage = await browser.get(sent.location!);
  assert.match(otpPage.body, /name="otp"/);
  const code = steps.code ?? (await latestCode(origin, steps.mobile, seen));
  const verified = await browser.post(`${signinPath}/otp`, { _csrf: Browser.csrf(otpPage.body), otp: code });
  assert.equal(verified.status, 303, `the code is accepted: ${verified.body.slice(0, 300)}`);
  let r = await follow(browser, new URL(verified.location!, origin).href, origin, stopAt);
  if (r.status === 200 && /name="decision"/.test(r.body)) {
    const consentPath = `${new URL(r.url, origin).pathname}/consent`;
    const decided = await browser.post(consentPath, { _csrf: Browser.csrf(r.body), decision: steps.consent === false ? 'deny' : 'allow' });
    assert.equal(decided.status, 303);
    r = await follow(browser, new URL(decided.location!, origin).href, origin, stopAt);
  }
  assert.ok(r.location, `the provider sends the browser back to the site (status ${r.status}: ${r.body.slice(0, 300)})`);
  return r.location!;
}

/** Signs a person in to the portal (its own relying party) and returns where the portal sends them next. */
export async function signInToPortal(browser: Browser, origin: string, person: { nationalCode: string; mobile: string }, returnTo = '/account'): Promise<string> {
  const start = await browser.get(`/account/signin?return=${encodeURIComponent(returnTo)}`);
  assert.equal(start.status, 303);
  const callback = await signInThroughPages(browser, start.location!, origin, person, `${origin}/account/callback`);
  const done = await browser.get(callback);
  assert.equal(done.status, 303, `the portal accepts the sign-in: ${done.body.slice(0, 300)}`);
  return done.location!;
}
