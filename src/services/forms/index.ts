/** The forms engine of online applications: definition, compilation, page flow, parsing and validation. */
export type { Answers, ChoiceOption, Condition, DefinitionError, ErrorCode, FieldDefinition, FieldError, FieldKind, FormDefinition, JsonSchema, Localized, PageDefinition } from './model.js';
export { ADDRESS_PARTS, FIELD_KINDS } from './model.js';
export { formDefinitionSchema } from './definition-schema.js';
export { checkDefinition, compileForm, type CompiledForm } from './compile.js';
export { evaluate, findPage, firstPage, nextPage, previousPage, visibleAnswers, visiblePages } from './pages.js';
export { mergePage, parsePage, type ParsedPage } from './parse.js';
export { firstPageWithProblems, validateAnswers, type ValidateOptions } from './validate.js';
export { KINDS, FILE_ID, parseNumber, parsePostalCode, type PostBody } from './fields/index.js';
export { addressPartName, fieldError, type MessageParams } from './messages.js';
export { formatJalali, fromJalali, jalaliToIso, JALALI_MONTHS, parseJalali, toJalali, type JalaliDate } from './jalali.js';
