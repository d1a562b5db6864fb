export { FileStore, MAX_FILE_BYTES, cleanFileName, type StoredFile, type StoredFileMeta } from './store.js';
export { fileMigrations, type FileTables } from './migrations.js';
export { sniffMediaType, type AttachmentMediaType } from './sniff.js';
export { contentDisposition, sendAttachment } from './download.js';
