import fs from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { invalid } from '../../platform/errors.js';
import type { KeyStore, SigningKey } from '../../platform/keys.js';
import { ARCHIVE_FORMAT, ArchiveFileWriter, publicJwk, thumbprintOf, type ArchiveHeader, type PublicJwk } from './archive-file.js';
import { ChainCheck } from './chain-check.js';
import { listPartitions, lockPartitions, monthKey, PARENT } from './partitions.js';
import { GENESIS } from './record.js';
import { SEAL_PURPOSE, SealVerifier } from './seal.js';
import { allChains, checkpoints, recordsOf, sealsOf, type ArchivedRow, type AuditDb, type SealRow } from './store.js';

/**
 * `audit archive`: moves the sealed beginning of every chain, up to a date, out of the database into
 * signed archive files (archive-file.ts), then removes those rows, keeping each chain's continuity
 * through a checkpoint (`exchange_audit_archived`: the last archived record's sequence number, hash
 * and seal, and the file that holds it), so that `audit verify` on the database checks that the
 * first record kept links to the archive's last seal.
 *
 * Where each chain is cut. A chain is archived as a prefix ending at a seal (the part after the last
 * seal cannot be proved yet). `at` is a call's arrival, and records enter the chain when their call
 * ends, so a slow call that arrived before the date can be chained after records of calls that
 * arrived after it. The cut is the last seal whose record arrived before `before + margin` (margin: 15
 * minutes, longer than any call may take): every record that arrived before the date is then at or
 * before the cut, in any interleaving, and the archive also takes the first minutes after the date.
 * So a month's partition is wholly archived once the next month has begun, and can be dropped.
 *
 * Streamed: records are read a page at a time by keyset and written through gzip with back-pressure,
 * so memory does not grow with the period. Each record and seal is verified as it is written; a chain
 * that does not verify is not archived (its files of this run are removed, its rows stay) and is
 * reported. Rows are removed only after the files are on disk and the checkpoint is committed: on
 * PostgreSQL a past month's partition holding only archived rows is dropped whole; other rows (SQLite,
 * and on PostgreSQL the first minutes of the next month, or a month a slow call kept) are deleted a
 * batch at a time. A run stopped half way leaves no finished-looking file and is simply run again;
 * rows already checkpointed and not yet deleted are deleted by the next run.
 */

export interface ArchiveOptions {
  /** Records that arrived before this time are archived (with the minutes after it up to the cut). */
  before: Date | string;
  /** Where the files go (made when missing). */
  outputDir: string;
  /** See above (default 15 minutes). */
  marginMs?: number;
  /** Rows per read (default 2,000) and per delete (default 10,000). */
  pageSize?: number;
  deleteBatch?: number;
  /** The time now (tests); `before` may not be later. */
  now?: Date;
  /** Told after each page written and each batch deleted. */
  onProgress?: (p: { phase: 'archive' | 'delete'; chain: string; records: number }) => void;
}

export interface ArchivedFile {
  file: string;
  chain: string;
  month: string;
  first: number;
  last: number;
  records: number;
  seals: number;
  bytes: number;
  sha256: string;
}

export interface ArchiveResult {
  before: string;
  outputDir: string;
  files: ArchivedFile[];
  /** Per chain archived in this run: its records from…upTo. */
  chains: Array<{ chain: string; from: number; upTo: number; records: number }>;
  records: number;
  /** Chains left as they are because they did not verify (first problem each). */
  problems: Array<{ chain: string; seq: number; id: string | null; reason: string }>;
  /** Rows removed: records deleted one batch at a time, and whole partitions dropped (PostgreSQL). */
  deleted: { records: number; partitions: string[] };
  /** The key that signed the files: its thumbprint is the trust anchor of `audit verify --archive`. */
  signer: { kid: string; thumbprint: string };
  /** How long writing the files (with the checkpoints) and removing the rows took. */
  ms: { archive: number; remove: number };
}

const MARGIN_MS = 15 * 60_000;

