import { PLATE_LETTERS, parsePlateId, plateFromParts, type Plate } from '../../agencies/index.js';
import { normalizeText, toLatinDigits } from '../../platform/text.js';

/**
 * What citizens type into the inquiry forms, read the way they write it: Persian or Arabic-Indic
 * digits, spaces, dashes of any kind, Arabic letter forms. Each parser returns the one canonical
 * form the agency's service takes, or null.
 */

const SEPARATORS = /[\s\u200c-\u200f\u202a-\u202e\u2066-\u2069\-_|/\\\u2010-\u2015\u2212]/g;
const MAX_INPUT = 60;

/** A ten-digit postal code (`1434843181`); `14348-43181` and Persian digits accepted. */
export function parsePostalCode(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > MAX_INPUT) return null;
  const s = toLatinDigits(raw).replace(SEPARATORS, '');
  return /^\d{10}$/.test(s) ? s : null;
}

/**
 * A private car's plate, as written on it (`۱۲ ب ۳۴۵ ایران ۶۷`, `12ب345-67`) or in its URL form
 * (`12-B-345-67`): two digits, a letter, three digits, the two-digit region.
 */
export function parsePlate(raw: unknown): Plate | null {
  if (typeof raw !== 'string' || raw.length > MAX_INPUT) return null;
  const s = toLatinDigits(normalizeText(raw)).replace(/ایران|iran/gi, '').replace(SEPARATORS, '');
  const m = /^(\d{2})(\D{1,4})(\d{3})(\d{2})$/.exec(s);
  if (!m) return null;
  const [, first, letter, second, region] = m as unknown as [string, string, string, string, string];
  // «الف» is often typed as its first letter alone.
  const persian = letter === 'ا' ? 'الف' : letter;
  if (PLATE_LETTERS[persian]) return plateFromParts(first, persian, second, region);
  return /^[A-Za-z]{1,4}$/.test(letter) ? parsePlateId(`${first}-${letter.toUpperCase()}-${second}-${region}`) : null;
}

/** A Ministry of Science certificate number `1391-004512` (the Solar Hijri year, six digits); `1391004512` accepted. */
export function parseCertificateNumber(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > MAX_INPUT) return null;
  const s = toLatinDigits(raw).replace(SEPARATORS, '');
  const m = /^(1[34]\d{2})(\d{6})$/.exec(s);
  return m ? `${m[1]}-${m[2]}` : null;
}
