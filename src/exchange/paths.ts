/**
 * Strict validation of the part of a gateway URL that is forwarded upstream: the path after the
 * service id and the query string. X-Road's REST protocol warns of parameter pollution and
 * server-side request forgery; the rules here make sure that what the contract check sees is exactly
 * what the upstream will see, whatever URL decoder it uses:
 *
 * - raw characters: RFC 3986 unreserved, sub-delimiters, ":" "@" and "%XX"; nothing else (no
 *   backslash, space, quote, non-ASCII byte). ";" is refused in the path and in the query (servers
 *   that split on it, or take "/..;/" as "/../", see a different request than we checked);
 * - escapes: "%" with two hex digits, decoding to valid UTF-8 and never to a control character
 *   (NUL, CR, LF …), "/", "\", "%" (double encoding), "." or ";" — so "%2e%2e", "%2f", "%5c",
 *   "%252e" and overlong UTF-8 ("%c0%ae") are all refused;
 * - segments: no empty segment ("//"), no "." or ".." segment, none that folds (NFKC) to one of
 *   those or holds "/" or "\" (fullwidth dots and slashes); one trailing "/" is allowed;
 * - bounded lengths and counts.
 * The raw text is forwarded unchanged once it passed, so nothing is re-encoded differently.
 */

export const MAX_PATH_LENGTH = 1024;
export const MAX_QUERY_LENGTH = 2048;
export const MAX_QUERY_PARAMS = 64;

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const PATH_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,=:@/%]*$/;
const QUERY_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,=:@/?%[\]]*$/;
const fatal = new TextDecoder('utf-8', { fatal: true });

/** Percent-decodes one component; `forbidden` lists decoded bytes that are refused. */
function decode(raw: string, forbidden: (byte: number) => boolean, plusIsSpace: boolean): Checked<string> {
  const text = plusIsSpace ? raw.replace(/\+/g, ' ') : raw;
  if (!text.includes('%')) return { ok: true, value: text };
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x25) {
      bytes.push(c);
      continue;
    }
    const hex = text.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return { ok: false, reason: 'a "%" that is not followed by two hexadecimal digits' };
    const b = parseInt(hex, 16);
    if (b < 0x20 || b === 0x7f) return { ok: false, reason: 'an encoded control character (NUL, CR, LF …)' };
    if (forbidden(b)) return { ok: false, reason: `an encoded "${String.fromCharCode(b)}" (%${hex})` };
    bytes.push(b);
    i += 2;
  }
  try {
    return { ok: true, value: fatal.decode(Uint8Array.from(bytes)) };
  } catch {
    return { ok: false, reason: 'percent-encoding that is not valid UTF-8 (overlong or truncated sequences)' };
  }
}

const PATH_FORBIDDEN = (b: number) => b === 0x2f || b === 0x5c || b === 0x25 || b === 0x2e || b === 0x3b;
const QUERY_FORBIDDEN = (b: number) => b === 0x25 || b === 0x3b;

function dangerousSegment(s: string): boolean {
  if (s === '.' || s === '..') return true;
  if (/[^\x20-\x7e]/.test(s)) {
    const folded = s.normalize('NFKC');
    if (folded === '.' || folded === '..' || folded.includes('/') || folded.includes('\\') || /[\u0000-\u001f\u007f]/.test(folded)) return true;
  }
  return false;
}

/**
 * Validates the path after the service id ('' or '/…'); returns its decoded segments (a trailing
 * "/" is dropped there, so "/a/" and "/a" match the same contract patterns).
 */
export function checkPath(raw: string): Checked<string[]> {
  if (raw === '' || raw === '/') return { ok: true, value: [] };
  if (raw.length > MAX_PATH_LENGTH) return { ok: false, reason: `a path longer than ${MAX_PATH_LENGTH} characters` };
  if (raw.charCodeAt(0) !== 0x2f) return { ok: false, reason: 'a path that does not start with "/"' };
  if (!PATH_CHAR.test(raw)) return { ok: false, reason: 'a character that is not allowed in a path (backslash, space, ";", quotes, non-ASCII …)' };
  const parts = raw.split('/');
  parts.shift();
  if (parts[parts.length - 1] === '') parts.pop();
  const segments: string[] = [];
  for (const p of parts) {
    if (p === '') return { ok: false, reason: 'an empty path segment ("//")' };
    const d = decode(p, PATH_FORBIDDEN, false);
    if (!d.ok) return d;
    if (dangerousSegment(d.value)) return { ok: false, reason: 'a "." or ".." path segment' };
    segments.push(d.value);
  }
  return { ok: true, value: segments };
}

export interface QueryParam {
  name: string;
  value: string;
}

/** Validates a raw query string (without "?"); returns the decoded parameters in order. */
export function checkQuery(raw: string): Checked<QueryParam[]> {
  if (raw === '') return { ok: true, value: [] };
  if (raw.length > MAX_QUERY_LENGTH) return { ok: false, reason: `a query longer than ${MAX_QUERY_LENGTH} characters` };
  if (!QUERY_CHAR.test(raw)) return { ok: false, reason: 'a character that is not allowed in a query (";", "#", space, quotes, non-ASCII …)' };
  const out: QueryParam[] = [];
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    if (out.length >= MAX_QUERY_PARAMS) return { ok: false, reason: `more than ${MAX_QUERY_PARAMS} query parameters` };
    const eq = pair.indexOf('=');
    const n = decode(eq < 0 ? pair : pair.slice(0, eq), QUERY_FORBIDDEN, true);
    if (!n.ok) return n;
    const v = decode(eq < 0 ? '' : pair.slice(eq + 1), QUERY_FORBIDDEN, true);
    if (!v.ok) return v;
    if (n.value === '') return { ok: false, reason: 'a query parameter without a name' };
    out.push({ name: n.value, value: v.value });
  }
  return { ok: true, value: out };
}

/** The base name a framework may read a parameter as: `a[]`, `a[0]`, `A` all count as `a`. */
const baseName = (name: string) => name.replace(/\[.*$/, '').normalize('NFKC').toLowerCase();

/**
 * The single value of parameter `name` (the data subject), or why it is ambiguous: it may appear
 * once, and no other parameter may read as it under another spelling (letter case, `name[]`).
 * Null when absent.
 */
export function singleParam(params: QueryParam[], name: string): Checked<string | null> {
  const want = name.normalize('NFKC').toLowerCase();
  let found: string | null = null;
  let count = 0;
  for (const p of params) {
    if (baseName(p.name) !== want) continue;
    count++;
    if (p.name !== name) return { ok: false, reason: `a parameter that could be read as "${name}" ("${p.name}")` };
    found = p.value;
  }
  if (count > 1) return { ok: false, reason: `the parameter "${name}" more than once (parameter pollution)` };
  return { ok: true, value: found };
}

/** The query as recorded in the audit log: names kept, values dropped. */
export function queryNamesOnly(params: QueryParam[]): string {
  return params.length === 0 ? '' : `?${params.map((p) => `${encodeURIComponent(p.name)}=`).join('&')}`;
}
