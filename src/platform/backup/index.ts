/** Backups of the embedded SQLite database: `panjareh backup` and `panjareh restore` (docs/operations.md, Backups). */
export { backupSqlite, BackupRefused, type BackupResult } from './backup.js';
export { restoreSqlite, RestoreRefused, type RestoreResult } from './restore.js';
export { DATABASE_PART, MANIFEST_NAME, type BackupManifest, type BackupPart } from './manifest.js';
