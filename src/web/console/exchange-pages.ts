import type { ApiKeyInfo, Contract, DataService, Member, Subsystem } from '../../exchange/index.js';
import { html, type SafeHtml } from '../html.js';
import { digits, fmtDateTime, prefix, type Lang } from '../i18n.js';
import { fieldsFor, problemOf, type PageContext, type Values } from './authority-pages.js';
import type { FormProblem } from './messages.js';
import { AUTHORITY } from './authority-strings.js';
import { consolePage, csrfField, errorSummary, noticePanel } from './pages.js';
import { memberName } from '../developers/strings.js';
// Names registered in one language are marked as such (English text on a Persian page reads with an English voice).
import { docText } from '../developers/openapi-view.js';
import type { Localized } from '../../catalog/index.js';
import { CONSOLE } from './strings.js';

/** The data exchange's console pages: registry, contracts and API keys. */

const crumbs = (lang: Lang) =>
  html`<p><a href="${prefix(lang)}/console">${CONSOLE[lang].console}</a> · <a href="${prefix(lang)}/console/exchange">${AUTHORITY[lang].exchange}</a></p>`;

/** A labelled list to choose from; with a problem, its message and the control marked invalid (as `field` does for text). */
const select = (name: string, label: string, options: Array<{ value: string; label: string }>, chosen: string | undefined, opts: { id?: string; problem?: SafeHtml } = {}) => {
  const id = opts.id ?? name;
  const problem = opts.problem;
  return html`<div class="form-group${problem ? ' form-group--error' : ''}"><label for="${id}">${label}</label>${problem ? html`<span class="error-message" id="${id}-error">${problem}</span>` : ''}<select id="${id}" name="${name}" dir="ltr"${problem ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>${options.map((o) => html`<option value="${o.value}"${o.value === chosen ? html` selected` : ''}>${o.label}</option>`)}</select></div>`;
};

/** A member's, subsystem's or service's name in the page's language: the Persian one on Persian pages when there is one. */
const nameIn = (x: { name: string | null; nameFa: string | null }, lang: Lang): string => (lang === 'fa' ? (x.nameFa ?? x.name ?? '') : (x.name ?? x.nameFa ?? ''));

const nothing = (lang: Lang) => html`<p>${CONSOLE[lang].nothing}</p>`;

export interface RegistryView {
  /** The catalogue organisation that is this exchange member, whose name exists in both languages. */
  organizationOf?: (memberId: string) => Localized | undefined;
  members: Member[];
  subsystems: Subsystem[];
  services: DataService[];
}

