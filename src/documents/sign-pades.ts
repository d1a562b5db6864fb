import { createHash, sign as rsaSign, type KeyObject } from 'node:crypto';
import { id_data, id_signedData } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { SignPdf } from '@signpdf/signpdf';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { Signer, SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import type { SigningIdentity } from './certificate.js';

/**
 * PAdES baseline B-B: the PDF gets a signature dictionary whose SubFilter is ETSI.CAdES.detached and
 * whose Contents is a CMS SignedData over the signed byte ranges, with the signed attributes CAdES
 * asks for: content-type, message-digest and signing-certificate-v2 (the hash of the signer's
 * certificate, so the certificate cannot be swapped). No signing-time attribute: PAdES takes the
 * claimed time from the dictionary's /M. @signpdf/signer-p12 (node-forge) writes plain PKCS#7 without
 * signing-certificate-v2 and cannot add attributes of its own, so this Signer builds the CMS itself
 * and signs with Node's crypto.
 */

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
};

/** DER: tag, length, content. */
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : (() => {
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
    return Buffer.from([0x80 | bytes.length, ...bytes]);
  })();
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out: number[] = [40 * a + b];
  for (const v of rest) {
    const chunk: number[] = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) chunk.unshift(0x80 | (x & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

const DER_NULL = Buffer.from([0x05, 0x00]);

/**
 * SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } (RFC 5035), with one
 * ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING, issuerSerial IssuerSerial } whose hash
 * algorithm is the default, SHA-256. IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }
 * with the issuer as a directoryName ([4]).
 */
function signingCertificateV2(certDer: Buffer, cert: Certificate): Buffer {
  const issuerName = Buffer.from(AsnConvert.serialize(cert.tbsCertificate.issuer));
  const serial = Buffer.from(cert.tbsCertificate.serialNumber);
  const issuerSerial = tlv(0x30, Buffer.concat([tlv(0x30, tlv(0xa4, issuerName)), tlv(0x02, serial)]));
  const essCertIdV2 = tlv(0x30, Buffer.concat([tlv(0x04, createHash('sha256').update(certDer).digest()), issuerSerial]));
  return tlv(0x30, tlv(0x30, essCertIdV2));
}


/** What depends on the certificate only, worked out once per certificate. */
const perCertificate = new WeakMap<Buffer, { issuerAndSerial: Buffer; signingCertificate: Buffer }>();
function certificateParts(der: Buffer) {
  let parts = perCertificate.get(der);
  if (!parts) {
    const cert = AsnConvert.parse(der, Certificate);
    const issuer = Buffer.from(AsnConvert.serialize(cert.tbsCertificate.issuer));
    const serial = Buffer.from(cert.tbsCertificate.serialNumber);
    parts = { issuerAndSerial: tlv(0x30, Buffer.concat([issuer, tlv(0x02, serial)])), signingCertificate: signingCertificateV2(der, cert) };
    perCertificate.set(der, parts);
  }
  return parts;
}

const attribute = (type: string, value: Buffer) => tlv(0x30, Buffer.concat([oid(type), tlv(0x31, value)]));
const algorithm = (id: string) => tlv(0x30, Buffer.concat([oid(id), DER_NULL]));

/**
 * A CAdES detached signature (DER ContentInfo) over `content` by `identity` (RFC 5652 SignedData,
 * version 1, signer identified by issuer and serial number). The structure is written directly in
 * DER: building it with @peculiar/asn1-cms's classes cost more than the RSA signature itself. The
 * tests read it back with @peculiar/asn1-cms and poppler.
 */
export function cadesDetached(content: Buffer, identity: { privateKey: KeyObject; certificate: Buffer }): Buffer {
  const { issuerAndSerial, signingCertificate } = certificateParts(identity.certificate);
  const digest = createHash('sha256').update(content).digest();
  // DER orders a SET OF by the encodings; what is signed is that SET, tagged as SET (RFC 5652 §5.4).
  const attributes = Buffer.concat(
    [
      attribute(OID.contentType, oid(id_data)),
      attribute(OID.messageDigest, tlv(0x04, digest)),
      attribute(OID.signingCertificateV2, signingCertificate),
    ].sort(Buffer.compare),
  );
  const signature = rsaSign('sha256', tlv(0x31, attributes), identity.privateKey);
  const signerInfo = tlv(
    0x30,
    Buffer.concat([tlv(0x02, Buffer.from([1])), issuerAndSerial, algorithm(OID.sha256), tlv(0xa0, attributes), algorithm(OID.sha256WithRSA), tlv(0x04, signature)]),
  );
  const signedData = tlv(
    0x30,
    Buffer.concat([
      tlv(0x02, Buffer.from([1])),
      tlv(0x31, algorithm(OID.sha256)),
      tlv(0x30, oid(id_data)), // encapContentInfo without content: detached
      tlv(0xa0, identity.certificate), // certificates [0] IMPLICIT
      tlv(0x31, signerInfo),
    ]),
  );
  return tlv(0x30, Buffer.concat([oid(id_signedData), tlv(0xa0, signedData)]));
}

/** @signpdf's Signer: given the signed byte ranges, the CMS to put into /Contents. */
export class CadesSigner extends Signer {
  constructor(private readonly identity: SigningIdentity) {
    super();
  }

  override async sign(pdfBuffer: Buffer): Promise<Buffer> {
    return cadesDetached(pdfBuffer, { privateKey: this.identity.key.privateKey, certificate: this.identity.certificate });
  }
}

const signpdf = new SignPdf();

export interface SignOptions {
  reason: string;
  location: string;
  /** Who signs, as the signature panel shows it. */
  name: string;
  contactInfo: string;
  signingTime: Date;
}

/** Adds a PAdES signature field (invisible) to a finished PDF and signs it. */
export async function signPdf(pdf: Buffer, identity: SigningIdentity, o: SignOptions): Promise<Buffer> {
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: pdf,
    reason: o.reason,
    location: o.location,
    name: o.name,
    contactInfo: o.contactInfo,
    signingTime: o.signingTime,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
    // RSA-2048 signature plus one certificate is under 2 KB: room for a CA chain of two more later.
    signatureLength: 4096,
    appName: 'Panjareh',
  });
  return signpdf.sign(withPlaceholder, new CadesSigner(identity));
}
