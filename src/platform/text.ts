/**
 * Persian text normalisation. Two levels:
 *  - `normalizeText` canonicalises stored text (Arabic yeh/kaf → Persian, stray controls removed),
 *    so what is saved is what a Persian reader expects;
 *  - `searchKey` folds everything a searcher should not have to get right (digits, diacritics,
 *    alef and heh variants, case) and is used on both the indexed text and the query.
 */

const ZWNJ = '\u200c';
const ARABIC_TO_PERSIAN: Record<string, string> = {
  '\u064a': '\u06cc', // ي → ی
  '\u0649': '\u06cc', // ى → ی
  '\u0643': '\u06a9', // ك → ک
};
const SEARCH_FOLD: Record<string, string> = {
  '\u0622': '\u0627', // آ → ا
  '\u0623': '\u0627', // أ → ا
  '\u0625': '\u0627', // إ → ا
  '\u0671': '\u0627', // ٱ → ا
  '\u0629': '\u0647', // ة → ه
  '\u06c0': '\u0647', // ۀ → ه
  '\u06d5': '\u0647', // ە (what ۀ leaves after NFKD drops its hamza) → ه
  '\u0624': '\u0648', // ؤ → و
  '\u0626': '\u06cc', // ئ → ی
};

/** Persian (U+06F0…) and Arabic-Indic (U+0660…) digits to ASCII digits. */
export function toLatinDigits(s: string): string {
  return s.replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0)).replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660));
}

export function toPersianDigits(s: string): string {
  return s.replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
}

/** Canonical form for stored text: NFC, Persian letters, no bidi or other invisible controls except ZWNJ. */
export function normalizeText(s: string): string {
  return s
    .normalize('NFC')
    .replace(/[\u064a\u0649\u0643]/g, (c) => ARABIC_TO_PERSIAN[c]!)
    // zero-width joiner/space, bidi overrides and isolates, BOM; ZWNJ (U+200C) is real orthography and stays
    .replace(/[\u200b\u200d-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/\u200c{2,}/g, ZWNJ);
}

/** The comparison form used for search: case, digits, diacritics and letter variants folded. */
export function searchKey(s: string): string {
  return toLatinDigits(normalizeText(s.normalize('NFKC')))
    .toLowerCase()
    .normalize('NFKD')
    // Latin combining marks, Arabic harakat, superscript alef, tatweel
    .replace(/[\u0300-\u036f\u064b-\u065f\u0670\u0640]/g, '')
    .normalize('NFC')
    .replace(/[\u0622\u0623\u0625\u0671\u0629\u06c0\u06d5\u0624\u0626]/g, (c) => SEARCH_FOLD[c]!);
}

/**
 * Splits text into search terms. A word written with ZWNJ yields the joined word and its parts, so
 * «گواهی‌نامه», «گواهینامه» and «گواهی نامه» meet; with `joinNeighbours` every pair of adjacent words is
 * also emitted joined, which lets a query or document that writes a compound apart find the other.
 */
export function searchTerms(text: string, joinNeighbours = false): string[] {
  const words = searchKey(text).split(/[^\p{L}\p{N}\u200c]+/u).filter(Boolean);
  const out: string[] = [];
  const plain: string[] = [];
  for (const word of words) {
    const parts = word.split(ZWNJ).filter(Boolean);
    if (parts.length === 0) continue;
    const joined = parts.join('');
    out.push(joined);
    if (parts.length > 1) out.push(...parts);
    plain.push(...parts);
  }
  if (joinNeighbours) {
    for (let i = 0; i + 1 < plain.length; i++) out.push(plain[i]! + plain[i + 1]!);
  }
  return out;
}
