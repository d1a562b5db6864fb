import type { Localized, ServiceData } from '../../catalog/index.js';

/** The console's service form as posted (application/x-www-form-urlencoded); repeated fields arrive as arrays. */
export type FormValues = Record<string, string | string[] | undefined>;

const str = (v: FormValues[string]): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();
const list = (v: FormValues[string]): string[] => (Array.isArray(v) ? v : v ? [v] : []).map((x) => x.trim()).filter(Boolean);
const lines = (v: FormValues[string]) => str(v).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
const words = (v: FormValues[string]) => str(v).split(/[,،]/).map((l) => l.trim()).filter(Boolean);

export interface FieldError {
  field: string;
  reason: string;
}

function optionalLocalized(fa: string, en: string, field: string, errors: FieldError[]): Localized | undefined {
  if (!fa && !en) return undefined;
  if (!fa || !en) errors.push({ field, reason: 'write it in both Persian and English' });
  return { fa, en };
}

function pairedLines(f: FormValues, name: string, errors: FieldError[]): Localized[] {
  const fa = lines(f[`${name}_fa`]);
  const en = lines(f[`${name}_en`]);
  if (fa.length !== en.length) errors.push({ field: `${name}_fa`, reason: 'give the same number of lines in Persian and English, one item per line' });
  return fa.map((x, i) => ({ fa: x, en: en[i] ?? '' }));
}

function whole(v: FormValues[string], field: string, errors: FieldError[]): number | undefined {
  const raw = str(v).replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0)).replace(/[,٬]/g, '');
  if (!raw) return undefined;
  if (!/^\d{1,15}$/.test(raw)) {
    errors.push({ field, reason: 'must be a whole number' });
    return undefined;
  }
  return Number(raw);
}

/** Turns the posted form into a service record for the workflow (which validates it against the schema). */
export function formToService(f: FormValues): { input: Record<string, unknown>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const channels: unknown[] = [];
  // A page of this platform, written as the Persian address (`/inquiries/vehicle-fines`); the catalogue checks it exists.
  if (str(f.platform_path)) channels.push({ type: 'platform', path: str(f.platform_path) });
  if (str(f.online_url)) channels.push({ type: 'online', url: str(f.online_url) });
  const inPerson = optionalLocalized(str(f.inperson_fa), str(f.inperson_en), 'inperson_fa', errors);
  if (inPerson) channels.push({ type: 'in-person', instructions: inPerson });
  if (str(f.phone_number)) channels.push({ type: 'phone', number: str(f.phone_number) });
  if (!channels.length) errors.push({ field: 'online_url', reason: 'give at least one way to get the service: on this platform, online, in person or by phone' });
  const input: Record<string, unknown> = {
    code: str(f.code),
    title: { fa: str(f.title_fa), en: str(f.title_en) },
    summary: { fa: str(f.summary_fa), en: str(f.summary_en) },
    organization: str(f.organization),
    topics: list(f.topics),
    lifeEvents: list(f.lifeEvents),
    channels,
    requirements: pairedLines(f, 'requirements', errors),
    evidence: pairedLines(f, 'evidence', errors),
    cost: { amount: whole(f.cost, 'cost', errors) ?? 0, currency: 'IRR' },
    processingDays: whole(f.processingDays, 'processingDays', errors) ?? 0,
    legalBasis: optionalLocalized(str(f.legal_fa), str(f.legal_en), 'legal_fa', errors) ?? null,
    output: optionalLocalized(str(f.output_fa), str(f.output_en), 'output_fa', errors) ?? null,
    keywords: { fa: words(f.keywords_fa), en: words(f.keywords_en) },
    smart: str(f.smart) === 'on' || str(f.smart) === 'true',
  };
  const description = optionalLocalized(str(f.description_fa), str(f.description_en), 'description_fa', errors);
  if (description) input.description = description;
  if (str(f.slug)) input.slug = str(f.slug);
  // The online-delivery definition is written as JSON; the catalogue checks what it says (src/services/definition.ts).
  if (str(f.delivery)) {
    try {
      input.delivery = JSON.parse(str(f.delivery));
    } catch (e) {
      errors.push({ field: 'delivery', reason: `not valid JSON: ${(e as Error).message}` });
    }
  }
  return { input, errors };
}

/** The form's values for an existing record. */
export function serviceToForm(s: ServiceData): FormValues {
  const platform = s.channels.find((c) => c.type === 'platform');
  const online = s.channels.find((c) => c.type === 'online');
  const inPerson = s.channels.find((c) => c.type === 'in-person');
  const phone = s.channels.find((c) => c.type === 'phone');
  return {
    code: s.code,
    slug: s.slug,
    organization: s.organization,
    title_fa: s.title.fa,
    title_en: s.title.en,
    summary_fa: s.summary.fa,
    summary_en: s.summary.en,
    description_fa: s.description.fa,
    description_en: s.description.en,
    topics: s.topics,
    lifeEvents: s.lifeEvents,
    platform_path: platform?.type === 'platform' ? platform.path : '',
    online_url: online?.type === 'online' ? online.url : '',
    inperson_fa: inPerson?.type === 'in-person' ? inPerson.instructions.fa : '',
    inperson_en: inPerson?.type === 'in-person' ? inPerson.instructions.en : '',
    phone_number: phone?.type === 'phone' ? phone.number : '',
    requirements_fa: s.requirements.map((r) => r.fa).join('\n'),
    requirements_en: s.requirements.map((r) => r.en).join('\n'),
    evidence_fa: s.evidence.map((r) => r.fa).join('\n'),
    evidence_en: s.evidence.map((r) => r.en).join('\n'),
    cost: String(s.cost.amount),
    processingDays: String(s.processingDays),
    legal_fa: s.legalBasis?.fa ?? '',
    legal_en: s.legalBasis?.en ?? '',
    output_fa: s.output?.fa ?? '',
    output_en: s.output?.en ?? '',
    keywords_fa: s.keywords.fa.join('، '),
    keywords_en: s.keywords.en.join(', '),
    smart: s.smart ? 'on' : '',
    delivery: s.delivery ? JSON.stringify(s.delivery, null, 2) : '',
  };
}

/** Maps a schema error's field path (title.fa, channels.0) to the form field that holds it. */
export function formFieldOf(path: string): string {
  const m: Array<[RegExp, string]> = [
    [/^title\.(fa|en)/, 'title_$1'],
    [/^summary\.(fa|en)/, 'summary_$1'],
    [/^description\.(fa|en)/, 'description_$1'],
    [/^channels\.\d+\.path/, 'platform_path'],
    [/^channels\.\d+/, 'online_url'],
    [/^requirements/, 'requirements_fa'],
    [/^evidence/, 'evidence_fa'],
    [/^legalBasis/, 'legal_fa'],
    [/^output/, 'output_fa'],
    [/^keywords\.(fa|en)/, 'keywords_$1'],
    [/^cost/, 'cost'],
    [/^delivery/, 'delivery'],
  ];
  for (const [re, to] of m) if (re.test(path)) return path.replace(re, to).replace(/\..*$/, '');
  return path.split('.')[0] ?? path;
}
