/** JSON Schemas of what a browser's WebAuthn calls return (PublicKeyCredential.toJSON()), for route bodies. */

const str = (max: number) => ({ type: 'string', minLength: 1, maxLength: max, pattern: '^[A-Za-z0-9_-]+={0,2}$' }) as const;

/** The credential envelope both ceremonies share, around the ceremony's own `response`. */
const credential = <R extends object>(response: R) =>
  ({
    type: 'object',
    required: ['id', 'rawId', 'type', 'response'],
    properties: {
      id: str(1400),
      rawId: str(1400),
      type: { const: 'public-key' },
      authenticatorAttachment: { type: 'string', maxLength: 32 },
      clientExtensionResults: { type: 'object' },
      response,
    },
  }) as const;

/** navigator.credentials.create(): a new passkey. */
export const registrationResponseSchema = credential({
  type: 'object',
  required: ['clientDataJSON', 'attestationObject'],
  properties: {
    clientDataJSON: str(8192),
    attestationObject: str(65536),
    transports: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 32 } },
  },
} as const);

/** navigator.credentials.get(): a sign-in with a passkey. */
export const authenticationResponseSchema = credential({
  type: 'object',
  required: ['clientDataJSON', 'authenticatorData', 'signature'],
  properties: {
    clientDataJSON: str(8192),
    authenticatorData: str(8192),
    signature: str(2048),
    userHandle: { type: 'string', maxLength: 128 },
  },
} as const);
