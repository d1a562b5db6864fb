/** The exchange's records as the rest of the platform sees them. */

export type Classification = 'public' | 'internal' | 'personal';
export const CLASSIFICATIONS: readonly Classification[] = ['public', 'internal', 'personal'];

/** Where a request names the person its data is about. */
export interface SubjectLocation {
  in: 'path' | 'query' | 'header';
  name: string;
}

export interface Member {
  id: string;
  name: string;
  createdAt: string;
}

export interface Subsystem {
  id: string;
  member: string;
  name: string | null;
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
