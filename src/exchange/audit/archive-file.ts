import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { calculateJwkThumbprint, CompactSign, compactVerify, decodeProtectedHeader, type JWK } from 'jose';
import type { KeyStore, SigningKey } from '../../platform/keys.js';
import { ChainCheck } from './chain-check.js';
import { GENESIS, type AuditRow } from './record.js';
import { SEAL_PURPOSE, SealVerifier } from './seal.js';
import type { SealRow } from './store.js';

/**
 * An archive file of the exchange audit log: one segment of one chain, from just after a seal (or the
 * chain's start) to a later seal, gzip-compressed JSON lines that verify on their own:
 *
 *   {"format":"panjareh.exchange-audit-archive.v1","chain":…,"month":"2026-11","from":{"seq":0,"prevHash":"000…"},
 *    "before":…,"createdAt":…,"signer":"<kid>","keys":[<public JWK>…]}     the header
 *   {"r":{…every column of the record…}}                                   a record, in sequence order
 *   {"s":{"chain_id":…,"seq":…,"head_hash":…,"at":…,"kid":…,"jws":…}}      a seal, right after the record it signs
 *   {"signature":"<compact JWS>"}                                          the last line
 *
 * The signature (EdDSA, the platform's audit-seal key: the one key the log's seals are made with)
 * signs `{typ, chain, first, last, lastHash, records, seals, digest}`, where `digest` is the SHA-256 of
 * every line before it (each with its newline, uncompressed). The header carries the public keys of
 * the signer and of every seal in the file, so nothing else is needed to check it: every record's hash
 * and link, every seal against its key and record, that the file ends at a seal, and the signature.
 *
 * What that proves depends on one thing kept outside the file, the trust anchor: the JWK thumbprint
 * (RFC 7638) of the audit-seal key that signed it (`panjareh audit seal-keys` lists them; keep them
 * with the deployment's records, away from its database). Without it a file proves only that it is
 * intact as somebody signed it; with it, that the platform wrote it. The header's seal keys are
 * vouched for by that signature.
 */

export const ARCHIVE_FORMAT = 'panjareh.exchange-audit-archive.v1';
const SIGNATURE_TAG = 'panjareh.exchange-audit-archive-signature.v1';

export type PublicJwk = JWK & { kid: string };

export interface ArchiveHeader {
  format: typeof ARCHIVE_FORMAT;
  chain: string;
  /** The month (UTC) of the file's first record, `2026-11`. */
  month: string;
  /** The sequence number and hash of the record before the first (0 and the genesis hash at a chain's start). */
  from: { seq: number; prevHash: string };
  /** The `--before` of the run that wrote it. */
  before: string;
  createdAt: string;
  /** The kid of the key that signs the file. */
  signer: string;
  keys: PublicJwk[];
}

interface SignedSummary {
  typ: typeof SIGNATURE_TAG;
  chain: string;
  first: number;
  last: number;
  lastHash: string;
  records: number;
  seals: number;
  digest: string;
}

/** The file name of a segment: readable, and one per chain and range. */
export function archiveFileName(chain: string, month: string, first: number, last: number): string {
  const safe = chain.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `exchange-audit_${safe}_${month}_${first}-${last}.jsonl.gz`;
}

/** The RFC 7638 thumbprint of a public key: the trust anchor an operator keeps. */
export const thumbprintOf = (jwk: JWK): Promise<string> => calculateJwkThumbprint(jwk, 'sha256');

/** A public JWK with only what verifying needs (never a private part). */
export function publicJwk(k: SigningKey): PublicJwk {
  const { kty, crv, x } = k.publicJwk as { kty: string; crv: string; x: string };
  return { kty, crv, x, kid: k.kid, alg: 'EdDSA', use: 'sig' };
}

/**
 * The audit-seal keys that still verify, with their thumbprints: the trust anchors of archive files
 * (`panjareh audit seal-keys`). The first is the one signing now.
 */
export async function auditSealKeys(keys: KeyStore): Promise<Array<{ kid: string; thumbprint: string; createdAt: string; retiredAt: string | null }>> {
  const list = await keys.verificationKeys(SEAL_PURPOSE, 'EdDSA');
  return Promise.all(list.map(async (k) => ({ kid: k.kid, thumbprint: await thumbprintOf(publicJwk(k)), createdAt: k.createdAt, retiredAt: k.retiredAt })));
}

/** Lines gathered into chunks of this many characters before they reach gzip (one write per line is slow). */
const CHUNK = 256 * 1024;

