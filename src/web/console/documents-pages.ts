import { formatNumber, maskName, type DocumentStatus, type IssuedDocument } from '../../documents/index.js';
import { html, type SafeHtml } from '../html.js';
import { fmtDate, fmtDateTime, pick, prefix, type Lang } from '../i18n.js';
import type { PageContext } from './authority-pages.js';
import { problemOf } from './authority-pages.js';
import { DOCUMENTS } from './documents-strings.js';
import type { FormProblem } from './messages.js';
import { consolePage, csrfField, errorSummary, noticePanel } from './pages.js';
import { CONSOLE } from './strings.js';

/**
 * The console's issued-documents pages: a GET form that finds a document by its number, and the
 * document as its issuing organisation sees it (what the public verification page shows, the holder
 * masked) with the form that revokes it. Server-rendered, no JavaScript.
 */

type Errors = Array<FormProblem | string>;
type Values = Record<string, string | undefined>;

const back = (lang: Lang) => html`<p><a href="${prefix(lang)}/console">${CONSOLE[lang].console}</a></p>`;
const numberHtml = (id: string) => html`<bdi class="code" dir="ltr">${formatNumber(id)}</bdi>`;
/** The console's address of a document, canonical number in groups. */
export const documentPath = (lang: Lang, id: string) => `${prefix(lang)}/console/documents/${formatNumber(id)}`;

export function statusTag(lang: Lang, status: DocumentStatus): SafeHtml {
  const label = DOCUMENTS[lang].statuses[status] ?? status;
  return status === 'valid' ? html`<span class="tag">${label}</span>` : status === 'revoked' ? html`<span class="tag tag--red">${label}</span>` : html`<span class="tag tag--grey">${label}</span>`;
}

/** A textarea or input with its label, hint and problem, marked invalid when it has one. */
function control(lang: Lang, errors: Errors, o: { name: string; label: string; hint?: string; value: string; area?: boolean; textLang?: Lang }): SafeHtml {
  const problem = problemOf(lang, errors, o.name);
  const ids = [o.hint ? `${o.name}-hint` : '', problem ? `${o.name}-error` : ''].filter(Boolean).join(' ');
  const attrs = html`${o.textLang ? html` dir="${o.textLang === 'fa' ? 'rtl' : 'ltr'}" lang="${o.textLang}"` : html` dir="ltr"`}${problem ? html` aria-invalid="true"` : ''}${ids ? html` aria-describedby="${ids}"` : ''}`;
  const input = o.area
    ? html`<textarea id="${o.name}" name="${o.name}" rows="3"${attrs}>${o.value}</textarea>`
    : html`<input type="text" id="${o.name}" name="${o.name}" value="${o.value}" autocomplete="off" spellcheck="false"${attrs}>`;
  return html`<div class="form-group${problem ? ' form-group--error' : ''}"><label for="${o.name}">${o.label}</label>${o.hint ? html`<span class="hint" id="${o.name}-hint">${o.hint}</span>` : ''}${problem ? html`<span class="error-message" id="${o.name}-error">${problem}</span>` : ''}${input}</div>`;
}

export function findPage(ctx: PageContext, v: { number: string; authority: boolean; errors: Errors }): string {
  const { lang } = ctx;
  const d = DOCUMENTS[lang];
  return consolePage(
    lang,
    d.findTitle,
    '/console/documents',
    ctx.user,
    html`${back(lang)}<h1>${d.findTitle}</h1>${errorSummary(lang, v.errors)}
<p>${d.findLead}</p>${v.authority ? html`<p>${d.authorityLead}</p>` : ''}
<form method="get" action="${prefix(lang)}/console/documents" novalidate>
${control(lang, v.errors, { name: 'number', label: d.numberLabel, hint: d.numberHint, value: v.number })}
<button class="button" type="submit">${d.find}</button>
</form>`,
    ctx.csrf,
  );
}

export interface DocumentView {
  document: IssuedDocument;
  /** Who revoked it, named for the page (from the civil registry), or null. */
  revokedBy: string | null;
  /** The application in the back office, when the viewer may open it. */
  applicationHref: string | null;
  values: Values;
  errors: Errors;
}

export function documentPage(ctx: PageContext, v: DocumentView): string {
  const { lang, csrf } = ctx;
  const d = DOCUMENTS[lang];
  const doc = v.document;
  const row = (label: string, value: SafeHtml | string) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
  const facts = html`<dl class="summary-list">
${row(d.number, numberHtml(doc.id))}
${row(d.type, html`${pick(doc.title, lang)}<br><code class="secondary" dir="ltr">${doc.type}</code>`)}
${row(d.issuer, pick(doc.organization.name, lang))}
${row(d.holder, html`${maskName(pick(doc.holder.name, lang))}<br><span class="secondary">${d.holderHint}</span>`)}
${row(d.issuedAt, fmtDate(doc.issuedAt, lang))}
${row(d.expiresAt, doc.expiresAt ? fmtDate(doc.expiresAt, lang) : d.noExpiry)}
${row(d.status, statusTag(lang, doc.status))}
${doc.revokedAt ? row(d.revokedAt, fmtDateTime(doc.revokedAt, lang)) : ''}
${doc.revokedAt && v.revokedBy ? row(d.revokedBy, v.revokedBy) : ''}
${doc.revokedReason ? row(d.reason, pick(doc.revokedReason, lang)) : ''}
${v.applicationHref ? row(d.application, html`<a href="${v.applicationHref}">${d.openApplication}</a>`) : ''}
</dl>
<p><a href="${prefix(lang)}/verify/${formatNumber(doc.id)}">${d.publicPage}</a></p>`;
  const revoke =
    doc.status === 'revoked'
      ? html``
      : html`<h2>${d.revoke}</h2><p>${d.revokeLead}</p>
<form method="post" action="${documentPath(lang, doc.id)}/revoke" novalidate>${csrfField(csrf)}
${control(lang, v.errors, { name: 'reason_fa', label: d.reasonFa, hint: d.reasonFaHint, value: v.values.reason_fa ?? '', area: true, textLang: 'fa' })}
${control(lang, v.errors, { name: 'reason_en', label: d.reasonEn, hint: d.reasonEnHint, value: v.values.reason_en ?? '', area: true, textLang: 'en' })}
<button class="button button--warning" type="submit">${d.revokeButton}</button>
</form>`;
  return consolePage(
    lang,
    // The number is not in the title: Latin characters in a Persian window title read badly.
    `${d.documentTitle}: ${pick(doc.title, lang)}`,
    `/console/documents/${formatNumber(doc.id)}`,
    ctx.user,
    html`<p><a href="${prefix(lang)}/console/documents">${d.back}</a></p><h1>${pick(doc.title, lang)} ${numberHtml(doc.id)}</h1>${noticePanel(ctx.notice)}${errorSummary(lang, v.errors)}
${facts}${revoke}`,
    csrf,
  );
}

/** The documents an application produced, on its back-office page: each links to its console page. */
export function issuedDocumentsSection(lang: Lang, docs: Array<Pick<IssuedDocument, 'id' | 'title' | 'status'>>): SafeHtml {
  if (!docs.length) return html``;
  const d = DOCUMENTS[lang];
  return html`<h2>${d.issuedHere}</h2><ul>${docs.map((doc) => html`<li><a href="${documentPath(lang, doc.id)}">${pick(doc.title, lang)} ${numberHtml(doc.id)}</a> ${statusTag(lang, doc.status)}</li>`)}</ul>`;
}
