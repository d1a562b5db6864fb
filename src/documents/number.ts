import { randomInt } from 'node:crypto';
import { toLatinDigits } from '../platform/text.js';

/**
 * Document numbers: read out on the phone, typed from paper, printed under a QR code. Sixteen
 * random characters (78 bits: nobody finds a document by guessing) from an alphabet without the
 * characters people confuse (0/O, 1/I/L) nor U, then a check character (ISO 7064's hybrid system over
 * the same alphabet), which catches every single mistyped character and most swapped neighbours
 * before a lookup is made. Printed in groups: `K7QF-3M9X-ABCD-EFGH2`.
 */
export const NUMBER_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const M = NUMBER_ALPHABET.length; // 30
const BODY = 16;

/** ISO/IEC 7064 hybrid system MOD (M+1, M): the character that makes the whole number check. */
export function checkCharacter(body: string): string {
  let p = M;
  for (const c of body) {
    const v = NUMBER_ALPHABET.indexOf(c);
    if (v < 0) throw new Error(`not a document number character: ${c}`);
    let s = (p + v) % M;
    if (s === 0) s = M;
    p = (s * 2) % (M + 1);
  }
  return NUMBER_ALPHABET[(M + 1 - p) % M]!;
}

export function newDocumentNumber(): string {
  let body = '';
  for (let i = 0; i < BODY; i++) body += NUMBER_ALPHABET[randomInt(M)]!;
  return body + checkCharacter(body);
}

/** `K7QF3M9XABCDEFGH2` → `K7QF-3M9X-ABCD-EFGH2`. */
export const formatNumber = (id: string): string => `${id.slice(0, 4)}-${id.slice(4, 8)}-${id.slice(8, 12)}-${id.slice(12)}`;

/**
 * What a person typed, as a canonical number, or null: case, Persian or Arabic digits, spaces,
 * dashes of any kind and invisible marks are forgiven; a wrong check character is not.
 */
export function parseDocumentNumber(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 80) return null;
  const s = toLatinDigits(raw)
    .toUpperCase()
    .replace(/[\s\u00ad\u200b-\u200f\u202a-\u202e\u2066-\u2069\-_\u2010-\u2015\u2212.]/g, '');
  if (s.length !== BODY + 1 || ![...s].every((c) => NUMBER_ALPHABET.includes(c))) return null;
  return checkCharacter(s.slice(0, BODY)) === s[BODY] ? s : null;
}
