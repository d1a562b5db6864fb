import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorBody, forbidden, invalid, notFound } from '../platform/errors.js';
import { statusError } from '../platform/http.js';
import { parsePersonCode } from '../platform/national-code.js';
import { toPersianDigits } from '../platform/text.js';
import { AGENCY_DEFINITIONS, DEMO_AGENCIES, SUBJECT_LOOKUPS } from './definitions.js';
import { DEGREES, LICENCE_CLASSES, OPERATORS, parsePlateId, type Degree, type LicenceClass, type Operator } from './model.js';
import type { DemoAgencies } from './service.js';
import { toRegistryPerson } from './service.js';
import * as store from './store.js';

/**
 * The demo agencies' own back-ends: the upstream services the exchange gateway routes to. In the demo
 * they run in the same process, so they answer only callers on the loopback interface; a request that
 * carries forwarding headers came through a proxy from elsewhere and is refused too. JSON only.
 */

export interface AgencyBackendOptions {
  agencies: DemoAgencies;
}

type Params = Record<string, string>;
type Handler = (db: store.AgencyDb, params: Params, query: Params) => Promise<unknown>;

const badCode = () => invalid('invalid_national_code', 'کد ملی درست نیست (رقم کنترل).', 'The national code is not valid (check digit).', [{ field: 'nationalCode', reason: 'check digit' }]);
const personCode = (raw: string | undefined): string => {
  const id = parsePersonCode(raw ?? '');
  if (!id) throw badCode();
  return id.code;
};
const person = { fa: 'شخص', en: 'The person' };

async function requirePerson(db: store.AgencyDb, code: string): Promise<store.PersonRecord> {
  const p = await store.findPerson(db, code);
  if (!p) throw notFound(person);
  return p;
}

