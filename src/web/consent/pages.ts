import type { Consent } from '../../exchange/index.js';
import { html, type SafeHtml } from '../html.js';
import { digits, fmtDate, fmtDateTime, fmtNumber, prefix, type Lang } from '../i18n.js';
import { page } from '../layout.js';
import { STRINGS } from './strings.js';

/** The citizen's consent page, their list of consents and their data tracker. */

/** A name in both languages; `fa` falls back to the registered name when no Persian one is known. */
export interface Names {
  fa: string;
  en: string;
}

export interface Party {
  /** Subsystem id `INSTANCE/CLASS/MEMBER/SUBSYSTEM`. */
  subsystem: string;
  subsystemName: Names | null;
  /** Member id `INSTANCE/CLASS/MEMBER`. */
  member: string;
  /** The organisation's name from the catalogue, else the member's name on the exchange. */
  memberName: Names | null;
  /** The national portal itself, reading for a signed-in person their own records. */
  portal?: boolean;
}

export interface ServiceView {
  id: string;
  name: Names | null;
  classification: string;
  provider: Names | null;
}

export interface ConsentView {
  consent: Consent;
  /** requested, active, rejected, revoked, or expired (an active or requested consent past its date). */
  status: string;
  consumer: Party;
  services: ServiceView[];
}

export interface AccessView {
  at: string;
  consumer: Party | null;
  service: ServiceView | null;
  serviceId: string | null;
  consentId: string | null;
  legalBasis: string | null;
  ok: boolean;
  errorType: string | null;
}

const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}">`;

/** Ids are Latin and left-to-right in either language. */
const id = (s: string) => html`<bdi dir="ltr">${s}</bdi>`;
const HAS_PERSIAN = /[\u0600-\u06FF]/;
/**
 * A business's or authority's own words (a purpose, a legal basis), shown as written: digits in the
 * reader's script on a Persian page, and words written only in English marked as English and
 * isolated, so they neither read as Persian to a screen reader nor scramble the sentence around them.
 */
function text(s: string, lang: Lang): SafeHtml {
  if (lang === 'fa' && !HAS_PERSIAN.test(s)) return html`<span lang="en" dir="ltr">${s}</span>`;
  return html`<bdi>${digits(s, lang)}</bdi>`;
}
const named = (n: Names, lang: Lang) => text(n[lang], lang);

function party(p: Party, lang: Lang): SafeHtml {
  return html`<strong>${p.memberName ? named(p.memberName, lang) : id(p.member)}</strong>${p.subsystemName ? html` — ${named(p.subsystemName, lang)}` : ''} <span class="secondary">${id(p.subsystem)}</span>`;
}

const serviceName = (s: ServiceView, lang: Lang) => (s.name ? named(s.name, lang) : id(s.id));

/** What a refusal means for the person, in words; the exchange's code stays beside it for support. */
function refusal(errorType: string | null, lang: Lang): SafeHtml {
  const t = STRINGS[lang];
  if (!errorType) return html`${t.refused}`;
  // The most specific code we have words for: `Server.ServerProxy.ServiceFailed.Timeout` is a ServiceFailed.
  const parts = errorType.split('.');
  const key = parts.map((_, i) => parts.slice(0, parts.length - i).join('.')).find((k) => t.refusals[k]);
  const reason = key ? t.refusals[key] : t.refusalOther;
  return html`${t.refused}: ${reason} <span class="secondary"><bdi dir="ltr"><code>${errorType}</code></bdi></span>`;
}

const daysLeft = (iso: string) => Math.max(0, Math.ceil((Date.parse(iso) - Date.now()) / 86_400_000));

function accountNav(lang: Lang): SafeHtml {
  const t = STRINGS[lang];
  const p = prefix(lang);
  return html`<nav aria-label="${t.account}"><ul class="inline-list"><li><a href="${p}/account">${t.account}</a></li><li><a href="${p}/account/consents">${t.myConsents}</a></li><li><a href="${p}/account/data-access">${t.dataAccess}</a></li></ul></nav>`;
}