/**
 * Writes one archive file: lines go through gzip to `<name>.partial`, which becomes `<name>` only once
 * complete and flushed to disk, so a run that stops half way leaves no file that looks finished.
 * Memory: one chunk of lines and gzip's window, however long the file.
 */
export class ArchiveFileWriter {
  private readonly digest = createHash('sha256');
  private readonly fileHash = createHash('sha256');
  private readonly gzip = zlib.createGzip({ level: 6 });
  private readonly done: Promise<void>;
  private pending = '';
  private bytes = 0;
  first = 0;
  last = 0;
  lastHash = '';
  records = 0;
  seals = 0;

  private constructor(
    readonly dir: string,
    /** The name while it is written: the final one says its last record, known only at the end. */
    private readonly partialName: string,
    readonly header: ArchiveHeader,
  ) {
    const tap = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.fileHash.update(chunk);
        this.bytes += chunk.length;
        cb(null, chunk);
      },
    });
    this.done = pipeline(this.gzip, tap, fs.createWriteStream(this.partial, { mode: 0o640 }));
    // The pipeline's failure is awaited in finish()/abort(); until then it must not be an unhandled rejection.
    this.done.catch(() => undefined);
  }

  private get partial(): string {
    return path.join(this.dir, this.partialName);
  }

  /** A file whose first record is `first`. */
  static async open(dir: string, header: ArchiveHeader, first: number): Promise<ArchiveFileWriter> {
    const w = new ArchiveFileWriter(dir, `${archiveFileName(header.chain, header.month, first, first)}.partial`, header);
    await w.line(header);
    return w;
  }

  async record(row: AuditRow): Promise<void> {
    if (this.records === 0) this.first = Number(row.seq);
    this.records++;
    this.last = Number(row.seq);
    this.lastHash = row.hash;
    await this.line({ r: row });
  }

  async seal(s: SealRow): Promise<void> {
    this.seals++;
    await this.line({ s: { chain_id: s.chain_id, seq: Number(s.seq), head_hash: s.head_hash, at: s.at, kid: s.kid, jws: s.jws } });
  }

  private async line(v: unknown): Promise<void> {
    this.pending += `${JSON.stringify(v)}\n`;
    if (this.pending.length >= CHUNK) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.pending) return;
    const chunk = this.pending;
    this.pending = '';
    this.digest.update(chunk);
    // Back-pressure: wait while gzip and the disk are behind, so memory stays flat.
    if (!this.gzip.write(chunk)) await new Promise<void>((r) => this.gzip.once('drain', r));
  }

  /** Signs, closes and renames the file into place (`archiveFileName`); returns its name, size and SHA-256. */
  async finish(signer: SigningKey): Promise<{ file: string; sha256: string; bytes: number }> {
    await this.flush();
    const summary: SignedSummary = { typ: SIGNATURE_TAG, chain: this.header.chain, first: this.first, last: this.last, lastHash: this.lastHash, records: this.records, seals: this.seals, digest: this.digest.digest('hex') };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(summary))).setProtectedHeader({ alg: 'EdDSA', kid: signer.kid }).sign(signer.privateKey);
    this.gzip.end(`${JSON.stringify({ signature: jws })}\n`);
    await this.done;
    const fh = await fs.promises.open(this.partial, 'r');
    await fh.sync();
    await fh.close();
    const name = archiveFileName(this.header.chain, this.header.month, this.first, this.last);
    await fs.promises.rename(this.partial, path.join(this.dir, name));
    // The rename itself on disk too, before the rows it holds are removed (where the system allows it).
    await fs.promises.open(this.dir, 'r').then(
      (d) => d.sync().catch(() => undefined).finally(() => d.close()),
      () => undefined,
    );
    return { file: name, sha256: this.fileHash.digest('hex'), bytes: this.bytes };
  }

  /** Drops the unfinished file. */
  async abort(): Promise<void> {
    this.gzip.destroy();
    await this.done.catch(() => undefined);
    await fs.promises.rm(this.partial, { force: true });
  }
}

export interface ArchiveFileReport {
  file: string;
  ok: boolean;
  /** SHA-256 of the file as stored (what a checkpoint names). */
  sha256: string;
  chain: string | null;
  month: string | null;
  from: { seq: number; prevHash: string } | null;
  /** The first and last sequence numbers in it, and the last record's hash (the next file, or the database, links to it). */
  first: number;
  last: number;
  lastHash: string | null;
  records: number;
  seals: number;
  signer: { kid: string; thumbprint: string } | null;
  /** True when the signer is one of the trust anchors given, false when it is not, null when none was given. */
  trusted: boolean | null;
  /** The first problem: the record or seal (sequence number, X-Road-Id) or the part of the file, and why. */
  problem?: { seq: number | null; id: string | null; reason: string };
}