const HANDLERS: Record<string, Handler> = {
  'nocr/person': async (db, p) => toRegistryPerson(await requirePerson(db, personCode(p.nationalCode))),

  'police/person-vehicles': async (db, p) => {
    const code = personCode(p.nationalCode);
    await requirePerson(db, code);
    const vehicles = await store.vehiclesOf(db, code);
    return {
      nationalCode: code,
      vehicles: vehicles.map((v) => ({ plate: v.plate, plateId: v.plate_id, make: { fa: v.make_fa, en: v.make_en }, modelYear: Number(v.model_year), color: { fa: v.color_fa, en: v.color_en }, registeredAt: v.registered_at })),
    };
  },

  'police/person-driving-licences': async (db, p) => {
    const code = personCode(p.nationalCode);
    await requirePerson(db, code);
    const licences = await store.licencesOf(db, code);
    return {
      nationalCode: code,
      licences: licences.map((l) => ({ number: l.licence_number, class: { code: l.class, ...(LICENCE_CLASSES[l.class as LicenceClass] ?? { fa: l.class, en: l.class }) }, issuedAt: l.issued_at, expiresAt: l.expires_at })),
    };
  },

  'police/vehicle-fines': async (db, p) => {
    const plate = parsePlateId(p.plate ?? '');
    if (!plate) throw invalid('invalid_plate', 'پلاک درست نیست؛ نمونه: 12-B-345-67', 'The plate is not valid; write it like 12-B-345-67.', [{ field: 'plate', reason: 'unknown plate letter' }]);
    if (!(await store.findVehicle(db, plate.plateId))) throw notFound({ fa: 'خودرو', en: 'The vehicle' });
    const fines = await store.finesOf(db, plate.plateId);
    return {
      ...plate,
      currency: 'IRR',
      unpaidTotal: fines.filter((f) => !Number(f.paid)).reduce((sum, f) => sum + Number(f.amount), 0),
      fines: fines.map((f) => ({
        number: f.fine_number, committedAt: f.committed_at, violation: { code: f.violation_code, fa: f.violation_fa, en: f.violation_en },
        amount: Number(f.amount), location: { fa: f.location_fa, en: f.location_en }, paid: Number(f.paid) === 1,
      })),
    };
  },

  'post/address': async (db, p) => {
    const a = await store.findAddress(db, p.postalCode!);
    if (!a) throw notFound({ fa: 'نشانی این کد پستی', en: 'The address of this postal code' });
    const unitFa = a.unit ? `، واحد ${toPersianDigits(a.unit)}` : '';
    const unitEn = a.unit ? `, Unit ${a.unit}` : '';
    return {
      postalCode: a.postal_code, province: { fa: a.province_fa, en: a.province_en }, city: { fa: a.city_fa, en: a.city_en }, street: { fa: a.street_fa, en: a.street_en },
      buildingNumber: a.building_number, unit: a.unit,
      text: {
        fa: `استان ${a.province_fa}، شهر ${a.city_fa}، ${a.street_fa}، پلاک ${toPersianDigits(a.building_number)}${unitFa}`,
        en: `${a.street_en}, No. ${a.building_number}${unitEn}, ${a.city_en}, ${a.province_en} Province`,
      },
    };
  },

  'sso/insurance-record': async (db, p) => {
    const code = personCode(p.nationalCode);
    await requirePerson(db, code);
    const periods = await store.insuranceOf(db, code);
    return {
      nationalCode: code,
      totalMonths: periods.reduce((sum, r) => sum + Number(r.months), 0),
      periods: periods.map((r) => ({ employer: { fa: r.employer_fa, en: r.employer_en }, workshopCode: r.workshop_code, from: r.start_date, to: r.end_date, months: Number(r.months) })),
    };
  },

  'msrt/certificate-verification': async (db, p, q) => {
    const code = personCode(q.nationalCode);
    const c = await store.findCertificate(db, p.certificateNumber!);
    // A certificate of someone else answers exactly like one that does not exist.
    if (!c || c.national_code !== code) return { certificateNumber: p.certificateNumber, valid: false };
    const holder = await requirePerson(db, code);
    const degree = DEGREES[c.degree as Degree] ?? { fa: c.degree, en: c.degree };
    return {
      certificateNumber: c.certificate_number, valid: true,
      holder: { nationalCode: code, firstName: { fa: holder.first_name_fa, en: holder.first_name_en }, lastName: { fa: holder.last_name_fa, en: holder.last_name_en } },
      university: { fa: c.university_fa, en: c.university_en }, degree: { code: c.degree, ...degree }, field: { fa: c.field_fa, en: c.field_en }, graduationDate: c.graduation_date,
    };
  },

  'msrt/person-degrees': async (db, p) => {
    const code = personCode(p.nationalCode);
    await requirePerson(db, code);
    const certificates = await store.certificatesOf(db, code);
    return {
      nationalCode: code,
      degrees: certificates.map((c) => ({
        certificateNumber: c.certificate_number, university: { fa: c.university_fa, en: c.university_en },
        degree: { code: c.degree, ...(DEGREES[c.degree as Degree] ?? { fa: c.degree, en: c.degree }) }, field: { fa: c.field_fa, en: c.field_en }, graduationDate: c.graduation_date,
      })),
    };
  },

  'cra/mobile-lines': async (db, p) => {
    const code = personCode(p.nationalCode);
    const lines = await store.linesOf(db, code);
    return { nationalCode: code, lines: lines.map((l) => ({ mobile: l.mobile, operator: { code: l.operator, ...(OPERATORS[l.operator as Operator] ?? { fa: l.operator, en: l.operator }) }, registeredAt: l.registered_at })) };
  },
};

/**
 * Whose data an identifier names, for the exchange gateway (definitions.ts, SUBJECT_LOOKUPS): the
 * vehicle's registered owner, the certificate's holder, the registered resident of a postal code.
 * Null: no such identifier (404).
 */
