import { searchTerms } from '../platform/text.js';
import type { Organization, ServiceData } from './model.js';

/**
 * What the search index reads from a service and how much each part counts: the fields, their
 * languages and boosts, and the BM25+ weight of each term of a service.
 */

export type Lang = 'fa' | 'en';

interface Field {
  lang: Lang;
  boost: number;
  /**
   * Titles and keyword phrases also index each pair of neighbouring words joined, so «گواهی نامه»
   * written apart is found by «گواهینامه».
   */
  joinNeighbours: boolean;
  /** Keywords are a set of phrases: a word in several of them says no more than a word in one. */
  countOnce?: boolean;
  /** The field's text, as phrases (neighbours are joined within a phrase only). */
  text(s: ServiceData, org: Organization | undefined): string[];
}

const FIELDS: Field[] = [
  { lang: 'fa', boost: 3, joinNeighbours: true, text: (s) => [s.title.fa] },
  { lang: 'en', boost: 3, joinNeighbours: true, text: (s) => [s.title.en] },
  { lang: 'fa', boost: 2, joinNeighbours: true, countOnce: true, text: (s) => s.keywords.fa },
  { lang: 'en', boost: 2, joinNeighbours: true, countOnce: true, text: (s) => s.keywords.en },
  { lang: 'fa', boost: 1.5, joinNeighbours: false, text: (_s, org) => [org?.name.fa ?? ''] },
  { lang: 'en', boost: 1.5, joinNeighbours: false, text: (_s, org) => [org?.name.en ?? ''] },
  { lang: 'fa', boost: 1, joinNeighbours: false, text: (s) => [s.summary.fa] },
  { lang: 'en', boost: 1, joinNeighbours: false, text: (s) => [s.summary.en] },
];

// BM25+ with the usual parameters.
const K1 = 1.2;
const B = 0.7;
const DELTA = 0.5;

/** A field's length for BM25, in characters: known without tokenising, so a rebuild tokenises once. */
const lengthOf = (phrases: string[]) => phrases.reduce((n, p) => n + p.length, 0);

/** The average length of each field over `services`, for BM25's length normalisation. */
export function averageLengths(services: ServiceData[], orgs: Map<string, Organization>): number[] {
  return FIELDS.map((f) => services.reduce((sum, s) => sum + lengthOf(f.text(s, orgs.get(s.organization))), 0) / Math.max(1, services.length));
}

/**
 * Weighs every term of a service, per language, into `into` (cleared by the caller, which reuses the
 * same two maps for every service of a rebuild).
 */
export function weighTerms(s: ServiceData, org: Organization | undefined, avgLength: number[], into: Record<Lang, Map<string, number>>): void {
  const tf = new Map<string, number>();
  FIELDS.forEach((field, i) => {
    const phrases = field.text(s, org);
    for (const phrase of phrases) for (const t of searchTerms(phrase, field.joinNeighbours)) tf.set(t, field.countOnce ? 1 : (tf.get(t) ?? 0) + 1);
    if (tf.size === 0) return;
    // An index that has never been rebuilt has no averages yet: this service's own lengths stand in.
    const length = lengthOf(phrases);
    const norm = K1 * (1 - B + (B * length) / (avgLength[i] || length));
    const w = into[field.lang];
    for (const [term, n] of tf) w.set(term, (w.get(term) ?? 0) + field.boost * ((n * (K1 + 1)) / (n + norm) + DELTA));
    tf.clear();
  });
}
