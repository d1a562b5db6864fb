import type { Localized } from '../../catalog/index.js';
import type { Lang } from '../i18n.js';
import type { FieldError } from './form.js';
import { CONSOLE } from './strings.js';

/**
 * The service form's problems in the page's language. The form (form.ts) and the catalogue's schema
 * check (src/catalog/validate.ts, shared with the import file's report) say what is wrong in English
 * for a field path; this module names the field by its label and says the reason in Persian or
 * English. A reason it does not know (a new rule elsewhere) still reads as a sentence in the page's
 * language, with the English original kept on English pages.
 */

/** A problem ready for a page: the form field it belongs to and its message in both languages. */
export interface FormProblem {
  field: string;
  message: Localized;
}

const L = (fa: string, en: string): Localized => ({ fa, en });

/** Known English reasons, exactly or by pattern, to their wording in both languages. */
const REASONS: Array<[RegExp, (m: RegExpExecArray) => Localized]> = [
  [/^required field is missing$/, () => L('این مورد لازم است.', 'this is required.')],
  [/^must NOT have fewer than 1 characters$/, () => L('این مورد لازم است.', 'this is required.')],
  [/^must NOT have more than (\d+) characters$/, (m) => L(`حداکثر ${fa(m[1]!)} نویسه.`, `at most ${m[1]} characters.`)],
  [/^must NOT have more than (\d+) items$/, (m) => L(`حداکثر ${fa(m[1]!)} مورد.`, `at most ${m[1]} items.`)],
  [/^must NOT have fewer than 1 items$/, () => L('دست‌کم یک مورد لازم است.', 'give at least one.')],
  [/^must be <= (\d+)$/, (m) => L(`حداکثر ${fa(m[1]!)}.`, `at most ${m[1]}.`)],
  [/^must be >= (\d+)$/, (m) => L(`دست‌کم ${fa(m[1]!)}.`, `at least ${m[1]}.`)],
  [/^must be integer$|^must be a whole number$/, () => L('باید عدد صحیح باشد.', 'must be a whole number.')],
  [/^must be an http:\/\/ or https:\/\/ address$/, () => L('باید نشانی وبی باشد که با http:// یا https:// آغاز می‌شود.', 'must be an address starting http:// or https://.')],
  [/^must NOT have duplicate items/, () => L('هر مورد را یک بار بزنید.', 'choose each one once.')],
  [/^write it in both Persian and English$/, () => L('آن را به فارسی و انگلیسی، هر دو، بنویسید.', 'write it in both Persian and English.')],
  [/^give the same number of lines in Persian and English/, () => L('در فارسی و انگلیسی به یک شمار سطر بنویسید، هر مورد در یک سطر.', 'give the same number of lines in Persian and English, one item per line.')],
  [/^give at least one way to get the service/, () => L('دست‌کم یک راه دریافت خدمت را بنویسید: در همین درگاه، برخط، حضوری یا تلفنی.', 'give at least one way to get the service: on this platform, online, in person or by phone.')],
  [/^there is no page "([^"]*)" on this platform/, (m) => L(`صفحهٔ \u2066${m[1]}\u2069 در این درگاه نیست.`, `there is no page ${m[1]} on this platform.`)],
  [/^write the path without the language prefix: "([^"]*)"/, (m) => L(`نشانی را بی پیشوند زبان بنویسید: \u2066${m[1]}\u2069`, `write the address without the language prefix: ${m[1]}.`)],
  [/^must be a page of this platform/, () => L('نشانی صفحه‌ای از همین درگاه، بی پیشوند زبان، مانند \u2066/inquiries/vehicle-fines\u2069.', 'the address of a page of this platform without the language prefix, such as /inquiries/vehicle-fines.')],
  [/^a channel is /, () => L('راه دریافت خدمت درست نوشته نشده است.', 'a way to get the service is not written correctly.')],
  [/^unknown topic/, () => L('این موضوع در فهرست نیست.', 'this topic is not in the list.')],
  [/^unknown life event/, () => L('این رویداد زندگی در فهرست نیست.', 'this life event is not in the list.')],
  [/^unknown organisation/, () => L('این دستگاه در فهرست نیست.', 'this organisation is not in the list.')],
  // JSON.parse says where in English; a Persian page says where in its own words.
  [/^not valid JSON: (.*)$/, (m) => {
    const at = /position (\d+)/.exec(m[1]!)?.[1];
    return L(at ? `این JSON درست نیست؛ نزدیک نویسهٔ ${fa(String(Number(at) + 1))}.` : 'این JSON درست نیست.', `not valid JSON: ${m[1]}.`);
  }],
];

