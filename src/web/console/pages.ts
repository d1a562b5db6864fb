import type { Catalog, Localized, Organization, ServiceData, Term } from '../../catalog/index.js';
import type { StaffUser } from '../../identity/index.js';
import { serviceContent } from '../citizen/pages.js';
import { html, raw, type SafeHtml } from '../html.js';
import { digits, fmtDateTime, fmtNumber, pick, prefix, type Lang } from '../i18n.js';
import { page } from '../layout.js';
import { diffTable, type DiffRow } from './diff.js';
import type { FormValues } from './form.js';
import { fieldLabel, type FormProblem } from './messages.js';
import { CONSOLE } from './strings.js';
import { previewStrings } from './form-preview-strings.js';

export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

/** A Persian message quoting Latin text (`NOCR-0001`, `http://`): each Latin run isolated left-to-right so it reads as typed. */
export function isolateLatin(text: string, lang: Lang): SafeHtml {
  if (lang !== 'fa') return html`${text}`;
  return html`${text.split(/([A-Za-z0-9][A-Za-z0-9_\-./:+()]*)/).map((part, i) => (i % 2 ? html`<bdi dir="ltr">${part}</bdi>` : part))}`;
}

/**
 * Every problem of a form at once, at the top (the GOV.UK error summary): a refusal as a sentence, a
 * field's problem as a link to the field, named by its label, in the page's language.
 */
export function errorSummary(lang: Lang, errors: Array<FormProblem | string>, anchor: (field: string) => string = (f) => f): SafeHtml {
  if (!errors.length) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title"><h2 id="error-summary-title">${CONSOLE[lang].errorsTitle}</h2><ul>${errors.map((e) =>
    typeof e === 'string'
      ? html`<li>${isolateLatin(e, lang)}</li>`
      : // A field of the catalogue's form is named by its label; other forms' refusals are whole sentences already.
        html`<li><a href="#${anchor(e.field)}">${fieldLabel(e.field, lang) === e.field ? '' : `${fieldLabel(e.field, lang)}: `}${isolateLatin(e.message[lang], lang)}</a></li>`,
  )}</ul></div>`;
}

/** A confirmation after an action (saved, submitted, approved, rejected), with what happens next. */
export function noticePanel(text: string | undefined): SafeHtml {
  return text ? html`<div class="panel panel--confirmation" role="status"><p>${text}</p></div>` : html``;
}

/** A one-time page (a new secret or key) opened again: it is not kept, so it cannot be shown. */
export function goneBody(lang: Lang, back: { href: string; label: string }): SafeHtml {
  const c = CONSOLE[lang];
  return html`<p><a href="${prefix(lang)}/console">${c.console}</a></p><h1>${c.goneTitle}</h1><p>${c.gone}</p><p><a href="${back.href}">${back.label}</a></p>`;
}

/** The name of an editor's organisation, from the catalogue, for the bar that says who is signed in. */
const organizationNames = new WeakMap<StaffUser, Localized>();
export function rememberOrganization(user: StaffUser, name: Localized | undefined): void {
  if (name) organizationNames.set(user, name);
}

/** A staff member's own name in both languages (from the civil registry), for the bar; the break-glass accounts have one name. */
const staffNames = new WeakMap<StaffUser, Localized>();
export function rememberName(user: StaffUser, name: Localized): void {
  staffNames.set(user, name);
}
const nameOf = (lang: Lang, user: StaffUser) => staffNames.get(user)?.[lang] || user.displayName;

/** "editor · National Organization for Civil Registration" in the page's language. */
export function roleLabel(lang: Lang, user: StaffUser): string {
  const c = CONSOLE[lang];
  const org = user.organization ? (organizationNames.get(user)?.[lang] ?? user.organization) : '';
  return `${c.roles[user.role] ?? user.role}${org ? ` · ${org}` : ''}`;
}

export function consolePage(lang: Lang, title: string, path: string, user: StaffUser | null, body: SafeHtml, csrf?: string): string {
  const c = CONSOLE[lang];
  const bar = user
    ? html`<div class="actions"><span>${c.signedInAs} <strong>${nameOf(lang, user)}</strong> (${roleLabel(lang, user)})</span>