export function exchangePage(ctx: PageContext, view: RegistryView, values: Values = {}, errors: Array<FormProblem | string> = []): string {
  const field = fieldsFor(ctx.lang, errors);
  const { lang, csrf } = ctx;
  const a = AUTHORITY[lang];
  const p = prefix(lang);
  return consolePage(
    lang,
    a.exchange,
    '/console/exchange',
    ctx.user,
    html`<p><a href="${p}/console">${CONSOLE[lang].console}</a></p><h1>${a.exchange}</h1>${noticePanel(ctx.notice)}
<p>${a.exchangeLead}</p>
<ul><li><a href="${p}/console/exchange/contracts">${a.contracts}</a></li><li><a href="${p}/console/exchange/keys">${a.keys}</a></li><li><a href="${p}/console/exchange/services/new">${a.addService}</a></li></ul>
${errorSummary(lang, errors)}
<h2>${a.members}</h2>
${view.members.length
  ? html`<table><thead><tr><th scope="col">${a.memberId}</th><th scope="col">${a.name}</th><th scope="col">${a.created}</th></tr></thead><tbody>
${view.members.map((m) => html`<tr><td dir="ltr">${m.id}</td><td>${view.organizationOf?.(m.id)?.[lang] ?? docText(memberName(nameIn(m, lang), lang))}</td><td>${fmtDateTime(m.createdAt, lang)}</td></tr>`)}</tbody></table>`
  : nothing(lang)}
<form method="post" action="${p}/console/exchange/members" novalidate>
${csrfField(csrf)}
<h3>${a.addMember}</h3>
${field('member_id', a.memberId, values, { required: true })}
<div class="form-row">${field('member_name_fa', a.nameFa, values, { ltr: false, hint: a.memberNamesHint })}${field('member_name', a.nameEn, values, { lang: 'en', hint: a.memberNamesHint })}</div>
<button class="button" type="submit">${a.addMember}</button>
</form>
<h2>${a.subsystems}</h2>
${view.subsystems.length
  ? html`<table><thead><tr><th scope="col">${a.subsystemId}</th><th scope="col">${a.name}</th><th scope="col">${a.created}</th></tr></thead><tbody>
${view.subsystems.map((s) => html`<tr><td dir="ltr">${s.id}</td><td>${docText(nameIn(s, lang))}</td><td>${fmtDateTime(s.createdAt, lang)}</td></tr>`)}</tbody></table>`
  : nothing(lang)}
<form method="post" action="${p}/console/exchange/subsystems" novalidate>
${csrfField(csrf)}
<h3>${a.addSubsystem}</h3>
${field('subsystem_id', a.subsystemId, values, { required: true })}
<div class="form-row">${field('subsystem_name_fa', a.nameFaOptional, values, { ltr: false })}${field('subsystem_name', a.nameEnOptional, values, { lang: 'en' })}</div>
<button class="button" type="submit">${a.addSubsystem}</button>
</form>
<h2>${a.services}</h2>
${view.services.length
  ? html`<table><thead><tr><th scope="col">${a.serviceId}</th><th scope="col">${a.classification}</th><th scope="col">${a.subjectName}</th><th scope="col">${a.upstream}</th><th scope="col">${a.openapi}</th><th scope="col">${a.state}</th></tr></thead><tbody>
${view.services.map((s) => html`<tr><td dir="ltr">${s.id}${nameIn(s, lang) ? html`<br><span class="secondary">${docText(nameIn(s, lang))}</span>` : ''}</td><td>${a.classifications[s.classification] ?? s.classification}</td><td dir="ltr">${s.subject ? `${s.subject.in}:${s.subject.name}` : '—'}</td><td dir="ltr">${s.upstream}</td><td>${s.hasOpenApi ? a.yes : a.no}</td><td>${s.disabled ? a.disabled : a.active}</td></tr>`)}</tbody></table>`
  : nothing(lang)}
<p><a class="button" href="${p}/console/exchange/services/new">${a.addService}</a></p>`,
    csrf,
  );
}

export function serviceFormPage(ctx: PageContext, subsystems: Subsystem[], values: Values = {}, errors: Array<FormProblem | string> = []): string {
  const field = fieldsFor(ctx.lang, errors);
  const { lang, csrf } = ctx;
  const a = AUTHORITY[lang];
  const classification = values.classification ?? 'internal';
  return consolePage(
    lang,
    a.addService,
    '/console/exchange/services/new',
    ctx.user,
    html`${crumbs(lang)}<h1>${a.addService}</h1>
${errorSummary(lang, errors)}
<form method="post" action="${prefix(lang)}/console/exchange/services" enctype="multipart/form-data" novalidate>
${csrfField(csrf)}
${field('id', a.serviceId, values, { required: true, hint: subsystems.length ? html`${a.subsystems}: <span dir="ltr">${subsystems.map((s) => s.id).join(', ')}</span>` : undefined })}
<div class="form-row">${field('name_fa', a.nameFaOptional, values, { ltr: false })}${field('name', a.nameEnOptional, values, { lang: 'en' })}</div>
${field('upstream', a.upstream, values, { type: 'url', required: true })}
${select('classification', a.classification, ['public', 'internal', 'personal'].map((c) => ({ value: c, label: a.classifications[c]! })), classification, { problem: problemOf(lang, errors, 'classification') })}
<div class="form-row">
${select('subject_in', a.subjectIn, [{ value: '', label: a.subjectNone }, ...['path', 'query', 'header'].map((x) => ({ value: x, label: a.subjectPlaces[x]! }))], values.subject_in ?? '')}
${field('subject_name', a.subjectName, values)}
</div>
<div class="form-group"><label for="openapi_file">${a.openapiFile}</label><input type="file" id="openapi_file" name="openapi_file" accept="application/json,.json"></div>
${field('openapi_text', a.openapiText, values, { area: true })}
<button class="button" type="submit">${a.addService}</button>
</form>`,
    csrf,
  );
}

export interface ContractsView {
  contracts: Contract[];
  /** The authority sees every contract and may grant and revoke; a provider decides on its own services only. */
  authority: boolean;
  subsystems: Subsystem[];
  services: DataService[];
}

