import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { allMigrations } from '../../app.js';
import { openDatabase } from '../../platform/db.js';
import { KeyStore } from '../../platform/keys.js';
import { migrate } from '../../platform/migrations.js';
import { runCli } from '../../../test/cli-kit.js';
import { DATABASE_URL, freshDatabase, testPlatform, type TestPlatform } from '../../../test/harness.js';
import { archiveAuditLog, auditSealKeys, ensureCurrentPartitions, ExchangeAuditLog, ExchangeAuditReader, listPartitions, verifyArchiveFile, verifyArchiveFiles, type ArchiveResult } from './index.js';
import { isPartitioned } from './partitions.js';
import { syntheticRecord, writeSyntheticChain } from './synthetic.js';

/**
 * Archiving the exchange audit log: a month of records moves into signed files that verify on their
 * own, the database keeps the rest and still verifies, linked to the archive by its checkpoint; on
 * PostgreSQL the log is partitioned by month and the archived month's partition is dropped whole.
 */

let p: TestPlatform;
let shared: Awaited<ReturnType<typeof freshDatabase>>;
let dir: string;
let pg: boolean;
const ALI = '0499370899';
/** 120 records in October, then 200 from 1 November 00:00, ten seconds apart; a seal every 50. */
const OCTOBER = 120;
const at = (i: number) => (i < OCTOBER ? new Date(Date.UTC(2026, 9, 1) + i * 6 * 3600_000) : new Date(Date.UTC(2026, 10, 1) + (i - OCTOBER) * 10_000)).toISOString();

