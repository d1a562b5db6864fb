import { DEMO_AGENCIES, type DemoServiceDescriptor } from '../agencies/index.js';
import { unlessTaken } from './concurrent-seed.js';
import type { Contracts } from './contracts.js';
import { memberOf, parseSubsystemId } from './ids.js';
import type { SubjectLocation } from './model.js';
import type { Registry } from './registry.js';

/**
 * The demo agencies on the exchange: each agency a GOV member with one subsystem, each of its
 * back-end operations a data service whose upstream is this node's own loopback address plus the
 * agency's prefix (`http://127.0.0.1:PORT/demo-agencies/nocr`). Idempotent: what is registered
 * already is left alone, except that a demo upstream on a loopback address follows the port the
 * platform now listens on (a restart with another PORT). Consumers are seeded by `seedDemoConsumer`.
 */

export interface DemoExchangeSeed {
  members: number;
  subsystems: number;
  services: number;
}

/**
 * Where the exchange reaches the demo back-ends served by this platform: its own loopback address,
 * never PUBLIC_URL. The back-ends answer loopback callers only (and refuse anything a proxy
 * forwarded), and a public address may not even resolve from inside the server, so the gateway calls
 * the node it runs on. Null when that address cannot be known: port 0 (chosen at listen), or a
 * specific non-loopback listening address, which a loopback connection cannot reach.
 */
export function demoUpstreamBase(host: string, port: number): string | null {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === '::' || h === '::1') return `http://[::1]:${port}`;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return `http://${h}:${port}`;
  if (h === '0.0.0.0' || h === '' || h === 'localhost') return `http://127.0.0.1:${port}`;
  return null;
}

/** A loopback upstream that a demo seed made for this agency (so a later seed may move it to another port). */
function isDemoLoopbackUpstream(url: string, pathPrefix: string): boolean {
  try {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    return (host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) && u.pathname === pathPrefix;
  } catch {
    return false;
  }
}

/** A demo service's subject as the exchange registers it: an indirect identifier with its agency's lookup. */
function subjectOf(s: DemoServiceDescriptor): SubjectLocation | null {
  const d = s.dataSubject;
  if (!d) return null;
  return d.identifier === 'nationalCode' ? { in: d.in, name: d.name } : { in: d.in, name: d.name, identifier: d.identifier, resolve: { path: d.resolve } };
}

/** The demo now says how to find whose data the service's identifier names, and the registration does not. */
const gainsResolution = (registered: SubjectLocation | null, wanted: SubjectLocation | null): boolean => !!wanted?.resolve && !registered?.resolve;

export async function seedDemoExchange(registry: Registry, opts: { loopbackBaseUrl: string; actor?: string }): Promise<DemoExchangeSeed> {
  const actor = opts.actor ?? 'demo';
  const base = opts.loopbackBaseUrl.replace(/\/+$/, '');
  const members = await registry.members();
  const subsystems = await registry.subsystems();
  const have = {
    members: new Set(members.map((m) => m.id)),
    subsystems: new Set(subsystems.map((s) => s.id)),
    services: new Map((await registry.services()).map((s) => [s.id, s])),
  };
  // Registered before names were kept in Persian too: given theirs now (a name an operator gave stays).
  const unnamed = new Set([...members, ...subsystems].filter((x) => !x.nameFa).map((x) => x.id));
  const made: DemoExchangeSeed = { members: 0, subsystems: 0, services: 0 };
  for (const agency of DEMO_AGENCIES) {
    const sub = parseSubsystemId(agency.id);
    if (!sub) throw new Error(`demo agency ${agency.id} does not have a valid subsystem id`);
    const member = memberOf(sub);
    if (!have.members.has(member)) {
      if (await unlessTaken(() => registry.addMember({ id: member, name: agency.name.en, nameFa: agency.name.fa }, actor))) made.members++;
      have.members.add(member);
    } else if (unnamed.has(member)) await registry.namePersian('member', member, agency.name.fa, actor);
    if (!have.subsystems.has(agency.id) && (await unlessTaken(() => registry.addSubsystem({ id: agency.id, name: agency.name.en, nameFa: agency.name.fa }, actor)))) made.subsystems++;
    else if (unnamed.has(agency.id)) await registry.namePersian('subsystem', agency.id, agency.name.fa, actor);
    const upstream = `${base}${agency.pathPrefix}`;
    for (const s of agency.services) {
      const description = {
        id: s.id,
        name: s.name.en,
        nameFa: s.name.fa,
        upstream,
        openapi: agency.openapi,
        classification: s.classification,
        subject: subjectOf(s),
      };
      const existing = have.services.get(s.id);
      if (!existing) {
        if (await unlessTaken(() => registry.addService(description, actor))) made.services++;
        continue;
      }
      if (!existing.nameFa) await registry.namePersian('service', s.id, s.name.fa, actor);
      if (isDemoLoopbackUpstream(existing.upstream, agency.pathPrefix) && (existing.upstream !== upstream || gainsResolution(existing.subject, description.subject))) {
        // The platform listens on another port than when this was registered, or the service was
        // registered before it said whose data an indirect identifier names; an upstream an operator
        // pointed elsewhere stays, and so does a subject an operator set, unless it left readers unrecorded.
        const subject = gainsResolution(existing.subject, description.subject) ? description.subject : existing.subject;
        await registry.updateService({ ...description, classification: existing.classification, subject }, actor);
      }
    }
  }
  return made;
}

