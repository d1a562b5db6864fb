import { DEMO_AGENCIES, type Localized, type RegistryPerson } from '../../agencies/index.js';
import type { ExchangeClient } from './exchange-client.js';
import { InquiryFailure } from './exchange-client.js';
import { parseCertificateNumber, parsePlate, parsePostalCode } from './input.js';
import { EXAMPLE_PLATE, plateText } from './plate-text.js';

/**
 * The six inquiries the portal offers, each one or two calls of the data exchange. A personal
 * inquiry is always about the signed-in person: the national code comes from the portal session and
 * never from the form, and a plate is looked up only when the traffic police list it as theirs.
 */

export type InquirySlug = 'civil-registry' | 'insurance' | 'mobile-lines' | 'vehicle-fines' | 'certificate' | 'postal-address';

export interface InquiryField {
  name: 'plate' | 'postal_code' | 'certificate';
  /** Empty is allowed (the vehicle inquiry then lists the person's vehicles). */
  optional: boolean;
  inputmode: 'numeric' | 'text';
}

export interface InquiryDef {
  slug: InquirySlug;
  title: Localized;
  summary: Localized;
  /** The agency that holds the data. */
  agency: Localized;
  /** Needs a signed-in person, whose own data it shows. */
  personal: boolean;
  field: InquiryField | null;
}

function service(agencyId: string, code: string): { id: string; agency: Localized } {
  const agency = DEMO_AGENCIES.find((a) => a.id === agencyId);
  const s = agency?.services.find((x) => x.code === code);
  if (!agency || !s) throw new Error(`no demo service ${agencyId}/${code}`);
  return { id: s.id, agency: agency.name };
}

export const SERVICES = {
  person: service('IR/GOV/NOCR/registry', 'person'),
  insurance: service('IR/GOV/TAMIN/insurance', 'insurance-record'),
  lines: service('IR/GOV/CRA/lines', 'mobile-lines'),
  vehicles: service('IR/GOV/RAHVAR/traffic', 'person-vehicles'),
  fines: service('IR/GOV/RAHVAR/traffic', 'vehicle-fines'),
  certificate: service('IR/GOV/MSRT/certificates', 'certificate-verification'),
  address: service('IR/GOV/POST/postal', 'address'),
};

export const INQUIRIES: readonly InquiryDef[] = [
  {
    slug: 'civil-registry', personal: true, field: null, agency: SERVICES.person.agency,
    title: { fa: 'مشخصات هویتی من', en: 'My civil registry record' },
    summary: { fa: 'نام، نام پدر، تاریخ تولد و وضعیت حیات شما در ثبت احوال.', en: 'Your name, father’s name, date of birth and status in the civil registry.' },
  },
  {
    slug: 'insurance', personal: true, field: null, agency: SERVICES.insurance.agency,
    title: { fa: 'سوابق بیمهٔ من', en: 'My social security record' },
    summary: { fa: 'دوره‌های کار و ماه‌های پرداخت حق بیمه در سازمان تأمین اجتماعی.', en: 'Your periods of work and months of contributions at the Social Security Organization.' },
  },
  {
    slug: 'mobile-lines', personal: true, field: null, agency: SERVICES.lines.agency,
    title: { fa: 'سیم‌کارت‌های به نام من', en: 'Mobile lines registered to me' },
    summary: { fa: 'همهٔ خطوط تلفن همراهی که اپراتورها به نام شما ثبت کرده‌اند.', en: 'Every mobile line the operators have registered to your national code.' },
  },
  {
    slug: 'vehicle-fines', personal: true, field: { name: 'plate', optional: true, inputmode: 'text' }, agency: SERVICES.fines.agency,
    title: { fa: 'خلافی خودروهای من', en: 'Traffic fines of my vehicles' },
    summary: { fa: 'خودروهای به نام شما و خلافی‌های هر پلاک از پلیس راهور.', en: 'The vehicles registered to you and each plate’s fines, from the traffic police.' },
  },
  {
    slug: 'certificate', personal: true, field: { name: 'certificate', optional: false, inputmode: 'text' }, agency: SERVICES.certificate.agency,
    title: { fa: 'استعلام اصالت مدرک تحصیلی من', en: 'Verify my university certificate' },
    summary: { fa: 'آیا مدرک دانشگاهی با این شماره به نام شما در وزارت علوم ثبت است؟', en: 'Whether a university certificate with this number is registered to you at the Ministry of Science.' },
  },
  {
    slug: 'postal-address', personal: false, field: { name: 'postal_code', optional: false, inputmode: 'numeric' }, agency: SERVICES.address.agency,
    title: { fa: 'نشانی از کد پستی', en: 'Address of a postal code' },
    summary: { fa: 'نشانی کامل یک کد پستی ده‌رقمی از شرکت ملی پست.', en: 'The full address of a ten-digit postal code, from Iran Post.' },
  },
];

