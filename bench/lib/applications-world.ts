import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { demoCatalog } from '../../src/app.js';
import { generateDemoWorld } from '../../src/agencies/index.js';
import { FEMALE_NAMES, LAST_NAMES, MALE_NAMES } from '../../src/agencies/names.js';
import { nationalCodeCheckDigit } from '../../src/platform/national-code.js';
import { uuidV7 } from '../../src/platform/uuid.js';
import { verhoeffDigit } from '../../src/services/tracking-code.js';

/**
 * The world of `npm run bench:applications`: the demo catalogue with its five services delivered on
 * the platform plus one delivered service for each of ten more agencies (16 organisations handle
 * steps), and a national-size table of applications written straight into the database in bulk.
 *
 * The distribution (deterministic, a seeded generator):
 * - services weighted as a national portal would see them (the criminal record certificate 22 %, the
 *   driving licence 16 %, the passport 12 %, … 1 %); the unemployment benefit's two steps are handled
 *   by two organisations (Social Security, then the Ministry of Labour);
 * - applicants: one per five applications; a tenth of them apply often (30 % of all applications);
 * - statuses: most decided (approved 78.5 %, rejected 8 %, withdrawn 5 %), open work 6 % (submitted 3 %,
 *   in review 2 %, changes requested 1 %), drafts 1.5 %, awaiting payment 1 % (services with a fee);
 * - open work submitted in the last weeks, its deadline the step's working days later (about 1.4
 *   calendar days each): about a fifth overdue, a few escalated; decided work over two years, before
 *   today (today's applications would count against the daily limit of the submissions measured);
 * - history: the submission (a draft's creation) and the last status change, two events at most per
 *   application (no page measured here reads them; `GET /api/v1/applications/{id}` would).
 * Deadline jobs are not written: the seeded deadlines are data to read, not work for the job runner.
 */

const L = (fa: string, en: string) => ({ fa, en });

/** Ten more agencies' services delivered on the platform, each one step of its own agency. */
const EXTRA: Array<{ code: string; days: number; prefill: boolean }> = [
  { code: 'PASSPORT-0002', days: 7, prefill: true },
  { code: 'NOCR-0010', days: 5, prefill: true },
  { code: 'POLICE-0003', days: 10, prefill: true },
  { code: 'POST-0003', days: 5, prefill: true },
  { code: 'TAVANIR-0004', days: 7, prefill: true },
  { code: 'ABFA-0004', days: 10, prefill: true },
  { code: 'SSAA-0010', days: 15, prefill: true },
  { code: 'MOFA-0001', days: 7, prefill: true },
  { code: 'CONSCRIPTION-0003', days: 15, prefill: true },
  // Its form asks two questions and reads no registry: the submission measured without an exchange call.
  { code: 'IHIO-0002', days: 5, prefill: false },
];

/** Share of all applications per service, in per cent. */
const WEIGHTS: Record<string, number> = {
  'JUDICIARY-0006': 22, 'RAHVAR-0004': 16, 'PASSPORT-0002': 12, 'MCLS-0001': 8, 'NOCR-0010': 8, 'MSRT-0002': 6, 'TCI-0002': 5, 'POLICE-0003': 5,
  'POST-0003': 4, 'TAVANIR-0004': 3, 'ABFA-0004': 3, 'SSAA-0010': 3, 'MOFA-0001': 2, 'CONSCRIPTION-0003': 2, 'IHIO-0002': 1,
};

/** The free service with a civil-registry prefill, and the one without any, whose submissions are measured. */
export const SUBMIT_WITH_REGISTRY = 'NOCR-0010';
export const SUBMIT_WITHOUT_PREFILL = 'IHIO-0002';
/** The demo's unemployment benefit: free, its insurance record read from Social Security through the exchange. */
export const SUBMIT_DEMO = 'MCLS-0001';

const purposeForm = {
  schema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    required: ['purpose'],
    properties: { purpose: { type: 'string', enum: ['self', 'family', 'employer'] }, note: { type: 'string', maxLength: 500 } },
  },
  fields: {
    purpose: {
      kind: 'choice',
      label: L('این درخواست برای چه کسی است؟', 'Who is this application for?'),
      options: [
        { value: 'self', label: L('خودم', 'Myself') },
        { value: 'family', label: L('یکی از خانواده', 'A member of my family') },
        { value: 'employer', label: L('کارفرما', 'My employer') },
      ],
    },
    note: { kind: 'text', label: L('توضیح (اختیاری)', 'Note (optional)') },
  },
  pages: [{ id: 'purpose', title: L('درخواست', 'Your application'), fields: ['purpose', 'note'] }],
};

