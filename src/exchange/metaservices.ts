import { parseServiceId, parseSubsystemId, parseMemberId } from './ids.js';
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

const servicesOf = (state: ExchangeState, subsystem: string) => [...state.services.values()].filter((s) => s.subsystem === subsystem && !s.disabled).sort((a, b) => a.id.localeCompare(b.id));

export async function metaservice(call: MetaCall, state: ExchangeState, openApi: (serviceId: string) => Promise<string | null | undefined>): Promise<string> {
  if (call.name === 'listClients') {
    const member: unknown[] = [];
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
      const endpoints = c.methods.flatMap((method) => c.paths.map((p) => ({ method, path: p.replace(/\{[^/}]+\}/g, '*') })));
      service.push(serviceEntry(s, endpoints));
    }
    return JSON.stringify({ service });
  }
  const code = singleParam(call.params, 'serviceCode');
  if (!code.ok || !code.value) throw new GatewayRefusal('BadRequest', 'getOpenAPI needs ?serviceCode=CODE, once');
  const serviceId = `${call.target}/${code.value}`;
  const svc = state.services.get(serviceId);
  if (!svc || svc.disabled) throw new GatewayRefusal('UnknownService', `the service ${serviceId} is not registered or is disabled`);
  const doc = await openApi(serviceId);
  if (!doc) throw new GatewayRefusal('NoDescription', `the service ${serviceId} has no OpenAPI description`);
  return doc;
}
