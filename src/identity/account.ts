import type { Kysely } from 'kysely';
import { writeAudit } from '../platform/audit.js';
import { notFound } from '../platform/errors.js';
import type { OidcPayloadTables } from './oidc/adapter.js';
import { PORTAL_CLIENT_ID, type RelyingParties } from './oidc/clients.js';
import type { ProviderHost } from './oidc/host.js';
import type { PortalSessions } from './portal-sessions.js';
import type { DeviceSummary, SessionDevices } from './session-devices.js';

/**
 * "My Panjareh" as the identity sees it: a person's browser sessions at the provider and the sites
 * they let receive their data, read from the provider's own storage, and the means to end either.
 */

export interface ActiveSession {
  id: string;
  signedInAt: string;
  acr: string | null;
  amr: string[];
  /** The sites this session signed in to (the portal among them). */
  sites: { clientId: string; name: string }[];
  /** The browser the sign-in came from; null for sessions begun before browsers were noted. */
  device: DeviceSummary | null;
  /** This is the session of the browser asking (its portal session belongs to it). */
  current: boolean;
}

export interface ConnectedSite {
  grantId: string;
  clientId: string;
  name: string;
  /** The scopes granted, e.g. `openid profile national_code`, and those at the citizen's API, e.g. `applications`. */
  scopes: string[];
  since: string;
}

interface SessionPayload {
  uid?: string;
  accountId?: string;
  loginTs?: number;
  acr?: string;
  amr?: string[];
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
}

interface GrantPayload {
  accountId?: string;
  clientId?: string;
  iat?: number;
  openid?: { scope?: string };
  /** Scopes granted at resource servers (the citizen's API), resource → space-separated scopes. */
  resources?: Record<string, string>;
}

type Meta = { ip: string | null; userAgent: string | null };

export class Accounts {
  private readonly db: Kysely<OidcPayloadTables>;

  constructor(
    db: Kysely<any>,
    private readonly clients: RelyingParties,
    private readonly host: () => ProviderHost | undefined,
    private readonly portal: PortalSessions,
    private readonly devices: SessionDevices,
  ) {
    this.db = db as Kysely<OidcPayloadTables>;
  }

  private async rows<T>(model: string, subject: string): Promise<{ id: string; payload: T }[]> {
    const now = new Date().toISOString();
    const rows = await this.db
      .selectFrom('oidc_payloads')
      .select(['id', 'payload'])
      .where('model', '=', model)
      .where('account_id', '=', subject)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .execute();
    return rows.map((r) => ({ id: r.id, payload: JSON.parse(r.payload) as T }));
  }

  /** `currentSid`: the portal session's `sid` of the browser asking, to mark its own session. */
  async sessions(subject: string, currentSid: string | null = null): Promise<ActiveSession[]> {
    const [names, devices] = await Promise.all([this.clients.names(), this.devices.of(subject)]);
    return (await this.rows<SessionPayload>('Session', subject))
      .map(({ id, payload: p }) => ({
        id,
        signedInAt: new Date((p.loginTs ?? 0) * 1000).toISOString(),
        acr: p.acr ?? null,
        amr: p.amr ?? [],
        sites: Object.keys(p.authorizations ?? {}).map((c) => ({ clientId: c, name: names.get(c) ?? c })),
        device: (p.uid && devices.get(p.uid)) || null,
        current: !!currentSid && Object.values(p.authorizations ?? {}).some((a) => a.sid === currentSid),
      }))
      .sort((a, b) => Number(b.current) - Number(a.current) || b.signedInAt.localeCompare(a.signedInAt));
  }

  /**
   * The sites a person let receive their data. The portal is the authority's own site, which people
   * are not asked to consent to (provider.ts): its grant is how they use the portal at all, not a
   * permission to withdraw, so it is not listed.
   */
  async sites(subject: string): Promise<ConnectedSite[]> {
    const names = await this.clients.names();
    return (await this.rows<GrantPayload>('Grant', subject))
      .filter(({ payload: p }) => p.clientId !== PORTAL_CLIENT_ID)
      .map(({ id, payload: p }) => ({ grantId: id, clientId: p.clientId ?? '', name: names.get(p.clientId ?? '') ?? p.clientId ?? '', scopes: [...new Set([p.openid?.scope ?? '', ...Object.values(p.resources ?? {})].join(' ').split(' ').filter(Boolean))], since: new Date((p.iat ?? 0) * 1000).toISOString() }))
      .sort((a, b) => b.since.localeCompare(a.since));
  }

  /**
   * Signs one browser session out: every site it signed in to is told by back-channel logout (those
   * that registered for it), the portal's own session on that browser is closed, then the session,
   * and with it the tokens bound to it, is gone.
   */
  async endSession(subject: string, sessionId: string, nationalCode: string, meta: Meta): Promise<void> {
    const session = (await this.rows<SessionPayload>('Session', subject)).find((s) => s.id === sessionId);
    if (!session) throw notFound({ fa: 'نشست', en: 'The session' });
    const provider = this.host()?.current;
    for (const [clientId, auth] of Object.entries(session.payload.authorizations ?? {})) {
      const client = provider ? await provider.Client.find(clientId) : undefined;
      const c = client as unknown as { backchannelLogoutUri?: string; backchannelLogout(sub: string, sid: string): Promise<void> } | undefined;
      if (c?.backchannelLogoutUri) await c.backchannelLogout(subject, auth.sid ?? '').catch(() => undefined);
    }
    // The portal is a relying party with a session of its own (bound to the provider session's sid):
    // signing a lost phone out must sign it out of the portal too, not only of the provider.
    for (const auth of Object.values(session.payload.authorizations ?? {})) if (auth.sid) await this.portal.closeBySid(auth.sid);
    await this.db.deleteFrom('oidc_payloads').where('model', '=', 'Session').where('id', '=', sessionId).execute();
    if (session.payload.uid) await this.devices.forget(session.payload.uid);
    await writeAudit(this.db, { actor: `person:${nationalCode}`, action: 'identity.session.ended', subject: `person:${nationalCode}`, detail: { sessionId, sites: Object.keys(session.payload.authorizations ?? {}) }, ...meta });
  }

  /** Withdraws what a site was allowed to receive: the grant and every token issued under it. */
  async revokeSite(subject: string, grantId: string, nationalCode: string, meta: Meta): Promise<{ clientId: string }> {
    const grant = (await this.rows<GrantPayload>('Grant', subject)).find((g) => g.id === grantId && g.payload.clientId !== PORTAL_CLIENT_ID);
    if (!grant) throw notFound({ fa: 'اجازهٔ دسترسی', en: 'The permission' });
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
      await tx.deleteFrom('oidc_payloads').where('model', '=', 'Grant').where('id', '=', grantId).execute();
      await writeAudit(tx, { actor: `person:${nationalCode}`, action: 'identity.consent.revoked', subject: `oidc-client:${grant.payload.clientId}`, detail: { grantId }, ...meta });
    });
    return { clientId: grant.payload.clientId ?? '' };
  }
}