const registryPrefill = {
  id: 'identity',
  source: L('از ثبت احوال', 'from the civil registry'),
  service: 'IR/GOV/NOCR/registry/person',
  path: '/persons/{nationalCode}',
  fields: [
    { id: 'firstName', label: L('نام', 'First name'), pointer: '/firstName/fa' },
    { id: 'lastName', label: L('نام خانوادگی', 'Last name'), pointer: '/lastName/fa' },
    { id: 'fatherName', label: L('نام پدر', 'Father’s name'), pointer: '/fatherName/fa' },
  ],
};

/** The demo catalogue, ten more services delivered, and JUDICIARY (the largest queue) linked to its exchange member. */
export function benchCatalog(): Record<string, unknown[]> {
  const file = demoCatalog() as { organizations: Array<Record<string, unknown>>; services: Array<Record<string, unknown>> } & Record<string, unknown[]>;
  for (const o of file.organizations) if (o.code === 'JUDICIARY') o.exchangeMembers = ['IR/GOV/JUDICIARY'];
  for (const x of EXTRA) {
    const s = file.services.find((v) => v.code === x.code);
    if (!s) throw new Error(`the demo catalogue has no ${x.code}`);
    s.delivery = {
      form: purposeForm,
      prefill: x.prefill ? [registryPrefill] : [],
      fee: null,
      steps: [{ id: 'review', organization: s.organization, title: L('بررسی درخواست', 'Review of the application'), deadlineDays: x.days }],
      reasons: [L('مدارک کامل نیست.', 'The documents are incomplete.')],
      document: null,
    };
  }
  return file;
}

/** What the seeder needs of each delivered service (from `applications.delivered(code)`). */
export interface SeedService {
  code: string;
  version: number;
  fee: number;
  steps: Array<{ id: string; organization: string; deadlineDays: number }>;
  firstPage: string;
}

/** A seeded generator (mulberry32), so every run writes the same world. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Calendar days per working day, roughly (Fridays and holidays). */
const CAL = 1.4;

export interface World {
  applicants: number;
  /** The national code of applicant `i` (0 ≤ i < applicants). */
  code(i: number): string;
  name(i: number): { fa: string; en: string; first: [string, string]; last: [string, string]; gender: 'male' | 'female' };
  /** The applicants who are also in the civil registry and hold the national identity (the measured citizens). */
  citizens: number[];
}

export function makeWorld(applications: number, citizens: number): World {
  const applicants = Math.max(100, Math.round(applications / 5));
  const demo = new Set(generateDemoWorld().people.map((p) => p.national_code));
  const codes = new Map<number, string>();
  const code = (i: number) => {
    let c = codes.get(i);
    if (c) return c;
    for (const base of [300_000_000, 500_000_000, 700_000_000]) {
      const first9 = String(base + i);
      c = `${first9}${nationalCodeCheckDigit(first9)}`;
      if (!demo.has(c)) break;
    }
    codes.set(i, c!);
    return c!;
  };
  const name = (i: number) => {
    const female = i % 2 === 1;
    const first = (female ? FEMALE_NAMES : MALE_NAMES)[(i >> 1) % 40]! as [string, string];
    const last = LAST_NAMES[(i * 7) % LAST_NAMES.length]! as [string, string];
    return { fa: `${first[0]} ${last[0]}`, en: `${first[1]} ${last[1]}`, first, last, gender: (female ? 'female' : 'male') as 'male' | 'female' };
  };
  // Evenly over the applicants, so frequent ones (the first tenth) and occasional ones are both among them.
  const n = Math.min(citizens, applicants);
  const stride = applicants / n;
  return { applicants, code, name, citizens: Array.from({ length: n }, (_, k) => Math.floor(k * stride)) };
}

type Status = 'draft' | 'awaiting_payment' | 'submitted' | 'in_review' | 'changes_requested' | 'approved' | 'rejected' | 'withdrawn';
const STATUS_WEIGHTS: Array<[Status, number]> = [
  ['draft', 1.5], ['awaiting_payment', 1], ['submitted', 3], ['in_review', 2], ['changes_requested', 1], ['approved', 78.5], ['rejected', 8], ['withdrawn', 5],
];

function pick<T>(weighted: Array<[T, number]>, u: number): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let x = u * total;
  for (const [v, w] of weighted) if ((x -= w) < 0) return v;
  return weighted[weighted.length - 1]![0];
}

