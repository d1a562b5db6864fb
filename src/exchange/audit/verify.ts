import type { KeyStore } from '../../platform/keys.js';
import { ChainCheck } from './chain-check.js';
import { personsOf } from './record.js';
import { SealVerifier } from './seal.js';
import { allChains, checkpointSeal, checkpoints, indexedPersons, recordsOf, sealsOf, type ArchivedRow, type AuditDb, type SealRow } from './store.js';

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
  /**
   * Chains whose beginning was archived (`audit archive`): the records up to `upTo` are in archive
   * files, the last of them `file` (SHA-256 `sha256`); the database's part of the chain was checked
   * to link to the archive's last record, whose seal is kept. `audit verify --archive` checks the files.
   */
  archived: Array<{ chain: string; upTo: number; records: number; file: string; sha256: string; before: string }>;
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
  const out: VerifyResult = { ok: true, chains: 0, records: 0, seals: 0, unsealed: 0, problems: [], archived: [] };
  const archived = await checkpoints(db);
  for (const chain of await allChains(db)) {
    out.chains++;
    const a = archived.get(chain);
    if (a) out.archived.push({ chain, upTo: Number(a.last_seq), records: Number(a.records), file: a.file, sha256: a.file_sha256, before: a.before });
    const problem = await verifyChain(db, chain, seals, pageSize, out, a);
    if (problem) out.problems.push(problem);
  }
  if (out.problems.length) {
    out.ok = false;
    out.firstBad = out.problems[0];
  }
  return out;
}

async function verifyChain(db: AuditDb, chain: string, verifier: SealVerifier, pageSize: number, out: VerifyResult, archived: ArchivedRow | undefined): Promise<AuditProblem | null> {
  const bad = (p: { seq: number; id: string | null; reason: string }): AuditProblem => ({ chain, ...p });
  // After archiving, the chain in the database starts after the archive's last record, whose hash the
  // checkpoint keeps with the seal that signs it: that seal is checked here, and the first record
  // kept must link to it. Rows up to it still present (a run stopped while deleting) are not read.
  const start = archived ? { seq: Number(archived.last_seq), hash: archived.last_hash } : undefined;
  if (archived) {
    const why = await verifier.check(checkpointSeal(archived));
    if (why) return bad({ seq: start!.seq, id: null, reason: `the archive checkpoint's seal (records up to ${start!.seq}, in ${archived.file}): ${why}` });
  }
  const check = new ChainCheck(chain, start);
  const seals = sealsOf(db, chain, pageSize, start?.seq);
  let seal: SealRow | undefined = (await seals.next()).value ?? undefined;

  for await (const page of recordsOf(db, chain, pageSize, start?.seq)) {
    const indexed = await indexedPersons(db, chain, Number(page[0]!.seq), Number(page[page.length - 1]!.seq));
    for (const row of page) {
      const problem = check.record(row);
      if (problem) {
        if (archived && problem.id === null && check.expected === start!.seq + 1) problem.reason += ` after the archived part (records up to ${start!.seq} are in ${archived.file})`;
        return bad(problem);
      }
      const seq = Number(row.seq);
      // The tracker reads the index, not the hashed column: a person removed from it (or added) is tampering too.
      if ((indexed.get(seq) ?? []).join(' ') !== personsOf(row.persons).join(' ')) return bad({ seq, id: row.id, reason: "the data tracker's index of the people this record names does not match the record (altered)" });
      out.records++;
      while (seal && Number(seal.seq) <= seq) {
        const sealProblem = await check.seal(seal, verifier);
        if (sealProblem) return bad(sealProblem);
        out.seals++;
        seal = (await seals.next()).value ?? undefined;
      }
    }
  }
  const s: SealRow | undefined = seal;
  const expected = check.expected;
  if (s) {
    if (Number(s.seq) < 1) return bad({ seq: Number(s.seq), id: null, reason: `a seal names sequence ${s.seq}, which cannot exist` });
    return bad({ seq: expected, id: null, reason: `the chain ends at ${expected - 1} but a seal of ${s.at} covers it up to ${s.seq}: records were removed from the end` });
  }
  out.unsealed += expected - 1 - check.sealedUpTo;
  return null;
}