const LOOKUPS: Record<string, { agency: string; path: string; owners: (db: store.AgencyDb, value: string) => Promise<string[] | null> }> = {
  plate: {
    agency: 'police',
    path: SUBJECT_LOOKUPS.plate,
    owners: async (db, value) => {
      const v = await store.findVehicle(db, value);
      return v ? [v.national_code] : null;
    },
  },
  certificateNumber: {
    agency: 'msrt',
    path: SUBJECT_LOOKUPS.certificateNumber,
    owners: async (db, value) => {
      const c = await store.findCertificate(db, value);
      return c ? [c.national_code] : null;
    },
  },
  postalCode: {
    agency: 'post',
    path: SUBJECT_LOOKUPS.postalCode,
    owners: async (db, value) => {
      const a = await store.findAddress(db, value);
      return a ? (a.national_code ? [a.national_code] : []) : null;
    },
  },
};

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

function sendError(reply: FastifyReply, e: AppError) {
  return reply.status(e.status).type('application/json; charset=utf-8').send(errorBody(e));
}

function toAppError(err: FastifyError | Error, req: FastifyRequest): AppError {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError;
  if (fe.validation) {
    return new AppError(400, 'invalid_request', { fa: 'مقادیر درخواست درست نیست.', en: `The request is not valid: ${fe.message}` }, fe.validation.map((v) => ({ field: v.instancePath || v.params?.missingProperty || '', reason: v.message })));
  }
  const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
  if (status === 500) req.log.error({ err }, 'demo agency back-end failed');
  return statusError(status);
}

const toRoute = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/** The back-ends of every demo agency; register with `{ prefix: DEMO_AGENCIES_PREFIX }`. Not wrapped in fastify-plugin: its hooks and handlers stay inside. */
export async function agencyBackends(app: FastifyInstance, opts: AgencyBackendOptions): Promise<void> {
  const db = opts.agencies.db;
  app.setErrorHandler((err, req, reply) => sendError(reply, toAppError(err as Error, req)));
  app.setNotFoundHandler((_req, reply) => sendError(reply, statusError(404)));
  app.addHook('onRequest', async (req, reply) => {
    const h = req.headers;
    if (!isLoopback(req.raw.socket?.remoteAddress) || h['x-forwarded-for'] || h.forwarded || h['x-real-ip']) return sendError(reply, forbidden());
  });

  for (const agency of AGENCY_DEFINITIONS) {
    const document = DEMO_AGENCIES.find((d) => d.id === agency.id)!.openapi;
    await app.register(
      async (scope) => {
        scope.get('/openapi.json', { schema: { hide: true } as never }, async () => document);
        for (const lookup of Object.values(LOOKUPS).filter((l) => l.agency === agency.slug)) {
          scope.get(toRoute(lookup.path), { schema: { hide: true, params: { type: 'object', required: ['value'], properties: { value: { type: 'string', maxLength: 64 } } } } as never }, async (req, reply) => {
            // Asked by the gateway only: a forwarded client call never carries this header (exchange/headers.ts).
            if (!req.headers['x-panjareh-subject-lookup']) return sendError(reply, forbidden());
            const owners = await lookup.owners(db, (req.params as { value: string }).value);
            if (owners === null) return sendError(reply, notFound({ fa: 'این شناسه', en: 'This identifier' }));
            return { nationalCodes: owners };
          });
        }
        for (const op of agency.operations) {
          const handler = HANDLERS[`${agency.slug}/${op.code}`];
          if (!handler) throw new Error(`no handler for ${agency.slug}/${op.code}`);
          const required = (props: Record<string, unknown>) => ({ type: 'object', required: Object.keys(props), properties: props });
          scope.get(toRoute(op.path), {
            schema: {
              hide: true,
              params: { ...required(op.params), additionalProperties: false },
              ...(op.query ? { querystring: required(op.query) } : {}),
              response: { 200: op.response },
            } as never,
            handler: async (req) => handler(db, req.params as Params, (req.query ?? {}) as Params),
          });
        }
      },
      { prefix: `/${agency.slug}` },
    );
  }
}