/** Answers as each service's form takes them, and registry data as its prefill brought it (one string per service). */
function payloads(s: SeedService): { answers: string; prefill: string } {
  const at = '2026-11-01T08:00:00.000Z';
  const person = { id: 'identity', source: L('از ثبت احوال', 'from the civil registry'), fields: [{ id: 'firstName', label: L('نام', 'First name'), value: 'علی' }, { id: 'lastName', label: L('نام خانوادگی', 'Last name'), value: 'رضایی' }, { id: 'fatherName', label: L('نام پدر', 'Father’s name'), value: 'حسن' }], xroadId: '0192f0c1-7c1e-7000-8000-000000000000', at };
  const answers: Record<string, unknown> =
    s.code === 'MCLS-0001' ? { lastDay: '1405-07-30', reason: 'contract-ended', iban: 'IR820540102680020817909002' }
    : s.code === 'JUDICIARY-0006' ? { purpose: 'employment' }
    : s.code === 'MSRT-0002' ? { degree: 'MSRT-1398-000123', country: 'DE' }
    : s.code === 'RAHVAR-0004' ? { licence: '9912345678', circumstance: 'lost', where: 'تهران', deliveryAddress: 'same' }
    : s.code === 'TCI-0002' ? { phone: '02188776655', postalCode: '1968653111' }
    : { purpose: 'self' };
  const prefill = s.code === 'MCLS-0001'
    ? [{ id: 'insurance', source: L('از سازمان تأمین اجتماعی', 'from the Social Security Organization'), fields: [{ id: 'totalMonths', label: L('سابقه پرداخت حق بیمه (ماه)', 'Months of contributions'), value: '84' }], items: [1, 2].map((k) => ({ label: `دوره بیمه ${k}`, fields: [{ id: 'employer', label: L('کارفرما', 'Employer'), value: 'شرکت صنایع غذایی البرز' }, { id: 'from', label: L('از', 'From'), value: '2019-03-21' }, { id: 'to', label: L('تا', 'To'), value: '2026-10-21' }, { id: 'months', label: L('ماه', 'Months'), value: '42' }] })), xroadId: '0192f0c1-7c1e-7000-8000-000000000001', at }]
    : s.code === 'IHIO-0002' ? [] : [person];
  return { answers: JSON.stringify(answers), prefill: JSON.stringify(prefill) };
}

export interface SeedResult {
  applications: number;
  events: number;
  /** Applications per organisation whose queue holds them now (every status). */
  perOrganization: Map<string, number>;
  /** Open applications (submitted, in review, changes requested) per organisation. */
  openPerOrganization: Map<string, number>;
  ms: number;
}

/**
 * Writes `count` applications and their events in bulk: multi-row INSERTs of 1,000 rows, 50,000 rows
 * a transaction, in the order of their ids (time-ordered UUIDs), as a platform two years old would hold them.
 */
