import { normalizeText } from '../../../platform/text.js';
import { ADDRESS_PARTS, type DefinitionError, type FieldError } from '../model.js';
import { fieldError } from '../messages.js';
import { parsePostalCode } from './codes.js';
import { MAX_INPUT, one, type KindSpec } from './common.js';

/**
 * An address, stored as an object of strings. "postal" (the default) asks the postal code and a line
 * for the rest (floor, unit), since the postal code already names the building and the lead's
 * prefill can look the address up from it; "structured" asks province, city, street, alley,
 * building number, unit and postal code. Which parts are required is the schema's `required`.
 */
const partsOf = (mode: 'postal' | 'structured' | undefined) => ADDRESS_PARTS[mode ?? 'postal'];

export const address: KindSpec = {
  schemaTypes: ['object'],
  inputs: (name, def) => partsOf(def.address).map((p) => `${name}-${p}`),
  parse(name, def, body) {
    const value: Record<string, string> = {};
    const errors: FieldError[] = [];
    for (const part of partsOf(def.address)) {
      const raw = one(body, `${name}-${part}`);
      if (raw.length > MAX_INPUT) {
        errors.push(fieldError(name, def, 'too_long', { limit: MAX_INPUT }, part));
        continue;
      }
      const v = normalizeText(raw).replace(/\s+/g, ' ').trim();
      if (!v) continue;
      if (part === 'postalCode') {
        const pc = parsePostalCode(v);
        if (pc) value[part] = pc;
        else errors.push(fieldError(name, def, 'postal_code', {}, part));
      } else value[part] = v;
    }
    if (errors.length) return { errors };
    return Object.keys(value).length ? { value } : {};
  },
  check(name, def, v) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return [fieldError(name, def, 'invalid')];
    const pc = (v as Record<string, unknown>).postalCode;
    if (pc !== undefined && (typeof pc !== 'string' || parsePostalCode(pc) !== pc)) return [fieldError(name, def, 'postal_code', {}, 'postalCode')];
    return null;
  },
  checkSchema(_name, def, prop, path) {
    const allowed: readonly string[] = partsOf(def.address);
    const props = (prop.properties ?? {}) as Record<string, unknown>;
    const out: DefinitionError[] = [];
    for (const k of Object.keys(props)) {
      if (!allowed.includes(k)) {
        out.push({
          path: `${path}/properties/${k}`,
          code: 'address_part_unknown',
          message: { fa: `این نشانی بخش «${k}» ندارد؛ بخش‌ها: ${allowed.join('، ')}.`, en: `This address has no part "${k}"; its parts are ${allowed.join(', ')}.` },
        });
      }
    }
    if (prop.additionalProperties !== false) {
      out.push({ path: `${path}/additionalProperties`, code: 'address_closed', message: { fa: 'طرح نشانی باید additionalProperties: false داشته باشد.', en: 'An address schema needs additionalProperties: false.' } });
    }
    return out;
  },
};
