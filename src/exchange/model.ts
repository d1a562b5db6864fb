/** The exchange's records as the rest of the platform sees them. */

export type Classification = 'public' | 'internal' | 'personal';
export const CLASSIFICATIONS: readonly Classification[] = ['public', 'internal', 'personal'];

/**
 * Where a request names the person its data is about, and how the gateway learns who that is.
 *
 * A service that names the person by their national code (`identifier` absent or 'nationalCode')
 * records that code as the subject of each call. A service that names them indirectly — a vehicle's
 * plate (its owner), a certificate number (its holder), the postal code of a home (who lives there) —
 * says what the value is (`identifier`) and where the gateway asks whose it is (`resolve`): a lookup
 * the owning agency serves on the service's own upstream. The gateway asks it before the call and
 * records the people it names beside the identifier, so each of them finds the read in their data
 * tracker; a consent token is then checked against those people.
 */
export interface SubjectLocation {
  in: 'path' | 'query' | 'header';
  name: string;
  /** What the value is: 'nationalCode' (the default) names the person; any other kind needs `resolve`. */
  identifier?: string;
  /** How an indirect identifier is resolved to the people it names. */
  resolve?: SubjectResolver;
}

/**
 * A lookup the owning agency serves on the service's upstream (same origin and base path, so it needs
 * no registration of its own): `GET <base><path>` with `{value}` replaced by the identifier, sent only
 * by the gateway (header `X-Panjareh-Subject-Lookup: <service id>`, which no client can send through
 * it). The answer is `200 {"nationalCodes": ["…"]}` (an empty list when nobody is named) or 404 (no
 * such identifier); anything else fails the call (502): data is never handed out unrecorded.
 */
export interface SubjectResolver {
  path: string;
}

/** Names: `name` as registered (the demo's in English), `nameFa` the Persian one for Persian pages (null: show `name`). */
export interface Member {
  id: string;
  name: string;
  nameFa: string | null;
  createdAt: string;
}

export interface Subsystem {
  id: string;
  member: string;
  name: string | null;
  nameFa: string | null;
  createdAt: string;
}

export interface Endpoint {
  method: string;
  path: string;
}

export interface DataService {
  id: string;
  subsystem: string;
  name: string | null;
  nameFa: string | null;
  upstream: string;
  classification: Classification;
  subject: SubjectLocation | null;
  hasOpenApi: boolean;
  endpoints: Endpoint[];
  disabled: boolean;
  createdAt: string;
}

export type ContractStatus = 'pending' | 'active' | 'rejected' | 'revoked' | 'expired';

export interface Contract {
  id: number;
  client: string;
  service: string;
  purpose: string;
  legalBasis: string | null;
  /** The legal basis lets the consumer read personal data without each person's consent. */
  legalBasisCoversPersonalData: boolean;
  methods: string[];
  paths: string[];
  ratePerSecond: number;
  dailyQuota: number | null;
  expiresAt: string | null;
  status: ContractStatus;
  requestedAt: string;
  requestedBy: string;
  decidedAt: string | null;
  decidedBy: string | null;
  decisionReason: string | null;
  revokedAt: string | null;
}

export interface ApiKeyInfo {
  id: number;
  subsystem: string;
  prefix: string;
  label: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export type ConsentStatus = 'requested' | 'active' | 'rejected' | 'revoked';

export interface Consent {
  id: string;
  subject: string;
  client: string;
  services: string[];
  purpose: string;
  status: ConsentStatus;
  expiresAt: string;
  createdAt: string;
  decidedAt: string | null;
  revokedAt: string | null;
}
