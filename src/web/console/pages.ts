import type { Organization, ServiceData, Term } from '../../catalog/index.js';
import type { StaffUser } from '../../identity/index.js';
import { html, type SafeHtml } from '../html.js';
import { digits, fmtDateTime, pick, prefix, type Lang } from '../i18n.js';
import { page } from '../layout.js';
import type { FieldError, FormValues } from './form.js';
import { CONSOLE } from './strings.js';

export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

export function errorSummary(lang: Lang, errors: Array<FieldError | string>): SafeHtml {
  if (!errors.length) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1"><h2>${CONSOLE[lang].errorsTitle}</h2><ul>${errors.map((e) =>
    typeof e === 'string' ? html`<li>${e}</li>` : html`<li><a href="#${e.field}">${e.field}: ${e.reason}</a></li>`,
  )}</ul></div>`;
}

export function consolePage(lang: Lang, title: string, path: string, user: StaffUser | null, body: SafeHtml, csrf?: string): string {
  const c = CONSOLE[lang];
  const bar = user
    ? html`<div class="actions"><span>${c.signedInAs} <strong>${user.displayName}</strong> (${user.role}${user.organization ? ` · ${user.organization}` : ''})</span>
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

function table(lang: Lang, rows: ListRow[]): SafeHtml {
  const c = CONSOLE[lang];
  if (!rows.length) return html`<p>${c.nothing}</p>`;
  return html`<table><thead><tr><th scope="col">${c.fields.title}</th><th scope="col">${c.status}</th><th scope="col">${c.version}</th><th scope="col">${c.live}</th><th scope="col">${c.when}</th></tr></thead><tbody>
${rows.map((r) => html`<tr><td><a href="${prefix(lang)}/console/services/${r.service_code}">${pick(r.data.title, lang)}</a><br><span class="secondary" dir="ltr">${r.service_code}</span></td>
<td>${c.statuses[r.status] ?? r.status}</td><td>${digits(String(r.version), lang)}</td><td>${r.live_version ? digits(String(r.live_version), lang) : c.none}</td><td>${fmtDateTime(r.updated_at, lang)}</td></tr>`)}
</tbody></table>`;
}

export function dashboardPage(lang: Lang, user: StaffUser, csrf: string, pending: ListRow[], rows: ListRow[], tools: SafeHtml = html``): string {
  const c = CONSOLE[lang];
  const authority = user.role !== 'editor';
  return consolePage(
    lang,
    c.console,
    '/console',
    user,
    html`<h1>${c.console}</h1>
${tools}
${user.role === 'editor' || user.role === 'admin' ? html`<p><a class="button" href="${prefix(lang)}/console/services/new">${c.newService}</a></p>` : ''}
${authority ? html`<h2>${c.awaitingReview}</h2>${table(lang, pending)}` : ''}
<h2>${authority ? c.allEntries : c.yourEntries}</h2>
${table(lang, rows)}`,
    csrf,
  );
}

export interface FormContext {
  user: StaffUser;
  csrf: string;
  organizations: Organization[];
  topics: Term[];
  lifeEvents: Term[];
}

export function serviceFormPage(lang: Lang, ctx: FormContext, values: FormValues, errors: FieldError[], code?: string): string {
  const c = CONSOLE[lang];
  const f = c.fields;
  const v = (k: string) => (Array.isArray(values[k]) ? (values[k] as string[]).join('\n') : ((values[k] as string | undefined) ?? ''));
  const has = (k: string, x: string) => (Array.isArray(values[k]) ? (values[k] as string[]) : values[k] ? [values[k] as string] : []).includes(x);
  const err = (k: string) => errors.filter((e) => e.field === k).map((e) => html`<span class="error-message">${e.reason}</span>`);
  const text = (name: string, label: string | SafeHtml, opts: { dir?: string; type?: string } = {}) =>
    html`<div class="form-group"><label for="${name}">${label}</label>${err(name)}<input type="${opts.type ?? 'text'}" id="${name}" name="${name}" value="${v(name)}"${opts.dir ? html` dir="${opts.dir}"` : ''}></div>`;
  const area = (name: string, label: string, dir?: string) =>
    html`<div class="form-group"><label for="${name}">${label}</label>${err(name)}<textarea id="${name}" name="${name}"${dir ? html` dir="${dir}"` : ''}>${v(name)}</textarea></div>`;
  const pair = (base: string, label: string, kind: 'text' | 'area') =>
    html`<div class="form-row">${kind === 'text' ? text(`${base}_fa`, `${label} (${f.persian})`) : area(`${base}_fa`, `${label} (${f.persian})`)}${kind === 'text' ? text(`${base}_en`, `${label} (${f.english})`, { dir: 'ltr' }) : area(`${base}_en`, `${label} (${f.english})`, 'ltr')}</div>`;
  const checks = (name: string, legend: string, items: Term[]) =>
    html`<fieldset><legend>${legend}</legend><div class="checkboxes">${items.map((i) => html`<div><input type="checkbox" id="${name}-${i.code}" name="${name}" value="${i.code}"${has(name, i.code) ? html` checked` : ''}> <label for="${name}-${i.code}">${pick(i.name, lang)}</label></div>`)}</div></fieldset>`;
  const orgs = ctx.user.role === 'editor' ? ctx.organizations.filter((o) => o.code === ctx.user.organization) : ctx.organizations;
  const action = code ? `${prefix(lang)}/console/services/${code}/edit` : `${prefix(lang)}/console/services/new`;
  return consolePage(
    lang,
    code ? c.editService : c.newService,
    code ? `/console/services/${code}/edit` : '/console/services/new',
    ctx.user,
    html`<h1>${code ? c.editService : c.newService}</h1>
${errorSummary(lang, errors)}
<form method="post" action="${action}" novalidate>
${csrfField(ctx.csrf)}
${code ? html`<input type="hidden" name="code" value="${code}"><p>${f.code}: <strong dir="ltr">${code}</strong></p>` : text('code', html`${f.code} (${f.codeExample} <span dir="ltr">NOCR-0001</span>)`, { dir: 'ltr' })}
${text('slug', f.slug, { dir: 'ltr' })}
<div class="form-group"><label for="organization">${f.organization}</label>${err('organization')}<select id="organization" name="organization">${orgs.map((o) => html`<option value="${o.code}"${v('organization') === o.code ? html` selected` : ''}>${pick(o.name, lang)}</option>`)}</select></div>
${pair('title', f.title, 'text')}
${pair('summary', f.summary, 'area')}
${pair('description', f.description, 'area')}
${checks('topics', f.topics, ctx.topics)}
${checks('lifeEvents', f.lifeEvents, ctx.lifeEvents)}
${text('online_url', f.online, { dir: 'ltr', type: 'url' })}
${pair('inperson', f.inPerson, 'area')}
${text('phone_number', f.phone, { dir: 'ltr' })}
${pair('requirements', f.requirements, 'area')}
${pair('evidence', f.evidence, 'area')}
<div class="form-row">${text('cost', f.cost, { dir: 'ltr' })}${text('processingDays', f.processingDays, { dir: 'ltr' })}</div>
${pair('legal', f.legal, 'area')}
${pair('output', f.output, 'area')}
${pair('keywords', f.keywords, 'text')}
<div class="form-group"><input type="checkbox" id="smart" name="smart" value="on"${v('smart') === 'on' ? html` checked` : ''}> <label for="smart" style="display:inline">${f.smart}</label></div>
<button class="button" type="submit">${c.save}</button>
</form>`,
    ctx.csrf,
  );
}