// ---- what the agencies answer (their OpenAPI documents, src/agencies/definitions.ts) ----
export type PersonRecord = RegistryPerson;
export interface InsuranceRecord {
  nationalCode: string;
  totalMonths: number;
  periods: { employer: Localized; workshopCode: string; from: string; to: string | null; months: number }[];
}
export interface Lines {
  nationalCode: string;
  lines: { mobile: string; operator: { code: string; fa: string; en: string }; registeredAt: string }[];
}
export interface Vehicle {
  plate: string;
  plateId: string;
  make: Localized;
  modelYear: number;
  color: Localized;
  registeredAt: string;
}
export interface Fines {
  plate: string;
  plateId: string;
  currency: string;
  unpaidTotal: number;
  fines: { number: string; committedAt: string; violation: { code: string; fa: string; en: string }; amount: number; location: Localized; paid: boolean }[];
}
export interface Address {
  postalCode: string;
  province: Localized;
  city: Localized;
  street: Localized;
  buildingNumber: string;
  unit: string | null;
  text: Localized;
}
export interface Certificate {
  certificateNumber: string;
  valid: boolean;
  holder?: { nationalCode: string; firstName: Localized; lastName: Localized };
  university?: Localized;
  degree?: { code: string; fa: string; en: string };
  field?: Localized;
  graduationDate?: string;
}

export type InquiryResult =
  | { slug: 'civil-registry'; person: PersonRecord }
  | { slug: 'insurance'; record: InsuranceRecord }
  | { slug: 'mobile-lines'; lines: Lines }
  | { slug: 'vehicle-fines'; vehicles: Vehicle[]; fines: Fines | null }
  | { slug: 'certificate'; certificate: Certificate }
  | { slug: 'postal-address'; address: Address };

/** An inquiry that ended in an answer for the citizen, or a refusal of what they typed (shown on the form). */
export type Outcome =
  | { ok: true; result: InquiryResult; references: string[] }
  | { ok: false; status: number; code: string; message: Localized };

const refusal = (status: number, code: string, fa: string, en: string): Outcome => ({ ok: false, status, code, message: { fa, en } });

export interface InquiryContext {
  exchange: ExchangeClient;
  /** The signed-in person's national code; null for a visitor (only public inquiries). */
  nationalCode: string | null;
  input: Record<string, string | undefined>;
}

const seg = encodeURIComponent;

