import type { Localized } from '../../catalog/index.js';
import type { Application, Delivered, HistoryEntry, ListedApplication } from '../../services/index.js';
import { formatTrackingCode, STATUS_NAMES } from '../../services/index.js';
import type { CompiledForm, FieldError, PageDefinition } from '../../services/forms/index.js';
import { renderAnswersSummary, renderPage, pageTitle } from '../forms/index.js';
import { html, type SafeHtml } from '../html.js';
import { digits, fmtCost, fmtDate, fmtDateTime, pick, prefix, t as site, type Lang } from '../i18n.js';
import { breadcrumbs, page } from '../layout.js';
import { strings } from './strings.js';

/** The pages of applying online and of "my applications". Server-rendered, no JavaScript needed. */

export const applicationsBase = (lang: Lang) => `${prefix(lang)}/account/applications`;
const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}">`;
const code = (c: string, lang: Lang) => html`<bdi dir="ltr" class="tracking-code">${digits(formatTrackingCode(c), lang)}</bdi>`;

// Registries give dates as ISO days (2013-09-01); a reader gets them in their calendar (Jalali in Persian).
const isoDay = /^\d{4}-\d{2}-\d{2}$/;
const registryValue = (v: string, lang: Lang) => (isoDay.test(v) ? fmtDate(`${v}T12:00:00Z`, lang) : digits(v, lang) || '—');

/**
 * An item of a registry's list ("Insured period 2"). The application keeps only the Persian label, so
 * the label is taken from the service's definition in the reader's language; should the definition no
 * longer have that list, the stored label is shown marked as Persian.
 */
function itemLabel(lang: Lang, service: Delivered, sourceId: string, stored: string, i: number): SafeHtml {
  const def = service.delivery.prefill.find((p) => p.id === sourceId)?.list?.itemLabel;
  return def ? html`${pick(def, lang)} ${digits(String(i + 1), lang)}` : lang === 'fa' ? html`${digits(stored, lang)}` : html`<span lang="fa" dir="rtl">${stored}</span>`;
}

function registryData(lang: Lang, app: Pick<Application, 'prefill'>, service: Delivered): SafeHtml {
  return html`${app.prefill.map(
    (src) => html`<h3>${pick(src.source, lang)}</h3><dl class="summary-list">${src.fields.map((f) => html`<div><dt>${pick(f.label, lang)}</dt><dd>${registryValue(f.value, lang)}</dd></div>`)}</dl>
${(src.items ?? []).map((it, i) => html`<h4>${itemLabel(lang, service, src.id, it.label, i)}</h4><dl class="summary-list">${it.fields.map((f) => html`<div><dt>${pick(f.label, lang)}</dt><dd>${registryValue(f.value, lang)}</dd></div>`)}</dl>`)}`,
  )}`;
}

export interface StartPageInput {
  service: Delivered;
  summary: Localized;
  organizationName: (code: string) => string;
  signedIn: boolean;
  drafts: Application[];
  csrf: string;
}

export function startPage(lang: Lang, o: StartPageInput): string {
  const t = strings(lang);
  const s = o.service;
  const path = `/services/${s.slug}/apply`;
  const fee = s.delivery.fee?.amount ?? 0;
  return page({
    lang,
    title: t.startTitle(pick(s.title, lang)),
    path,
    body: html`${breadcrumbs(lang, [{ label: pick(s.title, lang), href: `${prefix(lang)}/services/${s.slug}` }, { label: t.apply }])}
<h1>${pick(s.title, lang)}</h1>
<p class="lead">${pick(o.summary, lang)}</p>
<h2>${t.whatYouNeed}</h2>
<dl class="summary-list">
<div><dt>${t.fee}</dt><dd>${fee ? fmtCost(fee, lang) : t.free}</dd></div>
<div><dt>${t.deadline}</dt><dd>${t.workingDays(digits(String(s.delivery.steps.reduce((n, st) => n + st.deadlineDays, 0)), lang))}</dd></div>
</dl>
<h2>${t.steps}</h2>
<ol>${s.delivery.steps.map((st) => html`<li>${pick(st.title, lang)} (${o.organizationName(st.organization)}) · ${t.workingDays(digits(String(st.deadlineDays), lang))}</li>`)}</ol>
${s.delivery.prefill.length ? html`<h2>${t.fromRegistries}</h2><p>${t.fromRegistriesLead}</p><ul>${s.delivery.prefill.map((p) => html`<li>${pick(p.source, lang)}: ${p.fields.map((f) => pick(f.label, lang)).join('، ')}</li>`)}</ul>` : ''}
${o.signedIn
  ? html`${o.drafts.length
      ? html`<h2>${t.drafts}</h2><ul>${o.drafts.map((d) => html`<li><a href="${applicationsBase(lang)}/${d.id}/continue">${t.continueDraft}</a> · ${t.savedAt(fmtDateTime(d.updatedAt, lang))}${d.expiresAt ? html` · ${t.keptUntil(fmtDate(d.expiresAt, lang))}` : ''}</li>`)}</ul>`
      : ''}
<form method="post" action="${prefix(lang)}${path}">${csrfField(o.csrf)}<button class="button button--start" type="submit">${t.start}</button></form>
<p class="secondary">${t.draftKept}</p>`
  : html`<p>${t.signInLead}</p><p><a class="button button--start" href="${prefix(lang)}/account/signin?return=${encodeURIComponent(`${prefix(lang)}${path}`)}">${t.signInToStart}</a></p>`}`,
  });
}

