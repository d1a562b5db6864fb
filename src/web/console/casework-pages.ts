import { visibleAnswers, visiblePages, type CompiledForm } from '../../services/forms/index.js';
import { formatTrackingCode, STATUS_NAMES, STATUSES, type Application, type ApplicationSummary, type HistoryEntry, type Status } from '../../services/index.js';
import type { Localized } from '../../catalog/index.js';
import { answerHtml } from '../forms/index.js';
import { html, type SafeHtml } from '../html.js';
import { digits, fmtCost, fmtDate, fmtDateTime, fmtNumber, pick, prefix, type Lang } from '../i18n.js';
import type { PageContext } from './authority-pages.js';
import { fieldsFor, problemOf, toolLinks } from './authority-pages.js';
import { CASEWORK } from './casework-strings.js';
import type { FormProblem } from './messages.js';
import { consolePage, csrfField, errorSummary, noticePanel } from './pages.js';
import { CONSOLE } from './strings.js';
import type { IssuedDocument } from '../../documents/index.js';
import { issuedDocumentsSection } from './documents-pages.js';

/**
 * Pages of the back office: an agency's queue, one application with what the caseworker may do on
 * it, and the national authority's list of every agency's overdue work. Server-rendered forms only.
 */

/** Statuses the queue's filter offers: those an application is handled in, then the decided ones. */
export const QUEUE_STATUSES: readonly Status[] = STATUSES.filter((s) => s !== 'draft' && s !== 'awaiting_payment');

/** Names the views need, resolved by the routes (the catalogue and the civil registry). */
export interface Names {
  service: (code: string) => string;
  organization: (code: string) => string;
  /** A staff member's name from their console identity (`person:<national code>`), or the identity as written. */
  staff: (username: string) => string;
}

const tracking = (code: string, lang: Lang) => html`<bdi dir="ltr">${digits(formatTrackingCode(code), lang)}</bdi>`;

function overdueTag(lang: Lang, a: ApplicationSummary): SafeHtml {
  const k = CASEWORK[lang];
  if (a.overdue >= 2) return html` <strong class="tag tag--red">${k.escalated}</strong>`;
  if (a.overdue === 1) return html` <strong class="tag tag--red">${k.overdue}</strong>`;
  return html``;
}

function deadlineText(lang: Lang, a: ApplicationSummary): SafeHtml {
  const k = CASEWORK[lang];
  if (a.status === 'changes_requested' && a.pausedRemainingDays !== null) return html`${k.paused(fmtNumber(a.pausedRemainingDays, lang))}`;
  return a.deadline ? html`${fmtDate(a.deadline, lang)}` : html`${CONSOLE[lang].none}`;
}

export interface QueueView {
  /** The queue's page: /console/applications or /console/overdue. */
  path: string;
  /** The authority's list names each application's agency. */
  authority: boolean;
  organization?: { code: string; name: string };
  others?: Array<{ code: string; name: string }>;
  filter: { status: string; overdue: boolean; mine: boolean };
  rows: ApplicationSummary[];
  next: string | null;
  /** The cursor this page was opened with (null on the first page). */
  cursor: string | null;
  /** The console's other pages for a caseworker (issued documents), whose home the queue is. */
  links?: Array<{ href: string; label: string }>;
}

function queueTable(lang: Lang, v: QueueView, names: Names): SafeHtml {
  const k = CASEWORK[lang];
  const p = prefix(lang);
  if (!v.rows.length) return html`<p>${k.none}</p>`;
  return html`<table><caption class="visually-hidden">${k.queueCaption}</caption><thead><tr><th scope="col">${k.trackingCode} · ${k.service}</th><th scope="col">${k.applicant}</th><th scope="col">${k.status}</th><th scope="col">${k.deadline}</th><th scope="col">${k.assignedTo}</th></tr></thead><tbody>
${v.rows.map(
  (a) => html`<tr><td><a href="${p}/console/applications/${a.id}">${tracking(a.trackingCode, lang)}</a><br>${names.service(a.service)}${v.authority ? html`<br><span class="secondary">${names.organization(a.organization)}</span>` : ''}</td>
<td>${pick(a.applicant.name, lang)}</td><td>${pick(STATUS_NAMES[a.status], lang)}${overdueTag(lang, a)}</td><td>${deadlineText(lang, a)}</td><td>${a.assignedTo ? names.staff(a.assignedTo) : html`<span class="secondary">${k.unassigned}</span>`}</td></tr>`,
)}
</tbody></table>`;
}

