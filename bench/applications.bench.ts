/**
 * Online applications at national size (`npm run bench:applications`): with 1,000,000 applications in
 * the database, the agency's queue (its API with the agency's exchange credential, and the console's
 * queue page with a caseworker's session) and "my applications" (the citizen API with access tokens of
 * many different people) under 50 concurrent clients, and submissions per second through the citizen
 * API; `GET /healthz` is the reference in every round. Also the query plans of the queue and of "my
 * applications" at that size, and each query's time in-process.
 *
 * The real server (demo mode: the demo agencies answer the exchange's prefill reads) runs in this
 * process; the load generator in a child process (bench/lib/load.ts). The world is written in bulk
 * (bench/lib/applications-world.ts). Rounds run every target in turn; each round records the load
 * average before and after, and its ratios to /healthz. Results are printed (and written to BENCH_OUT).
 *
 * Environment (all optional): BENCH_APPLICATIONS (1000000), BENCH_CITIZENS (5000: people in the civil
 * registry with the national identity, whose tokens are used), BENCH_SECONDS (10 s per target),
 * BENCH_WARMUP_SECONDS (2), BENCH_ROUNDS (3), BENCH_CONNECTIONS (50), BENCH_WORKERS (2: the reads
 * again against `panjareh start --workers N` on the same database; 0 leaves that out), BENCH_OUT (a
 * file to write the Markdown section to; printed only by default), BENCH_LOG_LEVEL (the server's,
 * `silent`), BENCH_LOAD (`autocannon`, the default, or `wrk`: the load generator), BENCH_PROFILE (see startProfile), BENCH_ONLY (a regular expression: only the targets it matches), DATABASE_URL (postgres://… for PostgreSQL, in a schema of its own, dropped afterwards).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { Kysely, PostgresDialect, SqliteDialect, sql, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { loadDemoHolidays } from '../src/platform/calendar/index.js';
import { tuneSqliteReads } from '../src/platform/db.js';
import { citizenApiResource } from '../src/identity/index.js';
import { nationalCodeCheckDigit } from '../src/platform/national-code.js';
import { Applications } from '../src/services/applications.js';
import { Casework, type QueueFilter } from '../src/services/casework.js';
import { connectPortalToExchange } from '../src/web/inquiries/connect.js';
import { PORTAL_CLIENT } from '../src/web/inquiries/credentials.js';
import { Browser } from '../test/browser.js';
import { freshDatabase, testPlatform, type TestPlatform } from '../test/harness.js';
import { signInToPortal } from '../test/signin.js';
import { benchCatalog, makeWorld, seedApplications, seedCitizens, SUBMIT_DEMO, SUBMIT_WITH_REGISTRY, SUBMIT_WITHOUT_PREFILL, type SeedService } from './lib/applications-world.js';
import { startCluster } from './lib/http-run.js';
import { LoadGenerator, type LoadResult, type RotatedRequest } from './lib/load.js';
import { WrkLoad } from './lib/wrk-load.js';
import { fmt, median, table } from './lib/report.js';

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

const count = Math.round(envNumber('BENCH_APPLICATIONS', 1_000_000));
const citizensWanted = Math.max(50, Math.round(envNumber('BENCH_CITIZENS', 5000)));
const seconds = envNumber('BENCH_SECONDS', 10);
const warmup = envNumber('BENCH_WARMUP_SECONDS', 2);
const rounds = Math.max(1, Math.round(envNumber('BENCH_ROUNDS', 3)));
const connections = Math.max(1, Math.round(envNumber('BENCH_CONNECTIONS', 50)));
const workers = Math.round(envNumber('BENCH_WORKERS', 2));
const out = process.env.BENCH_OUT;
const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;

const ROOT = path.resolve(import.meta.dirname, '..');
const AGENCY = 'JUDICIARY';
const AGENCY_CLIENT = 'IR/GOV/JUDICIARY/cases';
const PAGES = 10;
const load1 = () => os.loadavg()[0]!;

interface Target {
  name: string;
  requests: RotatedRequest[];
  headers?: Record<string, string>;
  /** POSTs with an Idempotency-Key of their own each (submissions). */
  submit?: boolean;
  goalP95Ms?: number;
}