export function formStepPage(lang: Lang, o: { app: Application; service: Delivered; form: CompiledForm; page: PageDefinition; csrf: string; errors?: FieldError[]; posted?: Record<string, string | string[]>; backHref: string; fileName?: (id: string) => string | undefined }): string {
  const base = applicationsBase(lang);
  return page({
    lang,
    title: pageTitle(o.form, o.page, lang, Boolean(o.errors?.length)),
    path: `/account/applications/${o.app.id}/pages/${o.page.id}`,
    noindex: true,
    body: html`<p class="caption">${pick(o.service.title, lang)}</p>${renderPage(o.form, o.page, {
      lang,
      action: `${base}/${o.app.id}/pages/${o.page.id}`,
      csrfToken: o.csrf,
      answers: o.app.answers,
      errors: o.errors,
      posted: o.posted,
      backHref: o.backHref,
      fileName: o.fileName,
    })}`,
  });
}

export function checkPage(lang: Lang, o: { app: Application; service: Delivered; form: CompiledForm; csrf: string; errors?: FieldError[]; fileName?: (id: string) => string | undefined }): string {
  const t = strings(lang);
  const base = applicationsBase(lang);
  const changes = o.app.status === 'changes_requested';
  const fee = o.app.fee.amount;
  return page({
    lang,
    title: changes ? t.answerChanges : t.check,
    path: `/account/applications/${o.app.id}/check`,
    noindex: true,
    body: html`<p class="caption">${pick(o.service.title, lang)}</p>
${o.errors?.length ? html`<div class="error-summary" role="alert" tabindex="-1"><h2>${site(lang).problem}</h2><ul>${o.errors.map((e) => html`<li><a href="${base}/${o.app.id}/pages/${o.form.pageOf.get(e.field) ?? ''}">${pick(e.message, lang)}</a></li>`)}</ul></div>` : ''}
<h1>${changes ? t.answerChanges : t.check}</h1>
<p>${changes ? t.answerChangesLead : t.checkLead}</p>
${o.app.prefill.length ? html`<h2>${t.registryData}</h2>${registryData(lang, o.app, o.service)}` : ''}
<h2>${t.yourAnswers}</h2>
${renderAnswersSummary(o.form, o.app.answers, lang, (pageId) => `${base}/${o.app.id}/pages/${pageId}`, { fileName: o.fileName })}
${changes
  ? html`<form method="post" action="${base}/${o.app.id}/answer">${csrfField(o.csrf)}<div class="form-group"><label for="message">${t.message}</label><textarea id="message" name="message" rows="4" maxlength="4000"></textarea></div><button class="button" type="submit">${t.sendAnswer}</button></form>`
  : html`<form method="post" action="${base}/${o.app.id}/submit">${csrfField(o.csrf)}${fee ? html`<p>${t.fee}: ${fmtCost(fee, lang)}</p>` : ''}<button class="button" type="submit">${fee ? t.submitPay : t.submit}</button></form>`}`,
  });
}

export interface StatusPageInput {
  app: Application;
  serviceTitle: Localized;
  organizationName: (code: string) => string;
  history: HistoryEntry[];
  documents: Array<{ id: string }>;
  /** The files the answers name (attachments), each to download. */
  attachments?: Array<{ id: string; name: string; size: number }>;
  csrf: string;
  flash?: string;
  /** A form error (message, withdraw) to show at the top. */
  problem?: { field: string; message: string };
}

