import { AppError } from '../platform/errors.js';
import type { Delivered } from './applications.js';
import { draftFiles, fileProblemCode, PENDING_UPLOAD, personFiles, type Upload } from './attachments.js';
import { fieldError, type FieldDefinition, type FieldError } from './forms/index.js';
import type { Applicant, Application } from './model.js';
import type { AttachmentMeta, AttachmentStore, FormEngine } from './ports.js';
import type { Executor, ServicesDb } from './store.js';

/**
 * The files of applications (attachments.ts says who may name which): storing a page's uploads with
 * its answers, checking the file ids an answer names, the files an application names and their
 * downloads, and removing what nobody names any more (a replaced file, a purged draft's, an unused
 * upload). Applications owns one (`applications.files`); without a file store, forms cannot take files.
 */
export class ApplicationFiles {
  constructor(
    private readonly db: ServicesDb,
    private readonly files: AttachmentStore | null,
    private readonly forms: FormEngine,
    /** The service at the version an application is made under. */
    private readonly delivered: (code: string, version: number, executor: Executor) => Promise<Delivered>,
  ) {}

  /** Removes the draft's own files that its new answers no longer name (a file replaced or removed on a page). */
  async removeReplaced(trx: Executor, id: string, fileFields: Record<string, FieldDefinition>, before: Record<string, unknown>, after: Record<string, unknown>): Promise<void> {
    if (!this.files) return;
    for (const f of Object.keys(fileFields)) {
      const old = before[f];
      if (typeof old === 'string' && old !== after[f] && (await this.files.meta(old, trx))?.owner === draftFiles(id)) await this.files.remove(old, trx);
    }
  }

  /** A form's file fields, by name, for the service version an application is made under. */
  async fileFieldsOf(code: string, version: number, executor: Executor): Promise<Record<string, FieldDefinition>> {
    if (!this.forms.fileFields) return {};
    const s = await this.delivered(code, version, executor).catch(() => null);
    return s ? this.forms.fileFields(s.delivery.form) : {};
  }

  /** Stores a page's uploads and checks its other file answers (see Applications.saveDraft); the stored ids by field. */
  async store(trx: Executor, applicant: Applicant, id: string, fileFields: Record<string, FieldDefinition>, before: Record<string, unknown>, answers: Record<string, unknown>, uploads: Record<string, Upload>): Promise<Record<string, string>> {
    const errors: FieldError[] = [];
    let status = 400;
    for (const [name, v] of Object.entries(answers)) {
      const def = fileFields[name];
      if (!def || v === undefined || name in uploads || v === before[name]) continue;
      if (v === PENDING_UPLOAD || typeof v !== 'string' || !(await this.fileOf(trx, v, [draftFiles(id), personFiles(applicant.nationalCode)]))) errors.push(fieldError(name, def, 'file_id'));
    }
    const stored: Record<string, string> = {};
    for (const [name, upload] of Object.entries(uploads)) {
      const def = fileFields[name];
      if (!def || !this.files) {
        errors.push({ field: name, code: 'unknown_field', message: { fa: 'این پرسش پرونده نمی‌پذیرد.', en: 'This question does not take a file.' } });
        continue;
      }
      try {
        stored[name] = (await this.files.put(trx, { bytes: upload.bytes, name: upload.name, owner: draftFiles(id) })).id;
      } catch (e) {
        if (!(e instanceof AppError) || e.status >= 500) throw e;
        // The store's own words (they name what the content is), with the field's code.
        errors.push({ field: name, code: fileProblemCode(e.code), message: e.messages });
        status = Math.max(status, e.status);
      }
    }
    if (errors.length) throw new AppError(status, 'invalid_answers', { fa: 'برخی پاسخ‌ها درست نیستند.', en: 'Some answers are not valid.' }, errors);
    return stored;
  }

