/** A small catalogue for tests: a few agencies and services chosen to exercise search normalisation. */

const L = (fa: string, en: string) => ({ fa, en });

export const organizations = [
  { code: 'NOCR', name: L('سازمان ثبت احوال کشور', 'National Organization for Civil Registration'), parent: null, website: 'https://www.sabteahval.ir' },
  { code: 'POLICE', name: L('فرماندهی انتظامی', 'Law Enforcement Command'), parent: null, website: 'https://police.ir' },
  { code: 'RAHVAR', name: L('پلیس راهور', 'Traffic Police'), parent: 'POLICE', website: 'https://rahvar120.ir' },
  { code: 'POST', name: L('شرکت ملی پست', 'Iran Post Company'), parent: null, website: 'https://post.ir' },
  { code: 'SANJESH', name: L('سازمان سنجش آموزش کشور', 'National Organization of Educational Testing'), parent: null, website: 'https://www.sanjesh.org' },
  { code: 'MSRT', name: L('وزارت علوم، تحقیقات و فناوری', 'Ministry of Science, Research and Technology'), parent: null, website: 'https://www.msrt.ir' },
];

export const topics = [
  { code: 'identity', name: L('هویت', 'Identity') },
  { code: 'vehicles', name: L('خودرو و رانندگی', 'Vehicles and driving') },
  { code: 'postal', name: L('پست', 'Post') },
  { code: 'higher-education', name: L('آموزش عالی', 'Higher education') },
];

export const lifeEvents = [
  { code: 'birth', name: L('تولد فرزند', 'Having a baby') },
  { code: 'owning-a-vehicle', name: L('خرید خودرو', 'Owning a vehicle') },
  { code: 'going-to-university', name: L('ورود به دانشگاه', 'Going to university') },
];

export const windows = [
  { code: 'universities', name: L('پنجره دانشگاه‌ها', 'Universities window'), description: L('خدمات آموزش عالی', 'Higher-education services'), color: '#1d4f91', topics: ['higher-education'], organizations: ['MSRT'], services: [] },
];

export function service(code: string, organization: string, title: [string, string], extra: Record<string, unknown> = {}) {
  return {
    code,
    title: L(title[0], title[1]),
    summary: L(`خلاصه ${title[0]}`, `Summary of ${title[1]}`),
    description: L(`شرح ${title[0]}`, `About ${title[1]}`),
    organization,
    topics: [] as string[],
    lifeEvents: [] as string[],
    channels: [{ type: 'online', url: `https://example.ir/${code.toLowerCase()}` }],
    requirements: [L('کارت ملی', 'National ID card')],
    cost: { amount: 0, currency: 'IRR' },
    processingDays: 1,
    keywords: { fa: [] as string[], en: [] as string[] },
    smart: true,
    ...extra,
  };
}

export const services = [
  service('NOCR-0001', 'NOCR', ['صدور شناسنامه نوزاد', 'Birth certificate for a newborn'], { topics: ['identity'], lifeEvents: ['birth'], keywords: { fa: ['تولد'], en: ['birth'] } }),
  service('RAHVAR-0001', 'RAHVAR', ['صدور گواهی‌نامه رانندگی', 'Driving licence'], { topics: ['vehicles'], lifeEvents: ['owning-a-vehicle'], smart: false, channels: [{ type: 'in-person', instructions: L('به دفاتر پلیس+۱۰ بروید.', 'Go to a Police+10 office.') }] }),
  service('RAHVAR-0002', 'RAHVAR', ['استعلام خلافی خودرو', 'Vehicle fines inquiry'], { topics: ['vehicles'], keywords: { fa: ['جریمه'], en: ['fines', 'penalty'] } }),
  service('POST-0001', 'POST', ['استعلام کد پستی ۱۰ رقمی', 'Ten-digit postal code inquiry'], { topics: ['postal'] }),
  service('SANJESH-0001', 'SANJESH', ['ثبت‌نام کنکور سراسری', 'University entrance exam registration'], { topics: ['higher-education'], lifeEvents: ['going-to-university'] }),
  service('MSRT-0001', 'MSRT', ['تأیید مدرک تحصیلی', 'Education certificate verification'], { topics: ['higher-education'], channels: [{ type: 'phone', number: '021-82233000' }] }),
  service('NOCR-0002', 'NOCR', ['صدور کارت هوشمند ملی', 'Smart national ID card'], { topics: ['identity'] }),
];

export function catalogFile() {
  return structuredClone({ organizations, topics, lifeEvents, windows, services });
}
