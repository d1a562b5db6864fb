// Writes demo/calendar/<year>.json: the official holidays of Jalali years, for the demo and as a draft
// for operators (docs/operations.md, "Working days and holidays"). Regenerate with
//
//   node --import tsx scripts/calendar-holidays.ts 1405 1406
//
// Solar holidays are fixed Jalali days. Lunar ones are computed with ICU's `islamic-umalqura` calendar
// through Intl, then moved by the corrections below where Iran's official calendar is known to start a
// month on another day (Iran sights the moon itself; Umm al-Qura is Saudi Arabia's calendar). The
// official lunar dates are announced and can still move by a day: the operator corrects the table.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addDays, dayNumber, fromJalali, gregorianToJalali, isoFromDayNumber, jalaliIso } from '../src/platform/calendar/jalali.js';

type Name = { fa: string; en: string };
type Kind = 'solar' | 'lunar';

const SOLAR: Array<[month: number, day: number, name: Name]> = [
  [1, 1, { fa: 'آغاز نوروز', en: 'Nowruz (New Year)' }],
  [1, 2, { fa: 'عید نوروز', en: 'Nowruz holiday' }],
  [1, 3, { fa: 'عید نوروز', en: 'Nowruz holiday' }],
  [1, 4, { fa: 'عید نوروز', en: 'Nowruz holiday' }],
  [1, 12, { fa: 'روز جمهوری اسلامی ایران', en: 'Islamic Republic Day' }],
  [1, 13, { fa: 'روز طبیعت', en: 'Nature Day (Sizdah Bedar)' }],
  [3, 14, { fa: 'رحلت حضرت امام خمینی', en: 'Anniversary of the death of Ayatollah Khomeini' }],
  [3, 15, { fa: 'قیام ۱۵ خرداد', en: '15 Khordad uprising' }],
  [11, 22, { fa: 'پیروزی انقلاب اسلامی', en: 'Victory of the Islamic Revolution' }],
  [12, 29, { fa: 'روز ملی شدن صنعت نفت ایران', en: 'Oil Nationalisation Day' }],
];

/** [Hijri month, day (or 'last': the day before the next month's 1st), name]. */
const LUNAR: Array<[month: number, day: number | 'last', name: Name]> = [
  [1, 9, { fa: 'تاسوعای حسینی', en: 'Tasua' }],
  [1, 10, { fa: 'عاشورای حسینی', en: 'Ashura' }],
  [2, 20, { fa: 'اربعین حسینی', en: 'Arbaeen' }],
  [2, 28, { fa: 'رحلت حضرت رسول اکرم و شهادت امام حسن مجتبی', en: 'Death of the Prophet Muhammad and martyrdom of Imam Hassan' }],
  [2, 'last', { fa: 'شهادت امام رضا', en: 'Martyrdom of Imam Reza' }],
  // Official since 2017: Act on the Permanent Provisions of the Development Plans, art. 37(h).
  [3, 8, { fa: 'شهادت امام حسن عسکری', en: 'Martyrdom of Imam Hassan al-Askari' }],
  [3, 17, { fa: 'میلاد حضرت رسول اکرم و امام جعفر صادق', en: 'Birthday of the Prophet Muhammad and Imam Sadeq' }],
  [6, 3, { fa: 'شهادت حضرت فاطمه زهرا', en: 'Martyrdom of Fatima al-Zahra' }],
  [7, 13, { fa: 'ولادت امام علی', en: 'Birthday of Imam Ali' }],
  [7, 27, { fa: 'مبعث حضرت رسول اکرم', en: "Mab'ath (the Prophet's mission)" }],
  [8, 15, { fa: 'ولادت حضرت قائم', en: 'Birthday of Imam Mahdi' }],
  [9, 21, { fa: 'شهادت حضرت علی', en: 'Martyrdom of Imam Ali' }],
  [10, 1, { fa: 'عید سعید فطر', en: 'Eid al-Fitr' }],
  [10, 2, { fa: 'تعطیل به مناسبت عید سعید فطر', en: 'Eid al-Fitr holiday' }],
  [10, 25, { fa: 'شهادت امام جعفر صادق', en: 'Martyrdom of Imam Sadeq' }],
  [12, 10, { fa: 'عید سعید قربان', en: 'Eid al-Adha' }],
  [12, 18, { fa: 'عید سعید غدیر خم', en: 'Eid al-Ghadir' }],
];