/** A problem is thrown out of the reading loop as this, so that one place turns it into the report. */
class Bad extends Error {
  constructor(readonly problem: { seq: number | null; id: string | null; reason: string }) {
    super(problem.reason);
  }
}

const fail = (reason: string, p: { seq?: number | null; id?: string | null } = {}): never => {
  throw new Bad({ seq: p.seq ?? null, id: p.id ?? null, reason });
};

/**
 * Verifies one archive file on its own, reading it as a stream (flat memory however large): the
 * chain inside it, every seal, the signature over the whole, and, given trust anchors (thumbprints),
 * that its signer is one of them. Never throws for a bad file: the report names the problem.
 */
export async function verifyArchiveFile(file: string, opts: { trust?: readonly string[] } = {}): Promise<ArchiveFileReport> {
  const out: ArchiveFileReport = { file, ok: false, sha256: '', chain: null, month: null, from: null, first: 0, last: 0, lastHash: null, records: 0, seals: 0, signer: null, trusted: null };
  const fileHash = createHash('sha256');
  const digest = createHash('sha256');
  let header: ArchiveHeader | null = null;
  let check: ChainCheck | null = null;
  let verifier: SealVerifier | null = null;
  const keys = new Map<string, KeyObject>();
  let signature: string | null = null;
  let n = 0;
  let lastWasSeal = false;
  try {
    const raw = fs.createReadStream(file);
    raw.on('data', (c) => fileHash.update(c as Buffer));
    const gunzip = zlib.createGunzip();
    raw.on('error', (e) => gunzip.destroy(e));
    const lines = readline.createInterface({ input: raw.pipe(gunzip), crlfDelay: Infinity });
    for await (const line of lines) {
      n++;
      if (signature !== null) fail(`line ${n}: content after the signature line`);
      let v: Record<string, unknown>;
      try {
        v = JSON.parse(line) as Record<string, unknown>;
      } catch {
        fail(`line ${n} is not JSON`, check ? { seq: check.expected } : {});
      }
      if (n === 1) {
        header = readHeader(v!);
        for (const k of header.keys) keys.set(k.kid, createPublicKey({ key: k as never, format: 'jwk' }));
        if (!keys.has(header.signer)) fail(`the header names signer ${header.signer} but does not carry its key`);
        out.chain = header.chain;
        out.month = header.month;
        out.from = header.from;
        check = new ChainCheck(header.chain, { seq: header.from.seq, hash: header.from.prevHash });
        verifier = new SealVerifier(async (kid) => keys.get(kid) ?? null);
        digest.update(`${line}\n`);
        continue;
      }
      if (typeof v!.signature === 'string') {
        signature = v!.signature;
        continue;
      }
      digest.update(`${line}\n`);
      if (v!.r && typeof v!.r === 'object') {
        const row = v!.r as AuditRow;
        if (row.chain_id !== header!.chain) fail(`a record of chain ${String(row.chain_id)} in a file of chain ${header!.chain}`, { seq: Number(row.seq), id: row.id });
        const p = check!.record(row);
        if (p) fail(p.reason, p);
        if (out.records === 0) out.first = Number(row.seq);
        out.records++;
        out.last = Number(row.seq);
        out.lastHash = row.hash;
        lastWasSeal = false;
      } else if (v!.s && typeof v!.s === 'object') {
        const s = v!.s as SealRow;
        if (s.chain_id !== header!.chain) fail(`a seal of chain ${String(s.chain_id)} in a file of chain ${header!.chain}`, { seq: Number(s.seq) });
        const p = await check!.seal(s, verifier!);
        if (p) fail(`seal ${s.seq}: ${p.reason}`, p);
        out.seals++;
        lastWasSeal = true;
      } else fail(`line ${n} is neither a record, a seal nor the signature`);
    }
    if (!header) fail('the file is empty');
    if (signature === null) fail(`the file ends without its signature line (cut short?) after ${out.records ? `record ${out.last}` : 'the header'}`, { seq: out.records ? out.last : null });
    if (out.records === 0) fail('the file holds no record');
    if (!lastWasSeal) fail(`the last record (${out.last}) is not followed by its seal`, { seq: out.last });
    await checkSignature(signature!, header!, keys, digest.digest('hex'), out);
    out.ok = true;
  } catch (e) {
    if (e instanceof Bad) out.problem = e.problem;
    else out.problem = { seq: null, id: null, reason: `the file cannot be read: ${(e as Error).message}${/incorrect header|unexpected end|invalid|zlib/i.test(String((e as { code?: string }).code ?? (e as Error).message)) ? ' (not an intact gzip file)' : ''}` };
  }
  out.sha256 = fileHash.digest('hex');
  if (out.ok && opts.trust?.length && out.signer) {
    out.trusted = opts.trust.map((t) => t.trim()).includes(out.signer.thumbprint);
    if (!out.trusted) {
      out.ok = false;
      out.problem = { seq: null, id: null, reason: `signed by key ${out.signer.kid} (thumbprint ${out.signer.thumbprint}), which is not one of the trust anchors given` };
    }
  }
  return out;
}

