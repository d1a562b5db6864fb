import { DEMO_AGENCIES } from '../agencies/index.js';
import { memberOf, parseSubsystemId } from './ids.js';
import type { Registry } from './registry.js';

/**
 * The demo agencies on the exchange: each agency a GOV member with one subsystem, each of its
 * back-end operations a data service whose upstream is this node's own loopback address plus the
 * agency's prefix (`http://127.0.0.1:PORT/demo-agencies/nocr`). Idempotent: what is registered
 * already is left alone. Consumers, contracts and keys are not made here.
 */

export interface DemoExchangeSeed {
  members: number;
  subsystems: number;
  services: number;
}

export async function seedDemoExchange(registry: Registry, opts: { loopbackBaseUrl: string; actor?: string }): Promise<DemoExchangeSeed> {
  const actor = opts.actor ?? 'demo';
  const base = opts.loopbackBaseUrl.replace(/\/+$/, '');
  const have = {
    members: new Set((await registry.members()).map((m) => m.id)),
    subsystems: new Set((await registry.subsystems()).map((s) => s.id)),
    services: new Set((await registry.services()).map((s) => s.id)),
  };
  const made: DemoExchangeSeed = { members: 0, subsystems: 0, services: 0 };
  for (const agency of DEMO_AGENCIES) {
    const sub = parseSubsystemId(agency.id);
    if (!sub) throw new Error(`demo agency ${agency.id} does not have a valid subsystem id`);
    const member = memberOf(sub);
    if (!have.members.has(member)) {
      await registry.addMember({ id: member, name: agency.name.en }, actor);
      have.members.add(member);
      made.members++;
    }
    if (!have.subsystems.has(agency.id)) {
      await registry.addSubsystem({ id: agency.id, name: agency.name.en }, actor);
      made.subsystems++;
    }
    for (const s of agency.services) {
      if (have.services.has(s.id)) continue;
      await registry.addService(
        {
          id: s.id,
          name: s.name.en,
          upstream: `${base}${agency.pathPrefix}`,
          openapi: agency.openapi,
          classification: s.classification,
          subject: s.dataSubject ? { in: s.dataSubject.in, name: s.dataSubject.name } : null,
        },
        actor,
      );
      made.services++;
    }
  }
  return made;
}
