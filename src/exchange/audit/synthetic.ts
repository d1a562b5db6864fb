import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { KeyStore } from '../../platform/keys.js';
import { ensurePartitionsFor, monthKey } from './partitions.js';
import { chainBatch, GENESIS, toFields, type AuditRow, type ExchangeAuditRecord, type RecordFields } from './record.js';
import { makeSeal } from './seal.js';
import { insertRows, personRows, registerChain, type AuditDb, type SealRow } from './store.js';

/**
 * Valid chains written in bulk, for the archive's benchmark and tests: records with the times they
 * are given (a month ago, a year ago), chained and sealed exactly as the log does it, each seal dated
 * at its head record (as if the log had sealed them then), inserted a few thousand at a time without
 * the log's group commit. Not for production use: nothing checks that another process writes the chain.
 */

const EMPTY = createHash('sha256').digest('hex');

export interface SyntheticChain {
  chain: string;
  count: number;
  /** The time of record i (0-based), ISO. */
  at: (i: number) => string;
  /** A seal after every this many records (default 5,000, the log's), and after the last. */
  sealEvery?: number;
  /** Overrides of record i (a subject, people…). */
  record?: (i: number) => Partial<ExchangeAuditRecord>;
  /** Rows per transaction (default 2,000). */
  chunk?: number;
  /** PostgreSQL: the log's tables as an earlier version made them (no partitions, no head row): inserts only. */
  unpartitioned?: boolean;
}

export function syntheticRecord(i: number, at: string, over: Partial<ExchangeAuditRecord> = {}): ExchangeAuditRecord {
  return {
    id: `0190b8a0-0000-7000-8000-${String(i).padStart(12, '0')}`,
    at,
    client: i % 3 === 0 ? 'IR/COM/10100000001/kyc' : 'IR/GOV/POLICE/fines',
    service: i % 2 === 0 ? 'IR/GOV/NOCR/registry/person' : 'IR/GOV/POST/address/lookup',
    method: 'GET',
    path: '/people/{id}',
    subject: null,
    consentId: null,
    legalBasis: 'Portal',
    status: i % 50 === 49 ? 503 : 200,
    errorType: i % 50 === 49 ? 'Server.ServerProxy.ServiceFailed' : null,
    latencyMs: (i % 200) / 10,
    requestBytes: 0,
    responseBytes: 300 + (i % 700),
    requestHash: EMPTY,
    responseHash: EMPTY,
    ...over,
  };
}

/** Appends `count` records to a chain (continuing it from `head` when given); returns the new head. */
export async function writeSyntheticChain(db: Kysely<any>, dialect: 'sqlite' | 'postgres', keys: KeyStore, o: SyntheticChain, head = { seq: 0, hash: GENESIS }): Promise<{ seq: number; hash: string }> {
  const adb = db as AuditDb;
  const sealEvery = o.sealEvery ?? 5000;
  const chunk = o.chunk ?? 2000;
  await registerChain(adb, o.chain, o.chain, new Date().toISOString());
  const months = new Set<string>();
  const partitioned = dialect === 'postgres' && !o.unpartitioned;
  // SQLite: prepared statements on a connection of its own to the same file, several times faster than
  // building multi-row INSERTs (an in-memory database has no file: the platform's connection then).
  const file = dialect === 'sqlite' ? (await sql<{ name: string; file: string | null }>`pragma database_list`.execute(db)).rows.find((r) => r.name === 'main')?.file : null;
  const fast = file ? sqliteInserter(file) : null;
  try {
    for (let i = 0; i < o.count; i += chunk) {
      const n = Math.min(chunk, o.count - i);
      const fields: RecordFields[] = [];
      for (let k = 0; k < n; k++) {
        const at = o.at(i + k);
        fields.push(toFields(syntheticRecord(head.seq + k + 1, at, o.record?.(i + k))));
        if (partitioned) months.add(monthKey(at));
      }
      if (partitioned) await ensurePartitionsFor(db, [...months].map((m) => `${m}-01T00:00:00.000Z`));
      months.clear();
      const { rows, top } = chainBatch(o.chain, head, fields, 'rows');
      const seals: SealRow[] = [];
      for (const r of rows) {
        const seq = Number(r.seq);
        if (seq % sealEvery === 0 || (i + n === o.count && seq === top.seq)) seals.push(await makeSeal(keys, o.chain, seq, r.hash, r.at));
      }
      if (fast) fast(rows, seals);
      else {
        await adb.transaction().execute(async (tx) => {
          await insertRows(tx, rows, dialect);
          for (const s of seals) await tx.insertInto('exchange_audit_seals').values(s).execute();
        });
      }
      head = top;
    }
  } finally {
    fast?.close();
  }
  // The head the log's inserts are guarded by (PostgreSQL, store.ts).
  if (partitioned) await sql`update exchange_audit_chains set head_seq = ${head.seq} where chain_id = ${o.chain}`.execute(db);
  return head;
}

const COLUMNS = ['chain_id', 'seq', 'id', 'at', 'client', 'service', 'provider', 'method', 'path', 'subject', 'consent_id', 'legal_basis', 'status', 'error_type', 'persons', 'latency_us', 'request_bytes', 'response_bytes', 'request_hash', 'response_hash', 'prev_hash', 'hash'] as const;
const SEAL_COLUMNS = ['chain_id', 'seq', 'head_hash', 'at', 'kid', 'jws'] as const;

/** Inserts a chunk of rows, their tracker index and seals in one transaction of a second connection to `file`. */
function sqliteInserter(file: string): ((rows: AuditRow[], seals: SealRow[]) => void) & { close(): void } {
  const conn = new Database(file);
  conn.pragma('busy_timeout = 5000');
  const marks = (n: number) => `(${new Array(n).fill('?').join(',')})`;
  const row = conn.prepare(`insert into exchange_audit (${COLUMNS.join(',')}) values ${marks(COLUMNS.length)}`);
  const person = conn.prepare('insert into exchange_audit_persons (person, at, chain_id, seq) values (?, ?, ?, ?)');
  const seal = conn.prepare(`insert into exchange_audit_seals (${SEAL_COLUMNS.join(',')}) values ${marks(SEAL_COLUMNS.length)}`);
  const store = conn.transaction((rows: AuditRow[], seals: SealRow[]) => {
    for (const r of rows) row.run(COLUMNS.map((c) => r[c]));
    for (const p of personRows(rows)) person.run(p.person, p.at, p.chain_id, p.seq);
    for (const s of seals) seal.run(SEAL_COLUMNS.map((c) => s[c]));
  });
  return Object.assign((rows: AuditRow[], seals: SealRow[]) => void store(rows, seals), { close: () => conn.close() });
}
