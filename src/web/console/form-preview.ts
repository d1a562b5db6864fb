import type { DeliveryProblem, Localized, ServiceData } from '../../catalog/index.js';
import type { StaffUser } from '../../identity/index.js';
import type { Delivery, PrefillSource } from '../../services/index.js';
import { checkDefinition, type CompiledForm, type Condition } from '../../services/forms/index.js';
import { strings as applyStrings } from '../apply/strings.js';
import { renderAnswersSummary, renderPage } from '../forms/index.js';
import { fs } from '../forms/strings.js';
import { html, raw, type SafeHtml } from '../html.js';
import { digits, fmtCost, other, pick, prefix, type Lang } from '../i18n.js';
import { previewStrings } from './form-preview-strings.js';
import { reasonOf } from './messages.js';
import { consolePage, csrfField, isolateLatin, UNSAVED_PREVIEW_PATH } from './pages.js';
import { CONSOLE } from './strings.js';

/**
 * The console's preview of a service's application form: for the version an editor drafts or a
 * reviewer is asked to approve, every page of the form in order as the citizen's pages render it
 * (src/web/forms), with when each page is shown, what the registries fill in (sample values, never
 * anyone's data), the fee, the steps with their deadlines in working days, and the document an
 * approval issues. Nothing on it posts anything. A definition that fails the platform's checks shows
 * every problem with its path instead.
 */

export interface PreviewProblem {
  /** Where in the service record, e.g. `delivery.form.pages.0.fields.1`. */
  path: string;
  message: Localized;
  /** A reason no table here knows: its English words, which a Persian page shows beside its "not right". */
  untranslated?: string;
}

export type PreviewResult = { ok: true; delivery: Delivery; form: CompiledForm } | { ok: false; problems: PreviewProblem[] };

export interface PreviewView {
  data: ServiceData;
  version: number;
  status: string;
  result: PreviewResult;
  organizationName: (code: string, lang: Lang) => string;
  /**
   * A definition previewed before it is saved, from the service form: the fields to post again for the
   * same preview in the other language (there is no address to link to).
   */
  unsaved?: Record<string, string>;
}

const L = (fa: string, en: string): Localized => ({ fa, en });

/** The delivery check's own reasons (src/services/definition.ts), in both languages. */
const DELIVERY_REASONS: Array<[RegExp, (m: RegExpExecArray) => Localized]> = [
  [/^unknown field$/, () => L('این بخش در تعریف شناخته نیست.', 'this is not a known part of the definition.')],
  [/^the id "([^"]*)" is used twice$/, (m) => L(`شناسهٔ «${m[1]}» دو بار به کار رفته است.`, `the id "${m[1]}" is used twice.`)],
  [/^unknown organisation "([^"]*)"$/, (m) => L(`دستگاه «${m[1]}» در فهرست نیست.`, `there is no organisation "${m[1]}".`)],
  [/^the form has no field "([^"]*)"$/, (m) => L(`فرم فیلدی به نام «${m[1]}» ندارد.`, `the form has no field "${m[1]}".`)],
  [/^no prefill source "([^"]*)" with a field "([^"]*)"$/, (m) => L(`منبعی به نام «${m[1]}» با فیلد «${m[2]}» در بخش اطلاعات دستگاه‌ها نیست.`, `no prefill source "${m[1]}" with a field "${m[2]}".`)],
  [/^online delivery is not available on this platform$/, () => L('این درگاه ارائهٔ برخط ندارد.', 'online delivery is not available on this platform.')],
];

