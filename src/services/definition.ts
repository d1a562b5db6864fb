import { Ajv, type ErrorObject } from 'ajv';
import type { DeliveryProblem, Localized } from '../catalog/index.js';

/**
 * The online-delivery definition of a service (`delivery` in its catalogue entry), written by the
 * agency's editors as JSON and approved with the entry. It says everything the platform needs to
 * deliver the service without an office visit: the form (what only the applicant knows), the
 * registry data that fills the rest (read through the exchange, never typed), the fee, the steps of
 * its handling with a legal deadline each in working days, and the document an approval issues.
 */

export interface PrefillField {
  id: string;
  label: Localized;
  /** JSON Pointer into the registry's answer, e.g. `/name/fa` or `/father/fa`. */
  pointer: string;
}

/** One registry read that prefills the application, made by the portal as a consumer of the exchange. */
export interface PrefillSource {
  id: string;
  /** What people are told the data comes from: «از ثبت احوال» / "from the civil registry". */
  source: Localized;
  /** The exchange service, `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE`. */
  service: string;
  /** The request path: `{nationalCode}` is the applicant's; `{answers.FIELD}` an answer of the form. */
  path: string;
  fields: PrefillField[];
  /** When the answer holds a list (vehicles, degrees): where it is and what each item shows. */
  list?: { pointer: string; itemLabel: Localized; itemFields: PrefillField[] };
}

export interface Step {
  id: string;
  /** The organisation whose caseworkers handle this step (its queue). */
  organization: string;
  title: Localized;
  /** The legal deadline of this step, in working days of the Iranian calendar. */
  deadlineDays: number;
  /** A second caseworker must confirm an approval at this step. */
  secondApprover?: boolean;
}

export interface DocumentField {
  label: Localized;
  /** Where the value comes from: `answers.FIELD`, `prefill.SOURCE.FIELD`, `applicant.name`, `applicant.nationalCode`, `application.trackingCode`. */
  value: string;
}

export interface DocumentTemplate {
  /** A short name for the kind of document (`criminal-record-certificate`); its credential's type. */
  type: string;
  title: Localized;
  /** How long the document is valid; null when it does not expire. */
  validDays: number | null;
  fields: DocumentField[];
}

export interface Delivery {
  /** The form: src/services/forms (docs/forms.md). */
  form: unknown;
  prefill: PrefillSource[];
  /** The fee in Rials; null or 0 when free. Refunded when the application is rejected if `refundOnReject`. */
  fee: { amount: number; refundOnReject: boolean } | null;
  steps: Step[];
  /** Reasons a caseworker chooses from when rejecting or asking for changes (others may be written). */
  reasons: Localized[];
  document: DocumentTemplate | null;
}

const loc = { type: 'object', additionalProperties: false, required: ['fa', 'en'], properties: { fa: { type: 'string', minLength: 1, maxLength: 500 }, en: { type: 'string', minLength: 1, maxLength: 500 } } } as const;
const id = { type: 'string', pattern: '^[a-z][a-zA-Z0-9_-]{0,39}$' } as const;
const prefillField = { type: 'object', additionalProperties: false, required: ['id', 'label', 'pointer'], properties: { id, label: loc, pointer: { type: 'string', pattern: '^(/[^/]*)*$', maxLength: 200 } } } as const;

export const deliverySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['form', 'steps'],
  properties: {
    form: { type: 'object' },
    prefill: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'source', 'service', 'path', 'fields'],
        properties: {
          id,
          source: loc,
          service: { type: 'string', pattern: '^[A-Z][A-Z0-9-]{0,15}/(GOV|COM|NGO)/[A-Za-z0-9][A-Za-z0-9._-]{0,63}/[A-Za-z0-9][A-Za-z0-9._-]{0,63}/[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
          path: { type: 'string', pattern: '^(/([A-Za-z0-9._~-]+|\\{(nationalCode|answers\\.[a-zA-Z][a-zA-Z0-9_]*)\\}))+$', maxLength: 300 },
          fields: { type: 'array', maxItems: 40, items: prefillField },
          list: {
            type: 'object',
            additionalProperties: false,
            required: ['pointer', 'itemLabel', 'itemFields'],
            properties: { pointer: prefillField.properties.pointer, itemLabel: loc, itemFields: { type: 'array', minItems: 1, maxItems: 20, items: prefillField } },
          },
        },
      },
    },
    fee: {
      anyOf: [
        { type: 'null' },
        { type: 'object', additionalProperties: false, required: ['amount'], properties: { amount: { type: 'integer', minimum: 0, maximum: 1e13 }, refundOnReject: { type: 'boolean' } } },
      ],
    },
    steps: {
      type: 'array',
      minItems: 1,
      maxItems: 10,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'organization', 'title', 'deadlineDays'],
        properties: { id, organization: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$' }, title: loc, deadlineDays: { type: 'integer', minimum: 1, maximum: 365 }, secondApprover: { type: 'boolean' } },
      },
    },
    reasons: { type: 'array', maxItems: 50, items: loc },
    document: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'title', 'fields'],
          properties: {
            type: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,63}$' },
            title: loc,
            validDays: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 1, maximum: 36500 }] },
            fields: { type: 'array', maxItems: 40, items: { type: 'object', additionalProperties: false, required: ['label', 'value'], properties: { label: loc, value: { type: 'string', pattern: '^(answers\\.[a-zA-Z][a-zA-Z0-9_]*|prefill\\.[a-z][a-zA-Z0-9_-]*\\.[a-z][a-zA-Z0-9_-]*|applicant\\.(name|nationalCode)|application\\.(trackingCode|submittedAt))$' } } } },
          },
        },
      ],
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validateShape = ajv.compile(deliverySchema);

