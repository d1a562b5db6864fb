import type { Verification } from '../../documents/index.js';
import { html, type SafeHtml } from '../html.js';
import { fmtDate, pick, prefix, type Lang } from '../i18n.js';
import { breadcrumbs, page } from '../layout.js';
import { documentStrings } from './strings.js';

/** The public verification pages: a form (GET, no JavaScript) and the answer for one number. */

const base = (lang: Lang) => `${prefix(lang)}/verify`;

function form(lang: Lang, o: { value?: string; error?: string }): SafeHtml {
  const t = documentStrings(lang);
  return html`<form method="get" action="${base(lang)}" novalidate>
<div class="form-group${o.error ? ' form-group--error' : ''}"><label for="number">${t.numberLabel}</label>
<p class="hint" id="number-hint">${t.numberHint}</p>
${o.error ? html`<p class="error-message" id="number-error">${o.error}</p>` : ''}<input type="text" id="number" name="number" value="${o.value ?? ''}" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="80" dir="ltr" aria-describedby="number-hint${o.error ? ' number-error' : ''}"${o.error ? html` aria-invalid="true"` : ''}></div>
<button class="button" type="submit">${t.check}</button>
</form>`;
}

export function verifyFormPage(lang: Lang, o: { value?: string; error?: string } = {}): string {
  const t = documentStrings(lang);
  return page({
    lang,
    title: o.error ? `${t.problem}: ${t.title}` : t.title,
    path: '/verify',
    body: html`${breadcrumbs(lang, [{ label: t.title }])}${o.error ? html`<div class="error-summary" role="alert" tabindex="-1"><h2>${t.problem}</h2><ul><li><a href="#number">${o.error}</a></li></ul></div>` : ''}
<h1>${t.title}</h1>
<p class="lead">${t.lead}</p>
${form(lang, o)}`,
  });
}

export function unknownDocumentPage(lang: Lang, number: string): string {
  const t = documentStrings(lang);
  return page({
    lang,
    title: t.unknownTitle,
    path: `/verify/${encodeURIComponent(number)}`,
    noindex: true,
    body: html`${breadcrumbs(lang, [{ label: t.title, href: base(lang) }, { label: t.unknownTitle }])}
<h1>${t.unknownTitle}</h1>
<p class="lead" data-status="unknown"><span class="tag tag--red">${t.unknownTitle}</span></p>
<p>${t.unknown}</p>
<p>${t.number}: <bdi class="code" dir="ltr">${number}</bdi></p>
<h2>${t.another}</h2>
${form(lang, {})}`,
  });
}

export function verificationPage(lang: Lang, v: Verification, apiUrl: string): string {
  const t = documentStrings(lang);
  const tag =
    v.status === 'valid'
      ? html`<span class="tag">${t.valid}</span>`
      : v.status === 'revoked'
        ? html`<span class="tag tag--red">${t.revoked}</span>`
        : html`<span class="tag tag--grey">${t.expired}</span>`;
  const lead =
    v.status === 'valid' ? t.validLead : v.status === 'revoked' ? t.revokedLead(fmtDate(v.revokedAt!, lang)) : t.expiredLead(fmtDate(v.expiresAt!, lang));
  const row = (label: string, value: SafeHtml | string) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
  return page({
    lang,
    title: `${pick(v.title, lang)}: ${v.status === 'valid' ? t.valid : v.status === 'revoked' ? t.revoked : t.expired}`,
    path: `/verify/${v.number}`,
    noindex: true,
    body: html`${breadcrumbs(lang, [{ label: t.title, href: base(lang) }, { label: v.number }])}
<h1>${pick(v.title, lang)}</h1>
<div class="panel${v.status === 'valid' ? ' panel--confirmation' : ''}" data-status="${v.status}" role="status">
<p class="lead">${t.status}: ${tag}</p>
<p>${lead}</p>
</div>
<dl class="summary-list">
${row(t.number, html`<bdi class="code" dir="ltr">${v.number}</bdi>`)}
${row(t.document, pick(v.title, lang))}
${row(t.issuer, pick(v.issuer.name, lang))}
${row(t.holder, html`${pick(v.holder, lang)}<br><span class="secondary">${t.holderHint}</span>`)}
${row(t.issuedAt, fmtDate(v.issuedAt, lang))}
${row(t.expiresAt, v.expiresAt ? fmtDate(v.expiresAt, lang) : t.noExpiry)}
${v.status === 'revoked' && v.revokedReason ? row(t.reason, pick(v.revokedReason, lang)) : ''}
</dl>
<p class="secondary">${t.api} <code dir="ltr">${apiUrl}</code></p>
<h2>${t.another}</h2>
${form(lang, {})}`,
  });
}
