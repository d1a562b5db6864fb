import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { invalid } from '../../platform/errors.js';
import { formDefinitionSchema } from './definition-schema.js';
import { KINDS } from './fields/index.js';
import { parseJalali } from './jalali.js';
import type { Condition, DefinitionError, FieldDefinition, FormDefinition, JsonSchema, PageDefinition } from './model.js';

/**
 * A form definition checked and made ready to run: the answers' schema compiled by ajv (2020-12),
 * the page of every field known. Compiling costs a few milliseconds (ajv generates code), so callers
 * keep one compiled form per service version.
 */
export interface CompiledForm {
  readonly definition: FormDefinition;
  readonly pages: readonly PageDefinition[];
  readonly fields: Readonly<Record<string, FieldDefinition>>;
  /** field name → the id of the page that asks it. */
  readonly pageOf: ReadonlyMap<string, string>;
  /** The answers' validator; its errors are turned into people's messages by validate.ts. */
  readonly validator: ValidateFunction;
  /** The answers' schema's `required`. */
  readonly required: ReadonlySet<string>;
}

const definitionAjv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validateDefinition = definitionAjv.compile(formDefinitionSchema);

const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const err = (path: string, code: string, fa: string, en: string): DefinitionError => ({ path, code, message: { fa, en } });

