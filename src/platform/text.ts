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

/** Persian (U+06F0…) and Arabic-Indic (U+0660…) digits to ASCII digits. */
export function toLatinDigits(s: string): string {
  return s.replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0)).replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660));
}

const PERSIAN_DIGITS = ['۰', '۱', '۲', '۳', '۴', '۵', '۶', '۷', '۸', '۹'];
const LATIN_DIGIT = /[0-9]/;
export function toPersianDigits(s: string): string {
  // Pages call this for every code, count and date they show: most hold no Latin digit at all.
  return LATIN_DIGIT.test(s) ? s.replace(/[0-9]/g, (d) => PERSIAN_DIGITS[d.charCodeAt(0) - 48]!) : s;
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

/**
 * What search folds, character by character: Persian and Arabic-Indic digits to Latin, Arabic letter
 * forms to Persian, alef, heh, waw and yeh variants to their plain letter, harakat and tatweel and
 * invisible controls away, Latin capitals to small.
 */
const SEARCH_FOLD: Record<string, string> = {
  ...ARABIC_TO_PERSIAN,
  '\u0622': '\u0627', // آ → ا
  '\u0623': '\u0627', // أ → ا
  '\u0625': '\u0627', // إ → ا
  '\u0671': '\u0627', // ٱ → ا
  '\u0629': '\u0647', // ة → ه
  '\u06c0': '\u0647', // ۀ → ه
  '\u06d5': '\u0647', // ە (what ۀ leaves once its hamza is dropped) → ه
  '\u06c2': '\u06c1', // ۂ → ہ
  '\u06d3': '\u06d2', // ۓ → ے
  '\u0624': '\u0648', // ؤ → و
  '\u0626': '\u06cc', // ئ → ی
};
for (let d = 0; d <= 9; d++) {
  SEARCH_FOLD[String.fromCharCode(0x06f0 + d)] = String(d);
  SEARCH_FOLD[String.fromCharCode(0x0660 + d)] = String(d);
}
for (let c = 0x41; c <= 0x5a; c++) SEARCH_FOLD[String.fromCharCode(c)] = String.fromCharCode(c + 32);
const FOLDABLE = /[A-Z\u0622-\u0626\u0629\u0643\u0649\u064a\u0660-\u0669\u0671\u06c0\u06c2\u06d3\u06d5\u06f0-\u06f9]/g;
/** Harakat, superscript alef, high hamza, tatweel, and (after NFKD) Latin accents; all dropped. */
const MARKS = /[\u0300-\u036f\u064b-\u065f\u0670\u0674\u0640]/g;
const INVISIBLE = /[\u200b\u200d-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
/**
 * Text made only of ASCII and the Arabic block's own letters needs no Unicode normalisation: the
 * tables above do all of it. Anything else (accented Latin, presentation forms, ٵ…) takes the full path.
 */
const NEEDS_UNICODE = /[^\x00-\x7f\u0600-\u0674\u0679-\u06ff\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

/** The comparison form used for search: case, digits, diacritics and letter variants folded. */
export function searchKey(s: string): string {
  if (NEEDS_UNICODE.test(s)) s = s.normalize('NFKC').toLowerCase().normalize('NFKD').replace(MARKS, '').normalize('NFC');
  else s = s.replace(MARKS, '');
  return s.replace(INVISIBLE, '').replace(FOLDABLE, (c) => SEARCH_FOLD[c]!);
}

const WORD_SEPARATORS = /[^\p{L}\p{N}\u200c]+/u;

/**
 * Splits text into search terms. A word written with ZWNJ yields the joined word and its parts, so
 * «گواهی‌نامه», «گواهینامه» and «گواهی نامه» meet; with `joinNeighbours` every pair of adjacent words is
 * also emitted joined, which lets a query or document that writes a compound apart find the other.
 */
export function searchTerms(text: string, joinNeighbours = false): string[] {
  const out: string[] = [];
  let previous = '';
  for (const word of searchKey(text).split(WORD_SEPARATORS)) {
    if (!word) continue;
    const parts = word.includes(ZWNJ) ? word.split(ZWNJ).filter(Boolean) : [word];
    if (parts.length === 0) continue;
    if (parts.length > 1) out.push(parts.join(''));
    for (const part of parts) {
      out.push(part);
      if (joinNeighbours && previous) out.push(previous + part);
      previous = part;
    }
  }
  return out;
}

/**
 * The words of a search query, folded like indexed text. A word written with ZWNJ counts as its joined
 * form, which the index holds for every ZWNJ compound (see searchTerms).
 */
export function queryWords(text: string): string[] {
  return searchKey(text)
    .split(/[^\p{L}\p{N}\u200c]+/u)
    .map((w) => w.replaceAll(ZWNJ, ''))
    .filter(Boolean);
}