/** `/consents/{id}`: who asks, for which data, why and how long; approve or reject (or revoke once active). */
export function consentPage(lang: Lang, v: ConsentView, csrf: string): string {
  const t = STRINGS[lang];
  const p = prefix(lang);
  const c = v.consent;
  const action = `${p}/consents/${c.id}`;
  const decided = c.decidedAt ? fmtDateTime(c.decidedAt, lang) : null;
  const revoked = c.revokedAt ? fmtDateTime(c.revokedAt, lang) : null;
  const notes: Record<string, SafeHtml> = {
    active: html`<div class="panel panel--confirmation" role="status"><h2>${t.approvedTitle}</h2><p>${t.approved(decided ?? '', fmtDate(c.expiresAt, lang))}</p><p>${t.approvedNext}</p></div>`,
    rejected: html`<div class="panel" role="status"><p>${t.rejectedNote(decided ?? '')}</p></div>`,
    revoked: html`<div class="panel panel--confirmation" role="status"><h2>${t.revokedTitle}</h2><p>${t.revokedNote(revoked ?? '')}</p></div>`,
    expired: html`<div class="panel" role="status"><p>${t.expiredNote}</p></div>`,
  };
  return page({
    lang,
    title: t.requestTitle,
    path: `/consents/${c.id}`,
    noindex: true,
    body: html`${accountNav(lang)}${notes[v.status] ?? ''}<h1>${t.requestTitle}</h1>
<p class="lead">${t.requestLead}</p>
<dl class="summary-list">
<div><dt>${t.who}</dt><dd>${party(v.consumer, lang)}</dd></div>
<div><dt>${t.memberId}</dt><dd>${id(v.consumer.member)}</dd></div>
<div><dt>${t.purpose}</dt><dd>${text(c.purpose, lang)}</dd></div>
<div><dt>${t.duration}</dt><dd>${t.until(fmtDate(c.expiresAt, lang), fmtNumber(daysLeft(c.expiresAt), lang))}</dd></div>
<div><dt>${t.status}</dt><dd><strong>${t.statuses[v.status] ?? v.status}</strong>${v.status === 'revoked' && revoked ? html` (${revoked})` : ''}</dd></div>
</dl>
<h2>${t.data}</h2>
<table><thead><tr><th scope="col">${t.service}</th><th scope="col">${t.provider}</th><th scope="col">${t.classification}</th></tr></thead><tbody>
${v.services.map((s) => html`<tr><td>${serviceName(s, lang)} <span class="secondary">${id(s.id)}</span></td><td>${s.provider ? named(s.provider, lang) : id(s.id.split('/').slice(0, 3).join('/'))}</td><td>${t.classifications[s.classification] ?? s.classification}</td></tr>`)}
</tbody></table>
${
  v.status === 'requested'
    ? html`<p class="secondary">${t.revokeNote}</p>
<div class="button-group">
<form method="post" action="${action}/approve">${csrfField(csrf)}<button class="button" type="submit">${t.approve}</button></form>
<form method="post" action="${action}/reject">${csrfField(csrf)}<button class="button button--secondary" type="submit">${t.reject}</button></form>
</div>`
    : v.status === 'active'
      ? html`<form method="post" action="${p}/account/consents/${c.id}/revoke">${csrfField(csrf)}<button class="button button--warning" type="submit">${t.revoke}</button></form>`
      : ''
}`,
  });
}

/** The page for a signed-in person who is not the one asked: says so, reveals nothing of the request. */
export function notYoursPage(lang: Lang, id: string): string {
  const t = STRINGS[lang];
  return page({ lang, title: t.notYours, path: `/consents/${id}`, noindex: true, body: html`${accountNav(lang)}<h1>${t.notYours}</h1><p>${t.notYoursLead}</p>` });
}

