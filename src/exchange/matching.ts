/**
 * What a contract allows: methods and path patterns, matched against the decoded path segments that
 * `checkPath` returned (so an encoded trick cannot match differently from what the upstream sees).
 *
 * Pattern grammar: "/" followed by segments separated by "/"; a segment is a literal (compared
 * exactly, letter case included), "*" or "{name}" (any one segment), or "**" as the last segment
 * (any number of segments, none included). "/" alone is the service's root only; "/**" is everything.
 * Examples: "/persons/*", "/persons/{nationalCode}/vehicles", "/v1/**".
 */

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export const MAX_PATTERNS = 50;

const LITERAL = /^[^/*{}\u0000-\u001f\u007f\\?#%;]+$/;

/** The pattern's segments, or null if it breaks the grammar. */
export function parsePattern(p: string): string[] | null {
  if (typeof p !== 'string' || p.length === 0 || p.length > 512 || p[0] !== '/') return null;
  if (p === '/') return [];
  const parts = p.slice(1).split('/');
  if (parts.length > 32) return null;
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const s = parts[i]!;
    if (s === '**') {
      if (i !== parts.length - 1) return null;
      out.push('**');
    } else if (s === '*' || /^\{[A-Za-z_][A-Za-z0-9_.-]*\}$/.test(s)) out.push('*');
    else if (LITERAL.test(s) && s !== '.' && s !== '..') out.push(s);
    else return null;
  }
  return out;
}

export function matchPattern(pattern: readonly string[], segments: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === '**') return true;
    if (i >= segments.length) return false;
    if (p !== '*' && p !== segments[i]) return false;
  }
  return pattern.length === segments.length;
}

/** Normalises a method list: upper case, known methods only, no repeats; "*" means all. */
export function parseMethods(list: readonly string[]): HttpMethod[] | null {
  const out = new Set<HttpMethod>();
  for (const raw of list) {
    const m = raw.trim().toUpperCase();
    if (m === '*') return [...HTTP_METHODS];
    if (!(HTTP_METHODS as readonly string[]).includes(m)) return null;
    out.add(m as HttpMethod);
  }
  return out.size ? [...out] : null;
}

export interface ContractRule {
  methods: ReadonlySet<string>;
  patterns: readonly (readonly string[])[];
  /** Epoch milliseconds; null: no expiry. */
  expiresAt: number | null;
}

export type Coverage = 'ok' | 'expired' | 'method' | 'path';

/** Whether `rule` covers this call; the first reason it does not, otherwise. */
export function covers(rule: ContractRule, method: string, segments: readonly string[], now: number): Coverage {
  if (rule.expiresAt !== null && rule.expiresAt <= now) return 'expired';
  if (!rule.methods.has(method)) return 'method';
  for (const p of rule.patterns) if (matchPattern(p, segments)) return 'ok';
  return 'path';
}

/** OpenAPI path templates that name `{name}`, as patterns with the position of that segment. */
export function subjectTemplates(paths: readonly string[], name: string): Array<{ pattern: string[]; index: number }> {
  const out: Array<{ pattern: string[]; index: number }> = [];
  for (const path of paths) {
    const raw = path.slice(1).split('/');
    const index = raw.indexOf(`{${name}}`);
    const pattern = parsePattern(path);
    if (index >= 0 && pattern) out.push({ pattern, index });
  }
  return out;
}

/**
 * The subject named in the path: the segment at the template's position for the first template the
 * path matches. Templates with fewer wildcards win (a literal "/persons/me" before "/persons/{code}").
 */
export function subjectFromPath(templates: ReadonlyArray<{ pattern: readonly string[]; index: number }>, segments: readonly string[]): string | null {
  for (const t of templates) if (matchPattern(t.pattern, segments)) return segments[t.index] ?? null;
  return null;
}
