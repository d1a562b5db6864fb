/**
 * Exchange audit log benchmark (`npm run bench:audit`): records appended durably per second by
 * concurrent callers with group commit, beside one commit per record, in the same run on the same
 * database; append latency; batch sizes; and how fast `verify` reads the result. Prints Markdown.
 *
 * Environment (all optional): BENCH_SECONDS (5 s per case), BENCH_CONCURRENCY (64 callers),
 * DATABASE_URL (postgres://… to run on PostgreSQL, in a schema of its own).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPlatform, type Platform } from '../src/app.js';
import { ExchangeAuditLog, ExchangeAuditReader, type ExchangeAuditLogOptions, type ExchangeAuditRecord } from '../src/exchange/audit/index.js';
import { loadConfig } from '../src/platform/config.js';
import { fmt, percentileOf, table } from './lib/report.js';
import { pgStatement } from './lib/pg-admin.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;
const EMPTY = createHash('sha256').digest('hex');

function record(): ExchangeAuditRecord {
  return {
    id: randomUUID(),
    at: new Date().toISOString(),
    client: 'IR/COM/10100000001/kyc',
    service: 'IR/GOV/NOCR/registry/person',
    method: 'GET',
    path: '/person/{nationalCode}',
    subject: '0012345678',
    consentId: 'c-1',
    legalBasis: null,
    status: 200,
    errorType: null,
    latencyMs: 1.5,
    requestBytes: 0,
    responseBytes: 512,
    requestHash: EMPTY,
    responseHash: EMPTY,
  };
}

interface CaseResult {
  name: string;
  callers: number;
  records: number;
  perSecond: number;
  p50: number;
  p99: number;
  batches: number;
  sizes: string;
}

/** `callers` loops, each appending and awaiting its record before the next, as gateway requests do. */
async function run(p: Platform, name: string, callers: number, opts: Partial<ExchangeAuditLogOptions>): Promise<CaseResult> {
  const log = new ExchangeAuditLog(p.database.db, p.database.dialect, { keys: p.keys, nodeId: `bench-${randomBytes(3).toString('hex')}`, ...opts });
  await log.append(record()); // chain set up, seal key made: not part of the measurement
  const before = log.metrics();
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await log.append(record());
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  await log.close();
  const m = log.metrics();
  const sizes = Object.entries(m.batchSizes)
    .sort((a, b) => Number(a[0].split('-')[0]) - Number(b[0].split('-')[0]))
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return {
    name,
    callers,
    records: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: percentileOf(latencies, 50),
    p99: percentileOf(latencies, 99),
    batches: m.batches - before.batches,
    sizes,
  };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-bench-audit-'));
  const pgSchema = databaseUrl ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  const admin = (statement: string) => pgStatement(databaseUrl, statement);
  if (pgSchema) await admin(`create schema ${pgSchema}`);
  let platform: Platform | undefined;
  try {
    platform = await openPlatform(loadConfig({ ...process.env, PANJAREH_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PANJAREH_DEMO: 'false' }), { pgSchema });
    const sqlite = platform.database.dialect === 'sqlite';
    const cases: Array<[string, number, Partial<ExchangeAuditLogOptions>]> = [
      [sqlite ? 'group commit, synchronous=FULL (default)' : 'group commit', concurrency, {}],
      [sqlite ? 'one commit per record, FULL' : 'one commit per record', concurrency, { maxBatch: 1, maxInFlight: 1 }],
      ...(sqlite
        ? ([
            ['group commit, synchronous=NORMAL', concurrency, { sqliteSync: 'normal' }],
            ['one commit per record, NORMAL', concurrency, { sqliteSync: 'normal', maxBatch: 1, maxInFlight: 1 }],
          ] as Array<[string, number, Partial<ExchangeAuditLogOptions>]>)
        : []),
      [sqlite ? 'one caller (idle system), FULL' : 'one caller (idle system)', 1, {}],
      ...(sqlite ? ([['one caller (idle system), NORMAL', 1, { sqliteSync: 'normal' }]] as Array<[string, number, Partial<ExchangeAuditLogOptions>]>) : []),
    ];
    const results: CaseResult[] = [];
    for (const [name, callers, opts] of cases) {
      const r = await run(platform, name, callers, opts);
      console.error(`${name}: ${fmt.int(r.perSecond)} records/s`);
      results.push(r);
    }
    const t = performance.now();
    const v = await new ExchangeAuditReader(platform.database.db, platform.keys).verify();
    const verifyS = (performance.now() - t) / 1000;
    const base = results[1]!.perSecond;
    console.log(`### Exchange audit log, ${platform.database.dialect} (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, ${seconds} s per case)\n`);
    console.log(
      table(
        ['case', 'callers', 'records/s', '× one-per-commit', 'append p50', 'append p99', 'commits', 'records per commit (commits)'],
        results.map((r) => [r.name, r.callers, fmt.int(r.perSecond), fmt.ratio(r.perSecond / base), `${fmt.ms(r.p50)} ms`, `${fmt.ms(r.p99)} ms`, fmt.int(r.batches), r.sizes]),
      ),
    );
    console.log(`\nverify: ${fmt.int(v.records)} records in ${v.chains} chains, ${v.seals} seals, ${verifyS.toFixed(1)} s (${fmt.int(v.records / verifyS)} records/s), ok=${v.ok}`);
  } finally {
    await platform?.close();
    if (pgSchema) await admin(`drop schema if exists ${pgSchema} cascade`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
