import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uuidV7 } from './uuid.js';

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
