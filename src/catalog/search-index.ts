import { queryWords } from '../platform/text.js';
import type { Organization, ServiceData } from './model.js';
import { averageLengths, weighTerms, type Lang } from './search-fields.js';
import { lowerBound, Vocabulary } from './vocabulary.js';

/**
 * Full-text index over the live services, in each node's memory: an inverted index ranked with BM25+,
 * every term (indexed or queried) folded by the same Persian normalisation, the last query word
 * completed while typing, and one wrong letter forgiven in words of five letters or more.
 *
 * Written for this catalogue rather than taken from a library because the goals (a full
 * re-index of 10,000 services under 2 s, searches in well under a millisecond on 2 cores) are out of
 * reach of the general-purpose ones we measured (MiniSearch: see docs/benchmarks.md). What makes it
 * fast: per-term postings hold precomputed per-language weights, so a query is a few array walks
 * summing into one reusable score array.
 */

/** How much a completed or corrected word counts next to the word as typed. */
const PREFIX_WEIGHT = 0.5;
const FUZZY_WEIGHT = 0.4;
const MIN_PREFIX = 2;
const PREFIX_LIMIT = 50;
/** Query words beyond this are ignored (each word is a bit in a 32-bit mask). */
const MAX_WORDS = 16;

/** The services a term occurs in (by slot) and how strongly, in each language. */
interface Postings {
  slots: number[];
  fa: number[];
  en: number[];
}

export interface Hit {
  code: string;
  score: number;
}

export class SearchIndex {
  /** Slot → service code; null where a service was removed or replaced (skipped until compaction). */
  private codes: Array<string | null> = [];
  private slotOf = new Map<string, number>();
  private postings = new Map<string, Postings>();
  private vocabulary = new Vocabulary();
  /** Average length of each field over the services at the last rebuild (BM25's length normalisation). */
  private avgLength: number[] = [];
  private dead = 0;
  // Scratch space reused by every search (searches are synchronous, so never shared between two).
  private score = new Float64Array(0);
  private mask = new Uint32Array(0);
  /** The best weight each service has so far for the query word being matched (see apply). */
  private best = new Float64Array(0);

  get size(): number {
    return this.slotOf.size;
  }

  rebuild(services: ServiceData[], orgs: Map<string, Organization>): void {
    this.codes = [];
    this.slotOf = new Map();
    this.postings = new Map();
    this.vocabulary = new Vocabulary();
    this.dead = 0;
    this.avgLength = averageLengths(services, orgs);
    for (const s of services) this.add(s, orgs.get(s.organization));
  }

  upsert(s: ServiceData, org: Organization | undefined): void {
    this.remove(s.code);
    this.add(s, org);
  }

  remove(code: string): void {
    const slot = this.slotOf.get(code);
    if (slot === undefined) return;
    this.codes[slot] = null;
    this.slotOf.delete(code);
    // Removed slots are skipped by searches; once they are a quarter of the index they are dropped.
    if (++this.dead > 256 && this.dead * 4 > this.codes.length) this.compact();
  }

  /** Reused for every service added (see weighTerms). */
  private readonly weight = { fa: new Map<string, number>(), en: new Map<string, number>() };

  private add(s: ServiceData, org: Organization | undefined): void {
    const slot = this.codes.length;
    this.codes.push(s.code);
    this.slotOf.set(s.code, slot);
    const { weight } = this;
    // Between rebuilds the averages stay as they were at the last one.
    weighTerms(s, org, this.avgLength, weight);
    for (const [term, fa] of weight.fa) this.post(term, slot, fa, weight.en.get(term) ?? 0);
    for (const [term, en] of weight.en) if (!weight.fa.has(term)) this.post(term, slot, 0, en);
    weight.fa.clear();
    weight.en.clear();
  }

