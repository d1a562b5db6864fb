import { createHash } from 'node:crypto';

/** One call through the gateway, allowed or refused, as the gateway hands it to the log. */
export interface ExchangeAuditRecord {
  /** The X-Road-Id of the call. */
  id: string;
  /** ISO time the call arrived. */
  at: string;
  client: string | null;
  service: string | null;
  method: string;
  /** Without query values. */
  path: string;
  /** The value the request named the data subject by, as sent (a national code, or a plate, a certificate number…). */
  subject: string | null;
  /**
   * When the subject was named indirectly: the national codes of the people the owning agency said it
   * names (an empty list: nobody). Null when the subject is itself a national code, or nothing was named.
   */
  persons?: readonly string[] | null;
  consentId: string | null;
  legalBasis: string | null;
  status: number;
  errorType: string | null;
  latencyMs: number;
  requestBytes: number;
  responseBytes: number;
  /** SHA-256 of the request body, hex. */
  requestHash: string;
  /** SHA-256 of the response body, hex. */
  responseHash: string;
}

/** A record as stored: its place in its chain and the two hashes that link it. */
export interface AuditRow {
  chain_id: string;
  seq: number;
  id: string;
  at: string;
  client: string | null;
  service: string | null;
  /** The provider member (`INSTANCE/CLASS/MEMBER`) of `service`, kept for the statistics; checked by verify. */
  provider: string | null;
  method: string;
  path: string;
  subject: string | null;
  consent_id: string | null;
  legal_basis: string | null;
  status: number;
  error_type: string | null;
  /**
   * The resolved people (`persons` of the record) as the JSON text of a sorted array without repeats,
   * e.g. `["0499370899"]`; null when the record has none. Hashed (format v2, see canonicalRecord) and
   * indexed, one row per person, in exchange_audit_persons for the data tracker.
   */
  persons: string | null;
  /** Microseconds: an integer, so the canonical encoding of the hash has no float formatting in it. */
  latency_us: number;
  request_bytes: number;
  response_bytes: number;
  request_hash: string;
  response_hash: string;
  prev_hash: string;
  hash: string;
}

/** The prev_hash of the first record of every chain. */
export const GENESIS = '0'.repeat(64);
const RECORD_TAG = 'panjareh.exchange-audit.v1';
/** Records that name resolved people: the v1 array with the persons text appended. */
const RECORD_TAG_V2 = 'panjareh.exchange-audit.v2';
const PERSON = /^[0-9]{10}([0-9]{2})?$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** `INSTANCE/CLASS/MEMBER` of a service id `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE`; null when it has fewer parts. */
export function providerOf(service: string | null): string | null {
  if (!service) return null;
  const a = service.indexOf('/');
  const b = a < 0 ? -1 : service.indexOf('/', a + 1);
  if (b < 0) return null;
  const c = service.indexOf('/', b + 1);
  return c < 0 ? service : service.slice(0, c);
}

export type RecordFields = Omit<AuditRow, 'chain_id' | 'seq' | 'prev_hash' | 'hash'>;

function text(v: unknown, field: string, nullable: boolean): string | null {
  if (v === null || v === undefined) {
    if (nullable) return null;
    throw new TypeError(`exchange audit record: ${field} is required`);
  }
  if (typeof v !== 'string') throw new TypeError(`exchange audit record: ${field} must be a string`);
  return v;
}

function count(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TypeError(`exchange audit record: ${field} must be a non-negative number`);
  return Math.round(v);
}

function sha256Hex(v: unknown, field: string): string {
  const h = text(v, field, false)!.toLowerCase();
  if (!HEX64.test(h)) throw new TypeError(`exchange audit record: ${field} must be a SHA-256 in hex`);
  return h;
}

/** The stored text of a record's persons: sorted, without repeats; null for none given. */
function personsText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) throw new TypeError('exchange audit record: persons must be a list of national codes');
  for (const p of v) if (typeof p !== 'string' || !PERSON.test(p)) throw new TypeError('exchange audit record: persons must be national codes');
  return JSON.stringify([...new Set(v as string[])].sort());
}

/** The people a stored persons text names (none for null). */
export const personsOf = (text: string | null | undefined): string[] => (text ? (JSON.parse(text) as string[]) : []);

function isoTime(v: unknown): string {
  const when = new Date(text(v, 'at', false)!);
  if (Number.isNaN(when.getTime())) throw new TypeError(`exchange audit record: at is not a time: ${String(v)}`);
  // One format (toISOString) so that time windows compare as text on both databases.
  return when.toISOString();
}

/**
 * Checks a record from the gateway and turns it into the stored fields. A malformed record is a bug
 * in the caller: it is refused (the append rejects) rather than stored in a form nobody asked for.
 * (Helpers at module level, not closures: this runs once per gateway call.)
 */
