import type { FastifyInstance } from 'fastify';
import { invalid } from '../../platform/errors.js';

/**
 * A small multipart/form-data reader for the console's one upload (an OpenAPI document), so a
 * browser without JavaScript can send a file. Text fields and files both become strings (files are
 * read as UTF-8; only JSON is accepted anyway). Whole body in memory, under a hard size limit.
 */

export const MULTIPART_LIMIT = 3 * 1024 * 1024;
const MAX_PARTS = 100;
const CRLF2 = Buffer.from('\r\n\r\n');

const bad = () => invalid('invalid_multipart', 'بدنهٔ فرم درست نیست.', 'The form body is not valid multipart/form-data.');

export function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** Parses a multipart body into field name → value (repeated names become arrays; empty file inputs are dropped). */
export function parseMultipart(body: Buffer, boundary: string): Record<string, string | string[]> {
  const delimiter = Buffer.from(`--${boundary}`);
  const out: Record<string, string | string[]> = {};
  let at = body.indexOf(delimiter);
  if (at !== 0) throw bad();
  for (let parts = 0; ; parts++) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return out; // the closing delimiter
    if (body.subarray(at, at + 2).toString() !== '\r\n' || parts >= MAX_PARTS) throw bad();
    const headEnd = body.indexOf(CRLF2, at + 2);
    if (headEnd < 0) throw bad();
    const head = body.subarray(at + 2, headEnd).toString('utf8');
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd + 4);
    if (next < 0) throw bad();
    const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(head)?.[1] ?? '';
    const name = /(?:^|;)\s*name="([^"]{1,100})"/i.exec(disposition)?.[1];
    if (!name) throw bad();
    const isFile = /(?:^|;)\s*filename="/i.test(disposition);
    const value = body.subarray(headEnd + 4, next).toString('utf8');
    if (!(isFile && value === '')) {
      const prev = out[name];
      out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    at = next + 2;
  }
}

/** Lets the routes of this plugin scope accept multipart forms (the console is one encapsulated plugin). */
export function acceptMultipart(app: FastifyInstance): void {
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: MULTIPART_LIMIT }, (req, body, done) => {
    const boundary = boundaryOf(String(req.headers['content-type'] ?? ''));
    if (!boundary) return done(bad(), undefined);
    try {
      done(null, parseMultipart(body as Buffer, boundary));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}
