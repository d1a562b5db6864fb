import MiniSearch from 'minisearch';
import { searchKey, searchTerms } from '../platform/text.js';
import type { Organization, ServiceData } from './model.js';

/**
 * Full-text index over the live services (MiniSearch: BM25+, prefix and fuzzy matching on a radix
 * tree). Every term, indexed or queried, goes through the same Persian normalisation (searchTerms),
 * so letter variants, ZWNJ and spacing, digits and diacritics never stand between a query and a service.
 */

interface IndexedDoc {
  code: string;
  titleFa: string;
  titleEn: string;
  summaryFa: string;
  summaryEn: string;
  keywordsFa: string;
  keywordsEn: string;
  orgFa: string;
  orgEn: string;
}

const FIELDS_FA = ['titleFa', 'summaryFa', 'keywordsFa', 'orgFa'] as const;
const FIELDS_EN = ['titleEn', 'summaryEn', 'keywordsEn', 'orgEn'] as const;
const BOOST = { titleFa: 3, titleEn: 3, keywordsFa: 2, keywordsEn: 2, summaryFa: 1, summaryEn: 1, orgFa: 1.5, orgEn: 1.5 };

const tokenize = (text: string) => searchTerms(text, true);

export class SearchIndex {
  private mini = SearchIndex.create();

  private static create() {
    return new MiniSearch<IndexedDoc>({
      idField: 'code',
      fields: [...FIELDS_FA, ...FIELDS_EN],
      storeFields: [],
      tokenize,
      // Terms arrive already folded by searchTerms; nothing more to do per term.
      processTerm: (t) => t,
    });
  }

  private static doc(s: ServiceData, org: Organization | undefined): IndexedDoc {
    return {
      code: s.code,
      titleFa: s.title.fa,
      titleEn: s.title.en,
      summaryFa: s.summary.fa,
      summaryEn: s.summary.en,
      keywordsFa: s.keywords.fa.join(' ، '),
      keywordsEn: s.keywords.en.join(' , '),
      orgFa: org?.name.fa ?? '',
      orgEn: org?.name.en ?? '',
    };
  }

  rebuild(services: ServiceData[], orgs: Map<string, Organization>): void {
    const mini = SearchIndex.create();
    mini.addAll(services.map((s) => SearchIndex.doc(s, orgs.get(s.organization))));
    this.mini = mini;
  }

  upsert(s: ServiceData, org: Organization | undefined): void {
    if (this.mini.has(s.code)) this.mini.discard(s.code);
    this.mini.add(SearchIndex.doc(s, org));
  }

  remove(code: string): void {
    if (this.mini.has(code)) this.mini.discard(code);
  }

  /** Codes of the services matching `q`, best first. */
  search(q: string, lang?: 'fa' | 'en'): Array<{ code: string; score: number }> {
    if (!searchKey(q).trim()) return [];
    const hits = this.mini.search(q, {
      fields: lang === 'fa' ? [...FIELDS_FA] : lang === 'en' ? [...FIELDS_EN] : undefined,
      boost: BOOST,
      combineWith: 'OR',
      // Complete words while typing; one wrong letter is forgiven in words of five letters or more.
      prefix: (term) => term.length >= 2,
      fuzzy: (term) => (term.length >= 5 ? 1 : false),
      weights: { prefix: 0.5, fuzzy: 0.4 },
    });
    return hits.map((h) => ({ code: h.id as string, score: h.score }));
  }
}
