/**
 * Catalogue benchmark (`npm run bench`): 10,000 published services; our search index beside MiniSearch;
 * a full re-index; and the real HTTP server under 50 concurrent clients, with /healthz as the reference
 * in the same run. Results are printed and added to docs/benchmarks.md (see bench/lib/report.ts).
 *
 * Environment (all optional): BENCH_SECONDS (10 s of load per target), BENCH_WARMUP_SECONDS (2),
 * BENCH_CONNECTIONS (50), BENCH_SERVICES (10000), BENCH_REBUILDS (5), BENCH_OUT (docs/benchmarks.md,
 * or "-" to print only), DATABASE_URL (postgres://… to run on PostgreSQL, in a schema of its own).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildServer, openPlatform, type Platform } from '../src/app.js';
import type { Organization, ServiceData } from '../src/catalog/index.js';
import { SearchIndex } from '../src/catalog/search-index.js';
import { completeService } from '../src/catalog/validate.js';
import { loadConfig } from '../src/platform/config.js';
import { generateCatalog, PROVINCES, QUERIES_EN, QUERIES_FA, shuffled } from './lib/generated-catalog.js';
import { httpTable, measure, startCluster, type Target } from './lib/http-run.js';
import { LoadGenerator } from './lib/load.js';
import { MiniSearchReference } from './lib/minisearch-reference.js';
import { fmt, median, percentileOf, table, writeResults } from './lib/report.js';

const ROOT = path.resolve(import.meta.dirname, '..');

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

const seconds = envNumber('BENCH_SECONDS', 10);
const warmup = envNumber('BENCH_WARMUP_SECONDS', 2);
const connections = envNumber('BENCH_CONNECTIONS', 50);
const count = envNumber('BENCH_SERVICES', 10000);
const rebuilds = Math.max(1, envNumber('BENCH_REBUILDS', 5));
const out = process.env.BENCH_OUT ?? path.join(ROOT, 'docs/benchmarks.md');
const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;

/** Wall time of `fn`, in ms. */
function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** Our index and MiniSearch on the same services and queries, alternating so both see the same machine. */
function compareIndexes(services: ServiceData[], orgs: Map<string, Organization>, queries: string[]) {
  const ours = new SearchIndex();
  const reference = new MiniSearchReference();
  const build = { ours: [] as number[], reference: [] as number[] };
  for (let i = 0; i < rebuilds; i++) {
    build.ours.push(timed(() => ours.rebuild(services, orgs)));
    build.reference.push(timed(() => reference.rebuild(services, orgs)));
  }
  const query = { ours: [] as number[], reference: [] as number[] };
  const hits = { ours: 0, reference: 0 };
  for (const q of queries) {
    query.ours.push(timed(() => (hits.ours += ours.search(q).length)) * 1000);
    query.reference.push(timed(() => (hits.reference += reference.search(q).length)) * 1000);
  }
  const row = (what: string, a: number, b: number, unit: string) => [what, `${fmt.ms(a, 0)} ${unit}`, `${fmt.ms(b, 0)} ${unit}`, fmt.ratio(b / a)];
  return table(
    ['measure (same services, same queries)', 'our index', 'MiniSearch (reference)', 'reference ÷ ours'],
    [
      row(`build, median of ${rebuilds}`, median(build.ours), median(build.reference), 'ms'),
      row(`search, mean of ${queries.length} distinct queries`, query.ours.reduce((a, b) => a + b, 0) / queries.length, query.reference.reduce((a, b) => a + b, 0) / queries.length, 'µs'),
      row('search, p95', percentileOf(query.ours, 95), percentileOf(query.reference, 95), 'µs'),
      ['matches per query, mean', fmt.int(hits.ours / queries.length), fmt.int(hits.reference / queries.length), '—'],
    ],
  );
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-bench-'));
  const pgSchema = databaseUrl ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  const admin = async (statement: string) => {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      return await c.query(statement);
    } finally {
      await c.end();
    }
  };
  if (pgSchema) await admin(`create schema ${pgSchema}`);
  let platform: Platform | undefined;
  let app: Awaited<ReturnType<typeof buildServer>> | undefined;
  const load = new LoadGenerator();
  try {
    const file = generateCatalog(count);
    const config = loadConfig({ ...process.env, PANJAREH_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, { port: 0, host: '127.0.0.1' });
    platform = await openPlatform(config, { pgSchema });
    const t0 = performance.now();
    const r = await platform.catalog.import(file, { actor: 'bench', file: 'bench' });
    const importMs = performance.now() - t0;
    if (r.created !== file.services.length || platform.catalog.read.size !== file.services.length) throw new Error(`imported ${r.created} services, ${platform.catalog.read.size} live`);
    console.log(`bench: ${r.created} services imported in ${fmt.int(importMs)} ms`);

    const queries: string[] = [];
    for (const [fa, en] of PROVINCES) queries.push(...QUERIES_FA.map((q) => `${q} ${fa}`), ...QUERIES_EN.map((q) => `${q} ${en}`));
    const services = file.services.map((s) => completeService(s as never, s.slug));
    const orgs = new Map((file.organizations as unknown as Organization[]).map((o) => [o.code, o]));
    const indexTable = compareIndexes(services, orgs, queries);
    console.log(indexTable);

    const reindex: number[] = [];
    for (let i = 0; i < rebuilds; i++) {
      const t = performance.now();
      await platform.catalog.read.rebuild();
      reindex.push(performance.now() - t);
    }
    console.log(`bench: full re-index ${reindex.map(fmt.int).join(', ')} ms`);

    app = await buildServer(platform);
    platform.catalog.read.startFollowing(config.indexSyncMs, (e) => console.error('bench: index sync failed', e));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const api = (q: string, page = 1) => `/api/v1/services?q=${encodeURIComponent(q)}${page > 1 ? `&page=${page}` : ''}`;
    const targets: Target[] = [
      { name: '`GET /healthz` (reference)', paths: ['/healthz'] },
      { name: `\`GET /api/v1/services?q=…\`, ${QUERIES_FA.length + QUERIES_EN.length} popular queries`, paths: shuffled([...QUERIES_FA, ...QUERIES_EN]).map((q) => api(q)), goalP95Ms: 10 },
      { name: `\`GET /api/v1/services?q=…\`, ${queries.length * 2} distinct searches (none cached)`, paths: shuffled([...queries.map((q) => api(q)), ...queries.map((q) => api(q, 2))]), goalP95Ms: 10 },
      { name: `\`GET /services/{slug}\` (HTML), ${services.length} services`, paths: shuffled(services.map((s) => `/services/${s.slug}`)), headers: { accept: 'text/html' }, goalP95Ms: 20 },
    ];
    const ownCpuMs = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const options = { connections, seconds, warmup, serverCpuMs: ownCpuMs };
    const single = httpTable(await measure(load, url, targets, options));
    await app.close();
    app = undefined;
    platform.catalog.read.stopFollowing();
    // The same targets against `panjareh start --workers 2`: one worker process per core.
    const cluster = await startCluster(ROOT, { ...process.env, PANJAREH_DATA_DIR: dataDir, ...(pgSchema ? { PGOPTIONS: `-c search_path=${pgSchema}` } : {}) }, 2);
    let twoWorkers: string;
    try {
      twoWorkers = httpTable(await measure(load, cluster.url, targets, { ...options, serverCpuMs: cluster.cpuMs }));
    } finally {
      await cluster.stop();
    }

    const reindexTable = table(
      ['step', 'runs', 'median ms', 'max ms', 'goal met?'],
      [
        [`full re-index (\`catalog.read.rebuild()\`), ${services.length} services`, rebuilds, fmt.int(median(reindex)), fmt.int(Math.max(...reindex)), Math.max(...reindex) < 2000 ? '**yes** (< 2,000 ms)' : '**no** (goal < 2,000 ms)'],
        ['import (validate, write, publish, index), once', 1, fmt.int(importMs), fmt.int(importMs), '—'],
      ],
    );
    const now = new Date();
    const section = `### ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${databaseUrl ? 'PostgreSQL' : 'SQLite'}

- **Command:** \`${[databaseUrl ? 'DATABASE_URL=postgres://…' : '', ...['BENCH_SECONDS', 'BENCH_WARMUP_SECONDS', 'BENCH_CONNECTIONS', 'BENCH_SERVICES', 'BENCH_REBUILDS'].filter((v) => process.env[v]).map((v) => `${v}=${process.env[v]}`), 'npm run bench'].filter(Boolean).join(' ')}\`
- **Machine:** ${os.availableParallelism()} cores of ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ${databaseUrl ? `PostgreSQL ${(await admin('show server_version')).rows[0].server_version}` : 'SQLite (WAL)'}
- **Load:** ${connections} connections, ${seconds} s per target after ${warmup} s of warm-up

${indexTable}

${reindexTable}

One process (\`panjareh start\`, the default):

${single}

Two worker processes (\`panjareh start --workers 2\`):

${twoWorkers}
`;
    console.log(`\n${section}`);
    if (out !== '-') writeResults(out, section);
  } finally {
    load.close();
    await app?.close();
    await platform?.close();
    if (pgSchema) await admin(`drop schema if exists ${pgSchema} cascade`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
