import { randomInt } from 'node:crypto';
import { toLatinDigits } from '../platform/text.js';

/**
 * The tracking code (کد رهگیری) of an application: twelve digits, shown as three groups of four
 * (`4821-0937-5562`). Digits only, because a citizen reads it out on the phone and types it on a
 * Persian keyboard, where letters would be ambiguous. The last digit is a Verhoeff check digit, which
 * catches every single wrong digit and every swap of two neighbours, so a mistyped code is told
 * apart from someone else's application before any lookup. Eleven random digits give 10^11 codes;
 * a clash is refused by the database's unique index and a new code drawn.
 */

// Verhoeff's tables: the dihedral group D5, the position permutation and the inverses.
const D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/** The Verhoeff check digit of a string of digits. */
export function verhoeffDigit(digits: string): number {
  let c = 0;
  const rev = [...digits].reverse();
  for (let i = 0; i < rev.length; i++) c = D[c]![P[(i + 1) % 8]![Number(rev[i])]!]!;
  return INV[c]!;
}

/** True when the last digit is the Verhoeff check digit of the others. */
export function verhoeffValid(digits: string): boolean {
  let c = 0;
  const rev = [...digits].reverse();
  for (let i = 0; i < rev.length; i++) c = D[c]![P[i % 8]![Number(rev[i])]!]!;
  return c === 0;
}

export const TRACKING_CODE_LENGTH = 12;

/** A new random tracking code, twelve digits without separators. */
export function newTrackingCode(): string {
  // The first digit is never 0, so the code never loses a digit in a spreadsheet.
  let body = String(randomInt(1, 10));
  for (let i = 1; i < TRACKING_CODE_LENGTH - 1; i++) body += String(randomInt(0, 10));
  return body + String(verhoeffDigit(body));
}

/** `482109375562` → `4821-0937-5562`, as printed on receipts and pages. */
export const formatTrackingCode = (code: string): string =>
  // Slices, not a replace with groups: this runs for every row of every list (26 per page of a queue).
  TWELVE_DIGITS.test(code) ? `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}` : code;
const TWELVE_DIGITS = /^\d{12}$/;

/**
 * A tracking code as a person typed it (Persian or Arabic digits, spaces, dashes) → its twelve digits,
 * or null when it cannot be one (wrong length or a failed check digit).
 */
export function parseTrackingCode(input: string): string | null {
  const digits = toLatinDigits(input).replace(/[\s\-‐‑–—_.\u200c]/g, '');
  if (!/^\d{12}$/.test(digits)) return null;
  return verhoeffValid(digits) ? digits : null;
}
