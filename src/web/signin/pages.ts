import { html, type SafeHtml } from '../html.js';
import { digits, t as common, type Lang } from '../i18n.js';
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

/** A problem with what was sent: with `field`, about that field (its id), else about the request as a whole. */
export interface Problem {
  field?: string;
  message: string;
}

/** Every problem at once, at the top, each linking to its field; the same heading as every other form. */
function errors(problems: Problem[], lang: Lang): SafeHtml {
  if (problems.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title"><h2 id="error-summary-title">${common(lang).problem}</h2><ul>${problems.map((p) =>
    p.field ? html`<li><a href="#${p.field}">${p.message}</a></li>` : html`<li>${p.message}</li>`,
  )}</ul></div>`;
}

/**
 * A text input with its label, hint and, when it has a problem, the message: the field is marked
 * invalid and described by both, so a screen reader reads the message with the field.
 */
function input(o: { id: string; label: string; hint: string; problems: Problem[]; attrs: SafeHtml; value?: string }): SafeHtml {
  const problem = o.problems.find((p) => p.field === o.id);
  const described = problem ? `${o.id}-hint ${o.id}-error` : `${o.id}-hint`;
  return html`<div class="form-group${problem ? ' form-group--error' : ''}"><label for="${o.id}">${o.label}</label><p class="hint" id="${o.id}-hint">${o.hint}</p>
${problem ? html`<p class="error-message" id="${o.id}-error">${problem.message}</p>` : ''}<input id="${o.id}" name="${o.id}"${o.value !== undefined ? html` value="${o.value}"` : ''} ${o.attrs} aria-describedby="${described}"${problem ? html` aria-invalid="true"` : ''}></div>`;
}

function cancelForm(c: SigninContext): SafeHtml {
  return html`<form method="post" action="${base(c)}/abort">${hidden(c)}<button class="button button--secondary" type="submit">${s(c.lang).cancel}</button></form>`;
}

export function signInPage(c: SigninContext, o: { nationalCode?: string; mobile?: string; errors?: Problem[]; passkeys: boolean }): string {
  const problems = o.errors ?? [];
  const t = s(c.lang);
  return page({
    lang: c.lang,
    title: t.signInTitle,
    path: base(c),
    altHref: altHref(c, base(c)),
    noindex: true,
    body: html`${errors(problems, c.lang)}<h1>${t.signInTitle}</h1>
<p class="lead">${t.signInLead(html`<bdi>${c.site}</bdi>`)}</p>
<form method="post" action="${base(c)}/code" novalidate>${hidden(c)}
${input({ id: 'national_code', label: t.nationalCode, hint: t.nationalCodeHint, problems, value: o.nationalCode ?? '', attrs: html`type="text" inputmode="numeric" autocomplete="off" maxlength="20" dir="ltr"` })}
${input({ id: 'mobile', label: t.mobile, hint: t.mobileHint, problems, value: o.mobile ?? '', attrs: html`type="tel" inputmode="tel" autocomplete="tel" maxlength="20" dir="ltr"` })}
<button class="button" type="submit">${t.sendCode}</button>
</form>
${o.passkeys ? html`<section class="panel" aria-labelledby="passkey-h"><h2 id="passkey-h">${t.passkeyTitle}</h2><p>${t.passkeyLead}</p>
<div id="passkey-signin" data-options="${base(c)}/passkey/options" data-verify="${base(c)}/passkey" data-csrf="${c.csrf}" data-error="passkey-error" data-failed="${t.passkeyFailed}" hidden><button class="button button--secondary" type="button">${t.passkeyButton}</button></div>
<noscript><p class="secondary">${t.passkeyNoScript}</p></noscript><p id="passkey-error" class="error-message" role="alert"></p></section>
<script src="/assets/passkey.js" defer></script>` : ''}
${cancelForm(c)}`,
  });
}

export function otpPage(c: SigninContext, o: { mobile: string; minutes: number; errors?: Problem[] }): string {
  const problems = o.errors ?? [];
  const t = s(c.lang);
  const path = `${base(c)}/otp`;
  return page({
    lang: c.lang,
    title: t.otpTitle,
    path,
    altHref: altHref(c, path),
    noindex: true,
    body: html`${errors(problems, c.lang)}<h1>${t.otpTitle}</h1>
<p>${t.otpLead(html`<bdi dir="ltr">${digits(o.mobile, c.lang)}</bdi>`, digits(String(o.minutes), c.lang))}</p>
<form method="post" action="${path}" novalidate>${hidden(c)}
${input({ id: 'otp', label: t.otp, hint: t.otpHint, problems, attrs: html`type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="10" dir="ltr" class="input--short"` })}
<button class="button" type="submit">${t.verify}</button>
</form>
<p><a href="${base(c)}?lang=${c.lang}">${t.startAgain}</a></p>`,
  });
}

export function consentPage(c: SigninContext, o: { claims: string[]; offline: boolean; permissions?: string[] }): string {
  const t = s(c.lang);
  const path = `${base(c)}/consent`;
  return page({
    lang: c.lang,
    title: t.consentTitle(c.site),
    path,
    altHref: `${base(c)}?lang=${c.lang === 'fa' ? 'en' : 'fa'}`,
    noindex: true,
    body: html`<h1>${t.consentHeading(html`<bdi>${c.site}</bdi>`)}</h1>
<p>${t.consentLead}</p>
<ul class="list-bullet">${o.claims.map((k) => html`<li>${t.claims[k] ?? k}</li>`)}</ul>
${o.permissions?.length ? html`<p>${t.consentAct}</p>
<ul class="list-bullet">${o.permissions.map((p) => html`<li>${p}</li>`)}</ul>` : ''}
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
