import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { StatusList, createHeaderAndPayload } from '@sd-jwt/jwt-status-list';
import { SignJWT, importJWK } from 'jose';
import type { SigningKey } from '../platform/keys.js';
import type { IssuedDocument } from './model.js';
import { formatNumber } from './number.js';

/**
 * The document as an SD-JWT VC (RFC 9901 and the IETF SD-JWT VC draft), for wallets: signed with
 * the platform's ES256 key for `documents-credential` (published at /.well-known/jwt-vc-issuer), the
 * holder's national code and name and every field selectively disclosable, so a holder shows a bank
 * the document's number and validity without their national code. Revocation is a Token Status
 * List (IETF OAuth draft): each credential names a list and an index in it; the list, built from the
 * database when asked, has a 1 where the document is revoked.
 */

export const CREDENTIAL_KEY_PURPOSE = 'documents-credential';
/** Statuses per list: the index's list is `floor(slot / LIST_SIZE)`. 2^16 bits compress to a few hundred bytes while sparse. */
export const STATUS_LIST_SIZE = 1 << 16;
/** Seconds a verifier may keep a status list (its `ttl`): revocations reach wallets' verifiers within it. */
export const STATUS_LIST_TTL = 5;

export interface StatusSlot {
  list: number;
  idx: number;
}

export const slotOf = (n: number): StatusSlot => ({ list: Math.floor(n / STATUS_LIST_SIZE), idx: n % STATUS_LIST_SIZE });
export const statusListUri = (publicUrl: string, list: number): string => `${publicUrl}/credentials/status/${list}`;
export const credentialType = (publicUrl: string, type: string): string => `${publicUrl}/credentials/${type}`;

async function instance(key: SigningKey): Promise<SDJwtVcInstance> {
  return new SDJwtVcInstance({
    signer: await ES256.getSigner(key.privateJwk),
    signAlg: 'ES256',
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
  });
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export async function issueCredential(
  doc: Pick<IssuedDocument, 'id' | 'type' | 'title' | 'organization' | 'holder' | 'fields' | 'issuedAt' | 'expiresAt'>,
  o: { publicUrl: string; key: SigningKey; slot: StatusSlot },
): Promise<string> {
  const fields = Object.fromEntries(doc.fields.map((f) => [f.key, f.value]));
  const payload = {
    iss: o.publicUrl,
    iat: seconds(doc.issuedAt),
    ...(doc.expiresAt ? { exp: seconds(doc.expiresAt) } : {}),
    vct: credentialType(o.publicUrl, doc.type),
    document_number: doc.id,
    title: doc.title,
    issuing_organization: { code: doc.organization.code, name: doc.organization.name },
    national_code: doc.holder.nationalCode,
    name: doc.holder.name,
    fields,
    verification: `${o.publicUrl}/verify/${formatNumber(doc.id)}`,
    status: { status_list: { idx: o.slot.idx, uri: statusListUri(o.publicUrl, o.slot.list) } },
  };
  const frame = { _sd: ['national_code', 'name'], fields: { _sd: Object.keys(fields) } };
  return (await instance(o.key)).issue(payload, frame as never, { header: { kid: o.key.kid } });
}

/** The signed status list `list`: `revoked` holds the indexes (within the list) of revoked documents. */
export async function statusListJwt(o: { publicUrl: string; key: SigningKey; list: number; revoked: number[]; now: Date }): Promise<string> {
  const statuses = new Array<number>(STATUS_LIST_SIZE).fill(0);
  for (const i of o.revoked) statuses[i] = 1;
  const { header, payload } = createHeaderAndPayload(
    new StatusList(statuses, 1),
    { iss: o.publicUrl, sub: statusListUri(o.publicUrl, o.list), iat: Math.floor(o.now.getTime() / 1000), ttl: STATUS_LIST_TTL },
    { alg: 'ES256', typ: 'statuslist+jwt', kid: o.key.kid },
  );
  return new SignJWT(payload as Record<string, unknown>).setProtectedHeader(header as never).sign(await importJWK(o.key.privateJwk as never, 'ES256'));
}
