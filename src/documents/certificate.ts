import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Kysely } from 'kysely';
import type { SigningKey } from '../platform/keys.js';
import type { DocumentTables } from './store.js';

/**
 * The certificate of the platform's document-signing key. The key itself is one of the KeyStore's
 * (purpose `documents-pdf`, RSA: every PDF reader verifies RSA), so it is made, shared between
 * nodes, protected and rotated as every other platform key is; this module only adds the X.509
 * certificate a PAdES signature must carry. It is self-signed (the platform is not yet under a
 * national CA: a deployment that is replaces this with the CA-issued one, stored the same way),
 * made on first use of each key by whichever node gets there first, and kept in
 * `document_signing_certificates` so every node embeds the same one.
 */

export const PDF_KEY_PURPOSE = 'documents-pdf';
const VALID_YEARS = 10;

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

export interface SigningIdentity {
  key: SigningKey;
  /** The certificate, DER. */
  certificate: Buffer;
}

export interface CertificateSubject {
  /** The platform's name for O=, in Latin letters. */
  organization: string;
  /** The deployment's host, so two deployments' certificates are told apart. */
  unit: string;
}

async function selfSigned(key: SigningKey, subject: CertificateSubject, now: Date): Promise<Buffer> {
  const privateKey = await webcrypto.subtle.importKey('jwk', key.privateJwk as webcrypto.JsonWebKey, RSA, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('jwk', key.publicJwk as webcrypto.JsonWebKey, RSA, true, ['verify']);
  const clean = (s: string) => s.replace(/[,+="<>#;\\]/g, ' ').trim();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALID_YEARS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    // Positive, 16 random bytes: unique without a counter shared between nodes.
    serialNumber: `01${randomBytes(15).toString('hex')}`,
    name: `CN=Panjareh document signing, OU=${clean(subject.unit)}, O=${clean(subject.organization)}, C=IR`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    signingAlgorithm: RSA,
    keys: { privateKey, publicKey } as unknown as CryptoKeyPair,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey as unknown as CryptoKey),
    ],
  });
  return Buffer.from(cert.rawData);
}

/** The certificate of each document-signing key, read from the database and kept per key id. */
export class DocumentCertificates {
  private readonly byKid = new Map<string, Buffer>();

  constructor(private readonly subject: CertificateSubject) {}

  /**
   * The certificate of `key`, made on first use. Reads and writes go through `executor`, which may be
   * the caller's transaction (on SQLite a second connection does not exist to go around it).
   */
  async forKey(key: SigningKey, executor: Kysely<any>): Promise<Buffer> {
    const cached = this.byKid.get(key.kid);
    if (cached) return cached;
    const db = executor as Kysely<DocumentTables>;
    const row = await db.selectFrom('document_signing_certificates').select('certificate').where('kid', '=', key.kid).executeTakeFirst();
    if (row) {
      const der = Buffer.from(row.certificate, 'base64');
      this.byKid.set(key.kid, der);
      return der;
    }
    const der = await selfSigned(key, this.subject, new Date());
    // Two nodes may both make one: the first insert wins and both embed the winner. Not cached yet:
    // the caller's transaction may still roll back.
    await db
      .insertInto('document_signing_certificates')
      .values({ kid: key.kid, certificate: der.toString('base64'), sha256: createHash('sha256').update(der).digest('hex'), created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('kid').doNothing())
      .execute();
    const winner = await db.selectFrom('document_signing_certificates').select('certificate').where('kid', '=', key.kid).executeTakeFirstOrThrow();
    return Buffer.from(winner.certificate, 'base64');
  }
}

/** A certificate as PEM, for people who want to add it to their PDF reader's trusted list. */
export const certificatePem = (der: Buffer): string => new x509.X509Certificate(new Uint8Array(der)).toString('pem');
