import type { Generated, Kysely, Selectable } from 'kysely';
import type { DocumentField, DocumentStatus, IssuedDocument, Localized } from './model.js';

/** The documents' tables and their SQL; nothing here decides anything. */

export interface DocumentTables {
  documents: {
    id: string;
    type: string;
    title_fa: string;
    title_en: string;
    organization_code: string;
    organization_name_fa: string;
    organization_name_en: string;
    holder_national_code: string;
    holder_name_fa: string;
    holder_name_en: string;
    /** JSON: DocumentField[] */
    fields: string;
    issued_at: string;
    expires_at: string | null;
    /** As stored: `issued` or `revoked`; expiry is computed when read. */
    status: 'issued' | 'revoked';
    revoked_at: string | null;
    revoked_by: string | null;
    revoked_reason_fa: string | null;
    revoked_reason_en: string | null;
    application_id: string | null;
    pdf: Buffer;
    sd_jwt: string;
    status_slot: number;
  };
  document_status_slots: { id: Generated<number>; allocated_at: string };
  document_signing_certificates: { kid: string; certificate: string; sha256: string; created_at: string };
}

export type DocumentRow = Selectable<DocumentTables['documents']>;
type Meta = Omit<DocumentRow, 'pdf' | 'sd_jwt' | 'status_slot'>;

const META = [
  'id',
  'type',
  'title_fa',
  'title_en',
  'organization_code',
  'organization_name_fa',
  'organization_name_en',
  'holder_national_code',
  'holder_name_fa',
  'holder_name_en',
  'fields',
  'issued_at',
  'expires_at',
  'status',
  'revoked_at',
  'revoked_by',
  'revoked_reason_fa',
  'revoked_reason_en',
  'application_id',
] as const;

/** The status a reader sees now: a revocation wins over an expiry. */
export function statusAt(row: Pick<Meta, 'status' | 'expires_at'>, now: Date): DocumentStatus {
  if (row.status === 'revoked') return 'revoked';
  if (row.expires_at && row.expires_at <= now.toISOString()) return 'expired';
  return 'valid';
}

export function toDocument(row: Meta, now: Date): IssuedDocument {
  const reason: Localized | null = row.revoked_reason_fa !== null ? { fa: row.revoked_reason_fa, en: row.revoked_reason_en ?? '' } : null;
  return {
    id: row.id,
    type: row.type,
    title: { fa: row.title_fa, en: row.title_en },
    organization: { code: row.organization_code, name: { fa: row.organization_name_fa, en: row.organization_name_en } },
    holder: { nationalCode: row.holder_national_code, name: { fa: row.holder_name_fa, en: row.holder_name_en } },
    fields: JSON.parse(row.fields) as DocumentField[],
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    status: statusAt(row, now),
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    revokedReason: reason,
    applicationId: row.application_id,
  };
}

export class DocumentStore {
  private readonly db: Kysely<DocumentTables>;

  constructor(db: Kysely<any>) {
    this.db = db as Kysely<DocumentTables>;
  }

  /** Inserts on `executor` (the caller's transaction, or the database). */
  async insert(executor: Kysely<any>, row: DocumentRow): Promise<void> {
    await (executor as Kysely<DocumentTables>).insertInto('documents').values(row).execute();
  }

  async meta(id: string, executor: Kysely<any> = this.db): Promise<Meta | undefined> {
    return (executor as Kysely<DocumentTables>).selectFrom('documents').select(META).where('id', '=', id).executeTakeFirst();
  }

  async pdf(id: string): Promise<Buffer | undefined> {
    const row = await this.db.selectFrom('documents').select('pdf').where('id', '=', id).executeTakeFirst();
    return row ? Buffer.from(row.pdf) : undefined;
  }

  async sdJwt(id: string): Promise<string | undefined> {
    return (await this.db.selectFrom('documents').select('sd_jwt').where('id', '=', id).executeTakeFirst())?.sd_jwt;
  }

  async forHolder(nationalCode: string, limit: number): Promise<Meta[]> {
    return this.db
      .selectFrom('documents')
      .select(META)
      .where('holder_national_code', '=', nationalCode)
      .orderBy('issued_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async forApplication(applicationId: string): Promise<Meta[]> {
    return this.db.selectFrom('documents').select(META).where('application_id', '=', applicationId).orderBy('issued_at').execute();
  }

  /** The title of the newest document of `type`, for the credential type's metadata. */
  async typeTitle(type: string): Promise<{ fa: string; en: string } | undefined> {
    const row = await this.db.selectFrom('documents').select(['title_fa', 'title_en']).where('type', '=', type).orderBy('issued_at', 'desc').limit(1).executeTakeFirst();
    return row ? { fa: row.title_fa, en: row.title_en } : undefined;
  }

  /** The next status-list slot. */
  async allocateSlot(executor: Kysely<any>, at: string): Promise<number> {
    const row = await (executor as Kysely<DocumentTables>).insertInto('document_status_slots').values({ allocated_at: at }).returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** The revoked slots in [from, to). */
  async revokedSlots(from: number, to: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('documents')
      .select('status_slot')
      .where('status', '=', 'revoked')
      .where('status_slot', '>=', from)
      .where('status_slot', '<', to)
      .execute();
    return rows.map((r) => Number(r.status_slot));
  }

  /** Revokes if not revoked yet; false when another revocation got there first. */
  async revoke(executor: Kysely<any>, id: string, r: { at: string; by: string; reason: Localized }): Promise<boolean> {
    const res = await (executor as Kysely<DocumentTables>)
      .updateTable('documents')
      .set({ status: 'revoked', revoked_at: r.at, revoked_by: r.by, revoked_reason_fa: r.reason.fa, revoked_reason_en: r.reason.en })
      .where('id', '=', id)
      .where('status', '<>', 'revoked')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}
