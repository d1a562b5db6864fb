import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../platform/errors.js';
import { exampleForm } from './examples.js';
import { checkDefinition, compileForm, type FormDefinition } from './index.js';

const L = (s: string) => ({ fa: `${s} (fa)`, en: s });
const clone = (): FormDefinition => structuredClone(exampleForm);
const paths = (def: unknown) => checkDefinition(def).map((e) => `${e.path} ${e.code}`);

describe('compileForm', () => {
  it('compiles the documented example, with every field kind', () => {
    assert.deepEqual(checkDefinition(exampleForm), []);
    const form = compileForm(exampleForm);
    assert.equal(form.pageOf.get('guarantorCode'), 'guarantor-details');
    assert.equal(new Set(Object.values(form.fields).map((f) => f.kind)).size, 12);
  });

  it('lists every problem of the definition’s shape with its JSON path, in both languages', () => {
    const errors = checkDefinition({
      schema: { type: 'object', properties: {}, additionalProperties: false },
      fields: { 'Bad-Name': { kind: 'text', label: L('x') }, a: { kind: 'colour', label: { fa: 'x' } }, b: { kind: 'choice', label: L('b') }, c: { kind: 'text', label: L('c'), options: [] } },
      pages: [{ id: 'p', title: L('p'), fields: ['a'], when: { field: 'a', eq: 1 }, extra: true }],
      more: 1,
    });
    const got = errors.map((e) => `${e.path} ${e.code}`);
    for (const want of [
      '/more unknown_property',
      '/fields/Bad-Name bad_name',
      '/fields/a/kind enum',
      '/fields/a/label/en required',
      '/fields/b/options required',
      '/fields/c/options options_not_allowed',
      '/pages/0/extra unknown_property',
      '/pages/0/when condition_malformed',
    ]) {
      assert.ok(got.includes(want), `${want} missing from:\n${got.join('\n')}`);
    }
    assert.equal(got.filter((g) => g.startsWith('/pages/0/when')).length, 1, 'one message per malformed condition, not one per branch');
    for (const e of errors) assert.ok(e.message.fa && e.message.en);
  });

  it('checks fields, pages and schema against each other', () => {
    const def = clone();
    (def.schema.properties as Record<string, unknown>).purpose = { type: 'string', enum: ['employment', 'emigration'] }; // one option short
    (def.schema.properties as Record<string, unknown>).staff = { type: 'string' }; // a number field
    (def.schema.properties as Record<string, unknown>).hasGuarantor = { type: 'string' }; // a yes-no field
    (def.schema.properties as Record<string, unknown>).languages = { type: 'array', items: { enum: ['fa', 'en', 'ar'] } }; // no uniqueItems
    (def.schema.properties as Record<string, unknown>).orphan = { type: 'string' }; // no field
    (def.schema.required as string[]).push('nowhere');
    def.fields.lonely = { kind: 'text', label: L('lonely') }; // no schema, no page
    def.pages[0]!.fields.push('ghost'); // no field
    def.pages[2]!.fields.push('purpose'); // asked twice
    def.pages[1]!.when = { field: 'hasGuarantor', equals: true }; // a later page's field
    def.pages[3]!.when = { field: 'purpose', equals: 'jobs' }; // not an option
    def.pages[7]!.id = 'purpose';
    const got = paths(def);
    for (const want of [
      '/schema/properties/purpose/enum choice_enum_mismatch',
      '/schema/properties/staff/type kind_type_mismatch',
      '/schema/properties/hasGuarantor/type kind_type_mismatch',
      '/schema/properties/languages/uniqueItems multi_choice_unique',
      '/schema/properties/orphan schema_property_no_field',
      '/schema/required/10 required_unknown',
      '/fields/lonely field_no_schema',
      '/fields/lonely field_on_no_page',
      '/pages/0/fields/1 page_field_unknown',
      '/pages/2/fields/1 field_twice',
      '/pages/1/when/field condition_field',
      '/pages/3/when condition_value',
      '/pages/7/id page_duplicate',
    ]) {
      assert.ok(got.includes(want), `${want} missing from:\n${got.join('\n')}`);
    }
  });

  it('refuses an answers schema that is not JSON Schema 2020-12, not closed, or does not compile', () => {
    const open = clone();
    delete open.schema.additionalProperties;
    assert.ok(paths(open).includes('/schema/additionalProperties schema_closed'));

    const draft7 = clone();
    draft7.schema.$schema = 'http://json-schema.org/draft-07/schema#';
    assert.ok(paths(draft7).includes('/schema/$schema schema_dialect'));

    const badType = clone();
    (badType.schema.properties as Record<string, unknown>).notes = { type: 'text' };
    assert.ok(paths(badType).some((p) => p.startsWith('/schema/properties/notes/type schema_invalid')), paths(badType).join('\n'));

    const typo = clone();
    (typo.schema.properties as Record<string, unknown>).notes = { type: 'string', maxLenght: 20 };
    assert.ok(paths(typo).includes('/schema schema_compile'), paths(typo).join('\n'));
  });

  it('throws a 400 with every problem in its details', () => {
    const def = clone();
    def.pages[0]!.fields = ['ghost'];
    assert.throws(() => compileForm(def), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.status, 400);
      assert.equal(e.code, 'form_definition_invalid');
      assert.ok((e.details as Array<{ path: string }>).some((d) => d.path === '/pages/0/fields/0'));
      return true;
    });
    assert.throws(() => compileForm('not an object'), AppError);
  });

  it('checks kind-specific settings: date limits, address parts, conditions on multi-choice', () => {
    const def = clone();
    def.fields.startDate!.min = '1404-12-30'; // 1404 is not a leap year
    def.fields.notes!.min = '1400-01-01';
    (def.schema.properties as Record<string, { properties: Record<string, unknown> }>).newAddress!.properties.floor = { type: 'string' };
    def.pages[3]!.when = { field: 'purpose', includes: 'employment' };
    const got = paths(def);
    for (const want of ['/fields/startDate/min date_limit', '/fields/notes/min date_limit', '/schema/properties/newAddress/properties/floor address_part_unknown', '/pages/3/when/includes condition_includes']) {
      assert.ok(got.includes(want), `${want} missing from:\n${got.join('\n')}`);
    }
  });
});

describe('docs/forms.md', () => {
  it('has a complete example that compiles', async () => {
    const { readFile } = await import('node:fs/promises');
    const md = await readFile(new URL('../../../docs/forms.md', import.meta.url), 'utf8');
    const json = /```json\n([\s\S]*?)\n```/.exec(md)![1]!;
    const def = JSON.parse(json) as unknown;
    assert.deepEqual(checkDefinition(def), []);
    const form = compileForm(def);
    assert.deepEqual(form.pages.map((p) => p.id), ['purpose', 'purpose-other', 'languages', 'contact']);
  });
});
