import type { StaffUser } from '../../identity/index.js';
import { html, type SafeHtml } from '../html.js';
import { fmtDateTime, prefix, type Lang } from '../i18n.js';
import { AUTHORITY } from './authority-strings.js';
import { consolePage, csrfField, errorSummary, isolateLatin, noticePanel } from './pages.js';
import type { FormProblem } from './messages.js';
import { CONSOLE } from './strings.js';

/** Pages of the national authority's tools: relying parties and the demo outbox (the exchange's are in exchange-pages.ts). */

export type Values = Record<string, string | undefined>;

export interface PageContext {
  lang: Lang;
  user: StaffUser;
  csrf: string;
  /** The confirmation of the action that led here, shown once. */
  notice?: string;
}

const back = (lang: Lang) => html`<p><a href="${prefix(lang)}/console">${CONSOLE[lang].console}</a></p>`;

type FieldOptions = { area?: boolean; type?: string; ltr?: boolean; hint?: string | SafeHtml; required?: boolean; problem?: SafeHtml; lang?: 'en' };

/** A labelled text input or textarea, keeping what was typed; with a problem, its message and the control marked invalid. */
export function field(name: string, label: string, values: Values, opts: FieldOptions = {}): SafeHtml {
  const dir = opts.ltr === false ? html`` : html` dir="ltr"`;
  const req = opts.required ? html` required` : html``;
  const hintId = opts.hint ? `${name}-hint` : '';
  const ids = [hintId, opts.problem ? `${name}-error` : ''].filter(Boolean).join(' ');
  const described = ids ? html` aria-describedby="${ids}"` : html``;
  const invalid = opts.problem ? html` aria-invalid="true"` : html``;
  // An English value on a Persian page is read with an English voice.
  const lang = opts.lang ? html` lang="${opts.lang}"` : html``;
  const control = opts.area
    ? html`<textarea id="${name}" name="${name}"${dir}${lang}${req}${invalid}${described}>${values[name] ?? ''}</textarea>`
    : html`<input type="${opts.type ?? 'text'}" id="${name}" name="${name}" value="${values[name] ?? ''}"${dir}${lang}${req}${invalid}${described}>`;
  return html`<div class="form-group${opts.problem ? ' form-group--error' : ''}"><label for="${name}">${label}</label>${opts.hint ? html`<span class="hint" id="${hintId}">${opts.hint}</span>` : ''}${opts.problem ? html`<span class="error-message" id="${name}-error">${opts.problem}</span>` : ''}${control}</div>`;
}

/** What is wrong with one field of a form, in the page's language: every problem listed for it, one after another; undefined when nothing is. */
export function problemOf(lang: Lang, errors: Array<FormProblem | string>, name: string): SafeHtml | undefined {
  const mine = errors.filter((e): e is FormProblem => typeof e !== 'string' && e.field === name);
  // As the catalogue's form says it (pages.ts): "Error:" for screen readers, Latin runs isolated on Persian pages.
  return mine.length ? html`<span class="visually-hidden">${CONSOLE[lang].errorPrefix} </span>${isolateLatin(mine.map((p) => p.message[lang]).join(' '), lang)}` : undefined;
}

/** `field` for a page whose problems may belong to its fields: such a field shows its messages and is marked invalid. */
export function fieldsFor(lang: Lang, errors: Array<FormProblem | string>): typeof field {
  return (name, label, values, opts = {}) => field(name, label, values, { ...opts, problem: problemOf(lang, errors, name) });
}

export interface RelyingPartyRow {
  clientId: string;
  name: string;
  redirectUris: string[];
  auth: string;
  createdAt: string;
  disabled: boolean;
}

