import { hash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { toLatinDigits } from '../platform/text.js';
import { uuidV7 } from '../platform/uuid.js';
import type { AuditSink, ExchangeAuditRecord } from './audit-sink.js';
import type { Authenticator, Caller } from './credentials.js';
import type { ConsentVerifier } from './consents.js';
import { clientHeaders, upstreamHeaders } from './headers.js';
import { isInstance, isMetaservice, serviceIdFromParts, subsystemIdFromParts } from './ids.js';
import { secondsToNextDay, type Limiter } from './limits.js';
import { covers, subjectFromPath } from './matching.js';
import { metaservice, type MetaCall } from './metaservices.js';
import { checkPath, checkQuery, queryNamesOnly, singleParam, type QueryParam } from './paths.js';
import { pairKey, type ExchangeState, type LiveContract, type LiveService } from './state.js';
import { resolvePersons } from './subjects.js';
import { UpstreamError, type Upstreams } from './upstream.js';
import type { Context } from '@opentelemetry/api';
import { tracingActive } from '../platform/tracing/index.js';
import { traceGatewayCall } from './tracing.js';
import { GatewayRefusal, XROAD_ERRORS, errorBody, type XRoadErrorName } from './xroad-errors.js';

/**
 * The gateway: X-Road's message protocol for REST under `/r1/`.
 *
 *   {METHOD} /r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{SERVICE}[/path][?query]
 *   X-Road-Client: INSTANCE/CLASS/MEMBER/SUBSYSTEM
 *   Authorization: ApiKey <key>
 *   X-Panjareh-Consent: <consent token>          (personal data, unless the contract's legal basis covers it)
 *
 * Each call, in this order: the URL (service id grammar, path and query rules, bounded length);
 * X-Road-Client; a declared body over the limit; the credential, and that it belongs to the
 * subsystem X-Road-Client names; the service; an active, unexpired contract covering the method and
 * path; for personal data the subject named in the request and a consent token for exactly that
 * consumer, service and subject (or a contract whose legal basis covers personal data); the rate
 * limit and the daily quota (taken before the lookup when the request names the person indirectly —
 * a plate, a certificate number — and the owning agency is asked whose data that is, subjects.ts;
 * the token is then checked against the people it names); the body (size cap, deadline for slow clients); then the upstream, at
 * the registered base URL only. Every answer carries X-Road-Id (a fresh time-ordered UUID, version
 * 7; a client's own X-Road-Id is not trusted) and X-Road-Request-Hash (base64 SHA-512 of the request
 * body as the gateway read it), and is sent only after its audit record is durably written; if the audit log
 * cannot write, the answer is a 503 and no upstream data leaves the gateway. Nothing on this path
 * reads the database: registry, contracts, keys and revocations are in memory (state.ts).
 *
 * The handler works on Node's request and response directly. The Fastify plugin hands every
 * `/r1` request to it from the server's request listener, before Fastify's router (whose per-request
 * machinery would cost a fifth of the gateway's throughput, and which answers malformed
 * percent-encoding itself, outside the protocol and the audit log); a Fastify route under `/r1/*`
 * reaches the same handler for `inject()` and any server the listener does not cover.
 */

export interface GatewaySettings {
  maxBodyBytes: number;
  /** How long a client may take to send its request body. */
  clientTimeoutMs: number;
}

export interface GatewayDeps {
  state: ExchangeState;
  /** Looked up by scheme on every call, so an authenticator added later takes effect at once. */
  authenticators: readonly Authenticator[];
  consents: ConsentVerifier;
  limiter: Limiter;
  upstreams: Upstreams;
  audit: AuditSink;
  openApi(serviceId: string): Promise<string | null | undefined>;
  settings: GatewaySettings;
  /** Told of every answered call (metrics); absent, the gateway measures nothing. */
  observe?: (o: GatewayCallObservation) => void;
}

/**
 * One answered call as an observer sees it: organisation identifiers (a registered service and a
 * registered consumer subsystem, else "unknown"), never the path, the query or the data subject.
 */
export interface GatewayCallObservation {
  /** A registered service id, `meta:<name>` for a metaservice, or "unknown". */
  service: string;
  /** A registered subsystem id, or "unknown". */
  consumer: string;
  status: number;
  /** The X-Road error type (`Server.ServerProxy.AccessDenied`, …), null for the provider's own answer. */
  error: string | null;
  /** From arrival to the answer handed to the socket, the audit commit included. */
  seconds: number;
  requestBytes: number;
  responseBytes: number;
}

export const MAX_URL_LENGTH = 4096;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const EMPTY_SHA256 = hash('sha256', '', 'hex');
const EMPTY_SHA512 = hash('sha512', '', 'base64');
const SUBJECT_VALUE = /^[\p{L}\p{N}._-]{1,64}$/u;
const JSON_TYPE = 'application/json; charset=utf-8';
const EMPTY = Buffer.alloc(0);

/** What one call has gathered for its audit record and its answer. */
interface Call {
  id: string;
  /** When the call arrived (epoch ms). */
  at: number;
  t0: number;
  method: string;
  client: string | null;
  service: string | null;
  /** The metaservice asked for, if any. */
  meta: string | null;
  path: string;
  subject: string | null;
  /** The people an indirect subject (a plate, a certificate number…) was resolved to; null when not resolved. */
  persons: string[] | null;
  consentId: string | null;
  legalBasis: string | null;
  requestBytes: number;
  requestHash: string;
  requestHash512: string;
  bodyRead: boolean;
  /** The X-Road error type of the answer, for its trace; null for the provider's own answer. */
  errorType: string | null;
  /** With tracing on, the call's trace context (src/exchange/tracing.ts). */
  trace?: Context;
}

const refuse = (error: XRoadErrorName, message: string, headers?: Record<string, string>): never => {
  throw new GatewayRefusal(error, message, headers);
};

function record(call: Call, status: number, errorType: string | null, body: Buffer | string): ExchangeAuditRecord {
  const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  return {
    id: call.id,
    at: new Date(call.at).toISOString(),
    client: call.client,
    service: call.service,
    method: call.method,
    path: call.path,
    subject: call.subject,
    persons: call.persons,
    consentId: call.consentId,
    legalBasis: call.legalBasis,
    status,
    errorType,
    latencyMs: Math.round((performance.now() - call.t0) * 1000) / 1000,
    requestBytes: call.requestBytes,
    responseBytes: bytes,
    requestHash: call.requestHash,
    responseHash: bytes === 0 ? EMPTY_SHA256 : hash('sha256', body, 'hex'),
  };
}

const hasBody = (h: IncomingHttpHeaders) => h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');

/** Reads the request body within the size cap and the client deadline. */
function readBody(req: IncomingMessage, max: number, timeoutMs: number): Promise<Buffer> {
  if (!hasBody(req.headers)) return Promise.resolve(EMPTY);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: GatewayRefusal | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) {
        req.pause();
        reject(err);
      } else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) finish(new GatewayRefusal('BodyTooLarge', `the request body is larger than ${max} bytes`, { connection: 'close' }));
      else chunks.push(c);
    };
    const onEnd = () => finish(null);
    const onError = () => finish(new GatewayRefusal('BadRequest', 'the request body was cut off', { connection: 'close' }));
    const onClose = () => {
      if (!req.complete) onError();
    };
    const timer = setTimeout(() => finish(new GatewayRefusal('ClientTimeout', `the request body did not arrive within ${timeoutMs} ms`, { connection: 'close' })), timeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** The value that names the data subject in this request, normalised (Persian digits to Latin), or null. */
function subjectOf(svc: LiveService, segments: string[], params: QueryParam[], headers: IncomingHttpHeaders): string | null {
  const s = svc.subject;
  if (!s) return null;
  let raw: string | null = null;
  if (s.in === 'path') raw = subjectFromPath(svc.templates, segments);
  else if (s.in === 'query') {
    const one = singleParam(params, s.name);
    if (!one.ok) refuse('BadRequest', `the query has ${one.reason}`);
    raw = (one as { value: string | null }).value;
  } else {
    const v = headers[s.name.toLowerCase()];
    if (Array.isArray(v) || (typeof v === 'string' && v.includes(','))) refuse('BadRequest', `the header ${s.name} appears more than once`);
    raw = (v as string | undefined) ?? null;
  }
  if (raw === null) return null;
  const value = toLatinDigits(raw.trim());
  if (!SUBJECT_VALUE.test(value)) refuse('BadRequest', `the ${s.name} that names the data subject is malformed`);
  return value;
}

interface Target {
  kind: 'service' | 'meta';
  /** For data calls: the service id; for metaservices: the provider subsystem or instance. */
  id: string;
  meta?: MetaCall['name'];
  rest: string;
  query: string;
  segments: string[];
  params: QueryParam[];
}

/** Splits and checks `/r1/…`: the service id (or metaservice), the path after it and the query. */
function parseTarget(url: string): Target {
  if (url.length > MAX_URL_LENGTH) refuse('UriTooLong', `the request URI is longer than ${MAX_URL_LENGTH} characters`);
  const q = url.indexOf('?');
  const pathPart = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  if (!pathPart.startsWith('/r1/')) refuse('BadRequest', 'the URL does not name a service: /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE');
  const rest = pathPart.slice(4);
  const parts = rest.split('/', 6);
  let target: Omit<Target, 'segments' | 'params'>;
  if (parts.length === 2 && parts[1] === 'listClients') {
    if (!isInstance(parts[0]!)) refuse('BadRequest', 'the URL does not name an X-Road instance: /r1/INSTANCE/listClients (INSTANCE: A–Z, 0–9, "-", up to 16, starting with a letter)');
    target = { kind: 'meta', id: parts[0]!, meta: 'listClients', rest: '', query };
  } else if (parts.length === 5 && isMetaservice(parts[4]!) && parts[4] !== 'listClients') {
    if (!subsystemIdFromParts(parts.slice(0, 4))) refuse('BadRequest', 'the URL does not name a provider subsystem (INSTANCE/CLASS/MEMBER/SUBSYSTEM)');
    target = { kind: 'meta', id: parts.slice(0, 4).join('/'), meta: parts[4] as MetaCall['name'], rest: '', query };
  } else {
    if (!serviceIdFromParts(parts.slice(0, 5))) refuse('BadRequest', 'the URL does not start with a valid service id: /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE');
    const idText = parts.slice(0, 5).join('/');
    target = { kind: 'service', id: idText, rest: rest.slice(idText.length), query };
  }
  const path = checkPath(target.rest);
  if (!path.ok) refuse('BadRequest', `the path has ${path.reason}`);
  const params = checkQuery(query);
  if (!params.ok) refuse('BadRequest', `the query has ${params.reason}`);
  return { ...target, segments: (path as { value: string[] }).value, params: (params as { value: QueryParam[] }).value };
}

export interface Gateway {
  /** Answers one `/r1` request; never throws, never leaves a request unanswered. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export function createGateway(deps: GatewayDeps, log: FastifyBaseLogger): Gateway {
  const { state, settings } = deps;

  async function authenticate(header: string | undefined, now: number): Promise<Caller> {
    if (!header) refuse('AuthenticationFailed', 'no credential: send Authorization: ApiKey <key>', { 'www-authenticate': 'ApiKey' });
    const sp = header!.indexOf(' ');
    const scheme = (sp < 0 ? header! : header!.slice(0, sp)).toLowerCase();
    const credentials = sp < 0 ? '' : header!.slice(sp + 1).trim();
    const a = deps.authenticators.find((x) => x.scheme === scheme);
    if (!a) refuse('AuthenticationFailed', `the Authorization scheme is not supported (${deps.authenticators.map((x) => x.scheme).join(', ')})`, { 'www-authenticate': 'ApiKey' });
    const r = a!.authenticate(credentials, now);
    const caller = r instanceof Promise ? await r : r;
    if (!caller) refuse('AuthenticationFailed', 'the credential is unknown, revoked or expired', { 'www-authenticate': 'ApiKey' });
    return caller!;
  }

  /** Audits and sends one answer; a failed audit turns it into a 503 that carries nothing else. */
  async function answer(res: ServerResponse, call: Call, status: number, headers: Record<string, string | string[]>, body: Buffer | string, errorType: string | null): Promise<void> {
    try {
      await deps.audit.append(record(call, status, errorType, body), call.trace);
    } catch (e) {
      log.error({ err: e, xroadId: call.id }, 'exchange audit append failed');
      const db = XROAD_ERRORS.DatabaseError;
      const refusal = errorBody('DatabaseError', 'the call could not be recorded in the audit log', call.id);
      send(res, db.status, { 'content-type': JSON_TYPE, 'x-road-error': db.type }, refusal, call);
      observe?.(call, db.status, db.type, refusal);
      return;
    }
    send(res, status, headers, body, call);
    observe?.(call, status, errorType, body);
  }

  const observe = deps.observe
    ? (call: Call, status: number, error: string | null, body: Buffer | string) =>
        deps.observe!({
          service: call.service !== null && state.services.has(call.service) ? call.service : call.meta ? `meta:${call.meta}` : 'unknown',
          consumer: call.client !== null && state.subsystems.has(call.client) ? call.client : 'unknown',
          status,
          error,
          seconds: (performance.now() - call.t0) / 1000,
          requestBytes: call.requestBytes,
          responseBytes: typeof body === 'string' ? Buffer.byteLength(body) : body.length,
        })
    : null;

  function send(res: ServerResponse, status: number, headers: Record<string, string | string[]>, body: Buffer | string, call: Call): void {
    if (res.headersSent || res.destroyed) return;
    call.errorType = (headers['x-road-error'] as string | undefined) ?? null;
    headers['x-road-id'] = call.id;
    headers['x-road-request-hash'] = call.requestHash512;
    headers['x-content-type-options'] = 'nosniff';
    if (status === 204 || status === 304) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
    res.writeHead(status, headers);
    res.end(body);
  }

  async function fail(req: IncomingMessage, res: ServerResponse, call: Call, e: unknown): Promise<void> {
    let refusal: GatewayRefusal;
    if (e instanceof GatewayRefusal) refusal = e;
    else {
      log.error({ err: e, xroadId: call.id }, 'exchange gateway error');
      refusal = new GatewayRefusal('InternalError', 'the gateway failed while handling the call');
    }
    const x = XROAD_ERRORS[refusal.error];
    const h: Record<string, string> = { 'content-type': JSON_TYPE, 'x-road-error': x.type, ...refusal.headers };
    // A body that was announced but not read would otherwise have to be drained on a keep-alive connection.
    if (!call.bodyRead && hasBody(req.headers)) h.connection = 'close';
    await answer(res, call, x.status, h, errorBody(refusal.error, refusal.message, call.id), x.type);
  }

  async function takeLimit(contract: LiveContract, now: number): Promise<void> {
    const limited = deps.limiter.take(contract.id, contract.ratePerSecond, contract.dailyQuota, now);
    const verdict = typeof limited === 'string' ? limited : await limited;
    if (verdict === 'rate') refuse('RateLimited', `the contract allows ${contract.ratePerSecond} calls a second`, { 'retry-after': '1' });
    if (verdict === 'quota') refuse('QuotaExceeded', `the contract's daily quota of ${contract.dailyQuota} calls is used up`, { 'retry-after': String(secondsToNextDay(now)) });
  }

  async function run(req: IncomingMessage, res: ServerResponse, call: Call): Promise<void> {
    const now = call.at;
    const h = req.headers;
    // The claimed client is recorded even when the URL is refused; it is checked after the URL.
    const clientHeader = h['x-road-client'];
    const clientOk = typeof clientHeader === 'string' && subsystemIdFromParts(clientHeader.split('/')) !== null;
    if (clientOk) call.client = clientHeader as string;
    if (!METHODS.has(req.method ?? '')) refuse('MethodNotAllowed', `the method ${req.method} is not supported`);
    const t = parseTarget(req.url ?? '');
    call.path = (t.rest || '/') + queryNamesOnly(t.params);
    call.service = t.kind === 'service' ? t.id : `${t.id}/${t.meta}`;
    call.meta = t.meta ?? null;
    if (!clientOk) refuse('InvalidClient', 'send X-Road-Client: INSTANCE/CLASS/MEMBER/SUBSYSTEM (exactly once)');
    const client = clientHeader as string;
    if (Number(h['content-length'] ?? 0) > settings.maxBodyBytes) refuse('BodyTooLarge', `the request body is larger than ${settings.maxBodyBytes} bytes`, { connection: 'close' });
    const caller = await authenticate(h.authorization, now);
    if (caller.subsystem !== client) refuse('ClientMismatch', 'the credential does not belong to the subsystem named in X-Road-Client');
    if (!state.subsystems.has(client)) refuse('UnknownClient', `the subsystem ${client} is not registered`);

    if (t.kind === 'meta') {
      if (call.method !== 'GET' && call.method !== 'HEAD') refuse('MethodNotAllowed', 'metaservices answer GET only');
      const body = await metaservice({ name: t.meta!, target: t.id, client, params: t.params }, state, deps.openApi);
      await answer(res, call, 200, { 'content-type': JSON_TYPE }, body, null);
      return;
    }

    const svc = state.services.get(t.id);
    if (!svc || svc.disabled) refuse('UnknownService', `the service ${t.id} is not registered or is disabled`);
    const contract = state.contracts.get(pairKey(client, t.id));
    if (!contract) refuse('AccessDenied', `${client} has no active contract for ${t.id}`);
    const coverage = covers(contract!.rule, call.method, t.segments, now);
    if (coverage !== 'ok') {
      refuse('AccessDenied', coverage === 'expired' ? 'the contract has expired' : coverage === 'method' ? `the contract does not allow ${call.method}` : 'the contract does not allow this path');
    }
    call.legalBasis = contract!.legalBasis;
    call.subject = subjectOf(svc!, t.segments, t.params, h);
    const token = svc!.classification === 'personal' ? h['x-panjareh-consent'] : undefined;
    if (svc!.classification === 'personal') {
      if (token !== undefined && (typeof token !== 'string' || token.includes(','))) refuse('BadRequest', 'send X-Panjareh-Consent once');
      if (token === undefined && !contract!.legalBasisCoversPersonalData) refuse('ConsentRequired', 'this service returns personal data: send the person\'s consent token in X-Panjareh-Consent');
    }
    // An indirect subject costs the owning agency a lookup: only within the contract's rate and quota.
    const resolves = !!svc!.subject?.resolve && call.subject !== null;
    if (resolves) {
      await takeLimit(contract!, now);
      call.persons = await resolvePersons(deps.upstreams, svc!, call.subject!, call.id, call.trace);
    }
    if (token !== undefined) {
      const check = await deps.consents.verify(token as string, { client, service: t.id, subject: call.persons ?? call.subject }, now);
      call.consentId = check.consentId;
      if (!check.ok) refuse('ConsentInvalid', check.reason);
      call.legalBasis = null;
    }
    if (!resolves) await takeLimit(contract!, now);

    const body = await readBody(req, settings.maxBodyBytes, settings.clientTimeoutMs);
    call.bodyRead = true;
    if (body.length > 0) {
      call.requestBytes = body.length;
      call.requestHash = hash('sha256', body, 'hex');
      call.requestHash512 = hash('sha512', body, 'base64');
    }
    const add: Record<string, string> = { 'x-road-client': client, 'x-road-id': call.id, 'x-road-service': t.id };
    if (call.consentId) add['x-panjareh-consent-id'] = call.consentId;
    const fwd = upstreamHeaders(h, add);
    if ('bad' in fwd) refuse('BadRequest', `the header ${fwd.bad} has characters that are not printable ASCII`);
    const path = `${svc!.basePath}${t.rest}${t.query ? `?${t.query}` : ''}`;
    let upstream;
    try {
      upstream = await deps.upstreams.forward(svc!.origin, { path: path.startsWith('/') ? path : `/${path}`, method: call.method, headers: (fwd as { headers: Record<string, string> }).headers, body }, tracingActive() ? { 'xroad.service': t.id, 'xroad.client': client, 'xroad.id': call.id } : undefined, call.trace);
    } catch (e) {
      if (e instanceof UpstreamError) refuse(e.kind === 'timeout' ? 'ServiceTimeout' : 'ServiceFailed', e.message);
      throw e;
    }
    if (upstream!.status < 200 || upstream!.status > 599) refuse('ServiceFailed', `the service answered with status ${upstream!.status}`);
    const out = clientHeaders(upstream!.headers);
    out['x-road-client'] = client;
    out['x-road-service'] = t.id;
    await answer(res, call, upstream!.status, out, upstream!.body, null);
  }

  /** One call from start to answer: a refusal or failure is answered too, and nothing escapes. */
  async function handleCall(req: IncomingMessage, res: ServerResponse, call: Call): Promise<void> {
    try {
      await run(req, res, call);
    } catch (e) {
      try {
        await fail(req, res, call, e);
      } catch (e2) {
        // Even the refusal failed (a closed socket, a bug): never crash, never leave it hanging.
        log.error({ err: e2, xroadId: call.id }, 'exchange gateway could not answer');
        if (!res.headersSent && !res.destroyed) res.writeHead(500, { 'content-type': JSON_TYPE, connection: 'close' }).end(errorBody('InternalError', 'the gateway failed while handling the call', call.id));
        else res.destroy();
      }
    }
  }

  return {
    handle(req, res) {
      const at = Date.now();
      const call: Call = {
        // Time-ordered, so the audit log's index on X-Road-Id grows at its end (see uuidV7).
        id: uuidV7(at),
        at,
        t0: performance.now(),
        method: req.method ?? '',
        client: null,
        service: null,
        meta: null,
        // Until the URL is understood, the audit log gets its path as sent (no query).
        path: (req.url ?? '').split('?')[0]!.slice(0, 1024),
        subject: null,
        persons: null,
        consentId: null,
        legalBasis: null,
        requestBytes: 0,
        requestHash: EMPTY_SHA256,
        requestHash512: EMPTY_SHA512,
        bodyRead: false,
        errorType: null,
      };
      // With tracing off the call runs as it always did: no span, no context (src/exchange/tracing.ts).
      if (tracingActive()) void traceGatewayCall(req, res, call, () => handleCall(req, res, call));
      else void handleCall(req, res, call);
    },
  };
}

const isGatewayUrl = (url: string) => url.startsWith('/r1/') || url === '/r1' || url.startsWith('/r1?');

/**
 * Puts the gateway in front of the server's request listeners (Fastify's): `/r1` requests go to
 * the gateway, every other request to the listeners as before.
 */
function takeOver(server: Server, gateway: Gateway): void {
  const listeners = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (isGatewayUrl(req.url ?? '')) gateway.handle(req, res);
    else for (const l of listeners) l.call(server, req, res);
  });
}

/** The Fastify plugin: register with `{ prefix: '/r1' }`. */
export async function gatewayRoutes(app: FastifyInstance, deps: GatewayDeps): Promise<void> {
  const gateway = createGateway(deps, app.log);
  takeOver(app.server, gateway);
  // Reached by inject() (which bypasses the server's listeners); bodies stay unread for the gateway.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  app.route({
    method: [...METHODS],
    url: '/*',
    logLevel: 'warn',
    handler: (req, reply) => {
      reply.hijack();
      gateway.handle(req.raw, reply.raw);
    },
  });
}