/** "Next page" with the same filter and the keyset cursor; "first page" once paged on. */
function pager(lang: Lang, v: QueueView): SafeHtml {
  const k = CASEWORK[lang];
  if (!v.next && !v.cursor) return html``;
  const href = (cursor: string | null) => {
    const qs = new URLSearchParams();
    if (v.organization && v.others?.length) qs.set('org', v.organization.code);
    if (v.filter.status) qs.set('status', v.filter.status);
    if (v.filter.overdue && !v.authority) qs.set('overdue', '1');
    if (v.filter.mine) qs.set('mine', '1');
    if (cursor) qs.set('cursor', cursor);
    const s = qs.toString();
    return `${prefix(lang)}${v.path}${s ? `?${s}` : ''}`;
  };
  return html`<nav class="pagination" aria-label="${k.paging}">
${v.cursor ? html`<a href="${href(null)}">${k.firstPage}</a>` : ''}
${v.next ? html`<a href="${href(v.next)}" rel="next">${k.nextPage}</a>` : ''}
</nav>`;
}

function filterForm(lang: Lang, v: QueueView): SafeHtml {
  const k = CASEWORK[lang];
  const sel = (on: boolean) => (on ? html` selected` : html``);
  const chk = (on: boolean) => (on ? html` checked` : html``);
  return html`<form method="get" action="${prefix(lang)}${v.path}" class="filters">
<fieldset><legend>${k.filters}</legend>
${v.organization && v.others?.length ? html`<input type="hidden" name="org" value="${v.organization.code}">` : ''}
<div class="form-group"><label for="status">${k.status}</label><select id="status" name="status"><option value=""${sel(!v.filter.status)}>${k.anyStatus}</option>
${QUEUE_STATUSES.map((s) => html`<option value="${s}"${sel(v.filter.status === s)}>${pick(STATUS_NAMES[s], lang)}</option>`)}</select></div>
<div class="checkboxes">
<div><input type="checkbox" id="overdue" name="overdue" value="1"${chk(v.filter.overdue)}> <label for="overdue">${k.overdueOnly}</label></div>
<div><input type="checkbox" id="mine" name="mine" value="1"${chk(v.filter.mine)}> <label for="mine">${k.mineOnly}</label></div>
</div>
<button class="button button--secondary" type="submit">${k.show}</button>
</fieldset></form>`;
}

const consoleLink = (lang: Lang) => html`<p><a href="${prefix(lang)}/console">${CONSOLE[lang].console}</a></p>`;

export function queuePage(ctx: PageContext, v: QueueView, names: Names): string {
  const { lang } = ctx;
  const k = CASEWORK[lang];
  const title = k.queueTitle(v.organization?.name ?? '');
  const others = v.others?.length
    ? html`<nav aria-labelledby="other-queues"><h2 id="other-queues">${k.otherOrganizations}</h2><ul>${v.others.map((o) => html`<li><a href="${prefix(lang)}/console/applications?org=${encodeURIComponent(o.code)}">${o.name}</a></li>`)}</ul></nav>`
    : html``;
  return consolePage(lang, title, v.path, ctx.user, html`${consoleLink(lang)}<h1>${title}</h1>${noticePanel(ctx.notice)}<p>${k.queueLead}</p>${filterForm(lang, v)}${queueTable(lang, v, names)}${pager(lang, v)}${others}${toolLinks(lang, v.links ?? [])}`, ctx.csrf);
}

export function overduePage(ctx: PageContext, v: QueueView, names: Names): string {
  const { lang } = ctx;
  const k = CASEWORK[lang];
  return consolePage(lang, k.overdueTitle, v.path, ctx.user, html`${consoleLink(lang)}<h1>${k.overdueTitle}</h1><p>${k.overdueLead}</p>${queueTable(lang, v, names)}${pager(lang, v)}`, ctx.csrf);
}