/** ajv's errors against the definition's own schema, as one plain message per problem with its path. */
function shapeErrors(errors: ErrorObject[]): DefinitionError[] {
  // A malformed condition fails every branch of its oneOf; report the condition once, at its deepest failing place.
  const oneOfAt = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath);
  const conditionAt = oneOfAt.filter((p) => !oneOfAt.some((q) => q !== p && q.startsWith(`${p}/`)));
  const out: DefinitionError[] = [];
  for (const p of conditionAt) {
    out.push(err(p, 'condition_malformed',
      'شرط باید یکی از این‌ها باشد: {field, equals}، {field, notEquals}، {field, in}، {field, includes}، {field, answered}، {all: […]}، {any: […]}، {not: …}.',
      'A condition is one of {field, equals}, {field, notEquals}, {field, in}, {field, includes}, {field, answered}, {all: […]}, {any: […]}, {not: …}.'));
  }
  for (const e of errors) {
    if (e.keyword === 'oneOf' || e.keyword === 'if' || e.propertyName !== undefined) continue;
    if (conditionAt.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`))) continue;
    const at = e.instancePath;
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        out.push(err(`${at}/${esc(String(p.missingProperty))}`, 'required', `«${String(p.missingProperty)}» لازم است.`, `"${String(p.missingProperty)}" is required.`));
        break;
      case 'additionalProperties':
        out.push(err(`${at}/${esc(String(p.additionalProperty))}`, 'unknown_property', `«${String(p.additionalProperty)}» در این‌جا شناخته نیست.`, `"${String(p.additionalProperty)}" is not known here.`));
        break;
      case 'propertyNames':
        out.push(err(`${at}/${esc(String(p.propertyName))}`, 'bad_name',
          'این نام مجاز نیست (نام فیلد: حرف کوچک لاتین در آغاز، سپس حرف، رقم یا _).',
          'This name is not allowed (a field name starts with a small Latin letter, then letters, digits or _).'));
        break;
      case 'enum':
        out.push(err(at, 'enum', `باید یکی از این‌ها باشد: ${(p.allowedValues as unknown[]).join('، ')}.`, `Must be one of: ${(p.allowedValues as unknown[]).join(', ')}.`));
        break;
      case 'type':
        out.push(err(at, 'type', `باید از نوع ${String(p.type)} باشد.`, `Must be of type ${String(p.type)}.`));
        break;
      case 'pattern':
        out.push(err(at, 'pattern', `قالب درستی ندارد (${String(p.pattern)}).`, `Does not match ${String(p.pattern)}.`));
        break;
      case 'minItems': case 'minLength': case 'minProperties':
        out.push(err(at, e.keyword, `دست‌کم ${String(p.limit)} لازم است.`, `Needs at least ${String(p.limit)}.`));
        break;
      case 'maxItems': case 'maxLength': case 'maxProperties':
        out.push(err(at, e.keyword, `حداکثر ${String(p.limit)} مجاز است.`, `At most ${String(p.limit)} allowed.`));
        break;
      case 'uniqueItems':
        out.push(err(at, 'unique', 'مقدار تکراری دارد.', 'Has a repeated value.'));
        break;
      case 'not':
        out.push(err(`${at}/options`, 'options_not_allowed', 'گزینه‌ها فقط برای choice و multi-choice است.', 'Options belong only to choice and multi-choice fields.'));
        break;
      default:
        out.push(err(at, e.keyword, `نادرست است (${e.keyword}).`, `Invalid (${e.message ?? e.keyword}).`));
    }
  }
  return out;
}

function conditionFields(c: Condition, path: string): Array<{ field: string; path: string; cond: Condition }> {
  if ('all' in c) return c.all.flatMap((x, i) => conditionFields(x, `${path}/all/${i}`));
  if ('any' in c) return c.any.flatMap((x, i) => conditionFields(x, `${path}/any/${i}`));
  if ('not' in c) return conditionFields(c.not, `${path}/not`);
  return [{ field: c.field, path, cond: c }];
}

const asObject = (v: unknown): JsonSchema | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonSchema) : undefined);

/** Checks the answers' schema and its agreement with fields and pages; returns the compiled validator when all is well. */
function checkAgainstSchema(def: FormDefinition, errors: DefinitionError[]): ValidateFunction | undefined {
  const schema = def.schema;
  if (schema.$schema !== undefined && schema.$schema !== 'https://json-schema.org/draft/2020-12/schema') {
    errors.push(err('/schema/$schema', 'schema_dialect', 'طرح پاسخ‌ها باید JSON Schema 2020-12 باشد.', 'The answers schema must be JSON Schema 2020-12.'));
  }
  if (schema.type !== 'object') errors.push(err('/schema/type', 'schema_root', 'طرح پاسخ‌ها باید type: "object" باشد.', 'The answers schema must have type: "object".'));
  if (schema.additionalProperties !== false) {
    errors.push(err('/schema/additionalProperties', 'schema_closed', 'طرح پاسخ‌ها باید additionalProperties: false داشته باشد تا پاسخ ناشناخته پذیرفته نشود.', 'The answers schema needs additionalProperties: false, so that unknown answers are refused.'));
  }
  const props = asObject(schema.properties);
  if (!props) errors.push(err('/schema/properties', 'schema_properties', 'طرح پاسخ‌ها باید properties داشته باشد.', 'The answers schema needs properties.'));

  // strictRequired would throw on a required name missing from properties; that is reported above with its path instead.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  let validator: ValidateFunction | undefined;
  // Whatever an editor writes must come back as a listed problem, never as an exception.
  const dialectOk = schema.$schema === undefined || schema.$schema === 'https://json-schema.org/draft/2020-12/schema';
  try {
    if (dialectOk && !ajv.validateSchema(schema)) {
      for (const e of ajv.errors ?? []) errors.push(err(`/schema${e.instancePath}`, 'schema_invalid', `طرح نادرست است: ${e.message ?? e.keyword}`, `Invalid schema: ${e.message ?? e.keyword}`));
    } else if (dialectOk) {
      validator = ajv.compile(schema);
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    errors.push(err('/schema', 'schema_compile', `طرح پاسخ‌ها کامپایل نشد: ${msg}`, `The answers schema does not compile: ${msg}`));
  }
  if (!props) return validator;

  for (const name of Object.keys(props)) {
    if (!def.fields[name]) errors.push(err(`/schema/properties/${esc(name)}`, 'schema_property_no_field', `«${name}» در fields تعریف نشده است.`, `"${name}" has no entry in fields.`));
  }
  const required = Array.isArray(schema.required) ? schema.required : [];
  required.forEach((name, i) => {
    if (typeof name === 'string' && !(name in props)) errors.push(err(`/schema/required/${i}`, 'required_unknown', `«${name}» در properties نیست.`, `"${name}" is not in properties.`));
  });
  for (const [name, f] of Object.entries(def.fields)) {
    const prop = asObject(props[name]);
    if (!prop) {
      errors.push(err(`/fields/${esc(name)}`, 'field_no_schema', `«${name}» در طرح پاسخ‌ها (schema.properties) نیست.`, `"${name}" is not in the answers schema (schema.properties).`));
      continue;
    }
    const spec = KINDS[f.kind];
    const at = `/schema/properties/${esc(name)}`;
    if (typeof prop.type !== 'string' || !(spec.schemaTypes as readonly string[]).includes(prop.type)) {
      errors.push(err(`${at}/type`, 'kind_type_mismatch',
        `فیلد از نوع ${f.kind} در طرح باید type: ${spec.schemaTypes.join(' یا ')} داشته باشد.`,
        `A ${f.kind} field needs type: ${spec.schemaTypes.join(' or ')} in the schema.`));
      continue;
    }
    errors.push(...(spec.checkSchema?.(name, f, prop, at, `/fields/${esc(name)}`) ?? []));
  }
  return validator;
}

/** Every problem of a definition at once, each with its JSON Pointer path; empty when it compiles. */
export function checkDefinition(input: unknown): DefinitionError[] {
  return compile(input).errors;
}

function compile(input: unknown): { errors: DefinitionError[]; form?: CompiledForm } {
  if (!validateDefinition(input)) return { errors: shapeErrors(validateDefinition.errors ?? []) };
  const def = input as unknown as FormDefinition;
  const errors: DefinitionError[] = [];
  const validator = checkAgainstSchema(def, errors);

  const pageOf = new Map<string, string>();
  const pageIds = new Set<string>();
  def.pages.forEach((page, i) => {
    if (pageIds.has(page.id)) errors.push(err(`/pages/${i}/id`, 'page_duplicate', `صفحه‌ای دیگر هم «${page.id}» نام دارد.`, `Another page is also called "${page.id}".`));
    pageIds.add(page.id);
    if (page.when) {
      for (const ref of conditionFields(page.when, `/pages/${i}/when`)) {
        const target = def.fields[ref.field];
        if (!pageOf.has(ref.field)) {
          errors.push(err(`${ref.path}/field`, 'condition_field',
            `شرط فقط می‌تواند به فیلدی در صفحه‌های پیشین اشاره کند؛ «${ref.field}» چنین نیست.`,
            `A condition may only refer to a field on an earlier page; "${ref.field}" is not one.`));
        } else if ('includes' in ref.cond && target?.kind !== 'multi-choice') {
          errors.push(err(`${ref.path}/includes`, 'condition_includes', 'includes فقط برای فیلد چندگزینه‌ای است.', 'includes is only for a multi-choice field.'));
        } else if (target?.options) {
          const c = ref.cond as Record<string, unknown>;
          const vals = [c.equals, c.notEquals, ...(Array.isArray(c.in) ? c.in : []), c.includes].filter((v) => v !== undefined);
          const opts = target.options.map((o) => o.value);
          for (const v of vals) {
            if (!opts.includes(v as string)) errors.push(err(ref.path, 'condition_value', `«${String(v)}» از گزینه‌های «${ref.field}» نیست.`, `"${String(v)}" is not an option of "${ref.field}".`));
          }
        } else if (target?.kind === 'yes-no') {
          const c = ref.cond as Record<string, unknown>;
          for (const v of [c.equals, c.notEquals].filter((x) => x !== undefined)) {
            if (typeof v !== 'boolean') errors.push(err(ref.path, 'condition_value', 'پاسخ بله/خیر با true یا false سنجیده می‌شود.', 'A yes-no answer is compared with true or false.'));
          }
        }
      }
    }
    page.fields.forEach((name, j) => {
      if (!def.fields[name]) errors.push(err(`/pages/${i}/fields/${j}`, 'page_field_unknown', `«${name}» در fields تعریف نشده است.`, `"${name}" has no entry in fields.`));
      if (pageOf.has(name)) errors.push(err(`/pages/${i}/fields/${j}`, 'field_twice', `«${name}» در صفحه «${pageOf.get(name)}» هم پرسیده شده است.`, `"${name}" is also asked on page "${pageOf.get(name)}".`));
      else pageOf.set(name, page.id);
    });
  });
  for (const [name, f] of Object.entries(def.fields)) {
    if (!pageOf.has(name)) errors.push(err(`/fields/${esc(name)}`, 'field_on_no_page', `«${name}» در هیچ صفحه‌ای پرسیده نمی‌شود.`, `"${name}" is asked on no page.`));
    for (const k of ['min', 'max'] as const) {
      if (f[k] !== undefined && (f.kind !== 'jalali-date' || !parseJalali(f[k]!))) {
        errors.push(err(`/fields/${esc(name)}/${k}`, 'date_limit', `${k} فقط برای jalali-date و باید تاریخی واقعی باشد.`, `${k} is only for jalali-date and must be a real date.`));
      }
    }
    if (f.address !== undefined && f.kind !== 'address') errors.push(err(`/fields/${esc(name)}/address`, 'address_only', 'address فقط برای فیلد نشانی است.', 'address is only for an address field.'));
    if (f.unit !== undefined && f.kind !== 'number') errors.push(err(`/fields/${esc(name)}/unit`, 'unit_only', 'unit فقط برای فیلد عددی است.', 'unit is only for a number field.'));
    if (f.accept !== undefined && f.kind !== 'file') errors.push(err(`/fields/${esc(name)}/accept`, 'accept_only', 'accept فقط برای فیلد پرونده است.', 'accept is only for a file field.'));
  }
  if (errors.length || !validator) return { errors };
  const required = new Set((def.schema.required as string[] | undefined) ?? []);
  return { errors, form: { definition: def, pages: def.pages, fields: def.fields, pageOf, validator, required } };
}

/** Compiles a definition, or throws a 400 `form_definition_invalid` whose details list every problem with its path. */
export function compileForm(input: unknown): CompiledForm {
  const { errors, form } = compile(input);
  if (!form) {
    throw invalid('form_definition_invalid', 'تعریف فرم درست نیست.', 'The form definition is not valid.', errors);
  }
  return form;
}
