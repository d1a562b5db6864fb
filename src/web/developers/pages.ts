import { DEMO_FIXTURES } from '../../agencies/index.js';
import type { DataService, FieldProblem, Member, SandboxCredentials, SandboxRules } from '../../exchange/index.js';
import { html, type SafeHtml } from '../html.js';
import { fmtDate, fmtNumber, prefix, type Lang } from '../i18n.js';
import { breadcrumbs, page } from '../layout.js';
import { docText, renderOpenApi } from './openapi-view.js';
import { DEV, memberName } from './strings.js';

/** The developer portal's pages: the catalogue of data services, one service, the sandbox and its key. */

export interface CatalogueEntry {
  service: DataService;
  /** The service's id in IR-SANDBOX, or null when it has no sandbox. */
  sandboxId: string | null;
}

export interface ProviderGroup {
  member: Member;
  services: CatalogueEntry[];
}

const base = (lang: Lang) => `${prefix(lang)}/developers`;
export const serviceHref = (lang: Lang, id: string) => `${base(lang)}/services/${id}`;
const classTag = (lang: Lang, c: string) =>
  html`<span class="tag${c === 'personal' ? ' tag--red' : c === 'public' ? '' : ' tag--grey'}">${DEV[lang].classifications[c] ?? c}</span>`;
const code = (s: string) => html`<code dir="ltr">${s}</code>`;
/** A block of code or a command: left-to-right and not a Persian sentence, whatever the page (lang="en" keeps screen readers from reading it with a Persian voice). */
const pre = (s: string) => html`<pre class="code-block" dir="ltr" lang="en"><code>${s}</code></pre>`;

/**
 * A sentence with `code` between backticks and ⟦English names⟧ between white brackets: the code
 * isolated left-to-right so it reads as typed inside Persian text, the names marked English.
 */
/** A data service's name in the page's language: its Persian name on Persian pages when it has one. */
const nameOf = (x: { name: string | null; nameFa: string | null }, lang: Lang): string | null => (lang === 'fa' ? (x.nameFa ?? x.name) : x.name);

export function rich(s: string): SafeHtml {
  const names = (t: string) => t.split(/⟦|⟧/).map((part, i) => (i % 2 ? html`<span lang="en" dir="ltr">${part}</span>` : part));
  // An inline block keeps a long value laid out left-to-right as one piece even when it wraps inside a Persian line.
  return html`${s.split('`').map((part, i) => (i % 2 ? html`<code class="code-inline" dir="ltr">${part}</code>` : names(part)))}`;
}

/** How to give openid-client a client that authenticates with client_secret_basic (its default is client_secret_post). */
const OPENID_CLIENT_EXAMPLE = (publicUrl: string) => `import * as client from 'openid-client';

// A client registered with client_secret_basic (the default of \`oidc client add\`):
const config = await client.discovery(
  new URL('${publicUrl}'),
  'your-client-id',
  undefined,
  client.ClientSecretBasic('your-client-secret'),
);

// A client registered with --auth client_secret_post: the library's default.
const config2 = await client.discovery(new URL('${publicUrl}'), 'your-client-id', 'your-client-secret');`;

/** Endpoint patterns (`/persons/*`) written as templates again for reading. */
const endpointText = (e: { method: string; path: string }) => `${e.method === '*' ? 'ANY' : e.method} ${e.path.replace(/\*\*/g, '…').replace(/\*/g, '{…}')}`;

function guide(lang: Lang, publicUrl: string): SafeHtml {
  const s = DEV[lang];
  return html`<h2 id="calling">${s.howToCall}</h2>
<p>${s.howToCallLead}</p>
${pre(`GET ${publicUrl}/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE/path`)}
<ul>${s.callHeaders.map((h) => html`<li>${rich(h)}</li>`)}</ul>
<p>${rich(s.callErrors)}</p>
<h2 id="apply">${s.apply}</h2>
<ol>${s.applySteps.map((x) => html`<li>${rich(x)}</li>`)}</ol>
<p>${s.applyContact} <a href="${base(lang)}/sandbox">${s.sandboxTitle}</a></p>
<h2 id="oidc">${rich(s.oidc)}</h2>
<p>${s.oidcLead}</p>
${pre(`${publicUrl}/.well-known/openid-configuration`)}
<ul>${s.oidcPoints.map((x) => html`<li>${rich(x)}</li>`)}</ul>
<h3 id="oidc-auth">${s.oidcAuth}</h3>
<ul>${s.oidcAuthPoints.map((x) => html`<li>${rich(x)}</li>`)}</ul>
<p>${rich(s.oidcClientLead)}</p>
${pre(OPENID_CLIENT_EXAMPLE(publicUrl))}`;
}

