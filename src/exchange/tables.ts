import type { Generated } from 'kysely';

/** The exchange's tables (see migrations.ts). Timestamps are ISO strings; lists are JSON text. */
export interface ExchangeTables {
  exchange_members: { id: string; instance: string; member_class: string; code: string; name: string; name_fa: string | null; created_at: string; created_by: string };
  exchange_subsystems: { id: string; member_id: string; code: string; name: string | null; name_fa: string | null; created_at: string; created_by: string };
  exchange_services: {
    id: string;
    subsystem_id: string;
    code: string;
    name: string | null;
    /** The name in Persian, for Persian pages; `name` is shown when it is null (migration 20261207-21). */
    name_fa: string | null;
    upstream_url: string;
    openapi: string | null;
    classification: string;
    subject_in: string | null;
    subject_name: string | null;
    /** What the subject value is when it is not a national code (a plate, a certificate number…). */
    subject_identifier: string | null;
    /** The owning agency's lookup path (`/…/{value}`) that resolves such an identifier to national codes. */
    subject_resolve: string | null;
    /** JSON: the OpenAPI path templates naming the subject (for `subject_in = 'path'`). */
    subject_templates: string;
    /** JSON: `[{ method, path }]` from the OpenAPI document, for listMethods. */
    endpoints: string;
    disabled_at: string | null;
    created_at: string;
    updated_at: string;
  };
  exchange_contracts: {
    id: Generated<number>;
    client: string;
    service: string;
    purpose: string;
    legal_basis: string | null;
    legal_basis_personal: number;
    methods: string;
    paths: string;
    rate_per_second: number;
    daily_quota: number | null;
    expires_at: string | null;
    status: string;
    requested_at: string;
    requested_by: string;
    decided_at: string | null;
    decided_by: string | null;
    decision_reason: string | null;
    revoked_at: string | null;
    revoked_by: string | null;
  };
  exchange_api_keys: {
    id: Generated<number>;
    subsystem: string;
    prefix: string;
    secret_hash: string;
    label: string | null;
    created_at: string;
    created_by: string;
    expires_at: string | null;
    revoked_at: string | null;
    revoked_by: string | null;
  };
  exchange_consents: {
    id: string;
    subject: string;
    client: string;
    services: string;
    purpose: string;
    status: string;
    expires_at: string;
    created_at: string;
    decided_at: string | null;
    revoked_at: string | null;
  };
  /** One row per kind of cached state; every change bumps its kind's version in the same transaction. */
  exchange_versions: { kind: string; version: number };
}

export type ChangeKind = 'registry' | 'contracts' | 'keys' | 'consents';
export const CHANGE_KINDS: readonly ChangeKind[] = ['registry', 'contracts', 'keys', 'consents'];