export async function archiveAuditLog(db: Kysely<any>, dialect: 'sqlite' | 'postgres', keys: KeyStore, opts: ArchiveOptions): Promise<ArchiveResult> {
  const adb = db as AuditDb;
  const beforeDate = new Date(opts.before);
  if (Number.isNaN(beforeDate.getTime())) throw invalid('audit_archive_date', 'تاریخ بایگانی معتبر نیست.', `not a date: ${String(opts.before)}`);
  const now = opts.now ?? new Date();
  if (beforeDate > now) throw invalid('audit_archive_future', 'تنها گذشته را می‌توان بایگانی کرد.', `--before ${beforeDate.toISOString()} is in the future: only the past can be archived`);
  const before = beforeDate.toISOString();
  const cutBefore = new Date(beforeDate.getTime() + (opts.marginMs ?? MARGIN_MS)).toISOString();
  fs.mkdirSync(opts.outputDir, { recursive: true });
  const signer = await keys.active(SEAL_PURPOSE, 'EdDSA');
  const out: ArchiveResult = {
    before,
    outputDir: opts.outputDir,
    files: [],
    chains: [],
    records: 0,
    problems: [],
    deleted: { records: 0, partitions: [] },
    signer: { kid: signer.kid, thumbprint: await thumbprintOf(publicJwk(signer)) },
    ms: { archive: 0, remove: 0 },
  };
  const t0 = performance.now();
  const verifier = new SealVerifier(keys);
  const marks = await checkpoints(adb);
  for (const chain of await allChains(adb)) {
    const mark = marks.get(chain);
    const start = mark ? { seq: Number(mark.last_seq), hash: mark.last_hash } : { seq: 0, hash: GENESIS };
    const cut = await cutOf(adb, chain, start.seq, cutBefore);
    if (!cut) continue;
    const r = await archiveChain(adb, keys, verifier, signer, { chain, start, cut, before, dir: opts.outputDir, pageSize: opts.pageSize ?? 2000, onProgress: opts.onProgress });
    if ('problem' in r) {
      out.problems.push({ chain, ...r.problem });
      continue;
    }
    const last = r.files[r.files.length - 1]!;
    const row: ArchivedRow = {
      chain_id: chain,
      last_seq: cut.seq,
      last_hash: cut.head_hash,
      seal_at: cut.at,
      seal_kid: cut.kid,
      seal_jws: cut.jws,
      file: last.file,
      file_sha256: last.sha256,
      records: Number(mark?.records ?? 0) + (cut.seq - start.seq),
      before,
      archived_at: new Date().toISOString(),
    };
    // Only over the checkpoint this run started from: a run beside it that got there first wins, this one's files stay unused.
    if (!(await moveCheckpoint(adb, row, mark))) {
      out.problems.push({ chain, seq: cut.seq, id: null, reason: 'another archive run moved this chain at the same time; its files of this run are not used' });
      continue;
    }
    out.files.push(...r.files);
    out.chains.push({ chain, from: start.seq + 1, upTo: cut.seq, records: cut.seq - start.seq });
    out.records += cut.seq - start.seq;
  }
  const t1 = performance.now();
  out.deleted = await removeArchived(db, dialect, { before, deleteBatch: opts.deleteBatch ?? 10_000, onProgress: opts.onProgress });
  out.ms = { archive: Math.round(t1 - t0), remove: Math.round(performance.now() - t1) };
  return out;
}

/** The chain's cut: its last seal after `after` whose record arrived before `cutBefore`; undefined when none. */
async function cutOf(db: AuditDb, chain: string, after: number, cutBefore: string): Promise<SealRow | undefined> {
  const { rows } = await sql<SealRow>`
    select s.chain_id, s.seq, s.head_hash, s.at, s.kid, s.jws
    from exchange_audit_seals s join exchange_audit a on a.chain_id = s.chain_id and a.seq = s.seq
    where s.chain_id = ${chain} and s.seq > ${after} and a.at < ${cutBefore}
    order by s.seq desc limit 1`.execute(db);
  const s = rows[0];
  return s && { ...s, seq: Number(s.seq) };
}

/** The public keys a chain's seals after `after` were made with, and the signer's. */
async function headerKeys(db: AuditDb, keys: KeyStore, signer: SigningKey, chain: string, after: number): Promise<PublicJwk[]> {
  const { rows } = await sql<{ kid: string }>`select distinct kid from exchange_audit_seals where chain_id = ${chain} and seq > ${after}`.execute(db);
  const out = new Map<string, PublicJwk>([[signer.kid, publicJwk(signer)]]);
  for (const { kid } of rows) {
    const k = await keys.byKid(SEAL_PURPOSE, 'EdDSA', kid);
    // A seal whose key is gone is reported by the check when it is met; nothing to carry for it.
    if (k) out.set(kid, publicJwk(k));
  }
  return [...out.values()];
}

type ChainOutcome = { files: ArchivedFile[] } | { problem: { seq: number; id: string | null; reason: string } };

