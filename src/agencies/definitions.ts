import { CERTIFICATE_NUMBER_PATTERN, DEGREES, LICENCE_CLASSES, OPERATORS, PLATE_ID_PATTERN, type Localized } from './model.js';

/**
 * The demo agencies' back-ends described once: the routes are built from this table (parameter
 * schemas, response schemas) and so are the OpenAPI documents and the list the exchange registers.
 * Schemas are OpenAPI 3.0 (a subset of JSON Schema that Ajv and Fastify's serializer read as well).
 */

export const DEMO_AGENCIES_PREFIX = '/demo-agencies';

export type Classification = 'public' | 'internal' | 'personal';

export interface DemoServiceDescriptor {
  /** Service code, last part of the exchange service id. */
  code: string;
  /** `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE` */
  id: string;
  name: Localized;
  method: 'GET';
  /** OpenAPI path template, relative to the agency's prefix. */
  path: string;
  classification: Classification;
  /**
   * Where a request names the person the data is about, so the exchange can check consent and log who
   * read whose data; `identifier` says what names them. A national code names the person; a plate (the
   * vehicle's owner), a certificate number (its holder) or a postal code (who lives there) names them
   * indirectly, and `resolve` is the agency's lookup, relative to its prefix, that says whose it is
   * (`SUBJECT_LOOKUPS`). Null: no person.
   */
  dataSubject: DataSubject | null;
}

export type DataSubject =
  | { in: 'path' | 'query'; name: string; identifier: 'nationalCode' }
  | { in: 'path' | 'query'; name: string; identifier: 'plate' | 'certificateNumber' | 'postalCode'; resolve: string };

/**
 * The lookups the agencies serve to the exchange gateway only (header X-Panjareh-Subject-Lookup, which
 * no client can send through the gateway): whose data an identifier names, as `{ "nationalCodes": […] }`
 * (empty when nobody), 404 when there is no such identifier. Not part of the OpenAPI documents.
 */
export const SUBJECT_LOOKUPS = {
  plate: '/subjects/plates/{value}',
  certificateNumber: '/subjects/certificates/{value}',
  postalCode: '/subjects/postal-codes/{value}',
} as const;

export interface DemoAgencyDescriptor {
  /** Exchange member and subsystem: `INSTANCE/CLASS/MEMBER/SUBSYSTEM` */
  id: string;
  /** The agency's code in the service catalogue. */
  organization: string;
  name: Localized;
  /** Absolute path of the back-end on this server, e.g. `/demo-agencies/nocr`. */
  pathPrefix: string;
  services: DemoServiceDescriptor[];
  /** The back-end's OpenAPI 3.0 document (also served at `<pathPrefix>/openapi.json`). */
  openapi: Record<string, unknown>;
}

// ---- schemas ----
const str = (description?: string, extra: Record<string, unknown> = {}) => ({ type: 'string', ...(description ? { description } : {}), ...extra });
const obj = (properties: Record<string, unknown>, description?: string) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
  ...(description ? { description } : {}),
});
const loc = obj({ fa: str(), en: str() });
const date = str('YYYY-MM-DD', { format: 'date' });
const nullable = (s: Record<string, unknown>) => ({ ...s, nullable: true });

const NATIONAL_CODE = '^([0-9]{10}|[0-9]{12})$';
const nationalCodeParam = str('National code (10 digits with a valid check digit) or a resident foreign national’s 12-digit code', { pattern: NATIONAL_CODE });

const errorSchema = obj({ error: { type: 'object', required: ['code', 'message'], properties: { code: str(), message: loc, details: {} } } });