function terms(lang: Lang, c: Contract): SafeHtml {
  const a = AUTHORITY[lang];
  return html`<span dir="ltr">${c.methods.join(',')} ${c.paths.join(',')}</span><br>${digits(String(c.ratePerSecond), lang)}/s · ${c.dailyQuota === null ? a.noQuota : digits(String(c.dailyQuota), lang)} · ${c.expiresAt ? fmtDateTime(c.expiresAt, lang) : a.noExpiry}${c.legalBasis ? html`<br>${a.legalBasis}: ${docText(c.legalBasis)}` : ''}`;
}

function decisionForms(ctx: PageContext, c: Contract, authority: boolean, errors: Array<FormProblem | string>): SafeHtml {
  const { lang, csrf } = ctx;
  const a = AUTHORITY[lang];
  const base = `${prefix(lang)}/console/exchange/contracts/${c.id}`;
  const parts: SafeHtml[] = [];
  if (c.status === 'pending') {
    parts.push(html`<form method="post" action="${base}/approve">${csrfField(csrf)}<button class="button" type="submit" aria-label="${a.approve} ${c.id}">${a.approve}</button></form>`);
    const problem = problemOf(lang, errors, `reason-${c.id}`);
    parts.push(html`<form method="post" action="${base}/reject">${csrfField(csrf)}<div class="form-group${problem ? ' form-group--error' : ''}"><label for="reason-${c.id}">${a.rejectReason}</label>${problem ? html`<span class="error-message" id="reason-${c.id}-error">${problem}</span>` : ''}<textarea id="reason-${c.id}" name="reason" maxlength="500"${problem ? html` aria-invalid="true" aria-describedby="reason-${c.id}-error"` : ''}></textarea></div><button class="button button--warning" type="submit" aria-label="${a.reject} ${c.id}">${a.reject}</button></form>`);
  }
  if (authority && (c.status === 'pending' || c.status === 'active')) {
    parts.push(html`<form method="post" action="${base}/revoke">${csrfField(csrf)}<button class="button button--warning" type="submit" aria-label="${a.revoke} ${c.id}">${a.revoke}</button></form>`);
  }
  return html`${parts}`;
}

export function contractsPage(ctx: PageContext, view: ContractsView, values: Values = {}, errors: Array<FormProblem | string> = []): string {
  const field = fieldsFor(ctx.lang, errors);
  const { lang, csrf } = ctx;
  const a = AUTHORITY[lang];
  return consolePage(
    lang,
    a.contracts,
    '/console/exchange/contracts',
    ctx.user,
    html`${view.authority ? crumbs(lang) : html`<p><a href="${prefix(lang)}/console">${CONSOLE[lang].console}</a></p>`}<h1>${a.contracts}</h1>${noticePanel(ctx.notice)}
<p>${view.authority ? a.contractsLead : a.providerLead}</p>
${errorSummary(lang, errors)}
${view.contracts.length
  ? html`<table><thead><tr><th scope="col">#</th><th scope="col">${a.status}</th><th scope="col">${a.client}</th><th scope="col">${a.service}</th><th scope="col">${a.purpose}</th><th scope="col">${a.terms}</th><th scope="col">${a.state}</th></tr></thead><tbody>
${view.contracts.map((c) => html`<tr id="contract-${c.id}"><td>${digits(String(c.id), lang)}</td><td>${a.statuses[c.status] ?? c.status}${c.decisionReason ? html`<br>${docText(c.decisionReason)}` : ''}</td><td dir="ltr">${c.client}</td><td dir="ltr">${c.service}</td><td>${docText(c.purpose)}</td><td>${terms(lang, c)}</td><td>${decisionForms(ctx, c, view.authority, errors)}</td></tr>`)}</tbody></table>`
  : nothing(lang)}
${view.authority
  ? html`<h2>${a.grant}</h2>
<form method="post" action="${prefix(lang)}/console/exchange/contracts" novalidate>
${csrfField(csrf)}
${select('client', a.client, view.subsystems.map((s) => ({ value: s.id, label: s.id })), values.client, { problem: problemOf(lang, errors, 'client') })}
${select('service', a.service, view.services.map((s) => ({ value: s.id, label: s.id })), values.service, { problem: problemOf(lang, errors, 'service') })}
<div class="form-row">${field('methods', a.methods, { methods: 'GET', ...values })}${field('paths', a.paths, { paths: '/**', ...values })}</div>
<div class="form-row">${field('rate', a.rate, values)}${field('quota', a.quota, values)}</div>
${field('expires', a.expires, values)}
${field('purpose', a.purpose, values, { ltr: false })}
${field('legal_basis', a.legalBasis, values, { ltr: false })}
<div class="form-group"><input type="checkbox" id="covers_personal" name="covers_personal" value="on"${values.covers_personal === 'on' ? html` checked` : ''}> <label for="covers_personal" style="display:inline">${a.coversPersonal}</label></div>
<button class="button" type="submit">${a.grant}</button>
</form>`
  : ''}`,
    csrf,
  );
}