before(async () => {
  shared = await freshDatabase();
  p = await testPlatform({ shared });
  pg = p.database.dialect === 'postgres';
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-archive-'));
});
after(async () => {
  await p.dispose();
  await shared.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const reader = () => new ExchangeAuditReader(p.database.db, p.keys);
const count = async (table: string, chain: string) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where chain_id = ${chain}`.execute(p.database.db)).rows[0]!.n);
/** A file's lines, and the file written back from (changed) lines. */
const linesOf = (f: string) => zlib.gunzipSync(fs.readFileSync(f)).toString('utf8').trimEnd().split('\n');
const writeLines = (f: string, lines: string[]) => fs.writeFileSync(f, zlib.gzipSync(`${lines.join('\n')}\n`));

let first: ArchiveResult;

test('a month archived: signed files that verify alone and in sequence; the database keeps the rest, linked by its checkpoint, and still verifies', async () => {
  // Ali is named in every tenth record, directly or resolved from a plate.
  const record = (i: number) => (i % 10 === 0 ? (i % 20 === 0 ? { subject: ALI } : { subject: '12-B-345-67', persons: [ALI] }) : {});
  await writeSyntheticChain(p.database.db, p.database.dialect, p.keys, { chain: 'gw-a', count: OCTOBER + 200, at, sealEvery: 50, record });
  // A second node whose chain lies wholly in October: all of it is archived, and it can go on afterwards.
  await writeSyntheticChain(p.database.db, p.database.dialect, p.keys, { chain: 'gw-b', count: 30, at: (i) => at(i * 3), sealEvery: 10 });
  if (pg) assert.deepEqual((await listPartitions(p.database.db)).map((x) => x.name).filter((n) => /y2026m1[01]/.test(n)), ['exchange_audit_y2026m10', 'exchange_audit_y2026m11']);
  assert.equal((await reader().accessesOf(ALI)).archivedBefore, null, 'nothing archived yet');

  const t0 = performance.now();
  first = await archiveAuditLog(p.database.db, p.database.dialect, p.keys, { before: '2026-11-01', outputDir: dir, pageSize: 64, deleteBatch: 25 });
  const ms = performance.now() - t0;
  assert.deepEqual(first.problems, []);
  // gw-a is cut at its last seal whose record is within 15 minutes of the date: 200 (00:13:10); the
  // October partition then holds archived rows only.
  assert.deepEqual(first.chains, [
    { chain: 'gw-a', from: 1, upTo: 200, records: 200 },
    { chain: 'gw-b', from: 1, upTo: 30, records: 30 },
  ]);
  assert.deepEqual(
    first.files.map((f) => [f.file, f.records, f.seals]),
    [
      // gw-a's October file ends at the seal after which November begins (150), the rest of the cut is November's.
      ['exchange-audit_gw-a_2026-10_1-150.jsonl.gz', 150, 3],
      ['exchange-audit_gw-a_2026-11_151-200.jsonl.gz', 50, 1],
      ['exchange-audit_gw-b_2026-10_1-30.jsonl.gz', 30, 3],
    ],
  );
  assert.equal(first.records, 230);
  assert.equal(await count('exchange_audit', 'gw-a'), 120);
  assert.equal(await count('exchange_audit', 'gw-b'), 0);
  assert.equal(Number((await sql<{ n: number }>`select min(seq) as n from exchange_audit where chain_id = 'gw-a'`.execute(p.database.db)).rows[0]!.n), 201);
  assert.equal(Number((await sql<{ n: number }>`select count(*) as n from exchange_audit_persons where seq <= 200 and chain_id = 'gw-a'`.execute(p.database.db)).rows[0]!.n), 0, "the tracker's index of archived records goes too");
  assert.equal(await count('exchange_audit_seals', 'gw-a'), 3, 'the seals at 250, 300 and 320 stay; 200 is kept by the checkpoint');
  if (pg) {
    assert.deepEqual(first.deleted.partitions, ['exchange_audit_y2026m10'], "October's partition is dropped whole");
    const names = (await listPartitions(p.database.db)).map((x) => x.name);
    assert.ok(!names.includes('exchange_audit_y2026m10') && names.includes('exchange_audit_y2026m11'), names.join());
    assert.equal(first.deleted.records, 80, "November's first 80 records were deleted in batches");
  } else assert.equal(first.deleted.records, 230);

  // The database verifies on its own: gw-a's record 201 links to the archive's last seal.
  const v = await reader().verify();
  assert.equal(v.ok, true, JSON.stringify(v.firstBad));
  assert.deepEqual([v.chains, v.records, v.unsealed], [2, 120, 0]);
  assert.deepEqual(
    v.archived.map((a) => [a.chain, a.upTo, a.file]),
    [
      ['gw-a', 200, 'exchange-audit_gw-a_2026-11_151-200.jsonl.gz'],
      ['gw-b', 30, 'exchange-audit_gw-b_2026-10_1-30.jsonl.gz'],
    ],
  );
  // The files verify alone, and each chain's files in sequence; the signer is the platform's audit-seal key.
  const files = first.files.map((f) => path.join(dir, f.file));
  const anchors = (await auditSealKeys(p.keys)).map((k) => k.thumbprint);
  assert.equal(anchors[0], first.signer.thumbprint);
  const reports = await verifyArchiveFiles(files, { trust: anchors });
  for (const r of reports) assert.equal(r.ok, true, `${r.file}: ${JSON.stringify(r.problem)}`);
  assert.deepEqual(reports.map((r) => [r.chain, r.first, r.last, r.trusted]), [['gw-a', 1, 150, true], ['gw-a', 151, 200, true], ['gw-b', 1, 30, true]]);
  const written = new Map(first.files.map((f) => [f.file, f.sha256]));
  for (const a of v.archived) {
    assert.equal(a.sha256, written.get(a.file), 'the checkpoint names the file by its SHA-256');
    assert.equal(reports.find((r) => path.basename(r.file) === a.file)!.sha256, a.sha256);
  }

  // The data tracker and the statistics say what was archived.
  const tracked = await reader().accessesOf(ALI, { limit: 500 });
  assert.equal(tracked.archivedBefore, '2026-11-01T00:00:00.000Z');
  assert.equal(tracked.total, 12, 'the twelve reads of Ali among records 201…320');
  assert.equal((await reader().stats({ since: '2026-10-01', until: '2026-12-01' })).archivedBefore, '2026-11-01T00:00:00.000Z');
  console.log(`# archived ${first.records} records in ${ms.toFixed(0)} ms`);
});

