import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import pg from 'pg';
import { formatNumber, type IssueRequest } from '../src/documents/index.js';
import { ExchangeAuditReader } from '../src/exchange/audit/index.js';
import { runCli } from './cli-kit.js';
import { BANK_CLIENT, PERSON_SERVICE, registerBankAndRegistry, startUpstream } from './exchange-helpers.js';
import { DATABASE_URL, dialectUnderTest, eventually, freshDatabase, testPlatform, type TestPlatform } from './harness.js';
import { pdfsigReport } from './pdfsig.js';

/**
 * Backups taken while the platform serves (docs/operations.md, Backups). On SQLite: `panjareh backup`
 * runs while gateway calls keep coming, `panjareh restore` brings the archive back into an empty
 * directory, and the platform opened on it has an intact audit log holding every call answered before
 * the backup, the same uploaded file, and the same signed document, still valid, under the same
 * certificate; a restore onto a live directory and one of a changed archive are refused. On
 * PostgreSQL: `panjareh backup` says it does not apply, and the documented pg_dump / pg_restore
 * procedure runs once, under the same load, with the same checks.
 */

const run = promisify(execFile);
const CLIENT = BANK_CLIENT;
const SERVICE = PERSON_SERVICE;
const onPath = (cmd: string) => (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
const SQLITE_ONLY = dialectUnderTest === 'sqlite' ? false : 'SQLite backups: this run is on PostgreSQL';
const PG_ONLY =
  dialectUnderTest !== 'postgres'
    ? 'the pg_dump procedure runs in the PostgreSQL half (DATABASE_URL=postgres://…)'
    : !onPath('pg_dump') || !onPath('pg_restore') || !onPath('psql')
      ? 'pg_dump, pg_restore or psql is not installed (Debian: postgresql-client; scripts/setup-test-env.mjs installs it)'
      : false;

const request: IssueRequest = {
  type: 'criminal-record-certificate',
  title: { fa: 'گواهی عدم سوءپیشینه', en: 'Criminal record certificate' },
  organization: { code: 'JUDICIARY', name: { fa: 'قوه قضاییه', en: 'Judiciary' } },
  holder: { nationalCode: '0012345679', name: { fa: 'علی محمدی', en: 'Ali Mohammadi' } },
  fields: [{ key: 'purpose', label: { fa: 'منظور', en: 'Purpose' }, value: 'ارائه به سفارت' }],
  validDays: 90,
};

let db: Awaited<ReturnType<typeof freshDatabase>>;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let live: TestPlatform | undefined;
let key: string;
let tmp: string;
/** What was made before any backup, to find again after a restore. */
const made: { documentId: string; pdf: Buffer; certificate: string; fileId: string } = { documentId: '', pdf: Buffer.alloc(0), certificate: '', fileId: '' };

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-backup-'));
  db = await freshDatabase();
  upstream = await startUpstream();
  live = await testPlatform({ shared: db, listen: true, env: { PANJAREH_NODE_ID: 'backup-live' } });
  key = await registerBankAndRegistry(live, upstream.url, 'Backup test');
  const doc = await live.documents.issue(live.database.db, request);
  made.documentId = doc.id;
  made.pdf = (await live.documents.pdf(doc.id))!;
  made.certificate = await live.documents.signingCertificatePem();
  made.fileId = (await live.files.put(live.database.db, { bytes: Buffer.from('%PDF-1.4\n% an employer letter\n%%EOF\n'), name: 'letter.pdf', owner: 'test:backup' })).id;
});