export function keysPage(ctx: PageContext, subsystems: Subsystem[], keys: ApiKeyInfo[], chosen: string, values: Values = {}, errors: Array<FormProblem | string> = []): string {
  const field = fieldsFor(ctx.lang, errors);
  const { lang, csrf } = ctx;
  const a = AUTHORITY[lang];
  const p = prefix(lang);
  const now = new Date().toISOString();
  const state = (k: ApiKeyInfo) => (k.revokedAt ? a.revoked : k.expiresAt && k.expiresAt <= now ? a.expired : a.active);
  return consolePage(
    lang,
    a.keys,
    '/console/exchange/keys',
    ctx.user,
    html`${crumbs(lang)}<h1>${a.keys}</h1>${noticePanel(ctx.notice)}
<p>${a.keysLead}</p>
${errorSummary(lang, errors)}
<form method="get" action="${p}/console/exchange/keys">
${select('subsystem', a.subsystem, [{ value: '', label: a.all }, ...subsystems.map((s) => ({ value: s.id, label: s.id }))], chosen, { id: 'subsystem-filter' })}
<button class="button button--secondary" type="submit">${a.show}</button>
</form>
${keys.length
  ? html`<table><thead><tr><th scope="col">#</th><th scope="col">${a.keyPrefix}</th><th scope="col">${a.subsystem}</th><th scope="col">${a.label}</th><th scope="col">${a.created}</th><th scope="col">${a.expiresAt}</th><th scope="col">${a.state}</th></tr></thead><tbody>
${keys.map((k) => html`<tr><td>${digits(String(k.id), lang)}</td><td dir="ltr"><code>${k.prefix}</code></td><td dir="ltr">${k.subsystem}</td><td>${docText(k.label ?? '')}</td><td>${fmtDateTime(k.createdAt, lang)}</td><td>${k.expiresAt ? fmtDateTime(k.expiresAt, lang) : a.noExpiry}</td>
<td>${state(k)}${k.revokedAt ? '' : html`<form method="post" action="${p}/console/exchange/keys/${k.id}/revoke">${csrfField(csrf)}<button class="button button--warning" type="submit" aria-label="${a.revoke} ${k.prefix}">${a.revoke}</button></form>`}</td></tr>`)}</tbody></table>`
  : nothing(lang)}
<h2>${a.createKey}</h2>
<form method="post" action="${p}/console/exchange/keys" novalidate>
${csrfField(csrf)}
${select('subsystem', a.subsystem, subsystems.map((s) => ({ value: s.id, label: s.id })), values.subsystem ?? chosen, { problem: problemOf(lang, errors, 'subsystem') })}
${field('label', a.label, values, { ltr: false })}
${field('expires', a.expires, values)}
<button class="button" type="submit">${a.createKey}</button>
</form>`,
    csrf,
  );
}

export function keyCreatedPage(ctx: PageContext, k: ApiKeyInfo & { key: string }): string {
  const { lang, csrf } = ctx;
  const a = AUTHORITY[lang];
  return consolePage(
    lang,
    a.keyCreated,
    '/console/exchange/keys',
    ctx.user,
    html`${crumbs(lang)}<h1>${a.keyCreated}</h1>
<dl class="summary-list">
<div><dt>${a.subsystem}</dt><dd dir="ltr">${k.subsystem}</dd></div>
<div><dt>${a.keyPrefix}</dt><dd dir="ltr">${k.prefix}</dd></div>
<div><dt>${a.key}</dt><dd dir="ltr"><code id="api-key">${k.key}</code></dd></div>
</dl>
<div class="panel"><p>${a.shownOnce}</p></div>
<p><a href="${prefix(lang)}/console/exchange/keys?subsystem=${encodeURIComponent(k.subsystem)}">${a.backToList}</a></p>`,
    csrf,
  );
}