<form method="post" action="${prefix(lang)}/console/logout">${csrfField(csrf ?? '')}<button class="button button--secondary" type="submit">${c.signOut}</button></form></div>`
    : html``;
  return page({ lang, title, path, body: html`${bar}${body}`, noindex: true });
}

export function loginPage(lang: Lang, csrf: string, errors: string[] = [], username = '', signedInWithoutRole = false): string {
  const c = CONSOLE[lang];
  return consolePage(
    lang,
    c.signIn,
    '/console/login',
    null,
    html`<h1>${c.nationalSignIn}</h1>${errorSummary(lang, signedInWithoutRole ? [c.noRole, ...errors] : errors)}
<p>${c.nationalSignInLead}</p>
<p><a class="button" href="${prefix(lang)}/account/signin?return=${encodeURIComponent(`${prefix(lang)}/console`)}">${c.nationalSignInButton}</a></p>
<h2>${c.breakGlass}</h2>
<p class="secondary">${c.breakGlassLead}</p>
<form method="post" action="${prefix(lang)}/console/login" novalidate>
${csrfField(csrf)}
<div class="form-group"><label for="username">${c.username}</label><input type="text" id="username" name="username" value="${username}" autocomplete="username" spellcheck="false" maxlength="60" dir="ltr"></div>
<div class="form-group"><label for="password">${c.password}</label><input type="password" id="password" name="password" autocomplete="current-password" maxlength="200" dir="ltr"></div>
<button class="button" type="submit">${c.signInButton}</button>
</form>`,
  );
}

export interface ListRow {
  service_code: string;
  version: number;
  status: string;
  live_version: number | null;
  updated_at: string;
  data: ServiceData;
}

function table(lang: Lang, rows: ListRow[], orgName: (code: string) => string, caption: string): SafeHtml {
  const c = CONSOLE[lang];
  if (!rows.length) return html`<p>${c.nothing}</p>`;
  return html`<table><caption class="visually-hidden">${caption}</caption><thead><tr><th scope="col">${c.fields.title}</th><th scope="col">${c.fields.organization}</th><th scope="col">${c.status}</th><th scope="col">${c.version}</th><th scope="col">${c.live}</th><th scope="col">${c.when}</th></tr></thead><tbody>
${rows.map((r) => html`<tr><td><a href="${prefix(lang)}/console/services/${r.service_code}">${pick(r.data.title, lang)}</a><br><bdi class="secondary" dir="ltr">${r.service_code}</bdi></td>
<td>${orgName(r.data.organization)}</td><td>${c.statuses[r.status] ?? r.status}</td><td>${digits(String(r.version), lang)}</td><td>${r.live_version ? digits(String(r.live_version), lang) : c.none}</td><td>${fmtDateTime(r.updated_at, lang)}</td></tr>`)}
</tbody></table>`;
}

/** One page of the list of entries, after a search. */
export interface ListPage {
  q: string;
  page: number;
  pages: number;
  total: number;
  rows: ListRow[];
}

/** Page links that work without JavaScript; they keep the search. */
function pager(lang: Lang, list: ListPage): SafeHtml {
  const c = CONSOLE[lang];
  if (list.pages <= 1) return html``;
  const href = (n: number) => {
    const qs = new URLSearchParams();
    if (list.q) qs.set('q', list.q);
    if (n > 1) qs.set('page', String(n));
    const str = qs.toString();
    return `${prefix(lang)}/console${str ? `?${str}` : ''}#all-services`;
  };
  return html`<nav class="pagination" aria-label="${c.pagination}">
${list.page > 1 ? html`<a href="${href(list.page - 1)}" rel="prev">${c.previous}</a>` : ''}
<span>${c.pageOf(fmtNumber(list.page, lang), fmtNumber(list.pages, lang))}</span>
${list.page < list.pages ? html`<a href="${href(list.page + 1)}" rel="next">${c.next}</a>` : ''}
</nav>`;
}

