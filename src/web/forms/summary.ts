import { ADDRESS_PARTS, JALALI_MONTHS, jalaliToIso, parseJalali, visibleAnswers, visiblePages, type Answers, type CompiledForm, type FieldDefinition } from '../../services/forms/index.js';
import { html, type SafeHtml } from '../html.js';
import { digits, fmtDate, fmtNumber, pick, type Lang } from '../i18n.js';
import { fs } from './strings.js';

/**
 * "Check your answers" (GOV.UK's pattern): every question of the pages shown, its answer as a person
 * reads it, and a link to change it on its page. Answers to hidden pages are not shown: they will not
 * be submitted.
 */

export interface SummaryOptions {
  /** What a file answer shows (its name), from the stored file's id. */
  fileName?: (id: string) => string | undefined;
  /**
   * The console's preview of a definition: every question of every page (whatever the conditions
   * say), each showing this in place of an answer.
   */
  placeholder?: SafeHtml;
}

function jalaliText(s: string, lang: Lang): string {
  const d = parseJalali(s);
  if (!d) return s;
  if (lang === 'fa') return digits(`${d.day} ${JALALI_MONTHS.fa[d.month - 1]} ${d.year}`, 'fa');
  const iso = jalaliToIso(s);
  // English readers get the Gregorian day beside it, since the Jalali one may mean nothing to them.
  return `${d.day} ${JALALI_MONTHS.en[d.month - 1]} ${d.year}${iso ? ` (${fmtDate(`${iso}T12:00:00Z`, 'en')})` : ''}`;
}

const ltr = (s: string, lang: Lang) => html`<span dir="ltr">${digits(s, lang)}</span>`;

/** An answer as a person reads it; null when there is none. */
export function answerHtml(def: FieldDefinition, v: unknown, lang: Lang, o: SummaryOptions = {}): SafeHtml | null {
  if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) return null;
  const s = fs(lang);
  switch (def.kind) {
    case 'text':
      // Persian digits on Persian pages, as the citizen typed them in either script (a shaba number, a plate).
      return html`${digits(String(v), lang)}`;
    case 'textarea':
      return html`${String(v).split('\n').map((line, i) => (i ? html`<br>${line}` : html`${line}`))}`;
    case 'number':
      return typeof v === 'number' ? html`${fmtNumber(v, lang)}${def.unit ? ` ${pick(def.unit, lang)}` : ''}` : html`${String(v)}`;
    case 'jalali-date':
      return html`${jalaliText(String(v), lang)}`;
    case 'choice':
      return html`${(def.options ?? []).find((x) => x.value === v)?.label[lang] ?? String(v)}`;
    case 'multi-choice':
      return html`${(v as string[]).map((x) => (def.options ?? []).find((opt) => opt.value === x)?.label[lang] ?? x).join(lang === 'fa' ? '، ' : ', ')}`;
    case 'yes-no':
      return html`${v === true ? s.yes : s.no}`;
    case 'national-code':
    case 'postal-code':
    case 'mobile':
      return ltr(String(v), lang);
    case 'address': {
      const a = v as Record<string, string>;
      const parts = ADDRESS_PARTS[def.address ?? 'postal'].filter((p) => p !== 'postalCode' && a[p]);
      const line = parts.map((p) => (p === 'plaque' || p === 'unit' ? `${s.addressParts[p]} ${digits(a[p]!, lang)}` : digits(a[p]!, lang))).join(lang === 'fa' ? '، ' : ', ');
      return html`${line}${line && a.postalCode ? html`<br>` : ''}${a.postalCode ? html`${s.postalCode}: ${ltr(a.postalCode, lang)}` : ''}`;
    }
    case 'file':
      return html`${o.fileName?.(String(v)) ?? s.fileAttached}`;
  }
}

/** The summary list of a form's answers, each with a "change" link to `changeHref(pageId)`. */
export function renderAnswersSummary(form: CompiledForm, answers: Answers, lang: Lang, changeHref: (pageId: string) => string, o: SummaryOptions = {}): SafeHtml {
  const shown = visibleAnswers(form, answers);
  const s = fs(lang);
  const pages = o.placeholder ? form.pages : visiblePages(form, shown);
  return html`<dl class="summary-list summary-list--actions">${pages.map((page) =>
    page.fields.map((name) => {
      const def = form.fields[name]!;
      const value = o.placeholder ?? answerHtml(def, shown[name], lang, o);
      return html`<div><dt>${pick(def.label, lang)}</dt><dd>${value ?? html`<span class="secondary">${s.notAnswered}</span>`}</dd><dd class="summary-list__action"><a href="${changeHref(page.id)}">${s.change}<span class="visually-hidden"> ${pick(def.label, lang)}</span></a></dd></div>`;
    }),
  )}</dl>`;
}