function describe(e: ErrorObject): DeliveryProblem {
  const at = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const field = at ? `delivery.${at}` : 'delivery';
  if (e.keyword === 'additionalProperties') return { field: `${field}.${(e.params as { additionalProperty: string }).additionalProperty}`, reason: 'unknown field' };
  if (e.keyword === 'required') return { field: `${field}.${(e.params as { missingProperty: string }).missingProperty}`, reason: 'required field is missing' };
  return { field, reason: e.message ?? e.keyword };
}

/** A form checker: the forms engine's compile step, returning every problem with its path inside the form. */
export type FormCheck = (form: unknown) => Array<{ path: string; reason: string }>;

/**
 * Every problem with a delivery definition: its shape, then what only the whole can tell (unique ids,
 * references between the document and the form or prefill, the steps' organisations).
 */
export function deliveryProblems(raw: unknown, ctx: { organizationExists: (code: string) => boolean; checkForm: FormCheck; formFields: (form: unknown) => string[] }): DeliveryProblem[] {
  if (!validateShape(raw)) {
    // anyOf branches each report; keep one problem per field.
    const seen = new Set<string>();
    return (validateShape.errors ?? []).map(describe).filter((p) => (seen.has(p.field) ? false : (seen.add(p.field), true)));
  }
  const d = raw as unknown as Delivery;
  const out: DeliveryProblem[] = [];
  for (const p of ctx.checkForm(d.form)) out.push({ field: `delivery.form${p.path ? `.${p.path.replace(/^\//, '').replace(/\//g, '.')}` : ''}`, reason: p.reason });
  const dup = (list: Array<{ id: string }>, where: string) => {
    const seen = new Set<string>();
    list.forEach((x, i) => {
      if (seen.has(x.id)) out.push({ field: `delivery.${where}.${i}.id`, reason: `the id "${x.id}" is used twice` });
      seen.add(x.id);
    });
  };
  dup(d.prefill ?? [], 'prefill');
  dup(d.steps, 'steps');
  d.steps.forEach((s, i) => {
    if (!ctx.organizationExists(s.organization)) out.push({ field: `delivery.steps.${i}.organization`, reason: `unknown organisation "${s.organization}"` });
  });
  const answers = new Set(out.some((p) => p.field.startsWith('delivery.form')) ? [] : ctx.formFields(d.form));
  const prefill = new Map((d.prefill ?? []).map((p) => [p.id, new Set(p.fields.map((f) => f.id))]));
  (d.prefill ?? []).forEach((p, i) => {
    for (const m of p.path.matchAll(/\{answers\.([a-zA-Z0-9_]+)\}/g)) {
      if (!answers.has(m[1]!)) out.push({ field: `delivery.prefill.${i}.path`, reason: `the form has no field "${m[1]}"` });
    }
  });
  d.document?.fields.forEach((f, i) => {
    const [kind, a, b] = f.value.split('.');
    if (kind === 'answers' && !answers.has(a!)) out.push({ field: `delivery.document.fields.${i}.value`, reason: `the form has no field "${a}"` });
    if (kind === 'prefill' && !prefill.get(a!)?.has(b!)) out.push({ field: `delivery.document.fields.${i}.value`, reason: `no prefill source "${a}" with a field "${b}"` });
  });
  return out;
}

/** The definition's steps in order, with the index a step has. */
export const stepAt = (d: Delivery, index: number): Step | undefined => d.steps[index];