export function dashboardPage(lang: Lang, user: StaffUser, csrf: string, pending: ListRow[], list: ListPage, orgName: (code: string) => string, tools: SafeHtml = html``): string {
  const c = CONSOLE[lang];
  const authority = user.role !== 'editor';
  const heading = authority ? c.allEntries : c.yourEntries;
  return consolePage(
    lang,
    c.console,
    '/console',
    user,
    html`<h1>${c.console}</h1>
${tools}
${user.role === 'editor' || user.role === 'admin' ? html`<p><a class="button" href="${prefix(lang)}/console/services/new">${c.newService}</a></p>` : ''}
${authority ? html`<h2>${c.awaitingReview}</h2>${table(lang, pending, orgName, c.awaitingReview)}` : ''}
<h2 id="all-services">${heading}</h2>
<form class="search-form" method="get" action="${prefix(lang)}/console#all-services" role="search">
<div class="field"><label for="q">${c.search}</label><span class="hint" id="q-hint">${c.searchHint}</span>
<input type="search" id="q" name="q" value="${list.q}" maxlength="200" aria-describedby="q-hint"></div>
<button class="button" type="submit">${c.searchButton}</button>
</form>
<p role="status"><strong>${c.found(fmtNumber(list.total, lang))}</strong>${list.q ? html` · <a href="${prefix(lang)}/console#all-services">${c.clearSearch}</a>` : ''}</p>
${table(lang, list.rows, orgName, heading)}
${pager(lang, list)}`,
    csrf,
  );
}

export interface FormContext {
  user: StaffUser;
  csrf: string;
  organizations: Organization[];
  topics: Term[];
  lifeEvents: Term[];
  /** Online delivery is on: the form offers a preview of its definition before it is saved. */
  preview?: boolean;
}

/** Where the service form posts a definition to preview it before it is saved (`/en/console/…` in English). */
export const UNSAVED_PREVIEW_PATH = '/console/services/preview';

/** The service form's fields in the order the page shows them: the error summary lists problems in this order. */
export const FORM_ORDER = [
  'code', 'slug', 'organization', 'title_fa', 'title_en', 'summary_fa', 'summary_en', 'description_fa', 'description_en', 'topics', 'lifeEvents',
  'platform_path', 'online_url', 'inperson_fa', 'inperson_en', 'phone_number', 'requirements_fa', 'requirements_en', 'evidence_fa', 'evidence_en',
  'cost', 'processingDays', 'legal_fa', 'legal_en', 'output_fa', 'output_en', 'keywords_fa', 'keywords_en', 'smart', 'delivery',
];