export function relyingPartiesPage(ctx: PageContext, rows: RelyingPartyRow[], values: Values = {}, errors: Array<FormProblem | string> = []): string {
  const field = fieldsFor(ctx.lang, errors);
  const { lang, csrf } = ctx;
  const a = AUTHORITY[lang];
  const p = prefix(lang);
  const auth = values.auth === 'private_key_jwt' || values.auth === 'client_secret_post' ? values.auth : 'client_secret_basic';
  return consolePage(
    lang,
    a.relyingParties,
    '/console/relying-parties',
    ctx.user,
    html`${back(lang)}<h1>${a.relyingParties}</h1>${noticePanel(ctx.notice)}
<p>${a.relyingPartiesLead}</p>
${errorSummary(lang, errors)}
${rows.length
  ? html`<table><thead><tr><th scope="col">${a.name}</th><th scope="col">${a.clientId}</th><th scope="col">${a.authMethod}</th><th scope="col">${a.redirectUris}</th><th scope="col">${a.created}</th><th scope="col">${a.state}</th></tr></thead><tbody>
${rows.map((r) => html`<tr><td>${r.name}</td><td dir="ltr"><code>${r.clientId}</code></td><td dir="ltr">${r.auth}</td><td dir="ltr">${r.redirectUris.map((u) => html`${u}<br>`)}</td><td>${fmtDateTime(r.createdAt, lang)}</td>
<td>${r.disabled ? a.disabled : html`${a.active}${r.clientId === 'panjareh-portal' ? '' : html`<form method="post" action="${p}/console/relying-parties/${r.clientId}/disable">${csrfField(csrf)}<button class="button button--warning" type="submit" aria-label="${a.disable}: ${r.name}">${a.disable}</button></form>`}`}</td></tr>`)}
</tbody></table>`
  : html`<p>${CONSOLE[lang].nothing}</p>`}
<h2>${a.registerSite}</h2>
<form method="post" action="${p}/console/relying-parties" novalidate>
${csrfField(csrf)}
${field('name', a.siteName, values, { ltr: false, required: true })}
${field('redirect_uris', a.redirectUris, values, { area: true, required: true })}
${field('post_logout_redirect_uris', a.postLogoutUris, values, { area: true })}
<fieldset><legend>${a.authMethod}</legend><div class="checkboxes">
<div><input type="radio" id="auth-basic" name="auth" value="client_secret_basic"${auth === 'client_secret_basic' ? html` checked` : ''}> <label for="auth-basic">${a.secretBasic}</label></div>
<div><input type="radio" id="auth-post" name="auth" value="client_secret_post"${auth === 'client_secret_post' ? html` checked` : ''}> <label for="auth-post">${a.secretPost}</label></div>
<div><input type="radio" id="auth-jwt" name="auth" value="private_key_jwt"${auth === 'private_key_jwt' ? html` checked` : ''}> <label for="auth-jwt">${a.privateKeyJwt}</label></div>
</div></fieldset>
${field('jwks_uri', a.jwksUri, values, { type: 'url' })}
${field('backchannel_logout_uri', a.backchannelUri, values, { type: 'url' })}
<button class="button" type="submit">${a.register}</button>
</form>`,
    csrf,
  );
}

/** Shown once, right after registering: the secret exists nowhere else. */
export function relyingPartyCreatedPage(ctx: PageContext, name: string, clientId: string, secret: string | null): string {
  const { lang, csrf } = ctx;
  const a = AUTHORITY[lang];
  return consolePage(
    lang,
    a.registered,
    '/console/relying-parties',
    ctx.user,
    html`${back(lang)}<h1>${a.registered}</h1>
<dl class="summary-list">
<div><dt>${a.siteName}</dt><dd>${name}</dd></div>
<div><dt>${a.clientId}</dt><dd dir="ltr"><code id="client-id">${clientId}</code></dd></div>
${secret ? html`<div><dt>${a.secret}</dt><dd dir="ltr"><code id="client-secret">${secret}</code></dd></div>` : ''}
</dl>
<div class="panel"><p>${secret ? a.shownOnce : a.noSecret}</p></div>
<p><a href="${prefix(lang)}/console/relying-parties">${a.backToList}</a></p>`,
    csrf,
  );
}

export interface OutboxRow {
  channel: string;
  body: string;
  purpose: string;
  created_at: string;
}

export function outboxPage(ctx: PageContext, to: string, rows: OutboxRow[] | null, errors: Array<FormProblem | string> = []): string {
  const field = fieldsFor(ctx.lang, errors);
  const { lang, csrf } = ctx;
  const a = AUTHORITY[lang];
  return consolePage(
    lang,
    a.outbox,
    '/console/outbox',
    ctx.user,
    html`${back(lang)}<h1>${a.outbox}</h1>
<p>${a.outboxLead}</p>
${errorSummary(lang, errors)}
<form method="get" action="${prefix(lang)}/console/outbox">
${field('to', a.to, { to }, { required: true })}
<button class="button" type="submit">${a.find}</button>
</form>
${rows === null
  ? ''
  : rows.length
    ? html`<table><thead><tr><th scope="col">${a.sentAt}</th><th scope="col">${a.channel}</th><th scope="col">${a.purpose}</th><th scope="col">${a.message}</th></tr></thead><tbody>
${rows.map((r) => html`<tr><td>${fmtDateTime(r.created_at, lang)}</td><td dir="ltr">${r.channel}</td><td dir="ltr">${r.purpose}</td><td dir="ltr" style="white-space: pre-line">${r.body}</td></tr>`)}
</tbody></table>`
    : html`<p>${a.noMessages}</p>`}`,
    csrf,
  );
}

/** Links on the dashboard to the tools this person may use. */
export function toolLinks(lang: Lang, links: Array<{ href: string; label: string }>): SafeHtml {
  if (!links.length) return html``;
  return html`<nav aria-labelledby="tools-heading"><h2 id="tools-heading">${AUTHORITY[lang].tools}</h2><ul>${links.map((l) => html`<li><a href="${prefix(lang)}${l.href}">${l.label}</a></li>`)}</ul></nav>`;
}
