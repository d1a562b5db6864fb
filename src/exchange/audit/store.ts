import { sql, type Kysely } from 'kysely';
import { ensurePartitionsFor, isMissingPartition } from './partitions.js';
import { personsOf, type AuditRow } from './record.js';

/** SQL of the exchange audit log; nothing else touches these tables. */
export interface ExchangeAuditTables {
  exchange_audit: AuditRow;
  exchange_audit_seals: SealRow;
  /** `head_seq` (PostgreSQL only): the chain's last sequence number, moved by every insert that extends it. */
  exchange_audit_chains: { chain_id: string; node_id: string; started_at: string; head_seq?: number };
  /** One row per person a record's `persons` names: the data tracker's index (derived; verify checks it). */
  exchange_audit_persons: PersonRow;
  /** Per chain, what `audit archive` moved to files (archive.ts). */
  exchange_audit_archived: ArchivedRow;
}

/** A chain's archive checkpoint: its records 1…last_seq are in archive files, the last of them `file`. */
export interface ArchivedRow {
  chain_id: string;
  last_seq: number;
  /** The hash of record last_seq: the prev_hash of the first record kept in the database. */
  last_hash: string;
  /** The seal of record last_seq (it signs last_hash), kept so that verify checks the link without the file. */
  seal_at: string;
  seal_kid: string;
  seal_jws: string;
  /** The file name (no directory) of the archive holding record last_seq, and its SHA-256 (hex). */
  file: string;
  file_sha256: string;
  /** Records of this chain archived so far, over every run. */
  records: number;
  /** The `--before` of the run that wrote this checkpoint (ISO). */
  before: string;
  archived_at: string;
}

/** The seal a checkpoint keeps, as a seal row. */
export const checkpointSeal = (a: ArchivedRow): SealRow => ({ chain_id: a.chain_id, seq: Number(a.last_seq), head_hash: a.last_hash, at: a.seal_at, kid: a.seal_kid, jws: a.seal_jws });

export async function checkpointOf(db: AuditDb, chain: string): Promise<ArchivedRow | undefined> {
  return db.selectFrom('exchange_audit_archived').selectAll().where('chain_id', '=', chain).executeTakeFirst();
}

/** Every checkpoint, by chain. */
export async function checkpoints(db: AuditDb): Promise<Map<string, ArchivedRow>> {
  return new Map((await db.selectFrom('exchange_audit_archived').selectAll().execute()).map((r) => [r.chain_id, r]));
}

/** Until when records have been archived (the latest run's `--before`), or null when never. */
export async function archivedBefore(db: AuditDb): Promise<string | null> {
  const r = await db.selectFrom('exchange_audit_archived').select((eb) => eb.fn.max('before').as('before')).executeTakeFirst();
  return (r?.before as string | null | undefined) ?? null;
}

export interface PersonRow {
  person: string;
  at: string;
  chain_id: string;
  seq: number;
}

/** The index rows of a batch: one per person each record names. */
export function personRows(rows: readonly AuditRow[]): PersonRow[] {
  const out: PersonRow[] = [];
  for (const r of rows) if (r.persons !== null) for (const person of personsOf(r.persons)) out.push({ person, at: r.at, chain_id: r.chain_id, seq: r.seq });
  return out;
}

export interface SealRow {
  chain_id: string;
  seq: number;
  head_hash: string;
  at: string;
  kid: string;
  /** Compact JWS (EdDSA) over { chain, seq, head, at }. */
  jws: string;
}

export type AuditDb = Kysely<ExchangeAuditTables>;

/** Rows per INSERT statement: 22 columns keeps it under SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
const INSERT_CHUNK = 500;

/** Every column of exchange_audit with its PostgreSQL type, for the array insert. */
const PG_COLUMNS: ReadonlyArray<readonly [keyof AuditRow, string]> = [
  ['chain_id', 'text'],
  ['seq', 'bigint'],
  ['id', 'text'],
  ['at', 'text'],
  ['client', 'text'],
  ['service', 'text'],
  ['provider', 'text'],
  ['method', 'text'],
  ['path', 'text'],
  ['subject', 'text'],
  ['consent_id', 'text'],
  ['legal_basis', 'text'],
  ['status', 'integer'],
  ['error_type', 'text'],
  ['persons', 'text'],
  ['latency_us', 'bigint'],
  ['request_bytes', 'bigint'],
  ['response_bytes', 'bigint'],
  ['request_hash', 'text'],
  ['response_hash', 'text'],
  ['prev_hash', 'text'],
  ['hash', 'text'],
];
const PG_INSERT_HEAD = sql.raw(`insert into exchange_audit (${PG_COLUMNS.map(([c]) => c).join(', ')}) select * from unnest(`);

