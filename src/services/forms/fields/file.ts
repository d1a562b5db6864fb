import { fieldError } from '../messages.js';
import { one, type KindSpec } from './common.js';

/**
 * An attachment. The upload itself (content sniffing, size, storage) is the applications module's:
 * it stores the file and hands this field its id, a UUID, under the field's name. Re-posting a page
 * without choosing a new file keeps the one already attached (`{name}-current`).
 */
export const FILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const file: KindSpec = {
  schemaTypes: ['string'],
  inputs: (name) => [name, `${name}-current`],
  parse(name, def, body) {
    const v = (one(body, name).trim() || one(body, `${name}-current`).trim()).toLowerCase();
    if (!v) return {};
    return FILE_ID.test(v) ? { value: v } : { errors: [fieldError(name, def, 'file_id')] };
  },
  check: (name, def, v) => (typeof v === 'string' && FILE_ID.test(v) ? null : [fieldError(name, def, 'file_id')]),
};
