import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A one-time message carried from a POST to the page it redirects to (post/redirect/get): a new key
 * or secret to show once, or "submitted for review". It travels in a short-lived, httpOnly cookie,
 * encrypted and authenticated (AES-256-GCM), never in the address, so it is not in history, logs or
 * a Referer. The page that shows it clears the cookie: a refresh finds nothing and says so.
 *
 * The encryption key is derived from the cookie-signing secret every node shares (an HMAC of a fixed
 * label under that secret, via @fastify/cookie's signer), so any node can open what another sealed.
 */

const LIFETIME_SECONDS = 300;

function keyOf(reply: FastifyReply): Buffer {
  return createHash('sha256').update(reply.signCookie('panjareh-flash-key-v1')).digest();
}

/** Seals `value` into cookie `name` for `path` (the page that will show it). */
export function setFlash(reply: FastifyReply, name: string, path: string, value: unknown, secure: boolean): void {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(reply), iv);
  // The cookie's name and path are bound in, so a sealed value cannot be replayed under another.
  cipher.setAAD(Buffer.from(`${name}|${path}`));
  const body = Buffer.concat([cipher.update(JSON.stringify({ v: value, exp: Date.now() + LIFETIME_SECONDS * 1000 }), 'utf8'), cipher.final()]);
  const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  reply.setCookie(name, sealed, { path, httpOnly: true, sameSite: 'lax', secure, maxAge: LIFETIME_SECONDS });
}

/** Opens and clears cookie `name`: the value once, then undefined (also when forged, stale or absent). */
export function takeFlash<T>(req: FastifyRequest, reply: FastifyReply, name: string, path: string): T | undefined {
  const raw = req.cookies[name];
  if (!raw) return undefined;
  reply.clearCookie(name, { path });
  try {
    const buf = Buffer.from(raw, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', keyOf(reply), buf.subarray(0, 12));
    decipher.setAAD(Buffer.from(`${name}|${path}`));
    decipher.setAuthTag(buf.subarray(12, 28));
    const parsed = JSON.parse(Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString('utf8')) as { v: T; exp: number };
    return parsed.exp > Date.now() ? parsed.v : undefined;
  } catch {
    return undefined;
  }
}