  private post(term: string, slot: number, fa: number, en: number): void {
    let p = this.postings.get(term);
    if (!p) {
      p = { slots: [], fa: [], en: [] };
      this.postings.set(term, p);
      this.vocabulary.add(term);
    }
    p.slots.push(slot);
    p.fa.push(fa);
    p.en.push(en);
  }

  private compact(): void {
    const newSlot = new Int32Array(this.codes.length).fill(-1);
    const codes: string[] = [];
    this.codes.forEach((c, i) => {
      if (c === null) return;
      newSlot[i] = codes.length;
      this.slotOf.set(c, codes.length);
      codes.push(c);
    });
    for (const [term, p] of this.postings) {
      const kept: Postings = { slots: [], fa: [], en: [] };
      p.slots.forEach((s, i) => {
        if (newSlot[s]! < 0) return;
        kept.slots.push(newSlot[s]!);
        kept.fa.push(p.fa[i]!);
        kept.en.push(p.en[i]!);
      });
      if (kept.slots.length) this.postings.set(term, kept);
      else this.postings.delete(term);
    }
    this.codes = codes;
    this.dead = 0;
  }

  /**
   * The services matching `q`, best first. Services that have every word of the query (each word as
   * typed, completed, corrected, or joined with its neighbour) come first and alone; when none has them
   * all, every service with any of them, ranked by how many they have and how well. A word found in a
   * quarter of the services or more («و», "the") adds to a score but decides nothing on its own.
   */
  search(q: string, lang?: Lang): Hit[] {
    const ws = queryWords(q).slice(0, MAX_WORDS);
    if (ws.length === 0 || this.slotOf.size === 0) return [];
    if (this.score.length < this.codes.length) {
      this.score = new Float64Array(this.codes.length * 2);
      this.best = new Float64Array(this.codes.length * 2);
      this.mask = new Uint32Array(this.codes.length * 2);
    }
    const groups = ws.map((_w, g) => this.group(ws, g)).sort((a, b) => a.size - b.size);
    const common = this.slotOf.size / 4;
    const required = groups[0]!.size >= common ? groups : groups.filter((g) => g.size < common);
    const optional = groups.filter((g) => !required.includes(g));
    const touched: number[] = [];
    try {
      const every = this.allOf(required, optional, lang, touched);
      if (every.length) return this.ranked(every, false);
      for (const s of touched) (this.score[s] = 0), (this.mask[s] = 0);
      touched.length = 0;
      return this.ranked(this.anyOf(required, optional, lang, touched), true);
    } finally {
      for (const s of touched) (this.score[s] = 0), (this.mask[s] = 0);
    }
  }

  /** The terms that stand for query word `g`, with how much each counts, and how many postings they have. */
  private group(ws: string[], g: number): Group {
    const weights = new Map<string, number>();
    const put = (term: string, weight: number) => weights.set(term, Math.max(weight, weights.get(term) ?? 0));
    const last = g === ws.length - 1;
    const asTyped = (word: string, completes: boolean) => {
      put(word, 1);
      if (completes && word.length >= MIN_PREFIX) for (const t of this.vocabulary.withPrefix(word, PREFIX_LIMIT)) put(t, (PREFIX_WEIGHT * word.length) / t.length);
    };
    const w = ws[g]!;
    asTyped(w, last);
    for (const t of this.vocabulary.withinOneEdit(w)) put(t, FUZZY_WEIGHT);
    if (g > 0) asTyped(ws[g - 1]! + w, last);
    if (!last) asTyped(w + ws[g + 1]!, g + 1 === ws.length - 1);
    const terms: GroupTerm[] = [];
    let size = 0;
    for (const [term, weight] of weights) {
      const postings = this.postings.get(term);
      if (!postings) continue;
      const idf = Math.log(1 + (this.slotOf.size - postings.slots.length + 0.5) / (postings.slots.length + 0.5));
      terms.push({ postings, factor: weight * idf });
      size += postings.slots.length;
    }
    return { bit: 1 << g, terms, size };
  }

