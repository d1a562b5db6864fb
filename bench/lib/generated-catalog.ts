import { demoCatalog } from '../../src/app.js';
import { slugify } from '../../src/catalog/validate.js';

/**
 * A national-size catalogue made from the demo one: each demo service once per province (then once per
 * provincial office when more are needed), each with its own code, slug, and a title and summary naming
 * its province, so the index holds realistic term frequencies (a service's words shared by ~30
 * documents, a province's name by ~320).
 */

export const PROVINCES: Array<[fa: string, en: string]> = [
  ['تهران', 'Tehran'], ['اصفهان', 'Isfahan'], ['فارس', 'Fars'], ['خراسان رضوی', 'Razavi Khorasan'],
  ['آذربایجان شرقی', 'East Azerbaijan'], ['آذربایجان غربی', 'West Azerbaijan'], ['خوزستان', 'Khuzestan'],
  ['مازندران', 'Mazandaran'], ['گیلان', 'Gilan'], ['کرمان', 'Kerman'], ['البرز', 'Alborz'],
  ['سیستان و بلوچستان', 'Sistan and Baluchestan'], ['گلستان', 'Golestan'], ['هرمزگان', 'Hormozgan'],
  ['کرمانشاه', 'Kermanshah'], ['لرستان', 'Lorestan'], ['همدان', 'Hamadan'], ['کردستان', 'Kurdistan'],
  ['مرکزی', 'Markazi'], ['قزوین', 'Qazvin'], ['قم', 'Qom'], ['اردبیل', 'Ardabil'], ['یزد', 'Yazd'],
  ['زنجان', 'Zanjan'], ['بوشهر', 'Bushehr'], ['سمنان', 'Semnan'], ['چهارمحال و بختیاری', 'Chaharmahal and Bakhtiari'],
  ['خراسان شمالی', 'North Khorasan'], ['خراسان جنوبی', 'South Khorasan'], ['کهگیلویه و بویراحمد', 'Kohgiluyeh and Boyer-Ahmad'],
  ['ایلام', 'Ilam'],
];

/** What citizens type: Persian and English, whole and partial words, a misspelling or two. */
export const QUERIES_FA = [
  'گذرنامه', 'تمدید گذرنامه', 'شناسنامه', 'شناسنامه نوزاد', 'کارت ملی', 'کارت ملی هوشمند', 'گواهینامه رانندگی',
  'گواهی‌نامه', 'کد پستی', 'خلافی خودرو', 'جریمه', 'مالیات', 'بیمه بیکاری', 'یارانه', 'سند ملک', 'پروانه ساخت',
  'ثبت شرکت', 'کنکور', 'وام دانشجویی', 'معافیت سربازی', 'ازدواج', 'گواهی فوت', 'بازنشستگی', 'سوء پیشینه',
  'ثبت نام مدرسه', 'مجوز کسب', 'پلاک خودرو', 'ویزا', 'گمرک', 'سیم کارت',
];
export const QUERIES_EN = [
  'passport', 'renew passport', 'birth certificate', 'national id card', 'driving licence', 'driving license',
  'postal code', 'traffic fines', 'tax', 'unemployment insurance', 'pension', 'company registration', 'building permit',
  'student loan', 'marriage', 'visa', 'military service exemption', 'criminal record', 'SIM card', 'customs', 'pasport', 'certificat',
];

type Loc = { fa: string; en: string };
type Rec = Record<string, unknown>;

const persianDigits = (n: number) => String(n).replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
const clip = (s: string, max: number) => (s.length <= max ? s : s.slice(0, max).trimEnd());

export function generateCatalog(count: number) {
  const demo = demoCatalog() as { organizations: Rec[]; topics: Rec[]; lifeEvents: Rec[]; windows: Rec[]; services: Rec[] };
  const perOrg = new Map<string, number>();
  const slugs = new Set<string>();
  const firstVariant = new Map<string, string>();
  const services: Rec[] = [];
  for (let round = 0; services.length < count; round++) {
    const [provFa, provEn] = PROVINCES[round % PROVINCES.length]!;
    const office = Math.floor(round / PROVINCES.length);
    for (const tpl of demo.services) {
      if (services.length >= count) break;
      const org = tpl.organization as string;
      const n = (perOrg.get(org) ?? 10000) + 1;
      perOrg.set(org, n);
      const code = `${org}-${n}`;
      const title = tpl.title as Loc;
      const summary = tpl.summary as Loc;
      const whereFa = office ? `استان ${provFa}، دفتر ${persianDigits(office + 1)}` : `استان ${provFa}`;
      const whereEn = office ? `${provEn} province, office ${office + 1}` : `${provEn} province`;
      const suffix = slugify(office ? `${provEn} office ${office + 1}` : provEn);
      const baseSlug = (tpl.slug as string | undefined) ?? slugify(title.en);
      let slug = `${baseSlug.slice(0, 99 - suffix.length).replace(/-+$/, '')}-${suffix}`;
      if (slugs.has(slug)) slug = `${slug.slice(0, 99 - code.length).replace(/-+$/, '')}-${code.toLowerCase()}`;
      slugs.add(slug);
      if (!firstVariant.has(tpl.code as string)) firstVariant.set(tpl.code as string, code);
      services.push({
        ...tpl,
        code,
        slug,
        title: { fa: clip(`${title.fa} (${whereFa})`, 200), en: clip(`${title.en} (${whereEn})`, 200) },
        summary: { fa: clip(`${summary.fa} ارائه در ${whereFa}.`, 600), en: clip(`${summary.en} Provided in ${whereEn}.`, 600) },
      });
    }
  }
  // Windows may list demo services by code: point them at the first variant of each.
  const windows = demo.windows.map((w) => ({ ...w, services: ((w.services as string[] | undefined) ?? []).map((c) => firstVariant.get(c)).filter(Boolean) }));
  return { organizations: demo.organizations, topics: demo.topics, lifeEvents: demo.lifeEvents, windows, services: services as Array<Rec & { code: string; slug: string }> };
}

/** A deterministic shuffle, so every run sends the same sequence. */
export function shuffled<T>(items: T[], seed = 42): T[] {
  const out = [...items];
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
