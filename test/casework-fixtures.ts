import type { Applicant, PrefilledSource } from '../src/services/index.js';

/**
 * Services delivered on the platform for the back office's tests: a one-page choice form, a registry
 * source, one step with a legal deadline and reasons the caseworker chooses from.
 */

const L = (fa: string, en: string) => ({ fa, en });

export const purposeForm = {
  schema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { purpose: { type: 'string', enum: ['work', 'travel'] }, letter: { type: 'string' } },
    required: ['purpose'],
    additionalProperties: false,
  },
  fields: {
    purpose: {
      kind: 'choice',
      label: L('گواهی را برای چه کاری می‌خواهید؟', 'What do you need the certificate for?'),
      options: [
        { value: 'work', label: L('استخدام', 'Employment') },
        { value: 'travel', label: L('سفر', 'Travel') },
      ],
    },
    letter: { kind: 'file', label: L('نامهٔ کارفرما (اختیاری)', 'Letter from the employer (optional)'), accept: ['application/pdf'] },
  },
  pages: [{ id: 'purpose', title: L('کاربرد گواهی', 'Purpose'), fields: ['purpose', 'letter'] }],
};

export const REASONS = [L('مدارک ناقص است.', 'The documents are incomplete.'), L('نشانی با ثبت احوال نمی‌خواند.', 'The address does not match the civil registry.')];

/** A delivery definition handled by `organization` in one step of `days` working days. */
export function delivery(organization: string, days = 5) {
  return {
    form: purposeForm,
    prefill: [],
    fee: null,
    steps: [{ id: 'check', organization, title: L('بررسی سوابق', 'Records check'), deadlineDays: days }],
    reasons: REASONS,
    document: null,
  };
}

/** Registry data as the applicant's prefill brought it (what the caseworker sees, read-only). */
export const prefill = (father: string): PrefilledSource[] => [
  {
    id: 'person',
    source: L('از ثبت احوال', 'from the civil registry'),
    fields: [{ id: 'father', label: L('نام پدر', "Father's name"), value: father }],
    xroadId: 'test',
    at: '2026-12-07T08:00:00.000Z',
  },
];

export const applicant = (nationalCode: string, fa: string, en: string): Applicant => ({ nationalCode, name: L(fa, en), mobile: null });
