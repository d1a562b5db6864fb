/**
 * Archiving the exchange audit log (`npm run bench:audit-archive`): a month of records written in bulk
 * with valid chains and seals (src/exchange/audit/synthetic.ts), then `audit archive` of that month in
 * process: records per second into the signed gzip files, the time to remove the rows (whole
 * partitions on PostgreSQL, batches on SQLite), the files' size, `verify --archive` per second, and the
 * process's peak RSS (sampled every 20 ms) beside its RSS before, to show that memory does not grow
 * with the period. Prints Markdown.
 *
 * Environment (all optional): BENCH_RECORDS (10,000,000; a comma-separated list runs each size on a
 * fresh database, e.g. `200000,1000000`), BENCH_CHAINS (4 nodes' chains sharing the records),
 * DATABASE_URL (postgres://… to run on PostgreSQL, in a schema of its own).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPlatform, type Platform } from '../src/app.js';
import { archiveAuditLog, ExchangeAuditReader, verifyArchiveFiles } from '../src/exchange/audit/index.js';
import { writeSyntheticChain } from '../src/exchange/audit/synthetic.js';
import { loadConfig } from '../src/platform/config.js';
import { pgStatement } from './lib/pg-admin.js';
import { fmt, table } from './lib/report.js';

const sizes = (process.env.BENCH_RECORDS ?? '10000000').split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
const chains = Number(process.env.BENCH_CHAINS ?? 4);
const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;
const MB = 1024 * 1024;
/** October 2026 is archived; each chain also has this many records in November, kept. */
const OCTOBER = Date.UTC(2026, 9, 1);
const MONTH_MS = 31 * 86_400_000;
const KEPT_PER_CHAIN = 1000;

/** The peak of process.memoryUsage().rss while `fn` runs, sampled every 20 ms. */
async function peakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peak: number; before: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const value = await fn();
    return { value, peak: Math.max(peak, process.memoryUsage().rss), before };
  } finally {
    clearInterval(timer);
  }
}

interface Row {
  records: number;
  generate: number;
  archive: number;
  remove: number;
  removed: string;
  files: number;
  bytes: number;
  verify: number;
  rssBefore: number;
  rssPeak: number;
}

async function one(total: number): Promise<Row> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-bench-archive-'));
  const outDir = path.join(dataDir, 'archive');
  const pgSchema = databaseUrl ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  if (pgSchema) await pgStatement(databaseUrl, `create schema ${pgSchema}`);
  let p: Platform | undefined;
  try {
    p = await openPlatform(loadConfig({ ...process.env, PANJAREH_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PANJAREH_DEMO: 'false' }), { pgSchema });
    const { db, dialect } = p.database;
    const per = Math.ceil(total / chains);
    let t = performance.now();
    for (let c = 0; c < chains; c++) {
      const chain = `bench-gw-${c + 1}`;
      const n = Math.min(per, total - c * per);
      // October, sealed every 5,000 records and at its end (the log seals every 5 s), then a little of November.
      const head = await writeSyntheticChain(db, dialect, p.keys, { chain, count: n, at: (i) => new Date(OCTOBER + Math.floor((i * MONTH_MS) / n)).toISOString(), chunk: 5000 });
      await writeSyntheticChain(db, dialect, p.keys, { chain, count: KEPT_PER_CHAIN, at: (i) => new Date(Date.UTC(2026, 10, 1, 1) + i * 1000).toISOString(), chunk: 5000 }, head);
      process.stderr.write(`\rgenerated ${fmt.int((c + 1) * per)} of ${fmt.int(total)} records   `);
    }
    const generate = (performance.now() - t) / 1000;
    process.stderr.write('\n');
    const run = await peakRss(() => archiveAuditLog(db, dialect, p!.keys, { before: '2026-11-01', outputDir: outDir }));
    const r = run.value;
    if (r.problems.length || r.records !== total) throw new Error(`archived ${r.records} of ${total}: ${JSON.stringify(r.problems)}`);
    const archive = r.ms.archive / 1000;
    const remove = r.ms.remove / 1000;
    t = performance.now();
    const reports = await verifyArchiveFiles(r.files.map((f) => path.join(outDir, f.file)));
    const verifyS = (performance.now() - t) / 1000;
    const bad = reports.find((x) => !x.ok);
    if (bad) throw new Error(`${bad.file}: ${JSON.stringify(bad.problem)}`);
    const rest = await new ExchangeAuditReader(db, p.keys).verify();
    if (!rest.ok || rest.records !== chains * KEPT_PER_CHAIN) throw new Error(`the database after archiving: ${JSON.stringify(rest.firstBad ?? rest.records)}`);
    return {
      records: total,
      generate,
      archive,
      remove,
      removed: dialect === 'postgres' ? `${r.deleted.partitions.length} partition(s) dropped, ${fmt.int(r.deleted.records)} rows deleted` : `${fmt.int(r.deleted.records)} rows deleted`,
      files: r.files.length,
      bytes: r.files.reduce((n, f) => n + f.bytes, 0),
      verify: verifyS,
      rssBefore: run.before,
      rssPeak: run.peak,
    };
  } finally {
    await p?.close();
    if (pgSchema) await pgStatement(databaseUrl, `drop schema if exists ${pgSchema} cascade`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const n of sizes) {
    const r = await one(n);
    console.error(`${fmt.int(n)} records: ${fmt.int(n / r.archive)} records/s, peak RSS ${fmt.int(r.rssPeak / MB)} MB`);
    rows.push(r);
  }
  const dialect = databaseUrl ? 'postgres' : 'sqlite';
  const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`### Exchange audit archive, ${dialect} (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} cores, load ${load}, ${chains} chains)\n`);
  console.log(
    table(
      ['records', 'archive s', 'records/s', 'files (MB)', 'remove s', 'removed', 'verify --archive records/s', 'RSS before MB', 'peak RSS MB', 'generate s'],
      rows.map((r) => [fmt.int(r.records), r.archive.toFixed(1), fmt.int(r.records / r.archive), `${r.files} (${(r.bytes / MB).toFixed(1)})`, r.remove.toFixed(1), r.removed, fmt.int(r.records / r.verify), fmt.int(r.rssBefore / MB), fmt.int(r.rssPeak / MB), r.generate.toFixed(0)]),
    ),
  );
}

await main();
