import type { DefinitionError, FieldDefinition, FieldError, JsonSchema } from '../model.js';

/** A urlencoded POST as Fastify's formbody gives it: a repeated name arrives as an array. */
export type PostBody = Record<string, string | string[] | undefined>;

/** What one field made of a post: its answer (absent when left empty) or its problems. */
export interface Parsed {
  value?: unknown;
  errors?: FieldError[];
}

/**
 * What each kind of field knows: the JSON types its answer may have in the schema, the inputs it
 * posts, how to read them, and the checks beyond the schema (a national code's check digit, a real
 * date) that apply to answers from the API as much as from pages.
 */
export interface KindSpec {
  schemaTypes: ReadonlyArray<'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object'>;
  /** The names this field's inputs post under, the first being the one an error links to. */
  inputs(name: string, def: FieldDefinition): string[];
  parse(name: string, def: FieldDefinition, body: PostBody): Parsed;
  /** A canonical answer's own checks, after the schema's: null when it is fine. */
  check?(name: string, def: FieldDefinition, value: unknown): FieldError[] | null;
  /** Checks of the field's schema beyond its type, with paths under `schemaPath`. */
  checkSchema?(name: string, def: FieldDefinition, prop: JsonSchema, schemaPath: string, defPath: string): DefinitionError[];
}

/** Longer than this, an input is abuse rather than an answer: refused before any other work. */
export const MAX_INPUT = 10_000;

/** One value of an input: the first of a repeated name, '' when absent. */
export function one(body: PostBody, name: string): string {
  const v = body[name];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).toString();
}

/** Every value of an input, absent ones dropped. */
export function many(body: PostBody, name: string): string[] {
  const v = body[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String).filter((s) => s.trim() !== '');
}