export function portalPage(lang: Lang, groups: ProviderGroup[], publicUrl: string): string {
  const s = DEV[lang];
  return page({
    lang,
    title: s.portal,
    path: '/developers',
    body: html`${breadcrumbs(lang, [{ label: s.portal }])}
<h1>${s.portal}</h1>
<p class="lead">${s.portalLead}</p>
<ul class="inline-list"><li><a href="#catalogue">${s.catalogue}</a></li><li><a href="${base(lang)}/sandbox">${s.sandboxTitle}</a></li><li><a href="#calling">${s.howToCall}</a></li><li><a href="#apply">${s.apply}</a></li><li><a href="#oidc">${rich(s.oidc)}</a></li></ul>
<h2 id="catalogue">${s.catalogue}</h2>
<p>${s.catalogueLead}</p>
${groups.length === 0 ? html`<p>${s.noServices}</p>` : ''}
${groups.map(
  (g) => html`<section aria-labelledby="provider-${g.member.id.replace(/[^A-Za-z0-9-]/g, '-')}">
<h3 id="provider-${g.member.id.replace(/[^A-Za-z0-9-]/g, '-')}">${docText(memberName(g.member.name, lang))} <bdi class="secondary" dir="ltr">${g.member.id}</bdi></h3>
<table><thead><tr><th scope="col">${s.service}</th><th scope="col">${s.classification}</th><th scope="col">${s.methods}</th><th scope="col">${s.sandbox}</th></tr></thead><tbody>
${g.services.map(
  ({ service: x, sandboxId }) => html`<tr><td><a href="${serviceHref(lang, x.id)}">${nameOf(x, lang) ? docText(nameOf(x, lang)) : code(x.id)}</a><br><bdi class="secondary" dir="ltr">${x.id}</bdi></td><td>${classTag(lang, x.classification)}</td><td><ul class="list-bullet">${x.endpoints.map((e) => html`<li><code dir="ltr">${endpointText(e)}</code></li>`)}</ul></td><td>${sandboxId ? s.sandboxYes : s.sandboxNo}</td></tr>`,
)}</tbody></table>
</section>`,
)}
${guide(lang, publicUrl)}`,
  });
}

const SAMPLES: Record<string, string> = {
  nationalCode: DEMO_FIXTURES.person.nationalCode,
  plate: DEMO_FIXTURES.person.plateId,
  postalCode: DEMO_FIXTURES.person.postalCode,
  certificateNumber: DEMO_FIXTURES.person.certificateNumber,
};

/** A request path for the examples: the service's own operation (by operationId) or the first, parameters filled with demo values. */
function examplePath(doc: unknown, serviceCode: string): string {
  const d = doc as { paths?: Record<string, Record<string, { operationId?: string; parameters?: Array<{ name?: string; in?: string; required?: boolean }> }>> } | null;
  const entries = Object.entries(d?.paths ?? {}).flatMap(([p, item]) => Object.entries(item ?? {}).filter(([m]) => m === 'get').map(([, op]) => ({ p, op })));
  const chosen = entries.find((e) => e.op?.operationId === serviceCode) ?? entries[0];
  if (!chosen) return '/';
  const path = chosen.p.replace(/\{([^}]+)\}/g, (_m, name: string) => SAMPLES[name] ?? `{${name}}`);
  const query = (chosen.op?.parameters ?? []).filter((q) => q.in === 'query' && q.required && q.name).map((q) => `${q.name}=${SAMPLES[q.name!] ?? `{${q.name}}`}`);
  return query.length ? `${path}?${query.join('&')}` : path;
}

function curl(publicUrl: string, serviceId: string, path: string, client: string, key: string, consent: boolean): string {
  return [
    `curl ${publicUrl}/r1/${serviceId}${path} \\`,
    `  -H 'X-Road-Client: ${client}' \\`,
    `  -H 'Authorization: ApiKey ${key}'${consent ? ' \\' : ''}`,
    ...(consent ? [`  -H 'X-Panjareh-Consent: <consent token>'`] : []),
  ].join('\n');
}

export interface ServiceView {
  service: DataService;
  provider: Member | undefined;
  sandboxId: string | null;
  /** The parsed OpenAPI document, or null. */
  doc: unknown;
}

