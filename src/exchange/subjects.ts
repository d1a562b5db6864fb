import { parsePersonCode } from '../platform/national-code.js';
import type { Context } from '@opentelemetry/api';
import { tracingActive } from '../platform/tracing/index.js';
import type { SubjectLocation } from './model.js';
import { UpstreamError, type Upstreams } from './upstream.js';
import { GatewayRefusal } from './xroad-errors.js';

/**
 * Who a call's data is about, when the request names the person indirectly (see `SubjectLocation`):
 * the grammar of a resolver, and the lookup the gateway makes at the owning agency before the call.
 */

export const NATIONAL_CODE = 'nationalCode';
/** Sent by the gateway on a lookup (and dropped from every client request), so the agency can tell a lookup from a forwarded call. */
export const SUBJECT_LOOKUP_HEADER = 'x-panjareh-subject-lookup';
/** People one identifier may name (a household at one postal code); a longer answer fails the call. */
export const MAX_PERSONS = 100;

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_.-]{0,31}$/;
const LOOKUP_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/** An identifier that is not a national code must be resolved; null when the location needs nothing more. */
export function subjectProblem(s: SubjectLocation): { fa: string; en: string } | null {
  const id = s.identifier ?? NATIONAL_CODE;
  if (typeof id !== 'string' || !IDENTIFIER.test(id)) return { fa: 'نوع شناسهٔ شخص درست نیست (حرف و رقم، تا ۳۲ نویسه).', en: 'The subject identifier kind must be letters, digits, "_", ".", "-" (up to 32, starting with a letter).' };
  if (s.resolve === undefined || s.resolve === null) {
    return id === NATIONAL_CODE ? null : { fa: `شناسه‌ای از نوع ${id} شخص را مستقیم نام نمی‌برد؛ نشانی استعلام شخص (resolve) را بدهید.`, en: `An identifier of kind "${id}" names the person indirectly: give the owning agency's lookup (resolve) that says whose it is.` };
  }
  if (id === NATIONAL_CODE) return { fa: 'کد ملی خود شخص را نام می‌برد و استعلام لازم ندارد.', en: 'A national code names the person itself; it needs no lookup.' };
  const path = s.resolve.path;
  const segments = typeof path === 'string' && path.startsWith('/') && path.length <= 256 ? path.slice(1).split('/') : null;
  const ok = segments !== null && segments.filter((x) => x === '{value}').length === 1 && segments.every((x) => x === '{value}' || (LOOKUP_SEGMENT.test(x) && x !== '.' && x !== '..'));
  if (!ok) return { fa: 'مسیر استعلام شخص باید با / آغاز شود و یک بار {value} داشته باشد.', en: 'The lookup path must start with "/" and hold {value} exactly once, e.g. /subjects/plates/{value}.' };
  return null;
}

/** The location as stored and shown: `identifier` and `resolve` only when the value is not a national code. */
export function normalSubject(s: SubjectLocation | null | undefined): SubjectLocation | null {
  if (!s) return null;
  const id = s.identifier ?? NATIONAL_CODE;
  return id === NATIONAL_CODE ? { in: s.in, name: s.name } : { in: s.in, name: s.name, identifier: id, resolve: { path: s.resolve!.path } };
}

/** The national codes of a lookup's answer: sorted, without repeats; throws the call's failure otherwise. */
export function personsOfAnswer(status: number, body: Buffer): string[] {
  if (status === 404) return [];
  const bad = (why: string): never => {
    throw new GatewayRefusal('ServiceFailed', `the owning agency could not say whose data this is: ${why}`);
  };
  if (status !== 200) bad(`its lookup answered ${status}`);
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    bad('its lookup did not answer JSON');
  }
  const list = (doc as { nationalCodes?: unknown } | null)?.nationalCodes;
  if (!Array.isArray(list)) bad('its lookup did not answer {"nationalCodes": […]}');
  const out = new Set<string>();
  for (const c of list as unknown[]) {
    const p = typeof c === 'string' ? parsePersonCode(c) : null;
    if (!p) bad('its lookup answered something that is not a national code');
    out.add(p!.code);
  }
  if (out.size > MAX_PERSONS) bad(`its lookup named more than ${MAX_PERSONS} people`);
  return [...out].sort();
}

/**
 * Asks the owning agency whose data `value` names, on the service's own upstream; the lookup shares
 * the gateway's connection pool, deadline and response cap. A failure fails the call (502/504).
 */
export async function resolvePersons(upstreams: Upstreams, svc: { id: string; origin: string; basePath: string; subject: SubjectLocation | null }, value: string, xroadId: string, trace?: Context): Promise<string[]> {
  const path = `${svc.basePath}${svc.subject!.resolve!.path.replace('{value}', encodeURIComponent(value))}`;
  let answer;
  try {
    answer = await upstreams.forward(svc.origin, { path, method: 'GET', headers: { accept: 'application/json', 'x-road-id': xroadId, 'x-road-service': svc.id, [SUBJECT_LOOKUP_HEADER]: svc.id }, body: null }, tracingActive() ? { 'xroad.service': svc.id, 'xroad.id': xroadId, 'panjareh.subject_lookup': true } : undefined, trace);
  } catch (e) {
    if (e instanceof UpstreamError) throw new GatewayRefusal(e.kind === 'timeout' ? 'ServiceTimeout' : 'ServiceFailed', `the owning agency's lookup of whose data this is failed: ${e.message}`);
    throw e;
  }
  return personsOfAnswer(answer.status, answer.body);
}