test('after archiving, both chains go on where the archive left them; a second run continues the files', async () => {
  // gw-b has no row left: its head comes from the checkpoint, not from a new chain at 1.
  const log = new ExchangeAuditLog(p.database.db, p.database.dialect, { keys: p.keys, nodeId: 'gw-b' });
  await Promise.all(Array.from({ length: 5 }, (_, i) => log.append(syntheticRecord(1000 + i, new Date(Date.UTC(2026, 10, 20, 0, 0, i)).toISOString()))));
  await log.close();
  assert.equal(log.metrics().chain, 'gw-b');
  assert.deepEqual((await sql<{ seq: number }>`select seq from exchange_audit where chain_id = 'gw-b' order by seq`.execute(p.database.db)).rows.map((r) => Number(r.seq)), [31, 32, 33, 34, 35]);
  const v = await reader().verify();
  assert.equal(v.ok, true, JSON.stringify(v.firstBad));

  // This time from the command line (its one run of `audit archive`), with the date in the Jalali calendar: 10 Azar 1405 is 1 December 2026.
  const cli = await runCli(shared, ['audit', 'archive', '--before', '1405/09/10', '--output', dir, '--json']);
  assert.equal(cli.code, 0, cli.err);
  const second = JSON.parse(cli.out.trim().split('\n').at(-1)!) as ArchiveResult;
  assert.equal(second.before, '2026-12-01T00:00:00.000Z');
  assert.deepEqual(second.problems, []);
  assert.deepEqual(second.chains.map((c) => [c.chain, c.from, c.upTo]), [['gw-a', 201, 320], ['gw-b', 31, 35]]);
  if (pg) assert.deepEqual(second.deleted.partitions, ['exchange_audit_y2026m11']);
  const all = [...first.files, ...second.files].map((f) => path.join(dir, f.file));
  for (const r of await verifyArchiveFiles(all)) assert.equal(r.ok, true, `${r.file}: ${JSON.stringify(r.problem)}`);
  const w = await reader().verify();
  assert.equal(w.ok, true, JSON.stringify(w.firstBad));
  assert.equal(w.records, 0);
  // Files that do not continue one another are named.
  const gap = await verifyArchiveFiles([all[0]!, all[3]!]);
  assert.equal(gap[1]!.ok, false);
  assert.match(gap[1]!.problem!.reason, /does not continue exchange-audit_gw-a_2026-10_1-150/);
});