export const SCHEMAS = {
  person: obj({
    nationalCode: str(),
    kind: str(undefined, { enum: ['citizen', 'foreign'] }),
    firstName: loc,
    lastName: loc,
    fatherName: loc,
    gender: str(undefined, { enum: ['male', 'female'] }),
    birthDate: date,
    alive: { type: 'boolean' },
    deathDate: nullable(date),
  }),
  vehicles: obj({
    nationalCode: str(),
    vehicles: {
      type: 'array',
      items: obj({ plate: str('As written: `12ب345-67`'), plateId: str('URL form: `12-B-345-67`'), make: loc, modelYear: { type: 'integer' }, color: loc, registeredAt: date }),
    },
  }),
  fines: obj({
    plate: str(),
    plateId: str(),
    currency: str('Iranian rials', { enum: ['IRR'] }),
    unpaidTotal: { type: 'integer' },
    fines: {
      type: 'array',
      items: obj({ number: str(), committedAt: str('ISO 8601', { format: 'date-time' }), violation: obj({ code: str(), fa: str(), en: str() }), amount: { type: 'integer' }, location: loc, paid: { type: 'boolean' } }),
    },
  }),
  address: obj({ postalCode: str(), province: loc, city: loc, street: loc, buildingNumber: str(), unit: nullable(str()), text: loc }),
  insurance: obj({
    nationalCode: str(),
    totalMonths: { type: 'integer' },
    periods: {
      type: 'array',
      items: obj({ employer: loc, workshopCode: str(), from: date, to: nullable(date), months: { type: 'integer', description: 'Months of contribution in this period' } }),
    },
  }),
  certificate: {
    type: 'object',
    additionalProperties: false,
    required: ['certificateNumber', 'valid'],
    description: 'Only `valid: false` when the certificate does not exist or is not the given person’s: nothing more is told.',
    properties: {
      certificateNumber: str(),
      valid: { type: 'boolean' },
      holder: obj({ nationalCode: str(), firstName: loc, lastName: loc }),
      university: loc,
      degree: obj({ code: str(undefined, { enum: Object.keys(DEGREES) }), fa: str(), en: str() }),
      field: loc,
      graduationDate: date,
    },
  },
  degrees: obj({
    nationalCode: str(),
    degrees: {
      type: 'array',
      description: 'Oldest first; empty when the person holds no registered degree',
      items: obj({ certificateNumber: str('Solar Hijri year of graduation, a dash, six digits'), university: loc, degree: obj({ code: str(undefined, { enum: Object.keys(DEGREES) }), fa: str(), en: str() }), field: loc, graduationDate: date }),
    },
  }),
  licences: obj({
    nationalCode: str(),
    licences: {
      type: 'array',
      description: 'Oldest first; empty when the person holds no driving licence',
      items: obj({ number: str('Ten digits'), class: obj({ code: str(undefined, { enum: Object.keys(LICENCE_CLASSES) }), fa: str(), en: str() }), issuedAt: date, expiresAt: date }),
    },
  }),
  lines: obj({
    nationalCode: str(),
    lines: { type: 'array', items: obj({ mobile: str('09XXXXXXXXX'), operator: obj({ code: str(undefined, { enum: Object.keys(OPERATORS) }), fa: str(), en: str() }), registeredAt: str() }) },
  }),
} as const;

interface Operation extends Omit<DemoServiceDescriptor, 'id' | 'method'> {
  summary: string;
  params: Record<string, Record<string, unknown>>;
  query?: Record<string, Record<string, unknown>>;
  response: Record<string, unknown>;
  notFound?: string;
}

interface AgencyDefinition {
  slug: string;
  id: string;
  organization: string;
  name: Localized;
  description: string;
  operations: Operation[];
}