/** What a malformed value of each field must look like (a pattern failure says nothing a person can use). */
const PATTERNS: Record<string, Localized> = {
  code: L('کد دستگاه، خط تیره و یک عدد، مانند NOCR-0001.', "the organisation's code, a hyphen and a number, such as NOCR-0001."),
  slug: L('فقط حروف کوچک لاتین، رقم و خط تیره، مانند renew-passport.', 'lower-case Latin letters, digits and hyphens only, such as renew-passport.'),
  organization: L('یک دستگاه را از فهرست برگزینید.', 'choose an organisation from the list.'),
  phone_number: L('فقط رقم، فاصله، + و ( ) و -، مانند 021-12345678.', 'digits, spaces, +, ( ) and - only, such as 021-12345678.'),
  online_url: L('باید نشانی وبی باشد که با http:// یا https:// آغاز می‌شود.', 'must be an address starting http:// or https://.'),
};

const fa = (n: string) => n.replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)));

export function reasonOf(field: string, reason: string): Localized {
  if (/^must match pattern/.test(reason)) return PATTERNS[field] ?? L('شکل این مقدار درست نیست.', 'this is not in the expected form.');
  for (const [re, say] of REASONS) {
    const m = re.exec(reason);
    if (m) return say(m);
  }
  // A rule this table does not know yet: a Persian sentence on Persian pages, the original on English ones.
  return L('این مقدار درست نیست.', reason);
}

/** The form's label for a field name (title_fa → "Title (Persian)"), in `lang`. */
export function fieldLabel(field: string, lang: Lang): string {
  const f = CONSOLE[lang].fields;
  const pair = /^(.*)_(fa|en)$/.exec(field);
  const labels: Record<string, string> = {
    code: f.code,
    slug: f.slug,
    organization: f.organization,
    topics: f.topics,
    lifeEvents: f.lifeEvents,
    platform_path: f.platform,
    online_url: f.online,
    phone_number: f.phone,
    cost: f.cost,
    processingDays: f.processingDays,
    smart: f.smart,
    delivery: f.delivery,
    title: f.title,
    summary: f.summary,
    description: f.description,
    inperson: f.inPerson,
    requirements: f.requirements,
    evidence: f.evidence,
    legal: f.legal,
    output: f.output,
    keywords: f.keywords,
    reason: CONSOLE[lang].reason,
  };
  if (pair && labels[pair[1]!]) return `${labels[pair[1]!]} (${pair[2] === 'fa' ? f.persian : f.english})`;
  return labels[field] ?? field;
}

/** The problems of one form as a page lists them: one per field (the first found), in the form's order. */
export function formProblems(errors: FieldError[], order: string[]): FormProblem[] {
  const byField = new Map<string, FormProblem>();
  for (const e of errors) if (!byField.has(e.field)) byField.set(e.field, { field: e.field, message: reasonOf(e.field, e.reason) });
  const rank = (f: string) => (order.includes(f) ? order.indexOf(f) : order.length);
  return [...byField.values()].sort((a, b) => rank(a.field) - rank(b.field));
}

/** Refusals of the workflow that belong to one field (a taken code or slug, an unknown organisation). */
export const REFUSAL_FIELDS: Record<string, string> = {
  code_taken: 'code',
  code_mismatch: 'code',
  slug_taken: 'slug',
  unknown_organization: 'organization',
};
