/**
 * JSON Schemas of the catalogue: used by the import validator, the console forms' server-side
 * checks and the OpenAPI description, so the edge and the inside agree on one definition.
 */

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
export const localized = (max: number) =>
  ({ type: 'object', additionalProperties: false, required: ['fa', 'en'], properties: { fa: text(max), en: text(max) } }) as const;

/**
 * An organisation's code: 1–32 letters, digits, "-" and "_", such as `NOCR`, `POLICE-PASS` or the
 * 11-digit national identifier of a legal entity (`10100000001`). Unique without regard to case.
 */
export const ORG_CODE = '^[A-Za-z0-9_-]{1,32}$';
export const TERM_CODE = '^[a-z0-9][a-z0-9-]{0,49}$';
/** A service's code: an organisation-like prefix (capitals, digits, "-", "_") and a number, e.g. `NOCR-0001`, `POLICE-PASS-0001`. */
export const SERVICE_CODE = '^[A-Z0-9][A-Z0-9_-]{0,31}-[0-9]{1,8}$';
/**
 * An exchange member, `INSTANCE/CLASS/MEMBER` (`IR/GOV/NOCR`, `IR/COM/10100000001`): the grammar of
 * src/exchange/ids.ts, declared again because the catalogue does not depend on the exchange
 * (schemas.test.ts checks the two agree).
 */
export const MEMBER_ID = '^[A-Z][A-Z0-9-]{0,15}/(GOV|COM|NGO)/[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
/**
 * A page of this platform, without the language prefix: `/inquiries/vehicle-fines` (the English page
 * is `/en/inquiries/vehicle-fines`). Lower-case path segments only, no query or fragment.
 */
export const PLATFORM_PATH = '^(/[a-z0-9][a-z0-9._~-]*)+$';
export const SLUG = '^[a-z0-9]+(-[a-z0-9]+)*$';
/** Only web addresses: a `javascript:` or `data:` link must never reach a page. */
export const HTTP_URL = '^https?://[^\\s<>"]+$';

const termCode = { type: 'string', pattern: TERM_CODE } as const;

export const organizationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'name'],
  properties: {
    code: { type: 'string', pattern: ORG_CODE },
    name: localized(200),
    parent: { anyOf: [{ type: 'string', pattern: ORG_CODE }, { type: 'null' }] },
    website: { anyOf: [{ type: 'string', pattern: HTTP_URL, maxLength: 500 }, { type: 'null' }] },
    exchangeMembers: { type: 'array', maxItems: 50, uniqueItems: true, items: { type: 'string', pattern: MEMBER_ID, maxLength: 200 } },
  },
} as const;

export const termSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'name'],
  properties: { code: termCode, name: localized(200) },
} as const;

export const windowSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'name', 'description'],
  properties: {
    code: termCode,
    name: localized(200),
    description: localized(1000),
    color: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' },
    topics: { type: 'array', maxItems: 100, uniqueItems: true, items: termCode },
    organizations: { type: 'array', maxItems: 500, uniqueItems: true, items: { type: 'string', pattern: ORG_CODE } },
    services: { type: 'array', maxItems: 5000, uniqueItems: true, items: { type: 'string', pattern: SERVICE_CODE } },
  },
} as const;

export const channelSchema = {
  type: 'object',
  required: ['type'],
  oneOf: [
    {
      additionalProperties: false,
      required: ['type', 'path'],
      properties: { type: { const: 'platform' }, path: { type: 'string', pattern: PLATFORM_PATH, maxLength: 200 } },
    },
    {
      additionalProperties: false,
      required: ['type', 'url'],
      properties: { type: { const: 'online' }, url: { type: 'string', pattern: HTTP_URL, maxLength: 1000 } },
    },
    {
      additionalProperties: false,
      required: ['type', 'instructions'],
      properties: { type: { const: 'in-person' }, instructions: localized(2000) },
    },
    {
      additionalProperties: false,
      required: ['type', 'number'],
      properties: { type: { const: 'phone' }, number: { type: 'string', pattern: '^[0-9+][0-9 ()-]{1,24}$' }, instructions: localized(2000) },
    },
  ],
} as const;

/** A service as written in an import file or a console form; code and slug rules included. */
export const serviceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'title', 'summary', 'organization', 'channels'],
  properties: {
    code: { type: 'string', pattern: SERVICE_CODE },
    slug: { type: 'string', pattern: SLUG, minLength: 2, maxLength: 100 },
    title: localized(200),
    summary: localized(600),
    description: localized(6000),
    organization: { type: 'string', pattern: ORG_CODE },
    topics: { type: 'array', maxItems: 20, uniqueItems: true, items: termCode },
    lifeEvents: { type: 'array', maxItems: 20, uniqueItems: true, items: termCode },
    channels: { type: 'array', minItems: 1, maxItems: 20, items: channelSchema },
    requirements: { type: 'array', maxItems: 50, items: localized(2000) },
    evidence: { type: 'array', maxItems: 50, items: localized(2000) },
    cost: {
      type: 'object',
      additionalProperties: false,
      required: ['amount', 'currency'],
      properties: { amount: { type: 'integer', minimum: 0, maximum: 1e15 }, currency: { const: 'IRR' } },
    },
    processingDays: { type: 'integer', minimum: 0, maximum: 3650 },
    legalBasis: { anyOf: [localized(2000), { type: 'null' }] },
    output: { anyOf: [localized(2000), { type: 'null' }] },
    keywords: {
      type: 'object',
      additionalProperties: false,
      properties: {
        fa: { type: 'array', maxItems: 50, items: text(80) },
        en: { type: 'array', maxItems: 50, items: text(80) },
      },
    },
    smart: { type: 'boolean' },
    // Checked in full by the capability that delivers online services (delivery-checks.ts).
    delivery: { type: 'object' },
  },
} as const;

export const catalogFileSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    organizations: { type: 'array', maxItems: 100000, items: organizationSchema },
    topics: { type: 'array', maxItems: 100000, items: termSchema },
    lifeEvents: { type: 'array', maxItems: 100000, items: termSchema },
    windows: { type: 'array', maxItems: 10000, items: windowSchema },
    services: { type: 'array', maxItems: 1000000, items: serviceSchema },
  },
} as const;
