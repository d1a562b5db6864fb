import { createHash, randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { systemClock, type Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { FileTables } from './migrations.js';
import { EXTENSIONS, sniffMediaType, type AttachmentMediaType } from './sniff.js';

/** The largest attachment accepted: 5 MB. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

export interface StoredFileMeta {
  id: string;
  owner: string;
  /** The uploaded name, cleaned: for display only. */
  name: string;
  mediaType: AttachmentMediaType;
  size: number;
  sha256: string;
  createdAt: string;
}

export interface StoredFile extends StoredFileMeta {
  bytes: Buffer;
}

type Executor = Kysely<any> | Transaction<any>;

const TYPE_NAMES: Record<AttachmentMediaType, { fa: string; en: string }> = {
  'application/pdf': { fa: 'سند PDF', en: 'a PDF document' },
  'image/jpeg': { fa: 'تصویر JPEG', en: 'a JPEG image' },
  'image/png': { fa: 'تصویر PNG', en: 'a PNG image' },
};

/**
 * Attachments, kept in the database with their metadata, so every node reads them. Only PDF, JPEG and PNG
 * are accepted, recognised by their content; the uploaded name is kept, cleaned, for display. Who may
 * read a file is the caller's rule: this store hands out any file by its id.
 */
export class FileStore {
  private readonly db: Kysely<FileTables>;
  private readonly clock: Clock;

  constructor(db: Kysely<any>, opts: { clock?: Clock } = {}) {
    this.db = db as Kysely<FileTables>;
    this.clock = opts.clock ?? systemClock;
  }

  /**
   * Checks and stores a file; give the caller's transaction as `executor` to store it with the change
   * that refers to it. Refuses (AppError) an empty file (400 `file_empty`), one over MAX_FILE_BYTES (413
   * `file_too_large`), content that is not PDF, JPEG or PNG, or a name whose extension says another type
   * than the content is (400 `file_type`).
   */
  async put(executor: Executor, file: { bytes: Uint8Array; name: string; owner: string }): Promise<StoredFileMeta> {
    const { bytes } = file;
    if (bytes.length === 0) throw new AppError(400, 'file_empty', { fa: 'فایل خالی است.', en: 'The file is empty.' });
    if (bytes.length > MAX_FILE_BYTES) {
      throw new AppError(413, 'file_too_large', { fa: 'فایل بزرگ‌تر از ۵ مگابایت است.', en: 'The file is larger than 5 MB.' }, { size: bytes.length, max: MAX_FILE_BYTES });
    }
    const mediaType = sniffMediaType(bytes);
    if (!mediaType) {
      throw new AppError(400, 'file_type', { fa: 'فقط فایل PDF، JPEG یا PNG پذیرفته می‌شود.', en: 'Only PDF, JPEG or PNG files are accepted.' });
    }
    const name = cleanFileName(file.name);
    const ext = extensionOf(name);
    if (ext && !EXTENSIONS[mediaType].includes(ext)) {
      const what = TYPE_NAMES[mediaType];
      throw new AppError(
        400,
        'file_type',
        { fa: `نام فایل به «.${ext}» ختم می‌شود اما محتوای آن ${what.fa} است.`, en: `The file's name ends in .${ext} but its content is ${what.en}.` },
        { detected: mediaType, extension: ext },
      );
    }
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const meta: StoredFileMeta = {
      id: randomUUID(),
      owner: file.owner,
      name,
      mediaType,
      size: buffer.length,
      sha256: createHash('sha256').update(buffer).digest('hex'),
      createdAt: this.clock.nowIso(),
    };
    await (executor as Kysely<FileTables>)
      .insertInto('stored_files')
      .values({ id: meta.id, owner: meta.owner, name: meta.name, media_type: meta.mediaType, size: meta.size, sha256: meta.sha256, created_at: meta.createdAt, bytes: buffer })
      .execute();
    return meta;
  }

  /** The file with its bytes, or null. */
  async get(id: string, executor: Executor = this.db): Promise<StoredFile | null> {
    const row = await (executor as Kysely<FileTables>).selectFrom('stored_files').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { ...toMeta(row), bytes: Buffer.from(row.bytes) } : null;
  }

  /** The file's metadata without its bytes, or null. */
  async meta(id: string, executor: Executor = this.db): Promise<StoredFileMeta | null> {
    const row = await (executor as Kysely<FileTables>)
      .selectFrom('stored_files')
      .select(['id', 'owner', 'name', 'media_type', 'size', 'sha256', 'created_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toMeta(row) : null;
  }

  /** The metadata of an owner's files, oldest first. */
  async list(owner: string, executor: Executor = this.db): Promise<StoredFileMeta[]> {
    const rows = await (executor as Kysely<FileTables>)
      .selectFrom('stored_files')
      .select(['id', 'owner', 'name', 'media_type', 'size', 'sha256', 'created_at'])
      .where('owner', '=', owner)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toMeta);
  }

  /**
   * The metadata of files whose owner begins with `ownerPrefix` and that were stored before `before`
   * (ISO 8601), oldest first, at most `limit`, after the file `after` when given (keyset paging): the
   * candidates of a clean-up. The prefix is read as an index range on the owner, not a LIKE, so it
   * costs the same on both databases.
   */
  async storedBefore(ownerPrefix: string, before: string, limit: number, after?: { createdAt: string; id: string }, executor: Executor = this.db): Promise<StoredFileMeta[]> {
    // Every owner that begins with the prefix sorts from the prefix up to the prefix with its last character moved one on.
    const end = ownerPrefix.slice(0, -1) + String.fromCharCode(ownerPrefix.charCodeAt(ownerPrefix.length - 1) + 1);
    let q = (executor as Kysely<FileTables>)
      .selectFrom('stored_files')
      .select(['id', 'owner', 'name', 'media_type', 'size', 'sha256', 'created_at'])
      .where('owner', '>=', ownerPrefix)
      .where('owner', '<', end)
      .where('created_at', '<', before);
    if (after) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(after.createdAt, after.id)));
    const rows = await q
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toMeta);
  }

  /** Deletes the file; true when it existed. */
  async remove(id: string, executor: Executor = this.db): Promise<boolean> {
    const r = await (executor as Kysely<FileTables>).deleteFrom('stored_files').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

function toMeta(r: { id: string; owner: string; name: string; media_type: string; size: number; sha256: string; created_at: string }): StoredFileMeta {
  return { id: r.id, owner: r.owner, name: r.name, mediaType: r.media_type as AttachmentMediaType, size: Number(r.size), sha256: r.sha256, createdAt: r.created_at };
}

const MAX_NAME = 120;

/**
 * A name safe to show and to put in a Content-Disposition header: the last part of any path, without
 * control characters or the bidirectional marks that can make `gpj.exe` look like `exe.jpg`, without
 * characters file systems reject, spaces collapsed, no leading dots, at most 120 characters (the
 * extension kept); `file` when nothing is left. Persian letters and the zero-width non-joiner stay.
 */
export function cleanFileName(raw: string): string {
  let s = raw.normalize('NFC');
  s = s.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  s = s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '');
  s = s.replace(/[<>:"|?*]/g, '_');
  s = s.replace(/\s+/g, ' ').trim();
  s = s.replace(/^\.+/, '').trim();
  const chars = Array.from(s);
  if (chars.length > MAX_NAME) {
    const ext = extensionOf(s);
    const tail = ext ? `.${ext}` : '';
    s = chars.slice(0, MAX_NAME - tail.length).join('').trimEnd() + tail;
  }
  return s || 'file';
}

/** The lower-case extension of a name (`report.PDF` → `pdf`), or null when it has none. */
function extensionOf(name: string): string | null {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(name);
  return m && m.index > 0 ? m[1]!.toLowerCase() : null;
}
