import type { KeyStore } from '../../platform/keys.js';
import { GENESIS, personsOf, providerOf, recordHash, type AuditRow } from './record.js';
import { SealVerifier } from './seal.js';
import { allChains, indexedPersons, recordsOf, sealsOf, type AuditDb, type SealRow } from './store.js';

export interface AuditProblem {
  chain: string;
  seq: number;
  /** The X-Road-Id of the bad record; null when the record is missing (a gap or a truncated tail). */
  id: string | null;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  chains: number;
  /** Records read and checked (of a broken chain, those up to the break). */
  records: number;
  /** Seals whose signature and head were checked. */
  seals: number;
  /** Records after the last seal of their chain: not an error (a kill -9 can leave some), but not yet sealed. */
  unsealed: number;
  firstBad?: AuditProblem;
  /** The first problem of every broken chain (firstBad is the first of these). */
  problems: AuditProblem[];
}

const PAGE = 2000;

/**
 * Recomputes every hash of every chain (the people a record names included), checks that the data
 * tracker's index of them matches each record, checks each link, that sequence numbers have no gaps, every
 * seal's signature, and that each sealed head is the record at that place. Reads a page at a time.
 * A chain stops being checked at its first problem; the other chains are still checked.
 */
export async function verifyAuditLog(db: AuditDb, keys: KeyStore, opts: { pageSize?: number } = {}): Promise<VerifyResult> {
  const pageSize = opts.pageSize ?? PAGE;
  const seals = new SealVerifier(keys);
  const out: VerifyResult = { ok: true, chains: 0, records: 0, seals: 0, unsealed: 0, problems: [] };
  for (const chain of await allChains(db)) {
    out.chains++;
    const problem = await verifyChain(db, chain, seals, pageSize, out);
    if (problem) out.problems.push(problem);
  }
  if (out.problems.length) {
    out.ok = false;
    out.firstBad = out.problems[0];
  }
  return out;
}

async function verifyChain(db: AuditDb, chain: string, verifier: SealVerifier, pageSize: number, out: VerifyResult): Promise<AuditProblem | null> {
  const seals = sealsOf(db, chain, pageSize);
  let seal: SealRow | undefined = (await seals.next()).value ?? undefined;
  let expected = 1;
  let prev = GENESIS;
  let sealedUpTo = 0;
  const bad = (seq: number, id: string | null, reason: string): AuditProblem => ({ chain, seq, id, reason });

  for await (const page of recordsOf(db, chain, pageSize)) {
    const indexed = await indexedPersons(db, chain, Number(page[0]!.seq), Number(page[page.length - 1]!.seq));
    for (const row of page) {
      const seq = Number(row.seq);
      if (seq !== expected) {
        return bad(expected, null, expected === 1 ? `the chain's first ${seq - 1} record(s) are missing (it starts at ${seq}, ${row.id})` : `record(s) ${expected}…${seq - 1} are missing (deleted?) before ${seq} (${row.id})`);
      }
      if (row.prev_hash !== prev) return bad(seq, row.id, `prev_hash does not match the hash of record ${seq - 1} (re-ordered, inserted or forged)`);
      // Integers may arrive as strings (PostgreSQL bigint without the platform's type parser): hash numbers.
      const fields = { ...row, status: Number(row.status), latency_us: Number(row.latency_us), request_bytes: Number(row.request_bytes), response_bytes: Number(row.response_bytes) };
      if (recordHash(chain, seq, row.prev_hash, fields as AuditRow) !== row.hash) return bad(seq, row.id, "the record's content does not match its hash (altered)");
      if ((row.provider ?? null) !== providerOf(row.service)) return bad(seq, row.id, 'the provider column does not match the service (altered)');
      // The tracker reads the index, not the hashed column: a person removed from it (or added) is tampering too.
      if ((indexed.get(seq) ?? []).join(' ') !== personsOf(row.persons).join(' ')) return bad(seq, row.id, "the data tracker's index of the people this record names does not match the record (altered)");
      out.records++;
      while (seal && Number(seal.seq) <= seq) {
        const s: SealRow = seal;
        if (Number(s.seq) < seq) return bad(Number(s.seq), null, `a seal names sequence ${s.seq}, out of order`);
        const why = await verifier.check(s);
        if (why) return bad(seq, row.id, `${why} (seal at ${s.at})`);
        if (s.head_hash !== row.hash) return bad(seq, row.id, `the seal of ${s.at} signed a different head hash here (the chain was rewritten)`);
        out.seals++;
        sealedUpTo = seq;
        seal = (await seals.next()).value ?? undefined;
      }
      prev = row.hash;
      expected++;
    }
  }
  const s: SealRow | undefined = seal;
  if (s) {
    if (Number(s.seq) < 1) return bad(Number(s.seq), null, `a seal names sequence ${s.seq}, which cannot exist`);
    return bad(expected, null, `the chain ends at ${expected - 1} but a seal of ${s.at} covers it up to ${s.seq}: records were removed from the end`);
  }
  out.unsealed += expected - 1 - sealedUpTo;
  return null;
}
