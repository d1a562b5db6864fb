import type { FastifyReply } from 'fastify';

/**
 * Sends a stored attachment as a download: its type as recognised from its content (never what the
 * uploader claimed), `nosniff` so no browser second-guesses it, never cached by shared caches, and
 * its name in Content-Disposition both as a plain ASCII fallback and, for Persian names, in RFC
 * 5987's UTF-8 form: quotes, backslashes, control characters and line breaks cannot reach the header.
 */
export function sendAttachment(reply: FastifyReply, file: { name: string; mediaType: string; bytes: Buffer }): FastifyReply {
  return reply
    .type(file.mediaType)
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff')
    .header('content-disposition', contentDisposition(file.name))
    .send(file.bytes);
}

/** `attachment; filename="…"; filename*=UTF-8''…` for a display name. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_') || 'file';
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
