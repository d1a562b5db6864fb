import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { testPlatform } from '../../../test/harness.js';
import { ExchangeAuditLog, ExchangeAuditReader, type ExchangeAuditRecord } from './index.js';
import { canonicalRecord, toFields } from './record.js';

/**
 * Records whose subject was named indirectly (a plate, a certificate number, a postal code) carry the
 * people the owning agency resolved it to: hashed with the record (format v2), indexed per person for
 * the data tracker, and checked by verify; records without them keep format v1 byte for byte.
 */

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const ALI = '0499370899';
const ZAHRA = '1287654320';
/** A postal code that happens to be a valid national code: it must not show in that person's tracker. */
const POSTAL_LOOKALIKE = ZAHRA;

function record(i: number, over: Partial<ExchangeAuditRecord> = {}): ExchangeAuditRecord {
  return {
    id: randomUUID(),
    at: new Date(Date.UTC(2026, 11, 7, 8, 0, 0, i)).toISOString(),
    client: 'IR/GOV/PANJAREH/portal',
    service: 'IR/GOV/RAHVAR/traffic/vehicle-fines',
    method: 'GET',
    path: '/vehicles/{plate}/fines',
    subject: '12-B-345-67',
    consentId: null,
    legalBasis: 'Portal',
    status: 200,
    errorType: null,
    latencyMs: 1,
    requestBytes: 0,
    responseBytes: 10,
    requestHash: sha(''),
    responseHash: sha(`r${i}`),
    ...over,
  };
}

test('a record without people keeps the v1 canonical form; one with people is v2, sorted and without repeats', () => {
  const plain = toFields(record(1));
  assert.equal(plain.persons, null);
  const v1 = JSON.parse(canonicalRecord('c', 1, '0'.repeat(64), plain)) as unknown[];
  assert.equal(v1[0], 'panjareh.exchange-audit.v1');
  assert.equal(v1.length, 20);
  const resolved = toFields(record(2, { persons: [ZAHRA, ALI, ZAHRA] }));
  assert.equal(resolved.persons, JSON.stringify([ALI, ZAHRA]));
  const v2 = JSON.parse(canonicalRecord('c', 1, '0'.repeat(64), resolved)) as unknown[];
  assert.deepEqual([v2[0], v2.length, v2[20]], ['panjareh.exchange-audit.v2', 21, `["${ALI}","${ZAHRA}"]`]);
  assert.equal(toFields(record(3, { persons: [] })).persons, '[]', 'resolved to nobody is not the same as not resolved');
  assert.throws(() => toFields(record(4, { persons: ['12-B-345-67'] })), /national codes/);
  assert.throws(() => toFields(record(5, { persons: 'x' as never })), /list of national codes/);
});

test('the tracker finds resolved reads through the index, never by an indirect subject; verify checks the index', async () => {
  const p = await testPlatform();
  const log = new ExchangeAuditLog(p.database.db, p.database.dialect, { keys: p.keys, nodeId: 'node-p', sealEveryRecords: 3 });
  try {
    const fines = Array.from({ length: 6 }, (_, i) => record(10 + i, { persons: [ALI] }));
    const address = record(20, { service: 'IR/GOV/POST/postal/address', path: '/addresses/{postalCode}', subject: POSTAL_LOOKALIKE, persons: [ALI] });
    const named = record(21, { service: 'IR/GOV/NOCR/registry/person', path: '/persons/{nationalCode}', subject: ZAHRA });
    const nobody = record(22, { subject: '99-B-999-99', persons: [] });
    const refused = record(23, { persons: [ALI], status: 403, errorType: 'Server.ServerProxy.ConsentInvalid' });
    await Promise.all([...fines, address, named, nobody, refused].map((r) => log.append(r)));
    await log.close();

    const reader = new ExchangeAuditReader(p.database.db, p.keys);
    const ali = await reader.accessesOf(ALI, { limit: 50 });
    assert.equal(ali.total, 8, 'six fines, the address of his home, and the refused call');
    assert.deepEqual(ali.items.map((r) => r.id), [refused, address, ...fines.reverse()].map((r) => r.id), 'newest first');
    assert.deepEqual(ali.items[1]!.persons, [ALI]);
    assert.equal(ali.items[1]!.subject, POSTAL_LOOKALIKE, 'the record keeps what the request named');
    assert.equal((await reader.accessesOf(ALI, { successfulOnly: true })).total, 7);
    const page2 = await reader.accessesOf(ALI, { limit: 3, offset: 3 });
    assert.deepEqual(page2.items.map((r) => r.id), ali.items.slice(3, 6).map((r) => r.id), 'pages across both halves');
    const zahra = await reader.accessesOf(ZAHRA);
    assert.deepEqual(zahra.items.map((r) => r.id), [named.id], 'named by her code; not the postal code that looks like it');

    const ok = await reader.verify();
    assert.equal(ok.ok, true, JSON.stringify(ok.firstBad));
    assert.equal(ok.records, 10);

    const db = p.database.db;
    const seqOf = async (id: string) => Number((await sql<{ seq: number }>`select seq from exchange_audit where id = ${id}`.execute(db)).rows[0]!.seq);
    const seq = await seqOf(address.id);
    await sql`delete from exchange_audit_persons where chain_id = 'node-p' and seq = ${seq}`.execute(db);
    const removed = await reader.verify();
    assert.equal(removed.ok, false);
    assert.equal(removed.firstBad?.id, address.id);
    assert.match(removed.firstBad!.reason, /data tracker's index/);
    assert.equal((await reader.accessesOf(ALI)).total, 7, 'this is what hiding a read from the tracker would look like');
    await sql`insert into exchange_audit_persons (person, at, chain_id, seq) values (${ALI}, ${address.at}, 'node-p', ${seq})`.execute(db);
    assert.equal((await reader.verify()).ok, true, 'restored');

    const namedSeq = await seqOf(named.id);
    await sql`insert into exchange_audit_persons (person, at, chain_id, seq) values (${ALI}, ${named.at}, 'node-p', ${namedSeq})`.execute(db);
    const added = await reader.verify();
    assert.equal(added.firstBad?.id, named.id, 'a person added to the index of a record that names nobody');
    await sql`delete from exchange_audit_persons where chain_id = 'node-p' and seq = ${namedSeq}`.execute(db);

    await sql`update exchange_audit set persons = ${JSON.stringify([ZAHRA])} where id = ${address.id}`.execute(db);
    await sql`update exchange_audit_persons set person = ${ZAHRA} where chain_id = 'node-p' and seq = ${seq}`.execute(db);
    const altered = await reader.verify();
    assert.equal(altered.firstBad?.id, address.id);
    assert.match(altered.firstBad!.reason, /does not match its hash/, 'the people are part of the hashed record');
  } finally {
    await log.close();
    await p.dispose();
  }
});
