import type { Lang } from '../i18n.js';

/** The forms' own words, in both languages. */
const STRINGS = {
  fa: {
    continue: 'ادامه',
    back: 'بازگشت',
    day: 'روز',
    month: 'ماه',
    year: 'سال',
    yes: 'بله',
    no: 'خیر',
    notAnswered: 'پاسخ داده نشده',
    change: 'تغییر',
    fileAttached: 'پرونده پیوست شده است',
    fileReplace: 'پرونده‌ای پیوست شده است. برای جایگزینی، پرونده دیگری انتخاب کنید.',
    postalCode: 'کد پستی',
    errorTitle: (title: string) => `خطا: ${title}`,
    addressParts: {
      province: 'استان',
      city: 'شهر',
      street: 'خیابان',
      alley: 'کوچه',
      plaque: 'پلاک',
      unit: 'واحد',
      postalCode: 'کد پستی',
      details: 'طبقه، واحد و دیگر جزئیات نشانی',
    },
  },
  en: {
    continue: 'Continue',
    back: 'Back',
    day: 'Day',
    month: 'Month',
    year: 'Year',
    yes: 'Yes',
    no: 'No',
    notAnswered: 'Not answered',
    change: 'Change',
    fileAttached: 'File attached',
    fileReplace: 'A file is attached. To replace it, choose another file.',
    postalCode: 'Postal code',
    errorTitle: (title: string) => `Error: ${title}`,
    addressParts: {
      province: 'Province',
      city: 'City',
      street: 'Street',
      alley: 'Alley',
      plaque: 'Building number',
      unit: 'Unit',
      postalCode: 'Postal code',
      details: 'Floor, unit and other details',
    },
  },
} as const;

export const fs = (lang: Lang) => STRINGS[lang];