export function servicePage(lang: Lang, v: ServiceView, publicUrl: string): string {
  const s = DEV[lang];
  const x = v.service;
  const serviceCode = x.id.split('/')[4] ?? '';
  const path = examplePath(v.doc, serviceCode);
  return page({
    lang,
    title: nameOf(x, lang) ?? x.id,
    path: `/developers/services/${x.id}`,
    body: html`${breadcrumbs(lang, [{ label: s.portal, href: base(lang) }, { label: nameOf(x, lang) ?? x.id }])}
<h1>${nameOf(x, lang) ? docText(nameOf(x, lang)) : code(x.id)}</h1>
<dl class="summary-list">
  <div><dt>${s.serviceId}</dt><dd>${code(x.id)}</dd></div>
  <div><dt>${s.provider}</dt><dd>${docText(v.provider ? memberName(v.provider.name, lang) : '')} <bdi class="secondary" dir="ltr">${x.subsystem}</bdi></dd></div>
  <div><dt>${s.classification}</dt><dd>${classTag(lang, x.classification)}</dd></div>
  <div><dt>${s.subject}</dt><dd>${x.subject ? html`${s.subjectIn[x.subject.in] ?? x.subject.in}: ${code(x.subject.name)}` : s.none}</dd></div>
  <div><dt>${s.sandboxId}</dt><dd>${v.sandboxId ? code(v.sandboxId) : s.sandboxNo}</dd></div>
</dl>
<h2>${s.openapi}</h2>
${v.doc ? html`<p><a class="button button--secondary" href="${serviceHref(lang, x.id)}/openapi.json" download>${s.download}</a></p><p class="secondary">${s.downloadHint}</p>${renderOpenApi(v.doc, lang)}` : html`<p>${s.noOpenapi}</p>`}
<h2>${s.howToCall}</h2>
<p>${s.example}:</p>
${pre(curl(publicUrl, x.id, path, 'IR/COM/<your member>/<your subsystem>', 'pjx_…', x.classification === 'personal'))}
${v.sandboxId ? html`<p>${s.sandboxExample} (<a href="${base(lang)}/sandbox">${s.sandboxTitle}</a>):</p>${pre(curl(publicUrl, v.sandboxId, path, 'IR-SANDBOX/COM/dev-…/app', 'pjx_…', false))}` : ''}
<p><a href="${base(lang)}#calling">${s.howToCall}</a> · <a href="${base(lang)}#apply">${s.apply}</a> · <a href="${base(lang)}#oidc">${rich(s.oidc)}</a></p>`,
  });
}

export interface SandboxView {
  enabled: boolean;
  services: DataService[];
  rules: SandboxRules;
  csrf: string;
  values: Record<string, string>;
  problems: FieldProblem[];
  /** A refusal that belongs to no field (a limit reached). */
  message?: string;
}

function samplePeople(lang: Lang): SafeHtml {
  const s = DEV[lang].samples;
  const F = DEMO_FIXTURES;
  const rows: Array<[string, string]> = [[s.person, F.person.nationalCode], [s.plate, F.person.plateId], [s.postalCode, F.person.postalCode], [s.certificate, F.person.certificateNumber], [s.deceased, F.deceased.nationalCode], [s.foreign, F.foreign.nationalCode]];
  return html`<p>${DEV[lang].sandboxPeople}</p><ul class="list-bullet">${rows.map(([label, value]) => html`<li>${label}: ${code(value)}</li>`)}</ul>`;
}

function rulesList(lang: Lang, r: SandboxRules): SafeHtml {
  const s = DEV[lang];
  return html`<ul>${s.sandboxRules(fmtNumber(r.keyDays, lang), fmtNumber(r.ratePerSecond, lang), fmtNumber(r.dailyQuota, lang)).map((x) => html`<li>${x}</li>`)}</ul>`;
}

function sandboxServiceList(lang: Lang, services: DataService[]): SafeHtml {
  const s = DEV[lang];
  if (!services.length) return html`<p>${s.sandboxEmpty}</p>`;
  return html`<ul class="list-bullet">${services.map((x) => html`<li>${docText(nameOf(x, lang))} ${code(x.id)} ${classTag(lang, x.classification)}</li>`)}</ul>`;
}

