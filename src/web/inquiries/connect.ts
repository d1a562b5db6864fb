import type { Kysely } from 'kysely';
import { demoUpstreamBase, isStartRace, seedDemoConsumer, seedDemoExchange, type Exchange } from '../../exchange/index.js';
import { ensurePortalKey, PORTAL_CLIENT } from './credentials.js';

/**
 * Demo mode: the demo agencies on the exchange, and the portal connected to it as an ordinary
 * consumer (subsystem, contracts, API key). Idempotent, so every start may run it. Several nodes
 * starting together on one PostgreSQL may race: a registration another node made first counts as done
 * (seed.ts), and anything else a race throws (a lock, a serialisation failure) runs the whole,
 * idempotent, seed again.
 */

export const PORTAL_LEGAL_BASIS =
  'The data subject asks for their own record: the person is signed in to the national portal with the national identity, and the portal sends only their own national code (or a vehicle registered to them).';

export interface PortalConnection {
  /** Null when the agencies could not be registered (the listening address is not known before listening). */
  agencies: { members: number; subsystems: number; services: number } | null;
  consumer: { members: number; subsystems: number; contracts: number };
  keyCreated: boolean;
  /** Why the agencies were not registered, for the operator. */
  warning: string | null;
}

export async function connectPortalToExchange(
  p: { config: { host: string; port: number }; exchange: Exchange; database: { db: Kysely<any> } },
  opts: { loopbackBaseUrl?: string; actor?: string } = {},
): Promise<PortalConnection> {
  const actor = opts.actor ?? 'demo';
  const base = opts.loopbackBaseUrl ?? demoUpstreamBase(p.config.host, p.config.port);
  for (let attempt = 1; ; attempt++) {
    try {
      const agencies = base ? await seedDemoExchange(p.exchange.registry, { loopbackBaseUrl: base, actor }) : null;
      const consumer = await seedDemoConsumer(p.exchange, {
        client: PORTAL_CLIENT,
        memberName: 'Panjareh national portal',
        subsystemName: 'Inquiry services of the national portal',
        memberNameFa: 'درگاه ملی پنجره',
        subsystemNameFa: 'استعلام‌های درگاه ملی',
        purpose: 'Inquiry services for signed-in citizens on the national portal (their own records)',
        legalBasis: PORTAL_LEGAL_BASIS,
        actor,
      });
      const { created } = await ensurePortalKey(p.database.db, p.exchange.apiKeys, actor);
      const warning = base ? null : unreachableWarning(p.config);
      return { agencies, consumer, keyCreated: created, warning };
    } catch (e) {
      if (attempt >= 3 || !isStartRace(e)) throw e;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
    }
  }
}

function unreachableWarning(c: { host: string; port: number }): string {
  const why =
    c.port === 0
      ? 'the port is chosen only when the server listens (PORT=0), so their address is not known yet'
      : `their back-ends answer loopback callers only, and this node listens on ${c.host}, which a loopback address cannot reach (use HOST=0.0.0.0 or a loopback address)`;
  return `the demo agencies are not registered on the data exchange, so the portal's inquiries cannot reach them: ${why}`;
}