export function statusPage(lang: Lang, o: StatusPageInput): string {
  const t = strings(lang);
  const a = o.app;
  const base = applicationsBase(lang);
  const justSubmitted = o.flash === 'submitted';
  const flashText = o.flash && !justSubmitted ? (t as unknown as Record<string, string>)[o.flash] : undefined;
  const receipt = justSubmitted
    ? html`<div class="panel panel--confirmation"><h1>${t.submitted}</h1><p>${t.trackingCode}: <strong>${code(a.trackingCode, lang)}</strong></p></div><p>${t.keepCode}</p>
<h2>${t.whatNext}</h2><p>${a.status === 'awaiting_payment' ? t.nextPay : a.deadline ? t.nextSubmitted(o.organizationName(a.organization), fmtDate(a.deadline, lang)) : ''}</p>`
    : html`<h1>${pick(o.serviceTitle, lang)}</h1><p>${t.trackingCode}: <strong>${code(a.trackingCode, lang)}</strong></p>`;
  const events = o.history.filter((h) => h.kind !== 'note');
  return page({
    lang,
    title: justSubmitted ? t.submitted : pick(o.serviceTitle, lang),
    path: `/account/applications/${a.id}`,
    noindex: true,
    body: html`${breadcrumbs(lang, [{ label: site(lang).myPanjareh, href: `${prefix(lang)}/account` }, { label: t.myApplications, href: base }, { label: digits(formatTrackingCode(a.trackingCode), lang) }])}
${o.problem ? html`<div class="error-summary" role="alert" tabindex="-1"><h2>${site(lang).problem}</h2><ul><li><a href="#${o.problem.field}">${o.problem.message}</a></li></ul></div>` : ''}
${flashText ? html`<div class="panel panel--confirmation" role="status"><p>${flashText}</p></div>` : ''}
${receipt}
${justSubmitted ? html`<p class="caption">${pick(o.serviceTitle, lang)}</p>` : ''}
<dl class="summary-list">
<div><dt>${t.status}</dt><dd><strong class="tag">${pick(STATUS_NAMES[a.status], lang)}</strong></dd></div>
${a.deadline && a.status !== 'changes_requested' && ['submitted', 'in_review'].includes(a.status) ? html`<div><dt>${t.deadline}</dt><dd>${fmtDate(a.deadline, lang)}</dd></div>` : ''}
<div><dt>${t.fee}</dt><dd>${a.fee.amount ? html`${fmtCost(a.fee.amount, lang)}${a.fee.paidAt ? html` · ${t.paid}` : ''}` : t.free}</dd></div>
</dl>
${a.status === 'changes_requested' ? html`<p class="inset">${t.deadlinePaused(digits(String(a.pausedRemainingDays ?? 0), lang))}</p><p><a class="button" href="${base}/${a.id}/check">${t.answerChanges}</a></p>` : ''}
${a.overdue > 0 && ['submitted', 'in_review'].includes(a.status) ? html`<p class="inset">${t.overdue}</p>` : ''}
${a.status === 'awaiting_payment' ? html`<form method="post" action="${base}/${a.id}/pay">${csrfField(o.csrf)}<button class="button" type="submit">${t.pay}</button></form>` : ''}
${a.status === 'draft' ? html`<p><a class="button" href="${base}/${a.id}/continue">${t.continueDraft}</a></p>` : ''}
${o.attachments?.length ? html`<h2>${t.attachments}</h2><ul>${o.attachments.map((f) => html`<li><a href="${base}/${a.id}/files/${f.id}" download><span dir="auto">${f.name}</span></a> · ${t.fileSize(digits(String(Math.max(1, Math.round(f.size / 1024))), lang))}</li>`)}</ul>` : ''}
${o.documents.length ? html`<h2>${t.documents}</h2><ul>${o.documents.map((d) => html`<li><a href="${prefix(lang)}/account/documents/${d.id}.pdf">${t.download}</a> · <a href="${prefix(lang)}/verify/${d.id}">${t.verify}</a> · <bdi dir="ltr">${d.id}</bdi></li>`)}</ul>` : ''}
<h2>${t.timeline}</h2>
<ol class="timeline">${events.map(
  (h) => html`<li><strong>${t.events[h.kind] ?? h.kind}</strong> · ${fmtDateTime(h.at, lang)} · ${t.by[h.actor.startsWith('person:') ? 'applicant' : h.actor === 'system' || h.actor === 'payments' ? h.actor : 'agency']}
${Array.isArray(h.detail.reasons) && h.detail.reasons.length ? html`<p>${t.reasons}:</p><ul>${(h.detail.reasons as Localized[]).map((r) => html`<li>${pick(r, lang)}</li>`)}</ul>` : ''}
${typeof h.detail.text === 'string' ? html`<p class="message">${h.detail.text}</p>` : ''}
${typeof h.detail.message === 'string' && h.detail.message ? html`<p class="message">${h.detail.message}</p>` : ''}
${typeof h.detail.deadline === 'string' && h.kind !== 'overdue' ? html`<p class="secondary">${t.deadlineOn(fmtDate(h.detail.deadline, lang))}</p>` : ''}</li>`,
)}</ol>
${a.status !== 'draft' && !['withdrawn'].includes(a.status) ? html`<h2>${t.sendMessage}</h2><form method="post" action="${base}/${a.id}/message">${csrfField(o.csrf)}<div class="form-group"><label for="message">${t.message}</label><textarea id="message" name="message" rows="3" maxlength="4000"${o.problem?.field === 'message' ? html` aria-invalid="true"` : ''}></textarea></div><button class="button button--secondary" type="submit">${t.send}</button></form>` : ''}
${['draft', 'awaiting_payment', 'submitted', 'in_review', 'changes_requested'].includes(a.status) ? html`<h2>${t.withdraw}</h2><p>${t.withdrawLead}</p><form method="post" action="${base}/${a.id}/withdraw">${csrfField(o.csrf)}<button class="button button--warning" type="submit">${t.withdraw}</button></form>` : ''}`,
  });
}

