import { GENESIS, providerOf, recordHash, type AuditRow } from './record.js';
import type { SealVerifier } from './seal.js';
import type { SealRow } from './store.js';

/**
 * The checks of one chain read in sequence order, shared by `audit verify` on the database, the
 * archive's writer (which archives only what verifies) and `audit verify --archive` on a file: each
 * record's place (no gap), its link to the one before, its hash, its provider column, and each seal
 * (signature, and that it signed the hash of the record at its place). The caller reads the rows and
 * says where the chain starts: at 1 after the genesis hash, or after an archived part.
 */
/** What is wrong, where: the sequence number, and the record's X-Road-Id (null when it is missing). */
export interface ChainProblem {
  seq: number;
  id: string | null;
  reason: string;
}

export class ChainCheck {
  /** The sequence number the next record must have. */
  expected: number;
  /** The hash the next record must link to. */
  prev: string;
  /** The highest sequence number a checked seal covers (the start, when it is an archived part's sealed end). */
  sealedUpTo: number;
  records = 0;
  seals = 0;
  /** The last record checked, for the seals that follow it. */
  private last: AuditRow | null = null;

  constructor(
    readonly chain: string,
    start: { seq: number; hash: string } = { seq: 0, hash: GENESIS },
  ) {
    this.expected = start.seq + 1;
    this.prev = start.hash;
    this.sealedUpTo = start.seq;
  }

  /** What is wrong with the next record (the chain is then broken here), or null and it is taken. */
  record(row: AuditRow): ChainProblem | null {
    const seq = Number(row.seq);
    const bad = (reason: string): ChainProblem => ({ seq, id: row.id, reason });
    if (seq !== this.expected) {
      if (seq < this.expected) return bad(`sequence ${seq} again, or out of order, where ${this.expected} was expected`);
      const gap = this.expected === 1 ? `the chain's first ${seq - 1} record(s) are missing (it starts at ${seq}, ${row.id})` : `record(s) ${this.expected}…${seq - 1} are missing (deleted?) before ${seq} (${row.id})`;
      return { seq: this.expected, id: null, reason: gap };
    }
    if (row.prev_hash !== this.prev) return bad(`prev_hash does not match the hash of record ${seq - 1} (re-ordered, inserted or forged)`);
    // Integers may arrive as strings (PostgreSQL bigint without the platform's type parser): hash numbers.
    const fields = { ...row, status: Number(row.status), latency_us: Number(row.latency_us), request_bytes: Number(row.request_bytes), response_bytes: Number(row.response_bytes) };
    if (recordHash(this.chain, seq, row.prev_hash, fields as AuditRow) !== row.hash) return bad("the record's content does not match its hash (altered)");
    if ((row.provider ?? null) !== providerOf(row.service)) return bad('the provider column does not match the service (altered)');
    this.records++;
    this.prev = row.hash;
    this.expected = seq + 1;
    this.last = row;
    return null;
  }

  /**
   * Why a seal read right after the record it covers (the last one taken) is bad, or null. A seal
   * naming an earlier place is out of order; a later one is for the caller to hold until its record.
   */
  async seal(s: SealRow, verifier: SealVerifier): Promise<ChainProblem | null> {
    const seq = Number(s.seq);
    const row = this.last;
    if (!row || seq < Number(row.seq)) return { seq, id: null, reason: `a seal names sequence ${s.seq}, out of order` };
    const bad = (reason: string): ChainProblem => ({ seq: Number(row.seq), id: row.id, reason });
    if (seq > Number(row.seq)) return bad(`a seal names sequence ${s.seq}, after the record it follows (${row.seq})`);
    const why = await verifier.check(s);
    if (why) return bad(`${why} (seal at ${s.at})`);
    if (s.head_hash !== row.hash) return bad(`the seal of ${s.at} signed a different head hash here (the chain was rewritten)`);
    this.seals++;
    this.sealedUpTo = seq;
    return null;
  }

  /** The sequence number of the last record taken (the start when none). */
  get head(): number {
    return this.expected - 1;
  }
}