test('a tampered archive file is named, with the record or seal, or the part of the file, that gives it away', async () => {
  const good = path.join(dir, first.files[0]!.file);
  const copy = (name: string, change: (lines: string[]) => string[]) => {
    const f = path.join(dir, `tampered-${name}.jsonl.gz`);
    writeLines(f, change(linesOf(good)));
    return f;
  };
  // One field of record 17 changed.
  const altered = copy('field', (ls) => ls.map((l) => (l.includes('"seq":17,') && l.startsWith('{"r"') ? l.replace('"status":200', '"status":404') : l)));
  let r = await verifyArchiveFile(altered);
  assert.equal(r.ok, false);
  assert.deepEqual([r.problem!.seq, r.problem!.id], [17, syntheticRecord(17, '').id]);
  assert.match(r.problem!.reason, /does not match its hash/);
  // A record removed.
  r = await verifyArchiveFile(copy('gap', (ls) => ls.filter((l) => !(l.startsWith('{"r"') && l.includes('"seq":40,')))));
  assert.equal(r.problem!.seq, 40);
  assert.match(r.problem!.reason, /missing/);
  // A seal's signature.
  r = await verifyArchiveFile(copy('seal', (ls) => ls.map((l) => (l.startsWith('{"s"') && l.includes('"seq":100,') ? l.replace(/"jws":"([^.]+)\.([^.]+)\.(.)/, (_m, a: string, b: string, c: string) => `"jws":"${a}.${b}.${c === 'A' ? 'B' : 'A'}`) : l))));
  assert.equal(r.problem!.seq, 100);
  assert.match(r.problem!.reason, /seal 100: seal signature does not verify/);
  // Cut short, and a byte of the gzip stream broken.
  r = await verifyArchiveFile(copy('short', (ls) => ls.slice(0, -1)));
  assert.match(r.problem!.reason, /without its signature line/);
  const broken = path.join(dir, 'tampered-bytes.jsonl.gz');
  const bytes = fs.readFileSync(good);
  fs.writeFileSync(broken, bytes.subarray(0, bytes.length - 20));
  r = await verifyArchiveFile(broken);
  assert.match(r.problem!.reason, /cannot be read/);
  // Rewritten with every hash, seal and the signature remade by someone else's key: only the trust anchor tells.
  const anchors = (await auditSealKeys(p.keys)).map((k) => k.thumbprint);
  const untrusted = await verifyArchiveFile(good, { trust: ['not-the-platform-key'] });
  assert.equal(untrusted.ok, false);
  assert.match(untrusted.problem!.reason, /not one of the trust anchors/);
  assert.equal((await verifyArchiveFile(good, { trust: anchors })).trusted, true);

  // The command line: `audit verify --archive` names the file and the record (one process, no database opened).
  const out = await runCli({ dataDir: dir }, ['audit', 'verify', '--archive', good, altered, '--trust', anchors[0]!]);
  assert.equal(out.code, 1, out.err);
  assert.match(out.out, /OK .*1-150\.jsonl\.gz: chain gw-a, records 1…150/);
  assert.match(out.err + out.out, /tampered-field\.jsonl\.gz: BROKEN at sequence 17/);
});

test('PostgreSQL: a write in a month without its partition yet is stored, even from several nodes at once', { skip: process.env.DATABASE_URL ? false : 'SQLite keeps one table' }, async () => {
  const month = new Date(Date.UTC(2031, 4, 1)).toISOString();
  assert.ok(!(await listPartitions(p.database.db)).some((x) => x.name === 'exchange_audit_y2031m05'));
  const logs = ['gw-m1', 'gw-m2', 'gw-m3'].map((nodeId) => new ExchangeAuditLog(p.database.db, p.database.dialect, { keys: p.keys, nodeId }));
  // 00:00 on the 1st on three nodes: each batch meets the missing partition; one makes it, the others find it.
  await Promise.all(logs.flatMap((log, n) => Array.from({ length: 20 }, (_, i) => log.append(syntheticRecord(5000 + n * 100 + i, month)))));
  await Promise.all(logs.map((l) => l.close()));
  assert.ok((await listPartitions(p.database.db)).some((x) => x.name === 'exchange_audit_y2031m05'));
  assert.equal(Number((await sql<{ n: number }>`select count(*) as n from exchange_audit_y2031m05`.execute(p.database.db)).rows[0]!.n), 60);
  for (const l of logs) assert.equal(l.metrics().chain, l.nodeId, 'no node lost its chain over it');
  const v = await reader().verify();
  assert.equal(v.ok, true, JSON.stringify(v.firstBad));
  // The daily job (and a worker's start) makes the current and the next month ahead of any write.
  assert.deepEqual(await ensureCurrentPartitions(p.database.db, new Date('2031-07-15T12:00:00Z')), ['exchange_audit_y2031m07', 'exchange_audit_y2031m08']);
  assert.deepEqual(await ensureCurrentPartitions(p.database.db, new Date('2031-07-31T23:59:59Z')), [], 'made once');
});

test('PostgreSQL: the migration turns an existing log into monthly partitions; it still verifies and goes on', { skip: DATABASE_URL ? false : 'SQLite keeps one table' }, async () => {
  const shared = await freshDatabase();
  const database = openDatabase({ databaseUrl: DATABASE_URL, dataDir: shared.dataDir }, { pgSchema: shared.pgSchema });
  try {
    await migrate(database.db, 'postgres', allMigrations.filter((m) => m.name < '20261207-42'));
    const keys = new KeyStore(database.db);
    // The log as an earlier version wrote it: one table (plain inserts, no partitions, no head row).
    await writeSyntheticChain(database.db, 'postgres', keys, { chain: 'old-1', count: 300, at: (i) => new Date(Date.UTC(2026, 8, 1) + i * 6 * 3600_000).toISOString(), sealEvery: 100, unpartitioned: true });
    assert.equal(await isPartitioned(database.db), false);
    await migrate(database.db, 'postgres', allMigrations);
    assert.equal(await isPartitioned(database.db), true);
    assert.deepEqual((await listPartitions(database.db)).map((x) => [x.name, x.from]), [
      ['exchange_audit_y2026m09', '2026-09-01T00:00:00.000Z'],
      ['exchange_audit_y2026m10', '2026-10-01T00:00:00.000Z'],
      ['exchange_audit_y2026m11', '2026-11-01T00:00:00.000Z'],
    ]);
    const indexes = (await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'exchange_audit_y2026m10' order by 1`.execute(database.db)).rows.map((r) => r.name);
    assert.equal(indexes.length, 4, `the parent's three indexes and the partition's unique (chain_id, seq): ${indexes.join()}`);
    const read = new ExchangeAuditReader(database.db, keys);
    let v = await read.verify();
    assert.equal(v.ok, true, JSON.stringify(v.firstBad));
    assert.equal(v.records, 300);
    // The node goes on from its head, kept now in its registration.
    const log = new ExchangeAuditLog(database.db, 'postgres', { keys, nodeId: 'old-1' });
    await Promise.all([1, 2, 3].map((i) => log.append(syntheticRecord(900 + i, new Date(Date.UTC(2026, 11, 1, 0, 0, i)).toISOString()))));
    await log.close();
    assert.equal(log.metrics().chain, 'old-1');
    v = await read.verify();
    assert.equal(v.ok, true, JSON.stringify(v.firstBad));
    assert.equal(v.records, 303);
  } finally {
    await database.close();
    await shared.drop();
  }
});
