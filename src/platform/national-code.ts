import { toLatinDigits } from './text.js';

/**
 * Iranian identifiers as people type them: national codes (کد ملی), resident foreign nationals'
 * codes (کد فراگیر اتباع) and mobile numbers. Each parser takes what a person might write (Persian or
 * Arabic-Indic digits, spaces, dashes) and returns the one canonical form, or null.
 */

/** Persian/Arabic-Indic digits to Latin, spaces (any Unicode space) and dashes (ASCII and typographic) removed. */
function digitsOf(raw: string): string {
  return toLatinDigits(raw).replace(/[\s\u200c\u200e\u200f\-\u2010-\u2015\u2212]/g, '');
}

/** The check digit of a national code from its first nine digits (weights 10..2, mod 11). */
export function nationalCodeCheckDigit(first9: string): number {
  if (!/^\d{9}$/.test(first9)) throw new Error('nationalCodeCheckDigit needs exactly nine digits');
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(first9[i]) * (10 - i);
  const r = sum % 11;
  return r < 2 ? r : 11 - r;
}

/** A ten-digit national code with a valid check digit, or null. A code of one repeated digit passes the check but is never issued. */
export function parseNationalCode(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length > 40) return null;
  const s = digitsOf(raw);
  if (!/^\d{10}$/.test(s) || /^(\d)\1{9}$/.test(s)) return null;
  return nationalCodeCheckDigit(s.slice(0, 9)) === Number(s[9]) ? s : null;
}

/**
 * The twelve-digit code of a resident foreign national (کد فراگیر اتباع). We know of no published check
 * algorithm for it, so this accepts any twelve digits that are not all the same digit.
 */
export function parseForeignNationalCode(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length > 40) return null;
  const s = digitsOf(raw);
  return /^\d{12}$/.test(s) && !/^(\d)\1{11}$/.test(s) ? s : null;
}

/** Either kind of personal code: a citizen's national code or a resident foreign national's code. */
export function parsePersonCode(raw: string): { code: string; kind: 'citizen' | 'foreign' } | null {
  const citizen = parseNationalCode(raw);
  if (citizen) return { code: citizen, kind: 'citizen' };
  const foreign = parseForeignNationalCode(raw);
  return foreign ? { code: foreign, kind: 'foreign' } : null;
}

/**
 * An Iranian mobile number in its canonical form `09XXXXXXXXX`, from 09…, +989…, 00989…, 989… or the bare
 * ten digits 9…; Persian digits, spaces and dashes allowed. Anything else (letters, landlines) is null.
 */
export function parseMobile(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length > 40) return null;
  let s = digitsOf(raw);
  if (s.startsWith('+98')) s = s.slice(3);
  else if (s.startsWith('0098')) s = s.slice(4);
  else if (s.length === 12 && s.startsWith('98')) s = s.slice(2);
  else if (s.length === 11 && s.startsWith('0')) s = s.slice(1);
  return /^9\d{9}$/.test(s) ? `0${s}` : null;
}