/** What the application page shows beside the application itself. */
export interface ApplicationView {
  application: Application;
  history: HistoryEntry[];
  serviceTitle: Localized;
  stepTitle: Localized | null;
  form: CompiledForm | null;
  /** The attachments the answers name, by stored file id: their names and where to download them (null when the file is gone). */
  attachments: Map<string, { name: string; href: string | null }>;
  reasons: Localized[];
  /** The caseworker's own organisation when they may act on it; null for the authority's read-only view. */
  actingFor: string | null;
  /** Other caseworkers of the organisation, by console identity. */
  colleagues: string[];
  /** What was typed in a refused form, kept. */
  values: Record<string, string | string[] | undefined>;
  errors: Array<FormProblem | string>;
  /** The documents an approval issued for it (linked to their console page, where they are revoked). */
  documents?: Array<Pick<IssuedDocument, 'id' | 'title' | 'status'>>;
}

function prefillSection(lang: Lang, a: Application): SafeHtml {
  const k = CASEWORK[lang];
  if (!a.prefill.length) return html`<h2>${k.registryData}</h2><p>${k.noRegistryData}</p>`;
  const row = (f: { label: Localized; value: string }) => html`<div><dt>${pick(f.label, lang)}</dt><dd><span dir="auto">${digits(f.value, lang)}</span></dd></div>`;
  return html`<h2>${k.registryData}</h2><p class="secondary">${k.registryLead}</p>
${a.prefill.map(
  (s) => html`<h3>${pick(s.source, lang)}</h3><p class="secondary">${k.readAt} ${fmtDateTime(s.at, lang)}</p><dl class="summary-list">${s.fields.map(row)}</dl>
${(s.items ?? []).map((item) => html`<h4>${item.label}</h4><dl class="summary-list">${item.fields.map(row)}</dl>`)}`,
)}`;
}

/** "Check your answers" as the caseworker reads it: every question shown to the applicant and its answer, nothing to change. */
function answersSection(lang: Lang, form: CompiledForm | null, answers: Record<string, unknown>, attachments: ApplicationView['attachments']): SafeHtml {
  const k = CASEWORK[lang];
  if (!form) return html``;
  const file = (v: unknown) => {
    const a = typeof v === 'string' ? attachments.get(v) : undefined;
    if (!a) return null;
    return a.href ? html`<a href="${a.href}" download><span dir="auto">${a.name}</span></a>` : html`<span dir="auto">${a.name}</span>`;
  };
  const shown = visibleAnswers(form, answers);
  return html`<h2>${k.answers}</h2><dl class="summary-list">${visiblePages(form, shown).map((page) =>
    page.fields.map((name) => {
      const def = form.fields[name]!;
      const answer = def.kind === 'file' ? file(shown[name]) : answerHtml(def, shown[name], lang);
      return html`<div><dt>${pick(def.label, lang)}</dt><dd>${answer ?? html`<span class="secondary">—</span>`}</dd></div>`;
    }),
  )}</dl>`;
}

function historyText(lang: Lang, h: HistoryEntry, names: Names): SafeHtml {
  const k = CASEWORK[lang];
  const d = h.detail;
  const parts: SafeHtml[] = [];
  if (typeof d.text === 'string') parts.push(html`<br><span dir="auto">${d.text}</span>`);
  if (typeof d.message === 'string' && d.message) parts.push(html`<br><span dir="auto">${d.message}</span>`);
  if (Array.isArray(d.reasons) && d.reasons.length) parts.push(html`<ul class="list-bullet">${(d.reasons as Localized[]).map((r) => html`<li>${pick(r, lang)}</li>`)}</ul>`);
  if (h.kind === 'reassigned' && typeof d.to === 'string') parts.push(html` ${k.to} ${names.staff(d.to)}`);
  if (h.kind === 'step_approved' && typeof d.organization === 'string') parts.push(html` (${names.organization(d.organization)})`);
  const internal = h.kind === 'note' ? html` <span class="tag tag--grey">${k.internal}</span>` : html``;
  return html`${k.kinds[h.kind] ?? h.kind}${internal}${parts}`;
}

function who(lang: Lang, a: Application, actor: string, names: Names): string {
  const k = CASEWORK[lang];
  if (actor === `person:${a.applicant.nationalCode}`) return k.theApplicant;
  if (actor === 'system') return k.theSystem;
  if (actor === 'payments') return k.payments;
  return names.staff(actor);
}

function historySection(lang: Lang, v: ApplicationView, names: Names): SafeHtml {
  const k = CASEWORK[lang];
  return html`<h2>${k.history}</h2><table><thead><tr><th scope="col">${k.when}</th><th scope="col">${k.who}</th><th scope="col">${k.what}</th></tr></thead><tbody>
${v.history.map((h) => html`<tr><td>${fmtDateTime(h.at, lang)}</td><td>${who(lang, v.application, h.actor, names)}</td><td>${historyText(lang, h, names)}</td></tr>`)}
</tbody></table>`;
}

