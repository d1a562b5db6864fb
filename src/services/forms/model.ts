/**
 * The form of an online application, as an agency's editor writes it (JSON, part of the service's
 * delivery definition) and as the runtime uses it once compiled. docs/forms.md describes the format.
 */

/** A text in both languages; Persian first. */
export interface Localized {
  fa: string;
  en: string;
}

export const FIELD_KINDS = [
  'text',
  'textarea',
  'number',
  'jalali-date',
  'choice',
  'multi-choice',
  'yes-no',
  'national-code',
  'postal-code',
  'mobile',
  'address',
  'file',
] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export interface ChoiceOption {
  value: string;
  label: Localized;
  hint?: Localized;
}

/** The codes of a field's problems; an editor may override the message of any of them per field. */
export type ErrorCode =
  | 'required'
  | 'invalid'
  | 'too_long'
  | 'too_short'
  | 'not_a_number'
  | 'not_whole'
  | 'too_small'
  | 'too_large'
  | 'choice'
  | 'too_few'
  | 'too_many'
  | 'pattern'
  | 'date_incomplete'
  | 'date_invalid'
  | 'date_gregorian'
  | 'date_too_early'
  | 'date_too_late'
  | 'national_code'
  | 'postal_code'
  | 'mobile'
  | 'file_id'
  | 'file_type'
  | 'file_too_large'
  | 'file_empty'
  | 'unknown_field';

export interface FieldDefinition {
  kind: FieldKind;
  /** The question as asked on the page. */
  label: Localized;
  hint?: Localized;
  /**
   * How messages name this field ("the purpose", «هدف درخواست»): "Enter the purpose". Defaults to the
   * label, which reads well when the label is a noun phrase rather than a question.
   */
  errorName?: Localized;
  /** Messages that replace the generic ones, by problem code. */
  messages?: Partial<Record<ErrorCode, Localized>>;
  /** choice, multi-choice: the answers offered, in order; their values are the schema's enum. */
  options?: ChoiceOption[];
  /** number: a unit shown after the input and in the summary ("ریال", "m²"). */
  unit?: Localized;
  /** jalali-date: the earliest and latest dates accepted, `YYYY-MM-DD` in the Jalali calendar. */
  min?: string;
  max?: string;
  /** address: "postal" (postal code and a free-text line) or "structured" (province, city, street …). */
  address?: 'postal' | 'structured';
  /** text: the HTML autocomplete token, when the answer is about the applicant (e.g. "email"). */
  autocomplete?: string;
  /** file: the media types the upload accepts, for the input's `accept` (the lead's upload checks content). */
  accept?: string[];
}

/** When a page is shown. A condition names a field on an earlier page; an unanswered field matches nothing but `answered: false`. */
export type Condition =
  | { field: string; equals: string | number | boolean }
  | { field: string; notEquals: string | number | boolean }
  | { field: string; in: Array<string | number> }
  | { field: string; includes: string }
  | { field: string; answered: boolean }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export interface PageDefinition {
  /** Stable and URL-safe: it appears in the page's address. */
  id: string;
  title: Localized;
  /** A paragraph under the heading. */
  intro?: Localized;
  fields: string[];
  when?: Condition;
}

/** A JSON Schema 2020-12 document (an object schema for the answers). */
export type JsonSchema = Record<string, unknown>;

export interface FormDefinition {
  schema: JsonSchema;
  fields: Record<string, FieldDefinition>;
  pages: PageDefinition[];
}

/** A problem in a definition, at a JSON Pointer into it (`/pages/2/when/field`). */
export interface DefinitionError {
  path: string;
  code: string;
  message: Localized;
}

/** One problem with one answer: `field` is the field's name; `part` a part of a compound answer (`day`, `postalCode`). */
export interface FieldError {
  field: string;
  part?: string;
  code: ErrorCode;
  message: Localized;
}

export type AnswerValue = string | number | boolean | string[] | Record<string, string>;
export type Answers = Record<string, unknown>;

/** The structured address's parts, in the order they are asked. */
export const ADDRESS_PARTS = {
  postal: ['postalCode', 'details'],
  structured: ['province', 'city', 'street', 'alley', 'plaque', 'unit', 'postalCode'],
} as const;
export type AddressPart = (typeof ADDRESS_PARTS)['structured'][number] | 'details';
