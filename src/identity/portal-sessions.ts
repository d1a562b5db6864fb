import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { nowIso } from '../platform/db.js';

/**
 * The portal's sessions. The portal signs people in through the national provider like any other
 * site; after the code exchange it keeps its own session, found by a random cookie token whose hash
 * is stored here, so any node serves any request. The provider's back-channel logout ends the
 * session by its `sid`.
 */

interface PortalSessionTables {
  portal_sessions: { token_hash: string; national_code: string; subject: string; id_token: string; sid: string | null; acr: string | null; name_fa: string | null; name_en: string | null; created_at: string; expires_at: string };
}

export interface PortalSession {
  nationalCode: string;
  subject: string;
  idToken: string;
  acr: string | null;
  /** The provider session's id for the portal (the ID token's `sid`): tells which of the person's sessions is this browser. */
  sid: string | null;
  /** The person's name as the provider released it at sign-in, for the header of every page (null for sessions opened before names were kept). */
  name: { fa: string; en: string } | null;
  createdAt: string;
}

export const PORTAL_SESSION_HOURS = 12;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class PortalSessions {
  private readonly db: Kysely<PortalSessionTables>;

  constructor(db: Kysely<any>) {
    this.db = db as Kysely<PortalSessionTables>;
  }

  async open(s: { nationalCode: string; subject: string; idToken: string; sid: string | null; acr: string | null; name?: { fa: string; en: string } | null }): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    await this.db.deleteFrom('portal_sessions').where('expires_at', '<=', nowIso()).execute();
    await this.db
      .insertInto('portal_sessions')
      .values({ token_hash: sha256(token), national_code: s.nationalCode, subject: s.subject, id_token: s.idToken, sid: s.sid, acr: s.acr, name_fa: s.name?.fa ?? null, name_en: s.name?.en ?? null, created_at: new Date(now).toISOString(), expires_at: new Date(now + PORTAL_SESSION_HOURS * 3_600_000).toISOString() })
      .execute();
    return token;
  }

  async find(token: string | undefined): Promise<PortalSession | null> {
    if (!token || token.length > 100) return null;
    const row = await this.db.selectFrom('portal_sessions').selectAll().where('token_hash', '=', sha256(token)).where('expires_at', '>', nowIso()).executeTakeFirst();
    return row ? { nationalCode: row.national_code, subject: row.subject, idToken: row.id_token, acr: row.acr, sid: row.sid, name: row.name_fa || row.name_en ? { fa: row.name_fa ?? row.name_en ?? '', en: row.name_en ?? row.name_fa ?? '' } : null, createdAt: row.created_at } : null;
  }

  async close(token: string | undefined): Promise<void> {
    if (token) await this.db.deleteFrom('portal_sessions').where('token_hash', '=', sha256(token)).execute();
  }

  /** Back-channel logout: the provider says this browser session ended. */
  async closeBySid(sid: string): Promise<number> {
    const r = await this.db.deleteFrom('portal_sessions').where('sid', '=', sid).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
