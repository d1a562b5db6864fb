import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { normalizeText, searchKey, searchTerms, toLatinDigits, toPersianDigits } from './text.js';

test('Arabic yeh and kaf become Persian in stored text', () => {
  assert.equal(normalizeText('كد پستي'), 'کد پستی');
  assert.equal(normalizeText('علىرضا'), 'علیرضا');
});

test('stored text keeps ZWNJ but drops bidi controls and zero-width joiners', () => {
  assert.equal(normalizeText('گواهی\u200cنامه'), 'گواهی\u200cنامه');
  assert.equal(normalizeText('a\u202eb\u200dc\ufeff'), 'abc');
  assert.equal(normalizeText('می\u200c\u200cشود'), 'می\u200cشود');
});

test('digits: Persian and Arabic-Indic to Latin and back', () => {
  assert.equal(toLatinDigits('۰۹۱۲ ١٢٣'), '0912 123');
  assert.equal(toPersianDigits('NOCR-0001'), 'NOCR-۰۰۰۱');
});

test('search key folds diacritics, alef and heh variants and case', () => {
  assert.equal(searchKey('شِناسنامه'), searchKey('شناسنامه'));
  assert.equal(searchKey('تأیید'), searchKey('تایید'));
  assert.equal(searchKey('آموزش'), searchKey('اموزش'));
  assert.equal(searchKey('خانۀ'), searchKey('خانه'));
  assert.equal(searchKey('Café'), 'cafe');
  assert.equal(searchKey('ﻙﺪ'), searchKey('کد'), 'Arabic presentation forms');
});

test('a ZWNJ compound yields the joined word and its parts; neighbours can be joined', () => {
  assert.deepEqual(searchTerms('گواهی‌نامه'), ['گواهینامه', 'گواهی', 'نامه']);
  assert.deepEqual(searchTerms('گواهی نامه', true), ['گواهی', 'نامه', 'گواهینامه']);
  assert.deepEqual(searchTerms('<script>alert(1)</script>'), ['script', 'alert', '1', 'script']);
  assert.deepEqual(searchTerms('   '), []);
});

test('yeh with hamza folds to Persian yeh, as people type it (bug: it became Arabic yeh)', () => {
  assert.equal(searchKey('مسئول'), searchKey('مسیول'));
  assert.equal(searchKey('ۂ ۓ'), searchKey('ہ ے'));
});

test('the fast path for Persian and ASCII text folds exactly as full Unicode normalisation does', () => {
  const dir = new URL('../../demo/catalog/services/', import.meta.url);
  const demo = readdirSync(dir).map((f) => readFileSync(new URL(f, dir), 'utf8')).join('');
  const texts = demo.match(/"(?:[^"\\]|\\.)*"/g)!.map((s) => JSON.parse(s) as string);
  texts.push('شِناسنامهٔ', 'تأیید ؤ إ ٱ ة', 'ي ى ك ۰۱۲ ١٢٣', 'a\u202eb\u200dc\ufeff', 'گواهی\u200cنامه', 'ABC xyz');
  // A character outside the fast path's range sends the whole string through NFKC/NFKD.
  for (const t of texts) assert.equal(searchKey(`${t} é`), `${searchKey(t)} e`, t);
});