export const AGENCY_DEFINITIONS: readonly AgencyDefinition[] = [
  {
    slug: 'nocr',
    id: 'IR/GOV/NOCR/registry',
    organization: 'NOCR',
    name: { fa: 'سازمان ثبت احوال کشور', en: 'National Organization for Civil Registration' },
    description: 'The civil registry of the demo country: citizens, and resident foreign nationals by their 12-digit code.',
    operations: [
      {
        code: 'person', name: { fa: 'استعلام مشخصات هویتی', en: 'Identity record' }, path: '/persons/{nationalCode}', classification: 'personal',
        dataSubject: { in: 'path', name: 'nationalCode', identifier: 'nationalCode' },
        summary: 'A person’s civil registry record', params: { nationalCode: nationalCodeParam }, response: SCHEMAS.person, notFound: 'No person has this code',
      },
    ],
  },
  {
    slug: 'police',
    id: 'IR/GOV/RAHVAR/traffic',
    organization: 'RAHVAR',
    name: { fa: 'پلیس راهور فراجا', en: 'FARAJA Traffic Police' },
    description: 'Vehicles, traffic fines and driving licences. Plates are written `12ب345-67`; in URLs `12-B-345-67`, the letter spelled in ASCII (ALEF B P T SE J D Z ZH S SH SAD TA EIN F GH K G L M N V H Y).',
    operations: [
      {
        code: 'vehicle-fines', name: { fa: 'استعلام خلافی خودرو', en: 'Traffic fines of a vehicle' }, path: '/vehicles/{plate}/fines', classification: 'personal',
        dataSubject: { in: 'path', name: 'plate', identifier: 'plate', resolve: SUBJECT_LOOKUPS.plate },
        summary: 'The fines of a vehicle, newest first', params: { plate: str('Plate in URL form, e.g. `12-B-345-67`', { pattern: PLATE_ID_PATTERN }) }, response: SCHEMAS.fines, notFound: 'No vehicle has this plate',
      },
      {
        code: 'person-vehicles', name: { fa: 'خودروهای به نام شخص', en: 'Vehicles registered to a person' }, path: '/persons/{nationalCode}/vehicles', classification: 'personal',
        dataSubject: { in: 'path', name: 'nationalCode', identifier: 'nationalCode' },
        summary: 'The vehicles registered to a person', params: { nationalCode: nationalCodeParam }, response: SCHEMAS.vehicles, notFound: 'No person has this code',
      },
      {
        code: 'person-driving-licences', name: { fa: 'گواهی‌نامه‌های رانندگی شخص', en: 'Driving licences of a person' }, path: '/persons/{nationalCode}/driving-licences', classification: 'personal',
        dataSubject: { in: 'path', name: 'nationalCode', identifier: 'nationalCode' },
        summary: 'The driving licences a person holds (empty when none)', params: { nationalCode: nationalCodeParam }, response: SCHEMAS.licences, notFound: 'No person has this code',
      },
    ],
  },
  {
    slug: 'post',
    id: 'IR/GOV/POST/postal',
    organization: 'POST',
    name: { fa: 'شرکت ملی پست', en: 'Iran Post Company' },
    description: 'Addresses by ten-digit postal code. The answer names the place, not who lives there; the address of a home is still its residents’ data, so each read shows in their data tracker.',
    operations: [
      {
        code: 'address', name: { fa: 'استعلام نشانی با کد پستی', en: 'Address of a postal code' }, path: '/addresses/{postalCode}', classification: 'internal',
        dataSubject: { in: 'path', name: 'postalCode', identifier: 'postalCode', resolve: SUBJECT_LOOKUPS.postalCode },
        summary: 'The address of a postal code', params: { postalCode: str('Ten digits', { pattern: '^[0-9]{10}$' }) }, response: SCHEMAS.address, notFound: 'No address has this postal code',
      },
    ],
  },
  {
    slug: 'sso',
    id: 'IR/GOV/TAMIN/insurance',
    organization: 'TAMIN',
    name: { fa: 'سازمان تأمین اجتماعی', en: 'Social Security Organization' },
    description: 'Insurance records: periods of work and months of contribution.',
    operations: [
      {
        code: 'insurance-record', name: { fa: 'سوابق بیمه', en: 'Insurance record' }, path: '/insurance/{nationalCode}', classification: 'personal',
        dataSubject: { in: 'path', name: 'nationalCode', identifier: 'nationalCode' },
        summary: 'A person’s insured periods and total months (empty when never insured)', params: { nationalCode: nationalCodeParam }, response: SCHEMAS.insurance, notFound: 'No person has this code',
      },
    ],
  },
  {
    slug: 'msrt',
    id: 'IR/GOV/MSRT/certificates',
    organization: 'MSRT',
    name: { fa: 'وزارت علوم، تحقیقات و فناوری', en: 'Ministry of Science, Research and Technology' },
    description: 'University degrees: a person’s degrees, and verification of a certificate, confirmed only together with its holder’s national code.',
    operations: [
      {
        code: 'certificate-verification', name: { fa: 'استعلام اصالت مدرک تحصیلی', en: 'Certificate verification' }, path: '/certificates/{certificateNumber}', classification: 'personal',
        // The certificate's holder is whom the data is about, whoever the query names: a check of their
        // certificate under someone else's national code shows in the holder's data tracker too.
        dataSubject: { in: 'path', name: 'certificateNumber', identifier: 'certificateNumber', resolve: SUBJECT_LOOKUPS.certificateNumber },
        summary: 'Whether a certificate is genuine and the given person’s',
        params: { certificateNumber: str('Solar Hijri year of graduation, a dash, six digits: `1391-004512`', { pattern: CERTIFICATE_NUMBER_PATTERN }) },
        query: { nationalCode: nationalCodeParam },
        response: SCHEMAS.certificate,
      },
      {
        code: 'person-degrees', name: { fa: 'مدارک تحصیلی دانشگاهی شخص', en: 'University degrees of a person' }, path: '/persons/{nationalCode}/degrees', classification: 'personal',
        dataSubject: { in: 'path', name: 'nationalCode', identifier: 'nationalCode' },
        summary: 'The university degrees registered to a person (empty when none)', params: { nationalCode: nationalCodeParam }, response: SCHEMAS.degrees, notFound: 'No person has this code',
      },
    ],
  },
  {
    slug: 'cra',
    id: 'IR/GOV/CRA/lines',
    organization: 'CRA',
    name: { fa: 'سازمان تنظیم مقررات و ارتباطات رادیویی', en: 'Communications Regulatory Authority' },
    description: 'The operators’ register of mobile-line ownership (MCI, Irancell, Rightel).',
    operations: [
      {
        code: 'mobile-lines', name: { fa: 'سیم‌کارت‌های به نام شخص', en: 'Mobile lines registered to a person' }, path: '/lines/{nationalCode}', classification: 'personal',
        dataSubject: { in: 'path', name: 'nationalCode', identifier: 'nationalCode' },
        summary: 'The mobile lines registered to a person (empty when none)', params: { nationalCode: nationalCodeParam }, response: SCHEMAS.lines,
      },
    ],
  },
];