export interface DemoConsumer {
  /** The consumer subsystem, `INSTANCE/CLASS/MEMBER/SUBSYSTEM`. */
  client: string;
  memberName: string;
  subsystemName: string;
  /** The same names in Persian. */
  memberNameFa?: string;
  subsystemNameFa?: string;
  purpose: string;
  /** The legal basis of its contracts for personal data; those contracts need no per-person consent token. */
  legalBasis: string;
  actor?: string;
}

export interface DemoConsumerSeed {
  members: number;
  subsystems: number;
  contracts: number;
}

/**
 * A consumer of every demo service: its member and subsystem, and one contract per service granted by
 * the authority, allowing GET on exactly that service's path and nothing else. A service for which the
 * consumer has ever had a contract is left alone, so a contract the authority revoked stays revoked
 * across restarts; a demo service not registered (yet) is skipped. API keys are not made here: whoever keeps the key makes it (it is shown once).
 */
export async function seedDemoConsumer(exchange: { registry: Registry; contracts: Contracts }, c: DemoConsumer): Promise<DemoConsumerSeed> {
  const actor = c.actor ?? 'demo';
  const { registry, contracts } = exchange;
  const sub = parseSubsystemId(c.client);
  if (!sub) throw new Error(`${c.client} is not a valid subsystem id`);
  const member = memberOf(sub);
  const made: DemoConsumerSeed = { members: 0, subsystems: 0, contracts: 0 };
  const knownMember = (await registry.members()).find((m) => m.id === member);
  if (!knownMember && (await unlessTaken(() => registry.addMember({ id: member, name: c.memberName, nameFa: c.memberNameFa }, actor)))) made.members++;
  else if (knownMember && !knownMember.nameFa && c.memberNameFa) await registry.namePersian('member', member, c.memberNameFa, actor);
  const knownSubsystem = (await registry.subsystems(member)).find((s) => s.id === c.client);
  if (!knownSubsystem && (await unlessTaken(() => registry.addSubsystem({ id: c.client, name: c.subsystemName, nameFa: c.subsystemNameFa }, actor)))) made.subsystems++;
  else if (knownSubsystem && !knownSubsystem.nameFa && c.subsystemNameFa) await registry.namePersian('subsystem', c.client, c.subsystemNameFa, actor);
  const had = new Set((await contracts.list({ client: c.client })).map((x) => x.service));
  const registered = new Set((await registry.services()).map((s) => s.id));
  for (const s of DEMO_AGENCIES.flatMap((a) => a.services)) {
    if (had.has(s.id) || !registered.has(s.id)) continue;
    const personal = s.classification === 'personal';
    const granted = await unlessTaken(() =>
      contracts.grant(
        {
          client: c.client,
          service: s.id,
          purpose: c.purpose,
          methods: [s.method],
          paths: [s.path],
          legalBasis: personal ? c.legalBasis : null,
          legalBasisCoversPersonalData: personal,
        },
        actor,
      ),
    );
    if (granted) made.contracts++;
  }
  return made;
}
