/**
 * Every distinct term of the search index, and the two ways a query word reaches terms it does not
 * spell exactly: as the beginning of longer terms (completion while typing) and with one wrong letter.
 *
 * One-letter typos are found with a deletion index (the SymSpell idea): a term and a word one edit
 * apart share a string made by deleting one letter from each (or one from the longer only). Looking
 * those strings up costs a few map reads per query word instead of a scan of the vocabulary; every
 * candidate is then checked exactly.
 */

/** Words shorter than this are never corrected: a one-letter change makes another real word too often. */
export const MIN_FUZZY_LENGTH = 5;

export class Vocabulary {
  private terms = new Set<string>();
  /** The terms in code-unit order, for prefix ranges; rebuilt lazily after new terms arrive. */
  private sorted: string[] = [];
  private sortedIsStale = false;
  /** Deletion variant → the terms it comes from; built lazily on the first fuzzy lookup. */
  private deletions: Map<string, string[]> | undefined;

  add(term: string): void {
    if (this.terms.has(term)) return;
    this.terms.add(term);
    this.sortedIsStale = true;
    if (this.deletions) this.indexDeletions(term);
  }

  /** Up to `limit` longer terms that begin with `prefix`, in code-unit order. */
  withPrefix(prefix: string, limit: number): string[] {
    if (this.sortedIsStale) {
      this.sorted = [...this.terms].sort();
      this.sortedIsStale = false;
    }
    const out: string[] = [];
    for (let i = lowerBound(this.sorted, prefix); i < this.sorted.length && out.length < limit; i++) {
      const t = this.sorted[i]!;
      if (!t.startsWith(prefix)) break;
      if (t.length > prefix.length) out.push(t);
    }
    return out;
  }

  /** The terms exactly one edit (insertion, deletion, substitution or swap of neighbours) away from `word`. */
  withinOneEdit(word: string): string[] {
    if (word.length < MIN_FUZZY_LENGTH) return [];
    if (!this.deletions) {
      this.deletions = new Map();
      for (const t of this.terms) this.indexDeletions(t);
    }
    const candidates = new Set<string>(this.deletions.get(word));
    for (const d of deletionsOf(word)) {
      if (this.terms.has(d)) candidates.add(d);
      for (const t of this.deletions.get(d) ?? []) candidates.add(t);
    }
    candidates.delete(word);
    return [...candidates].filter((t) => isOneEdit(word, t));
  }

  private indexDeletions(term: string): void {
    if (term.length < MIN_FUZZY_LENGTH - 1) return;
    for (const d of deletionsOf(term)) {
      const list = this.deletions!.get(d);
      if (list) list.push(term);
      else this.deletions!.set(d, [term]);
    }
  }
}

function deletionsOf(word: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < word.length; i++) out.add(word.slice(0, i) + word.slice(i + 1));
  return out;
}

/** The first index in `sorted` whose element is not below `key` (binary search). */
export function lowerBound<T extends string | number>(sorted: T[], key: T): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when `a` and `b` differ by exactly one insertion, deletion, substitution or swap of neighbours. */
export function isOneEdit(a: string, b: string): boolean {
  if (a === b) return false;
  if (a.length < b.length) [a, b] = [b, a];
  if (a.length - b.length > 1) return false;
  let i = 0;
  while (i < b.length && a[i] === b[i]) i++;
  if (a.length > b.length) return a.slice(i + 1) === b.slice(i);
  if (a.slice(i + 1) === b.slice(i + 1)) return true;
  return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}