/** Runs one inquiry; gateway failures are thrown as `InquiryFailure`. */
export async function runInquiry(slug: InquirySlug, ctx: InquiryContext): Promise<Outcome> {
  const { exchange } = ctx;
  const code = ctx.nationalCode;
  const def = INQUIRIES.find((d) => d.slug === slug)!;
  if (def.personal && !code) throw new InquiryFailure(401, 'unauthorized', { fa: 'ابتدا وارد شوید.', en: 'Sign in first.' }, null);
  const own = { userId: code ?? undefined };
  switch (slug) {
    case 'civil-registry': {
      const r = await exchange.get<PersonRecord>(SERVICES.person.id, `/persons/${seg(code!)}`, own);
      return r.ok ? { ok: true, result: { slug, person: r.data }, references: [r.xroadId] } : { ok: false, status: r.status, code: r.error.code, message: r.error.message };
    }
    case 'insurance': {
      const r = await exchange.get<InsuranceRecord>(SERVICES.insurance.id, `/insurance/${seg(code!)}`, own);
      return r.ok ? { ok: true, result: { slug, record: r.data }, references: [r.xroadId] } : { ok: false, status: r.status, code: r.error.code, message: r.error.message };
    }
    case 'mobile-lines': {
      const r = await exchange.get<Lines>(SERVICES.lines.id, `/lines/${seg(code!)}`, own);
      return r.ok ? { ok: true, result: { slug, lines: r.data }, references: [r.xroadId] } : { ok: false, status: r.status, code: r.error.code, message: r.error.message };
    }
    case 'vehicle-fines': {
      const raw = (ctx.input.plate ?? '').trim();
      const plate = raw ? parsePlate(raw) : null;
      if (raw && !plate) return refusal(400, 'invalid_plate', `پلاک درست نیست؛ آن را مانند ${plateText(EXAMPLE_PLATE, 'fa')} بنویسید.`, `The plate is not valid; write it like ${plateText(EXAMPLE_PLATE, 'en')} or 12-B-345-67.`);
      const mine = await exchange.get<{ vehicles: Vehicle[] }>(SERVICES.vehicles.id, `/persons/${seg(code!)}/vehicles`, own);
      if (!mine.ok) return { ok: false, status: mine.status, code: mine.error.code, message: mine.error.message };
      if (!plate) return { ok: true, result: { slug, vehicles: mine.data.vehicles, fines: null }, references: [mine.xroadId] };
      // Fines are personal data of the vehicle's owner: only a vehicle the police list as the person's own is asked about.
      if (!mine.data.vehicles.some((v) => v.plateId === plate.plateId)) {
        return refusal(403, 'not_your_vehicle', 'این پلاک به نام شما ثبت نشده است؛ فقط خلافی خودروهای خودتان را می‌توانید ببینید.', 'This plate is not registered to you; you can see the fines of your own vehicles only.');
      }
      const f = await exchange.get<Fines>(SERVICES.fines.id, `/vehicles/${seg(plate.plateId)}/fines`, own);
      if (!f.ok) return { ok: false, status: f.status, code: f.error.code, message: f.error.message };
      return { ok: true, result: { slug, vehicles: mine.data.vehicles, fines: f.data }, references: [mine.xroadId, f.xroadId] };
    }
    case 'certificate': {
      const number = parseCertificateNumber(ctx.input.certificate ?? '');
      if (!number) return refusal(400, 'invalid_certificate_number', 'شمارهٔ مدرک درست نیست؛ آن را مانند ۱۳۹۱-۰۰۴۵۱۲ بنویسید.', 'The certificate number is not valid; write it like 1391-004512.');
      const r = await exchange.get<Certificate>(SERVICES.certificate.id, `/certificates/${seg(number)}?nationalCode=${seg(code!)}`, own);
      return r.ok ? { ok: true, result: { slug, certificate: r.data }, references: [r.xroadId] } : { ok: false, status: r.status, code: r.error.code, message: r.error.message };
    }
    case 'postal-address': {
      const postal = parsePostalCode(ctx.input.postal_code ?? '');
      if (!postal) return refusal(400, 'invalid_postal_code', 'کد پستی باید ده رقم باشد؛ مانند ۱۴۳۴۸۴۳۱۸۱.', 'The postal code must be ten digits, e.g. 1434843181.');
      const r = await exchange.get<Address>(SERVICES.address.id, `/addresses/${seg(postal)}`, own);
      return r.ok ? { ok: true, result: { slug, address: r.data }, references: [r.xroadId] } : { ok: false, status: r.status, code: r.error.code, message: r.error.message };
    }
  }
}
