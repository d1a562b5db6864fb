import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError, conflict, invalid } from './errors.js';
import { Problems, problemsOf } from './problems.js';

test('one problem is thrown as itself, with the problem in details', () => {
  const p = new Problems();
  p.add('id', conflict('member_exists', 'هست.', 'It exists.'));
  assert.throws(
    () => p.throwIfAny(),
    (e) => e instanceof AppError && e.status === 409 && e.code === 'member_exists' && e.messages.en === 'It exists.' && problemsOf(e).length === 1 && problemsOf(e)[0]!.field === 'id',
  );
});

test('several problems: one 400 listing them all on one line, each with its field and both languages', () => {
  const p = new Problems();
  assert.equal(p.check('upstream', () => { throw invalid('invalid_upstream', 'نشانی درست نیست.', 'Bad URL.'); }), undefined);
  assert.equal(p.check('name', () => 'ok'), 'ok');
  p.add('id', invalid('invalid_id', 'شناسه درست نیست.', 'Bad id.'));
  assert.ok(p.has('upstream') && p.has('id') && !p.has('name') && p.has());
  let thrown: unknown;
  try {
    p.throwIfAny();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof AppError);
  assert.equal(thrown.status, 400);
  assert.equal(thrown.code, 'invalid_input');
  assert.equal(thrown.messages.en, '2 problems: Bad URL. Bad id.');
  assert.equal(thrown.messages.fa, '۲ مشکل: نشانی درست نیست. شناسه درست نیست.');
  assert.deepEqual(problemsOf(thrown), [
    { field: 'upstream', code: 'invalid_upstream', message: { fa: 'نشانی درست نیست.', en: 'Bad URL.' } },
    { field: 'id', code: 'invalid_id', message: { fa: 'شناسه درست نیست.', en: 'Bad id.' } },
  ]);
});

test('nothing found throws nothing; a fault that is not a refusal is not swallowed', async () => {
  const p = new Problems();
  p.throwIfAny();
  assert.throws(() => p.check('x', () => { throw new TypeError('bug'); }), TypeError);
  assert.throws(() => p.check('x', () => { throw new AppError(503, 'down', { fa: 'x', en: 'x' }); }), AppError);
  await assert.rejects(p.checkAsync('x', async () => { throw new Error('db'); }), /db/);
  assert.equal(p.has(), false);
  assert.deepEqual(problemsOf(new Error('x')), []);
});
