import type { Kysely } from 'kysely';
import { writeAudit } from '../platform/audit.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { conflict, forbidden, invalid, notFound } from '../platform/errors.js';
import { KeyStore, type SigningKey } from '../platform/keys.js';
import { parsePersonCode } from '../platform/national-code.js';
import { normalizeText } from '../platform/text.js';
import { DocumentCertificates, PDF_KEY_PURPOSE, certificatePem } from './certificate.js';
import { CREDENTIAL_KEY_PURPOSE, STATUS_LIST_SIZE, credentialType, issueCredential, slotOf, statusListJwt } from './credential.js';
import { FIELD_KEY_PATTERN, TYPE_PATTERN, type DocumentField, type IssueRequest, type IssuedDocument, type Localized, type Verification } from './model.js';
import { formatNumber, newDocumentNumber, parseDocumentNumber } from './number.js';
import { renderPdf } from './render-pdf.js';
import { signPdf } from './sign-pades.js';
import { DocumentStore, statusAt, toDocument } from './store.js';

/**
 * Issued documents: issue (render, sign, credential, store), read, revoke, verify. Statuses are
 * computed from the database on every read, so a revocation on one node is what every verifier on
 * every node sees next.
 */

export const PLATFORM_NAME: Localized = { fa: 'پنجره، درگاه ملی خدمات دولت هوشمند', en: 'Panjareh, the national service window' };
const MAX_FIELDS = 30;
const MAX_TEXT = 500;
/** Signing keys and certificate read again after this long, so a rotation on another node is taken up. */
const MATERIAL_MS = 5000;

export interface DocumentsOptions {
  /** PUBLIC_URL: the credential's issuer and the verification addresses start with it. */
  publicUrl: string;
  keys: KeyStore;
  clock?: Clock;
}

/** Who revokes: a staff member of an organisation, or of the national authority (`organization: null`). */
export interface RevokingActor {
  username: string;
  organization: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

interface Material {
  at: number;
  pdfKey: SigningKey;
  certificate: Buffer;
  credentialKey: SigningKey;
}

const text = (v: unknown, what: string, max = MAX_TEXT): string => {
  const s = typeof v === 'string' ? normalizeText(v).trim() : '';
  if (!s || s.length > max) throw invalid('invalid_document', `${what} خالی یا بیش از اندازه بلند است.`, `${what}: empty or too long.`);
  return s;
};
const localized = (v: Localized | undefined, what: string): Localized => ({ fa: text(v?.fa, what), en: text(v?.en, what) });

/** `علی محمدی` → `ع*** م***`: enough for the holder to recognise, not enough to learn a name from a number. */
export function maskName(name: string): string {
  return name
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => `${Array.from(w)[0]}***`)
    .join(' ');
}

function validate(req: IssueRequest) {
  if (typeof req?.type !== 'string' || !TYPE_PATTERN.test(req.type)) {
    throw invalid('invalid_document_type', 'نوع سند باید با حرف کوچک لاتین شروع شود و فقط حرف، رقم و خط تیره داشته باشد.', 'A document type is lower-case Latin letters, digits and dashes.');
  }
  const holderCode = parsePersonCode(String(req.holder?.nationalCode ?? ''));
  if (!holderCode) throw invalid('invalid_national_code', 'کد ملی دارنده درست نیست.', "The holder's national code is not valid.");
  const fields = Array.isArray(req.fields) ? req.fields : [];
  if (fields.length > MAX_FIELDS) throw invalid('invalid_document', 'سند بیش از اندازه قسمت دارد.', 'The document has too many fields.');
  const keys = new Set<string>();
  const clean: DocumentField[] = fields.map((f) => {
    if (typeof f?.key !== 'string' || !FIELD_KEY_PATTERN.test(f.key) || keys.has(f.key)) {
      throw invalid('invalid_document_field', 'کلید هر قسمت سند باید یکتا و لاتین باشد.', 'Each field needs a unique Latin key.');
    }
    keys.add(f.key);
    return { key: f.key, label: localized(f.label, 'Field label'), value: text(f.value, 'Field value') };
  });
  const validDays = req.validDays;
  if (validDays !== undefined && validDays !== null && !(Number.isInteger(validDays) && validDays > 0 && validDays <= 36500)) {
    throw invalid('invalid_valid_days', 'مدت اعتبار باید عدد درستی از روزها باشد.', 'validDays must be a whole number of days.');
  }
  const orgCode = typeof req.organization?.code === 'string' && /^[A-Za-z0-9_-]{1,32}$/.test(req.organization.code) ? req.organization.code : null;
  if (!orgCode) throw invalid('invalid_organization', 'کد دستگاه صادرکننده درست نیست.', "The issuing organisation's code is not valid.");
  const applicationId = req.applicationId ?? null;
  if (applicationId !== null && (typeof applicationId !== 'string' || applicationId.length === 0 || applicationId.length > 100)) {
    throw invalid('invalid_application', 'شناسه درخواست درست نیست.', 'The application id is not valid.');
  }
  return {
    type: req.type,
    title: localized(req.title, 'Title'),
    organization: { code: orgCode, name: localized(req.organization.name, 'Organisation name') },
    holder: { nationalCode: holderCode.code, name: localized(req.holder.name, 'Holder name') },
    fields: clean,
    validDays: validDays ?? null,
    applicationId,
  };
}

