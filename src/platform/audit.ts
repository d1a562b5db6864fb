import type { Kysely } from 'kysely';
import type { PlatformTables } from './db.js';
import { nowIso } from './db.js';

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  detail?: Record<string, unknown>;
  ip?: string | null;
  userAgent?: string | null;
}

/** Writes an audit record; pass the transaction of the change it records so both commit or neither. */
export async function writeAudit(db: Kysely<any>, e: AuditEntry): Promise<void> {
  await (db as Kysely<PlatformTables>)
    .insertInto('audit_log')
    .values({
      at: nowIso(),
      actor: e.actor,
      action: e.action,
      subject: e.subject,
      detail: JSON.stringify(e.detail ?? {}),
      ip: e.ip ?? null,
      user_agent: e.userAgent?.slice(0, 500) ?? null,
    })
    .execute();
}
