import { writeAudit } from '../platform/audit.js';
import { nowIso } from '../platform/db.js';
import { conflict, invalid, notFound } from '../platform/errors.js';
import { Problems, type Problem } from '../platform/problems.js';
import { normalizeText } from '../platform/text.js';
import { GRAMMAR, parseMemberId, parseServiceId, parseSubsystemId, subsystemOf, memberOf } from './ids.js';
import { HTTP_METHODS, parsePattern, subjectTemplates } from './matching.js';
import { CLASSIFICATIONS, type Classification, type DataService, type Endpoint, type Member, type SubjectLocation, type Subsystem } from './model.js';
import * as store from './store.js';
import { normalSubject, subjectProblem } from './subjects.js';
import type { ChangeKind } from './tables.js';

/**
 * Members, subsystems and data services: onboarded by the national authority (the console and the
 * command line). Every change is audited and bumps the registry's version, so every gateway node
 * reloads its copy within its sync interval (and this node at once).
 */

export interface NewService {
  id: string;
  upstream: string;
  classification?: string;
  /** The OpenAPI 3 document: a parsed object, or its JSON text. */
  openapi?: unknown;
  subject?: SubjectLocation | null;
  name?: string | null;
  /** The name in Persian, for Persian pages. */
  nameFa?: string | null;
}

