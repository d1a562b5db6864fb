import type { FormDefinition } from './model.js';

/**
 * A form that uses every kind of field, with a condition: the example of docs/forms.md and the
 * fixture of the engine's and the renderer's tests. (The demo's real services define their own.)
 */
export const exampleForm: FormDefinition = {
  schema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      purpose: { type: 'string', enum: ['employment', 'emigration', 'other'] },
      purposeOther: { type: 'string', minLength: 3, maxLength: 200 },
      languages: { type: 'array', items: { enum: ['fa', 'en', 'ar'] }, uniqueItems: true, minItems: 1 },
      employer: { type: 'string', maxLength: 200 },
      staff: { type: 'integer', minimum: 1, maximum: 100000 },
      startDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
      employerCode: { type: 'string' },
      hasGuarantor: { type: 'boolean' },
      guarantorCode: { type: 'string' },
      guarantorMobile: { type: 'string' },
      guarantorPostalCode: { type: 'string' },
      newAddress: {
        type: 'object',
        properties: { postalCode: { type: 'string' }, details: { type: 'string', maxLength: 300 } },
        required: ['postalCode'],
        additionalProperties: false,
      },
      workAddress: {
        type: 'object',
        properties: {
          province: { type: 'string' }, city: { type: 'string' }, street: { type: 'string' }, alley: { type: 'string' },
          plaque: { type: 'string' }, unit: { type: 'string' }, postalCode: { type: 'string' },
        },
        required: ['province', 'city', 'street', 'plaque'],
        additionalProperties: false,
      },
      letter: { type: 'string' },
      notes: { type: 'string', maxLength: 2000 },
    },
    required: ['purpose', 'purposeOther', 'languages', 'employer', 'startDate', 'hasGuarantor', 'guarantorCode', 'guarantorMobile', 'newAddress', 'letter'],
    additionalProperties: false,
  },
  fields: {
    purpose: {
      kind: 'choice',
      label: { fa: 'گواهی را برای چه کاری می‌خواهید؟', en: 'What do you need the certificate for?' },
      errorName: { fa: 'کاربرد گواهی', en: 'what you need the certificate for' },
      options: [
        { value: 'employment', label: { fa: 'استخدام', en: 'Employment' } },
        { value: 'emigration', label: { fa: 'مهاجرت', en: 'Emigration' }, hint: { fa: 'گواهی به زبان انگلیسی هم صادر می‌شود.', en: 'The certificate is also issued in English.' } },
        { value: 'other', label: { fa: 'کار دیگر', en: 'Something else' } },
      ],
    },
    purposeOther: { kind: 'text', label: { fa: 'کاربرد گواهی را بنویسید', en: 'Tell us what you need it for' }, errorName: { fa: 'کاربرد گواهی', en: 'what you need it for' } },
    languages: {
      kind: 'multi-choice',
      label: { fa: 'گواهی به چه زبان‌هایی باشد؟', en: 'Which languages should the certificate be in?' },
      hint: { fa: 'هر چند زبان که لازم دارید.', en: 'Select all that apply.' },
      errorName: { fa: 'زبان گواهی', en: 'the languages' },
      options: [
        { value: 'fa', label: { fa: 'فارسی', en: 'Persian' } },
        { value: 'en', label: { fa: 'انگلیسی', en: 'English' } },
        { value: 'ar', label: { fa: 'عربی', en: 'Arabic' } },
      ],
    },
    employer: { kind: 'text', label: { fa: 'نام کارفرما', en: 'Employer’s name' }, autocomplete: 'organization' },
    staff: { kind: 'number', label: { fa: 'شمار کارکنان کارفرما', en: 'Number of staff' }, unit: { fa: 'نفر', en: 'people' } },
    startDate: {
      kind: 'jalali-date',
      label: { fa: 'تاریخ آغاز کار', en: 'Start date' },
      hint: { fa: 'برای نمونه ۱۶ ۹ ۱۴۰۵', en: 'In the Solar Hijri calendar, for example 16 9 1405' },
      min: '1400-01-01',
      max: '1410-12-29',
    },
    employerCode: { kind: 'national-code', label: { fa: 'کد ملی نماینده کارفرما', en: 'National code of the employer’s representative' } },
    hasGuarantor: { kind: 'yes-no', label: { fa: 'ضامن دارید؟', en: 'Do you have a guarantor?' }, errorName: { fa: 'داشتن ضامن', en: 'whether you have a guarantor' } },
    guarantorCode: { kind: 'national-code', label: { fa: 'کد ملی ضامن', en: 'Guarantor’s national code' } },
    guarantorMobile: { kind: 'mobile', label: { fa: 'شماره همراه ضامن', en: 'Guarantor’s mobile number' } },
    guarantorPostalCode: { kind: 'postal-code', label: { fa: 'کد پستی ضامن', en: 'Guarantor’s postal code' } },
    newAddress: { kind: 'address', address: 'postal', label: { fa: 'نشانی تازه', en: 'New address' } },
    workAddress: { kind: 'address', address: 'structured', label: { fa: 'نشانی محل کار', en: 'Work address' } },
    letter: {
      kind: 'file',
      label: { fa: 'نامه کارفرما', en: 'Letter from the employer' },
      hint: { fa: 'PDF، JPEG یا PNG، تا ۵ مگابایت', en: 'PDF, JPEG or PNG, up to 5 MB' },
      accept: ['application/pdf', 'image/jpeg', 'image/png'],
    },
    notes: { kind: 'textarea', label: { fa: 'توضیحات', en: 'Anything else we should know' } },
  },
  pages: [
    { id: 'purpose', title: { fa: 'کاربرد گواهی', en: 'What the certificate is for' }, fields: ['purpose'] },
    { id: 'purpose-other', title: { fa: 'کاربرد دیگر', en: 'Other use' }, fields: ['purposeOther'], when: { field: 'purpose', equals: 'other' } },
    { id: 'languages', title: { fa: 'زبان گواهی', en: 'Languages' }, fields: ['languages'] },
    {
      id: 'employer',
      title: { fa: 'کارفرما', en: 'Your employer' },
      intro: { fa: 'درباره کارفرمای تازه‌تان.', en: 'About your new employer.' },
      fields: ['employer', 'staff', 'startDate', 'employerCode'],
      when: { field: 'purpose', equals: 'employment' },
    },
    { id: 'guarantor', title: { fa: 'ضامن', en: 'Guarantor' }, fields: ['hasGuarantor'] },
    {
      id: 'guarantor-details',
      title: { fa: 'مشخصات ضامن', en: 'Guarantor’s details' },
      fields: ['guarantorCode', 'guarantorMobile', 'guarantorPostalCode'],
      when: { field: 'hasGuarantor', equals: true },
    },
    { id: 'address', title: { fa: 'نشانی', en: 'Addresses' }, fields: ['newAddress', 'workAddress'] },
    { id: 'letter', title: { fa: 'نامه کارفرما', en: 'Employer’s letter' }, fields: ['letter', 'notes'] },
  ],
};
