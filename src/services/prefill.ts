import type { Localized } from '../catalog/index.js';
import { AppError } from '../platform/errors.js';
import type { PrefillField, PrefillSource } from './definition.js';
import type { PrefilledSource } from './model.js';

/**
 * Once only: what a registry holds is read through the national data exchange, never typed. The
 * portal calls each prefill source's data service as an ordinary consumer on the applicant's behalf,
 * so every read is in the exchange's audit log and in the person's data tracker.
 */

/** The exchange, as prefill uses it: GET a service's path on behalf of a person. */
export interface RegistryReader {
  get(service: string, path: string, opts: { userId: string }): Promise<{ ok: true; xroadId: string; data: unknown } | { ok: false; xroadId: string; status: number; error: { code: string; message: Localized } }>;
}

/** A registry's refusal or a failed read: the application cannot go on without the data. */
export class PrefillFailed extends AppError {
  constructor(source: Localized, message: Localized, status = 502) {
    super(status, 'prefill_failed', { fa: `خواندن اطلاعات ${source.fa} ممکن نشد: ${message.fa}`, en: `The data ${source.en} could not be read: ${message.en}` });
  }
}

/** RFC 6901 JSON Pointer, read only. */
export function pointer(doc: unknown, ptr: string): unknown {
  if (ptr === '') return doc;
  let cur: unknown = doc;
  for (const raw of ptr.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const text = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const read = (doc: unknown, fields: PrefillField[]) => fields.map((f) => ({ id: f.id, label: f.label, value: text(pointer(doc, f.pointer)) }));

/** The request path of a source for this applicant and these answers; null while an answer it needs is missing. */
export function sourcePath(src: PrefillSource, nationalCode: string, answers: Record<string, unknown>): string | null {
  let missing = false;
  const path = src.path.replace(/\{(nationalCode|answers\.([a-zA-Z0-9_]+))\}/g, (_m, _all, field: string | undefined) => {
    if (!field) return encodeURIComponent(nationalCode);
    const v = answers[field];
    if (v === undefined || v === null || v === '') {
      missing = true;
      return '';
    }
    return encodeURIComponent(text(v));
  });
  return missing ? null : path;
}

/**
 * Reads every source whose path can be made now. Sources that need an answer not given yet are left
 * out (they are read again once it is). A registry that refuses or fails stops the application with
 * its reason: an application on data the platform could not read would be decided blind.
 */
export async function readPrefill(reader: RegistryReader, sources: PrefillSource[], nationalCode: string, answers: Record<string, unknown>, now: Date): Promise<PrefilledSource[]> {
  const out: PrefilledSource[] = [];
  for (const src of sources) {
    const path = sourcePath(src, nationalCode, answers);
    if (path === null) continue;
    const r = await reader.get(src.service, path, { userId: nationalCode });
    if (!r.ok) throw new PrefillFailed(src.source, r.error.message, r.status === 404 ? 422 : 502);
    const items = src.list ? pointer(r.data, src.list.pointer) : undefined;
    out.push({
      id: src.id,
      source: src.source,
      fields: read(r.data, src.fields),
      ...(src.list
        ? { items: (Array.isArray(items) ? items : []).map((it, i) => ({ label: `${src.list!.itemLabel.fa} ${i + 1}`, fields: read(it, src.list!.itemFields) })) }
        : {}),
      xroadId: r.xroadId,
      at: now.toISOString(),
    });
  }
  return out;
}