interface Sample {
  result: LoadResult;
  serverCpu: number;
}

const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The list from position `k` on, then its beginning: each run starts its rotation elsewhere (other citizens, for the daily limit). */
const rotate = <T>(xs: T[], k: number): T[] => {
  const i = ((k % xs.length) + xs.length) % xs.length;
  return [...xs.slice(i), ...xs.slice(0, i)];
};

/**
 * BENCH_PROFILE=dir: a CPU profile of the server (this process) while each target of the first round of
 * the one-process pass is measured, written to dir as a .cpuprofile (open it in Chrome's DevTools).
 */
let profiled = 0;
async function startProfile(): Promise<((name: string) => Promise<void>) | undefined> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return undefined;
  const session = new inspector.Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (name) => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${String(++profiled).padStart(2, '0')}-${name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60)}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(profile));
    console.log(`bench: profile of ${name} in ${file}`);
  };
}

async function main(): Promise<void> {
  const shared = await freshDatabase();
  let tp: TestPlatform | undefined;
  // BENCH_LOAD=wrk: the same runs sent by wrk (C) instead of autocannon (JavaScript), which takes less of the cores the server shares.
  const loadKind = process.env.BENCH_LOAD ?? 'autocannon';
  if (loadKind !== 'autocannon' && loadKind !== 'wrk') throw new Error(`BENCH_LOAD must be autocannon or wrk, got "${loadKind}"`);
  if (loadKind === 'wrk') WrkLoad.check();
  const load: Pick<LoadGenerator, 'run' | 'close'> = loadKind === 'wrk' ? new WrkLoad() : new LoadGenerator();
  const started = new Date();
  try {
    tp = await testPlatform({ shared, listen: true, env: { PANJAREH_DEMO: 'true', PANJAREH_INDEX_SYNC_MS: '1000', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' } });
    const p = tp;
    const url = p.url!;
    const db = p.database.db as Kysely<any>;
    const dialect = p.database.dialect;

    // The demo as `panjareh start` seeds it (agencies, holidays, the exchange, the portal as its consumer), and the catalogue.
    await p.agencies.seed();
    await loadDemoHolidays(db);
    await connectPortalToExchange(p);
    await p.catalog.import(benchCatalog(), { actor: 'bench', file: 'bench' });
    await p.catalog.read.rebuild();
    // The portal's contracts allow 50 calls a second by default; a national portal's would be sized for its load.
    for (const c of await p.exchange.contracts.list({ client: PORTAL_CLIENT, status: 'active' })) {
      await p.exchange.contracts.revoke(c.id, { actor: 'bench' });
      await p.exchange.contracts.grant({ client: c.client, service: c.service, purpose: c.purpose, methods: c.methods, paths: c.paths, legalBasis: c.legalBasis, legalBasisCoversPersonalData: c.legalBasisCoversPersonalData, ratePerSecond: 1_000_000, dailyQuota: null }, 'bench');
    }

    const services: SeedService[] = [];
    for (const code of ['JUDICIARY-0006', 'RAHVAR-0004', 'PASSPORT-0002', 'MCLS-0001', 'NOCR-0010', 'MSRT-0002', 'TCI-0002', 'POLICE-0003', 'POST-0003', 'TAVANIR-0004', 'ABFA-0004', 'SSAA-0010', 'MOFA-0001', 'CONSCRIPTION-0003', 'IHIO-0002']) {
      const d = await p.services.applications.delivered(code);
      services.push({ code, version: d.version, fee: d.delivery.fee?.amount ?? 0, steps: d.delivery.steps, firstPage: (d.delivery.form as { pages: Array<{ id: string }> }).pages[0]!.id });
    }

    const world = makeWorld(count, citizensWanted);
    const citizens = await seedCitizens(db, world);
    console.log(`bench: ${citizens.length} citizens in the civil registry with the national identity`);
    if (dialect === 'sqlite') await sql`pragma cache_size = -262144`.execute(db);
    let lastPrint = 0;
    const seed = await seedApplications(db, count, services, world, p.clock.now(), (done) => {
      if (performance.now() - lastPrint > 10_000 || done === count) {
        lastPrint = performance.now();
        console.log(`bench: ${fmt.int(done)} applications written`);
      }
    });
    if (dialect === 'sqlite') await sql`pragma cache_size = -2000`.execute(db);
    // After a bulk load PostgreSQL's autovacuum analyses the tables within a minute; do it now rather than race it.
    // (SQLite: the platform never runs ANALYZE, so neither does the benchmark.)
    if (dialect === 'postgres') await sql`analyze`.execute(db);
    const largest = [...seed.perOrganization].sort((a, b) => b[1] - a[1]);
    console.log(`bench: ${fmt.int(seed.applications)} applications and ${fmt.int(seed.events)} events in ${fmt.int(seed.ms / 1000)} s; largest queues: ${largest.slice(0, 4).map(([o, n]) => `${o} ${fmt.int(n)} (${fmt.int(seed.openPerOrganization.get(o) ?? 0)} open)`).join(', ')}`);

    // The agency's case system: its exchange member linked to the organisation, a subsystem and an API key.
    await p.exchange.registry.addMember({ id: 'IR/GOV/JUDICIARY', name: 'Judiciary' }, 'bench');
    await p.exchange.registry.addSubsystem({ id: AGENCY_CLIENT, name: 'Case system' }, 'bench');
    const agencyKey = (await p.exchange.apiKeys.create(AGENCY_CLIENT, {}, 'bench')).key;
    const agencyHeaders = { 'x-road-client': AGENCY_CLIENT, authorization: `ApiKey ${agencyKey}` };

    // Access tokens as the platform's OpenID provider issues them to a site for the applications scope (RFC 9068).
    const site = await p.identity.clients.add({ name: 'Bench mobile app', redirectUris: ['http://127.0.0.1:9/callback'] }, 'bench');
    const signing = await p.keys.active('oidc', 'RS256');
    const issuedAt = Math.floor(Date.now() / 1000);
    const tokens: string[] = [];
    for (const c of citizens) {
      tokens.push(
        await new SignJWT({ scope: 'applications', client_id: site.clientId, jti: randomUUID() })
          .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: signing.kid })
          .setIssuer(p.config.publicUrl)
          .setAudience(citizenApiResource(p.config.publicUrl))
          .setSubject(c.subject)
          .setIssuedAt(issuedAt)
          // The provider's tokens live 10 minutes; these outlive the run (the verifier reads nothing else from the lifetime).
          .setExpirationTime(issuedAt + 3 * 3600)
          .sign(signing.privateKey),
      );
    }

    // A caseworker of the agency, signed in to the console through the national identity's pages.
    const cw = { nationalCode: `444555661${nationalCodeCheckDigit('444555661')}`, mobile: '09304445561' };
    await p.agencies.addPerson({ ...cw, firstName: { fa: 'مینا', en: 'Mina' }, lastName: { fa: 'کارمند', en: 'Staff' }, birthDate: '1985-01-01', gender: 'female' }, 'bench');
    await p.identity.staffGrants.grant({ nationalCode: cw.nationalCode, role: 'caseworker', organization: AGENCY }, 'bench');
    const browser = new Browser(url);
    await signInToPortal(browser, url, cw, '/console');
    const consoleHeaders = { cookie: browser.cookieList().map(([k, v]) => `${k}=${v}`).join('; '), accept: 'text/html' };

    // The query plans and in-process times, on a connection of their own that records the SQL the code sends.
    const plans = await queryPlans(shared, world.code(0));
    console.log(`bench: each query in-process, median of ${plans.repeat} calls:\n${plans.table}`);

    // Pages 1–10 of each queue, by the cursors the API hands out.
    const pages = async (base: string, headers: Record<string, string>, html = false) => {
      const paths = [base];
      for (let i = 1; i < PAGES; i++) {
        const res = await fetch(url + paths[i - 1], { headers });
        if (res.status !== 200) throw new Error(`${paths[i - 1]} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
        const next = html ? /[?&;]cursor=([A-Za-z0-9_-]+)/.exec((await res.text()).replace(/&amp;/g, '&'))?.[1] : ((await res.json()) as { next: string | null }).next;
        if (!next) break;
        paths.push(`${base}${base.includes('?') ? '&' : '?'}cursor=${next}`);
      }
      return paths.map((path) => ({ path }));
    };
    const api = '/api/agency/v1/applications';
    const citizenReq = (t: string, extra: Partial<RotatedRequest> = {}): RotatedRequest => ({ path: '/api/v1/applications', headers: { authorization: `Bearer ${t}` }, ...extra });
    const submit = (service: string, answers: Record<string, unknown>): RotatedRequest[] => {
      const body = JSON.stringify({ service, answers });
      return tokens.map((t) => citizenReq(t, { method: 'POST', body, headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' } }));
    };
    const reads: Target[] = [
      { name: '`GET /healthz` (reference)', requests: [{ path: '/healthz' }] },
      { name: `agency API, whole queue (3 statuses), ${AGENCY}, pages 1–${PAGES}`, requests: await pages(api, agencyHeaders), headers: agencyHeaders, goalP95Ms: 20 },
      { name: `agency API, \`?status=submitted\`, ${AGENCY}, pages 1–${PAGES}`, requests: await pages(`${api}?status=submitted`, agencyHeaders), headers: agencyHeaders, goalP95Ms: 20 },
      { name: `console queue page (HTML), caseworker of ${AGENCY}, pages 1–${PAGES}`, requests: await pages('/console/applications', consoleHeaders, true), headers: consoleHeaders, goalP95Ms: 20 },
      { name: `my applications \`GET /api/v1/applications\`, ${fmt.int(tokens.length)} citizens`, requests: tokens.map((t) => citizenReq(t)), goalP95Ms: 20 },
      // Last: before the fix, each of its pages sorted every approved application of the agency, and the backlog it left
      // behind on SQLite's one connection held up whatever came next (see settle()).
      { name: `agency API, \`?status=approved\`, ${AGENCY}, pages 1–${PAGES}`, requests: await pages(`${api}?status=approved`, agencyHeaders), headers: agencyHeaders, goalP95Ms: 20 },
    ];
    const submissions: Target[] = [
      { name: `submit \`POST /api/v1/applications\`, ${SUBMIT_WITHOUT_PREFILL} (free, no prefill)`, requests: submit(SUBMIT_WITHOUT_PREFILL, { purpose: 'self' }), submit: true },
      { name: `submit, ${SUBMIT_WITH_REGISTRY} (free, civil registry read through the exchange)`, requests: submit(SUBMIT_WITH_REGISTRY, { purpose: 'family' }), submit: true },
      { name: `submit, ${SUBMIT_DEMO} (the demo's unemployment benefit: insurance record from Social Security, two steps)`, requests: submit(SUBMIT_DEMO, { lastDay: '1405-07-30', reason: 'contract-ended', iban: 'IR820540102680020817909002' }), submit: true },
    ];
    // BENCH_ONLY=regex: only the targets whose names match it, beside the reference (for profiling one).
    const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined;
    if (only) {
      for (const list of [reads, submissions]) list.splice(0, list.length, ...list.filter((t, i) => (list === reads && i === 0) || only.test(t.name)));
    }
    const targets = [...reads, ...submissions];
    // Every target answers as it should before anything is measured.
    for (const t of reads) {
      for (const r of t.requests.slice(0, 3)) {
        const res = await fetch(url + r.path, { headers: { ...t.headers, ...r.headers } });
        if (res.status !== 200) throw new Error(`${t.name}: ${r.path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
        await res.arrayBuffer();
      }
    }
    for (const t of submissions) {
      const r = t.requests[t.requests.length - 1]!;
      const res = await fetch(url + r.path, { method: 'POST', headers: { ...r.headers, 'idempotency-key': `bench-check-${randomUUID()}` }, body: r.body });
      if (res.status !== 201) throw new Error(`${t.name} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    }

    /**
     * Waits until /healthz answers within 50 ms again: requests a target's clients gave up on (after 10 s)
     * are still queued in the server, and the next target must not pay for them. The wait is reported.
     */
    const settled: string[] = [];
    const settle = async (base: string, after: string) => {
      const t0 = performance.now();
      for (;;) {
        const t = performance.now();
        await (await fetch(`${base}/healthz`)).arrayBuffer();
        if (performance.now() - t < 50) break;
        if (performance.now() - t0 > 300_000) throw new Error(`the server did not settle within 5 minutes after ${after}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const waited = performance.now() - t0;
      if (waited > 1000) {
        console.log(`bench: waited ${fmt.int(waited / 1000)} s for the server to finish the requests left after ${after}`);
        settled.push(`${fmt.int(waited / 1000)} s after ${after}`);
      }
    };
    const loads: Array<{ what: string; before: number; after: number }> = [];
    let run = 0;
    /** Every target in turn, `rounds` times, against the server at `base`; `cpuMs` is that server's CPU time so far. */
    const measureRounds = async (label: string, base: string, list: Target[], cpuMs: () => number) => {
      const samples = new Map<Target, Sample[]>(list.map((t) => [t, []]));
      for (let round = 1; round <= rounds; round++) {
        const before = load1();
        for (const t of list) {
          const req = (secs: number) =>
            load.run({ url: base, paths: [], connections, seconds: secs, headers: t.headers, requests: rotate(t.requests, ++run * 997), ...(t.submit ? { uniqueHeader: { name: 'idempotency-key', prefix: `bench-${run}` } } : {}) });
          if (warmup > 0) await req(warmup);
          const cpu0 = cpuMs();
          const w0 = performance.now();
          const stopProfile = label === 'one process' && round === 1 ? await startProfile() : undefined;
          const result = await req(seconds);
          await stopProfile?.(t.name);
          const serverCpu = ((cpuMs() - cpu0) / (performance.now() - w0)) * 100;
          samples.get(t)!.push({ result, serverCpu });
          console.log(`bench: ${label}, round ${round}: ${t.name}: ${fmt.int(result.requestsPerSecond)} req/s, p95 ${fmt.ms(result.p95)} ms, non-2xx ${result.non2xx}${result.non2xx ? ` ${JSON.stringify(result.non2xxByStatus)}` : ''}, errors ${result.errors}`);
          await settle(base, `${label}, round ${round}, ${t.name}`);
        }
        loads.push({ what: `${label} round ${round}`, before, after: load1() });
        console.log(`bench: ${label}, round ${round} done, load average ${before.toFixed(1)} → ${load1().toFixed(1)}`);
      }
      return samples;
    };
    const samples = await measureRounds('one process', url, targets, ownCpuMs);
    // The reads again against `panjareh start --workers N` on the same database, as an operator would run it on this machine.
    let clustered: Map<Target, Sample[]> | null = null;
    if (workers > 0) {
      const cluster = await startCluster(ROOT, { ...process.env, PANJAREH_DATA_DIR: shared.dataDir, PUBLIC_URL: p.config.publicUrl, ...(shared.pgSchema ? { PGOPTIONS: `-c search_path=${shared.pgSchema}` } : {}) }, workers);
      try {
        clustered = await measureRounds(`${workers} workers`, cluster.url, reads, cluster.cpuMs);
      } finally {
        await cluster.stop();
      }
    }
    const madeToday = Number((await db.selectFrom('applications').select((eb) => eb.fn.countAll().as('n')).where('created_at', '>=', started.toISOString()).executeTakeFirstOrThrow()).n);

    // The report.
    const spread = (xs: number[], f: (x: number) => string) => `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
    const row = (from: Map<Target, Sample[]>) => (t: Target) => {
      const ref = from.get(reads[0]!)!;
      const ss = from.get(t)!;
      const p95 = ss.map((s) => s.result.p95);
      const rps = ss.map((s) => s.result.requestsPerSecond);
      const ratioP95 = ss.map((s, i) => s.result.p95 / ref[i]!.result.p95);
      const ratioRps = ss.map((s, i) => s.result.requestsPerSecond / ref[i]!.result.requestsPerSecond);
      const failed = ss.reduce((n, s) => n + s.result.non2xx + s.result.errors, 0);
      const goal = t.goalP95Ms === undefined ? '—' : failed ? '**no** (failed requests)' : Math.max(...p95) < t.goalP95Ms ? `**yes** (< ${t.goalP95Ms} ms)` : median(p95) < t.goalP95Ms ? `median yes, not every round` : `**no** (goal < ${t.goalP95Ms} ms)`;
      return [
        t.name, spread(rps, fmt.int), fmt.ms(median(ss.map((s) => s.result.p50))), spread(p95, (x) => fmt.ms(x)), fmt.ms(median(ss.map((s) => s.result.p99))),
        spread(ratioP95, fmt.ratio), spread(ratioRps, fmt.ratio), ss.reduce((n, s) => n + s.result.non2xx, 0), ss.reduce((n, s) => n + s.result.errors, 0),
        `${median(ss.map((s) => s.serverCpu)).toFixed(0)} %`, `${median(ss.map((s) => s.result.cpuPercent)).toFixed(0)} %`, goal,
      ];
    };
    const head = ['target', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'p95 ÷ /healthz', 'req/s ÷ /healthz', 'non-2xx', 'errors', 'server CPU', 'client CPU', 'p95 goal met?'];
    const orgs = [...seed.perOrganization].sort((a, b) => b[1] - a[1]);
    const pgVersion = dialect === 'postgres' ? (await sql<{ server_version: string }>`show server_version`.execute(db)).rows[0]!.server_version : null;
    const section = `### ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${dialect === 'postgres' ? `PostgreSQL ${pgVersion}` : 'SQLite (WAL)'}

- **Command:** \`${[databaseUrl ? 'DATABASE_URL=postgres://…' : '', ...['BENCH_APPLICATIONS', 'BENCH_CITIZENS', 'BENCH_SECONDS', 'BENCH_WARMUP_SECONDS', 'BENCH_ROUNDS', 'BENCH_CONNECTIONS'].filter((v) => process.env[v]).map((v) => `${v}=${process.env[v]}`), 'npm run bench:applications'].filter(Boolean).join(' ')}\`
- **Machine:** ${os.availableParallelism()} cores of ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, shared with other work
- **Load average (1 min) before → after each round:** ${loads.map((l) => `${l.what}: ${l.before.toFixed(1)} → ${l.after.toFixed(1)}`).join('; ')}${Math.max(...loads.map((l) => Math.max(l.before, l.after))) > os.availableParallelism() * 2.5 ? ` — **the machine was saturated** at times: other work wanted the cores too (the benchmark itself accounts for 2 to 4 of that load: its server processes and the load generator), so absolute figures are low and noisy; compare the ratios to /healthz` : ''}
- **Data:** ${fmt.int(seed.applications)} applications and ${fmt.int(seed.events)} events written in ${fmt.int(seed.ms / 1000)} s, ${fmt.int(world.applicants)} applicants, ${services.length} services, ${orgs.length} organisations; largest queues: ${orgs.slice(0, 5).map(([o, n]) => `${o} ${fmt.int(n)} (${fmt.int(seed.openPerOrganization.get(o) ?? 0)} open)`).join(', ')}
- **Load:** ${loadKind === 'wrk' ? 'wrk (one thread)' : 'autocannon'}, ${connections} connections, ${seconds} s per target after ${warmup} s of warm-up, ${rounds} rounds, targets in turn within each round. Median over the rounds, (min–max); ratios to /healthz of the same round. ${fmt.int(madeToday)} applications were submitted during the run.${settled.length ? ` Requests left behind (clients give up after 10 s) kept the server busy for ${settled.join('; ')} before the next target began.` : ''}

Query plans at this size (the SQL the code sends, for page 1 unless said):

${plans.text}

Each query in-process (a connection of its own, no HTTP), median of ${plans.repeat} calls:

${plans.table}

Reads, one process (as \`panjareh start\` runs by default):

${table(head, reads.map(row(samples)))}
${clustered ? `
Reads, \`panjareh start --workers ${workers}\` on the same database (server CPU: all its processes):

${table(head, reads.map(row(clustered)))}
` : ''}
Submissions, one process (each request a new application: its own Idempotency-Key, citizens in rotation):

${table(head.map((h) => (h === 'req/s' ? 'submissions/s' : h)), submissions.map(row(samples)))}
`;
    console.log(`\n${section}`);
    if (out) fs.writeFileSync(path.resolve(out), section);
  } finally {
    load.close();
    await tp?.dispose();
    await shared.drop();
  }
}

/**
 * The queue and "my applications" as the services build them: their SQL recorded from the real code
 * (Casework.queue, Applications.listMine) on a connection of its own, then EXPLAINed (PostgreSQL: with
 * ANALYZE and BUFFERS) and timed.
 */
async function queryPlans(shared: { dataDir: string; pgSchema?: string }, frequentApplicant: string) {
  let last: CompiledQuery | undefined;
  const log = (e: { level: string; query: CompiledQuery }) => {
    if (e.level === 'query') last = e.query;
  };
  let explain: (q: CompiledQuery) => Promise<string[]>;
  /** The same SQL sent straight to the database (a statement prepared once): the database's share of a call. */
  let alone: (q: CompiledQuery) => Promise<void>;
  let db: Kysely<any>;
  let close: () => Promise<void>;
  if (shared.pgSchema) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, options: `-c search_path=${shared.pgSchema}` });
    db = new Kysely({ dialect: new PostgresDialect({ pool }), log });
    explain = async (q) => (await pool.query(`explain (analyze, buffers, costs off, timing off, summary off) ${q.sql}`, q.parameters as unknown[])).rows.map((r: Record<string, string>) => r['QUERY PLAN']!);
    const names = new Map<string, string>();
    alone = async (q) => {
      if (!names.has(q.sql)) names.set(q.sql, `bench_q${names.size}`);
      await pool.query({ name: names.get(q.sql), text: q.sql, values: q.parameters as unknown[] });
    };
    close = () => db.destroy();
  } else {
    // Opened as the platform opens it (page cache and memory map), so the times are the server's.
    const sqlite = new Database(path.join(shared.dataDir, 'panjareh.sqlite'), { readonly: true });
    tuneSqliteReads(sqlite);
    db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }), log });
    explain = async (q) => (sqlite.prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as Array<{ detail: string }>).map((r) => r.detail);
    const prepared = new Map<string, Database.Statement>();
    alone = async (q) => {
      let stmt = prepared.get(q.sql);
      if (!stmt) prepared.set(q.sql, (stmt = sqlite.prepare(q.sql)));
      stmt.all(...(q.parameters as unknown[]));
    };
    close = () => db.destroy();
  }
  try {
    const casework = new Casework(new Applications(db, {} as never), {} as never);
    const applications = new Applications(db, {} as never);
    const agency = { username: 'bench', organization: AGENCY };
    const page10 = async (f: QueueFilter) => {
      let cursor: string | undefined;
      for (let i = 1; i < PAGES; i++) cursor = (await casework.queue(agency, { ...f, cursor })).next ?? undefined;
      return cursor;
    };
    const cases: Array<[string, () => Promise<unknown>]> = [
      [`whole queue of ${AGENCY} (submitted, in review, changes requested)`, () => casework.queue(agency)],
      [`whole queue of ${AGENCY}, page ${PAGES}`, await page10({}).then((cursor) => () => casework.queue(agency, { cursor }))],
      [`${AGENCY}, status submitted`, () => casework.queue(agency, { status: 'submitted' })],
      [`${AGENCY}, status approved`, () => casework.queue(agency, { status: 'approved' })],
      [`${AGENCY}, overdue only`, () => casework.queue(agency, { overdueOnly: true })],
      ['the authority: every agency’s overdue work', () => casework.queue({ username: 'bench', organization: null }, { overdueOnly: true })],
      ['my applications (an applicant with many)', () => applications.listMine({ nationalCode: frequentApplicant, name: { fa: '', en: '' }, mobile: null })],
    ];
    const repeat = 30;
    const blocks: string[] = [];
    const rows: string[][] = [];
    for (const [name, call] of cases) {
      await call();
      const q = last!;
      const plan = await explain(q);
      blocks.push(`${name}:\n\n\`\`\`sql\n${q.sql.replace(/"/g, '')}\n\`\`\`\n\n\`\`\`\n${plan.join('\n')}\n\`\`\``);
      const times: number[] = [];
      for (let i = 0; i < repeat; i++) {
        const t = performance.now();
        await call();
        times.push(performance.now() - t);
      }
      const raw: number[] = [];
      for (let i = 0; i < repeat; i++) {
        const t = performance.now();
        await alone(q);
        raw.push(performance.now() - t);
      }
      rows.push([name, fmt.ms(median(times)), fmt.ms(Math.max(...times)), fmt.ms(median(raw))]);
    }
    return { text: blocks.join('\n\n'), table: table(['query', 'median ms', 'max ms', 'the SQL alone, median ms'], rows), repeat };
  } finally {
    await close();
  }
}

await main();
