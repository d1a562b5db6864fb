import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { normalizeText } from '../platform/text.js';
import { APPLY_PATH, applyPath, type DeliveryChecks } from './delivery-checks.js';
import type { CatalogFile, Localized, Organization, ServiceData, Term, ThematicWindow } from './model.js';
import { organizationSchema, serviceSchema, termSchema, windowSchema } from './schemas.js';

/** One problem in one record of an import file or a form. */
export interface RecordError {
  section: 'file' | 'organizations' | 'topics' | 'lifeEvents' | 'windows' | 'services';
  index: number | null;
  code: string | null;
  field: string;
  reason: string;
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validators: Record<Exclude<RecordError['section'], 'file'>, ValidateFunction> = {
  organizations: ajv.compile(organizationSchema),
  topics: ajv.compile(termSchema),
  lifeEvents: ajv.compile(termSchema),
  windows: ajv.compile(windowSchema),
  services: ajv.compile(serviceSchema),
};

function describe(e: ErrorObject): { field: string; reason: string } {
  const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return { field: base ? `${base}.${extra}` : extra, reason: 'unknown field' };
  }
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return { field: base ? `${base}.${missing}` : missing, reason: 'required field is missing' };
  }
  return { field: base || '(record)', reason: e.message ?? e.keyword };
}

/** Where an organisation code sits in each kind of record, for a plain message when one is malformed. */
const ORG_FIELDS: Partial<Record<RecordError['section'], RegExp>> = { organizations: /^(code|parent)$/, windows: /^organizations\.\d+$/, services: /^organization$/ };