/**
 * The error of an insert that found its chain's head moved (PostgreSQL): another live process writes
 * the same chain. It carries a unique violation's code, which the log answers as it always has, by
 * moving to a fresh chain (log.ts).
 */
export const headMoved = (chain: string): Error =>
  Object.assign(new Error(`the head of audit chain ${chain} moved: another process writes it`), { code: '23505' });

/**
 * Stores rows. `guard` (PostgreSQL, rows of one chain in sequence): the rows go in only if the chain's
 * registered head is the sequence number just before the first of them, and the head moves to the
 * last, in the same statement; otherwise nothing is stored and `headMoved` is thrown. Partitions are
 * unique per month only (partitions.ts), so this is what keeps a sequence number from being stored
 * twice, in any two months.
 */
export async function insertRows(db: AuditDb, rows: AuditRow[], dialect: 'sqlite' | 'postgres' = 'sqlite', guard = false): Promise<void> {
  const persons = personRows(rows);
  for (let i = 0; i < persons.length; i += INSERT_CHUNK) await db.insertInto('exchange_audit_persons').values(persons.slice(i, i + INSERT_CHUNK)).execute();
  if (dialect === 'postgres' && rows.length > 0) {
    // One statement of the same text for any batch size: 22 array parameters, one per column, instead
    // of a statement built (and planned) anew for each size with 21 parameters per row.
    const arrays = PG_COLUMNS.map(([c, type]) => sql`${rows.map((r) => r[c])}::${sql.raw(type)}[]`);
    if (!guard) {
      await sql`${PG_INSERT_HEAD}${sql.join(arrays)})`.execute(db);
      return;
    }
    const chain = rows[0]!.chain_id;
    const first = Number(rows[0]!.seq);
    const last = Number(rows[rows.length - 1]!.seq);
    // The head's row is locked by the update: a second writer of the chain waits, then finds the head moved.
    const r = await sql`with head as (update exchange_audit_chains set head_seq = ${last} where chain_id = ${chain} and head_seq = ${first - 1} returning 1)
      ${PG_INSERT_HEAD}${sql.join(arrays)}) where exists (select 1 from head)`.execute(db);
    if (Number(r.numAffectedRows ?? 0) !== rows.length) throw headMoved(chain);
    return;
  }
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db.insertInto('exchange_audit').values(rows.slice(i, i + INSERT_CHUNK)).execute();
  }
}

