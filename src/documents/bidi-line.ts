import bidiModule from 'bidi-js';

/**
 * One line of text cut into runs in visual order (left to right), each to be drawn in its own
 * direction. pdfkit draws a string left to right and lets fontkit shape it; fontkit picks the
 * direction from the string's script and reverses right-to-left runs itself, but it knows nothing of
 * the Unicode bidi algorithm: a Persian sentence holding «AB-123» would come out with the Latin
 * reversed, and pdfkit lays out each word separately, which would put Persian words in the wrong
 * order. So the bidi algorithm (bidi-js) splits the line into runs of one embedding level, the runs
 * are ordered visually (rule L2), and each run is given to fontkit whole, in the order fontkit will
 * reverse it into the right one.
 */

// bidi-js is a UMD bundle: Node hands its module.exports (the factory) over as the default export, which its typings call `default`.
const bidiFactory = bidiModule as unknown as typeof bidiModule.default;
const bidi = bidiFactory();

export interface VisualRun {
  /** The run's text as handed to the shaper (see `shaperText`). */
  text: string;
  rtl: boolean;
}

/** Letters and digits of the Arabic script: fontkit lays a string holding any of them out right to left. */
const ARABIC_SCRIPT = /[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]/;

/**
 * What to give fontkit so that the run ends up in `rtl`'s direction: fontkit reverses a string with
 * Arabic-script characters, so a left-to-right run of Persian digits («۱۴۰۵») and a right-to-left run
 * of neutrals alone (spaces, dashes) are handed over reversed. Neither holds a letter that joins, so
 * reversing code points is safe.
 */
function shaperText(text: string, rtl: boolean): string {
  return ARABIC_SCRIPT.test(text) === rtl ? text : Array.from(text).reverse().join('');
}

/** The runs of `text` (one line, logical order) in visual order for a paragraph of direction `base`. */
export function visualRuns(text: string, base: 'rtl' | 'ltr'): VisualRun[] {
  if (text === '') return [];
  const { levels } = bidi.getEmbeddingLevels(text, base);
  // Brackets and the like turn around inside right-to-left runs (rule L4); fontkit does not (Vazirmatn has no rtlm).
  const mirrored = bidi.getMirroredCharactersMap(text, levels);
  const chars = Array.from(text.split(''), (c, i) => mirrored.get(i) ?? c);
  const runs: { start: number; end: number; level: number }[] = [];
  for (let i = 0; i < chars.length; i++) {
    const level = levels[i]!;
    const last = runs[runs.length - 1];
    if (last && last.level === level) last.end = i + 1;
    else runs.push({ start: i, end: i + 1, level });
  }
  // Rule L2: from the highest level down to the lowest odd one, reverse every sequence of runs at that level or above.
  const max = Math.max(...runs.map((r) => r.level));
  const minOdd = Math.min(...runs.map((r) => (r.level % 2 ? r.level : r.level + 1)));
  for (let lvl = max; lvl >= minOdd; lvl--) {
    for (let i = 0; i < runs.length; ) {
      if (runs[i]!.level < lvl) {
        i++;
        continue;
      }
      let j = i;
      while (j < runs.length && runs[j]!.level >= lvl) j++;
      const seq = runs.slice(i, j).reverse();
      runs.splice(i, j - i, ...seq);
      i = j;
    }
  }
  // Each run is cut at spaces into words (Arabic shaping never joins across a space), in visual
  // order: pdfkit then lays out and caches each word once, where a whole run would be shaped each
  // time it is measured or drawn.
  return runs.flatMap((r) => {
    const rtl = r.level % 2 === 1;
    const words = chars.slice(r.start, r.end).join('').split(/( +)/).filter(Boolean);
    if (rtl) words.reverse();
    return words.map((w) => ({ text: shaperText(w, rtl), rtl }));
  });
}
