import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software WebAuthn authenticator (and the browser's part of the ceremony) for tests: ES256 keys,
 * "none" attestation, discoverable credentials, user presence and verification flags. It builds the
 * bytes itself (CBOR, authenticator data, DER signatures) so the server is checked against an
 * independent implementation of the format, not against its own library's encoders.
 */

// --- the little CBOR a "none" attestation and a COSE key need: ints, byte strings, text, maps ---

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

export function cbor(v: Cbor): Buffer {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || Math.abs(v) > 0xffffffff) throw new Error('only 32-bit integers');
    return v >= 0 ? head(0, v) : head(1, -1 - v);
  }
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), v]);
  return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
}

// --- the authenticator ---

export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;
export const FLAG_BE = 0x08;
export const FLAG_BS = 0x10;
export const FLAG_AT = 0x40;

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();
const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

export interface SoftCredential {
  id: Buffer;
  rpId: string;
  userHandle: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
  counter: number;
}

export interface CeremonyOptions {
  /** The origin the "browser" reports in clientDataJSON (default: the authenticator's). */
  origin?: string;
  /** The RP ID the authenticator hashes into its data (default: the one in the options). */
  rpId?: string;
  /** Authenticator data flags (default UP|UV, plus AT at registration). */
  flags?: number;
  /** The clientDataJSON type (default webauthn.create / webauthn.get). */
  type?: string;
}

interface CreationOptions {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string; displayName: string };
  excludeCredentials?: { id: string }[];
}

interface RequestOptions {
  challenge: string;
  rpId?: string;
  allowCredentials?: { id: string }[];
}

export class SoftwareAuthenticator {
  readonly credentials: SoftCredential[] = [];
  /** How much the signature counter moves per use; 0 models authenticators that do not count (most synced passkeys). */
  counterStep = 1;
  readonly aaguid = Buffer.alloc(16);

  constructor(readonly origin: string) {}

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
  }

  /** navigator.credentials.create(): makes a key pair and returns the registration response (PublicKeyCredential.toJSON()). */
  create(options: CreationOptions, o: CeremonyOptions = {}) {
    const rpId = o.rpId ?? options.rp.id ?? new URL(this.origin).hostname;
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.credentials.some((c) => excluded.has(b64u(c.id)))) throw new Error('InvalidStateError: a credential of this authenticator is excluded');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = cbor(
      new Map<Cbor, Cbor>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const cred: SoftCredential = { id: randomBytes(32), rpId, userHandle: Buffer.from(options.user.id, 'base64url'), privateKey, publicKey, counter: 0 };
    const credLen = Buffer.alloc(2);
    credLen.writeUInt16BE(cred.id.length);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([o.flags ?? FLAG_UP | FLAG_UV | FLAG_AT]), this.counterBytes(cred.counter), this.aaguid, credLen, cred.id, coseKey]);
    const attestationObject = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    this.credentials.push(cred);
    const id = b64u(cred.id);
    return {
      id,
      rawId: id,
      type: 'public-key' as const,
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64u(this.clientData(o.type ?? 'webauthn.create', options.challenge, o.origin ?? this.origin)),
        attestationObject: b64u(attestationObject),
        transports: ['internal', 'hybrid'] as ('internal' | 'hybrid')[],
      },
    };
  }

  private counterBytes(n: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    return b;
  }

  /**
   * navigator.credentials.get(): signs authenticatorData || SHA-256(clientDataJSON) with the chosen
   * credential (one in allowCredentials, or, with none listed, the newest for the RP ID: a discoverable
   * credential), returning the authentication response with the user handle.
   */
  get(options: RequestOptions, o: CeremonyOptions & { credential?: SoftCredential; counter?: number; userHandle?: Buffer | null } = {}) {
    const rpId = o.rpId ?? options.rpId ?? new URL(this.origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const cred =
      o.credential ??
      [...this.credentials].reverse().find((c) => c.rpId === (options.rpId ?? rpId) && (allowed.size === 0 || allowed.has(b64u(c.id))));
    if (!cred) throw new Error('NotAllowedError: no credential for this request');
    if (o.counter !== undefined) cred.counter = o.counter;
    else cred.counter += this.counterStep;
    const authData = Buffer.concat([sha256(rpId), Buffer.from([o.flags ?? FLAG_UP | FLAG_UV]), this.counterBytes(cred.counter)]);
    const clientDataJSON = this.clientData(o.type ?? 'webauthn.get', options.challenge, o.origin ?? this.origin);
    // ECDSA over SHA-256, DER-encoded, as WebAuthn specifies for ES256.
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), { key: cred.privateKey, dsaEncoding: 'der' });
    const id = b64u(cred.id);
    const userHandle = o.userHandle === undefined ? cred.userHandle : o.userHandle;
    return {
      id,
      rawId: id,
      type: 'public-key' as const,
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        ...(userHandle ? { userHandle: b64u(userHandle) } : {}),
      },
    };
  }
}
