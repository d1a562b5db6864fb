import type { ErrorObject } from 'ajv';
import type { CompiledForm } from './compile.js';
import { KINDS } from './fields/index.js';
import { fieldError } from './messages.js';
import type { Answers, ErrorCode, FieldError, PageDefinition } from './model.js';
import { visiblePages } from './pages.js';

export interface ValidateOptions {
  /** Report problems of these pages' fields only (a page being posted); unknown answers are reported always. */
  onlyPages?: string[];
  /** Treat these pages as shown whatever their conditions say (the page a person is on). */
  assumeShown?: string[];
}

/** The field, and the part within it, that an ajv error is about. */
function locate(e: ErrorObject): { field: string; part?: string } | null {
  const segs = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') segs.push(String((e.params as { missingProperty: string }).missingProperty));
  if (segs.length === 0) return null;
  const [field, sub] = segs;
  // An address's part is named; a multi-choice item's index is not a part.
  return sub !== undefined && !/^\d+$/.test(sub) ? { field: field!, part: sub } : { field: field! };
}

function codeOf(e: ErrorObject, kind: string | undefined): { code: ErrorCode; limit?: number; exclusive?: boolean } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { code: 'required' };
    case 'type':
      if (kind === 'number') return { code: p.type === 'integer' ? 'not_whole' : 'not_a_number' };
      return { code: kind === 'choice' || kind === 'multi-choice' || kind === 'yes-no' ? 'choice' : 'invalid' };
    case 'minLength':
      return { code: 'too_short', limit: Number(p.limit) };
    case 'maxLength':
      return { code: 'too_long', limit: Number(p.limit) };
    case 'minimum':
    case 'exclusiveMinimum':
      return { code: 'too_small', limit: Number(p.limit), exclusive: e.keyword === 'exclusiveMinimum' };
    case 'maximum':
    case 'exclusiveMaximum':
      return { code: 'too_large', limit: Number(p.limit), exclusive: e.keyword === 'exclusiveMaximum' };
    case 'multipleOf':
      return { code: p.multipleOf === 1 ? 'not_whole' : 'invalid' };
    case 'enum':
    case 'const':
      return { code: kind === 'choice' || kind === 'multi-choice' || kind === 'yes-no' ? 'choice' : 'invalid' };
    case 'minItems':
      return { code: Number(p.limit) <= 1 ? 'required' : 'too_few', limit: Number(p.limit) };
    case 'maxItems':
      return { code: 'too_many', limit: Number(p.limit) };
    case 'pattern':
    case 'format':
      return { code: 'pattern' };
    default:
      return { code: 'invalid' };
  }
}

/**
 * Every problem with a set of answers at once, each with a message in Persian and English, in the
 * order the pages ask the fields. Answers to fields that the form does not ask are refused
 * (`unknown_field`); answers on pages hidden by a condition are dropped before anything is checked,
 * and a hidden page's required fields are not asked for. Answers that pass the schema then go
 * through their kind's own checks (a national code's check digit, a real Jalali date …), so answers
 * from the API meet the same rules as answers from pages.
 */
export function validateAnswers(form: CompiledForm, answers: unknown, options: ValidateOptions = {}): FieldError[] {
  const errors: FieldError[] = [];
  const input: Answers = typeof answers === 'object' && answers !== null && !Array.isArray(answers) ? (answers as Answers) : {};
  if (input !== answers) errors.push(fieldError('', undefined, 'invalid'));
  for (const key of Object.keys(input)) if (!Object.hasOwn(form.fields, key)) errors.push(fieldError(key, undefined, 'unknown_field', { name: key }));

  const assumed = new Set(options.assumeShown ?? []);
  const shownIds = new Set(visiblePages(form, input).map((p) => p.id));
  for (const id of assumed) shownIds.add(id);
  const scope = options.onlyPages ? new Set(options.onlyPages) : shownIds;
  const checked: Answers = {};
  for (const page of form.pages) {
    if (!shownIds.has(page.id)) continue;
    for (const f of page.fields) if (Object.hasOwn(input, f)) checked[f] = input[f];
  }
  const inScope = (field: string) => {
    const page = form.pageOf.get(field);
    return page !== undefined && shownIds.has(page) && scope.has(page);
  };

  const seen = new Set<string>();
  const byField: FieldError[] = [];
  const add = (e: FieldError) => {
    const key = `${e.field}|${e.part ?? ''}`;
    if (seen.has(key) || seen.has(`${e.field}|`)) return;
    seen.add(key);
    byField.push(e);
  };
  if (!form.validator(checked)) {
    for (const e of form.validator.errors ?? []) {
      const at = locate(e);
      if (!at || !inScope(at.field)) continue;
      const def = form.fields[at.field];
      const { code, ...params } = codeOf(e, def?.kind);
      add(fieldError(at.field, def, code, params, at.part));
    }
  }
  for (const [name, value] of Object.entries(checked)) {
    if (!inScope(name) || seen.has(`${name}|`)) continue;
    const def = form.fields[name]!;
    for (const e of KINDS[def.kind].check?.(name, def, value) ?? []) add(e);
  }
  // In the order the form asks: the error summary then reads top to bottom like the page.
  const order = [...form.pageOf.keys()];
  byField.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
  return [...errors, ...byField];
}

/**
 * Where a person should pick up a draft: the first shown page with a problem (a required answer
 * missing, an answer that no longer passes), or null when the answers are ready for "check your answers".
 */
export function firstPageWithProblems(form: CompiledForm, answers: Answers): PageDefinition | null {
  const errors = validateAnswers(form, answers);
  const pages = new Set(errors.map((e) => form.pageOf.get(e.field)).filter((p): p is string => p !== undefined));
  return visiblePages(form, answers).find((p) => pages.has(p.id)) ?? null;
}
