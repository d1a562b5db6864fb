import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

/**
 * multipart/form-data (a form with a file, sent by a browser without JavaScript, or an API client's
 * upload), read through @fastify/multipart (busboy) with limits a caller sets per request: how many
 * files and fields, how large each may be. The whole form is read into memory, so the limits are also
 * the memory one request can take; a body whose declared length is over the budget is refused before
 * a byte of it is read. One reader for the whole site: the console's upload, the application pages
 * and the citizen API's files.
 */

export interface MultipartLimits {
  /** Files accepted (0: none; a file then is a problem, `too_many_files`). */
  files: number;
  /** The largest file, in bytes; a larger one is read only up to this and marked `truncated`. */
  fileBytes: number;
  /** Text fields accepted (50 by default). */
  fields?: number;
  /** The longest text field, in bytes (64 KiB by default). */
  fieldBytes?: number;
  /** The largest body as declared by Content-Length; by default each file with its part's headers, and the text fields. */
  totalBytes?: number;
}

export interface UploadedFile {
  /** The form field the file came in. */
  field: string;
  /** The name the client gave it (a path's last part), for display only. */
  filename: string;
  bytes: Buffer;
  /** Larger than `fileBytes`: `bytes` holds only the first `fileBytes`. */
  truncated: boolean;
}

export interface MultipartForm {
  /** Text fields; a repeated name becomes an array, as @fastify/formbody gives them. */
  fields: Record<string, string | string[]>;
  /** Files, in the order sent; an empty file input (no file chosen) is left out. */
  files: UploadedFile[];
  /**
   * Why the form was not read to its end (413: `upload_too_large`, `too_many_files`,
   * `too_many_fields`, `field_too_large`); `fields` and `files` then hold what came before.
   */
  problem: AppError | null;
}

const DEFAULT_FIELDS = 50;
const DEFAULT_FIELD_BYTES = 64 * 1024;
/** Headers and boundaries of one part, generously. */
const PART_OVERHEAD = 16 * 1024;
/** The text fields of a form together, as a urlencoded form may be (src/web/index.ts, formbody). */
const FIELDS_BUDGET = 256 * 1024;

/**
 * Lets the routes of this plugin scope (not its parent) read multipart forms with `readMultipart`;
 * await it, or leave it to load in order with the scope's other plugins.
 */
export function acceptMultipartForms(scope: FastifyInstance) {
  // Limits are given per request; these only hold should a route read parts itself.
  return scope.register(multipart, { throwFileSizeLimit: false, limits: { files: 0, fileSize: 0, fields: DEFAULT_FIELDS, fieldSize: DEFAULT_FIELD_BYTES } });
}

/** The largest body a form within these limits needs: each file with its part's headers, and the text fields. */
export function multipartBudget(l: MultipartLimits): number {
  return l.totalBytes ?? l.files * (l.fileBytes + PART_OVERHEAD) + Math.max(FIELDS_BUDGET, l.fieldBytes ?? 0);
}

/** A file name as the HTML standard has browsers write it (`"`, CR and LF as %22, %0D, %0A), back as it was. */
const browserFileName = (name: string) => name.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');

const mb = (bytes: number) => Math.max(1, Math.round(bytes / (1024 * 1024)));
const faDigits = (s: string) => s.replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[Number(d)]!);

/** The body is larger than the form can need. */
export function uploadTooLarge(l: MultipartLimits): AppError {
  const size = mb(l.fileBytes);
  return new AppError(
    413,
    'upload_too_large',
    l.files > 0
      ? { fa: `حجم پرونده‌های فرستاده‌شده بیش از اندازه است؛ هر پرونده حداکثر ${faDigits(String(size))} مگابایت.`, en: `What was sent is too large: each file may be at most ${size} MB.` }
      : { fa: 'حجم فرم فرستاده‌شده بیش از اندازه است.', en: 'What was sent is too large.' },
    { limit: multipartBudget(l) },
  );
}

const tooManyFiles = (l: MultipartLimits) =>
  new AppError(
    413,
    'too_many_files',
    l.files === 0 ? { fa: 'این فرم پرونده‌ای نمی‌پذیرد.', en: 'This form does not take a file.' } : { fa: `حداکثر ${faDigits(String(l.files))} پرونده را می‌توان فرستاد.`, en: `At most ${l.files} ${l.files === 1 ? 'file' : 'files'} can be sent.` },
  );
const tooManyFields = () => new AppError(413, 'too_many_fields', { fa: 'فرم بیش از اندازه خانه دارد.', en: 'The form has too many fields.' });
const fieldTooLarge = (name: string) => new AppError(413, 'field_too_large', { fa: 'یکی از خانه‌های فرم بیش از اندازه بلند است.', en: 'A field of the form is too long.' }, { field: name });
const malformed = () => new AppError(400, 'invalid_multipart', { fa: 'بدنهٔ فرم درست نیست.', en: 'The form body is not valid multipart/form-data.' });

/**
 * Reads a multipart request within `limits` (the scope must have `acceptMultipartForms`). A body
 * declared larger than `multipartBudget(limits)` is not read at all (`problem`: `upload_too_large`);
 * a limit reached while reading stops there (`problem`), keeping what came before; a body that is
 * not multipart, or is malformed, is a 400 AppError. Never a 500 for anything a client sends.
 */
export async function readMultipart(req: FastifyRequest, limits: MultipartLimits): Promise<MultipartForm> {
  const out: MultipartForm = { fields: {}, files: [], problem: null };
  if (!req.isMultipart?.()) throw malformed();
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > multipartBudget(limits)) {
    out.problem = uploadTooLarge(limits);
    return out;
  }
  const fields = limits.fields ?? DEFAULT_FIELDS;
  const add = (name: string, value: string) => {
    const prev = out.fields[name];
    out.fields[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  };
  try {
    const parts = req.parts({ limits: { files: limits.files, fileSize: limits.fileBytes, fields, fieldSize: limits.fieldBytes ?? DEFAULT_FIELD_BYTES, parts: limits.files + fields, headerPairs: 20 } });
    for await (const part of parts) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        // A file input left empty: browsers send it with no name and no content.
        if (!part.filename && bytes.length === 0) continue;
        out.files.push({ field: part.fieldname, filename: browserFileName(part.filename) || 'file', bytes, truncated: part.file.truncated });
      } else {
        if (part.valueTruncated || part.fieldnameTruncated) {
          out.problem = fieldTooLarge(part.fieldname);
          break;
        }
        add(part.fieldname, String(part.value ?? ''));
      }
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'FST_FILES_LIMIT') out.problem = tooManyFiles(limits);
    else if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') out.problem = tooManyFields();
    else if (code === 'FST_REQ_FILE_TOO_LARGE') out.problem = uploadTooLarge(limits);
    else throw malformed();
  }
  return out;
}
