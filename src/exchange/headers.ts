import type { IncomingHttpHeaders } from 'node:http';

/**
 * Which headers cross the gateway. To the upstream: the consumer's own headers, minus hop-by-hop
 * headers (and any the Connection header names), its credentials and cookies, forwarding headers,
 * the consent token, and every X-Road header except X-Road-UserId and X-Road-Issue — the gateway
 * sets X-Road-Client, X-Road-Id and X-Road-Service itself from what it checked. Back to the
 * consumer: the upstream's headers minus hop-by-hop headers, cookies and X-Road headers (the
 * gateway's own are added). A value that is not printable ASCII is refused (header injection).
 */

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings'];
const TO_UPSTREAM_DROP = new Set([
  ...HOP_BY_HOP,
  'host',
  'authorization',
  'cookie',
  'expect',
  'content-length',
  'user-agent',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'x-panjareh-consent',
  'x-panjareh-consent-id',
  // Only the gateway asks an agency whose data an identifier names (subjects.ts); a client cannot pose as it.
  'x-panjareh-subject-lookup',
]);
const X_ROAD_PASSED = new Set(['x-road-userid', 'x-road-issue']);
const TO_CLIENT_DROP = new Set([...HOP_BY_HOP, 'content-length', 'set-cookie', 'set-cookie2', 'server', 'date', 'x-panjareh-consent-id']);
const PRINTABLE = /^[\t\x20-\x7e]*$/;

/** The headers to send upstream, or the name of the first header whose value is not printable ASCII. */
export function upstreamHeaders(h: IncomingHttpHeaders, add: Record<string, string>): { headers: Record<string, string> } | { bad: string } {
  const out: Record<string, string> = {};
  // Headers the Connection header names are hop-by-hop too (RFC 9110 7.6.1).
  const conn = h.connection;
  const named = typeof conn === 'string' && conn !== 'keep-alive' && conn !== 'close' ? new Set(conn.toLowerCase().split(',').map((s) => s.trim())) : null;
  for (const name in h) {
    const v = h[name];
    if (v === undefined || TO_UPSTREAM_DROP.has(name) || (named && named.has(name))) continue;
    if (name.startsWith('x-road-') && !X_ROAD_PASSED.has(name)) continue;
    const value = Array.isArray(v) ? v.join(', ') : v;
    if (!PRINTABLE.test(value)) return { bad: name };
    out[name] = value;
  }
  for (const k in add) out[k] = add[k]!;
  return { headers: out };
}

/** The upstream's response headers the consumer may see. */
export function clientHeaders(h: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in h) {
    const v = h[name];
    if (v === undefined || TO_CLIENT_DROP.has(name) || name.startsWith('x-road-')) continue;
    if (Array.isArray(v) ? v.some((x) => !PRINTABLE.test(x)) : !PRINTABLE.test(v)) continue;
    out[name] = v;
  }
  return out;
}