  /** The stored file, if it belongs to one of `owners`. */
  private async fileOf(executor: Executor, fileId: string, owners: string[]): Promise<AttachmentMeta | null> {
    const meta = this.files && /^[0-9a-f-]{36}$/.test(fileId) ? await this.files.meta(fileId, executor) : null;
    return meta && owners.includes(meta.owner) ? meta : null;
  }

  /** The applicant's file answers that name no file of theirs (the API's answers). */
  async foreignFiles(executor: Executor, applicant: Applicant, s: Delivered, answers: Record<string, unknown>): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    for (const [name, def] of Object.entries(this.forms.fileFields?.(s.delivery.form) ?? {})) {
      const v = answers[name];
      if (v !== undefined && (typeof v !== 'string' || !(await this.fileOf(executor, v, [personFiles(applicant.nationalCode)])))) errors.push(fieldError(name, def, 'file_id'));
    }
    return errors;
  }

  /** Stores a file the applicant uploads through the API, theirs to name in their applications. */
  async upload(applicant: Applicant, upload: Upload): Promise<AttachmentMeta> {
    if (!this.files) throw new AppError(503, 'files_not_configured', { fa: 'بارگذاری پرونده در این درگاه راه‌اندازی نشده است.', en: 'File uploads are not configured on this platform.' });
    return this.files.put(this.db, { bytes: upload.bytes, name: upload.name, owner: personFiles(applicant.nationalCode) });
  }

  /** The stored files an application's answers name, by id (a file since removed is left out). */
  async attachments(application: Pick<Application, 'service' | 'serviceVersion' | 'answers'>): Promise<Map<string, AttachmentMeta>> {
    const out = new Map<string, AttachmentMeta>();
    if (!this.files) return out;
    for (const name of Object.keys(await this.fileFieldsOf(application.service, application.serviceVersion, this.db))) {
      const v = application.answers[name];
      const meta = typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v) ? await this.files.meta(v) : null;
      if (meta) out.set(meta.id, meta);
    }
    return out;
  }

  /** A stored file that the application's answers name, with its bytes; null for any other file (whoever reads it sees only these). */
  async namedAttachment(application: Pick<Application, 'service' | 'serviceVersion' | 'answers'>, fileId: string): Promise<(AttachmentMeta & { bytes: Buffer }) | null> {
    const named = await this.attachments(application);
    return named.has(fileId) ? ((await this.files?.get(fileId)) ?? null) : null;
  }

  /**
   * Removes files uploaded through the citizen API (`POST /api/v1/files`) before `before` that none of
   * their owner's applications names: an upload that was never used is kept as long as a draft, then
   * goes. Returns how many were removed. Each file is checked against its owner's applications alone
   * (their index), in batches, so the purge costs what the unused files cost, not the table.
   */
  async removeUnusedUploads(before: string, batch = 500): Promise<number> {
    if (!this.files) return 0;
    let removed = 0;
    let after: { createdAt: string; id: string } | undefined;
    for (;;) {
      const candidates = await this.files.storedBefore(personFiles(''), before, batch, after);
      for (const f of candidates) {
        const nationalCode = f.owner.slice(personFiles('').length);
        const named = await this.db
          .selectFrom('applications')
          .select('id')
          .where('applicant', '=', nationalCode)
          // A file id is a UUID (hex digits and dashes): nothing in it is special to LIKE.
          .where('answers', 'like', `%"${f.id}"%`)
          .limit(1)
          .executeTakeFirst();
        if (!named && (await this.files.remove(f.id))) removed++;
      }
      if (candidates.length < batch) return removed;
      after = candidates[candidates.length - 1]!;
    }
  }

  /** Removes the files of drafts about to be deleted (the daily purge). */
  async removeDraftFiles(executor: Executor, ids: string[]): Promise<void> {
    if (!this.files) return;
    for (const id of ids) for (const f of await this.files.list(draftFiles(id), executor)) await this.files.remove(f.id, executor);
  }
}