export function serviceFormPage(lang: Lang, ctx: FormContext, values: FormValues, errors: FormProblem[], code?: string): string {
  const c = CONSOLE[lang];
  const f = c.fields;
  const v = (k: string) => (Array.isArray(values[k]) ? (values[k] as string[]).join('\n') : ((values[k] as string | undefined) ?? ''));
  const has = (k: string, x: string) => (Array.isArray(values[k]) ? (values[k] as string[]) : values[k] ? [values[k] as string] : []).includes(x);
  const problem = (k: string) => errors.find((e) => e.field === k);
  /** The message under the label, and the control's attributes that point at it (aria-invalid, aria-describedby). */
  const err = (k: string) => {
    const p = problem(k);
    return p ? html`<span class="error-message" id="${k}-error"><span class="visually-hidden">${c.errorPrefix} </span>${isolateLatin(p.message[lang], lang)}</span>` : html``;
  };
  const invalid = (k: string) => (problem(k) ? html` aria-invalid="true" aria-describedby="${k}-error"` : html``);
  const group = (k: string) => (problem(k) ? 'form-group form-group--error' : 'form-group');
  // The English half of a pair is marked English, so a Persian page's screen reader reads it with an English voice.
  const langOf = (name: string) => (name.endsWith('_en') ? html` lang="en"` : html``);
  const text = (name: string, label: string | SafeHtml, opts: { dir?: string; type?: string } = {}) =>
    html`<div class="${group(name)}"><label for="${name}">${label}</label>${err(name)}<input type="${opts.type ?? 'text'}" id="${name}" name="${name}" value="${v(name)}"${opts.dir ? html` dir="${opts.dir}"` : ''}${langOf(name)}${invalid(name)}></div>`;
  const area = (name: string, label: string, dir?: string) =>
    html`<div class="${group(name)}"><label for="${name}">${label}</label>${err(name)}<textarea id="${name}" name="${name}"${dir ? html` dir="${dir}"` : ''}${langOf(name)}${invalid(name)}>${v(name)}</textarea></div>`;
  const pair = (base: string, label: string, kind: 'text' | 'area') =>
    html`<div class="form-row">${kind === 'text' ? text(`${base}_fa`, `${label} (${f.persian})`) : area(`${base}_fa`, `${label} (${f.persian})`)}${kind === 'text' ? text(`${base}_en`, `${label} (${f.english})`, { dir: 'ltr' }) : area(`${base}_en`, `${label} (${f.english})`, 'ltr')}</div>`;
  const checks = (name: string, legend: string, items: Term[]) =>
    html`<fieldset id="${name}"${problem(name) ? html` aria-describedby="${name}-error"` : ''} class="${group(name)}"><legend>${legend}</legend>${err(name)}<div class="checkboxes">${items.map((i) => html`<div><input type="checkbox" id="${name}-${i.code}" name="${name}" value="${i.code}"${has(name, i.code) ? html` checked` : ''}> <label for="${name}-${i.code}">${pick(i.name, lang)}</label></div>`)}</div></fieldset>`;
  const orgs = ctx.user.role === 'editor' ? ctx.organizations.filter((o) => o.code === ctx.user.organization) : ctx.organizations;
  // A checkbox group's problem links to its first box, which takes the focus.
  const anchor = (field: string) => (field === 'topics' && ctx.topics[0] ? `topics-${ctx.topics[0].code}` : field === 'lifeEvents' && ctx.lifeEvents[0] ? `lifeEvents-${ctx.lifeEvents[0].code}` : field);
  const action = code ? `${prefix(lang)}/console/services/${code}/edit` : `${prefix(lang)}/console/services/new`;
  return consolePage(
    lang,
    code ? c.editService : c.newService,
    code ? `/console/services/${code}/edit` : '/console/services/new',
    ctx.user,
    html`<h1>${code ? c.editService : c.newService}</h1>
${errorSummary(lang, errors, anchor)}
<form method="post" action="${action}" novalidate>
${csrfField(ctx.csrf)}
${code ? html`<input type="hidden" name="code" value="${code}"><p id="code">${f.code}: <strong><bdi dir="ltr">${code}</bdi></strong></p>${err('code')}` : text('code', html`${f.code} (${f.codeExample} <bdi dir="ltr">NOCR-0001</bdi>)`, { dir: 'ltr' })}
${text('slug', f.slug, { dir: 'ltr' })}
<div class="${group('organization')}"><label for="organization">${f.organization}</label>${err('organization')}<select id="organization" name="organization"${invalid('organization')}>${orgs.map((o) => html`<option value="${o.code}"${v('organization') === o.code ? html` selected` : ''}>${pick(o.name, lang)}</option>`)}</select></div>
${pair('title', f.title, 'text')}
${pair('summary', f.summary, 'area')}
${pair('description', f.description, 'area')}
${checks('topics', f.topics, ctx.topics)}
${checks('lifeEvents', f.lifeEvents, ctx.lifeEvents)}
${text('platform_path', html`${f.platform} (${f.codeExample} <span dir="ltr">/inquiries/vehicle-fines</span>)`, { dir: 'ltr' })}
${text('online_url', f.online, { dir: 'ltr', type: 'url' })}
${pair('inperson', f.inPerson, 'area')}
${text('phone_number', f.phone, { dir: 'ltr' })}
${pair('requirements', f.requirements, 'area')}
${pair('evidence', f.evidence, 'area')}
<div class="form-row">${text('cost', f.cost, { dir: 'ltr' })}${text('processingDays', f.processingDays, { dir: 'ltr' })}</div>
${pair('legal', f.legal, 'area')}
${pair('output', f.output, 'area')}
${pair('keywords', f.keywords, 'text')}
<div class="form-group"><input type="checkbox" id="smart" name="smart" value="on"${v('smart') === 'on' ? html` checked` : ''}> <label for="smart" class="label--inline">${f.smart}</label></div>
${deliveryField(lang, v('delivery'), errors.filter((e) => e.field === 'delivery'))}
<button class="button" type="submit">${c.save}</button>
${ctx.preview ? html`<button class="button button--secondary" type="submit" formaction="${prefix(lang)}${UNSAVED_PREVIEW_PATH}" formtarget="_blank">${previewStrings(lang).previewButton}</button>` : ''}
</form>`,
    ctx.csrf,
  );
}