const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });

function openApiDocument(a: AgencyDefinition): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const op of a.operations) {
    paths[op.path] = {
      get: {
        operationId: op.code,
        summary: op.summary,
        description: `${op.name.en} — ${op.name.fa}. Data classification: ${op.classification}.`,
        parameters: [
          ...Object.entries(op.params).map(([name, schema]) => ({ name, in: 'path', required: true, description: schema.description, schema })),
          ...Object.entries(op.query ?? {}).map(([name, schema]) => ({ name, in: 'query', required: true, description: schema.description, schema })),
        ],
        responses: {
          '200': json(op.response, 'Found'),
          '400': json(errorSchema, 'A parameter is malformed (wrong pattern, wrong check digit)'),
          '403': json(errorSchema, 'The caller is not on the loopback interface (only the exchange gateway of this server may call)'),
          ...(op.notFound ? { '404': json(errorSchema, op.notFound) } : {}),
        },
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: `${a.name.en} (demo back-end)`, version: '1.0.0', description: `${a.description} Synthetic data of the Panjareh demo country. Errors: \`{ "error": { "code", "message": { "fa", "en" } } }\`.` },
    servers: [{ url: `${DEMO_AGENCIES_PREFIX}/${a.slug}` }],
    paths,
  };
}

/** The demo agencies and their services, for registration on the exchange. */
export const DEMO_AGENCIES: readonly DemoAgencyDescriptor[] = AGENCY_DEFINITIONS.map((a) => ({
  id: a.id,
  organization: a.organization,
  name: a.name,
  pathPrefix: `${DEMO_AGENCIES_PREFIX}/${a.slug}`,
  services: a.operations.map((op) => ({ code: op.code, id: `${a.id}/${op.code}`, name: op.name, method: 'GET' as const, path: op.path, classification: op.classification, dataSubject: op.dataSubject })),
  openapi: openApiDocument(a),
}));