after(async () => {
  await live?.dispose();
  await upstream?.close();
  await db?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Gateway calls from `clients` loops until stopped: the X-Road-Ids answered 200, in order, and any other answer. */
function traffic(clients = 4) {
  let stopped = false;
  const answered: string[] = [];
  const failures: string[] = [];
  const url = `${live!.url}/r1/${SERVICE}/persons/0499370899`;
  const loop = async () => {
    while (!stopped) {
      const r = await fetch(url, { headers: { 'x-road-client': CLIENT, authorization: `ApiKey ${key}` } });
      const body = await r.text();
      if (r.status === 200) answered.push(r.headers.get('x-road-id')!);
      else failures.push(`${r.status} ${body.slice(0, 200)}`);
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return {
    answered,
    failures,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** A backup taken while `traffic` runs: the calls answered before it began, and how many were answered while it ran. */
async function underLoad(takeBackup: () => Promise<void>): Promise<{ before: string[]; during: number }> {
  const t = traffic();
  let before: string[];
  let during: number;
  try {
    await eventually(() => t.answered.length >= 20, 30_000);
    before = [...t.answered];
    await takeBackup();
    during = t.answered.length - before.length;
  } finally {
    await t.stop();
  }
  assert.deepEqual(t.failures, [], 'every call was answered while the backup was taken');
  assert.ok(during > 0, 'calls were answered while the backup was taken');
  return { before, during };
}

/** The checks of a restored platform: audit log, the calls answered before the backup, the document, the uploaded file. */
async function checkRestored(p: TestPlatform, answeredBefore: string[]): Promise<void> {
  const v = await new ExchangeAuditReader(p.database.db, p.keys).verify();
  assert.ok(v.ok, `audit verify: ${JSON.stringify(v.firstBad)}`);
  assert.ok(v.records >= answeredBefore.length, `${v.records} records`);
  const stored = new Set((await sql<{ id: string }>`select id from exchange_audit`.execute(p.database.db)).rows.map((r) => r.id));
  assert.deepEqual(answeredBefore.filter((id) => !stored.has(id)), [], 'every call answered before the backup has its record');

  assert.equal((await p.documents.verification(formatNumber(made.documentId)))?.status, 'valid');
  const pdf = (await p.documents.pdf(made.documentId))!;
  assert.ok(pdf.equals(made.pdf), 'the signed PDF, byte for byte');
  assert.equal(await p.documents.signingCertificatePem(), made.certificate, 'the same document-signing key and certificate');
  const file = path.join(tmp, `restored-${dialectUnderTest}.pdf`);
  fs.writeFileSync(file, pdf);
  const report = await pdfsigReport(file);
  assert.match(report, /Signature Validation: Signature is Valid\./);
  // A new document is signed with the restored key: its PDF embeds the same certificate.
  const again = await p.documents.issue(p.database.db, request);
  assert.equal((await p.documents.verification(again.id))?.status, 'valid');

  const letter = await p.files.get(made.fileId);
  assert.equal(letter?.name, 'letter.pdf');
  assert.match(letter!.bytes.toString('latin1'), /an employer letter/);
}

test('SQLite: a backup taken while the gateway serves, restored into an empty directory: audit verify passes, the document and the file are there', { skip: SQLITE_ONLY }, async () => {
  const archive = path.join(tmp, 'panjareh.tar.gz');
  const restored = path.join(tmp, 'restored');
  let sha256 = '';
  const load = await underLoad(async () => {
    const b = await runCli(db, ['backup', '--output', archive]);
    assert.equal(b.code, 0, b.err);
    assert.match(b.out, /^Backup written to .*panjareh\.tar\.gz \([\d.]+ MB\): the database as of \S+, \d+ schema migrations, 1 uploaded file\(s\), \d+ signing key\(s\)\.$/m);
    sha256 = /^SHA-256 of the archive: ([0-9a-f]{64}) /m.exec(b.out)?.[1] ?? '';
  });
  assert.equal(sha256, createHash('sha256').update(fs.readFileSync(archive)).digest('hex'), 'the SHA-256 printed is the archive’s');
  assert.equal(fs.statSync(archive).mode & 0o777, 0o600, 'readable by its owner only: it holds the keys');
  const taken = await sql<{ actor: string }>`select actor from audit_log where action = 'backup.create' and subject = ${`backup:${sha256}`}`.execute(live!.database.db);
  assert.deepEqual(taken.rows, [{ actor: 'cli' }], 'the live audit log records the backup and its SHA-256');
  assert.deepEqual(fs.readdirSync(db.dataDir).filter((n) => !/^panjareh\.sqlite(-wal|-shm)?$/.test(n)), [], 'no copy left beside the live database');

  const r = await runCli(db, ['restore', '--input', archive, '--data-dir', restored]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /every part matched its manifest; \d+ schema migrations, 1 uploaded file\(s\)/);
  assert.ok(r.out.includes(`SHA-256 of the archive: ${sha256} `));
  assert.deepEqual(fs.readdirSync(restored), ['panjareh.sqlite']);

  const p = await testPlatform({ shared: { dataDir: restored } });
  try {
    await checkRestored(p, load.before);
    const from = await sql<{ subject: string }>`select subject from audit_log where action = 'backup.restore'`.execute(p.database.db);
    assert.deepEqual(from.rows, [{ subject: `backup:${sha256}` }], 'the restored audit log says which backup it came from');
  } finally {
    await p.dispose();
  }
});

test('SQLite: a restore refuses a directory that is not empty and an archive changed by one byte, and leaves both as they were', { skip: SQLITE_ONLY }, async () => {
  const archive = path.join(tmp, 'panjareh.tar.gz');
  assert.ok(fs.existsSync(archive), 'the archive of the test before');
  // One byte of the database changed inside a well-formed gzip and tar: only the manifest's SHA-256 can tell.
  const tar = gunzipSync(fs.readFileSync(archive));
  const manifestSize = parseInt(tar.toString('latin1', 124, 135), 8);
  const databaseAt = 512 + Math.ceil(manifestSize / 512) * 512 + 512;
  tar[databaseAt + 4096 + 200] ^= 0x01;
  const changed = path.join(tmp, 'changed.tar.gz');
  fs.writeFileSync(changed, gzipSync(tar));
  const target = path.join(tmp, 'never-made');
  const liveFiles = fs.readdirSync(db.dataDir).sort();

  const [onLive, onChanged] = await Promise.all([runCli(db, ['restore', '--input', archive, '--data-dir', db.dataDir]), runCli(db, ['restore', '--input', changed, '--data-dir', target])]);
  assert.equal(onLive.code, 1);
  assert.match(onLive.err, /is not empty \(it holds .*panjareh\.sqlite.*\): a restore goes only into an empty data directory/);
  assert.deepEqual(fs.readdirSync(db.dataDir).sort(), liveFiles);
  assert.equal(onChanged.code, 1);
  assert.match(onChanged.err, /the archive is refused: its panjareh\.sqlite does not match the manifest .* nothing was restored/);
  assert.equal(fs.existsSync(target), false, 'the directory it would have made is not left behind');
});

test('PostgreSQL: panjareh backup says it does not apply, names pg_dump and exits 2', { skip: dialectUnderTest === 'postgres' ? false : 'a SQLite run backs up with panjareh backup' }, async () => {
  const r = await runCli(db, ['backup', '--output', path.join(tmp, 'never.tar.gz')]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, new RegExp(`configured for PostgreSQL.*pg_dump --format=custom --schema=${db.pgSchema} .*docs/operations\\.md`));
  assert.equal(fs.existsSync(path.join(tmp, 'never.tar.gz')), false);
});

test('PostgreSQL: pg_dump while the gateway serves, pg_restore into an empty schema: audit verify passes, the document and the file are there', { skip: PG_ONLY }, async () => {
  const schema = db.pgSchema!;
  const aside = `${schema}_aside`;
  const dump = path.join(tmp, 'panjareh.dump');
  const load = await underLoad(async () => {
    await run('pg_dump', ['--format=custom', `--schema=${schema}`, '--no-owner', '--no-privileges', `--file=${dump}`, DATABASE_URL!]);
  });
  await live!.dispose();
  live = undefined;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    // The schema as it was is kept aside, as an operator may keep a damaged one; then the documented steps.
    await admin.query(`alter schema ${schema} rename to ${aside}`);
    await run('psql', [DATABASE_URL!, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `DROP SCHEMA IF EXISTS "${schema}"`]);
    await run('pg_restore', ['--exit-on-error', '--single-transaction', '--no-owner', '--no-privileges', `--dbname=${DATABASE_URL}`, dump]);
    const p = await testPlatform({ shared: { dataDir: path.join(tmp, 'pg-node'), pgSchema: schema } });
    try {
      await checkRestored(p, load.before);
    } finally {
      await p.dispose();
    }
  } finally {
    await admin.query(`drop schema if exists ${aside} cascade`);
    await admin.end();
  }
});
