import { parseMobile, parseNationalCode } from '../../../platform/national-code.js';
import { toLatinDigits } from '../../../platform/text.js';
import { fieldError } from '../messages.js';
import { one, type KindSpec } from './common.js';

/**
 * Iran's codes as people type them (Persian digits, spaces, dashes; +98 or 0098 before a mobile),
 * each stored in its one canonical form.
 */

/**
 * A postal code: ten digits, spaces and dashes allowed in between. Iran Post publishes no check
 * digit; a code never starts with 0 and is not one digit repeated, which catches the usual slips.
 */
export function parsePostalCode(raw: string): string | null {
  if (raw.length > 40) return null;
  const s = toLatinDigits(raw).replace(/[\s\u200c\u200e\u200f\-\u2010-\u2015\u2212]/g, '');
  return /^[1-9]\d{9}$/.test(s) && !/^(\d)\1{9}$/.test(s) ? s : null;
}

function code(kind: 'national_code' | 'postal_code' | 'mobile', parser: (raw: string) => string | null): KindSpec {
  return {
    schemaTypes: ['string'],
    inputs: (name) => [name],
    parse(name, def, body) {
      const raw = one(body, name).trim();
      if (!raw) return {};
      const v = parser(raw);
      return v ? { value: v } : { errors: [fieldError(name, def, kind)] };
    },
    check: (name, def, v) => (typeof v === 'string' && parser(v) === v ? null : [fieldError(name, def, kind)]),
  };
}

export const nationalCode = code('national_code', parseNationalCode);
export const postalCode = code('postal_code', parsePostalCode);
export const mobile = code('mobile', parseMobile);