export async function seedApplications(db: Kysely<any>, count: number, services: SeedService[], world: World, now: Date, onProgress?: (done: number) => void): Promise<SeedResult> {
  const t0 = performance.now();
  const r = rng(0x9a11ca7e);
  const byCode = new Map(services.map((s) => [s.code, s]));
  const weighted = Object.entries(WEIGHTS).map(([c, w]) => [byCode.get(c)!, w] as [SeedService, number]);
  if (weighted.some(([s]) => !s)) throw new Error('a weighted service is not delivered');
  const body = new Map(services.map((s) => [s.code, payloads(s)]));
  // Eight caseworkers per organisation, named as the console names staff (`person:` and a national code).
  const orgs = [...new Set(services.flatMap((s) => s.steps.map((x) => x.organization)))];
  const caseworkers = (org: string, k: number) => {
    const first9 = String(400_000_000 + orgs.indexOf(org) * 10 + k);
    return `person:${first9}${nationalCodeCheckDigit(first9)}`;
  };
  const nowMs = now.getTime();
  // Nothing seeded is from today (Tehran's day): the submissions measured must not meet the daily limit.
  const todayStart = Math.floor((nowMs + 3.5 * HOUR) / DAY) * DAY - 3.5 * HOUR;
  const latest = todayStart - HOUR;

  // First what each application is (compact), then its time; then written in time order.
  const svc = new Uint8Array(count);
  const status = new Uint8Array(count);
  const submitted = new Float64Array(count);
  const created = new Float64Array(count);
  const step = new Uint8Array(count);
  const applicant = new Int32Array(count);
  const statuses = STATUS_WEIGHTS.map(([s]) => s);
  const frequent = Math.max(1, Math.floor(world.applicants / 10));
  for (let i = 0; i < count; i++) {
    const s = pick(weighted, r());
    const si = services.indexOf(s);
    let st = pick(STATUS_WEIGHTS, r());
    if (st === 'awaiting_payment' && s.fee === 0) st = 'approved';
    svc[i] = si;
    status[i] = statuses.indexOf(st);
    applicant[i] = r() < 0.3 ? Math.floor(r() * frequent) : Math.floor(r() * world.applicants);
    const days = s.steps.reduce((sum, x) => sum + x.deadlineDays, 0) * CAL;
    let sub: number;
    if (st === 'draft') sub = NaN;
    else if (st === 'awaiting_payment') sub = latest - r() * 3 * DAY;
    else if (st === 'submitted' || st === 'in_review' || st === 'changes_requested') {
      // One step of the service: its deadline is D working days after entering it. 95 %: within 1.25 D
      // (a fifth overdue); 5 %: a backlog up to a month past the deadline (escalated).
      const k = s.steps.length > 1 ? Math.floor(r() * s.steps.length) : 0;
      step[i] = k;
      const d = s.steps[k]!.deadlineDays * CAL * DAY;
      sub = nowMs - (r() < 0.95 ? r() * 1.25 * d : d + 4.2 * DAY + r() * 30 * DAY);
      sub = Math.min(sub, latest);
    } else sub = latest - 20 * DAY - r() * (710 * DAY - days * DAY);
    submitted[i] = sub;
    created[i] = st === 'draft' ? latest - r() * 29 * DAY : sub - (2 * 60_000 + r() * DAY);
  }
  const order = Uint32Array.from({ length: count }, (_, i) => i).sort((a, b) => created[a]! - created[b]!);

  const iso = (ms: number) => new Date(ms).toISOString();
  const perOrganization = new Map<string, number>();
  const openPerOrganization = new Map<string, number>();
  let events = 0;
  const ROWS = 1000;
  const PER_TX = 50_000;
  let written = 0;
  while (written < count) {
    await db.transaction().execute(async (trx) => {
      for (let end = Math.min(written + PER_TX, count); written < end; ) {
        const apps: Array<Record<string, unknown>> = [];
        const evs: Array<Record<string, unknown>> = [];
        for (const stop = Math.min(written + ROWS, end); written < stop; written++) {
          const i = order[written]!;
          const s = services[svc[i]!]!;
          const st = statuses[status[i]!]!;
          const who = applicant[i]!;
          const nm = world.name(who);
          const createdMs = created[i]!;
          const sub = submitted[i]!;
          const id = uuidV7(Math.floor(createdMs));
          const open = st === 'submitted' || st === 'in_review' || st === 'changes_requested';
          const decided = st === 'approved' || st === 'rejected' || st === 'withdrawn';
          // The step it is at now: open work at its drawn step; an approval at the last; a rejection at any.
          const k = open ? step[i]! : st === 'approved' ? s.steps.length - 1 : st === 'rejected' ? Math.floor(r() * s.steps.length) : 0;
          const stepOf = s.steps[k]!;
          const stepStart = open && k > 0 ? sub + s.steps[0]!.deadlineDays * CAL * DAY * r() : sub;
          const deadline = st === 'draft' || st === 'awaiting_payment' ? null : stepStart + stepOf.deadlineDays * CAL * DAY;
          const decidedMs = decided ? Math.min(latest, sub + (0.2 + r() * 1.2) * stepOf.deadlineDays * CAL * DAY) : null;
          const overdue = deadline === null ? 0 : open ? (deadline < nowMs - 4.2 * DAY ? 2 : deadline < nowMs ? 1 : 0) : decidedMs! > deadline && st !== 'withdrawn' ? 1 : 0;
          const assigned = st === 'in_review' || st === 'changes_requested' || st === 'approved' || st === 'rejected' ? caseworkers(stepOf.organization, Math.floor(r() * 8)) : null;
          const updated = decidedMs ?? (open ? Math.max(stepStart, sub) + r() * HOUR : st === 'draft' ? createdMs + r() * HOUR : sub);
          const p = body.get(s.code)!;
          apps.push({
            id,
            tracking_code: trackingCode(written),
            service_code: s.code,
            service_version: s.version,
            applicant: world.code(who),
            applicant_name_fa: nm.fa,
            applicant_name_en: nm.en,
            applicant_mobile: `0935${String(who).padStart(7, '0')}`,
            applicant_email: null,
            status: st,
            step_index: k,
            organization: stepOf.organization,
            answers: st === 'draft' ? '{}' : p.answers,
            prefill: p.prefill,
            page: st === 'draft' ? s.firstPage : null,
            fee_amount: s.fee,
            paid_at: s.fee > 0 && st !== 'draft' && st !== 'awaiting_payment' ? iso(sub + 5 * 60_000) : null,
            deadline: deadline === null ? null : iso(deadline),
            paused_remaining: st === 'changes_requested' ? 1 + Math.floor(r() * stepOf.deadlineDays) : null,
            overdue,
            assigned_to: assigned,
            first_approval_by: null,
            created_at: iso(createdMs),
            updated_at: iso(updated),
            submitted_at: Number.isNaN(sub) ? null : iso(sub),
            decided_at: decidedMs === null ? null : iso(decidedMs),
            expires_at: st === 'draft' ? iso(updated + 30 * DAY) : null,
            rev: open || decided ? 3 : 1,
          });
          perOrganization.set(stepOf.organization, (perOrganization.get(stepOf.organization) ?? 0) + 1);
          if (open) openPerOrganization.set(stepOf.organization, (openPerOrganization.get(stepOf.organization) ?? 0) + 1);
          const person = `person:${world.code(who)}`;
          if (st === 'draft') evs.push({ application_id: id, at: iso(createdMs), actor: person, kind: 'created', status: 'draft', detail: '{}', internal: 0 });
          else evs.push({ application_id: id, at: iso(sub), actor: person, kind: 'submitted', status: st === 'awaiting_payment' ? 'awaiting_payment' : 'submitted', detail: JSON.stringify({ step: s.steps[0]!.id, organization: s.steps[0]!.organization, deadline: deadline === null ? undefined : iso(deadline) }), internal: 0 });
          if (st === 'approved' || st === 'rejected') evs.push({ application_id: id, at: iso(decidedMs!), actor: assigned, kind: st, status: st, detail: JSON.stringify(st === 'rejected' ? { step: stepOf.id, reasons: [L('مدارک کامل نیست.', 'The documents are incomplete.')] } : { step: stepOf.id }), internal: 0 });
          else if (st === 'withdrawn') evs.push({ application_id: id, at: iso(decidedMs!), actor: person, kind: 'withdrawn', status: 'withdrawn', detail: '{}', internal: 0 });
          else if (st === 'in_review') evs.push({ application_id: id, at: iso(updated), actor: assigned, kind: 'claimed', status: 'in_review', detail: '{"from":null}', internal: 0 });
          else if (st === 'changes_requested') evs.push({ application_id: id, at: iso(updated), actor: assigned, kind: 'changes_requested', status: 'changes_requested', detail: JSON.stringify({ step: stepOf.id, reasons: [L('مدارک کامل نیست.', 'The documents are incomplete.')] }), internal: 0 });
        }
        await trx.insertInto('applications').values(apps).execute();
        for (let j = 0; j < evs.length; j += ROWS) await trx.insertInto('application_events').values(evs.slice(j, j + ROWS)).execute();
        events += evs.length;
      }
    });
    onProgress?.(written);
  }
  return { applications: count, events, perOrganization, openPerOrganization, ms: performance.now() - t0 };
}

