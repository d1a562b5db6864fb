import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nationalCodeCheckDigit } from '../../platform/national-code.js';
import { exampleForm } from './examples.js';
import { compileForm, firstPageWithProblems, validateAnswers } from './index.js';

const form = compileForm(exampleForm);
const nine = '001234567';
const CODE = `${nine}${nationalCodeCheckDigit(nine)}`;
const FILE = '0190d5d2-8a3b-7c4d-9e5f-0123456789ab';
const complete = {
  purpose: 'employment',
  languages: ['fa'],
  employer: 'شرکت',
  startDate: '1405-09-16',
  hasGuarantor: true,
  guarantorCode: CODE,
  guarantorMobile: '09123456789',
  newAddress: { postalCode: '1434843181' },
  letter: FILE,
};
const codes = (errors: Array<{ field: string; code: string; part?: string }>) => errors.map((e) => `${e.field}${e.part ? `.${e.part}` : ''}:${e.code}`);

describe('validateAnswers', () => {
  it('accepts a complete set of answers', () => {
    assert.deepEqual(validateAnswers(form, complete), []);
  });

  it('reports every problem at once, in the order the form asks, with messages in both languages', () => {
    const errors = validateAnswers(form, { purpose: 'employment', languages: ['fa', 'fa'], employer: 'x'.repeat(201), staff: 2.5, startDate: '1404-12-30', hasGuarantor: true, guarantorCode: '0012345678', guarantorMobile: '9123', newAddress: { postalCode: '1434843181', floor: '2' }, letter: 'nope' });
    assert.deepEqual(codes(errors), [
      'languages:invalid',
      'employer:too_long',
      'staff:not_whole',
      'startDate:date_invalid',
      'guarantorCode:national_code',
      'guarantorMobile:mobile',
      'newAddress:invalid',
      'letter:file_id',
    ]);
    for (const e of errors) {
      assert.ok(e.message.fa && e.message.en);
      assert.doesNotMatch(e.message.en, /must NOT|must be equal|must match/, 'not ajv’s own English');
    }
    assert.equal(errors.find((e) => e.field === 'employer')!.message.fa, 'نام کارفرما باید حداکثر ۲۰۰ نویسه باشد.');
    assert.equal(errors.find((e) => e.field === 'employer')!.message.en, 'Employer’s name must be 200 characters or fewer.');
  });

  it('asks for every required answer of the pages shown', () => {
    assert.deepEqual(codes(validateAnswers(form, { purpose: 'employment' })), ['languages:required', 'employer:required', 'startDate:required', 'hasGuarantor:required', 'newAddress:required', 'letter:required']);
  });

  it('refuses unknown fields, including prefilled registry data sent as an answer', () => {
    const errors = validateAnswers(form, { ...complete, fatherName: 'X', __proto__x: 1 });
    assert.deepEqual(codes(errors), ['fatherName:unknown_field', '__proto__x:unknown_field']);
    assert.match(errors[0]!.message.en, /fatherName/);
    assert.deepEqual(codes(validateAnswers(form, JSON.parse('{"__proto__": {"x": 1}}') as unknown)).slice(0, 1), ['__proto__:unknown_field']);
  });

  it('drops answers on pages hidden by a condition before validating them', () => {
    // Emigration hides the employer page, and no guarantor hides the guarantor's details: their bad answers do not count.
    const errors = validateAnswers(form, { ...complete, purpose: 'emigration', employer: 'x'.repeat(500), staff: -1, hasGuarantor: false, guarantorCode: 'bad', guarantorMobile: 'bad' });
    assert.deepEqual(errors, []);
    // Required fields of a hidden page are not asked for either.
    assert.deepEqual(codes(validateAnswers(form, { ...complete, purpose: 'emigration', employer: undefined, startDate: undefined })), []);
  });

  it('limits itself to some pages when asked, still refusing unknown fields', () => {
    assert.deepEqual(codes(validateAnswers(form, { purpose: 'employment', x: 1 }, { onlyPages: ['purpose', 'languages'] })), ['x:unknown_field', 'languages:required']);
  });

  it('refuses answers that are not an object', () => {
    assert.deepEqual(codes(validateAnswers(form, ['a'])).slice(0, 1), [':invalid']);
    assert.deepEqual(codes(validateAnswers(form, null)).slice(0, 1), [':invalid']);
  });

  it('applies each kind’s own checks to answers from the API', () => {
    assert.deepEqual(codes(validateAnswers(form, { ...complete, startDate: '1405-9-16' })), ['startDate:pattern']);
    assert.deepEqual(codes(validateAnswers(form, { ...complete, startDate: '1399-01-01' })), ['startDate:date_too_early']);
    assert.deepEqual(codes(validateAnswers(form, { ...complete, guarantorMobile: '+989123456789' })), ['guarantorMobile:mobile'], 'the API sends the canonical form');
    assert.deepEqual(codes(validateAnswers(form, { ...complete, hasGuarantor: 'yes' })), ['hasGuarantor:choice']);
    assert.deepEqual(codes(validateAnswers(form, { ...complete, newAddress: { postalCode: '0000000000' } })), ['newAddress.postalCode:postal_code']);
    assert.deepEqual(codes(validateAnswers(form, { ...complete, purpose: 'x' })), ['purpose:choice']);
  });

  it('uses an editor’s own message for a field when it has one', () => {
    const def = structuredClone(exampleForm);
    def.fields.letter!.messages = { required: { fa: 'نامه کارفرما را پیوست کنید.', en: 'Attach the letter from your employer.' } };
    const errors = validateAnswers(compileForm(def), { ...complete, letter: undefined });
    assert.deepEqual(errors.map((e) => e.message.en), ['Attach the letter from your employer.']);
  });

  it('finds the page to resume a draft at', () => {
    assert.equal(firstPageWithProblems(form, {})?.id, 'purpose');
    assert.equal(firstPageWithProblems(form, { purpose: 'employment', languages: ['fa'] })?.id, 'employer');
    assert.equal(firstPageWithProblems(form, { ...complete, guarantorMobile: 'bad' })?.id, 'guarantor-details');
    assert.equal(firstPageWithProblems(form, complete), null);
  });
});