/**
 * The online-delivery definition as JSON: code, so left to right and marked English (its keys are);
 * every problem the checks found is listed beside it, each with its path, as in the error summary.
 */
function deliveryField(lang: Lang, value: string, problems: FormProblem[]): SafeHtml {
  const f = CONSOLE[lang].fields;
  const described = ['delivery-hint', problems.length ? 'delivery-error' : ''].filter(Boolean).join(' ');
  return html`<div class="form-group${problems.length ? ' form-group--error' : ''}"><label for="delivery">${f.delivery}</label><span class="hint" id="delivery-hint">${f.deliveryHint}</span>${problems.length ? html`<span class="error-message" id="delivery-error"><span class="visually-hidden">${CONSOLE[lang].errorPrefix} </span>${problems.map((p, i) => html`${i ? html`<br>` : ''}${isolateLatin(p.message[lang], lang)}`)}</span>` : ''}<textarea id="delivery" name="delivery" rows="16" dir="ltr" lang="en" spellcheck="false" aria-describedby="${described}"${problems.length ? html` aria-invalid="true"` : ''}>${value}</textarea></div>`;
}

export interface WorkingView {
  version: number;
  status: string;
  reason: string | null;
  liveVersion: number | null;
  data: ServiceData;
  history: Array<{ version: number; action: string; actor: string; reason: string | null; at: string }>;
}

/** What the service page shows beyond the working version: who the actors are, the live version's diff, the public preview. */
export interface ReviewView {
  /** The person (or account) behind each actor in the history, by actor id; absent ones show as written. */
  names: Map<string, { name: Localized; nationalCode?: string }>;
  /** Fields changed against the live version; null when nothing is live yet. */
  diff: DiffRow[] | null;
  catalog: Catalog;
  /** A confirmation of the action just taken. */
  notice?: string;
  /** The preview of every page of the entry's application form, when it is delivered here. */
  formPreview?: string;
}

/**
 * The citizen's service page content inside the console: its headings moved three levels down so they
 * sit under this page's own, and marked with its language so it reads right inside the other one.
 */
function preview(catalog: Catalog, lang: Lang, data: ServiceData): SafeHtml {
  const content = serviceContent(catalog, lang, data).value.replace(/<(\/?)h([1-4])\b/g, (_m, slash: string, n: string) => `<${slash}h${Number(n) + 3}`);
  return html`<div class="preview" lang="${lang}" dir="${lang === 'fa' ? 'rtl' : 'ltr'}">${raw(content)}</div>`;
}

function who(lang: Lang, actor: string, names: ReviewView['names']): SafeHtml {
  const n = names.get(actor);
  if (!n) return html`<bdi dir="ltr">${actor}</bdi>`;
  return html`${n.name[lang]}${n.nationalCode ? html`<br><bdi class="secondary" dir="ltr">${digits(n.nationalCode, lang)}</bdi>` : ''}`;
}