/** A JSON Pointer inside the form (`/pages/2/when`) as the delivery check names it: `delivery.form.pages.2.when`. */
const formPath = (pointer: string) => `delivery.form${pointer ? `.${pointer.replace(/^\//, '').replace(/\//g, '.')}` : ''}`;

/**
 * The delivery check's problems with a message in each language: the form's own from the forms
 * engine (which words them in both), the definition's from the table above, the schema's through the
 * console's translations; a reason none of them knows keeps its English words beside a Persian
 * "not right".
 */
export function previewProblems(delivery: unknown, problems: DeliveryProblem[]): PreviewProblem[] {
  const formProblems = problems.some((p) => p.field.startsWith('delivery.form'))
    ? checkDefinition((delivery as { form?: unknown }).form).map((e) => ({ path: formPath(e.path), message: e.message }))
    : [];
  return problems.map((p) => {
    const fromForm = formProblems.find((f) => f.path === p.field && f.message.en === p.reason);
    if (fromForm) return { path: p.field, message: fromForm.message };
    for (const [re, say] of DELIVERY_REASONS) {
      const m = re.exec(p.reason);
      if (m) return { path: p.field, message: say(m) };
    }
    const said = reasonOf(p.field.split('.').pop() ?? p.field, p.reason);
    // reasonOf rewords every reason it knows; one it does not know comes back as it was.
    return said.en === p.reason ? { path: p.field, message: said, untranslated: p.reason } : { path: p.field, message: said };
  });
}

/**
 * The same problems as the service form lists them: on its `delivery` field, one line each with its
 * path, since one field holds the whole definition.
 */
export function deliveryFormProblems(delivery: unknown, problems: DeliveryProblem[]): Array<{ field: string; message: Localized }> {
  return previewProblems(delivery, problems).map((p) => ({
    field: 'delivery',
    message: { fa: `${p.path}: ${p.untranslated ? `${previewStrings('fa').unknownReason} (${p.untranslated})` : p.message.fa}`, en: `${p.path}: ${p.message.en}` },
  }));
}

/** What the preview needs of the platform: the catalogue's check of delivery definitions and the forms engine. */
export interface PreviewDeps {
  /** Every problem of a delivery definition, as the import and the workflow find them. */
  problems(delivery: unknown, service: ServiceData): DeliveryProblem[];
  compile(form: unknown): CompiledForm;
}

/**
 * Checks the version's definition again, with the platform's checks of today (an entry stored before
 * a check was added, or naming an organisation since removed, shows what is wrong), then compiles its form.
 */
export function previewResult(data: ServiceData, deps: PreviewDeps): PreviewResult {
  const problems = deps.problems(data.delivery, data);
  if (problems.length) return { ok: false, problems: previewProblems(data.delivery, problems) };
  const delivery = data.delivery as unknown as Delivery;
  try {
    return { ok: true, delivery, form: deps.compile(delivery.form) };
  } catch (e) {
    const listed = previewProblems(data.delivery, checkDefinition(delivery.form).map((d) => ({ field: formPath(d.path), reason: d.message.en })));
    if (!listed.length) throw e;
    return { ok: false, problems: listed };
  }
}

/** A value a condition compares with, as the applicant saw it: a choice by its label, yes or no, digits in the page's. */
function valueText(form: CompiledForm, field: string, v: string | number | boolean, lang: Lang): string {
  const def = form.fields[field];
  if (typeof v === 'boolean') return v ? fs(lang).yes : fs(lang).no;
  const option = def?.options?.find((o) => o.value === v);
  return option ? pick(option.label, lang) : digits(String(v), lang);
}

/** A page's condition written out: "the answer to “Why did your job end?” is “The workplace closed”". */
export function conditionText(form: CompiledForm, c: Condition, lang: Lang, nested = false): string {
  const s = previewStrings(lang);
  if ('all' in c || 'any' in c) {
    const parts = 'all' in c ? c.all : c.any;
    const joined = parts.map((x) => conditionText(form, x, lang, true)).join('all' in c ? s.and : s.or);
    return nested && parts.length > 1 ? s.group(joined) : joined;
  }
  if ('not' in c) return s.not(conditionText(form, c.not, lang, true));
  const q = form.fields[c.field] ? pick(form.fields[c.field]!.label, lang) : c.field;
  const v = (x: string | number | boolean) => valueText(form, c.field, x, lang);
  if ('equals' in c) return s.equals(q, v(c.equals));
  if ('notEquals' in c) return s.notEquals(q, v(c.notEquals));
  if ('in' in c) return s.oneOf(q, c.in.map((x) => s.quote(v(x))).join(s.list));
  if ('includes' in c) return s.includes(q, v(c.includes));
  return c.answered ? s.answered(q) : s.notAnswered(q);
}

/** Latin code (exchange ids, paths, pointers) set left to right so it reads as written on Persian pages too. */
const code = (text: string) => html`<code dir="ltr">${text}</code>`;
const sampleTag = (lang: Lang) => html`<span class="tag tag--grey">${previewStrings(lang).sample}</span>`;

function pagesSection(lang: Lang, v: PreviewView, form: CompiledForm): SafeHtml {
  const s = previewStrings(lang);
  const total = digits(String(form.pages.length), lang);
  return html`<h2 id="pages">${s.pages}</h2>
${form.pages.map((page, i) => {
  // The citizen's page, its headings moved three levels down to sit under this page's own.
  const body = renderPage(form, page, { lang, action: '', csrfToken: '', preview: true, backHref: i > 0 ? `#page-${form.pages[i - 1]!.id}` : undefined });
  const shifted = body.value.replace(/<(\/?)h([1-3])\b/g, (_m, slash: string, n: string) => `<${slash}h${Number(n) + 3}`);
  return html`<section id="page-${page.id}" aria-labelledby="page-${page.id}-heading">
<h3 id="page-${page.id}-heading">${s.pageOf(digits(String(i + 1), lang), total, pick(page.title, lang))}</h3>
<p class="inset">${page.when ? s.shownWhen(conditionText(form, page.when, lang)) : s.always}</p>
<div class="preview"><p class="caption">${pick(v.data.title, lang)}</p>${raw(shifted)}</div>
</section>`;
})}`;
}

/**
 * "Check your answers" as the applicant meets it after the last page: the registries' data (samples)
 * and every question of every page with the change link to its page above, and the inert button.
 */
function checkSection(lang: Lang, v: PreviewView, delivery: Delivery, form: CompiledForm): SafeHtml {
  const s = previewStrings(lang);
  const a = applyStrings(lang);
  const sample = sampleTag(lang);
  const values = (fields: PrefillSource['fields']) => html`<dl class="summary-list">${fields.map((f) => html`<div><dt>${pick(f.label, lang)}</dt><dd>${sample}</dd></div>`)}</dl>`;
  const prefill = delivery.prefill ?? [];
  const placeholder = html`<span class="secondary">${s.answerPlaceholder}</span>`;
  return html`<section id="check" aria-labelledby="check-heading">
