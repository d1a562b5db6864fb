import type { Lang } from '../i18n.js';

/** The citizen pages' words for services delivered on the platform itself and for an agency's data services. */
const STRINGS = {
  fa: {
    onPlatform: 'در همین درگاه',
    startHere: 'شروع کنید',
    startHereHint: 'این خدمت در همین درگاه انجام می‌شود؛ لازم نیست به تارنمای دیگری بروید.',
    useHere: 'انجام این خدمت در همین درگاه',
    dataServices: 'خدمات داده در شبکهٔ ملی تبادل داده',
    dataServicesLead: 'این دستگاه این داده‌ها را از راه شبکهٔ ملی تبادل داده در اختیار دستگاه‌ها و کسب‌وکارهای مجاز می‌گذارد.',
    exchangeMember: 'شناسهٔ عضو در شبکهٔ تبادل داده',
    noDataServices: 'این دستگاه هنوز خدمت داده‌ای در شبکهٔ تبادل داده ندارد.',
    classifications: { public: 'عمومی', internal: 'داخلی', personal: 'دادهٔ شخصی' } as Record<string, string>,
  },
  en: {
    onPlatform: 'Here on Panjareh',
    startHere: 'Start now',
    startHereHint: 'This service is done here on Panjareh; you do not need to go to another website.',
    useHere: 'Use this service here on Panjareh',
    dataServices: 'Data services on the national data exchange',
    dataServicesLead: 'This organisation offers this data to authorised agencies and businesses through the national data exchange.',
    exchangeMember: 'Member on the data exchange',
    noDataServices: 'This organisation offers no data service on the exchange yet.',
    classifications: { public: 'Public', internal: 'Internal', personal: 'Personal data' } as Record<string, string>,
  },
} as const;

export const citizenStrings = (lang: Lang) => STRINGS[lang];
