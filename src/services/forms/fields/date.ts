import { toLatinDigits } from '../../../platform/text.js';
import { formatJalali, parseJalali } from '../jalali.js';
import { fieldError } from '../messages.js';
import { one, type KindSpec } from './common.js';

/**
 * A Jalali date from three inputs (day, month, year), in Persian or Latin digits, stored as the
 * Jalali `YYYY-MM-DD` string (`1405-09-16`). A Gregorian year (1900–2100) gets a message of its own,
 * the commonest slip.
 */
const PARTS = ['day', 'month', 'year'] as const;

export const jalaliDate: KindSpec = {
  schemaTypes: ['string'],
  inputs: (name) => PARTS.map((p) => `${name}-${p}`),
  parse(name, def, body) {
    const raw = Object.fromEntries(PARTS.map((p) => [p, toLatinDigits(one(body, `${name}-${p}`)).replace(/\s/g, '')])) as Record<(typeof PARTS)[number], string>;
    const missing = PARTS.filter((p) => raw[p] === '');
    if (missing.length === 3) return {};
    if (missing.length) return { errors: [fieldError(name, def, 'date_incomplete', { missing }, missing[0])] };
    if (!/^\d{1,2}$/.test(raw.day) || !/^\d{1,2}$/.test(raw.month) || !/^\d{4}$/.test(raw.year)) return { errors: [fieldError(name, def, 'date_invalid', {}, !/^\d{1,2}$/.test(raw.day) ? 'day' : !/^\d{1,2}$/.test(raw.month) ? 'month' : 'year')] };
    const year = Number(raw.year);
    if (year >= 1900 && year <= 2100) return { errors: [fieldError(name, def, 'date_gregorian', {}, 'year')] };
    const value = formatJalali({ year, month: Number(raw.month), day: Number(raw.day) });
    const errors = jalaliDate.check!(name, def, value);
    return errors ? { errors } : { value };
  },
  check(name, def, value) {
    if (typeof value !== 'string' || !parseJalali(value)) return [fieldError(name, def, 'date_invalid')];
    if (def.min && value < def.min) return [fieldError(name, def, 'date_too_early', { date: def.min })];
    if (def.max && value > def.max) return [fieldError(name, def, 'date_too_late', { date: def.max })];
    return null;
  },
};
