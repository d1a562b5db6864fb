/** An issued document: what it says, who issued it to whom, and whether it still holds. */

export interface Localized {
  fa: string;
  en: string;
}

export interface DocumentField {
  /** A stable key (for the credential's claims): `purpose`, `plate`, … */
  key: string;
  label: Localized;
  /** As printed; may mix Persian and Latin letters or digits. */
  value: string;
}

export interface IssueRequest {
  /** The document type, a short lower-case name (`criminal-record-certificate`): the credential's type ends with it. */
  type: string;
  title: Localized;
  organization: { code: string; name: Localized };
  holder: { nationalCode: string; name: Localized };
  fields: DocumentField[];
  /** Days the document stays valid; none for a document that does not expire. */
  validDays?: number;
  applicationId?: string | null;
}

export type DocumentStatus = 'valid' | 'revoked' | 'expired';

export interface IssuedDocument {
  /** The canonical document number: 17 characters, the last a check character. */
  id: string;
  type: string;
  title: Localized;
  organization: { code: string; name: Localized };
  holder: { nationalCode: string; name: Localized };
  fields: DocumentField[];
  issuedAt: string;
  expiresAt: string | null;
  /** Computed when read: a revocation or an expiry is seen at once. */
  status: DocumentStatus;
  revokedAt: string | null;
  revokedBy: string | null;
  revokedReason: Localized | null;
  applicationId: string | null;
}

/** What anyone holding the number may learn: no national code, the name masked. */
export interface Verification {
  id: string;
  /** The number as printed, in groups. */
  number: string;
  type: string;
  title: Localized;
  issuer: { code: string; name: Localized };
  issuedAt: string;
  expiresAt: string | null;
  status: DocumentStatus;
  holder: Localized;
  revokedAt: string | null;
  revokedReason: Localized | null;
}

export const TYPE_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;
export const FIELD_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
