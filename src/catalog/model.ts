/** The catalogue's data model, after the EU Core Public Service Vocabulary (CPSV-AP). */

export interface Localized {
  fa: string;
  en: string;
}

export type Channel =
  /** Delivered on this platform, at `path` (language-neutral, e.g. `/inquiries/vehicle-fines`; English pages add `/en`). */
  | { type: 'platform'; path: string }
  | { type: 'online'; url: string }
  | { type: 'in-person'; instructions: Localized }
  | { type: 'phone'; number: string; instructions?: Localized };

export type ChannelType = Channel['type'];
export const CHANNEL_TYPES: readonly ChannelType[] = ['platform', 'online', 'in-person', 'phone'];

export interface Organization {
  code: string;
  name: Localized;
  parent: string | null;
  website: string | null;
  /** The data-exchange members that are this agency (`IR/GOV/NOCR`): how a member is told to be this organisation. */
  exchangeMembers: string[];
}

export interface Term {
  code: string;
  name: Localized;
}

export interface ThematicWindow {
  code: string;
  name: Localized;
  description: Localized;
  /** Brand colour of the window's page (a CSS hex colour). */
  color: string;
  /** A service belongs to the window when it has one of these topics, is provided by one of these organisations, or is listed. */
  topics: string[];
  organizations: string[];
  services: string[];
}

/** One version of a public service as written by its agency (CPSV-AP PublicService). */
export interface ServiceData {
  code: string;
  slug: string;
  title: Localized;
  summary: Localized;
  description: Localized;
  organization: string;
  topics: string[];
  lifeEvents: string[];
  channels: Channel[];
  requirements: Localized[];
  evidence: Localized[];
  cost: { amount: number; currency: 'IRR' };
  processingDays: number;
  legalBasis: Localized | null;
  output: Localized | null;
  keywords: { fa: string[]; en: string[] };
  smart: boolean;
  /**
   * How the service is delivered on this platform (form, registry prefill, fee, steps, document), when it
   * is: versioned and approved with the entry. The catalogue keeps it as written; the capability that
   * delivers services checks it (see delivery-checks.ts) and adds the `/services/{slug}/apply` channel.
   */
  delivery?: ServiceDelivery;
}

/** An online-delivery definition, opaque to the catalogue (its format is src/services/definition.ts). */
export type ServiceDelivery = Record<string, unknown>;

/** The import/export file (see README). */
export interface CatalogFile {
  organizations?: Array<Partial<Organization> & Pick<Organization, 'code' | 'name'>>;
  topics?: Term[];
  lifeEvents?: Term[];
  windows?: ThematicWindow[];
  services?: Array<Partial<ServiceData> & Pick<ServiceData, 'code'>>;
}

export type VersionStatus = 'draft' | 'submitted' | 'approved' | 'rejected' | 'superseded';
