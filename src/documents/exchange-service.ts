import { demoUpstreamBase, retryStartRaces, unlessTaken, type Exchange, type SubjectLocation } from '../exchange/index.js';
import { verificationSchema } from './routes.js';

/**
 * The verification of issued documents as a data service on the national exchange,
 * `IR/GOV/PANJAREH/documents/verification`: banks and agencies call it through the gateway
 * (`/r1/IR/GOV/PANJAREH/documents/verification/{documentNumber}`) under an access contract, and every
 * call is in the exchange's audit log like any other. It answers what the public page and API answer
 * (`Documents.verification`: the holder's name masked, never the national code).
 *
 * Its upstream is a back-end this platform serves on every gateway node (backend-routes.ts), reached
 * on the node's own loopback address as the demo agencies' back-ends are (src/exchange/seed.ts):
 * never PUBLIC_URL, whose load balancer would send every bank's call through the public API's
 * per-address rate limit (all of them would come from the gateway nodes' few addresses) and which may
 * not resolve from inside the server. Every node reads the same database, so whichever gateway node
 * takes a call answers it with what every other node would.
 */

export const PLATFORM_MEMBER = 'IR/GOV/PANJAREH';
export const DOCUMENTS_SUBSYSTEM = `${PLATFORM_MEMBER}/documents`;
export const VERIFICATION_SERVICE = `${DOCUMENTS_SUBSYSTEM}/verification`;
/** Where the back-end is served on each gateway node; the service's upstream is the node's loopback origin plus this. */
export const DOCUMENTS_BACKEND_PREFIX = '/platform-backends/documents';
const BACKEND_PATH = `${DOCUMENTS_BACKEND_PREFIX}/verification`;
/** The path of one verification, relative to the service (as contracts and the OpenAPI document write it). */
export const VERIFICATION_PATH = '/{documentNumber}';
/** Asked by the gateway only (X-Panjareh-Subject-Lookup): whose document a number is, so the holder sees each verification in their data tracker. */
export const HOLDER_LOOKUP_PATH = '/subjects/{value}';

type Registry = Exchange['registry'];
type Contracts = Exchange['contracts'];

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'object', properties: { fa: { type: 'string' }, en: { type: 'string' } } } } } },
};
const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });

/** The service's OpenAPI document (3.1: its schema is the public API's, with nullable types as JSON Schema writes them). */
export function verificationOpenApi(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Verification of documents issued through Panjareh',
      version: '1.0.0',
      description:
        'Whether a document issued through Panjareh (a certificate, a licence, a certification) is valid, revoked or expired, by the number printed on it. The answer is what the public page /verify/{number} shows: type, issuer, dates, status (and when and why a document was revoked), the holder\'s name masked; never the national code. Statuses are read from the database on every call. Errors: `{ "error": { "code", "message": { "fa", "en" } } }`.',
    },
    paths: {
      [VERIFICATION_PATH]: {
        get: {
          operationId: 'verification',
          summary: 'Verify an issued document by its number',
          description: 'Verification of an issued document — استعلام اعتبار سند صادرشده. Data classification: public. The holder named by the number sees each call in their data tracker.',
          parameters: [
            {
              name: 'documentNumber',
              in: 'path',
              required: true,
              description: 'The number as printed (K7QF-3M9X-ABCD-EFGH2), with or without dashes, in Latin or Persian digits.',
              schema: { type: 'string', minLength: 1, maxLength: 80 },
            },
          ],
          responses: {
            '200': json(verificationSchema, 'The document: its status is valid, revoked or expired'),
            '404': json(errorSchema, 'No document has this number (or it cannot be a document number): do not accept the document'),
          },
        },
      },
    },
  };
}

const SUBJECT: SubjectLocation = { in: 'path', name: 'documentNumber', identifier: 'documentNumber', resolve: { path: HOLDER_LOOKUP_PATH } };

function description(upstream: string) {
  return {
    id: VERIFICATION_SERVICE,
    name: 'Verification of an issued document',
    nameFa: 'استعلام اعتبار سند صادرشده',
    upstream,
    classification: 'public',
    openapi: verificationOpenApi(),
    subject: SUBJECT,
  };
}

/** An upstream this registration made: a loopback address with the back-end's path (an operator's other address is left alone). */
function isOwnUpstream(url: string): boolean {
  try {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    return (host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) && u.pathname === BACKEND_PATH;
  } catch {
    return false;
  }
}

export interface VerificationServiceSeed {
  member: boolean;
  subsystem: boolean;
  /** The service was registered now. */
  service: boolean;
  /** Its upstream followed the port this node listens on, or its OpenAPI document changed. */
  updated: boolean;
}

/**
 * Registers member `IR/GOV/PANJAREH`, subsystem `documents` and the service `verification` with its
 * upstream at `loopbackBaseUrl` (this node's own loopback origin). Idempotent: what is registered is
 * left alone, except that an upstream this registration made follows the port the node now listens on
 * and takes up a changed OpenAPI document; an upstream an operator pointed elsewhere, a classification
 * or a name an operator changed, and a disabled service stay as they are.
 */