/** Registers a chain; false when the id is taken. */
export async function registerChain(db: AuditDb, chain: string, node: string, at: string): Promise<boolean> {
  const r = await db
    .insertInto('exchange_audit_chains')
    // head_seq (PostgreSQL) starts at its default, 0: a new chain.
    .values({ chain_id: chain, node_id: node, started_at: at })
    .onConflict((oc) => oc.column('chain_id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The chain's last record; when every record is archived, the archive's last (the chain goes on from there). */
export async function chainHead(db: AuditDb, chain: string): Promise<{ seq: number; hash: string } | undefined> {
  const r = await db.selectFrom('exchange_audit').select(['seq', 'hash']).where('chain_id', '=', chain).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (r) return { seq: Number(r.seq), hash: r.hash };
  const a = await checkpointOf(db, chain);
  return a && { seq: Number(a.last_seq), hash: a.last_hash };
}

/** The chain's last seal; when every seal is archived, the one its checkpoint keeps. */
export async function lastSeal(db: AuditDb, chain: string): Promise<{ seq: number; at: string } | undefined> {
  const r = await db.selectFrom('exchange_audit_seals').select(['seq', 'at']).where('chain_id', '=', chain).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (r) return { seq: Number(r.seq), at: r.at };
  const a = await checkpointOf(db, chain);
  return a && { seq: Number(a.last_seq), at: a.seal_at };
}

/**
 * Every chain id that has a registration, a record or a seal, found by seeking the indexes one id at
 * a time (a skip scan), so a log of a billion rows costs one index seek per chain, not a full scan.
 */
export async function allChains(db: AuditDb): Promise<string[]> {
  const found = new Set((await db.selectFrom('exchange_audit_chains').select('chain_id').execute()).map((r) => r.chain_id));
  for (const r of await db.selectFrom('exchange_audit_archived').select('chain_id').execute()) found.add(r.chain_id);
  for (const table of ['exchange_audit', 'exchange_audit_seals'] as const) {
    let after: string | null = null;
    for (;;) {
      let q = db.selectFrom(table).select((eb) => eb.fn.min('chain_id').as('c'));
      if (after !== null) q = q.where('chain_id', '>', after);
      const r = await q.executeTakeFirst();
      const c = (r?.c as string | null | undefined) ?? null;
      if (c === null) break;
      found.add(c);
      after = c;
    }
  }
  return [...found].sort();
}

/** A chain's records after sequence number `after` in sequence order, a page at a time (keyset paging: flat memory, one index seek a page). */
export async function* recordsOf(db: AuditDb, chain: string, pageSize: number, after = 0): AsyncGenerator<AuditRow[]> {
  for (;;) {
    const page = await db.selectFrom('exchange_audit').selectAll().where('chain_id', '=', chain).where('seq', '>', after).orderBy('seq').limit(pageSize).execute();
    if (page.length === 0) return;
    yield page;
    after = Number(page[page.length - 1]!.seq);
    if (page.length < pageSize) return;
  }
}

/** The data tracker's index rows of a chain's records `from`…`to`: the people of each sequence number, sorted. */
export async function indexedPersons(db: AuditDb, chain: string, from: number, to: number): Promise<Map<number, string[]>> {
  const rows = await db.selectFrom('exchange_audit_persons').select(['seq', 'person']).where('chain_id', '=', chain).where('seq', '>=', from).where('seq', '<=', to).orderBy('seq').orderBy('person').execute();
  const out = new Map<number, string[]>();
  for (const r of rows) {
    const seq = Number(r.seq);
    const list = out.get(seq);
    if (list) list.push(r.person);
    else out.set(seq, [r.person]);
  }
  return out;
}

/** A chain's seals in sequence order, one at a time, read a page at a time. */
export async function* sealsOf(db: AuditDb, chain: string, pageSize: number, after = Number.MIN_SAFE_INTEGER): AsyncGenerator<SealRow> {
  for (;;) {
    const page = await db.selectFrom('exchange_audit_seals').selectAll().where('chain_id', '=', chain).where('seq', '>', after).orderBy('seq').limit(pageSize).execute();
    for (const s of page) yield s;
    if (page.length < pageSize) return;
    after = Number(page[page.length - 1]!.seq);
  }
}

/**
 * Stores a batch and its seal on the main connection (PostgreSQL, or a SQLite database without a
 * writer thread). `sqlite` is null on PostgreSQL; on SQLite, `sync: 'FULL'` makes this commit fsync
 * the WAL and then puts the connection back to `restore`.
 */
export async function storeBatch(db: AuditDb, rows: AuditRow[], seal: SealRow | null, sqlite: { sync: 'FULL' | null; restore: number } | null): Promise<void> {
  if (!sqlite) {
    try {
      return await storePg(db, rows, seal);
    } catch (e) {
      // A month without its partition yet: make it, then the same batch again (partitions.ts).
      if (!isMissingPartition(e)) throw e;
      await ensurePartitionsFor(db, rows.map((r) => r.at));
      return storePg(db, rows, seal);
    }
  }
  const work = (d: AuditDb) =>
    d.transaction().execute(async (tx) => {
      await insertRows(tx, rows, 'sqlite');
      if (seal) await tx.insertInto('exchange_audit_seals').values(seal).execute();
    });
  if (!sqlite.sync) return work(db);
  // SQLite has one connection: holding it, switch this commit to fsync the WAL, then switch back.
  await db.connection().execute(async (conn) => {
    await sql.raw(`pragma synchronous = ${sqlite.sync}`).execute(conn);
    try {
      await work(conn);
    } finally {
      await sql.raw(`pragma synchronous = ${sqlite.restore}`).execute(conn);
    }
  });
}

async function storePg(db: AuditDb, rows: AuditRow[], seal: SealRow | null): Promise<void> {
  // A batch without a seal (and without resolved people to index) is one statement, atomic on its
  // own, so one round trip (and one commit) instead of BEGIN, INSERT, COMMIT.
  if (!seal && rows.length > 0 && rows.every((r) => r.persons === null)) return insertRows(db, rows, 'postgres', true);
  await db.transaction().execute(async (tx) => {
    await insertRows(tx, rows, 'postgres', true);
    if (seal) await tx.insertInto('exchange_audit_seals').values(seal).execute();
  });
}
