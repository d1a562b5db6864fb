import type { Kysely } from 'kysely';
import { nowIso } from '../platform/db.js';
import type { Organization, ServiceData, Term, ThematicWindow } from './model.js';
import type { CatalogTables } from './tables.js';
import type { KnownCodes } from './validate.js';

/** SQL of the catalogue. Every function takes a Kysely or a transaction, so callers decide the unit of work. */
export type CatalogDb = Kysely<CatalogTables>;

export interface ReferenceData {
  organizations: Organization[];
  topics: Term[];
  lifeEvents: Term[];
  windows: ThematicWindow[];
}

const toTerm = (r: { code: string; name_fa: string; name_en: string }): Term => ({ code: r.code, name: { fa: r.name_fa, en: r.name_en } });

export async function loadReference(db: CatalogDb): Promise<ReferenceData> {
  const [orgs, members, topics, lifeEvents, windows] = await Promise.all([
    db.selectFrom('organizations').selectAll().orderBy('code').execute(),
    db.selectFrom('organization_exchange_members').select(['organization_code', 'member_id']).execute(),
    db.selectFrom('topics').selectAll().orderBy('code').execute(),
    db.selectFrom('life_events').selectAll().orderBy('code').execute(),
    db.selectFrom('windows').selectAll().orderBy('code').execute(),
  ]);
  return {
    organizations: orgs.map((o) => ({
      code: o.code,
      name: { fa: o.name_fa, en: o.name_en },
      parent: o.parent_code,
      website: o.website,
      // Sorted here, not in SQL: PostgreSQL's collation would order "IR-TEST/…" and "IR/…" otherwise than JavaScript does.
      exchangeMembers: members.filter((m) => m.organization_code === o.code).map((m) => m.member_id).sort(),
    })),
    topics: topics.map(toTerm),
    lifeEvents: lifeEvents.map(toTerm),
    windows: windows.map((w) => JSON.parse(w.data) as ThematicWindow),
  };
}

export interface LiveService {
  data: ServiceData;
  publishedAt: string;
}

export async function loadLiveServices(db: CatalogDb): Promise<LiveService[]> {
  const rows = await db.selectFrom('services').select(['data', 'published_at']).where('live_version', 'is not', null).execute();
  return rows.map((r) => ({ data: JSON.parse(r.data!) as ServiceData, publishedAt: r.published_at! }));
}

export async function loadLiveService(db: CatalogDb, code: string): Promise<LiveService | null> {
  const row = await db.selectFrom('services').select(['data', 'published_at']).where('code', '=', code).where('live_version', 'is not', null).executeTakeFirst();
  return row ? { data: JSON.parse(row.data!) as ServiceData, publishedAt: row.published_at! } : null;
}

export async function knownCodes(db: CatalogDb, platformPaths: Set<string>): Promise<KnownCodes> {
  const [orgs, members, topics, lifeEvents, services] = await Promise.all([
    db.selectFrom('organizations').select(['code', 'parent_code']).execute(),
    db.selectFrom('organization_exchange_members').select(['member_key', 'organization_code']).execute(),
    db.selectFrom('topics').select('code').execute(),
    db.selectFrom('life_events').select('code').execute(),
    db.selectFrom('services').select(['code', 'slug']).execute(),
  ]);
  return {
    organizations: new Set(orgs.map((o) => o.code)),
    parents: new Map(orgs.map((o) => [o.code, o.parent_code])),
    topics: new Set(topics.map((t) => t.code)),
    lifeEvents: new Set(lifeEvents.map((t) => t.code)),
    services: new Set(services.map((s) => s.code)),
    slugs: new Map(services.map((s) => [s.slug, s.code])),
    members: new Map(members.map((m) => [m.member_key, m.organization_code])),
    platformPaths,
  };
}

/** Inserts or updates an organisation; returns false when nothing changed. */
export async function upsertOrganization(db: CatalogDb, o: Organization): Promise<boolean> {
  const row = { parent_code: o.parent, name_fa: o.name.fa, name_en: o.name.en, website: o.website };
  const cur = await db.selectFrom('organizations').selectAll().where('code', '=', o.code).executeTakeFirst();
  const members = (await db.selectFrom('organization_exchange_members').select('member_id').where('organization_code', '=', o.code).execute()).map((m) => m.member_id).sort();
  const sameMembers = members.length === o.exchangeMembers.length && [...o.exchangeMembers].sort().every((m, i) => m === members[i]);
  if (cur && cur.parent_code === row.parent_code && cur.name_fa === row.name_fa && cur.name_en === row.name_en && cur.website === row.website && sameMembers) return false;
  if (cur) await db.updateTable('organizations').set({ ...row, updated_at: nowIso() }).where('code', '=', o.code).execute();
  else await db.insertInto('organizations').values({ code: o.code, ...row, updated_at: nowIso() }).execute();
  if (!sameMembers) {
    await db.deleteFrom('organization_exchange_members').where('organization_code', '=', o.code).execute();
    if (o.exchangeMembers.length) {
      // A member moving here from another organisation of the same import (validation allowed only that) leaves it.
      await db.deleteFrom('organization_exchange_members').where('member_key', 'in', o.exchangeMembers.map((m) => m.toLowerCase())).execute();
      await db.insertInto('organization_exchange_members').values(o.exchangeMembers.map((m) => ({ member_key: m.toLowerCase(), member_id: m, organization_code: o.code }))).execute();
    }
  }
  return true;
}

