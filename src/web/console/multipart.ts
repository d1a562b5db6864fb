import type { FastifyInstance } from 'fastify';
import { acceptMultipartForms, readMultipart, uploadTooLarge, type MultipartLimits } from '../../platform/multipart.js';

/**
 * The console's one upload (an OpenAPI document), so a browser without JavaScript can send a file:
 * a multipart form becomes the request's body before validation and the CSRF check, text fields and
 * the file alike as strings (the file read as UTF-8; only JSON is accepted anyway). Read by the
 * site's multipart reader (src/platform/multipart.ts) within a hard size limit.
 */

export const MULTIPART_LIMIT = 3 * 1024 * 1024;
const LIMITS: MultipartLimits = { files: 1, fileBytes: MULTIPART_LIMIT, fields: 100, fieldBytes: MULTIPART_LIMIT, totalBytes: MULTIPART_LIMIT };

/** Lets the routes of this plugin scope accept multipart forms (the console is one encapsulated plugin). */
export function acceptMultipart(app: FastifyInstance): void {
  void acceptMultipartForms(app);
  app.addHook('preValidation', async (req) => {
    if (!req.isMultipart()) return;
    const form = await readMultipart(req, LIMITS);
    if (form.problem) throw form.problem;
    const body: Record<string, string | string[]> = { ...form.fields };
    for (const f of form.files) {
      if (f.truncated) throw uploadTooLarge(LIMITS);
      const value = f.bytes.toString('utf8');
      const prev = body[f.field];
      body[f.field] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    req.body = body;
  });
}