const textField = (name: string, label: string, value: string, problem: FieldProblem | undefined, lang: Lang, opts: { hint?: string; autocomplete: string; ltr?: boolean; required?: boolean }) => {
  const ids = [opts.hint ? `${name}-hint` : '', problem ? `${name}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="form-group"><label for="${name}">${label}</label>${opts.hint ? html`<span class="hint" id="${name}-hint">${opts.hint}</span>` : ''}${problem ? html`<span class="error-message" id="${name}-error">${problem[lang]}</span>` : ''}<input type="text" id="${name}" name="${name}" value="${value}" autocomplete="${opts.autocomplete}"${opts.ltr ? html` dir="ltr" inputmode="email"` : ''}${opts.required ? html` required` : ''}${ids ? html` aria-describedby="${ids}"` : ''}${problem ? html` aria-invalid="true"` : ''} maxlength="254"></div>`;
};

export function sandboxPage(lang: Lang, v: SandboxView): string {
  const s = DEV[lang];
  const problem = (f: FieldProblem['field']) => v.problems.find((p) => p.field === f);
  const errors = [...(v.message ? [{ text: v.message, href: '' }] : []), ...v.problems.map((p) => ({ text: p[lang], href: `#${p.field}` }))];
  const terms = problem('terms');
  return page({
    lang,
    title: s.sandboxTitle,
    path: '/developers/sandbox',
    body: html`${breadcrumbs(lang, [{ label: s.portal, href: base(lang) }, { label: s.sandboxTitle }])}
<h1>${s.sandboxTitle}</h1>
${errors.length ? html`<div class="error-summary" role="alert" tabindex="-1"><h2>${s.errorsTitle}</h2><ul>${errors.map((e) => (e.href ? html`<li><a href="${e.href}">${e.text}</a></li>` : html`<li>${e.text}</li>`))}</ul></div>` : ''}
<p class="lead">${s.sandboxLead}</p>
${v.enabled ? rulesList(lang, v.rules) : html`<p>${s.sandboxUnavailable}</p>`}
${v.enabled
  ? html`<h2>${s.formTitle}</h2>
<form method="post" action="${base(lang)}/sandbox" novalidate>
<input type="hidden" name="_csrf" value="${v.csrf}">
${textField('name', s.fieldName, v.values.name ?? '', problem('name'), lang, { autocomplete: 'name', required: true })}
${textField('email', s.fieldEmail, v.values.email ?? '', problem('email'), lang, { autocomplete: 'email', ltr: true, hint: s.fieldEmailHint, required: true })}
${textField('organization', s.fieldOrganization, v.values.organization ?? '', problem('organization'), lang, { autocomplete: 'organization' })}
<div class="form-group">${terms ? html`<span class="error-message" id="terms-error">${terms[lang]}</span>` : ''}<div class="checkboxes"><div><input type="checkbox" id="terms" name="terms" value="yes"${v.values.terms === 'yes' ? html` checked` : ''}${terms ? html` aria-describedby="terms-error" aria-invalid="true"` : ''}> <label for="terms">${s.fieldTerms}</label></div></div></div>
<button class="button" type="submit">${s.submit}</button>
</form>
<h2>${s.sandboxServices}</h2>
${sandboxServiceList(lang, v.services)}
${samplePeople(lang)}`
  : ''}
<p><a href="${base(lang)}">${s.backToPortal}</a></p>`,
  });
}

export function keyPage(lang: Lang, c: SandboxCredentials, services: DataService[], publicUrl: string): string {
  const s = DEV[lang];
  const first = services.find((x) => x.id.endsWith('/registry/person')) ?? services[0];
  const example = first ? curl(publicUrl, first.id, first.id.endsWith('/registry/person') ? `/persons/${DEMO_FIXTURES.person.nationalCode}` : '/', c.subsystem, c.key, false) : '';
  return page({
    lang,
    title: s.keyTitle,
    path: '/developers/sandbox',
    noindex: true,
    body: html`${breadcrumbs(lang, [{ label: s.portal, href: base(lang) }, { label: s.sandboxTitle, href: `${base(lang)}/sandbox` }, { label: s.keyTitle }])}
<h1>${s.keyTitle}</h1>
<div class="panel panel--confirmation" role="status"><p><strong>${s.keyMade}</strong></p><p>${s.keyOnce}</p></div>
<dl class="summary-list">
  <div><dt>${s.keyLabel}</dt><dd><code dir="ltr" id="sandbox-key">${c.key}</code></dd></div>
  <div><dt>${s.client}</dt><dd><code dir="ltr" id="sandbox-client">${c.subsystem}</code></dd></div>
  <div><dt>${s.expires}</dt><dd>${fmtDate(c.expiresAt, lang)}</dd></div>
  <div><dt>${s.limits}</dt><dd>${s.limitsValue(fmtNumber(c.rules.ratePerSecond, lang), fmtNumber(c.rules.dailyQuota, lang))}</dd></div>
</dl>
${example ? html`<h2>${s.tryIt}</h2>${pre(example)}` : ''}
<h2>${s.sandboxServices}</h2>
${sandboxServiceList(lang, services.filter((x) => c.services.some((g) => g.id === x.id)))}
${samplePeople(lang)}
<p><a href="${base(lang)}">${s.backToPortal}</a></p>`,
  });
}

/** The key page again (a refresh, a second tab, a stale link): the key is not kept, so it cannot be shown. */
export function keyGonePage(lang: Lang): string {
  const s = DEV[lang];
  return page({
    lang,
    title: s.keyGoneTitle,
    path: '/developers/sandbox/key',
    noindex: true,
    body: html`${breadcrumbs(lang, [{ label: s.portal, href: base(lang) }, { label: s.sandboxTitle, href: `${base(lang)}/sandbox` }, { label: s.keyGoneTitle }])}
<h1>${s.keyGoneTitle}</h1>
<p>${s.keyGone}</p>
<p><a class="button" href="${base(lang)}/sandbox">${s.newKey}</a></p>
<p><a href="${base(lang)}">${s.backToPortal}</a></p>`,
  });
}
