import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PATH_LENGTH, checkPath, checkQuery, queryNamesOnly, singleParam } from './paths.js';

const ok = (raw: string) => {
  const r = checkPath(raw);
  assert.ok(r.ok, `${raw} should pass: ${!r.ok ? r.reason : ''}`);
  return r.value;
};
const refused = (raw: string) => {
  const r = checkPath(raw);
  assert.equal(r.ok, false, `${raw} should be refused`);
};

test('ordinary paths pass and decode to segments', () => {
  assert.deepEqual(ok(''), []);
  assert.deepEqual(ok('/'), []);
  assert.deepEqual(ok('/persons/0499370899'), ['persons', '0499370899']);
  assert.deepEqual(ok('/persons/0499370899/'), ['persons', '0499370899'], 'one trailing slash is dropped for matching');
  assert.deepEqual(ok('/names/%D8%B9%D9%84%DB%8C'), ['names', 'علی'], 'UTF-8 percent-encoding decodes');
  assert.deepEqual(ok('/a/b%20c/d:e@f'), ['a', 'b c', 'd:e@f']);
  assert.deepEqual(ok('/v1.2/file.json'), ['v1.2', 'file.json'], 'dots inside a segment are fine');
});

test('dot segments, encoded slashes and dots, backslashes and controls are refused', () => {
  for (const raw of [
    '/..',
    '/a/../b',
    '/a/./b',
    '/a/%2e%2e/b',
    '/a/%2E%2E',
    '/a/.%2e',
    '/a/%2e',
    '/a%2fb',
    '/a%2Fb',
    '/a%5cb',
    '/a\\b',
    '/a/..;/b',
    '/a;x=1',
    '/a%3bb',
    '/a%00b',
    '/a%0d%0aSet-Cookie:x',
    '/a%0a',
    '/a%7f',
    '/a//b',
    '//a',
    'a/b',
    '/a b',
    '/a"b',
    '/a<b>',
    '/سلام',
    '/a%',
    '/a%2',
    '/a%zz',
    '/a%252e%252e',
    '/a/%252f',
    '/a/%c0%ae%c0%ae',
    '/a/%c0%af',
    '/a/%e0%80%ae',
    '/a/%ef%bc%8e%ef%bc%8e', // fullwidth full stops fold to ".."
    '/a/%ef%bc%8f', // fullwidth solidus
    '/a#frag',
  ]) refused(raw);
  refused('/' + 'a'.repeat(MAX_PATH_LENGTH));
});

test('queries decode; ";" and malformed escapes are refused', () => {
  const q = checkQuery('nationalCode=0499370899&x=a%20b&flag&y=1+2');
  assert.ok(q.ok);
  assert.deepEqual(q.value, [
    { name: 'nationalCode', value: '0499370899' },
    { name: 'x', value: 'a b' },
    { name: 'flag', value: '' },
    { name: 'y', value: '1 2' },
  ]);
  for (const bad of ['a=1;b=2', 'a=%zz', 'a=%00', 'a=%0d%0a', '=1', 'a=%25', 'a=1#x', 'a=b c', 'a=<x>']) assert.equal(checkQuery(bad).ok, false, bad);
  assert.equal(checkQuery(Array.from({ length: 65 }, (_, i) => `p${i}=1`).join('&')).ok, false, 'bounded count');
  assert.equal(queryNamesOnly(q.value), '?nationalCode=&x=&flag=&y=');
});

test('the subject parameter must be single and unambiguous (parameter pollution)', () => {
  const params = (raw: string) => {
    const r = checkQuery(raw);
    assert.ok(r.ok);
    return r.value;
  };
  assert.deepEqual(singleParam(params('nationalCode=1&x=2'), 'nationalCode'), { ok: true, value: '1' });
  assert.deepEqual(singleParam(params('x=2'), 'nationalCode'), { ok: true, value: null });
  assert.equal(singleParam(params('nationalCode=1&nationalCode=2'), 'nationalCode').ok, false);
  assert.equal(singleParam(params('nationalCode=1&NationalCode=2'), 'nationalCode').ok, false);
  assert.equal(singleParam(params('nationalCode[]=1'), 'nationalCode').ok, false);
  assert.equal(singleParam(params('national%43ode=1&nationalCode=2'), 'nationalCode').ok, false, 'an encoded spelling is the same parameter');
});
