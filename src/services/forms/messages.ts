import { toPersianDigits } from '../../platform/text.js';
import { JALALI_MONTHS, parseJalali } from './jalali.js';
import type { AddressPart, ErrorCode, FieldDefinition, FieldError, Localized } from './model.js';

/**
 * The messages a person reads next to a field, in both languages, written for people (GOV.UK's
 * error-message style: say what to do), never the validator's own English. An editor can replace any
 * of them per field (`messages` in the field's definition).
 */

export interface MessageParams {
  /** A limit: a length, a number, a count of options. */
  limit?: number;
  /** A limit that excludes itself ("more than"). */
  exclusive?: boolean;
  /** A date limit, stored form (`1405-01-01`). */
  date?: string;
  /** date_incomplete: the parts missing. */
  missing?: Array<'day' | 'month' | 'year'>;
  /** unknown_field: the name that was sent. */
  name?: string;
  /** file_type: the media types accepted (`application/pdf` …). */
  types?: string[];
}

const TYPE_NAMES: Record<string, string> = { 'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG' };
/** "PDF, JPEG or PNG" / «PDF، JPEG یا PNG». */
function typeList(types: string[] | undefined, lang: 'fa' | 'en'): string {
  const names = (types?.length ? types : Object.keys(TYPE_NAMES)).map((t) => TYPE_NAMES[t] ?? t);
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(lang === 'fa' ? '، ' : ', ')}${lang === 'fa' ? ' یا ' : ' or '}${names[names.length - 1]}`;
}

const PART_NAMES: Record<AddressPart, Localized> = {
  province: { fa: 'استان', en: 'province' },
  city: { fa: 'شهر', en: 'city' },
  street: { fa: 'خیابان', en: 'street' },
  alley: { fa: 'کوچه', en: 'alley' },
  plaque: { fa: 'پلاک', en: 'building number' },
  unit: { fa: 'واحد', en: 'unit' },
  postalCode: { fa: 'کد پستی', en: 'postal code' },
  details: { fa: 'نشانی تکمیلی', en: 'rest of the address' },
};
export const addressPartName = (part: AddressPart): Localized => PART_NAMES[part];

const DATE_PARTS = { day: { fa: 'روز', en: 'day' }, month: { fa: 'ماه', en: 'month' }, year: { fa: 'سال', en: 'year' } };

/** "Purpose of the certificate" → "purpose of the certificate" (but "NOCR code" keeps its capitals). */
const lowerFirst = (s: string) => (/^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s);
const upperFirst = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);
const faNum = (n: number) => toPersianDigits(String(n));

function dateText(s: string, lang: 'fa' | 'en'): string {
  const d = parseJalali(s);
  if (!d) return s;
  return lang === 'fa' ? `${faNum(d.day)} ${JALALI_MONTHS.fa[d.month - 1]} ${faNum(d.year)}` : `${d.day} ${JALALI_MONTHS.en[d.month - 1]} ${d.year}`;
}

/** How a message names the field (or a part of it). */
function nameOf(def: FieldDefinition | undefined, part?: string): Localized {
  const base = def?.errorName ?? def?.label ?? { fa: 'این پاسخ', en: 'this answer' };
  if (part && part in PART_NAMES) {
    const p = PART_NAMES[part as AddressPart];
    return { fa: `${p.fa} ${base.fa}`, en: `the ${p.en} of ${lowerFirst(base.en)}` };
  }
  return { fa: base.fa, en: lowerFirst(base.en) };
}

function generic(code: ErrorCode, def: FieldDefinition | undefined, part: string | undefined, p: MessageParams): Localized {
  const n = nameOf(def, part);
  const N = upperFirst(n.en);
  const lim = p.limit ?? 0;
  switch (code) {
    case 'required':
      if (!part && (def?.kind === 'choice' || def?.kind === 'yes-no')) return { fa: `${n.fa} را انتخاب کنید.`, en: `Select ${n.en}.` };
      if (!part && def?.kind === 'multi-choice') return { fa: `دست‌کم یک گزینه برای ${n.fa} انتخاب کنید.`, en: `Select at least one option for ${n.en}.` };
      if (!part && def?.kind === 'file') return { fa: `${n.fa} را بارگذاری کنید.`, en: `Upload ${n.en}.` };
      return { fa: `${n.fa} را وارد کنید.`, en: `Enter ${n.en}.` };
    case 'too_long':
      return { fa: `${n.fa} باید حداکثر ${faNum(lim)} نویسه باشد.`, en: `${N} must be ${lim} characters or fewer.` };
    case 'too_short':
      return { fa: `${n.fa} باید دست‌کم ${faNum(lim)} نویسه باشد.`, en: `${N} must be at least ${lim} characters.` };
    case 'not_a_number':
      return { fa: `${n.fa} باید عدد باشد.`, en: `${N} must be a number.` };
    case 'not_whole':
      return { fa: `${n.fa} باید عدد صحیح و بدون اعشار باشد.`, en: `${N} must be a whole number.` };
    case 'too_small':
      return p.exclusive
        ? { fa: `${n.fa} باید بیشتر از ${faNum(lim)} باشد.`, en: `${N} must be more than ${lim}.` }
        : { fa: `${n.fa} باید ${faNum(lim)} یا بیشتر باشد.`, en: `${N} must be ${lim} or more.` };
    case 'too_large':
      return p.exclusive
        ? { fa: `${n.fa} باید کمتر از ${faNum(lim)} باشد.`, en: `${N} must be less than ${lim}.` }
        : { fa: `${n.fa} باید ${faNum(lim)} یا کمتر باشد.`, en: `${N} must be ${lim} or less.` };
    case 'choice':
      return { fa: `یکی از گزینه‌های ${n.fa} را انتخاب کنید.`, en: `Select one of the options for ${n.en}.` };
    case 'too_few':
      return { fa: `دست‌کم ${faNum(lim)} گزینه برای ${n.fa} انتخاب کنید.`, en: `Select at least ${lim} options for ${n.en}.` };
    case 'too_many':
      return { fa: `حداکثر ${faNum(lim)} گزینه برای ${n.fa} انتخاب کنید.`, en: `Select no more than ${lim} options for ${n.en}.` };
    case 'pattern':
      return { fa: `${n.fa} در قالب درستی نیست.`, en: `${N} is not in the right format.` };
    case 'date_incomplete': {
      const missing = p.missing ?? ['day', 'month', 'year'];
      return {
        fa: `${n.fa} باید ${missing.map((m) => DATE_PARTS[m].fa).join(' و ')} داشته باشد.`,
        en: `${N} must include a ${missing.map((m) => DATE_PARTS[m].en).join(' and a ')}.`,
      };
    }
    case 'date_invalid':
      return { fa: `${n.fa} باید تاریخی واقعی باشد؛ روز، ماه و سال را به عدد بنویسید.`, en: `${N} must be a real date, with the day, month and year in numbers.` };
    case 'date_gregorian':
      return { fa: `${n.fa} را به تاریخ خورشیدی بنویسید (سال مانند ۱۴۰۵).`, en: `Enter ${n.en} as a Solar Hijri (Jalali) date, with a year such as 1405.` };
    case 'date_too_early':
      return { fa: `${n.fa} باید ${dateText(p.date ?? '', 'fa')} یا پس از آن باشد.`, en: `${N} must be on or after ${dateText(p.date ?? '', 'en')}.` };
    case 'date_too_late':
      return { fa: `${n.fa} باید ${dateText(p.date ?? '', 'fa')} یا پیش از آن باشد.`, en: `${N} must be on or before ${dateText(p.date ?? '', 'en')}.` };
    case 'national_code':
      return { fa: `${n.fa} باید یک کد ملی درست ۱۰ رقمی باشد.`, en: `${N} must be a valid 10-digit national code.` };
    case 'postal_code':
      return { fa: `${n.fa} باید ۱۰ رقم باشد، مانند ۱۴۳۴۸۴۳۱۸۱.`, en: `${N} must be 10 digits, like 1434843181.` };
    case 'mobile':
      return { fa: `${n.fa} باید شماره همراهی مانند ۰۹۱۲۳۴۵۶۷۸۹ باشد.`, en: `${N} must be a mobile number, like 09123456789.` };
    case 'file_id':
      return { fa: `پرونده ${n.fa} پیدا نشد؛ دوباره بارگذاری کنید.`, en: `The file for ${n.en} was not found. Upload it again.` };
    case 'file_type':
      return { fa: `${n.fa} باید پرونده ${typeList(p.types, 'fa')} باشد.`, en: `${N} must be a ${typeList(p.types, 'en')} file.` };
    case 'file_too_large':
      return { fa: `${n.fa} باید ${faNum(lim)} مگابایت یا کوچک‌تر باشد.`, en: `${N} must be ${lim} MB or smaller.` };
    case 'file_empty':
      return { fa: `پرونده‌ای که برای ${n.fa} انتخاب کرده‌اید خالی است.`, en: `The file you chose for ${n.en} is empty.` };
    case 'unknown_field':
      return { fa: `«${p.name ?? ''}» در این فرم پرسیده نشده است.`, en: `"${p.name ?? ''}" is not a question of this form.` };
    case 'invalid':
    default:
      return { fa: `${n.fa} درست نیست.`, en: `${N} is not valid.` };
  }
}

/** A field's problem with its message: the editor's own when the field defines one for the code, else the generic one. */
export function fieldError(field: string, def: FieldDefinition | undefined, code: ErrorCode, params: MessageParams = {}, part?: string): FieldError {
  const own = def?.messages?.[code];
  return { field, ...(part ? { part } : {}), code, message: own ?? generic(code, def, part, params) };
}
