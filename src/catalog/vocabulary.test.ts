import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOneEdit, Vocabulary } from './vocabulary.js';

test('one edit: an insertion, a deletion, a substitution or a swap of neighbours; nothing more', () => {
  assert.ok(isOneEdit('certificate', 'certifcate'), 'a letter left out');
  assert.ok(isOneEdit('certifcate', 'certificate'), 'a letter added');
  assert.ok(isOneEdit('passport', 'passpart'), 'a letter changed');
  assert.ok(isOneEdit('passport', 'passpotr'), 'two neighbours swapped');
  assert.ok(isOneEdit('گواهینامه', 'گواهینمه'));
  assert.ok(!isOneEdit('passport', 'passport'), 'equal is not an edit');
  assert.ok(!isOneEdit('passport', 'pasxpoxt'), 'two changes');
  assert.ok(!isOneEdit('passport', 'passports!'), 'two letters added');
  assert.ok(!isOneEdit('abcdef', 'abdcfe'), 'two swaps');
});

test('typos are corrected in words of five letters or more, into terms the vocabulary holds', () => {
  const v = new Vocabulary();
  for (const t of ['passport', 'passports', 'certificate', 'card', 'cart', 'گواهینامه']) v.add(t);
  assert.deepEqual(v.withinOneEdit('pasport').sort(), ['passport']);
  assert.deepEqual(v.withinOneEdit('passpor').sort(), ['passport']);
  assert.deepEqual(v.withinOneEdit('passporx').sort(), ['passport']);
  assert.deepEqual(v.withinOneEdit('passportz').sort(), ['passport', 'passports']);
  assert.deepEqual(v.withinOneEdit('certifcate'), ['certificate']);
  assert.deepEqual(v.withinOneEdit('گواهینمه'), ['گواهینامه']);
  assert.deepEqual(v.withinOneEdit('carf'), [], 'four letters: not corrected');
  assert.deepEqual(v.withinOneEdit('passport'), ['passports'], 'a known word still reaches its neighbours, never itself');
  v.add('pasports');
  assert.ok(v.withinOneEdit('pasport').includes('pasports'), 'terms added after the first lookup are found too');
});

test('completion: longer terms with the prefix, in order, at most `limit`, not the prefix itself', () => {
  const v = new Vocabulary();
  for (const t of ['pass', 'passport', 'passage', 'past', 'pastry', 'pa']) v.add(t);
  assert.deepEqual(v.withPrefix('pass', 10), ['passage', 'passport']);
  assert.deepEqual(v.withPrefix('pa', 2), ['pass', 'passage']);
  assert.deepEqual(v.withPrefix('x', 10), []);
  v.add('passenger');
  assert.deepEqual(v.withPrefix('pass', 10), ['passage', 'passenger', 'passport']);
});