function readHeader(v: Record<string, unknown>): ArchiveHeader {
  if (v.format !== ARCHIVE_FORMAT) fail(`not an exchange audit archive (format ${JSON.stringify(v.format ?? null)}, expected ${ARCHIVE_FORMAT})`);
  const h = v as unknown as ArchiveHeader;
  const from = h.from as { seq?: unknown; prevHash?: unknown } | undefined;
  if (typeof h.chain !== 'string' || typeof h.signer !== 'string' || !Array.isArray(h.keys) || typeof from?.seq !== 'number' || typeof from.prevHash !== 'string') fail('the header is incomplete');
  if (from!.seq === 0 && from!.prevHash !== GENESIS) fail('the header says the file starts the chain but not after the genesis hash');
  return h;
}

async function checkSignature(jws: string, header: ArchiveHeader, keys: Map<string, KeyObject>, digest: string, out: ArchiveFileReport): Promise<void> {
  let kid: string | undefined;
  try {
    const h = decodeProtectedHeader(jws);
    if (h.alg !== 'EdDSA') fail(`the archive's signature is not EdDSA (${String(h.alg)})`);
    kid = h.kid;
  } catch (e) {
    if (e instanceof Bad) throw e;
    fail("the archive's signature is not a compact JWS");
  }
  if (!kid || kid !== header.signer) return fail(`the archive's signature names key ${String(kid)}, the header ${header.signer}`);
  let summary: SignedSummary;
  try {
    summary = JSON.parse(new TextDecoder().decode((await compactVerify(jws, keys.get(kid)!, { algorithms: ['EdDSA'] })).payload)) as SignedSummary;
  } catch {
    return fail("the archive's signature does not verify (the signature line was altered)");
  }
  const jwk = header.keys.find((k) => k.kid === kid)!;
  out.signer = { kid, thumbprint: await thumbprintOf(jwk) };
  if (summary.typ !== SIGNATURE_TAG || summary.chain !== header.chain) fail("the archive's signature is for another kind of file or chain");
  if (summary.digest !== digest) fail("the file's content differs from what was signed (a line was added, removed or changed after signing)");
  if (summary.first !== out.first || summary.last !== out.last || summary.lastHash !== out.lastHash || summary.records !== out.records || summary.seals !== out.seals) {
    fail(`the signed summary (records ${summary.first}…${summary.last}) differs from the file's content (${out.first}…${out.last})`);
  }
}

/**
 * Several archive files at once: each on its own, then, per chain, that each file continues the one
 * before it (its first record links to the previous file's last). Problems of continuity are added to
 * the later file's report.
 */
export async function verifyArchiveFiles(files: readonly string[], opts: { trust?: readonly string[] } = {}): Promise<ArchiveFileReport[]> {
  const reports: ArchiveFileReport[] = [];
  for (const f of files) reports.push(await verifyArchiveFile(f, opts));
  const byChain = new Map<string, ArchiveFileReport[]>();
  for (const r of reports) if (r.ok && r.chain !== null) byChain.set(r.chain, [...(byChain.get(r.chain) ?? []), r]);
  for (const list of byChain.values()) {
    list.sort((a, b) => a.first - b.first);
    for (let i = 1; i < list.length; i++) {
      const [a, b] = [list[i - 1]!, list[i]!];
      if (b.from!.seq !== a.last || b.from!.prevHash !== a.lastHash) {
        b.ok = false;
        b.problem = { seq: b.first, id: null, reason: `does not continue ${path.basename(a.file)} (which ends at ${a.last}; this one starts after ${b.from!.seq}${b.from!.seq === a.last ? ' with another hash' : ''})` };
      }
    }
  }
  return reports;
}
