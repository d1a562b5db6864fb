import { ADDRESS_PARTS, type Answers, type CompiledForm, type FieldDefinition, type FieldError, type PageDefinition } from '../../services/forms/index.js';
import { html, type SafeHtml } from '../html.js';
import { digits, pick, t, type Lang } from '../i18n.js';
import { fs } from './strings.js';

/**
 * A form page as HTML, after the GOV.UK Design System and this site's own forms (sign-in, console):
 * every problem at once in an error summary at the top whose links lead to the fields, each message
 * next to its field in the page's language, fields described by their hint and message, radios,
 * checkboxes and dates grouped in a fieldset with a legend. It works without JavaScript.
 *
 * A page that asks one thing uses the question as its heading (the label or legend holds the <h1>);
 * a page of several fields has the page's title as its heading.
 */

export interface RenderPageOptions {
  lang: Lang;
  /** Where the form posts. */
  action: string;
  csrfToken: string;
  /** The answers saved so far (the draft). */
  answers?: Answers;
  errors?: FieldError[];
  /** What was posted (ParsedPage.posted): shown back as typed when the page has errors. */
  posted?: Record<string, string | string[]>;
  /** More hidden inputs (the form's own token against double submission, the language). */
  hidden?: Record<string, string>;
  backHref?: string;
  /** The submit button's words; "Continue" by default. */
  buttonLabel?: string;
  /** What a file field shows for an attached file (its name), from the stored file's id. */
  fileName?: (id: string) => string | undefined;
  /**
   * The console's preview of a definition: the page exactly as asked, but with no form around it and
   * its button inert, so nothing can be posted (`action` and `csrfToken` are then not used).
   */
  preview?: boolean;
}

/** The id of a field's input (its first input when it has several); error links point here. */
export const inputId = (name: string, part?: string): string => (part ? `field-${name}-${part}` : `field-${name}`);

/** The first input of a field, or of the part a problem is about. */
function anchorOf(form: CompiledForm, e: FieldError): string {
  const def = form.fields[e.field];
  if (!def || !e.part) return inputId(e.field);
  const first = def.kind === 'jalali-date' ? 'day' : ADDRESS_PARTS[def.address ?? 'postal'][0];
  return e.part === first ? inputId(e.field) : inputId(e.field, e.part);
}

/** The page's <title>: its heading, and "Error:" in front while it has errors (GOV.UK's convention). */
export function pageTitle(form: CompiledForm, page: PageDefinition, lang: Lang, hasErrors = false): string {
  const only = page.fields.length === 1 && !page.intro ? form.fields[page.fields[0]!] : undefined;
  const title = pick(only ? only.label : page.title, lang);
  return hasErrors ? fs(lang).errorTitle(title) : title;
}

