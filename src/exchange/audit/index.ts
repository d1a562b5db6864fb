import type { Kysely } from 'kysely';
import type { KeyStore } from '../../platform/keys.js';
import { accessesOf, auditStats, type AccessOptions, type StatsDimension } from './stats.js';
import type { AuditDb } from './store.js';
import { verifyAuditLog } from './verify.js';

/**
 * The exchange's audit log: every call through the gateway, hash-chained per node, sealed with the
 * platform's audit-seal key, written by group commit before the response leaves. See README.md
 * ("Exchange audit log").
 */
export type { ExchangeAuditRecord } from './record.js';
export { ExchangeAuditLog, type ExchangeAuditLogOptions, type AuditWriterMetrics, type AuditLogObserver } from './log.js';
export { exchangeAuditMigrations } from './migrations.js';
export { AUDIT_SEAL_KEY_KEEP_SECONDS, SEAL_PURPOSE, rotateAuditSealKey } from './seal.js';
export type { VerifyResult, AuditProblem } from './verify.js';
export type { AuditStats, StatsRow, StatsDimension, AccessOptions, AccessRecord } from './stats.js';
export { archiveAuditLog, type ArchiveOptions, type ArchiveResult, type ArchivedFile } from './archive.js';
export { auditSealKeys, verifyArchiveFile, verifyArchiveFiles, type ArchiveFileReport } from './archive-file.js';
export { AUDIT_PARTITIONS_JOB, ensureCurrentPartitions, listPartitions, registerAuditPartitionsJob, type AuditPartition } from './partitions.js';

/** Reading the log without writing to it: `audit verify`, `audit stats`, the data tracker. */
export class ExchangeAuditReader {
  private readonly db: AuditDb;

  constructor(
    db: Kysely<any>,
    private readonly keys: KeyStore,
  ) {
    this.db = db as AuditDb;
  }

  verify(opts?: { pageSize?: number }) {
    return verifyAuditLog(this.db, this.keys, opts);
  }

  stats(opts: { since: Date | string; until?: Date | string; by?: StatsDimension[] }) {
    return auditStats(this.db, opts);
  }

  accessesOf(subject: string, opts?: AccessOptions) {
    return accessesOf(this.db, subject, opts);
  }
}