export function consoleServicePage(lang: Lang, user: StaffUser, csrf: string, w: WorkingView, review: ReviewView, errors: Array<FormProblem | string> = []): string {
  const c = CONSOLE[lang];
  const p = prefix(lang);
  const code = w.data.code;
  const authority = user.role !== 'editor';
  const canEdit = w.status !== 'submitted';
  const isLive = w.liveVersion === w.version && w.status === 'approved';
  const reasonProblem = errors.find((e): e is FormProblem => typeof e !== 'string' && e.field === 'reason');
  return consolePage(
    lang,
    pick(w.data.title, lang),
    `/console/services/${code}`,
    user,
    html`<p><a href="${p}/console">${c.console}</a></p>
<h1>${pick(w.data.title, lang)}</h1>
${noticePanel(review.notice)}
${errorSummary(lang, errors)}
<dl class="summary-list">
<div><dt>${c.fields.code}</dt><dd><bdi dir="ltr">${code}</bdi></dd></div>
<div><dt>${c.status}</dt><dd>${c.statuses[w.status] ?? w.status} (${c.version} ${digits(String(w.version), lang)})</dd></div>
<div><dt>${c.live}</dt><dd>${w.liveVersion ? html`${digits(String(w.liveVersion), lang)} — <a href="${p}/services/${w.data.slug}">${c.viewPublic}</a>` : c.none}</dd></div>
${w.status === 'rejected' && w.reason ? html`<div><dt>${c.reason}</dt><dd>${w.reason}</dd></div>` : ''}
${review.formPreview ? html`<div><dt>${previewStrings(lang).formRow}</dt><dd><a href="${review.formPreview}">${previewStrings(lang).link}</a></dd></div>` : ''}
</dl>
<div class="actions">
${canEdit ? html`<a class="button button--secondary" href="${p}/console/services/${code}/edit">${c.edit}</a>` : ''}
${w.status === 'draft' ? html`<form method="post" action="${p}/console/services/${code}/submit">${csrfField(csrf)}<button class="button" type="submit">${c.submit}</button></form>` : ''}
${authority && w.status === 'submitted' ? html`<form method="post" action="${p}/console/services/${code}/approve">${csrfField(csrf)}<button class="button" type="submit">${c.approve}</button></form>` : ''}
</div>
${authority && w.status === 'submitted'
  ? html`<form method="post" action="${p}/console/services/${code}/reject">${csrfField(csrf)}
<div class="form-group${reasonProblem ? ' form-group--error' : ''}"><label for="reason">${c.reason}</label>${reasonProblem ? html`<span class="error-message" id="reason-error"><span class="visually-hidden">${c.errorPrefix} </span>${reasonProblem.message[lang]}</span>` : ''}<textarea id="reason" name="reason" maxlength="2000"${reasonProblem ? html` aria-invalid="true" aria-describedby="reason-error"` : ''}></textarea></div>
<button class="button button--warning" type="submit">${c.reject}</button></form>`
  : ''}
${isLive ? '' : html`<h2 id="changes">${c.changes}</h2>${review.diff ? diffTable(lang, review.diff) : html`<p>${c.newEntry}</p>`}`}
<h2 id="preview">${c.preview}</h2>
<p>${c.previewLead}</p>
<section aria-labelledby="preview-fa"><h3 id="preview-fa">${c.previewFa}</h3>${preview(review.catalog, 'fa', w.data)}</section>
<section aria-labelledby="preview-en"><h3 id="preview-en">${c.previewEn}</h3>${preview(review.catalog, 'en', w.data)}</section>
<h2>${c.history}</h2>
<table><thead><tr><th scope="col">${c.when}</th><th scope="col">${c.who}</th><th scope="col">${c.action}</th><th scope="col">${c.version}</th><th scope="col">${c.reason}</th></tr></thead><tbody>
${w.history.map((h) => html`<tr><td>${fmtDateTime(h.at, lang)}</td><td>${who(lang, h.actor, review.names)}</td><td>${c.actions[h.action] ?? h.action}</td><td>${digits(String(h.version), lang)}</td><td>${h.reason ?? ''}</td></tr>`)}
</tbody></table>`,
    csrf,
  );
}