export const MAX_OPENAPI_BYTES = 2 * 1024 * 1024;
/** Headers the gateway sets, filters or reads itself; a subject cannot be named by one of these. */
export const RESERVED_HEADERS = new Set(['authorization', 'cookie', 'host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'x-road-client', 'x-road-id', 'x-road-service', 'x-panjareh-consent', 'forwarded', 'x-forwarded-for', 'x-real-ip']);

const badId = (kind: 'member' | 'subsystem' | 'service', raw: string) =>
  invalid(`invalid_${kind}_id`, `شناسه ${kind === 'member' ? 'عضو' : kind === 'subsystem' ? 'زیرسامانه' : 'سرویس'} درست نیست؛ قالب: ${GRAMMAR[kind]}`, `"${raw}" is not a valid ${kind} id; the form is ${GRAMMAR[kind]}.`);

/** A name as stored: canonical text, at most 200 characters; null when none is given. `persian`: the Persian name (nameFa). */
function cleanName(raw: string | null | undefined, required: boolean, persian = false): string | null {
  const name = raw === undefined || raw === null ? '' : normalizeText(String(raw)).trim();
  if (!name) {
    if (required) throw invalid('name_required', 'نام لازم است.', 'A name is required.');
    return null;
  }
  if (name.length > 200) {
    throw persian
      ? invalid('name_too_long', 'نام فارسی بیش از ۲۰۰ نویسه است.', 'The Persian name is longer than 200 characters.')
      : invalid('name_too_long', 'نام بیش از ۲۰۰ نویسه است.', 'The name is longer than 200 characters.');
  }
  return name;
}

/** The names of a member, subsystem or service, each checked on its own field (`name`, `nameFa`). */
function names(input: { name?: string | null; nameFa?: string | null }, problems: Problems): { name: string | null; nameFa: string | null } {
  return { name: problems.check('name', () => cleanName(input.name, false)) ?? null, nameFa: problems.check('nameFa', () => cleanName(input.nameFa, false, true)) ?? null };
}

/** An upstream base URL: http or https, a host, no credentials, query or fragment; the trailing "/" dropped. */
export function parseUpstream(raw: string): string {
  let u: URL;
  try {
    u = new URL(String(raw).trim());
  } catch {
    throw invalid('invalid_upstream', 'نشانی سرویس‌دهنده درست نیست.', 'The upstream URL is not a valid absolute URL.');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid('invalid_upstream', 'نشانی سرویس‌دهنده باید http یا https باشد.', 'The upstream URL must be http:// or https://.');
  if (!u.hostname || u.username || u.password || u.search || u.hash || raw.length > 2048) {
    throw invalid('invalid_upstream', 'نشانی سرویس‌دهنده نباید نام کاربری، رمز، پرس‌وجو یا # داشته باشد.', 'The upstream URL must name a host and carry no credentials, query or fragment.');
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** Checks an OpenAPI document enough to serve it and read its paths: a JSON object with an `openapi` version. */
export function parseOpenApi(raw: unknown): { text: string; paths: string[]; endpoints: Endpoint[] } {
  let doc = raw;
  if (typeof raw === 'string') {
    if (Buffer.byteLength(raw) > MAX_OPENAPI_BYTES) throw invalid('openapi_too_large', 'سند OpenAPI بیش از ۲ مگابایت است.', 'The OpenAPI document is larger than 2 MB.');
    try {
      doc = JSON.parse(raw);
    } catch {
      throw invalid('invalid_openapi', 'سند OpenAPI یک JSON معتبر نیست.', 'The OpenAPI document is not valid JSON (YAML is not accepted).');
    }
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalid('invalid_openapi', 'سند OpenAPI باید یک شیء JSON باشد.', 'The OpenAPI document must be a JSON object.');
  const d = doc as Record<string, unknown>;
  if (typeof d.openapi !== 'string' || !/^3\.\d+(\.\d+)?$/.test(d.openapi)) throw invalid('invalid_openapi', 'سند OpenAPI باید فیلد openapi با نسخهٔ 3.x داشته باشد.', 'The OpenAPI document must have an "openapi" field with a 3.x version.');
  const text = JSON.stringify(doc);
  if (Buffer.byteLength(text) > MAX_OPENAPI_BYTES) throw invalid('openapi_too_large', 'سند OpenAPI بیش از ۲ مگابایت است.', 'The OpenAPI document is larger than 2 MB.');
  const pathsObj = d.paths ?? {};
  if (typeof pathsObj !== 'object' || pathsObj === null || Array.isArray(pathsObj)) throw invalid('invalid_openapi', 'فیلد paths سند OpenAPI باید یک شیء باشد.', 'The "paths" of the OpenAPI document must be an object.');
  const paths: string[] = [];
  const endpoints: Endpoint[] = [];
  for (const [p, item] of Object.entries(pathsObj as Record<string, unknown>)) {
    if (!parsePattern(p)) throw invalid('invalid_openapi', `مسیر ${p} در سند OpenAPI درست نیست.`, `The OpenAPI path "${p}" is not a valid path template.`);
    paths.push(p);
    const ops = item && typeof item === 'object' ? Object.keys(item) : [];
    for (const m of ops) if ((HTTP_METHODS as readonly string[]).includes(m.toUpperCase())) endpoints.push({ method: m.toUpperCase(), path: p.replace(/\{[^/}]+\}/g, '*') });
  }
  return { text, paths, endpoints };
}

/** Where the person is named: a place the gateway reads (path, query, header) and a parameter name it may use. */
function checkSubjectPlace(subject: SubjectLocation): void {
  if (!['path', 'query', 'header'].includes(subject.in)) throw invalid('invalid_subject', 'محل شناسهٔ شخص باید path، query یا header باشد.', 'The subject must be named in the path, the query or a header.');
  if (typeof subject.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(subject.name)) throw invalid('invalid_subject', 'نام پارامتر شناسهٔ شخص درست نیست.', 'The subject parameter name must be letters, digits, "_", ".", "-" (up to 64, starting with a letter).');
  if (subject.in === 'header' && RESERVED_HEADERS.has(subject.name.toLowerCase())) throw invalid('invalid_subject', 'این سرآیند را درگاه خود به کار می‌برد.', `The gateway itself uses the header "${subject.name}".`);
}

/** The OpenAPI paths that name a subject in the path (none for the query or a header); a subject in the path needs one. */
function checkSubject(subject: SubjectLocation, paths: string[]): Array<{ pattern: string[]; index: number }> {
  if (subject.in !== 'path') return [];
  const templates = subjectTemplates(paths, subject.name);
  if (templates.length === 0) throw invalid('invalid_subject', `هیچ مسیری در سند OpenAPI پارامتر {${subject.name}} ندارد.`, `No path of the OpenAPI document names {${subject.name}}; a subject in the path needs one.`);
  // Fewer wildcards first: a literal segment is more specific than a parameter.
  return templates.sort((a, b) => a.pattern.filter((s) => s === '*' || s === '**').length - b.pattern.filter((s) => s === '*' || s === '**').length);
}

/** The parts of a subject location a caller may get wrong in type (the command line, JSON), before they are read. */
function checkSubjectShape(s: SubjectLocation): void {
  const r = (s as { resolve?: unknown }).resolve;
  if (typeof s !== 'object' || (r !== undefined && r !== null && (typeof r !== 'object' || typeof (r as { path?: unknown }).path !== 'string'))) {
    throw invalid('invalid_subject', 'استعلام شخص باید مسیری مانند /subjects/plates/{value} باشد.', 'The subject lookup must be a path such as /subjects/plates/{value}.');
  }
  const problem = subjectProblem(s);
  if (problem) throw invalid('invalid_subject', problem.fa, problem.en);
}

export class Registry {
  constructor(
    private readonly db: store.ExchangeDb,
    private readonly changed: (kind: ChangeKind) => Promise<void>,
  ) {}

  /**
   * Registers a member. Its name may be given in English (`name`), in Persian (`nameFa`) or both; one
   * of them is needed, and a member named only in Persian is registered under that name.
   * Every problem of the input is reported at once (see platform/problems.ts).
   */
  async addMember(input: { id: string; name?: string | null; nameFa?: string | null }, actor: string): Promise<Member> {
    const problems = new Problems();
    const id = parseMemberId(String(input.id ?? '').trim());
    if (!id) problems.add('id', badId('member', String(input.id ?? '')));
    const given = names(input, problems);
    if (!given.name && !given.nameFa && !problems.has('name') && !problems.has('nameFa')) {
      problems.add('name', invalid('name_required', 'نام عضو لازم است: به انگلیسی، به فارسی یا هر دو.', "The member's name is required: in English, in Persian or both."));
    }
    const text = id ? memberOf(id) : '';
    if (id) {
      const taken = await store.idTakenIgnoringCase(this.db, 'exchange_members', text);
      if (taken) problems.add('id', conflict('member_exists', 'این عضو پیش‌تر ثبت شده است.', `The member ${taken} is already registered.`));
    }
    problems.throwIfAny();
    const name = (given.name ?? given.nameFa)!;
    const row = { id: text, instance: id!.instance, member_class: id!.memberClass, code: id!.member, name, name_fa: given.nameFa, created_at: nowIso(), created_by: actor };
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('exchange_members').values(row).execute();
      await store.bump(tx, 'registry');
      await writeAudit(tx, { actor, action: 'exchange.member.add', subject: text, detail: { name, nameFa: row.name_fa } });
    });
    await this.changed('registry');
    return store.toMember(row);
  }

  async addSubsystem(input: { id: string; name?: string | null; nameFa?: string | null }, actor: string): Promise<Subsystem> {
    const problems = new Problems();
    const id = parseSubsystemId(String(input.id ?? '').trim());
    if (!id) problems.add('id', badId('subsystem', String(input.id ?? '')));
    const given = names(input, problems);
    const member = id ? memberOf(id) : '';
    const text = id ? subsystemOf(id) : '';
    if (id) {
      if (!(await this.db.selectFrom('exchange_members').select('id').where('id', '=', member).executeTakeFirst())) {
        problems.add('id', notFound({ fa: `عضو ${member}`, en: `The member ${member}` }));
      } else {
        const taken = await store.idTakenIgnoringCase(this.db, 'exchange_subsystems', text);
        if (taken) problems.add('id', conflict('subsystem_exists', 'این زیرسامانه پیش‌تر ثبت شده است.', `The subsystem ${taken} is already registered.`));
      }
    }
    problems.throwIfAny();
    const row = { id: text, member_id: member, code: id!.subsystem, name: given.name, name_fa: given.nameFa, created_at: nowIso(), created_by: actor };
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('exchange_subsystems').values(row).execute();
      await store.bump(tx, 'registry');
      await writeAudit(tx, { actor, action: 'exchange.subsystem.add', subject: text, detail: { name: row.name, nameFa: row.name_fa } });
    });
    await this.changed('registry');
    return store.toSubsystem(row);
  }

  async addService(input: NewService, actor: string): Promise<DataService> {
    const { problems, id, subsystem, text, described } = await this.newService(input);
    problems.throwIfAny();
    const row = this.serviceRow(text, subsystem, id!.service, described!);
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('exchange_services').values(row).execute();
      await store.bump(tx, 'registry');
      await writeAudit(tx, { actor, action: 'exchange.service.add', subject: text, detail: { upstream: row.upstream_url, classification: row.classification, subject: store.subjectOfRow(row) } });
    });
    await this.changed('registry');
    return store.toService({ ...row, has_openapi: row.openapi ? 1 : 0 });
  }

  /** What registering this service would refuse, without registering it: a form that has problems of its own reports these beside them. */
  async checkService(input: NewService): Promise<Problem[]> {
    return (await this.newService(input)).problems.list;
  }

  /** A new service's id (well-formed, its subsystem registered, not taken) and description, every problem recorded. */
  private async newService(input: NewService) {
    const problems = new Problems();
    const id = parseServiceId(String(input.id ?? '').trim());
    if (!id) problems.add('id', badId('service', String(input.id ?? '')));
    const subsystem = id ? subsystemOf(id) : '';
    const text = id ? `${subsystem}/${id.service}` : '';
    if (id) {
      if (!(await this.db.selectFrom('exchange_subsystems').select('id').where('id', '=', subsystem).executeTakeFirst())) {
        problems.add('id', notFound({ fa: `زیرسامانه ${subsystem}`, en: `The subsystem ${subsystem}` }));
      } else {
        const taken = await store.idTakenIgnoringCase(this.db, 'exchange_services', text);
        if (taken) problems.add('id', conflict('service_exists', 'این سرویس پیش‌تر ثبت شده است.', `The service ${taken} is already registered.`));
      }
    }
    return { problems, id, subsystem, text, described: this.description(input, problems) };
  }

  /** Replaces a service's description (upstream, OpenAPI, classification, subject, name); contracts stay. */
  async updateService(input: NewService, actor: string): Promise<DataService> {
    const existing = await this.db.selectFrom('exchange_services').select(['id', 'subsystem_id', 'code', 'name_fa', 'created_at']).where('id', '=', String(input.id ?? '').trim()).executeTakeFirst();
    if (!existing) throw notFound({ fa: `سرویس ${input.id}`, en: `The service ${input.id}` });
    const problems = new Problems();
    // A description that does not mention the Persian name keeps the one the service has.
    const described = this.description(input.nameFa === undefined ? { ...input, nameFa: existing.name_fa } : input, problems);
    problems.throwIfAny();
    const row = { ...this.serviceRow(existing.id, existing.subsystem_id, existing.code, described!), created_at: existing.created_at };
    await this.db.transaction().execute(async (tx) => {
      const { id: _id, created_at: _c, ...changes } = row;
      await tx.updateTable('exchange_services').set(changes).where('id', '=', existing.id).execute();
      await store.bump(tx, 'registry');
      await writeAudit(tx, { actor, action: 'exchange.service.update', subject: existing.id, detail: { upstream: row.upstream_url, classification: row.classification, subject: store.subjectOfRow(row) } });
    });
    await this.changed('registry');
    return store.toService({ ...row, has_openapi: row.openapi ? 1 : 0 });
  }

  /** A disabled service answers every call with UnknownService; enabling restores it. */
  async setServiceDisabled(serviceId: string, disabled: boolean, actor: string): Promise<void> {
    const found = await this.db.selectFrom('exchange_services').select('id').where('id', '=', serviceId).executeTakeFirst();
    if (!found) throw notFound({ fa: `سرویس ${serviceId}`, en: `The service ${serviceId}` });
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('exchange_services').set({ disabled_at: disabled ? nowIso() : null, updated_at: nowIso() }).where('id', '=', serviceId).execute();
      await store.bump(tx, 'registry');
      await writeAudit(tx, { actor, action: disabled ? 'exchange.service.disable' : 'exchange.service.enable', subject: serviceId });
    });
    await this.changed('registry');
  }

  /**
   * Checks a service's description, each field on its own (`upstream`, `classification`, `openapi`,
   * `subject`, `name`, `nameFa`), recording every problem; undefined when there was any.
   */
  private description(input: NewService, problems: Problems) {
    const upstream = problems.check('upstream', () => parseUpstream(String(input.upstream ?? '')));
    const classification = (input.classification ?? 'internal') as Classification;
    if (!CLASSIFICATIONS.includes(classification)) problems.add('classification', invalid('invalid_classification', 'طبقه‌بندی باید public، internal یا personal باشد.', 'The classification must be public, internal or personal.'));
    const api = problems.check('openapi', () => (input.openapi === undefined || input.openapi === null ? null : parseOpenApi(input.openapi)));
    const subject = problems.check('subject', () => {
      if (input.subject) {
        checkSubjectShape(input.subject);
        checkSubjectPlace(input.subject);
      }
      return normalSubject(input.subject);
    });
    if (classification === 'personal' && subject === null) {
      problems.add('subject', invalid('subject_required', 'برای دادهٔ شخصی باید محل شناسهٔ شخص (subject) را گفت.', 'A personal-data service must say where a request names the person (--subject in:name).'));
    }
    // A subject in the path is looked for in the OpenAPI document's paths: only once the document itself is right.
    const templates = subject && !problems.has('openapi') ? problems.check('subject', () => checkSubject(subject, api?.paths ?? [])) : [];
    const given = names(input, problems);
    if (problems.has() || upstream === undefined || api === undefined || subject === undefined || templates === undefined) return undefined;
    return { upstream, classification, api, subject, templates, ...given };
  }

  private serviceRow(id: string, subsystem: string, code: string, d: NonNullable<ReturnType<Registry['description']>>) {
    const now = nowIso();
    return {
      id,
      subsystem_id: subsystem,
      code,
      name: d.name,
      name_fa: d.nameFa,
      upstream_url: d.upstream,
      openapi: d.api?.text ?? null,
      classification: d.classification,
      subject_in: d.subject?.in ?? null,
      subject_name: d.subject?.name ?? null,
      subject_identifier: d.subject?.identifier ?? null,
      subject_resolve: d.subject?.resolve?.path ?? null,
      subject_templates: JSON.stringify(d.templates),
      endpoints: JSON.stringify(d.api ? d.api.endpoints : [{ method: '*', path: '/**' }]),
      disabled_at: null,
      created_at: now,
      updated_at: now,
    };
  }

  /**
   * Gives a member, subsystem or service registered without one its Persian name (a name already
   * given is left alone); false when there is nothing to change.
   */
  async namePersian(kind: 'member' | 'subsystem' | 'service', id: string, nameFa: string, actor: string): Promise<boolean> {
    const table = kind === 'member' ? 'exchange_members' : kind === 'subsystem' ? 'exchange_subsystems' : 'exchange_services';
    const name = cleanName(nameFa, true, true)!;
    const changed = await this.db.transaction().execute(async (tx) => {
      const r = await tx.updateTable(table).set({ name_fa: name }).where('id', '=', id).where('name_fa', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await store.bump(tx, 'registry');
      await writeAudit(tx, { actor, action: `exchange.${kind}.name`, subject: id, detail: { nameFa: name } });
      return true;
    });
    if (changed) await this.changed('registry');
    return changed;
  }

  async members(): Promise<Member[]> {
    return (await this.db.selectFrom('exchange_members').selectAll().orderBy('id').execute()).map(store.toMember);
  }

  async subsystems(member?: string): Promise<Subsystem[]> {
    let q = this.db.selectFrom('exchange_subsystems').selectAll().orderBy('id');
    if (member) q = q.where('member_id', '=', member);
    return (await q.execute()).map(store.toSubsystem);
  }

  async services(filter: { subsystem?: string } = {}): Promise<DataService[]> {
    let q = store.selectServices(this.db).orderBy('id');
    if (filter.subsystem) q = q.where('subsystem_id', '=', filter.subsystem);
    return (await q.execute()).map(store.toService);
  }

  async service(id: string): Promise<DataService | undefined> {
    const row = await store.selectServices(this.db).where('id', '=', id).executeTakeFirst();
    return row ? store.toService(row) : undefined;
  }

  /** The service's OpenAPI document as stored (JSON text), or null when it has none. */
  async openApi(id: string): Promise<string | null | undefined> {
    const row = await this.db.selectFrom('exchange_services').select('openapi').where('id', '=', id).executeTakeFirst();
    return row ? row.openapi : undefined;
  }
}
