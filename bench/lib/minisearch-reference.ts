import MiniSearch from 'minisearch';
import type { Organization, ServiceData } from '../../src/catalog/model.js';
import { searchTerms } from '../../src/platform/text.js';

/**
 * The reference our search index is measured against: MiniSearch (BM25+, prefix and fuzzy search on
 * a radix tree), configured as the catalogue used it before it had an index of its own — the same
 * fields, boosts, Persian normalisation, prefix completion and one-letter typo tolerance.
 */
const FIELDS = ['titleFa', 'titleEn', 'summaryFa', 'summaryEn', 'keywordsFa', 'keywordsEn', 'orgFa', 'orgEn'];
const BOOST = { titleFa: 3, titleEn: 3, keywordsFa: 2, keywordsEn: 2, orgFa: 1.5, orgEn: 1.5, summaryFa: 1, summaryEn: 1 };

export class MiniSearchReference {
  private mini = MiniSearchReference.create();

  private static create() {
    return new MiniSearch<Record<string, string>>({ idField: 'code', fields: FIELDS, tokenize: (text) => searchTerms(text, true), processTerm: (t) => t });
  }

  rebuild(services: ServiceData[], orgs: Map<string, Organization>): void {
    const mini = MiniSearchReference.create();
    mini.addAll(
      services.map((s) => {
        const org = orgs.get(s.organization);
        return {
          code: s.code,
          titleFa: s.title.fa,
          titleEn: s.title.en,
          summaryFa: s.summary.fa,
          summaryEn: s.summary.en,
          keywordsFa: s.keywords.fa.join('، '),
          keywordsEn: s.keywords.en.join(', '),
          orgFa: org?.name.fa ?? '',
          orgEn: org?.name.en ?? '',
        };
      }),
    );
    this.mini = mini;
  }

  search(q: string): Array<{ code: string; score: number }> {
    return this.mini
      .search(q, { boost: BOOST, combineWith: 'OR', prefix: (t) => t.length >= 2, fuzzy: (t) => (t.length >= 5 ? 1 : false), weights: { prefix: 0.5, fuzzy: 0.4 } })
      .map((h) => ({ code: h.id as string, score: h.score }));
  }
}