/** Every problem at once, each linking to its field; the heading is the site's shared one. */
export function errorSummary(form: CompiledForm, errors: FieldError[], lang: Lang): SafeHtml {
  if (errors.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title"><h2 id="error-summary-title">${t(lang).problem}</h2><ul>${errors.map((e) =>
    form.fields[e.field] ? html`<li><a href="#${anchorOf(form, e)}">${pick(e.message, lang)}</a></li>` : html`<li>${pick(e.message, lang)}</li>`,
  )}</ul></div>`;
}

interface Ctx {
  form: CompiledForm;
  lang: Lang;
  answers: Answers;
  posted?: Record<string, string | string[]>;
  errors: FieldError[];
  heading: boolean;
  fileName?: (id: string) => string | undefined;
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** An input's value: what was posted when the page is shown back, else the saved answer in the page's digits. */
function valueOf(c: Ctx, name: string, input: string, fromAnswer: () => string | undefined): string {
  if (c.posted) return first(c.posted[input]) ?? '';
  return fromAnswer() ?? '';
}

function errorOf(c: Ctx, name: string): FieldError | undefined {
  return c.errors.find((e) => e.field === name);
}

function messageHtml(c: Ctx, name: string, e: FieldError | undefined): SafeHtml {
  return e ? html`<p class="error-message" id="${inputId(name)}-error"><span class="visually-hidden">${t(c.lang).error}: </span>${pick(e.message, c.lang)}</p>` : html``;
}

function hintHtml(c: Ctx, name: string, def: FieldDefinition): SafeHtml {
  return def.hint ? html`<p class="hint" id="${inputId(name)}-hint">${pick(def.hint, c.lang)}</p>` : html``;
}

const describedBy = (name: string, def: FieldDefinition, e: FieldError | undefined) =>
  [def.hint ? `${inputId(name)}-hint` : '', e ? `${inputId(name)}-error` : ''].filter(Boolean).join(' ');

const attr = (name: string, value: string | undefined) => (value ? html` ${name}="${value}"` : html``);

/** A label, holding the page's <h1> when the field is the page's only question. */
function label(c: Ctx, name: string, def: FieldDefinition): SafeHtml {
  const l = html`<label for="${inputId(name)}">${pick(def.label, c.lang)}</label>`;
  return c.heading ? html`<h1 class="heading-label">${l}</h1>` : l;
}

function legend(c: Ctx, def: FieldDefinition): SafeHtml {
  return c.heading ? html`<legend class="legend--heading"><h1>${pick(def.label, c.lang)}</h1></legend>` : html`<legend>${pick(def.label, c.lang)}</legend>`;
}

const group = (e: FieldError | undefined, body: SafeHtml) => html`<div class="form-group${e ? ' form-group--error' : ''}">${body}</div>`;

interface InputAttrs {
  type: string;
  inputmode?: string;
  autocomplete?: string;
  dir?: string;
  cls?: string;
  maxlength?: number;
}

function textInput(c: Ctx, name: string, def: FieldDefinition, a: InputAttrs, fromAnswer: () => string | undefined, suffix?: SafeHtml): SafeHtml {
  const e = errorOf(c, name);
  const input = html`<input id="${inputId(name)}" name="${name}" type="${a.type}" value="${valueOf(c, name, name, fromAnswer)}"${attr('class', a.cls)}${attr('inputmode', a.inputmode)}${attr('autocomplete', a.autocomplete)}${attr('dir', a.dir)}${attr('maxlength', a.maxlength ? String(a.maxlength) : undefined)}${attr('aria-describedby', describedBy(name, def, e))}${e ? html` aria-invalid="true"` : ''}>`;
  return group(e, html`${label(c, name, def)}${hintHtml(c, name, def)}${messageHtml(c, name, e)}${suffix ? html`<div class="input-unit">${input}${suffix}</div>` : input}`);
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function field(c: Ctx, name: string): SafeHtml {
  const def = c.form.fields[name]!;
  const v = c.answers[name];
  const e = errorOf(c, name);
  const L = c.lang;
  switch (def.kind) {
    case 'text':
      // No maxlength: a browser would cut the text silently; the schema's maxLength gives a message instead.
      return textInput(c, name, def, { type: 'text', autocomplete: def.autocomplete }, () => str(v));
    case 'textarea': {
      const value = c.posted ? (first(c.posted[name]) ?? '') : (str(v) ?? '');
      return group(e, html`${label(c, name, def)}${hintHtml(c, name, def)}${messageHtml(c, name, e)}<textarea id="${inputId(name)}" name="${name}" rows="5"${attr('aria-describedby', describedBy(name, def, e))}${e ? html` aria-invalid="true"` : ''}>${value}</textarea>`);
    }
    case 'number': {
      const integer = c.form.definition.schema.properties && (c.form.definition.schema.properties as Record<string, { type?: string }>)[name]?.type === 'integer';
      return textInput(c, name, def, { type: 'text', inputmode: integer ? 'numeric' : 'decimal', cls: 'input--short', maxlength: 30 }, () => (typeof v === 'number' ? digits(String(v), L) : undefined), def.unit ? html`<span class="input-unit__suffix">${pick(def.unit, L)}</span>` : undefined);
    }
    case 'national-code':
      return textInput(c, name, def, { type: 'text', inputmode: 'numeric', autocomplete: def.autocomplete ?? 'off', dir: 'ltr', cls: 'input--short', maxlength: 20 }, () => (str(v) ? digits(str(v)!, L) : undefined));
    case 'postal-code':
      return textInput(c, name, def, { type: 'text', inputmode: 'numeric', autocomplete: def.autocomplete ?? 'postal-code', dir: 'ltr', cls: 'input--short', maxlength: 20 }, () => (str(v) ? digits(str(v)!, L) : undefined));
    case 'mobile':
      return textInput(c, name, def, { type: 'tel', inputmode: 'tel', autocomplete: def.autocomplete ?? 'tel', dir: 'ltr', cls: 'input--short', maxlength: 20 }, () => (str(v) ? digits(str(v)!, L) : undefined));
    case 'jalali-date':
      return dateField(c, name, def);
    case 'choice':
    case 'yes-no':
    case 'multi-choice':
      return choiceField(c, name, def);
    case 'address':
      return addressField(c, name, def);
    case 'file':
      return fileField(c, name, def);
  }
}

function dateField(c: Ctx, name: string, def: FieldDefinition): SafeHtml {
  const e = errorOf(c, name);
  const stored = str(c.answers[name])?.split('-');
  const parts = [['day', 2, 2], ['month', 1, 2], ['year', 0, 4]] as const;
  const s = fs(c.lang);
  return group(e, html`<fieldset role="group"${attr('aria-describedby', describedBy(name, def, e))}>${legend(c, def)}${hintHtml(c, name, def)}${messageHtml(c, name, e)}<div class="date-input">${parts.map(([part, i, width]) => {
    const id = part === 'day' ? inputId(name) : inputId(name, part);
    const input = `${name}-${part}`;
    const invalid = e && (!e.part || e.part === part);
    const value = valueOf(c, name, input, () => (stored?.[i] ? digits(String(Number(stored[i])), c.lang) : undefined));
    return html`<div class="date-input__item"><label for="${id}">${s[part]}</label><input id="${id}" name="${input}" type="text" inputmode="numeric" class="date-input__${width === 4 ? 'year' : 'short'}" maxlength="${String(width + 2)}" value="${value}"${invalid ? html` aria-invalid="true"` : ''}></div>`;
  })}</div></fieldset>`);
}

function choiceField(c: Ctx, name: string, def: FieldDefinition): SafeHtml {
  const e = errorOf(c, name);
  const v = c.answers[name];
  const s = fs(c.lang);
  const multi = def.kind === 'multi-choice';
  const options = def.kind === 'yes-no' ? [{ value: 'yes', label: { fa: s.yes, en: s.yes } }, { value: 'no', label: { fa: s.no, en: s.no } }] : (def.options ?? []);
  const postedValues = c.posted ? [c.posted[name] ?? []].flat() : undefined;
  const checked = (value: string) =>
    postedValues ? postedValues.includes(value) : def.kind === 'yes-no' ? (v === true && value === 'yes') || (v === false && value === 'no') : multi ? Array.isArray(v) && v.includes(value) : v === value;
  return group(e, html`<fieldset${attr('aria-describedby', describedBy(name, def, e))}>${legend(c, def)}${hintHtml(c, name, def)}${messageHtml(c, name, e)}<div class="${def.kind === 'yes-no' ? 'choices choices--inline' : 'choices'}">${options.map((o, i) => {
    const id = i === 0 ? inputId(name) : inputId(name, String(i + 1));
    const hint = 'hint' in o && o.hint ? o.hint : undefined;
    return html`<div class="choice"><input id="${id}" name="${name}" type="${multi ? 'checkbox' : 'radio'}" value="${o.value}"${checked(o.value) ? html` checked` : ''}${hint ? html` aria-describedby="${id}-hint"` : ''}${multi && e ? html` aria-invalid="true"` : ''}><label for="${id}">${pick(o.label, c.lang)}</label>${hint ? html`<p class="hint" id="${id}-hint">${pick(hint, c.lang)}</p>` : ''}</div>`;
  })}</div></fieldset>`);
}

const AUTOCOMPLETE: Record<string, string> = { province: 'address-level1', city: 'address-level2', street: 'address-line1', alley: 'address-line2', plaque: 'address-line3', postalCode: 'postal-code' };

function addressField(c: Ctx, name: string, def: FieldDefinition): SafeHtml {
  const e = errorOf(c, name);
  const v = (typeof c.answers[name] === 'object' && c.answers[name] !== null ? c.answers[name] : {}) as Record<string, string>;
  const s = fs(c.lang);
  const parts = ADDRESS_PARTS[def.address ?? 'postal'];
  const partErrors = c.errors.filter((x) => x.field === name);
  return group(e, html`<fieldset${attr('aria-describedby', describedBy(name, def, e))}>${legend(c, def)}${hintHtml(c, name, def)}${partErrors.map((pe) => html`<p class="error-message"${pe === e ? html` id="${inputId(name)}-error"` : ''}><span class="visually-hidden">${t(c.lang).error}: </span>${pick(pe.message, c.lang)}</p>`)}${parts.map((part, i) => {
    const id = i === 0 ? inputId(name) : inputId(name, part);
    const input = `${name}-${part}`;
    const invalid = partErrors.some((pe) => !pe.part || pe.part === part);
    const code = part === 'postalCode';
    const value = valueOf(c, name, input, () => (v[part] ? (code ? digits(v[part]!, c.lang) : v[part]) : undefined));
    return html`<div class="form-group"><label for="${id}">${s.addressParts[part]}</label><input id="${id}" name="${input}" type="text" value="${value}" maxlength="${code ? '20' : '300'}"${code ? html` inputmode="numeric" dir="ltr" class="input--short"` : ''}${attr('autocomplete', AUTOCOMPLETE[part])}${invalid ? html` aria-invalid="true"` : ''}></div>`;
  })}</fieldset>`);
}

function fileField(c: Ctx, name: string, def: FieldDefinition): SafeHtml {
  const e = errorOf(c, name);
  const current = str(c.answers[name]);
  const s = fs(c.lang);
  const shown = current ? (c.fileName?.(current) ?? s.fileAttached) : undefined;
  return group(e, html`${label(c, name, def)}${hintHtml(c, name, def)}${messageHtml(c, name, e)}${current ? html`<p class="file-current" id="${inputId(name)}-current"><span>${shown}</span> <span class="secondary">${s.fileReplace}</span></p><input type="hidden" name="${name}-current" value="${current}">` : ''}<input id="${inputId(name)}" name="${name}" type="file"${attr('accept', def.accept?.join(','))}${attr('aria-describedby', [describedBy(name, def, e), current ? `${inputId(name)}-current` : ''].filter(Boolean).join(' '))}${e ? html` aria-invalid="true"` : ''}>`);
}

/**
 * The body of a form page (to go inside layout.ts `page()`): back link, error summary, heading, the
 * page's fields and its button. Pages with a file field post multipart/form-data.
 */
export function renderPage(form: CompiledForm, page: PageDefinition, o: RenderPageOptions): SafeHtml {
  const errors = o.errors ?? [];
  const heading = page.fields.length === 1 && !page.intro;
  const c: Ctx = { form, lang: o.lang, answers: o.answers ?? {}, posted: errors.length ? o.posted : undefined, errors, heading, fileName: o.fileName };
  const multipart = page.fields.some((f) => form.fields[f]?.kind === 'file');
  const s = fs(o.lang);
  const top = html`${o.backHref ? html`<a class="back-link" href="${o.backHref}">${s.back}</a>` : ''}${errorSummary(form, errors, o.lang)}${heading ? '' : html`<h1>${pick(page.title, o.lang)}</h1>`}${page.intro ? html`<p>${pick(page.intro, o.lang)}</p>` : ''}`;
  if (o.preview) return html`${top}
<div class="form-preview">${page.fields.map((f) => field(c, f))}
<button class="button" type="button" disabled>${o.buttonLabel ?? s.continue}</button></div>`;
  return html`${top}
<form method="post" action="${o.action}" novalidate${multipart ? html` enctype="multipart/form-data"` : ''}><input type="hidden" name="_csrf" value="${o.csrfToken}">${Object.entries(o.hidden ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
${page.fields.map((f) => field(c, f))}
<button class="button" type="submit">${o.buttonLabel ?? s.continue}</button>
</form>`;
}
