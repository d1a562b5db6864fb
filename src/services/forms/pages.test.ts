import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exampleForm } from './examples.js';
import { compileForm, evaluate, firstPage, nextPage, previousPage, visibleAnswers, visiblePages, type FormDefinition } from './index.js';

const form = compileForm(exampleForm);
const ids = (answers: Record<string, unknown>) => visiblePages(form, answers).map((p) => p.id);

describe('pages and conditions', () => {
  it('shows a conditional page only while its condition holds', () => {
    assert.deepEqual(ids({}), ['purpose', 'languages', 'guarantor', 'address', 'letter']);
    assert.deepEqual(ids({ purpose: 'other' }), ['purpose', 'purpose-other', 'languages', 'guarantor', 'address', 'letter']);
    assert.deepEqual(ids({ purpose: 'employment', hasGuarantor: true }), ['purpose', 'languages', 'employer', 'guarantor', 'guarantor-details', 'address', 'letter']);
    assert.deepEqual(ids({ purpose: 'emigration', hasGuarantor: false }), ['purpose', 'languages', 'guarantor', 'address', 'letter']);
  });

  it('moves forward and back over the pages shown', () => {
    const a = { purpose: 'employment', hasGuarantor: false };
    assert.equal(firstPage(form).id, 'purpose');
    assert.equal(nextPage(form, a, 'purpose')?.id, 'languages');
    assert.equal(nextPage(form, a, 'languages')?.id, 'employer');
    assert.equal(nextPage(form, a, 'guarantor')?.id, 'address');
    assert.equal(nextPage(form, a, 'letter'), null);
    assert.equal(previousPage(form, a, 'address')?.id, 'guarantor');
    assert.equal(previousPage(form, a, 'guarantor')?.id, 'employer');
    assert.equal(previousPage(form, { purpose: 'other' }, 'languages')?.id, 'purpose-other');
    assert.equal(previousPage(form, a, 'purpose'), null);
    assert.equal(nextPage(form, a, 'no-such-page'), null);
  });

  it('drops answers of hidden pages, and what depended on them', () => {
    const answers = { purpose: 'emigration', purposeOther: 'study', employer: 'X', hasGuarantor: true, guarantorCode: '1' };
    assert.deepEqual(visibleAnswers(form, answers), { purpose: 'emigration', hasGuarantor: true, guarantorCode: '1' });
  });

  it('reads a condition only from answers on pages that are shown (a chain hides as a whole)', () => {
    const chain: FormDefinition = {
      schema: { type: 'object', properties: { a: { type: 'boolean' }, b: { type: 'boolean' }, c: { type: 'string' } }, additionalProperties: false },
      fields: { a: { kind: 'yes-no', label: { fa: 'a', en: 'a' } }, b: { kind: 'yes-no', label: { fa: 'b', en: 'b' } }, c: { kind: 'text', label: { fa: 'c', en: 'c' } } },
      pages: [
        { id: 'a', title: { fa: 'a', en: 'a' }, fields: ['a'] },
        { id: 'b', title: { fa: 'b', en: 'b' }, fields: ['b'], when: { field: 'a', equals: true } },
        { id: 'c', title: { fa: 'c', en: 'c' }, fields: ['c'], when: { field: 'b', equals: true } },
      ],
    };
    const f = compileForm(chain);
    assert.deepEqual(visiblePages(f, { a: true, b: true }).map((p) => p.id), ['a', 'b', 'c']);
    // b's answer is still in the draft, but its page is hidden now, so c is hidden too.
    assert.deepEqual(visiblePages(f, { a: false, b: true, c: 'x' }).map((p) => p.id), ['a']);
    assert.deepEqual(visibleAnswers(f, { a: false, b: true, c: 'x' }), { a: false });
  });

  it('evaluates every kind of condition', () => {
    const a = { n: 3, s: 'x', m: ['p', 'q'], y: false };
    assert.equal(evaluate({ field: 'n', equals: 3 }, a), true);
    assert.equal(evaluate({ field: 'n', equals: '3' }, a), false, 'no type coercion');
    assert.equal(evaluate({ field: 's', notEquals: 'y' }, a), true);
    assert.equal(evaluate({ field: 'missing', notEquals: 'y' }, a), false, 'an unanswered field matches nothing');
    assert.equal(evaluate({ field: 's', in: ['x', 'z'] }, a), true);
    assert.equal(evaluate({ field: 'm', includes: 'q' }, a), true);
    assert.equal(evaluate({ field: 'm', includes: 'r' }, a), false);
    assert.equal(evaluate({ field: 'y', equals: false }, a), true);
    assert.equal(evaluate({ field: 'y', answered: true }, a), true);
    assert.equal(evaluate({ field: 'missing', answered: false }, a), true);
    assert.equal(evaluate({ all: [{ field: 'n', equals: 3 }, { field: 's', equals: 'x' }] }, a), true);
    assert.equal(evaluate({ any: [{ field: 'n', equals: 4 }, { field: 's', equals: 'x' }] }, a), true);
    assert.equal(evaluate({ not: { field: 'n', equals: 3 } }, a), false);
  });
});
