import type { DefinitionError, FieldDefinition, JsonSchema } from '../model.js';
import { fieldError } from '../messages.js';
import { many, one, type KindSpec } from './common.js';

const values = (def: FieldDefinition) => (def.options ?? []).map((o) => o.value);
const sameSet = (a: unknown[], b: unknown[]) => a.length === b.length && a.every((x) => b.includes(x));

function enumMismatch(def: FieldDefinition, enumOf: unknown, path: string, defPath: string): DefinitionError[] {
  if (!Array.isArray(enumOf)) {
    return [{ path: `${path}/enum`, code: 'choice_enum_missing', message: { fa: 'پاسخ‌های این پرسش باید در طرح با enum فهرست شوند.', en: "A choice's answers must be listed in the schema's enum." } }];
  }
  if (!sameSet(enumOf, values(def))) {
    return [{
      path: `${path}/enum`,
      code: 'choice_enum_mismatch',
      message: {
        fa: `enum طرح باید همان مقدارهای گزینه‌ها (${defPath}/options) باشد: ${values(def).join('، ')}.`,
        en: `The schema's enum must hold exactly the options' values (${defPath}/options): ${values(def).join(', ')}.`,
      },
    }];
  }
  return [];
}

/** One answer from a list, as radios. */
export const choice: KindSpec = {
  schemaTypes: ['string'],
  inputs: (name) => [name],
  parse(name, def, body) {
    const v = one(body, name).trim();
    if (!v) return {};
    return values(def).includes(v) ? { value: v } : { errors: [fieldError(name, def, 'choice')] };
  },
  check: (name, def, v) => (typeof v === 'string' && values(def).includes(v) ? null : [fieldError(name, def, 'choice')]),
  checkSchema: (_name, def, prop, path, defPath) => enumMismatch(def, prop.enum, path, defPath),
};

/** Any number of answers from a list, as checkboxes; kept in the options' order, each once. */
export const multiChoice: KindSpec = {
  schemaTypes: ['array'],
  inputs: (name) => [name],
  parse(name, def, body) {
    const picked = many(body, name).map((s) => s.trim());
    if (picked.length === 0) return {};
    if (picked.length > values(def).length || picked.some((p) => !values(def).includes(p))) return { errors: [fieldError(name, def, 'choice')] };
    return { value: values(def).filter((v) => picked.includes(v)) };
  },
  check: (name, def, v) =>
    Array.isArray(v) && v.every((x) => typeof x === 'string' && values(def).includes(x)) && new Set(v).size === v.length ? null : [fieldError(name, def, 'choice')],
  checkSchema(_name, def, prop, path, defPath) {
    const items = prop.items as JsonSchema | undefined;
    const out = enumMismatch(def, items?.enum, `${path}/items`, defPath);
    if (prop.uniqueItems !== true) {
      out.push({ path: `${path}/uniqueItems`, code: 'multi_choice_unique', message: { fa: 'پاسخ چندگزینه‌ای باید uniqueItems: true داشته باشد.', en: 'A multi-choice answer needs uniqueItems: true.' } });
    }
    return out;
  },
};

/** Yes or no, as two radios; stored as a boolean. */
export const yesNo: KindSpec = {
  schemaTypes: ['boolean'],
  inputs: (name) => [name],
  parse(name, def, body) {
    const v = one(body, name).trim();
    if (!v) return {};
    if (v === 'yes') return { value: true };
    if (v === 'no') return { value: false };
    return { errors: [fieldError(name, def, 'choice')] };
  },
};
