import { notFound } from '../../platform/errors.js';
import type { CompiledForm } from './compile.js';
import { KINDS, type PostBody } from './fields/index.js';
import type { Answers, FieldError } from './model.js';
import { findPage } from './pages.js';
import { validateAnswers } from './validate.js';

export interface ParsedPage {
  /** The page's answers in their stored form; a field left empty is absent (see `cleared`). */
  answers: Answers;
  /** Every problem on the page at once: what could not be read, then what breaks the schema. */
  errors: FieldError[];
  /** The page's fields that were left empty, to be removed from the draft. */
  cleared: string[];
  /** What was posted for each of the page's inputs, to show it back when the page has errors. */
  posted: Record<string, string | string[]>;
}

/**
 * Reads a page's urlencoded POST into answers and checks them: each field by its kind (Persian and
 * Arabic digits and letters normalised, codes and dates in their canonical form), then the page's
 * fields against the schema, with `draft` (the answers so far) as the context of conditions and of
 * rules across fields. Inputs that are not the page's own (`_csrf`, buttons) are ignored. Save the
 * answers only when `errors` is empty; `mergePage` does it.
 */
export function parsePage(form: CompiledForm, pageId: string, body: PostBody, draft: Answers = {}): ParsedPage {
  const page = findPage(form, pageId);
  if (!page) throw notFound({ fa: 'صفحه فرم', en: 'The form page' });
  const answers: Answers = {};
  const errors: FieldError[] = [];
  const cleared: string[] = [];
  const posted: Record<string, string | string[]> = {};
  const unreadable = new Set<string>();
  for (const name of page.fields) {
    const def = form.fields[name]!;
    const spec = KINDS[def.kind];
    for (const input of spec.inputs(name, def)) {
      const v = body[input];
      if (v !== undefined) posted[input] = Array.isArray(v) ? v.map((x) => String(x).slice(0, 10_000)) : String(v).slice(0, 10_000);
    }
    const r = spec.parse(name, def, body);
    if (r.errors?.length) {
      errors.push(...r.errors);
      unreadable.add(name);
    } else if (r.value === undefined) cleared.push(name);
    else answers[name] = r.value;
  }
  const merged = mergePage(form, draft, pageId, answers);
  const schemaErrors = validateAnswers(form, merged, { onlyPages: [pageId], assumeShown: [pageId] }).filter((e) => !unreadable.has(e.field) && e.code !== 'unknown_field');
  const all = [...errors, ...schemaErrors];
  all.sort((a, b) => page.fields.indexOf(a.field) - page.fields.indexOf(b.field));
  return { answers, errors: all, cleared, posted };
}

/** The draft with this page's answers replaced by `answers` (its fields left empty removed). */
export function mergePage(form: CompiledForm, draft: Answers, pageId: string, answers: Answers): Answers {
  const page = findPage(form, pageId);
  const out: Answers = {};
  for (const [k, v] of Object.entries(draft)) if (!page?.fields.includes(k)) out[k] = v;
  return { ...out, ...answers };
}