export interface WorkingView {
  version: number;
  status: string;
  reason: string | null;
  liveVersion: number | null;
  data: ServiceData;
  history: Array<{ version: number; action: string; actor: string; reason: string | null; at: string }>;
}

export function consoleServicePage(lang: Lang, user: StaffUser, csrf: string, w: WorkingView, errors: string[] = []): string {
  const c = CONSOLE[lang];
  const p = prefix(lang);
  const code = w.data.code;
  const authority = user.role !== 'editor';
  const canEdit = w.status !== 'submitted';
  return consolePage(
    lang,
    pick(w.data.title, lang),
    `/console/services/${code}`,
    user,
    html`<p><a href="${p}/console">${c.console}</a></p>
<h1>${pick(w.data.title, lang)}</h1>
${errorSummary(lang, errors)}
<dl class="summary-list">
<div><dt>${c.fields.code}</dt><dd><span dir="ltr">${code}</span></dd></div>
<div><dt>${c.status}</dt><dd>${c.statuses[w.status] ?? w.status} (${c.version} ${digits(String(w.version), lang)})</dd></div>
<div><dt>${c.live}</dt><dd>${w.liveVersion ? html`${digits(String(w.liveVersion), lang)} — <a href="${p}/services/${w.data.slug}">${c.viewPublic}</a>` : c.none}</dd></div>
${w.status === 'rejected' && w.reason ? html`<div><dt>${c.reason}</dt><dd>${w.reason}</dd></div>` : ''}
<div><dt>${c.fields.summary}</dt><dd>${pick(w.data.summary, lang)}</dd></div>
</dl>
<div class="actions">
${canEdit ? html`<a class="button button--secondary" href="${p}/console/services/${code}/edit">${c.edit}</a>` : ''}
${w.status === 'draft' ? html`<form method="post" action="${p}/console/services/${code}/submit">${csrfField(csrf)}<button class="button" type="submit">${c.submit}</button></form>` : ''}
${authority && w.status === 'submitted' ? html`<form method="post" action="${p}/console/services/${code}/approve">${csrfField(csrf)}<button class="button" type="submit">${c.approve}</button></form>` : ''}
</div>
${authority && w.status === 'submitted'
  ? html`<form method="post" action="${p}/console/services/${code}/reject">${csrfField(csrf)}
<div class="form-group"><label for="reason">${c.reason}</label><textarea id="reason" name="reason" maxlength="2000"></textarea></div>
<button class="button button--warning" type="submit">${c.reject}</button></form>`
  : ''}
<h2>${c.history}</h2>
<table><thead><tr><th scope="col">${c.when}</th><th scope="col">${c.who}</th><th scope="col">${c.action}</th><th scope="col">${c.version}</th><th scope="col">${c.reason}</th></tr></thead><tbody>
${w.history.map((h) => html`<tr><td>${fmtDateTime(h.at, lang)}</td><td>${h.actor}</td><td>${c.actions[h.action] ?? h.action}</td><td>${digits(String(h.version), lang)}</td><td>${h.reason ?? ''}</td></tr>`)}
</tbody></table>`,
    csrf,
  );
}
