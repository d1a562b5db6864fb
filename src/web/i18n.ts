import type { Localized } from '../catalog/index.js';
import { toPersianDigits } from '../platform/text.js';

export type Lang = 'fa' | 'en';

/** URL prefix of a language: Persian is the default at `/`, English lives under `/en/`. */
export const prefix = (lang: Lang): string => (lang === 'fa' ? '' : '/en');
export const other = (lang: Lang): Lang => (lang === 'fa' ? 'en' : 'fa');
export const pick = (l: Localized, lang: Lang): string => l[lang] || l.fa || l.en;

const numberFormat = { fa: new Intl.NumberFormat('fa-IR'), en: new Intl.NumberFormat('en-GB') };
const dateFormat = {
  // Jalali (Solar Hijri) calendar in Persian, Gregorian in English.
  fa: new Intl.DateTimeFormat('fa-IR-u-ca-persian', { dateStyle: 'long', timeZone: 'Asia/Tehran' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'Asia/Tehran' }),
};
const dateTimeFormat = {
  fa: new Intl.DateTimeFormat('fa-IR-u-ca-persian', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tehran' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tehran' }),
};

export const fmtNumber = (n: number, lang: Lang): string => numberFormat[lang].format(n);
/**
 * Dates as written, kept: Intl formats a Jalali date in a few microseconds, and a page of a queue or a
 * history shows the same few days again and again. The format is fixed (time zone included), so a
 * date's text never changes; the memo is emptied when it grows large.
 */
const writtenDates = { fa: new Map<string, string>(), en: new Map<string, string>() };
export const fmtDate = (iso: string, lang: Lang): string => {
  const memo = writtenDates[lang];
  let text = memo.get(iso);
  if (text === undefined) {
    text = dateFormat[lang].format(new Date(iso));
    if (memo.size >= 10_000) memo.clear();
    memo.set(iso, text);
  }
  return text;
};
const yearFormat = { fa: new Intl.DateTimeFormat('fa-IR-u-ca-persian', { year: 'numeric', timeZone: 'UTC' }) };
/**
 * A year given in the Gregorian calendar (a vehicle's model year), as Persian readers count years:
 * the Solar Hijri year that holds most of it (the one from Nowruz, near 21 March, onwards).
 */
export const fmtYear = (gregorianYear: number, lang: Lang): string => (lang === 'fa' ? yearFormat.fa.format(new Date(Date.UTC(gregorianYear, 6, 1))) : String(gregorianYear));
export const fmtDateTime = (iso: string, lang: Lang): string => dateTimeFormat[lang].format(new Date(iso));
/** Digits in the reader's script: Persian digits on Persian pages (codes, phone numbers). */
export const digits = (s: string, lang: Lang): string => (lang === 'fa' ? toPersianDigits(s) : s);

export function fmtCost(amount: number, lang: Lang): string {
  if (amount === 0) return lang === 'fa' ? 'رایگان' : 'Free';
  return lang === 'fa' ? `${fmtNumber(amount, 'fa')} ریال` : `IRR ${fmtNumber(amount, 'en')}`;
}

export function fmtDays(days: number, lang: Lang): string {
  if (days === 0) return lang === 'fa' ? 'فوری' : 'Immediately';
  return lang === 'fa' ? `${fmtNumber(days, 'fa')} روز کاری` : `${days} working day${days === 1 ? '' : 's'}`;
}

