import Bowser from 'bowser';
import type { Kysely } from 'kysely';
import type { PortableMigration } from '../platform/migrations.js';

/**
 * Which browser a sign-in session was opened in, so that "My Panjareh" can name each session
 * ("Chrome on Android") and a person can tell the phone they lost from the laptop in front of them.
 * Recorded when the provider finishes a sign-in (provider.ts), keyed by the provider session's
 * stable uid. Only the browser's and system's names and the kind of device are kept, read from the
 * User-Agent at that moment: not the header itself, which says far more about a person's machine
 * than the page needs.
 */

export interface DeviceSummary {
  /** e.g. "Chrome", "Firefox", "Safari"; null when the User-Agent names none that we know. */
  browser: string | null;
  /** e.g. "Android", "iOS", "Windows", "macOS", "Linux". */
  os: string | null;
  /** mobile, tablet, desktop or tv; null when unknown. */
  type: string | null;
}

interface SessionDeviceTables {
  identity_session_devices: { session_uid: string; account_id: string; browser: string | null; os: string | null; device_type: string | null; signed_in_at: string; expires_at: string };
}

const clip = (s: string | undefined): string | null => (s && s.trim() ? s.trim().slice(0, 60) : null);

/** Reads the browser, system and kind of device out of a User-Agent header (with bowser). */
export function describeUserAgent(userAgent: string | null | undefined): DeviceSummary {
  if (!userAgent || userAgent.length > 1000) return { browser: null, os: null, type: null };
  const p = Bowser.getParser(userAgent);
  return { browser: clip(p.getBrowserName()), os: clip(p.getOSName()), type: clip(p.getPlatformType()) };
}

export const sessionDeviceMigrations: PortableMigration[] = [
  {
    name: '20261207-11-identity-session-devices',
    async up(db) {
      await db.schema
        .createTable('identity_session_devices')
        .addColumn('session_uid', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('browser', 'text')
        .addColumn('os', 'text')
        .addColumn('device_type', 'text')
        .addColumn('signed_in_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('identity_session_devices_account').on('identity_session_devices').column('account_id').execute();
    },
  },
];

export class SessionDevices {
  private readonly db: Kysely<SessionDeviceTables>;

  constructor(db: Kysely<any>) {
    this.db = db as Kysely<SessionDeviceTables>;
  }

  /** A sign-in finished in this provider session: the browser it came from, kept as long as the session may live. */
  async record(s: { sessionUid: string; accountId: string; userAgent: string | null; expiresAt: string }): Promise<void> {
    const d = describeUserAgent(s.userAgent);
    const values = { account_id: s.accountId, browser: d.browser, os: d.os, device_type: d.type, signed_in_at: new Date().toISOString(), expires_at: s.expiresAt };
    await this.db
      .insertInto('identity_session_devices')
      .values({ session_uid: s.sessionUid, ...values })
      .onConflict((oc) => oc.column('session_uid').doUpdateSet(values))
      .execute();
  }

  /** The devices of a person's sessions, by session uid. */
  async of(accountId: string): Promise<Map<string, DeviceSummary>> {
    const rows = await this.db.selectFrom('identity_session_devices').selectAll().where('account_id', '=', accountId).where('expires_at', '>', new Date().toISOString()).execute();
    return new Map(rows.map((r) => [r.session_uid, { browser: r.browser, os: r.os, type: r.device_type }]));
  }

  async forget(sessionUid: string): Promise<void> {
    await this.db.deleteFrom('identity_session_devices').where('session_uid', '=', sessionUid).execute();
  }

  async sweep(): Promise<number> {
    const r = await this.db.deleteFrom('identity_session_devices').where('expires_at', '<=', new Date().toISOString()).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