export function toFields(r: ExchangeAuditRecord): RecordFields {
  const id = text(r.id, 'id', false)!;
  if (id === '') throw new TypeError('exchange audit record: id is empty');
  const service = text(r.service, 'service', true);
  return {
    id,
    at: isoTime(r.at),
    client: text(r.client, 'client', true),
    service,
    provider: providerOf(service),
    method: text(r.method, 'method', false)!,
    path: text(r.path, 'path', false)!,
    subject: text(r.subject, 'subject', true),
    consent_id: text(r.consentId, 'consentId', true),
    legal_basis: text(r.legalBasis, 'legalBasis', true),
    status: count(r.status, 'status'),
    error_type: text(r.errorType, 'errorType', true),
    persons: personsText(r.persons),
    latency_us: Math.round(count(r.latencyMs * 1000, 'latencyMs')),
    request_bytes: count(r.requestBytes, 'requestBytes'),
    response_bytes: count(r.responseBytes, 'responseBytes'),
    request_hash: sha256Hex(r.requestHash, 'requestHash'),
    response_hash: sha256Hex(r.responseHash, 'responseHash'),
  };
}

/**
 * The hash of a record: SHA-256 (hex) of the JSON array of a version tag, the chain id, the sequence
 * number, the previous hash and every field in a fixed order. Strings, integers and null only, so
 * any language's JSON encoder that does not add spaces gives the same bytes. A record without
 * resolved people is format v1 (exactly as before they existed, so older records verify unchanged);
 * one with them is v2: tag `panjareh.exchange-audit.v2` and the persons text (a string) appended.
 */
export function recordHash(chain: string, seq: number, prev: string, f: RecordFields): string {
  return hashOfCanonical(canonicalRecord(chain, seq, prev, f));
}

export const hashOfCanonical = (canonical: string): string => createHash('sha256').update(canonical).digest('hex');

/** What each element of the canonical array is: the tag, then stored columns (the SQLite writer maps them back); v2 appends `persons`. */
export const CANONICAL_ORDER = ['tag', 'chain_id', 'seq', 'prev_hash', 'id', 'at', 'client', 'service', 'method', 'path', 'subject', 'consent_id', 'legal_basis', 'status', 'error_type', 'latency_us', 'request_bytes', 'response_bytes', 'request_hash', 'response_hash'] as const;

/** The canonical JSON text a record's hash is taken over (see recordHash). */
export function canonicalRecord(chain: string, seq: number, prev: string, f: RecordFields): string {
  const fields: Array<string | number | null> = [
    RECORD_TAG,
    chain,
    seq,
    prev,
    f.id,
    f.at,
    f.client,
    f.service,
    f.method,
    f.path,
    f.subject,
    f.consent_id,
    f.legal_basis,
    f.status,
    f.error_type,
    f.latency_us,
    f.request_bytes,
    f.response_bytes,
    f.request_hash,
    f.response_hash,
  ];
  if (f.persons === null || f.persons === undefined) return JSON.stringify(fields);
  fields[0] = RECORD_TAG_V2;
  fields.push(f.persons);
  return JSON.stringify(fields);
}

/**
 * Chains records on a chain's head: each gets the next sequence number, the previous record's hash and
 * its own. As rows for an INSERT, or (for the SQLite writer thread) as one JSON text of
 * `[canonical array, provider, hash, persons]` per record: the canonical text is made for the hash anyway, and
 * one string crosses to the thread far cheaper than thousands of structured-cloned values.
 */
export function chainBatch(chain: string, head: { seq: number; hash: string }, batch: RecordFields[], as: 'rows' | 'text'): { rows: AuditRow[]; text: string; top: { seq: number; hash: string } } {
  let prev = head.hash;
  const rows: AuditRow[] = [];
  const parts: string[] = [];
  for (let i = 0; i < batch.length; i++) {
    const f = batch[i]!;
    const seq = head.seq + 1 + i;
    const canonical = canonicalRecord(chain, seq, prev, f);
    const hash = hashOfCanonical(canonical);
    if (as === 'text') parts.push(`[${canonical},${JSON.stringify(f.provider)},"${hash}",${JSON.stringify(f.persons ?? null)}]`);
    else rows.push({ ...f, chain_id: chain, seq, prev_hash: prev, hash });
    prev = hash;
  }
  return { rows, text: `[${parts.join(',')}]`, top: batch.length ? { seq: head.seq + batch.length, hash: prev } : head };
}

/** A stored row back in the gateway's terms. */
export function toRecord(row: AuditRow): ExchangeAuditRecord {
  return {
    id: row.id,
    at: row.at,
    client: row.client,
    service: row.service,
    method: row.method,
    path: row.path,
    subject: row.subject,
    consentId: row.consent_id,
    legalBasis: row.legal_basis,
    status: Number(row.status),
    errorType: row.error_type,
    persons: row.persons ? personsOf(row.persons) : null,
    latencyMs: Number(row.latency_us) / 1000,
    requestBytes: Number(row.request_bytes),
    responseBytes: Number(row.response_bytes),
    requestHash: row.request_hash,
    responseHash: row.response_hash,
  };
}
