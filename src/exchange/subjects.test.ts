import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalSubject, personsOfAnswer, subjectProblem } from './subjects.js';
import { nationalCodeCheckDigit } from '../platform/national-code.js';
import { upstreamHeaders } from './headers.js';

const ALI = '0499370899';
const FOREIGN = '213456789012';

test('a subject that is not a national code must say where the owning agency resolves it', () => {
  assert.equal(subjectProblem({ in: 'path', name: 'nationalCode' }), null);
  assert.equal(subjectProblem({ in: 'path', name: 'code', identifier: 'nationalCode' }), null);
  assert.equal(subjectProblem({ in: 'path', name: 'plate', identifier: 'plate', resolve: { path: '/subjects/plates/{value}' } }), null);
  assert.match(subjectProblem({ in: 'path', name: 'plate', identifier: 'plate' })!.en, /names the person indirectly/);
  assert.match(subjectProblem({ in: 'path', name: 'code', resolve: { path: '/x/{value}' } })!.en, /needs no lookup/);
  for (const path of ['subjects/{value}', '/subjects', '/a/{value}/{value}', '/a/../{value}', '/a b/{value}', '/a/{value}?x=1', `/${'a'.repeat(300)}/{value}`]) {
    assert.ok(subjectProblem({ in: 'path', name: 'plate', identifier: 'plate', resolve: { path } }), path);
  }
  assert.ok(subjectProblem({ in: 'path', name: 'plate', identifier: '1plate', resolve: { path: '/x/{value}' } }));
  assert.deepEqual(normalSubject({ in: 'query', name: 'n', identifier: 'nationalCode' }), { in: 'query', name: 'n' });
});

test('a lookup answer: national codes sorted without repeats; 404 is nobody; anything else fails the call', () => {
  const ok = (doc: unknown, status = 200) => personsOfAnswer(status, Buffer.from(JSON.stringify(doc)));
  assert.deepEqual(ok({ nationalCodes: [FOREIGN, ALI, ALI] }), [ALI, FOREIGN]);
  assert.deepEqual(ok({ nationalCodes: ['۰۴۹۹۳۷۰۸۹۹'] }), [ALI], 'Persian digits normalised');
  assert.deepEqual(ok({ nationalCodes: [] }), []);
  assert.deepEqual(personsOfAnswer(404, Buffer.from('not json')), []);
  const fails = (status: number, body: string) => assert.throws(() => personsOfAnswer(status, Buffer.from(body)), (e: Error & { error?: string }) => e.error === 'ServiceFailed');
  fails(500, '{"nationalCodes":[]}');
  fails(200, 'not json');
  fails(200, '{"codes":[]}');
  fails(200, '{"nationalCodes":["0499370898"]}');
  fails(200, '{"nationalCodes":[499370899]}');
  const many = Array.from({ length: 101 }, (_, i) => `1${String(i).padStart(8, '0')}`).map((c) => `${c}${nationalCodeCheckDigit(c)}`);
  assert.equal(ok({ nationalCodes: many.slice(0, 100) }).length, 100);
  fails(200, JSON.stringify({ nationalCodes: many }));
});

test('no client can send the lookup header through the gateway', () => {
  const out = upstreamHeaders({ 'x-panjareh-subject-lookup': 'IR/GOV/RAHVAR/traffic/vehicle-fines', accept: 'application/json' }, {});
  assert.deepEqual(out, { headers: { accept: 'application/json' } });
});