/** Collapses oneOf noise (one message per failed branch) into the one message a person needs. */
function schemaErrors(section: Exclude<RecordError['section'], 'file'>, index: number, record: unknown): RecordError[] {
  const validate = validators[section];
  if (validate(record)) return [];
  const code = typeof (record as { code?: unknown })?.code === 'string' ? (record as { code: string }).code : null;
  const seen = new Set<string>();
  const out: RecordError[] = [];
  for (const e of validate.errors ?? []) {
    let { field, reason } = describe(e);
    if (e.keyword === 'pattern' && /(^|\.)(url|website)$/.test(field)) {
      reason = 'must be an http:// or https:// address';
    } else if (e.keyword === 'pattern' && /^channels\.\d+\.path$/.test(field)) {
      reason = 'must be a page of this platform written without the language prefix, such as /inquiries/vehicle-fines';
    } else if (e.keyword === 'pattern' && /^exchangeMembers\.\d+$/.test(field)) {
      reason = 'must be an exchange member id INSTANCE/CLASS/MEMBER, such as IR/GOV/NOCR (CLASS: GOV, COM or NGO)';
    } else if (e.keyword === 'pattern' && ORG_FIELDS[section]?.test(field)) {
      reason = 'an organisation code is 1 to 32 letters, digits, "-" or "_"';
    } else {
      // A channel failing oneOf yields one error per branch; one plain sentence says it better.
      const m = /^(channels\.\d+)/.exec(field);
      if (m) {
        field = m[1]!;
        reason = 'a channel is {type:"platform",path}, {type:"online",url}, {type:"in-person",instructions:{fa,en}} or {type:"phone",number}';
      }
    }
    const key = `${field}|${reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ section, index, code, field, reason });
  }
  // A precise message about a channel's address makes the generic one for that channel redundant.
  return out.filter((r) => !(/^channels\.\d+$/.test(r.field) && out.some((o) => o.field === `${r.field}.url` || o.field === `${r.field}.path`)));
}

/** What the database already holds, for checking references that the file itself does not define. */
export interface KnownCodes {
  organizations: Set<string>;
  topics: Set<string>;
  lifeEvents: Set<string>;
  services: Set<string>;
  /** slug → code of the service that owns it. */
  slugs: Map<string, string>;
  /** organisation code → parent, for cycle checks. */
  parents: Map<string, string | null>;
  /** Exchange member id in lower case → the organisation it is linked to. */
  members: Map<string, string>;
  /** The pages of this platform a `platform` channel may name (see platform-paths.ts). */
  platformPaths: Set<string>;
}

/** Codes compare without regard to case: `nocr` and `NOCR` are the same organisation. */
export const codeKey = (code: string): string => code.toLowerCase();

/**
 * The problems with the `platform` channels of one service: a path must be one this platform serves.
 * A service delivered here (`hasDelivery`) may name an apply page: it is replaced by its own anyway.
 */
export function platformChannelErrors(channels: unknown, known: Set<string>, hasDelivery = false): Array<{ field: string; reason: string }> {
  const out: Array<{ field: string; reason: string }> = [];
  if (!Array.isArray(channels)) return out;
  channels.forEach((c: { type?: unknown; path?: unknown }, i) => {
    if (c?.type !== 'platform' || typeof c.path !== 'string' || known.has(c.path)) return;
    if (hasDelivery && APPLY_PATH.test(c.path)) return;
    const bare = c.path.replace(/^\/en(?=\/|$)/, '');
    const list = [...known].sort();
    const reason =
      bare !== c.path && known.has(bare)
        ? `write the path without the language prefix: "${bare}" (English pages add /en themselves)`
        : `there is no page "${c.path}" on this platform${list.length && list.length <= 12 ? `; known pages: ${list.join(', ')}` : ''}`;
    out.push({ field: `channels.${i}.path`, reason });
  });
  return out;
}

const SECTIONS = ['organizations', 'topics', 'lifeEvents', 'windows', 'services'] as const;

/** Validates a whole parsed import file and returns every problem found; an empty list means it may be imported. */
export function validateCatalogFile(file: unknown, known: KnownCodes, deliveries?: DeliveryChecks): RecordError[] {
  if (typeof file !== 'object' || file === null || Array.isArray(file)) {
    return [{ section: 'file', index: null, code: null, field: '(file)', reason: 'the file must hold one JSON object with organizations, topics, lifeEvents, windows and services arrays' }];
  }
  const errors: RecordError[] = [];
  const f = file as Record<string, unknown>;
  for (const key of Object.keys(f)) {
    if (!(SECTIONS as readonly string[]).includes(key)) errors.push({ section: 'file', index: null, code: null, field: key, reason: 'unknown field' });
  }
  for (const section of SECTIONS) {
    if (f[section] !== undefined && !Array.isArray(f[section])) errors.push({ section: 'file', index: null, code: null, field: section, reason: 'must be an array' });
  }
  if (errors.length) return errors;
  const data = f as CatalogFile;
  const bad = new Set<string>();
  for (const section of SECTIONS) {
    (data[section] ?? []).forEach((rec: unknown, i: number) => {
      const errs = schemaErrors(section, i, rec);
      if (errs.length) bad.add(`${section}:${i}`);
      errors.push(...errs);
    });
  }

  // References and uniqueness, checked on the records whose shape is right.
  const orgs = new Map(known.parents);
  const dup = (section: RecordError['section'], list: Array<{ code: string }> | undefined, anyCase = false) => {
    const seen = new Set<string>();
    const keys = new Map<string, string>();
    (list ?? []).forEach((r, i) => {
      // Duplicates count among all records with a code, even ones with other problems.
      if (typeof r?.code !== 'string') return;
      const key = anyCase ? codeKey(r.code) : r.code;
      const first = keys.get(key);
      if (first !== undefined) {
        errors.push({ section, index: i, code: r.code, field: 'code', reason: first === r.code ? 'this code appears twice in the file' : `this code appears twice in the file ("${first}" and "${r.code}": codes are unique without regard to case)` });
      } else keys.set(key, r.code);
      seen.add(r.code);
    });
    return seen;
  };
  const fileOrgs = dup('organizations', data.organizations as Array<{ code: string }> | undefined, true);
  const fileTopics = dup('topics', data.topics);
  const fileLifeEvents = dup('lifeEvents', data.lifeEvents);
  dup('windows', data.windows);
  const fileServices = dup('services', data.services);
  (data.organizations ?? []).forEach((o, i) => {
    if (!bad.has(`organizations:${i}`)) orgs.set(o.code, o.parent ?? null);
  });
  const hasOrg = (c: string) => fileOrgs.has(c) || known.organizations.has(c);
  // A reference in another letter case is refused with the code it probably means.
  const orgByKey = new Map([...known.organizations, ...fileOrgs].map((c) => [codeKey(c), c]));
  const unknownOrg = (c: string) => {
    const near = orgByKey.get(codeKey(c));
    return near ? `unknown organisation "${c}" (did you mean "${near}"? codes are written as defined)` : `unknown organisation "${c}"`;
  };
  const knownByKey = new Map([...known.organizations].map((c) => [codeKey(c), c]));
  // Exchange members: each is one agency. Links of organisations in the file are replaced by the file's.
  const memberOwner = new Map([...known.members].filter(([, org]) => !fileOrgs.has(org)));
  const hasTopic = (c: string) => fileTopics.has(c) || known.topics.has(c);
  const hasLifeEvent = (c: string) => fileLifeEvents.has(c) || known.lifeEvents.has(c);
  const hasService = (c: string) => fileServices.has(c) || known.services.has(c);

  (data.organizations ?? []).forEach((o, i) => {
    if (bad.has(`organizations:${i}`)) return;
    const existing = knownByKey.get(codeKey(o.code));
    if (existing !== undefined && existing !== o.code) {
      errors.push({ section: 'organizations', index: i, code: o.code, field: 'code', reason: `organisation "${existing}" already exists; codes are unique without regard to case` });
    }
    o.exchangeMembers?.forEach((m, j) => {
      const owner = memberOwner.get(codeKey(m));
      if (owner !== undefined && owner !== o.code) errors.push({ section: 'organizations', index: i, code: o.code, field: `exchangeMembers.${j}`, reason: `exchange member "${m}" is already linked to organisation "${owner}"` });
      else memberOwner.set(codeKey(m), o.code);
    });
    if (!o.parent) return;
    if (!hasOrg(o.parent)) errors.push({ section: 'organizations', index: i, code: o.code, field: 'parent', reason: unknownOrg(o.parent) });
    // Walk up the hierarchy: reaching the start again means a cycle.
    const seen = new Set<string>([o.code]);
    for (let p: string | null | undefined = o.parent; p; p = orgs.get(p)) {
      if (seen.has(p)) {
        errors.push({ section: 'organizations', index: i, code: o.code, field: 'parent', reason: 'the organisation hierarchy would form a cycle' });
        break;
      }
      seen.add(p);
    }
  });
  (data.windows ?? []).forEach((w, i) => {
    if (bad.has(`windows:${i}`)) return;
    w.topics?.forEach((t, j) => !hasTopic(t) && errors.push({ section: 'windows', index: i, code: w.code, field: `topics.${j}`, reason: `unknown topic "${t}"` }));
    w.organizations?.forEach((o, j) => !hasOrg(o) && errors.push({ section: 'windows', index: i, code: w.code, field: `organizations.${j}`, reason: unknownOrg(o) }));
    w.services?.forEach((s, j) => !hasService(s) && errors.push({ section: 'windows', index: i, code: w.code, field: `services.${j}`, reason: `unknown service "${s}"` }));
  });
  const slugs = new Map<string, string>();
  (data.services ?? []).forEach((s, i) => {
    if (bad.has(`services:${i}`)) return;
    const err = (field: string, reason: string) => errors.push({ section: 'services', index: i, code: s.code, field, reason });
    if (!hasOrg(s.organization!)) err('organization', unknownOrg(s.organization!));
    for (const p of platformChannelErrors(s.channels, known.platformPaths, s.delivery !== undefined)) err(p.field, p.reason);
    for (const p of deliveries?.problems(s.delivery, { code: s.code, organization: s.organization! }, { organizationExists: hasOrg }) ?? []) err(p.field, p.reason);
    s.topics?.forEach((t, j) => !hasTopic(t) && err(`topics.${j}`, `unknown topic "${t}"`));
    s.lifeEvents?.forEach((t, j) => !hasLifeEvent(t) && err(`lifeEvents.${j}`, `unknown life event "${t}"`));
    if (s.slug) {
      const owner = slugs.get(s.slug) ?? known.slugs.get(s.slug);
      if (owner && owner !== s.code) err('slug', `slug "${s.slug}" is already used by ${owner}`);
      slugs.set(s.slug, s.code);
    }
  });
  return errors;
}

const normLocalized = (l: Localized): Localized => ({ fa: normalizeText(l.fa).trim(), en: normalizeText(l.en).trim() });
const normOptional = (l: Localized | null | undefined): Localized | null => (l ? normLocalized(l) : null);

/** Derives a readable URL slug from the English title, e.g. "Renew a passport" → "renew-a-passport". */
export function slugify(title: string): string {
  const s = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return s.length >= 2 ? s : 'service';
}

/** A schema-valid service record completed with defaults and canonical Persian text. */
export function completeService(input: Partial<ServiceData> & Pick<ServiceData, 'code'>, slug: string): ServiceData {
  const title = normLocalized(input.title!);
  const summary = normLocalized(input.summary!);
  return {
    code: input.code,
    slug,
    title,
    summary,
    description: input.description ? normLocalized(input.description) : summary,
    organization: input.organization!,
    topics: [...(input.topics ?? [])],
    lifeEvents: [...(input.lifeEvents ?? [])],
    channels: withApplyChannel(input, slug).map((c) =>
      c.type === 'platform'
        ? { type: 'platform', path: c.path }
        : c.type === 'online'
        ? { type: 'online', url: c.url.trim() }
        : c.type === 'in-person'
          ? { type: 'in-person', instructions: normLocalized(c.instructions) }
          : { type: 'phone', number: c.number.trim(), ...(c.instructions ? { instructions: normLocalized(c.instructions) } : {}) },
    ),
    requirements: (input.requirements ?? []).map(normLocalized),
    evidence: (input.evidence ?? []).map(normLocalized),
    cost: { amount: input.cost?.amount ?? 0, currency: 'IRR' },
    processingDays: input.processingDays ?? 0,
    legalBasis: normOptional(input.legalBasis),
    output: normOptional(input.output),
    keywords: {
      fa: (input.keywords?.fa ?? []).map((k) => normalizeText(k).trim()),
      en: (input.keywords?.en ?? []).map((k) => k.trim()),
    },
    smart: input.smart ?? false,
    ...(input.delivery ? { delivery: input.delivery } : {}),
  };
}

/** A service delivered here starts at its own apply page, first among its channels; other apply pages named are dropped. */
function withApplyChannel(input: Partial<ServiceData>, slug: string): ServiceData['channels'] {
  const channels = input.channels ?? [];
  if (!input.delivery) return channels;
  return [{ type: 'platform', path: applyPath(slug) }, ...channels.filter((c) => !(c.type === 'platform' && APPLY_PATH.test(c.path)))];
}

export const completeOrganization = (o: Partial<Organization> & Pick<Organization, 'code' | 'name'>): Organization => ({
  code: o.code,
  name: normLocalized(o.name),
  parent: o.parent ?? null,
  website: o.website ?? null,
  exchangeMembers: [...(o.exchangeMembers ?? [])].sort(),
});
export const completeTerm = (t: Term): Term => ({ code: t.code, name: normLocalized(t.name) });
export const completeWindow = (w: ThematicWindow): ThematicWindow => ({
  code: w.code,
  name: normLocalized(w.name),
  description: normLocalized(w.description),
  color: w.color ?? '#1d4f91',
  topics: w.topics ?? [],
  organizations: w.organizations ?? [],
  services: w.services ?? [],
});

/** Validates one service written in the console; returns the problems or the completed record. */
export function validateServiceInput(input: unknown): RecordError[] {
  return schemaErrors('services', 0, input);
}