const STRINGS = {
  fa: {
    siteName: 'پنجره',
    tagline: 'درگاه ملی خدمات دولت هوشمند',
    skip: 'پرش به محتوای اصلی',
    switchLang: 'English',
    homeTitle: 'همه خدمات دولت، در یک پنجره',
    homeLead: 'خدمت مورد نیازتان را پیدا کنید، ببینید چگونه آن را برخط یا حضوری دریافت کنید و مستقیم شروع کنید.',
    searchLabel: 'جستجوی خدمت',
    searchHint: 'برای نمونه: گذرنامه، کد پستی، گواهینامه رانندگی',
    searchButton: 'جستجو',
    topics: 'موضوع‌ها',
    lifeEvents: 'رویدادهای زندگی',
    windows: 'پنجره‌های موضوعی',
    organizations: 'دستگاه‌های اجرایی',
    allOrganizations: 'همه دستگاه‌ها',
    results: 'نتایج جستجو',
    resultsCount: (n: string) => `${n} خدمت`,
    noResults: 'خدمتی پیدا نشد. واژه دیگری را امتحان کنید یا فیلترها را بردارید.',
    filters: 'پالایش نتایج',
    filterToggle: 'فیلترها',
    clearFilters: 'برداشتن همه فیلترها',
    channel: 'راه دریافت',
    smart: 'هوشمند',
    smartTag: 'هوشمند: بدون مراجعه و کاغذ',
    organization: 'دستگاه',
    topic: 'موضوع',
    lifeEvent: 'رویداد زندگی',
    startOnline: 'شروع برخط',
    startOnlineHint: 'این خدمت را می‌توانید برخط در تارنمای دستگاه دریافت کنید.',
    howToGet: 'چگونه دریافت کنم',
    online: 'برخط',
    inPerson: 'حضوری',
    phone: 'تلفنی',
    requirements: 'پیش‌نیازها',
    evidence: 'مدارک لازم',
    cost: 'هزینه',
    time: 'مدت انجام',
    output: 'آنچه دریافت می‌کنید',
    legalBasis: 'مبنای قانونی',
    provider: 'دستگاه ارائه‌دهنده',
    code: 'شناسه خدمت',
    updated: 'آخرین به‌روزرسانی',
    website: 'تارنما',
    services: 'خدمات',
    parentOrg: 'زیرمجموعه',
    subOrgs: 'واحدهای زیرمجموعه',
    previous: 'قبلی',
    next: 'بعدی',
    page: (a: string, b: string) => `صفحه ${a} از ${b}`,
    pagination: 'صفحه‌بندی',
    breadcrumb: 'مسیر صفحه',
    home: 'خانه',
    footer: 'پنجره: نرم‌افزار آزاد دولت به‌مثابه سکو',
    apiDocs: 'مستندات رابط برنامه‌نویسی',
    apiOperations: 'عملیات‌ها',
    apiDocsLead: 'رابط برنامه‌نویسی عمومی پنجره: فهرست خدمات، جستجو و دسته‌بندی‌ها، به قالب JSON. همین سند به قالب OpenAPI:',
    developers: 'توسعه‌دهندگان و تبادل داده',
    staff: 'ورود کارکنان',
    stats: (s: string, o: string) => `${s} خدمت از ${o} دستگاه`,
    error: 'خطا',
    // The header's way in, and the home page's "do it here" section.
    mainNav: 'پیوندهای اصلی',
    navServices: 'خدمات',
    navInquiries: 'استعلام‌ها',
    signIn: 'ورود',
    signOut: 'خروج',
    myPanjareh: 'پنجرهٔ من',
    account: 'حساب کاربری',
    doHereTitle: 'همین‌جا انجام دهید',
    doHereLead: 'این کارها را بدون رفتن به تارنمای دیگری، در همین درگاه انجام دهید. اطلاعات از خود دستگاه‌ها از راه شبکهٔ ملی تبادل داده خوانده می‌شود.',
    signInNeeded: 'با ورود',
    openToAll: 'بدون ورود',
    myPanjarehLead: 'نشست‌ها، کلیدهای عبور، رضایت‌ها و اینکه چه کسی اطلاعات شما را دیده است.',
    findServiceTitle: 'پیدا کردن خدمت',
    notFoundSearch: 'شاید با جستجو پیدایش کنید:',
    problem: 'مشکلی پیش آمده است',
  },
  en: {
    siteName: 'Panjareh',
    tagline: 'The national window to government services',
    skip: 'Skip to main content',
    switchLang: 'فارسی',
    homeTitle: 'Every government service, in one window',
    homeLead: 'Find the service you need, see how to get it online or in person, and start straight away.',
    searchLabel: 'Search for a service',
    searchHint: 'For example: passport, postal code, driving licence',
    searchButton: 'Search',
    topics: 'Topics',
    lifeEvents: 'Life events',
    windows: 'Thematic windows',
    organizations: 'Government organisations',
    allOrganizations: 'All organisations',
    results: 'Search results',
    resultsCount: (n: string) => `${n} service${n === '1' ? '' : 's'}`,
    noResults: 'No services found. Try another word or remove the filters.',
    filters: 'Filter results',
    filterToggle: 'Filters',
    clearFilters: 'Clear all filters',
    channel: 'How to get it',
    smart: 'Smart',
    smartTag: 'Smart: no visit, no paper',
    organization: 'Organisation',
    topic: 'Topic',
    lifeEvent: 'Life event',
    startOnline: 'Start now online',
    startOnlineHint: 'You can use this service online on the organisation’s website.',
    howToGet: 'How to get it',
    online: 'Online',
    inPerson: 'In person',
    phone: 'By phone',
    requirements: 'Before you start',
    evidence: 'Documents you need',
    cost: 'Cost',
    time: 'How long it takes',
    output: 'What you get',
    legalBasis: 'Legal basis',
    provider: 'Provided by',
    code: 'Service code',
    updated: 'Last updated',
    website: 'Website',
    services: 'Services',
    parentOrg: 'Part of',
    subOrgs: 'Bodies under it',
    previous: 'Previous',
    next: 'Next',
    page: (a: string, b: string) => `Page ${a} of ${b}`,
    pagination: 'Pagination',
    breadcrumb: 'Breadcrumb',
    home: 'Home',
    footer: 'Panjareh: open-source Government as a Platform',
    apiDocs: 'API documentation',
    apiOperations: 'Operations',
    apiDocsLead: 'Panjareh’s public API: the catalogue of services, search and classifications, in JSON. The same reference as an OpenAPI document:',
    developers: 'Developers and data exchange',
    staff: 'Staff sign-in',
    stats: (s: string, o: string) => `${s} services from ${o} organisations`,
    error: 'Error',
    mainNav: 'Main links',
    navServices: 'Services',
    navInquiries: 'Inquiries',
    signIn: 'Sign in',
    signOut: 'Sign out',
    myPanjareh: 'My Panjareh',
    account: 'Your account',
    doHereTitle: 'Do it here',
    doHereLead: 'Do these here, without going to another website. The data is read from the agencies themselves through the national data exchange.',
    signInNeeded: 'Sign in',
    openToAll: 'No sign-in',
    myPanjarehLead: 'Your sessions, passkeys, consents, and who has read your data.',
    findServiceTitle: 'Find a service',
    notFoundSearch: 'You may find it by searching:',
    problem: 'There is a problem',
  },
} as const;

export type Strings = (typeof STRINGS)['fa'] | (typeof STRINGS)['en'];
export const t = (lang: Lang): Strings => STRINGS[lang];