  /**
   * The services having every required group. The rarest group names the candidates; each further group
   * only adds to them, looking each candidate up in a long postings list (slots are ascending) rather
   * than walking all of it.
   */
  private allOf(required: Group[], optional: Group[], lang: Lang | undefined, touched: number[]): number[] {
    const [first, ...rest] = required;
    this.apply(first!, 0, lang, touched);
    let candidates = touched.slice();
    let need = first!.bit;
    for (const g of [...rest, ...optional]) {
      if (candidates.length === 0) break;
      this.apply(g, need, lang, undefined, candidates);
      if (required.includes(g)) {
        need |= g.bit;
        candidates = candidates.filter((s) => this.mask[s]! & g.bit);
      }
    }
    return candidates;
  }

  /** The services having any required group; optional groups add to their scores, or stand in when they found none. */
  private anyOf(required: Group[], optional: Group[], lang: Lang | undefined, touched: number[]): number[] {
    for (const g of required) this.apply(g, 0, lang, touched);
    const found = touched.length > 0;
    for (const g of optional) this.apply(g, 0, lang, touched, found ? touched : undefined);
    return touched;
  }

  private ranked(slots: number[], byMatchedWords: boolean): Hit[] {
    return slots
      .map((s) => ({ code: this.codes[s]!, score: byMatchedWords ? this.score[s]! * bitCount(this.mask[s]!) : this.score[s]! }))
      .sort((a, b) => b.score - a.score);
  }

  /**
   * Matches query word `g` against the services that have the `need` bits (or, given `only`, against
   * those services alone): each gets the weight of the best of the word's terms it has — a service
   * holding «passport» and five words beginning with it matches the word once, not six times.
   */
  private apply(g: Group, need: number, lang: Lang | undefined, touched: number[] | undefined, only?: number[]): void {
    const hit: number[] = [];
    for (const t of g.terms) {
      // A long postings list is cheaper to search for a few services than to walk.
      if (only && only.length * 16 < t.postings.slots.length) this.probe(t, only, lang, hit);
      else this.walk(t, need, lang, hit, only !== undefined);
    }
    for (const s of hit) {
      if (this.mask[s] === 0) touched?.push(s);
      this.mask[s] |= g.bit;
      this.score[s] += this.best[s]!;
      this.best[s] = 0;
    }
  }

  private walk(t: GroupTerm, need: number, lang: Lang | undefined, hit: number[], touchedOnly: boolean): void {
    const { slots, fa, en } = t.postings;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      const mask = this.mask[s]!;
      if ((mask & need) !== need || (touchedOnly && mask === 0) || this.codes[s] === null) continue;
      this.offer(s, t.factor * (lang === 'fa' ? fa[i]! : lang === 'en' ? en[i]! : fa[i]! + en[i]!), hit);
    }
  }

  private probe(t: GroupTerm, only: number[], lang: Lang | undefined, hit: number[]): void {
    const p = t.postings;
    for (const s of only) {
      const i = lowerBound(p.slots, s);
      if (p.slots[i] === s) this.offer(s, t.factor * (lang === 'fa' ? p.fa[i]! : lang === 'en' ? p.en[i]! : p.fa[i]! + p.en[i]!), hit);
    }
  }

  /** Keeps the best weight a service has for the word being matched. */
  private offer(s: number, weight: number, hit: number[]): void {
    if (weight <= 0) return;
    if (this.best[s] === 0) hit.push(s);
    if (weight > this.best[s]!) this.best[s] = weight;
  }
}

interface GroupTerm {
  postings: Postings;
  /** The term's weight for this query word times its inverse document frequency. */
  factor: number;
}

/** One query word: the terms standing for it, its bit in the match masks, and its postings' total length. */
interface Group {
  bit: number;
  terms: GroupTerm[];
  size: number;
}

function bitCount(n: number): number {
  let c = 0;
  for (; n; n &= n - 1) c++;
  return c;
}
