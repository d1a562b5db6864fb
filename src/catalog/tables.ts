import type { Generated } from 'kysely';
import type { VersionStatus } from './model.js';

/** The catalogue's tables, as Kysely sees them (JSON documents are stored as text on both dialects). */
export interface CatalogTables {
  organizations: { code: string; parent_code: string | null; name_fa: string; name_en: string; website: string | null; updated_at: string };
  /** `member_key` is the member id in lower case: member ids, like organisation codes, are unique without regard to case. */
  organization_exchange_members: { member_key: string; member_id: string; organization_code: string };
  topics: { code: string; name_fa: string; name_en: string; updated_at: string };
  life_events: { code: string; name_fa: string; name_en: string; updated_at: string };
  windows: { code: string; data: string; updated_at: string };
  services: {
    code: string;
    slug: string;
    organization_code: string;
    live_version: number | null;
    data: string | null;
    published_at: string | null;
    created_at: string;
  };
  service_topics: { service_code: string; topic_code: string };
  service_life_events: { service_code: string; life_event_code: string };
  service_versions: {
    id: Generated<number>;
    service_code: string;
    version: number;
    status: VersionStatus;
    data: string;
    author: string;
    created_at: string;
    updated_at: string;
    reviewer: string | null;
    reviewed_at: string | null;
    reason: string | null;
  };
  service_events: { id: Generated<number>; service_code: string; version: number; action: string; actor: string; reason: string | null; at: string };
  catalog_changes: { id: Generated<number>; kind: 'service' | 'reference'; code: string; at: string };
}