/**
 * Writes the records start+1…cut of one chain, and their seals, into files: a new file at the first
 * seal after which the records' month changes, so that a file holds about a month of its chain. Each
 * record and seal is checked on the way; at the first problem the files of this run are removed.
 */
async function archiveChain(
  db: AuditDb,
  keys: KeyStore,
  verifier: SealVerifier,
  signer: SigningKey,
  o: { chain: string; start: { seq: number; hash: string }; cut: SealRow; before: string; dir: string; pageSize: number; onProgress: ArchiveOptions['onProgress'] },
): Promise<ChainOutcome> {
  const { chain, start, cut } = o;
  const check = new ChainCheck(chain, start);
  const keyList = await headerKeys(db, keys, signer, chain, start.seq);
  const files: ArchivedFile[] = [];
  let w: ArchiveFileWriter | null = null;
  let sealed = true;
  const seals = sealsOf(db, chain, o.pageSize, start.seq);
  let seal: SealRow | undefined = (await seals.next()).value ?? undefined;
  const close = async () => {
    if (!w) return;
    const done = await w.finish(signer);
    files.push({ ...done, chain, month: w.header.month, first: w.first, last: w.last, records: w.records, seals: w.seals });
    w = null;
  };
  const abandon = async (problem: { seq: number; id: string | null; reason: string }): Promise<ChainOutcome> => {
    await (w as ArchiveFileWriter | null)?.abort();
    for (const f of files) await fs.promises.rm(`${o.dir}/${f.file}`, { force: true });
    return { problem };
  };
  try {
    let done = 0;
    for await (const page of recordsOf(db, chain, o.pageSize, start.seq)) {
      for (const row of page) {
        const seq = Number(row.seq);
        if (seq > cut.seq) break;
        const problem = check.record(row);
        if (problem) return abandon(problem);
        // Every `at` is written by toISOString (record.ts): its first seven characters are the UTC month.
        const month = row.at.length === 24 ? row.at.slice(0, 7) : monthKey(row.at);
        // A file ends at a seal: the first record of another month after one starts the next file.
        if (sealed && w && (w as ArchiveFileWriter).header.month !== month) await close();
        if (!w) {
          const header: ArchiveHeader = { format: ARCHIVE_FORMAT, chain, month, from: { seq: seq - 1, prevHash: row.prev_hash }, before: o.before, createdAt: new Date().toISOString(), signer: signer.kid, keys: keyList };
          w = await ArchiveFileWriter.open(o.dir, header, seq);
        }
        await (w as ArchiveFileWriter).record(row);
        sealed = false;
        while (seal && Number(seal.seq) <= seq) {
          const p = await check.seal(seal, verifier);
          if (p) return abandon(p);
          await (w as ArchiveFileWriter).seal(seal);
          sealed = true;
          seal = (await seals.next()).value ?? undefined;
        }
      }
      done += page.length;
      o.onProgress?.({ phase: 'archive', chain, records: done });
      if (check.head >= cut.seq) break;
    }
    if (check.head !== cut.seq || !sealed) return abandon({ seq: check.head + 1, id: null, reason: `the chain ends at ${check.head} before its seal at ${cut.seq} (records were removed)` });
    await close();
    return { files };
  } catch (e) {
    await (w as ArchiveFileWriter | null)?.abort();
    for (const f of files) await fs.promises.rm(`${o.dir}/${f.file}`, { force: true });
    throw e;
  }
}

