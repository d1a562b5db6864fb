import { MAX_FILE_BYTES, sniffMediaType } from '../platform/files/index.js';
import { fieldError, type FieldDefinition, type FieldError } from './forms/index.js';

/**
 * Attachments of applications: the answer to a form's `file` field is the id of a stored file
 * (src/platform/files). Who a file belongs to decides where it may be used: a file uploaded on a page
 * of a draft belongs to that draft (`application:{id}`) and may be kept only there; a file uploaded
 * through the citizen API (`POST /api/v1/files`) belongs to the person (`person:{nationalCode}`) and
 * may be named in that person's own applications. A file id from anyone else is refused as "not found".
 */

/** The largest attachment, in bytes (the file store's limit: 5 MB). */
export const MAX_ATTACHMENT_BYTES = MAX_FILE_BYTES;

export const draftFiles = (applicationId: string): string => `application:${applicationId}`;
export const personFiles = (nationalCode: string): string => `person:${nationalCode}`;

/**
 * The answer a page gives a file field while its new upload is being stored with the page
 * (Applications.saveDraft replaces it with the stored file's id); never a saved answer.
 */
export const PENDING_UPLOAD = '00000000-0000-4000-8000-000000000000';

/** A file as it arrived. */
export interface Upload {
  /** The name the client gave it, for display only. */
  name: string;
  bytes: Uint8Array;
  /** Larger than the reader accepted: only its start was read. */
  truncated?: boolean;
}

/**
 * What is wrong with an upload for a file field, checked before anything is stored, so every
 * problem of the page is told at once: over 5 MB, empty, or content that is not PDF, JPEG or PNG or
 * not among the field's `accept` (whatever the file's name says). The file store checks again when
 * it stores the file, with the name's extension too.
 */
export function uploadProblem(name: string, def: FieldDefinition, upload: Upload): FieldError | null {
  if (upload.truncated || upload.bytes.length > MAX_ATTACHMENT_BYTES) return fieldError(name, def, 'file_too_large', { limit: MAX_ATTACHMENT_BYTES / (1024 * 1024) });
  if (upload.bytes.length === 0) return fieldError(name, def, 'file_empty');
  const type = sniffMediaType(upload.bytes);
  if (!type || (def.accept?.length && !def.accept.includes(type))) return fieldError(name, def, 'file_type', { types: def.accept });
  return null;
}

/** The file-store refusal of an upload (AppError code) as the field's problem code. */
export const fileProblemCode = (code: string): FieldError['code'] =>
  code === 'file_too_large' ? 'file_too_large' : code === 'file_empty' ? 'file_empty' : code === 'file_type' ? 'file_type' : 'invalid';
