import { checkDefinition, compileForm, validateAnswers, visibleAnswers, type CompiledForm, type FieldDefinition } from './forms/index.js';
import type { FormEngine } from './ports.js';

/**
 * The forms engine as applications use it, with compiled forms kept per definition: compiling
 * generates code (ajv), a few milliseconds that a submission should not pay each time. Definitions
 * are keyed by their JSON, so a new approved version compiles once and an old one stays usable for
 * the applications made under it.
 */
export class CompiledForms implements FormEngine {
  private readonly cache = new Map<string, CompiledForm>();

  constructor(private readonly max = 500) {}

  compiled(form: unknown): CompiledForm {
    const key = JSON.stringify(form);
    let c = this.cache.get(key);
    if (c) {
      // Most recently used last, so the oldest is the first to go.
      this.cache.delete(key);
      this.cache.set(key, c);
      return c;
    }
    c = compileForm(form);
    this.cache.set(key, c);
    if (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value!);
    return c;
  }

  check(form: unknown): Array<{ path: string; reason: string }> {
    return checkDefinition(form).map((e) => ({ path: e.path, reason: e.message.en }));
  }

  fields(form: unknown): string[] {
    return Object.keys(this.compiled(form).fields);
  }

  fileFields(form: unknown): Record<string, FieldDefinition> {
    return Object.fromEntries(Object.entries(this.compiled(form).fields).filter(([, def]) => def.kind === 'file'));
  }

  validate(form: unknown, answers: Record<string, unknown>) {
    const c = this.compiled(form);
    const errors = validateAnswers(c, answers);
    // Answers on pages a condition hides are not the application's: they are dropped, not kept unseen.
    return { answers: errors.length ? answers : visibleAnswers(c, answers), errors: errors.map((e) => ({ field: e.field, code: e.code, message: e.message })) };
  }
}
