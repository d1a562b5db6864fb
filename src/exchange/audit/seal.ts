import { createPublicKey, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose';
import type { KeyStore } from '../../platform/keys.js';
import type { SealRow } from './store.js';

/**
 * A seal signs the head of a chain (its last sequence number and hash) with the platform's audit-seal
 * key, so that rewriting the chain up to that point, even with every hash recomputed, is detected.
 */
export const SEAL_PURPOSE = 'audit-seal';
const SEAL_TAG = 'panjareh.exchange-audit-seal.v1';

/**
 * How long a retired audit-seal key keeps verifying: as long as the log is kept, i.e. for good.
 * Rotate seal keys only with this keep (`rotateAuditSealKey`), or older seals stop verifying.
 */
export const AUDIT_SEAL_KEY_KEEP_SECONDS = 100 * 365 * 24 * 3600;

interface SealPayload {
  typ: string;
  chain: string;
  seq: number;
  head: string;
  at: string;
}

export async function makeSeal(keys: KeyStore, chain: string, seq: number, head: string, at: string): Promise<SealRow> {
  const key = await keys.active(SEAL_PURPOSE, 'EdDSA');
  const payload: SealPayload = { typ: SEAL_TAG, chain, seq, head, at };
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).sign(key.privateKey);
  return { chain_id: chain, seq, head_hash: head, at, kid: key.kid, jws };
}

/** Finds a seal key's public key by its id; null when unknown. */
export type SealKeyLookup = (kid: string) => Promise<KeyObject | null>;

/**
 * Checks a seal row; returns why it is bad, or null when its signature and its columns agree. Its keys
 * come from the platform's key store, or (an archive file verified offline) from a lookup of its own.
 */
export class SealVerifier {
  private readonly publicKeys = new Map<string, KeyObject | null>();
  private readonly lookup: SealKeyLookup;

  constructor(keys: KeyStore | SealKeyLookup) {
    this.lookup =
      typeof keys === 'function'
        ? keys
        : async (kid) => {
            const k = await keys.byKid(SEAL_PURPOSE, 'EdDSA', kid);
            return k ? createPublicKey({ key: k.publicJwk, format: 'jwk' }) : null;
          };
  }

  async check(s: SealRow): Promise<string | null> {
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(s.jws);
      if (header.alg !== 'EdDSA') return `seal is not signed with EdDSA (${String(header.alg)})`;
      kid = header.kid;
    } catch {
      return 'seal is not a compact JWS';
    }
    if (!kid) return 'seal names no key';
    const key = await this.key(kid);
    if (!key) return `seal is signed by an unknown or expired key ${kid}`;
    let payload: SealPayload;
    try {
      payload = JSON.parse(new TextDecoder().decode((await compactVerify(s.jws, key, { algorithms: ['EdDSA'] })).payload)) as SealPayload;
    } catch {
      return 'seal signature does not verify';
    }
    if (payload.typ !== SEAL_TAG || payload.chain !== s.chain_id || payload.seq !== Number(s.seq) || payload.head !== s.head_hash || payload.at !== s.at) {
      return 'seal columns differ from what was signed';
    }
    return null;
  }

  private async key(kid: string): Promise<KeyObject | null> {
    if (!this.publicKeys.has(kid)) this.publicKeys.set(kid, await this.lookup(kid));
    return this.publicKeys.get(kid)!;
  }
}

/** Rotates the audit-seal key, keeping the old one for verification for good (see AUDIT_SEAL_KEY_KEEP_SECONDS). */
export function rotateAuditSealKey(keys: KeyStore): Promise<{ kid: string; retired: string | null }> {
  return keys.rotate(SEAL_PURPOSE, 'EdDSA', AUDIT_SEAL_KEY_KEEP_SECONDS);
}