export class Documents {
  readonly store: DocumentStore;
  private readonly clock: Clock;
  private readonly certificates: DocumentCertificates;
  private material: Material | null = null;

  constructor(
    private readonly db: Kysely<any>,
    private readonly opts: DocumentsOptions,
  ) {
    this.store = new DocumentStore(db);
    this.clock = opts.clock ?? systemClock;
    this.certificates = new DocumentCertificates({ organization: 'Panjareh', unit: new URL(opts.publicUrl).host });
  }

  /** `PUBLIC_URL/verify/{number}`: printed on the document and in its QR code. */
  verifyUrl(id: string): string {
    return `${this.opts.publicUrl}/verify/${formatNumber(id)}`;
  }

  /**
   * Issues a document. `executor` is the database or the caller's open transaction (an approval
   * issues its document in the same transaction as the decision): every read and write goes through
   * it, the rendering and signing happen before the writes, so the transaction holds its write
   * lock only for the two inserts and the credential between them.
   */
  async issue(executor: Kysely<any>, req: IssueRequest): Promise<IssuedDocument> {
    const v = validate(req);
    const now = this.clock.now();
    const issuedAt = now.toISOString();
    const expiresAt = v.validDays ? new Date(now.getTime() + v.validDays * 86_400_000).toISOString() : null;
    const doc: IssuedDocument = {
      id: newDocumentNumber(),
      type: v.type,
      title: v.title,
      organization: v.organization,
      holder: v.holder,
      fields: v.fields,
      issuedAt,
      expiresAt,
      status: 'valid',
      revokedAt: null,
      revokedBy: null,
      revokedReason: null,
      applicationId: v.applicationId,
    };
    const m = await this.signingMaterial(executor);
    const unsigned = await renderPdf({ document: doc, verifyUrl: this.verifyUrl(doc.id), platformName: PLATFORM_NAME });
    const pdf = await signPdf(unsigned, { key: m.pdfKey, certificate: m.certificate }, {
      reason: `${doc.title.en} ${formatNumber(doc.id)}`,
      location: new URL(this.opts.publicUrl).host,
      name: `${doc.organization.name.en} through Panjareh`,
      contactInfo: this.verifyUrl(doc.id),
      signingTime: now,
    });
    const slot = await this.store.allocateSlot(executor, issuedAt);
    const sdJwt = await issueCredential(doc, { publicUrl: this.opts.publicUrl, key: m.credentialKey, slot: slotOf(slot) });
    await this.store.insert(executor, {
      id: doc.id,
      type: doc.type,
      title_fa: doc.title.fa,
      title_en: doc.title.en,
      organization_code: doc.organization.code,
      organization_name_fa: doc.organization.name.fa,
      organization_name_en: doc.organization.name.en,
      holder_national_code: doc.holder.nationalCode,
      holder_name_fa: doc.holder.name.fa,
      holder_name_en: doc.holder.name.en,
      fields: JSON.stringify(doc.fields),
      issued_at: issuedAt,
      expires_at: expiresAt,
      status: 'issued',
      revoked_at: null,
      revoked_by: null,
      revoked_reason_fa: null,
      revoked_reason_en: null,
      application_id: doc.applicationId,
      pdf,
      sd_jwt: sdJwt,
      status_slot: slot,
    });
    return doc;
  }

  /** The document, or undefined; `id` may be typed as people type it. */
  async get(id: string): Promise<IssuedDocument | undefined> {
    const n = parseDocumentNumber(id);
    const row = n ? await this.store.meta(n) : undefined;
    return row ? toDocument(row, this.clock.now()) : undefined;
  }

  /** The signed PDF. Personal data: only for the holder or the issuing organisation (the caller checks). */
  async pdf(id: string): Promise<Buffer | undefined> {
    const n = parseDocumentNumber(id);
    return n ? this.store.pdf(n) : undefined;
  }

  /** The SD-JWT VC (issuer-signed, every disclosure included). Personal data, as `pdf`. */
  async credential(id: string): Promise<string | undefined> {
    const n = parseDocumentNumber(id);
    return n ? this.store.sdJwt(n) : undefined;
  }

  /** A person's documents, newest first ("My documents"). */
  async listForHolder(nationalCode: string): Promise<IssuedDocument[]> {
    const now = this.clock.now();
    return (await this.store.forHolder(nationalCode, 500)).map((r) => toDocument(r, now));
  }

  /** The documents an application produced. */
  async forApplication(applicationId: string): Promise<IssuedDocument[]> {
    const now = this.clock.now();
    return (await this.store.forApplication(applicationId)).map((r) => toDocument(r, now));
  }