/** Tracking codes of seeded applications: 9 then ten digits of the row number, then the check digit (new ones are random). */
function trackingCode(n: number): string {
  const body = `9${String(n).padStart(10, '0')}`;
  return body + String(verhoeffDigit(body));
}

/**
 * The measured citizens in the civil registry (alive, a name and a birth date) and among the national
 * identity's people (a subject sites see), written in bulk as the agencies and the identity keep them.
 */
export async function seedCitizens(db: Kysely<any>, world: World): Promise<Array<{ index: number; nationalCode: string; subject: string }>> {
  const at = new Date().toISOString();
  const out = world.citizens.map((index) => ({ index, nationalCode: world.code(index), subject: randomUUID() }));
  await db.transaction().execute(async (trx) => {
    for (let j = 0; j < out.length; j += 500) {
      const chunk = out.slice(j, j + 500);
      await trx
        .insertInto('agency_people')
        .values(chunk.map((c) => {
          const n = world.name(c.index);
          return {
            national_code: c.nationalCode, kind: 'citizen', first_name_fa: n.first[0], first_name_en: n.first[1], last_name_fa: n.last[0], last_name_en: n.last[1],
            father_name_fa: 'حسن', father_name_en: 'Hassan', gender: n.gender, birth_date: `19${70 + (c.index % 30)}-0${1 + (c.index % 9)}-1${c.index % 10}`, alive: 1, death_date: null, created_at: at,
          };
        }))
        .execute();
      await trx
        .insertInto('identity_people')
        .values(chunk.map((c) => ({ national_code: c.nationalCode, subject: c.subject, created_at: at, last_sign_in_at: at, mobile: `0935${String(c.index).padStart(7, '0')}` })))
        .execute();
    }
  });
  return out;
}