/** Moves a chain's checkpoint from `from` (none: the first archive) to `to`; false when someone else moved it first. */
async function moveCheckpoint(db: AuditDb, to: ArchivedRow, from: ArchivedRow | undefined): Promise<boolean> {
  if (!from) {
    const r = await db.insertInto('exchange_audit_archived').values(to).onConflict((oc) => oc.column('chain_id').doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  const { chain_id: _c, ...rest } = to;
  const r = await db.updateTable('exchange_audit_archived').set(rest).where('chain_id', '=', to.chain_id).where('last_seq', '=', from.last_seq).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Removes every row a checkpoint covers: on PostgreSQL first the partitions of months before
 * `before` that hold nothing else (checked again under lock, with the partition detached, so that a
 * late write to that month cannot be lost: it waits, then finds no partition and makes a new one);
 * then the rest, and the data tracker's index and the seals, in batches of `deleteBatch` rows, each a
 * transaction of its own so that writers are never held for long.
 */
export async function removeArchived(db: Kysely<any>, dialect: 'sqlite' | 'postgres', o: { before: string; deleteBatch: number; onProgress?: ArchiveOptions['onProgress'] }): Promise<{ records: number; partitions: string[] }> {
  const adb = db as AuditDb;
  const marks = await checkpoints(adb);
  const out = { records: 0, partitions: [] as string[] };
  if (dialect === 'postgres') {
    for (const p of await listPartitions(db)) {
      if (!p.to || p.to > o.before) continue;
      if (!(await whollyArchived(db, p.name, marks))) continue;
      if (await dropPartition(db, p.name, marks)) out.partitions.push(p.name);
    }
  }
  for (const [chain, mark] of marks) {
    const upTo = Number(mark.last_seq);
    out.records += await deleteUpTo(adb, 'exchange_audit', chain, upTo, o.deleteBatch, (n) => o.onProgress?.({ phase: 'delete', chain, records: n }));
    await deleteUpTo(adb, 'exchange_audit_persons', chain, upTo, o.deleteBatch);
    // The checkpoint keeps the seal of upTo itself; the seals are in the files.
    await deleteUpTo(adb, 'exchange_audit_seals', chain, upTo, o.deleteBatch);
  }
  return out;
}

class KeepPartition extends Error {}

/**
 * Detaches and drops a partition that holds archived rows only. Detaching locks the whole table for a
 * moment (ACCESS EXCLUSIVE on the parent): a long query on the log (statistics, a tracker page) would
 * make it wait, and every gateway's inserts behind it. So it waits at most 2 s a try, and tries again
 * a little later, five times; after that the rows are deleted in batches instead. False when not dropped.
 */
async function dropPartition(db: Kysely<any>, name: string, marks: Map<string, ArchivedRow>): Promise<boolean> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const r = await db
      .transaction()
      .execute(async (tx) => {
        await sql`set local lock_timeout = '2s'`.execute(tx);
        await lockPartitions(tx);
        await sql.raw(`alter table ${PARENT} detach partition ${name}`).execute(tx);
        // Written to since the first look (a late record): keep it, its archived rows go in batches.
        if (!(await whollyArchived(tx, name, marks))) throw new KeepPartition();
        await sql.raw(`drop table ${name}`).execute(tx);
        return 'dropped' as const;
      })
      .catch((e: unknown) => {
        if (e instanceof KeepPartition) return 'kept' as const;
        if ((e as { code?: string }).code === '55P03') return 'busy' as const;
        throw e;
      });
    if (r !== 'busy') return r === 'dropped';
    await new Promise((done) => setTimeout(done, 1000 * attempt));
  }
  return false;
}

/** True when every row of the partition is at or before its chain's checkpoint: seeks per chain, never a scan. */
async function whollyArchived(db: Kysely<any>, table: string, marks: Map<string, ArchivedRow>): Promise<boolean> {
  let after: string | null = null;
  for (;;) {
    const found: { rows: Array<{ c: string | null }> } = await sql<{ c: string | null }>`select min(chain_id) as c from ${sql.table(table)} where ${after === null ? sql`true` : sql`chain_id > ${after}`}`.execute(db);
    const chain: string | null = found.rows[0]?.c ?? null;
    if (chain === null) return true;
    const upTo = Number(marks.get(chain)?.last_seq ?? 0);
    const { rows: kept } = await sql`select 1 from ${sql.table(table)} where chain_id = ${chain} and seq > ${upTo} limit 1`.execute(db);
    if (kept.length) return false;
    after = chain;
  }
}

/**
 * Deletes a chain's rows with seq ≤ upTo from `table`, `batch` at a time: the batch's highest sequence
 * number is found by the index, then one range is deleted (the same statement on both databases).
 */
async function deleteUpTo(db: AuditDb, table: 'exchange_audit' | 'exchange_audit_persons' | 'exchange_audit_seals', chain: string, upTo: number, batch: number, progress?: (n: number) => void): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rows } = await sql<{ seq: number }>`select seq from ${sql.table(table)} where chain_id = ${chain} and seq <= ${upTo} order by seq limit 1 offset ${batch - 1}`.execute(db);
    const hi = rows[0] ? Number(rows[0].seq) : upTo;
    const r = await sql`delete from ${sql.table(table)} where chain_id = ${chain} and seq <= ${hi}`.execute(db);
    deleted += Number(r.numAffectedRows ?? 0);
    if (progress && table === 'exchange_audit') progress(deleted);
    if (hi >= upTo) return deleted;
  }
}