  /** Revokes a document: its issuing organisation's staff or the national authority; audited with the change. */
  async revoke(actor: RevokingActor, id: string, reason: Localized): Promise<IssuedDocument> {
    const n = parseDocumentNumber(id);
    const row = n ? await this.store.meta(n) : undefined;
    if (!n || !row) throw notFound({ fa: 'سند', en: 'Document' });
    const meta = { ip: actor.ip ?? null, userAgent: actor.userAgent ?? null };
    if (actor.organization !== null && actor.organization !== row.organization_code) {
      await writeAudit(this.db, { actor: actor.username, action: 'documents.revoke.refused', subject: `document:${n}`, detail: { organization: actor.organization }, ...meta });
      throw forbidden();
    }
    const why = localized(reason, 'Reason');
    const at = this.clock.nowIso();
    const done = await this.db.transaction().execute(async (tx) => {
      if (!(await this.store.revoke(tx, n, { at, by: actor.username, reason: why }))) return false;
      await writeAudit(tx, { actor: actor.username, action: 'documents.revoke', subject: `document:${n}`, detail: { reason: why, organization: actor.organization }, ...meta });
      return true;
    });
    if (!done) throw conflict('document_already_revoked', 'این سند پیش‌تر باطل شده است.', 'This document has already been revoked.');
    return toDocument((await this.store.meta(n))!, this.clock.now());
  }

  /** What anyone with the number may learn; undefined for a number that is not a document's. */
  async verification(id: string): Promise<Verification | undefined> {
    const n = parseDocumentNumber(id);
    const row = n ? await this.store.meta(n) : undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      number: formatNumber(row.id),
      type: row.type,
      title: { fa: row.title_fa, en: row.title_en },
      issuer: { code: row.organization_code, name: { fa: row.organization_name_fa, en: row.organization_name_en } },
      issuedAt: row.issued_at,
      expiresAt: row.expires_at,
      status: statusAt(row, this.clock.now()),
      holder: { fa: maskName(row.holder_name_fa), en: maskName(row.holder_name_en) },
      revokedAt: row.revoked_at,
      revokedReason: row.revoked_reason_fa !== null ? { fa: row.revoked_reason_fa, en: row.revoked_reason_en ?? '' } : null,
    };
  }

  /** The credential issuer's metadata (SD-JWT VC: `/.well-known/jwt-vc-issuer`), with the keys that verify credentials and status lists. */
  async issuerMetadata(): Promise<{ issuer: string; jwks: { keys: object[] } }> {
    return { issuer: this.opts.publicUrl, jwks: await this.opts.keys.jwks(CREDENTIAL_KEY_PURPOSE, 'ES256') };
  }

  /** SD-JWT VC type metadata for `PUBLIC_URL/credentials/{type}`: its name in both languages; undefined for a type never issued. */
  async typeMetadata(type: string): Promise<{ vct: string; name: string; display: Array<{ locale: string; name: string }> } | undefined> {
    if (!TYPE_PATTERN.test(type)) return undefined;
    const title = await this.store.typeTitle(type);
    if (!title) return undefined;
    return {
      vct: credentialType(this.opts.publicUrl, type),
      name: title.en,
      display: [
        { locale: 'fa-IR', name: title.fa },
        { locale: 'en', name: title.en },
      ],
    };
  }

  /** The signed token status list `list`, built from the database now. */
  async statusList(list: number): Promise<string> {
    const revoked = await this.store.revokedSlots(list * STATUS_LIST_SIZE, (list + 1) * STATUS_LIST_SIZE);
    const key = await this.opts.keys.active(CREDENTIAL_KEY_PURPOSE, 'ES256');
    return statusListJwt({ publicUrl: this.opts.publicUrl, key, list, revoked: revoked.map((s) => slotOf(s).idx), now: this.clock.now() });
  }

  /** The document-signing certificate (PEM), for readers who add it to their trusted list. */
  async signingCertificatePem(): Promise<string> {
    return certificatePem((await this.signingMaterial(this.db)).certificate);
  }

  /**
   * The keys and certificate issuance signs with, kept a few seconds. Read through `executor`: on
   * SQLite, inside the caller's transaction, the database has no other connection to read on.
   */
  private async signingMaterial(executor: Kysely<any>): Promise<Material> {
    if (this.material && Date.now() - this.material.at < MATERIAL_MS) return this.material;
    const keys = executor === this.db ? this.opts.keys : new KeyStore(executor);
    const pdfKey = await keys.active(PDF_KEY_PURPOSE, 'RS256');
    const credentialKey = await keys.active(CREDENTIAL_KEY_PURPOSE, 'ES256');
    const certificate = await this.certificates.forKey(pdfKey, executor);
    const m = { at: Date.now(), pdfKey, certificate, credentialKey };
    // Made inside a transaction that may yet roll back: used for this document only.
    if (executor === this.db) this.material = m;
    return m;
  }
}
