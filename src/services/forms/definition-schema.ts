import { FIELD_KINDS } from './model.js';

/**
 * The JSON Schema (2020-12) of a form definition itself: the shape an editor must write. compile.ts
 * validates a definition against it first, then checks what a schema cannot say (references between
 * pages, fields and the answers' schema).
 */

const localized = {
  type: 'object',
  properties: { fa: { type: 'string', minLength: 1, maxLength: 2000 }, en: { type: 'string', minLength: 1, maxLength: 2000 } },
  required: ['fa', 'en'],
  additionalProperties: false,
};

const JALALI = '^1[2-5][0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$';
const NAME = '^[a-z][a-zA-Z0-9_]{0,63}$';

const errorCodes = [
  'required', 'invalid', 'too_long', 'too_short', 'not_a_number', 'not_whole', 'too_small', 'too_large', 'choice', 'too_few', 'too_many', 'pattern',
  'date_incomplete', 'date_invalid', 'date_gregorian', 'date_too_early', 'date_too_late', 'national_code', 'postal_code', 'mobile', 'file_id', 'file_type', 'file_too_large', 'file_empty', 'unknown_field',
];

const field = {
  type: 'object',
  properties: {
    kind: { enum: [...FIELD_KINDS] },
    label: { $ref: '#/$defs/localized' },
    hint: { $ref: '#/$defs/localized' },
    errorName: { $ref: '#/$defs/localized' },
    messages: { type: 'object', propertyNames: { enum: errorCodes }, additionalProperties: { $ref: '#/$defs/localized' } },
    options: {
      type: 'array',
      minItems: 2,
      maxItems: 100,
      items: {
        type: 'object',
        properties: { value: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }, label: { $ref: '#/$defs/localized' }, hint: { $ref: '#/$defs/localized' } },
        required: ['value', 'label'],
        additionalProperties: false,
      },
    },
    unit: { $ref: '#/$defs/localized' },
    min: { type: 'string', pattern: JALALI },
    max: { type: 'string', pattern: JALALI },
    address: { enum: ['postal', 'structured'] },
    autocomplete: { type: 'string', pattern: '^[a-z][a-z0-9 -]{0,63}$' },
    accept: { type: 'array', items: { enum: ['application/pdf', 'image/jpeg', 'image/png'] }, minItems: 1, uniqueItems: true },
  },
  required: ['kind', 'label'],
  additionalProperties: false,
  // Options belong to the two choice kinds and are required there.
  if: { properties: { kind: { enum: ['choice', 'multi-choice'] } } },
  then: { required: ['options'] },
  else: { not: { required: ['options'] } },
};

const condition = {
  oneOf: [
    { type: 'object', properties: { field: { $ref: '#/$defs/name' }, equals: { type: ['string', 'number', 'boolean'] } }, required: ['field', 'equals'], additionalProperties: false },
    { type: 'object', properties: { field: { $ref: '#/$defs/name' }, notEquals: { type: ['string', 'number', 'boolean'] } }, required: ['field', 'notEquals'], additionalProperties: false },
    { type: 'object', properties: { field: { $ref: '#/$defs/name' }, in: { type: 'array', minItems: 1, items: { type: ['string', 'number'] } } }, required: ['field', 'in'], additionalProperties: false },
    { type: 'object', properties: { field: { $ref: '#/$defs/name' }, includes: { type: 'string' } }, required: ['field', 'includes'], additionalProperties: false },
    { type: 'object', properties: { field: { $ref: '#/$defs/name' }, answered: { type: 'boolean' } }, required: ['field', 'answered'], additionalProperties: false },
    { type: 'object', properties: { all: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' } } }, required: ['all'], additionalProperties: false },
    { type: 'object', properties: { any: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' } } }, required: ['any'], additionalProperties: false },
    { type: 'object', properties: { not: { $ref: '#/$defs/condition' } }, required: ['not'], additionalProperties: false },
  ],
};

export const formDefinitionSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $defs: { localized, name: { type: 'string', pattern: NAME }, condition },
  type: 'object',
  properties: {
    schema: { type: 'object' },
    fields: { type: 'object', propertyNames: { $ref: '#/$defs/name' }, additionalProperties: field, minProperties: 1, maxProperties: 200 },
    pages: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' },
          title: { $ref: '#/$defs/localized' },
          intro: { $ref: '#/$defs/localized' },
          fields: { type: 'array', minItems: 1, maxItems: 20, items: { $ref: '#/$defs/name' }, uniqueItems: true },
          when: { $ref: '#/$defs/condition' },
        },
        required: ['id', 'title', 'fields'],
        additionalProperties: false,
      },
    },
  },
  required: ['schema', 'fields', 'pages'],
  additionalProperties: false,
} as const;