const value = (v: ApplicationView['values'], name: string) => {
  const x = v[name];
  return Array.isArray(x) ? (x[0] ?? '') : (x ?? '');
};

function actionForms(ctx: PageContext, v: ApplicationView, names: Names): SafeHtml {
  const { lang, csrf } = ctx;
  const k = CASEWORK[lang];
  const a = v.application;
  const action = (what: string) => `${prefix(lang)}/console/applications/${a.id}/${what}`;
  const field = fieldsFor(lang, v.errors);
  const texts = { note: value(v.values, 'note'), message: value(v.values, 'message') };
  const decidable = a.status === 'submitted' || a.status === 'in_review';
  const reassignable = decidable || a.status === 'changes_requested';
  const mine = a.assignedTo === ctx.user.username;
  const others = v.colleagues.filter((c) => c !== a.assignedTo);
  const chosen = new Set(([] as string[]).concat(v.values.reasons ?? []));
  const decision = value(v.values, 'decision');
  const decisionProblem = problemOf(lang, v.errors, 'decision-approve');
  const reasonsProblem = problemOf(lang, v.errors, v.reasons.length ? 'reason-0' : 'reason-fa');
  const toProblem = problemOf(lang, v.errors, 'to');
  const invalid = (p: SafeHtml | undefined, id: string) => (p ? html` aria-invalid="true" aria-describedby="${id}-error"` : html``);

  const claim =
    decidable && !mine
      ? html`<h2>${k.claim}</h2><p>${k.claimLead}</p><form method="post" action="${action('claim')}">${csrfField(csrf)}<button class="button" type="submit">${k.claimButton}</button></form>`
      : html``;
  const reassign = reassignable
    ? html`<h2>${k.reassign}</h2>${others.length
        ? html`<form method="post" action="${action('reassign')}">${csrfField(csrf)}<div class="form-group${toProblem ? ' form-group--error' : ''}"><label for="to">${k.reassignTo}</label>${toProblem ? html`<span class="error-message" id="to-error">${toProblem}</span>` : ''}<select id="to" name="to"${invalid(toProblem, 'to')}>${others.map((c) => html`<option value="${c}"${value(v.values, 'to') === c ? html` selected` : ''}>${names.staff(c)}</option>`)}</select></div><button class="button button--secondary" type="submit">${k.reassignButton}</button></form>`
        : html`<p>${k.noOtherCaseworker}</p>`}`
    : html``;
  const note = html`<h2>${k.note}</h2><form method="post" action="${action('note')}" novalidate>${csrfField(csrf)}${field('note', k.note, texts, { area: true, ltr: false, hint: k.noteHint })}<button class="button button--secondary" type="submit">${k.noteButton}</button></form>`;
  const message = html`<h2>${k.message}</h2><form method="post" action="${action('message')}" novalidate>${csrfField(csrf)}${field('message', k.message, texts, { area: true, ltr: false, hint: k.messageHint })}<button class="button button--secondary" type="submit">${k.messageButton}</button></form>`;
  const decide = decidable
    ? html`<h2>${k.decision}</h2><form method="post" action="${action('decision')}" novalidate>${csrfField(csrf)}<input type="hidden" name="rev" value="${String(a.rev)}">
<fieldset class="form-group${decisionProblem ? ' form-group--error' : ''}"${decisionProblem ? html` aria-describedby="decision-error"` : ''}><legend>${k.decision}</legend>${decisionProblem ? html`<span class="error-message" id="decision-error">${decisionProblem}</span>` : ''}<div class="choices">
${(['approve', 'reject', 'request_changes'] as const).map((d) => html`<div class="choice"><input type="radio" id="decision-${d}" name="decision" value="${d}" aria-describedby="decision-${d}-hint"${decision === d ? html` checked` : ''}${decisionProblem && d === 'approve' ? html` aria-invalid="true"` : ''}> <label for="decision-${d}">${k.decisions[d]}</label> <span class="hint" id="decision-${d}-hint">${k.decisionHints[d]}</span></div>`)}
</div></fieldset>
<fieldset class="form-group${reasonsProblem ? ' form-group--error' : ''}" aria-describedby="reasons-hint${reasonsProblem ? ' reasons-error' : ''}"><legend>${k.reasons}</legend><span class="hint" id="reasons-hint">${k.reasonsHint}</span>${reasonsProblem ? html`<span class="error-message" id="reasons-error">${reasonsProblem}</span>` : ''}
${v.reasons.length ? html`<div class="checkboxes">${v.reasons.map((r, i) => html`<div><input type="checkbox" id="reason-${String(i)}" name="reasons" value="${String(i)}"${chosen.has(String(i)) ? html` checked` : ''}${reasonsProblem && i === 0 ? invalid(reasonsProblem, 'reasons') : ''}> <label for="reason-${String(i)}">${pick(r, lang)}</label></div>`)}</div>` : ''}
<div class="form-group"><label for="reason-fa">${k.reasonFa}</label><textarea id="reason-fa" name="reason_fa" dir="rtl" lang="fa"${reasonsProblem && !v.reasons.length ? invalid(reasonsProblem, 'reasons') : ''}>${value(v.values, 'reason_fa')}</textarea></div>
<div class="form-group"><label for="reason-en">${k.reasonEn}</label><textarea id="reason-en" name="reason_en" dir="ltr" lang="en">${value(v.values, 'reason_en')}</textarea></div>
</fieldset>
<button class="button" type="submit">${k.decideButton}</button></form>`
    : html``;
  return html`${claim}${decide}${note}${message}${reassign}`;
}

