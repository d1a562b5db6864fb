/**
 * Exchange identifiers, X-Road's model: a member `INSTANCE/CLASS/MEMBER`, a subsystem
 * `INSTANCE/CLASS/MEMBER/SUBSYSTEM`, a service `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE`.
 *
 * The grammar is deliberately narrower than X-Road's, so that an identifier never needs
 * percent-encoding in a URL or a header and can be compared byte for byte:
 *   INSTANCE  = 1–16 of A–Z 0–9 "-", starting with a letter           (IR, IR-TEST)
 *   CLASS     = GOV | COM | NGO
 *   CODE      = 1–64 of A–Z a–z 0–9 "." "_" "-", starting with a letter or digit
 *               (member, subsystem and service codes: NOCR, 10100000001, registry, vehicle-fines)
 *   SERVICE   = a CODE that is not the name of a metaservice (listClients, listMethods,
 *               allowedMethods, getOpenAPI — in any letter case)
 * Identifiers are case-sensitive, but two that differ only in letter case may not both be registered.
 */

export const MEMBER_CLASSES = ['GOV', 'COM', 'NGO'] as const;
export type MemberClass = (typeof MEMBER_CLASSES)[number];
export const METASERVICES = ['listClients', 'listMethods', 'allowedMethods', 'getOpenAPI'] as const;
export type Metaservice = (typeof METASERVICES)[number];

const INSTANCE = /^[A-Z][A-Z0-9-]{0,15}$/;
const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const RESERVED = new Set(METASERVICES.map((m) => m.toLowerCase()));

export interface MemberId {
  instance: string;
  memberClass: MemberClass;
  member: string;
}
export interface SubsystemId extends MemberId {
  subsystem: string;
}
export interface ServiceId extends SubsystemId {
  service: string;
}

export const isInstance = (s: string): boolean => INSTANCE.test(s);
export const isCode = (s: string): boolean => CODE.test(s);
export const isClass = (s: string): s is MemberClass => s === 'GOV' || s === 'COM' || s === 'NGO';
export const isServiceCode = (s: string): boolean => CODE.test(s) && !RESERVED.has(s.toLowerCase());
export const isMetaservice = (s: string): s is Metaservice => (METASERVICES as readonly string[]).includes(s);

/** Parses `parts` already split on "/"; null unless every part follows the grammar. */
function parseParts(parts: string[], n: 3 | 4 | 5): ServiceId | SubsystemId | MemberId | null {
  if (parts.length !== n) return null;
  const [instance, cls, member, subsystem, service] = parts as [string, string, string, string?, string?];
  if (!isInstance(instance) || !isClass(cls) || !isCode(member)) return null;
  if (n === 3) return { instance, memberClass: cls, member };
  if (!isCode(subsystem!)) return null;
  if (n === 4) return { instance, memberClass: cls, member, subsystem: subsystem! };
  if (!isServiceCode(service!)) return null;
  return { instance, memberClass: cls, member, subsystem: subsystem!, service: service! };
}

const MAX_ID = 16 + 4 + 3 * 65;

export function parseMemberId(s: string): MemberId | null {
  return typeof s === 'string' && s.length <= MAX_ID ? (parseParts(s.split('/'), 3) as MemberId | null) : null;
}
export function parseSubsystemId(s: string): SubsystemId | null {
  return typeof s === 'string' && s.length <= MAX_ID ? (parseParts(s.split('/'), 4) as SubsystemId | null) : null;
}
export function parseServiceId(s: string): ServiceId | null {
  return typeof s === 'string' && s.length <= MAX_ID ? (parseParts(s.split('/'), 5) as ServiceId | null) : null;
}
/** A service id from its five parts (as the gateway splits a URL), null if any part is off-grammar. */
export const serviceIdFromParts = (parts: string[]): ServiceId | null => parseParts(parts, 5) as ServiceId | null;
export const subsystemIdFromParts = (parts: string[]): SubsystemId | null => parseParts(parts, 4) as SubsystemId | null;

export const memberOf = (id: SubsystemId | ServiceId | MemberId): string => `${id.instance}/${id.memberClass}/${id.member}`;
export const subsystemOf = (id: SubsystemId | ServiceId): string => `${memberOf(id)}/${id.subsystem}`;
export const formatService = (id: ServiceId): string => `${subsystemOf(id)}/${id.service}`;

/** The one-line rule, for error messages and --help. */
export const GRAMMAR = {
  member: 'INSTANCE/CLASS/MEMBER (INSTANCE: A–Z, 0–9, "-", up to 16, starting with a letter; CLASS: GOV, COM or NGO; MEMBER: letters, digits, ".", "_", "-", up to 64, starting with a letter or digit)',
  subsystem: 'INSTANCE/CLASS/MEMBER/SUBSYSTEM (SUBSYSTEM like MEMBER: letters, digits, ".", "_", "-", up to 64)',
  service: 'INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE (SERVICE like MEMBER, and not listClients, listMethods, allowedMethods or getOpenAPI)',
} as const;