/** `/account/consents`: every consent asked of this person, newest first, with revoke for the active ones. */
export function consentListPage(lang: Lang, items: ConsentView[], csrf: string): string {
  const t = STRINGS[lang];
  const p = prefix(lang);
  return page({
    lang,
    title: t.myConsents,
    path: '/account/consents',
    noindex: true,
    body: html`${accountNav(lang)}<h1>${t.myConsents}</h1>
<p class="lead">${t.myConsentsLead}</p>
${
  items.length === 0
    ? html`<p>${t.none}</p>`
    : html`<table><thead><tr><th scope="col">${t.who}</th><th scope="col">${t.data}</th><th scope="col">${t.purpose}</th><th scope="col">${t.status}</th><th scope="col">${t.duration}</th><th scope="col"><span class="visually-hidden">${t.details}</span></th></tr></thead><tbody>
${items.map(
  (v) => html`<tr id="consent-${v.consent.id}"><td>${party(v.consumer, lang)}</td><td>${v.services.map((s, i) => html`${i > 0 ? (lang === 'fa' ? '، ' : ', ') : ''}${serviceName(s, lang)}`)}</td><td>${text(v.consent.purpose, lang)}</td><td>${t.statuses[v.status] ?? v.status}${v.status === 'revoked' && v.consent.revokedAt ? html`<br><span class="secondary">${fmtDateTime(v.consent.revokedAt, lang)}</span>` : ''}</td><td>${fmtDate(v.consent.expiresAt, lang)}</td><td>${
    v.status === 'active'
      ? html`<form method="post" action="${p}/account/consents/${v.consent.id}/revoke">${csrfField(csrf)}<button class="button button--secondary" type="submit">${t.revoke}</button></form>`
      : html`<a href="${p}/consents/${v.consent.id}">${v.status === 'requested' ? t.review : t.details}</a>`
  }</td></tr>`,
)}
</tbody></table>`
}`,
  });
}

/** `/account/data-access`: the data tracker, newest first, a page at a time. */
/** `archivedBefore`: records before this time were archived (`audit archive`); the page says so rather than silently show less. */
export function dataAccessPage(lang: Lang, o: { items: AccessView[]; total: number; page: number; pageSize: number; archivedBefore?: string | null }): string {
  const t = STRINGS[lang];
  const p = prefix(lang);
  const pages = Math.max(1, Math.ceil(o.total / o.pageSize));
  const href = (n: number) => `${p}/account/data-access?page=${n}`;
  return page({
    lang,
    title: t.dataAccess,
    path: '/account/data-access',
    noindex: true,
    body: html`${accountNav(lang)}<h1>${t.dataAccess}</h1>
<p class="lead">${t.dataAccessLead}</p>
${o.archivedBefore ? html`<p class="secondary">${t.archived(fmtDate(o.archivedBefore, lang))}</p>` : ''}
${
  o.total === 0
    ? html`<p>${t.noAccess}</p>`
    : html`<p>${t.total(fmtNumber(o.total, lang))}</p>
<table><thead><tr><th scope="col">${t.when}</th><th scope="col">${t.consumer}</th><th scope="col">${t.service}</th><th scope="col">${t.basis}</th><th scope="col">${t.outcome}</th></tr></thead><tbody>
${o.items.map(
  (a) => html`<tr><td>${fmtDateTime(a.at, lang)}</td><td>${a.consumer ? party(a.consumer, lang) : '-'}</td><td>${a.service ? html`${a.service.name ? named(a.service.name, lang) : ''} <span class="secondary">${id(a.service.id)}</span>` : a.serviceId ? id(a.serviceId) : '-'}</td><td>${
    a.consentId ? html`<a href="${p}/consents/${a.consentId}">${t.consent}</a>` : a.consumer?.portal ? t.ownRequest : a.legalBasis ? html`${t.legalBasis}: ${text(a.legalBasis, lang)}` : '-'
  }</td><td>${a.ok ? t.provided : refusal(a.errorType, lang)}</td></tr>`,
)}
</tbody></table>
${
  pages > 1
    ? html`<nav class="pagination" aria-label="${t.pagination}">
${o.page > 1 ? html`<a href="${href(o.page - 1)}" rel="prev">${t.previous}</a>` : ''}
<span>${t.page(digits(String(o.page), lang), digits(String(pages), lang))}</span>
${o.page < pages ? html`<a href="${href(o.page + 1)}" rel="next">${t.next}</a>` : ''}
</nav>`
    : ''
}`
}`,
  });
}
