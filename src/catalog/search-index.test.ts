import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Organization, ServiceData } from './model.js';
import { SearchIndex } from './search-index.js';

const org: Organization = { code: 'NOCR', name: { fa: 'سازمان نمونه', en: 'Sample Agency' }, parent: null, website: null, exchangeMembers: [] };
const orgs = new Map([[org.code, org]]);

function svc(code: string, fa: string, en: string, extra: Partial<ServiceData> = {}): ServiceData {
  return {
    code, slug: code.toLowerCase(), title: { fa, en }, summary: { fa: '', en: '' }, description: { fa: '', en: '' }, organization: 'NOCR',
    topics: [], lifeEvents: [], channels: [], requirements: [], evidence: [], cost: { amount: 0, currency: 'IRR' }, processingDays: 1,
    legalBasis: null, output: null, keywords: { fa: [], en: [] }, smart: false, ...extra,
  };
}

const codes = (hits: Array<{ code: string }>) => hits.map((h) => h.code);

function index(services: ServiceData[]) {
  const i = new SearchIndex();
  i.rebuild(services, orgs);
  return i;
}

const catalogue = [
  svc('P-TEH', 'صدور گذرنامه در تهران', 'Passport issue in Tehran'),
  svc('P-ISF', 'صدور گذرنامه در اصفهان', 'Passport issue in Isfahan'),
  svc('B-TEH', 'صدور شناسنامه در تهران', 'Birth certificate in Tehran'),
  svc('L-ONE', 'گواهی نامه رانندگی', 'Driving licence'),
  svc('L-TWO', 'تمدید گواهینامه', 'Licence renewal'),
  svc('K-REG', 'ثبت‌نام کنکور', 'Entrance exam registration'),
];

test('services with every word come first and alone; the best-matching ones lead', () => {
  const i = index(catalogue);
  assert.deepEqual(codes(i.search('گذرنامه تهران')), ['P-TEH']);
  assert.deepEqual(codes(i.search('passport tehran')), ['P-TEH']);
  assert.deepEqual(codes(i.search('tehran')).sort(), ['B-TEH', 'P-TEH']);
});

test('when no service has every word, any word will do, more words ranking higher', () => {
  const fillers = Array.from({ length: 9 }, (_v, n) => svc(`F-${n}`, `پرکننده ${n}`, `filler ${n}`));
  const i = index([...fillers, svc('A', 'الف', 'alpha beta'), svc('B', 'ب', 'alpha'), svc('C', 'ج', 'beta gamma')]);
  const hits = codes(i.search('alpha beta delta'));
  assert.equal(hits[0], 'A', 'two of three words beat one');
  assert.deepEqual(hits.slice(1).sort(), ['B', 'C']);
  assert.deepEqual(i.search('nothing-like-this'), []);
  assert.deepEqual(i.search('  ،، '), []);
});

test('a word in a quarter of the services or more does not exclude the others', () => {
  const many = Array.from({ length: 8 }, (_v, n) => svc(`X-${n}`, `خدمت ${n} و دیگر`, `service ${n} and more`));
  const i = index([...many, svc('P-KB', 'گذرنامه کهگیلویه', 'passport kohgiluyeh')]);
  // «و» is in 8 of 9 services but not in P-KB; it adds to scores and excludes nobody.
  assert.deepEqual(codes(i.search('گذرنامه کهگیلویه و بویراحمد')), ['P-KB']);
  assert.ok(i.search('و').length >= 8, 'alone, a common word still finds what has it');
});

test('compounds meet however they are written: with ZWNJ, joined or apart, in the query or the text', () => {
  const i = index(catalogue);
  for (const q of ['گواهی‌نامه', 'گواهینامه', 'گواهی نامه']) assert.deepEqual(codes(i.search(q)).sort(), ['L-ONE', 'L-TWO'], q);
  for (const q of ['ثبت‌نام', 'ثبتنام', 'ثبت نام']) assert.deepEqual(codes(i.search(q)), ['K-REG'], q);
});

test('the last word completes while typing; earlier words do not', () => {
  const i = index(catalogue);
  assert.deepEqual(codes(i.search('tehran passp')), ['P-TEH']);
  assert.deepEqual(codes(i.search('گذرنا')).sort(), ['P-ISF', 'P-TEH']);
  assert.deepEqual(codes(i.search('t')), [], 'one letter is too little to complete');
});

test('one wrong letter is forgiven in words of five letters or more, and costs some rank', () => {
  const i = index([...catalogue, svc('P-ALT', 'pasport office', 'pasport office')]);
  assert.deepEqual(codes(i.search('pasport tehran')), ['P-TEH']);
  assert.deepEqual(codes(i.search('gozarname')), []);
  const hits = codes(i.search('pasport'));
  assert.equal(hits[0], 'P-ALT', 'the word as typed beats its correction');
  assert.ok(hits.includes('P-TEH') && hits.includes('P-ISF'));
  assert.deepEqual(codes(i.search('tehrn')).sort(), ['B-TEH', 'P-TEH'], 'five letters');
  assert.deepEqual(codes(i.search('exan')), [], 'four letters: not corrected');
});

test('lang limits the search to one language', () => {
  const i = index(catalogue);
  assert.deepEqual(codes(i.search('passport', 'fa')), []);
  assert.deepEqual(codes(i.search('passport', 'en')).sort(), ['P-ISF', 'P-TEH']);
  assert.deepEqual(codes(i.search('گذرنامه', 'en')), []);
});

test('a replaced service is found by its new words only; a removed one not at all, also after compaction', () => {
  const i = index(catalogue);
  i.upsert(svc('P-TEH', 'صدور روادید', 'Visa issue'), org);
  assert.ok(!codes(i.search('passport tehran')).includes('P-TEH'), 'its old words are gone');
  assert.deepEqual(codes(i.search('visa')), ['P-TEH']);
  i.remove('P-TEH');
  assert.deepEqual(codes(i.search('visa')), []);
  // Enough churn to trigger compaction: every live service must still be found, and only those.
  for (let n = 0; n < 600; n++) i.upsert(svc(`T-${n % 50}`, `آزمون ${n}`, `trial ${n}`), org);
  assert.equal(i.size, catalogue.length - 1 + 50);
  assert.deepEqual(codes(i.search('trial 599')), ['T-49']);
  assert.deepEqual(codes(i.search('549')), [], 'an old version of T-49');
  assert.deepEqual(codes(i.search('599')), ['T-49']);
  assert.deepEqual(codes(i.search('passport isfahan')), ['P-ISF']);
});

test('a word repeated across keyword phrases counts once: keywords are a set, not a text', () => {
  const i = index([
    svc('A', 'دفتر گذرنامه', 'passport office'),
    svc('B', 'روادید', 'visa', { keywords: { fa: [], en: ['passport lost', 'passport stolen', 'passport broken', 'passport photo', 'passport form'] } }),
  ]);
  assert.deepEqual(codes(i.search('passport')), ['A', 'B']);
});