export function applicationPage(ctx: PageContext, v: ApplicationView, names: Names): string {
  const { lang } = ctx;
  const k = CASEWORK[lang];
  const a = v.application;
  const p = prefix(lang);
  const title = `${k.applicationTitle} ${digits(formatTrackingCode(a.trackingCode), lang)}`;
  const back = v.actingFor ? html`<p><a href="${p}/console/applications">${k.backToQueue}</a></p>` : html`<p><a href="${p}/console/overdue">${k.backToOverdue}</a></p>`;
  const status = html`${pick(STATUS_NAMES[a.status], lang)}${overdueTag(lang, a)}`;
  const facts = html`<dl class="summary-list">
<div><dt>${k.trackingCode}</dt><dd>${tracking(a.trackingCode, lang)}</dd></div>
<div><dt>${k.service}</dt><dd>${pick(v.serviceTitle, lang)}</dd></div>
<div><dt>${k.applicant}</dt><dd>${pick(a.applicant.name, lang)}</dd></div>
<div><dt>${k.organization}</dt><dd>${names.organization(a.organization)}${v.stepTitle ? html` · ${k.step}: ${pick(v.stepTitle, lang)}` : ''}</dd></div>
<div><dt>${k.status}</dt><dd>${status}</dd></div>
<div><dt>${k.deadline}</dt><dd>${deadlineText(lang, a)}</dd></div>
${a.submittedAt ? html`<div><dt>${k.submittedAt}</dt><dd>${fmtDateTime(a.submittedAt, lang)}</dd></div>` : ''}
${a.fee.amount ? html`<div><dt>${k.fee}</dt><dd>${fmtCost(a.fee.amount, lang)} (${a.fee.paidAt ? k.paid : k.notPaid})</dd></div>` : ''}
<div><dt>${k.assignedTo}</dt><dd>${a.assignedTo ? names.staff(a.assignedTo) : html`<span class="secondary">${k.unassigned}</span>`}</dd></div>
</dl>${a.firstApprovalBy ? html`<p>${k.firstApprovalBy(names.staff(a.firstApprovalBy))}</p>` : ''}`;
  const open = ['submitted', 'in_review', 'changes_requested'].includes(a.status);
  const actions = v.actingFor ? (open ? actionForms(ctx, v, names) : html`<p>${k.notActionable}</p>`) : html`<p class="inset">${k.readOnly}</p>`;
  return consolePage(
    lang,
    title,
    `/console/applications/${a.id}`,
    ctx.user,
    html`${back}<h1>${k.applicationTitle} ${tracking(a.trackingCode, lang)}</h1>${noticePanel(ctx.notice)}${errorSummary(lang, v.errors)}
${facts}${issuedDocumentsSection(lang, v.documents ?? [])}${prefillSection(lang, a)}${answersSection(lang, v.form, a.answers, v.attachments)}${historySection(lang, v, names)}${actions}`,
    ctx.csrf,
  );
}
