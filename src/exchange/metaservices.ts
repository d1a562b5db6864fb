import { isServiceCode, parseServiceId, parseSubsystemId, parseMemberId } from './ids.js';
import { matchPattern, parsePattern } from './matching.js';
import type { Endpoint } from './model.js';
import { singleParam, type QueryParam } from './paths.js';
import type { ExchangeState, LiveService } from './state.js';
import { GatewayRefusal } from './xroad-errors.js';

/**
 * X-Road's REST metaservices, answered from this node's memory (getOpenAPI reads the stored
 * document). The shapes follow X-Road's JSON (snake_case identifier fields):
 *
 *   GET /r1/{INSTANCE}/listClients
 *     → { "member": [ { "id": { "object_type": "MEMBER"|"SUBSYSTEM", "xroad_instance", "member_class",
 *                               "member_code", "subsystem_code"? }, "name" } ] }
 *   GET /r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/listMethods
 *   GET /r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/allowedMethods   (what the calling client's contracts allow)
 *     → { "service": [ { "object_type": "SERVICE", "xroad_instance", "member_class", "member_code",
 *                        "subsystem_code", "service_code", "service_type": "OPENAPI"|"REST",
 *                        "endpoint_list": [ { "method", "path" } ] } ] }
 *   GET /r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/getOpenAPI?serviceCode=CODE  → the OpenAPI document
 * Endpoint paths use "*" for one segment and "**" for any rest, as in contracts.
 *
 * Edges, as X-Road's security server answers them:
 *   - listClients of an instance that follows the grammar but has no member registered is a 404
 *     (X-Road's GlobalConf refuses an unknown instance identifier: "Invalid instance identifier");
 *     an instance that breaks the grammar is refused as a bad request before that (gateway.ts).
 *   - getOpenAPI's serviceCode that breaks the service-code grammar is a bad request (400); a
 *     well-formed code that names no service is UnknownService (404).
 *   - allowedMethods lists the service's own endpoints (from its OpenAPI document) that the caller's
 *     contract allows (X-Road's ServerConfImpl.getAllowedRestServices: each endpoint that one of the
 *     client's access rights matches); a service without an OpenAPI document has no endpoints of its
 *     own, so the contract's path patterns are listed instead.
 */

export interface MetaCall {
  name: 'listClients' | 'listMethods' | 'allowedMethods' | 'getOpenAPI';
  /** The instance (listClients) or the provider subsystem. */
  target: string;
  client: string;
  params: QueryParam[];
}

function serviceEntry(s: LiveService, endpoints: Array<{ method: string; path: string }>) {
  const id = parseServiceId(s.id)!;
  return {
    object_type: 'SERVICE',
    xroad_instance: id.instance,
    member_class: id.memberClass,
    member_code: id.member,
    subsystem_code: id.subsystem,
    service_code: id.service,
    service_type: s.hasOpenApi ? 'OPENAPI' : 'REST',
    endpoint_list: endpoints,
  };
}

/**
 * The service's own endpoints that a contract allows: the method is one the contract names and one of
 * its patterns matches the endpoint's path (an endpoint's "*" segment is matched only by a "*" or
 * "{name}" of the pattern, so a contract for one literal path does not list the whole template).
 */
function allowedEndpoints(endpoints: readonly Endpoint[], rule: { methods: ReadonlySet<string>; patterns: readonly (readonly string[])[] }): Endpoint[] {
  return endpoints.filter((e) => {
    const segments = parsePattern(e.path);
    return segments !== null && rule.methods.has(e.method) && rule.patterns.some((p) => matchPattern(p, segments));
  });
}

const servicesOf = (state: ExchangeState, subsystem: string) => [...state.services.values()].filter((s) => s.subsystem === subsystem && !s.disabled).sort((a, b) => a.id.localeCompare(b.id));

export async function metaservice(call: MetaCall, state: ExchangeState, openApi: (serviceId: string) => Promise<string | null | undefined>): Promise<string> {
  if (call.name === 'listClients') {
    const member: unknown[] = [];
    if (![...state.members.keys()].some((id) => parseMemberId(id)?.instance === call.target)) {
      throw new GatewayRefusal('UnknownInstance', `no member is registered in the instance ${call.target}`);
    }
    for (const m of [...state.members.values()].sort((a, b) => a.id.localeCompare(b.id))) {
      const id = parseMemberId(m.id);
      if (!id || id.instance !== call.target) continue;
      const base = { xroad_instance: id.instance, member_class: id.memberClass, member_code: id.member };
      member.push({ id: { object_type: 'MEMBER', ...base }, name: m.name });
      for (const s of [...state.subsystems.values()].filter((x) => x.member === m.id).sort((a, b) => a.id.localeCompare(b.id))) {
        member.push({ id: { object_type: 'SUBSYSTEM', ...base, subsystem_code: parseSubsystemId(s.id)!.subsystem }, name: s.name ?? m.name });
      }
    }
    return JSON.stringify({ member });
  }
  if (!state.subsystems.has(call.target)) throw new GatewayRefusal('UnknownMember', `the subsystem ${call.target} is not registered`);
  if (call.name === 'listMethods') {
    return JSON.stringify({ service: servicesOf(state, call.target).map((s) => serviceEntry(s, s.endpoints)) });
  }
  if (call.name === 'allowedMethods') {
    const now = Date.now();
    const service = [];
    for (const s of servicesOf(state, call.target)) {
      const c = state.contracts.get(`${call.client} ${s.id}`);
      if (!c || (c.rule.expiresAt !== null && c.rule.expiresAt <= now)) continue;
      service.push(serviceEntry(s, s.hasOpenApi ? allowedEndpoints(s.endpoints, c.rule) : c.methods.flatMap((method) => c.paths.map((p) => ({ method, path: p.replace(/\{[^/}]+\}/g, '*') })))));
    }
    return JSON.stringify({ service });
  }
  const code = singleParam(call.params, 'serviceCode');
  if (!code.ok || !code.value) throw new GatewayRefusal('BadRequest', 'getOpenAPI needs ?serviceCode=CODE, once');
  if (!isServiceCode(code.value)) throw new GatewayRefusal('BadRequest', 'the serviceCode does not follow the service-code grammar (letters, digits, ".", "_", "-", up to 64, starting with a letter or digit; not a metaservice name)');
  const serviceId = `${call.target}/${code.value}`;
  const svc = state.services.get(serviceId);
  if (!svc || svc.disabled) throw new GatewayRefusal('UnknownService', `the service ${serviceId} is not registered or is disabled`);
  const doc = await openApi(serviceId);
  if (!doc) throw new GatewayRefusal('NoDescription', `the service ${serviceId} has no OpenAPI description`);
  return doc;
}
