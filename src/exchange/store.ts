import { sql, type Kysely, type Selectable } from 'kysely';
import type { ApiKeyInfo, Classification, Consent, ConsentStatus, Contract, ContractStatus, DataService, Member, SubjectLocation, Subsystem } from './model.js';
import type { ChangeKind, ExchangeTables } from './tables.js';

/** The exchange's SQL: rows in, records out. Every write that changes cached state bumps its kind's version in the same transaction. */

export type ExchangeDb = Kysely<ExchangeTables>;
type Row<T extends keyof ExchangeTables> = Selectable<ExchangeTables[T]>;

export async function bump(tx: ExchangeDb, kind: ChangeKind): Promise<void> {
  await tx.updateTable('exchange_versions').set((eb) => ({ version: eb('version', '+', 1) })).where('kind', '=', kind).execute();
}

export async function versions(db: ExchangeDb): Promise<Record<string, number>> {
  const rows = await db.selectFrom('exchange_versions').select(['kind', 'version']).execute();
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.version)]));
}

/** An id already taken in another letter case (`NOCR` vs `nocr`), if any. */
export async function idTakenIgnoringCase(db: ExchangeDb, table: 'exchange_members' | 'exchange_subsystems' | 'exchange_services', id: string): Promise<string | undefined> {
  const row = await db.selectFrom(table).select('id').where(sql<string>`lower(id)`, '=', id.toLowerCase()).executeTakeFirst();
  return row?.id;
}

export const toMember = (r: Row<'exchange_members'>): Member => ({ id: r.id, name: r.name, nameFa: r.name_fa ?? null, createdAt: r.created_at });
export const toSubsystem = (r: Row<'exchange_subsystems'>): Subsystem => ({ id: r.id, member: r.member_id, name: r.name, nameFa: r.name_fa ?? null, createdAt: r.created_at });
export const toService = (r: Omit<Row<'exchange_services'>, 'openapi'> & { has_openapi?: number | boolean | null }): DataService => ({
  id: r.id,
  subsystem: r.subsystem_id,
  name: r.name,
  nameFa: r.name_fa ?? null,
  upstream: r.upstream_url,
  classification: r.classification as Classification,
  subject: subjectOfRow(r),
  hasOpenApi: !!Number(r.has_openapi ?? 0),
  endpoints: JSON.parse(r.endpoints) as DataService['endpoints'],
  disabled: r.disabled_at !== null,
  createdAt: r.created_at,
});
/** The subject location of a service row: `identifier` and `resolve` only for an indirect identifier. */
export function subjectOfRow(r: { subject_in: string | null; subject_name: string | null; subject_identifier: string | null; subject_resolve: string | null }): SubjectLocation | null {
  if (!r.subject_in || !r.subject_name) return null;
  const at = { in: r.subject_in as SubjectLocation['in'], name: r.subject_name };
  return r.subject_identifier && r.subject_resolve ? { ...at, identifier: r.subject_identifier, resolve: { path: r.subject_resolve } } : at;
}
export const toContract = (r: Row<'exchange_contracts'>): Contract => ({
  id: Number(r.id),
  client: r.client,
  service: r.service,
  purpose: r.purpose,
  legalBasis: r.legal_basis,
  legalBasisCoversPersonalData: Number(r.legal_basis_personal) === 1,
  methods: JSON.parse(r.methods) as string[],
  paths: JSON.parse(r.paths) as string[],
  ratePerSecond: Number(r.rate_per_second),
  dailyQuota: r.daily_quota === null ? null : Number(r.daily_quota),
  expiresAt: r.expires_at,
  status: r.status as ContractStatus,
  requestedAt: r.requested_at,
  requestedBy: r.requested_by,
  decidedAt: r.decided_at,
  decidedBy: r.decided_by,
  decisionReason: r.decision_reason,
  revokedAt: r.revoked_at,
});
export const toKey = (r: Row<'exchange_api_keys'>): ApiKeyInfo => ({
  id: Number(r.id),
  subsystem: r.subsystem,
  prefix: r.prefix,
  label: r.label,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});
export const toConsent = (r: Row<'exchange_consents'>): Consent => ({
  id: r.id,
  subject: r.subject,
  client: r.client,
  services: JSON.parse(r.services) as string[],
  purpose: r.purpose,
  status: r.status as ConsentStatus,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
  revokedAt: r.revoked_at,
});

/** Services without their OpenAPI text (which only getOpenAPI needs), with a flag saying whether one exists. */
export function selectServices(db: ExchangeDb) {
  return db
    .selectFrom('exchange_services')
    .select(['id', 'subsystem_id', 'code', 'name', 'name_fa', 'upstream_url', 'classification', 'subject_in', 'subject_name', 'subject_identifier', 'subject_resolve', 'subject_templates', 'endpoints', 'disabled_at', 'created_at', 'updated_at'])
    .select(sql<number>`case when openapi is null then 0 else 1 end`.as('has_openapi'));
}

/** Everything one node keeps in memory for the gateway, read in one go per kind. */
export async function loadRegistry(db: ExchangeDb) {
  const [members, subsystems, services] = await Promise.all([
    db.selectFrom('exchange_members').selectAll().execute(),
    db.selectFrom('exchange_subsystems').selectAll().execute(),
    selectServices(db).execute(),
  ]);
  return { members, subsystems, services };
}

export const loadActiveContracts = (db: ExchangeDb) => db.selectFrom('exchange_contracts').selectAll().where('status', '=', 'active').execute();

export const loadActiveKeys = (db: ExchangeDb) => db.selectFrom('exchange_api_keys').selectAll().where('revoked_at', 'is', null).execute();

/** Revoked consents that have not expired yet: only those can still be presented with a valid token. */
export const loadRevokedConsentIds = async (db: ExchangeDb, nowIso: string): Promise<string[]> =>
  (await db.selectFrom('exchange_consents').select('id').where('status', '=', 'revoked').where('expires_at', '>', nowIso).execute()).map((r) => r.id);