<h3 id="check-heading">${s.checkPage}</h3>
<p class="inset">${s.checkPageLead}</p>
<div class="preview"><p class="caption">${pick(v.data.title, lang)}</p>
<h4>${a.check}</h4>
<p>${a.checkLead}</p>
${prefill.length
  ? html`<h5>${a.registryData}</h5>${prefill.map(
      (p) => html`<h6>${pick(p.source, lang)}</h6>${p.fields.length ? values(p.fields) : ''}${p.list ? html`<p><strong>${s.eachItem(pick(p.list.itemLabel, lang))}</strong></p>${values(p.list.itemFields)}` : ''}`,
    )}`
  : ''}
<h5>${a.yourAnswers}</h5>
${renderAnswersSummary(form, {}, lang, (pageId) => `#page-${pageId}`, { placeholder })}
<button class="button" type="button" disabled>${delivery.fee?.amount ? a.submitPay : a.submit}</button></div>
</section>`;
}

function prefillSection(lang: Lang, delivery: Delivery, form: CompiledForm): SafeHtml {
  const s = previewStrings(lang);
  const rows = (source: Localized, fields: PrefillSource['fields']) => html`<table><caption class="visually-hidden">${pick(source, lang)}</caption>
<thead><tr><th scope="col">${s.field}</th><th scope="col">${s.pointer}</th><th scope="col">${s.shown}</th></tr></thead>
<tbody>${fields.map((f) => html`<tr><td>${pick(f.label, lang)}</td><td>${code(f.pointer)}</td><td>${sampleTag(lang)}</td></tr>`)}</tbody></table>`;
  const after = (p: PrefillSource) =>
    [...p.path.matchAll(/\{answers\.([a-zA-Z0-9_]+)\}/g)].map((m) => html`<p>${s.readAfter(form.fields[m[1]!] ? pick(form.fields[m[1]!]!.label, lang) : m[1]!)}</p>`);
  return html`<h2 id="prefill">${s.prefill}</h2>
${(delivery.prefill ?? []).length
  ? html`<p>${s.prefillLead}</p>
${(delivery.prefill ?? []).map(
  (p) => html`<h3>${pick(p.source, lang)}</h3>
<p>${s.exchangeService}: ${code(p.service)} · ${s.requestPath}: ${code(p.path)}</p>${after(p)}
${p.fields.length ? rows(p.source, p.fields) : ''}
${p.list ? html`<h4>${s.item(pick(p.list.itemLabel, lang))}: ${code(p.list.pointer)}</h4>${rows(p.list.itemLabel, p.list.itemFields)}` : ''}`,
)}`
  : html`<p>${s.noPrefill}</p>`}`;
}

function handlingSection(lang: Lang, v: PreviewView, delivery: Delivery): SafeHtml {
  const s = previewStrings(lang);
  const a = applyStrings(lang);
  const fee = delivery.fee?.amount ?? 0;
  const days = (n: number) => a.workingDays(digits(String(n), lang));
  return html`<h2 id="fee">${s.fee}</h2>