export async function upsertTerm(db: CatalogDb, table: 'topics' | 'life_events', t: Term): Promise<boolean> {
  const cur = await db.selectFrom(table).selectAll().where('code', '=', t.code).executeTakeFirst();
  if (cur && cur.name_fa === t.name.fa && cur.name_en === t.name.en) return false;
  if (cur) await db.updateTable(table).set({ name_fa: t.name.fa, name_en: t.name.en, updated_at: nowIso() }).where('code', '=', t.code).execute();
  else await db.insertInto(table).values({ code: t.code, name_fa: t.name.fa, name_en: t.name.en, updated_at: nowIso() }).execute();
  return true;
}

export async function upsertWindow(db: CatalogDb, w: ThematicWindow): Promise<boolean> {
  const data = JSON.stringify(w);
  const cur = await db.selectFrom('windows').select('data').where('code', '=', w.code).executeTakeFirst();
  if (cur?.data === data) return false;
  if (cur) await db.updateTable('windows').set({ data, updated_at: nowIso() }).where('code', '=', w.code).execute();
  else await db.insertInto('windows').values({ code: w.code, data, updated_at: nowIso() }).execute();
  return true;
}

export async function serviceRow(db: CatalogDb, code: string) {
  return db.selectFrom('services').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function serviceBySlug(db: CatalogDb, slug: string) {
  return db.selectFrom('services').select(['code']).where('slug', '=', slug).executeTakeFirst();
}

export async function insertServiceRow(db: CatalogDb, code: string, slug: string, organization: string): Promise<void> {
  await db.insertInto('services').values({ code, slug, organization_code: organization, live_version: null, data: null, published_at: null, created_at: nowIso() }).execute();
}

/** Makes `data` (version `version`) the live entry of its service, with the join rows the SQL side queries by. */
export async function makeLive(db: CatalogDb, data: ServiceData, version: number): Promise<void> {
  await db
    .updateTable('services')
    .set({ live_version: version, data: JSON.stringify(data), slug: data.slug, organization_code: data.organization, published_at: nowIso() })
    .where('code', '=', data.code)
    .execute();
  await db.deleteFrom('service_topics').where('service_code', '=', data.code).execute();
  await db.deleteFrom('service_life_events').where('service_code', '=', data.code).execute();
  if (data.topics.length) await db.insertInto('service_topics').values(data.topics.map((t) => ({ service_code: data.code, topic_code: t }))).execute();
  if (data.lifeEvents.length)
    await db.insertInto('service_life_events').values(data.lifeEvents.map((l) => ({ service_code: data.code, life_event_code: l }))).execute();
}

export async function latestVersion(db: CatalogDb, code: string) {
  return db.selectFrom('service_versions').selectAll().where('service_code', '=', code).orderBy('version', 'desc').limit(1).executeTakeFirst();
}

export async function versionOf(db: CatalogDb, code: string, version: number) {
  return db.selectFrom('service_versions').selectAll().where('service_code', '=', code).where('version', '=', version).executeTakeFirst();
}

export async function recordEvent(db: CatalogDb, code: string, version: number, action: string, actor: string, reason: string | null = null): Promise<void> {
  await db.insertInto('service_events').values({ service_code: code, version, action, actor, reason, at: nowIso() }).execute();
}

export async function serviceEvents(db: CatalogDb, code: string) {
  return db.selectFrom('service_events').selectAll().where('service_code', '=', code).orderBy('id').execute();
}

export async function recordChange(db: CatalogDb, kind: 'service' | 'reference', code: string): Promise<void> {
  await db.insertInto('catalog_changes').values({ kind, code, at: nowIso() }).execute();
}

export async function latestChangeId(db: CatalogDb): Promise<number> {
  const row = await db.selectFrom('catalog_changes').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
  return Number(row?.max ?? 0);
}

export async function changesSince(db: CatalogDb, id: number, limit = 1000) {
  return db.selectFrom('catalog_changes').selectAll().where('id', '>', id).orderBy('id').limit(limit).execute();
}

/** The newest version of each service of an organisation (or of all, for reviewers), for the console lists. */
export async function workingVersions(db: CatalogDb, filter: { organization?: string; status?: string }) {
  let q = db
    .selectFrom('service_versions as v')
    .innerJoin('services as s', 's.code', 'v.service_code')
    .select(['v.service_code', 'v.version', 'v.status', 'v.data', 'v.author', 'v.updated_at', 'v.reason', 's.live_version'])
    .where('v.version', '=', (eb) => eb.selectFrom('service_versions as w').select((e) => e.fn.max('w.version').as('m')).whereRef('w.service_code', '=', 'v.service_code'));
  if (filter.organization) q = q.where('s.organization_code', '=', filter.organization);
  if (filter.status) q = q.where('v.status', '=', filter.status as never);
  return q.orderBy('v.updated_at', 'desc').limit(500).execute();
}
