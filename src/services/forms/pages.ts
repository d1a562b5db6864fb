import type { CompiledForm } from './compile.js';
import type { Answers, Condition, PageDefinition } from './model.js';

/**
 * The flow through a form's pages. A page with `when` is shown only while its condition holds; a
 * condition reads answers given on earlier pages that are themselves shown, so hiding a page also
 * hides whatever depended on it.
 */

const answered = (v: unknown) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);

export function evaluate(c: Condition, answers: Answers): boolean {
  if ('all' in c) return c.all.every((x) => evaluate(x, answers));
  if ('any' in c) return c.any.some((x) => evaluate(x, answers));
  if ('not' in c) return !evaluate(c.not, answers);
  const v = answers[c.field];
  if ('answered' in c) return answered(v) === c.answered;
  if (!answered(v)) return false;
  if ('equals' in c) return v === c.equals;
  if ('notEquals' in c) return v !== c.notEquals;
  if ('in' in c) return c.in.includes(v as string | number);
  return Array.isArray(v) && v.includes(c.includes);
}

/** The pages shown for these answers, in order. */
export function visiblePages(form: CompiledForm, answers: Answers): PageDefinition[] {
  const seen: Answers = {};
  const out: PageDefinition[] = [];
  for (const page of form.pages) {
    if (page.when && !evaluate(page.when, seen)) continue;
    out.push(page);
    for (const f of page.fields) if (f in answers) seen[f] = answers[f];
  }
  return out;
}

/** Only the answers to fields on shown pages: what a hidden page was told is dropped, not validated, not submitted. */
export function visibleAnswers(form: CompiledForm, answers: Answers): Answers {
  const out: Answers = {};
  for (const page of visiblePages(form, answers)) for (const f of page.fields) if (Object.hasOwn(answers, f)) out[f] = answers[f];
  return out;
}

export function findPage(form: CompiledForm, pageId: string): PageDefinition | undefined {
  return form.pages.find((p) => p.id === pageId);
}

/** The page after this one for these answers; null when this was the last (next comes "check your answers"). */
export function nextPage(form: CompiledForm, answers: Answers, currentId: string): PageDefinition | null {
  const i = form.pages.findIndex((p) => p.id === currentId);
  if (i < 0) return null;
  const shown = new Set(visiblePages(form, answers).map((p) => p.id));
  return form.pages.slice(i + 1).find((p) => shown.has(p.id)) ?? null;
}

/** The page before this one for these answers; null on the first page. */
export function previousPage(form: CompiledForm, answers: Answers, currentId: string): PageDefinition | null {
  const i = form.pages.findIndex((p) => p.id === currentId);
  if (i < 0) return null;
  const shown = new Set(visiblePages(form, answers).map((p) => p.id));
  return form.pages.slice(0, i).reverse().find((p) => shown.has(p.id)) ?? null;
}

export function firstPage(form: CompiledForm): PageDefinition {
  return visiblePages(form, {})[0] ?? form.pages[0]!;
}
