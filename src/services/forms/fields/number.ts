import { toLatinDigits } from '../../../platform/text.js';
import { fieldError } from '../messages.js';
import { one, type KindSpec } from './common.js';

/**
 * A number as people type it: Persian or Arabic-Indic digits, thousands separators (`,` `٬` `'`
 * and spaces), the Persian decimal separator `٫` or a point, a minus sign of any sort.
 */
export function parseNumber(raw: string): number | null {
  const s = toLatinDigits(raw)
    .replace(/[\s,\u066c\u060c'\u200c\u200e\u200f]/g, '')
    .replace(/\u066b/g, '.')
    .replace(/^[\u2212\u2012\u2013]/, '-');
  if (!/^[-+]?\d{1,15}(\.\d{1,10})?$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

export const number: KindSpec = {
  schemaTypes: ['number', 'integer'],
  inputs: (name) => [name],
  parse(name, def, body) {
    const raw = one(body, name).trim();
    if (!raw) return {};
    if (raw.length > 60) return { errors: [fieldError(name, def, 'not_a_number')] };
    const n = parseNumber(raw);
    return n === null ? { errors: [fieldError(name, def, 'not_a_number')] } : { value: n };
  },
};
