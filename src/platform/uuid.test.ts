import assert from 'node:assert/strict';
import { test } from 'node:test';
import { referenceSuffix, shortReference, uuidV7 } from './uuid.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('a version 7 UUID: the time in its first 48 bits, version 7, RFC 9562 variant', () => {
  const at = Date.UTC(2026, 11, 7, 1, 2, 3, 456);
  const id = uuidV7(at);
  assert.match(id, V7);
  assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), at);
});

test('ids made later sort later, and no two are the same', () => {
  const ids = [uuidV7(1_000), uuidV7(1_001), uuidV7(2_000_000_000_000), uuidV7(2_000_000_000_001)];
  assert.deepEqual([...ids].sort(), ids);
  const many = new Set(Array.from({ length: 10_000 }, () => uuidV7()));
  assert.equal(many.size, 10_000);
  for (const id of many) assert.match(id, V7);
});

test('a short reference: eight Crockford characters in two groups, from which support finds the id', () => {
  const id = '0190f3a2-7b1c-7d2e-8f00-1234abcdef09';
  const ref = shortReference(id);
  assert.match(ref, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  assert.equal(referenceSuffix(ref), id.replace(/-/g, '').slice(-10));
  // Read out and typed again: lower case, no dash, O for 0 and l for 1 still find it.
  assert.equal(referenceSuffix(ref.toLowerCase().replace('-', '').replace(/0/g, 'o').replace(/1/g, 'l')), referenceSuffix(ref));
  assert.equal(referenceSuffix('K7QF-3M9'), null);
  assert.equal(referenceSuffix('K7QF-3M9U'), null, 'U is not in the alphabet');
  const refs = new Set(Array.from({ length: 10_000 }, () => shortReference(uuidV7())));
  assert.ok(refs.size > 9_990, 'forty random bits: different ids give different references');
});