<p>${fee ? fmtCost(fee, lang) : a.free}${fee ? html` · ${delivery.fee?.refundOnReject ? s.refund : s.noRefund}` : ''}</p>
<h2 id="steps">${s.steps}</h2>
<ol>${delivery.steps.map((st) => html`<li>${pick(st.title, lang)} (${v.organizationName(st.organization, lang)}) · ${days(st.deadlineDays)}${st.secondApprover ? html` · ${s.secondApprover}` : ''}</li>`)}</ol>
<p>${s.total(days(delivery.steps.reduce((n, st) => n + st.deadlineDays, 0)))}</p>
<h2 id="reasons">${s.reasons}</h2>
${delivery.reasons?.length ? html`<ul>${delivery.reasons.map((r) => html`<li>${pick(r, lang)}</li>`)}</ul>` : html`<p>${s.noReasons}</p>`}`;
}

function documentSection(lang: Lang, delivery: Delivery, form: CompiledForm): SafeHtml {
  const s = previewStrings(lang);
  const d = delivery.document;
  if (!d) return html`<h2 id="document">${s.document}</h2><p>${s.noDocument}</p>`;
  const from = (value: string): string => {
    const [kind, a, b] = value.split('.');
    if (kind === 'answers') return s.fromAnswer(form.fields[a!] ? pick(form.fields[a!]!.label, lang) : a!);
    if (kind === 'prefill') {
      const source = (delivery.prefill ?? []).find((p) => p.id === a);
      const field = source?.fields.find((f) => f.id === b);
      return source && field ? s.fromPrefill(pick(field.label, lang), pick(source.source, lang)) : value;
    }
    return s.sources[value] ?? value;
  };
  return html`<h2 id="document">${s.document}</h2>
<dl class="summary-list">
<div><dt>${CONSOLE[lang].fields.title}</dt><dd>${pick(d.title, lang)}</dd></div>
<div><dt>${s.documentType}</dt><dd>${code(d.type)}</dd></div>
<div><dt>${s.validFor}</dt><dd>${d.validDays ? s.validDays(digits(String(d.validDays), lang)) : s.noExpiry}</dd></div>
</dl>
<table><caption>${s.documentFields}</caption><thead><tr><th scope="col">${s.documentLine}</th><th scope="col">${s.valueFrom}</th></tr></thead>
<tbody>${d.fields.map((f) => html`<tr><td>${pick(f.label, lang)}</td><td>${from(f.value)}</td></tr>`)}</tbody></table>`;
}

function problemsSection(lang: Lang, problems: PreviewProblem[]): SafeHtml {
  const s = previewStrings(lang);
  // A reason no table knows keeps its English words, marked English on a Persian page.
  const message = (p: PreviewProblem) =>
    lang === 'fa' && p.untranslated ? html`${s.unknownReason} (<span lang="en" dir="ltr">${p.untranslated}</span>)` : isolateLatin(p.message[lang], lang);
  return html`<div class="error-summary" aria-labelledby="problems-title"><h2 id="problems-title">${s.problemsTitle}</h2>
<p>${s.problemsLead}</p>
<ul>${problems.map((p) => html`<li>${code(p.path)}: ${message(p)}</li>`)}</ul></div>`;
}

export function formPreviewPage(lang: Lang, user: StaffUser, csrf: string, v: PreviewView): string {
  const s = previewStrings(lang);
  const c = CONSOLE[lang];
  const p = prefix(lang);
  const code0 = v.data.code;
  const unsaved = v.unsaved;
  const path = unsaved ? UNSAVED_PREVIEW_PATH : `/console/services/${code0}/preview`;
  const name = pick(v.data.title, lang) || s.untitled;
  const title = unsaved ? s.unsavedTitle(name) : s.title(name);
  const r = v.result;
  const o = other(lang);
  // An unsaved definition has no address: the other language's preview is the same fields posted again.
  const switchLanguage = unsaved
    ? html`<form method="post" action="${prefix(o)}${UNSAVED_PREVIEW_PATH}">${csrfField(csrf)}${Object.entries(unsaved).map(([k, val]) => html`<input type="hidden" name="${k}" value="${val}">`)}<button class="button button--secondary" type="submit" lang="${o}">${previewStrings(o).inThisLanguage}</button></form>`
    : html`<p><a href="${prefix(o)}${path}" lang="${o}" hreflang="${o}">${previewStrings(o).inThisLanguage}</a></p>`;
  return consolePage(
    lang,
    title,
    path,
    user,
    html`${unsaved ? '' : html`<p><a href="${p}/console/services/${code0}">${s.back}</a></p>`}
<h1>${title}</h1>
${unsaved ? html`<p class="inset">${s.unsavedLead}</p>` : ''}
<dl class="summary-list">
<div><dt>${s.code}</dt><dd>${code0 ? html`<bdi dir="ltr">${code0}</bdi>` : '—'}</dd></div>
<div><dt>${s.version}</dt><dd>${unsaved ? s.notSaved : s.versionStatus(digits(String(v.version), lang), c.statuses[v.status] ?? v.status)}</dd></div>
</dl>
${switchLanguage}
${r.ok
  ? html`<p class="lead">${s.lead}</p>
${pagesSection(lang, v, r.form)}
${checkSection(lang, v, r.delivery, r.form)}
${prefillSection(lang, r.delivery, r.form)}
${handlingSection(lang, v, r.delivery)}
${documentSection(lang, r.delivery, r.form)}`
  : problemsSection(lang, r.problems)}`,
    csrf,
  );
}
