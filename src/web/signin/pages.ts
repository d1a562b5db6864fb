import { html, type SafeHtml } from '../html.js';
import { digits, type Lang } from '../i18n.js';
import { page } from '../layout.js';
import { s } from './strings.js';

/**
 * The national identity's own pages: sign-in, one-time code, consent, sign-out. They work without
 * JavaScript; only the passkey button needs it, so it stays hidden until /assets/passkey.js shows it
 * (in a wrapper: the button's own display style would override `hidden`).
 */

export interface SigninContext {
  lang: Lang;
  uid: string;
  csrf: string;
  site: string;
}

const base = (c: SigninContext) => `/signin/${c.uid}`;
const hidden = (c: SigninContext) => html`<input type="hidden" name="_csrf" value="${c.csrf}"><input type="hidden" name="lang" value="${c.lang}">`;
const altHref = (c: SigninContext, path: string) => `${path}?lang=${c.lang === 'fa' ? 'en' : 'fa'}`;

function errors(messages: string[], lang: Lang): SafeHtml {
  if (messages.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1"><h2>${lang === 'fa' ? 'مشکلی هست' : 'There is a problem'}</h2><ul>${messages.map((m) => html`<li>${m}</li>`)}</ul></div>`;
}

function cancelForm(c: SigninContext): SafeHtml {
  return html`<form method="post" action="${base(c)}/abort">${hidden(c)}<button class="button button--secondary" type="submit">${s(c.lang).cancel}</button></form>`;
}

export function signInPage(c: SigninContext, o: { nationalCode?: string; mobile?: string; errors?: string[]; passkeys: boolean }): string {
  const t = s(c.lang);
  return page({
    lang: c.lang,
    title: t.signInTitle,
    path: base(c),
    altHref: altHref(c, base(c)),
    noindex: true,
    body: html`${errors(o.errors ?? [], c.lang)}<h1>${t.signInTitle}</h1>
<p class="lead">${t.signInLead(c.site)}</p>
<form method="post" action="${base(c)}/code" novalidate>${hidden(c)}
<div class="form-group"><label for="national_code">${t.nationalCode}</label><p class="hint" id="national_code-hint">${t.nationalCodeHint}</p>
<input type="text" id="national_code" name="national_code" value="${o.nationalCode ?? ''}" inputmode="numeric" autocomplete="off" maxlength="20" dir="ltr" aria-describedby="national_code-hint"></div>
<div class="form-group"><label for="mobile">${t.mobile}</label><p class="hint" id="mobile-hint">${t.mobileHint}</p>
<input type="tel" id="mobile" name="mobile" value="${o.mobile ?? ''}" inputmode="tel" autocomplete="tel" maxlength="20" dir="ltr" aria-describedby="mobile-hint"></div>
<button class="button" type="submit">${t.sendCode}</button>
</form>
${o.passkeys ? html`<section class="panel" aria-labelledby="passkey-h"><h2 id="passkey-h">${t.passkeyTitle}</h2><p>${t.passkeyLead}</p>
<div id="passkey-signin" data-options="${base(c)}/passkey/options" data-verify="${base(c)}/passkey" data-csrf="${c.csrf}" data-error="passkey-error" data-failed="${t.passkeyFailed}" hidden><button class="button button--secondary" type="button">${t.passkeyButton}</button></div>
<noscript><p class="secondary">${t.passkeyNoScript}</p></noscript><p id="passkey-error" class="error-message" role="alert"></p></section>
<script src="/assets/passkey.js" defer></script>` : ''}
${cancelForm(c)}`,
  });
}

export function otpPage(c: SigninContext, o: { mobile: string; minutes: number; errors?: string[] }): string {
  const t = s(c.lang);
  const path = `${base(c)}/otp`;
  return page({
    lang: c.lang,
    title: t.otpTitle,
    path,
    altHref: altHref(c, path),
    noindex: true,
    body: html`${errors(o.errors ?? [], c.lang)}<h1>${t.otpTitle}</h1>
<p>${t.otpLead(digits(o.mobile, c.lang), digits(String(o.minutes), c.lang))}</p>
<form method="post" action="${path}" novalidate>${hidden(c)}
<div class="form-group"><label for="otp">${t.otp}</label><p class="hint" id="otp-hint">${t.otpHint}</p>
<input type="text" id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="10" dir="ltr" class="input--short" aria-describedby="otp-hint"></div>
<button class="button" type="submit">${t.verify}</button>
</form>
<p><a href="${base(c)}?lang=${c.lang}">${t.startAgain}</a></p>`,
  });
}

export function consentPage(c: SigninContext, o: { claims: string[]; offline: boolean }): string {
  const t = s(c.lang);
  const path = `${base(c)}/consent`;
  return page({
    lang: c.lang,
    title: t.consentTitle(c.site),
    path,
    altHref: `${base(c)}?lang=${c.lang === 'fa' ? 'en' : 'fa'}`,
    noindex: true,
    body: html`<h1>${t.consentTitle(c.site)}</h1>
<p>${t.consentLead}</p>
<ul class="list-bullet">${o.claims.map((k) => html`<li>${t.claims[k] ?? k}</li>`)}</ul>
${o.offline ? html`<p>${t.consentOffline}</p>` : ''}
<p class="secondary">${t.consentRevoke}</p>
<div class="button-group">
<form method="post" action="${path}">${hidden(c)}<input type="hidden" name="decision" value="allow"><button class="button" type="submit">${t.allow}</button></form>
<form method="post" action="${path}">${hidden(c)}<input type="hidden" name="decision" value="deny"><button class="button button--secondary" type="submit">${t.deny}</button></form>
</div>`,
  });
}

export function messagePage(lang: Lang, title: string, message: string, extra: SafeHtml = html``): string {
  return page({ lang, title, path: '', noindex: true, body: html`<h1>${title}</h1><p>${message}</p>${extra}` });
}
