import assert from 'node:assert/strict';
import { test } from 'node:test';
import { covers, matchPattern, parseMethods, parsePattern, subjectFromPath, subjectTemplates, type ContractRule } from './matching.js';

const rule = (methods: string[], paths: string[], expiresAt: number | null = null): ContractRule => ({
  methods: new Set(methods),
  patterns: paths.map((p) => parsePattern(p)!),
  expiresAt,
});

test('path patterns: literal, one segment, the rest', () => {
  const m = (p: string, path: string[]) => matchPattern(parsePattern(p)!, path);
  assert.ok(m('/persons/*', ['persons', '0499370899']));
  assert.ok(!m('/persons/*', ['persons']));
  assert.ok(!m('/persons/*', ['persons', 'a', 'vehicles']));
  assert.ok(m('/persons/{code}/vehicles', ['persons', 'a', 'vehicles']));
  assert.ok(m('/v1/**', ['v1']));
  assert.ok(m('/v1/**', ['v1', 'a', 'b']));
  assert.ok(!m('/v1/**', ['v2', 'a']));
  assert.ok(m('/', []));
  assert.ok(!m('/', ['a']));
  assert.ok(m('/**', []));
  assert.ok(!m('/Persons/*', ['persons', 'x']), 'letter case counts');
});

test('bad patterns are refused', () => {
  for (const p of ['', 'persons', '/a/**/b', '/a/../b', '/a/.', '/a*', '/a/%2f', '/a\\b', '/a?x', '/a;b', '/{}']) assert.equal(parsePattern(p), null, p);
});

test('a contract covers its methods and paths until it expires', () => {
  const now = Date.parse('2026-11-23T10:00:00Z');
  const r = rule(['GET'], ['/persons/*', '/lines/*'], now + 1000);
  assert.equal(covers(r, 'GET', ['persons', '1'], now), 'ok');
  assert.equal(covers(r, 'POST', ['persons', '1'], now), 'method');
  assert.equal(covers(r, 'GET', ['addresses', '1'], now), 'path');
  assert.equal(covers(r, 'GET', ['persons', '1'], now + 1000), 'expired');
  assert.equal(covers(rule(['GET'], ['/**']), 'GET', ['anything', 'at', 'all'], now), 'ok');
});

test('methods: known ones only, "*" for all', () => {
  assert.deepEqual(parseMethods(['get', 'POST', 'GET']), ['GET', 'POST']);
  assert.equal(parseMethods(['GET', 'TRACE']), null);
  assert.equal(parseMethods([]), null);
  assert.equal(parseMethods(['*'])!.length, 7);
});

test('the subject is read from the path template that names it, literal templates first', () => {
  const t = subjectTemplates(['/persons/{nationalCode}', '/persons/{nationalCode}/vehicles', '/vehicles/{plate}/fines'], 'nationalCode');
  assert.equal(t.length, 2);
  assert.equal(subjectFromPath(t, ['persons', '0499370899']), '0499370899');
  assert.equal(subjectFromPath(t, ['persons', '0499370899', 'vehicles']), '0499370899');
  assert.equal(subjectFromPath(t, ['vehicles', 'x', 'fines']), null);
});