/**
 * Days to move a Hijri month's start where Iran's official calendar differs from Umm al-Qura, keyed
 * `hijriYear-month`. Shawwal 1447: the official calendar of 1405 has Eid al-Fitr on 1 Farvardin 1405
 * (2026-03-21), Umm al-Qura on 2026-03-20.
 */
const CORRECTIONS: Record<string, number> = { '1447-10': 1 };

const umalqura = new Intl.DateTimeFormat('en-u-ca-islamic-umalqura-nu-latn', { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });

function hijri(iso: string): { y: number; m: number; d: number } {
  const p = Object.fromEntries(umalqura.formatToParts(dayNumber(iso) * 86_400_000 + 43_200_000).filter((x) => x.type !== 'literal').map((x) => [x.type, Number(x.value)]));
  return { y: p.year!, m: p.month!, d: p.day! };
}

/** The Gregorian day of a Hijri date in Iran's reckoning (Umm al-Qura, corrected), from a table of the span. */
function lunarDays(from: string, to: string) {
  const firstOfMonth = new Map<string, string>();
  for (let d = dayNumber(from) - 70; d <= dayNumber(to) + 70; d++) {
    const iso = isoFromDayNumber(d);
    const h = hijri(iso);
    if (h.d === 1) firstOfMonth.set(`${h.y}-${h.m}`, addDays(iso, CORRECTIONS[`${h.y}-${h.m}`] ?? 0));
  }
  return (y: number, m: number, day: number | 'last'): string | undefined => {
    if (day === 'last') {
      const next = m === 12 ? `${y + 1}-1` : `${y}-${m + 1}`;
      const first = firstOfMonth.get(next);
      return first && addDays(first, -1);
    }
    const first = firstOfMonth.get(`${y}-${m}`);
    return first && addDays(first, day - 1);
  };
}

export function holidaysOf(year: number): Array<{ jalali: string; name: Name; kind: Kind }> {
  const start = fromJalali(year, 1, 1);
  const end = fromJalali(year + 1, 1, 1);
  const byDay = new Map<string, { names: Name[]; kinds: Set<Kind> }>();
  const put = (iso: string, name: Name, kind: Kind) => {
    if (iso < start || iso >= end) return;
    const e = byDay.get(iso) ?? { names: [], kinds: new Set<Kind>() };
    e.names.push(name);
    e.kinds.add(kind);
    byDay.set(iso, e);
  };
  for (const [m, d, name] of SOLAR) put(fromJalali(year, m, d), name, 'solar');
  const lunar = lunarDays(start, end);
  for (let hy = hijri(start).y; hy <= hijri(end).y; hy++) {
    for (const [m, d, name] of LUNAR) {
      const iso = lunar(hy, m, d);
      if (iso) put(iso, name, 'lunar');
    }
  }
  return [...byDay.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([iso, e]) => ({
      jalali: jalaliIso(gregorianToJalali(iso)),
      name: { fa: e.names.map((n) => n.fa).join(' و '), en: e.names.map((n) => n.en).join('; ') },
      // A day that is both stays `solar`: removing it when the lunar feast moves must not lose the fixed holiday.
      kind: e.kinds.has('solar') ? 'solar' : 'lunar',
    }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const years = process.argv.slice(2).map(Number);
  if (years.length === 0 || years.some((y) => !Number.isInteger(y))) {
    console.error('usage: node --import tsx scripts/calendar-holidays.ts 1405 [1406 …]');
    process.exit(2);
  }
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../demo/calendar');
  fs.mkdirSync(dir, { recursive: true });
  for (const y of years) {
    const list = holidaysOf(y);
    const file = path.join(dir, `${y}.json`);
    fs.writeFileSync(file, `[\n${list.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`);
    console.log(`${file}: ${list.length} days`);
  }
}