export async function registerVerificationService(registry: Registry, opts: { loopbackBaseUrl: string; actor?: string }): Promise<VerificationServiceSeed> {
  const actor = opts.actor ?? 'platform';
  const upstream = `${opts.loopbackBaseUrl.replace(/\/+$/, '')}${BACKEND_PATH}`;
  const wanted = description(upstream);
  return retryStartRaces(async () => {
    const made: VerificationServiceSeed = { member: false, subsystem: false, service: false, updated: false };
    if (!(await registry.members()).some((m) => m.id === PLATFORM_MEMBER)) {
      made.member = await unlessTaken(() => registry.addMember({ id: PLATFORM_MEMBER, name: 'Panjareh national portal', nameFa: 'درگاه ملی پنجره' }, actor));
    }
    if (!(await registry.subsystems(PLATFORM_MEMBER)).some((s) => s.id === DOCUMENTS_SUBSYSTEM)) {
      made.subsystem = await unlessTaken(() => registry.addSubsystem({ id: DOCUMENTS_SUBSYSTEM, name: 'Documents issued through Panjareh', nameFa: 'اسناد صادرشده در پنجره' }, actor));
    }
    const existing = await registry.service(VERIFICATION_SERVICE);
    if (!existing) {
      made.service = await unlessTaken(() => registry.addService(wanted, actor));
      return made;
    }
    if (!isOwnUpstream(existing.upstream)) return made;
    const stale = existing.upstream !== upstream || (await registry.openApi(VERIFICATION_SERVICE)) !== JSON.stringify(wanted.openapi);
    if (stale) {
      await registry.updateService({ ...wanted, classification: existing.classification, name: existing.name ?? wanted.name, nameFa: existing.nameFa ?? wanted.nameFa }, actor);
      made.updated = true;
    }
    return made;
  });
}

export interface DocumentsOnExchange extends VerificationServiceSeed {
  /** The upstream registered (null when this node could not register it). */
  upstream: string | null;
  /** Why the service was not registered or updated, for the operator. */
  warning: string | null;
}

/**
 * At every start of a node with the gateway role (every deployment, not only the demo): the
 * verification service on the exchange with its upstream on this node's loopback address. Nodes of
 * one deployment listen on one port, so they all register the same address; a node without the
 * gateway role leaves it alone (it neither serves the back-end nor calls it).
 */
export async function connectDocumentsToExchange(
  p: { config: { host: string; port: number; roles: readonly string[] }; exchange: { registry: Registry } },
  opts: { loopbackBaseUrl?: string; actor?: string } = {},
): Promise<DocumentsOnExchange> {
  const none = { member: false, subsystem: false, service: false, updated: false, upstream: null };
  if (!p.config.roles.includes('gateway')) return { ...none, warning: null };
  const base = opts.loopbackBaseUrl ?? demoUpstreamBase(p.config.host, p.config.port);
  if (!base) {
    const why =
      p.config.port === 0
        ? 'the port is chosen only when the server listens (PORT=0), so the address of its back-end is not known yet'
        : `its back-end answers loopback callers only, and this node listens on ${p.config.host}, which a loopback address cannot reach (use HOST=0.0.0.0 or a loopback address)`;
    return { ...none, warning: `the documents' verification service (${VERIFICATION_SERVICE}) is not registered on the data exchange: ${why}` };
  }
  const seed = await registerVerificationService(p.exchange.registry, { loopbackBaseUrl: base, actor: opts.actor });
  return { ...seed, upstream: `${base.replace(/\/+$/, '')}${BACKEND_PATH}`, warning: null };
}

/** The demo's bank: a consumer of the verification service, so the demo can show a bank checking a certificate. */
export const DEMO_BANK = {
  member: 'IR/COM/10100000001',
  client: 'IR/COM/10100000001/kyc',
  name: { fa: 'بانک نمونه', en: 'Demo Bank' },
  subsystemName: { fa: 'شناسایی مشتری', en: 'Know your customer' },
} as const;

/**
 * Demo mode: the demo bank (`IR/COM/10100000001/kyc`) with a contract for the verification service
 * (GET on `/{documentNumber}` only), granted by the authority. A bank that has ever had a contract for
 * it is left alone, so a contract the authority revoked stays revoked across restarts. Its API key is
 * made by whoever keeps it (`panjareh exchange key create --subsystem IR/COM/10100000001/kyc`).
 */
export async function seedDemoVerifier(exchange: { registry: Registry; contracts: Contracts }, actor = 'demo'): Promise<{ contract: boolean }> {
  const { registry, contracts } = exchange;
  return retryStartRaces(async () => {
    if (!(await registry.service(VERIFICATION_SERVICE))) return { contract: false };
    if (!(await registry.members()).some((m) => m.id === DEMO_BANK.member)) {
      await unlessTaken(() => registry.addMember({ id: DEMO_BANK.member, name: DEMO_BANK.name.en, nameFa: DEMO_BANK.name.fa }, actor));
    }
    if (!(await registry.subsystems(DEMO_BANK.member)).some((s) => s.id === DEMO_BANK.client)) {
      await unlessTaken(() => registry.addSubsystem({ id: DEMO_BANK.client, name: DEMO_BANK.subsystemName.en, nameFa: DEMO_BANK.subsystemName.fa }, actor));
    }
    if ((await contracts.list({ client: DEMO_BANK.client, service: VERIFICATION_SERVICE })).length) return { contract: false };
    const contract = await unlessTaken(() =>
      contracts.grant(
        {
          client: DEMO_BANK.client,
          service: VERIFICATION_SERVICE,
          purpose: 'Checks that a document a customer hands in (a criminal record certificate, a certified degree) was issued through Panjareh and is still valid',
          methods: ['GET'],
          paths: [VERIFICATION_PATH],
          legalBasis: null,
          legalBasisCoversPersonalData: false,
        },
        actor,
      ),
    );
    return { contract };
  });
}
