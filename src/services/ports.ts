import type { Localized, ServiceData } from '../catalog/index.js';
import type { FieldDefinition } from './forms/index.js';
import type { Executor } from './store.js';

/**
 * What online applications need from other capabilities, as narrow interfaces: the composition
 * (src/app.ts) passes the platform's clock, calendar, jobs, payments, documents and messages.
 */

export interface Clock {
  now(): Date;
}

/** The working days of one moment's holiday table. */
export interface WorkingDaySnapshot {
  /** The end of the n-th working day after `from`: a legal deadline. */
  addWorkingDays(from: Date, n: number): Date;
  /** Working days left from `now` to `deadline` (0 when passed): a paused deadline keeps them. */
  remainingWorkingDays(now: Date, deadline: Date): number;
}

export interface WorkingDayCalendar {
  /** The holiday table now; inside a transaction, read through `executor` (SQLite has one connection). */
  calendar(executor?: Executor): Promise<WorkingDaySnapshot>;
}

export interface JobScheduler {
  schedule(executor: Executor, kind: string, payload: unknown, opts: { runAt: Date; key?: string }): Promise<string>;
  cancel(executor: Executor, kind: string, key: string): Promise<boolean>;
}

/** A service's definition as approved: the live version for new applications, the applied one after. */
export interface Definitions {
  /** Inside a transaction, read through `executor` (SQLite has one connection). */
  version(code: string, version?: number, executor?: Executor): Promise<{ data: ServiceData; version: number } | null>;
  organizationName(code: string): Localized | undefined;
}

export interface DocumentIssuer {
  issue(
    executor: Executor,
    input: {
      type: string;
      title: Localized;
      organization: { code: string; name: Localized };
      holder: { nationalCode: string; name: Localized };
      fields: Array<{ label: Localized; value: string }>;
      validDays?: number | null;
      applicationId?: string;
    },
  ): Promise<{ id: string }>;
}

export interface Refunds {
  /** Refunds the verified payment of an application, if it has one; false when there was none. */
  refundFor(reference: string, reason: Localized): Promise<boolean>;
}

/** The forms engine (src/services/forms), as applications use it. */
export interface FormEngine {
  /** Every problem of a form definition, with its path inside the form. */
  check(form: unknown): Array<{ path: string; reason: string }>;
  /** The names of a (valid) form's fields. */
  fields(form: unknown): string[];
  /** A (valid) form's file fields (attachments), by name; without it, a form is taken to have none. */
  fileFields?(form: unknown): Record<string, FieldDefinition>;
  /**
   * Every problem of a whole set of answers at once; answers on pages hidden by a condition are
   * dropped from `answers`, unknown fields are problems.
   */
  validate(form: unknown, answers: Record<string, unknown>): { answers: Record<string, unknown>; errors: Array<{ field: string; code: string; message: Localized }> };
}

/**
 * Stored attachments (src/platform/files' FileStore): checked by content, kept in the database, handed
 * out by id to whoever the caller allows. `put` with the caller's transaction stores the file with the
 * change that refers to it.
 */
export interface AttachmentStore {
  put(executor: Executor, file: { bytes: Uint8Array; name: string; owner: string }): Promise<AttachmentMeta>;
  get(id: string, executor?: Executor): Promise<(AttachmentMeta & { bytes: Buffer }) | null>;
  meta(id: string, executor?: Executor): Promise<AttachmentMeta | null>;
  list(owner: string, executor?: Executor): Promise<AttachmentMeta[]>;
  storedBefore(ownerPrefix: string, before: string, limit: number, after?: { createdAt: string; id: string }): Promise<AttachmentMeta[]>;
  remove(id: string, executor?: Executor): Promise<boolean>;
}

export interface AttachmentMeta {
  id: string;
  /** Who it belongs to: `application:{id}` (uploaded on a page of that draft) or `person:{nationalCode}` (through the API). */
  owner: string;
  /** The uploaded name, cleaned: for display only. */
  name: string;
  /** As recognised from the content: application/pdf, image/jpeg or image/png. */
  mediaType: string;
  size: number;
  /** When it was stored (ISO 8601). */
  createdAt: string;
}
