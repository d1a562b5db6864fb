import { normalizeText } from '../../../platform/text.js';
import { fieldError } from '../messages.js';
import { MAX_INPUT, one, type KindSpec } from './common.js';

/** A line of text: house-normalised (Persian letters, no stray controls), spaces collapsed. */
export const text: KindSpec = {
  schemaTypes: ['string'],
  inputs: (name) => [name],
  parse(name, def, body) {
    const raw = one(body, name);
    if (raw.length > MAX_INPUT) return { errors: [fieldError(name, def, 'too_long', { limit: MAX_INPUT })] };
    const v = normalizeText(raw).replace(/\s+/g, ' ').trim();
    return v ? { value: v } : {};
  },
};

/** Several lines: line breaks kept (as \n), each line's trailing spaces dropped. */
export const textarea: KindSpec = {
  schemaTypes: ['string'],
  inputs: (name) => [name],
  parse(name, def, body) {
    const raw = one(body, name);
    if (raw.length > MAX_INPUT) return { errors: [fieldError(name, def, 'too_long', { limit: MAX_INPUT })] };
    const v = normalizeText(raw)
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .map((l) => l.replace(/[^\S\n]+/g, ' ').trimEnd())
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    return v ? { value: v } : {};
  },
};