export function listPage(lang: Lang, o: { items: ListedApplication[]; next: string | null; title: (code: string) => Localized }): string {
  const t = strings(lang);
  const base = applicationsBase(lang);
  return page({
    lang,
    title: t.myApplications,
    path: '/account/applications',
    noindex: true,
    body: html`${breadcrumbs(lang, [{ label: site(lang).myPanjareh, href: `${prefix(lang)}/account` }, { label: t.myApplications }])}
<h1>${t.myApplications}</h1><p class="lead">${t.myApplicationsLead}</p>
${o.items.length === 0
  ? html`<p>${t.none} <a href="${prefix(lang)}/services?channel=platform">${t.findService}</a></p>`
  : html`<table class="table table--mine"><thead><tr><th scope="col">${t.service}</th><th scope="col">${t.trackingCode}</th><th scope="col">${t.status}</th><th scope="col">${t.created}</th></tr></thead><tbody>
${o.items.map((a) => html`<tr><td><a href="${base}/${a.id}">${pick(o.title(a.service), lang)}</a></td><td>${code(a.trackingCode, lang)}</td><td>${pick(STATUS_NAMES[a.status], lang)}</td><td>${fmtDate(a.createdAt, lang)}</td></tr>`)}
</tbody></table>`}
${o.next ? html`<p><a href="${base}?cursor=${encodeURIComponent(o.next)}">${t.nextPage}</a></p>` : ''}`,
  });
}

export function documentsPage(lang: Lang, docs: Array<{ id: string; title: Localized; organization: { name: Localized }; issuedAt: string; status: string }>): string {
  const t = strings(lang);
  return page({
    lang,
    title: t.myDocuments,
    path: '/account/documents',
    noindex: true,
    body: html`${breadcrumbs(lang, [{ label: site(lang).myPanjareh, href: `${prefix(lang)}/account` }, { label: t.myDocuments }])}
<h1>${t.myDocuments}</h1><p class="lead">${t.myDocumentsLead}</p>
${docs.length === 0
  ? html`<p>${t.noDocuments}</p>`
  : html`<table class="table table--mine"><thead><tr><th scope="col">${t.document}</th><th scope="col">${t.issuer}</th><th scope="col">${t.created}</th><th scope="col">${t.status}</th><th scope="col">${t.number}</th></tr></thead><tbody>
${docs.map((d) => html`<tr><td><a href="${prefix(lang)}/account/documents/${d.id}.pdf">${pick(d.title, lang)}</a></td><td>${pick(d.organization.name, lang)}</td><td>${fmtDate(d.issuedAt, lang)}</td><td>${t.docStatus[d.status] ?? d.status}</td><td><a href="${prefix(lang)}/verify/${d.id}"><bdi dir="ltr">${d.id}</bdi></a></td></tr>`)}
</tbody></table>`}`,
  });
}
