// Runs the *.test.ts files under src/ and test/ with Node's test runner through tsx (docs/testing.md).
//
//   node scripts/run-tests.mjs --full [FILES]   `npm test`: sets the machine up (scripts/setup-test-env.mjs),
//                                               then runs on SQLite AND on PostgreSQL; fails if either fails
//   node scripts/run-tests.mjs --quick [FILES]  `npm run test:quick`: set-up without PostgreSQL, SQLite only
//   node scripts/run-tests.mjs [FILES]          no set-up; one run on the current database
//                                               (DATABASE_URL=postgres://… selects PostgreSQL)
//
// Without FILES every test file runs. Each file is one process (`node --import tsx FILE`, which runs its
// node:test tests and prints TAP), run from one pool shared by both halves: the longest files first, by
// the durations of earlier runs kept in scripts/test-times.json, so that no long file starts last and
// keeps CI waiting on one core. PANJAREH_TEST_JOBS sets how many files run at once (default 4: the suite
// waits on processes, sockets and Chromium as much as it computes, so 2 cores take more than 2).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setUpTestEnvironment, testPgUrl } from './setup-test-env.mjs';
import { BUNDLE_DIR, buildTestBundles, bundleOf, removeTestBundles } from './test-bundles.mjs';

function find(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? find(p) : e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const args = process.argv.slice(2);
const mode = args.includes('--full') ? 'full' : args.includes('--quick') ? 'quick' : 'current';
const only = args.filter((a) => a !== '--full' && a !== '--quick');
const unknown = only.filter((a) => a.startsWith('--'));
if (unknown.length) {
  console.error(`unknown option ${unknown.join(' ')}; use --full, --quick or none, then test files`);
  process.exit(2);
}
const files = (only.length ? only : [...find('src'), ...find('test')].sort()).map((f) => path.relative('.', f));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const missing = files.filter((f) => !fs.existsSync(f));
if (missing.length) {
  console.error(`no such test file: ${missing.join(', ')}`);
  process.exit(2);
}

const JOBS = Number(process.env.PANJAREH_TEST_JOBS ?? 4);
if (!Number.isInteger(JOBS) || JOBS < 1 || JOBS > 64) {
  console.error('PANJAREH_TEST_JOBS must be a whole number from 1 to 64');
  process.exit(2);
}
// A file that runs this long has hung (the longest take a few minutes on a busy machine): it is killed
// with everything it started, and counts as failed.
const FILE_TIMEOUT_MS = 15 * 60_000;
const TIMES_FILE = 'scripts/test-times.json';

const LEFT_OUT = 'the PostgreSQL half (every file again on PostgreSQL), so that a laptop needs no PostgreSQL server; `npm test` runs it';
const withoutDb = { ...process.env };
delete withoutDb.DATABASE_URL;

/** @type {Array<{ key: string, label: string, env: NodeJS.ProcessEnv, files: string[] }>} */
let halves;
if (mode === 'current') {
  halves = [{ key: process.env.DATABASE_URL ? 'postgres' : 'sqlite', label: process.env.DATABASE_URL ? 'PostgreSQL' : 'SQLite', env: process.env, files }];
} else {
  const problems = await setUpTestEnvironment({ postgres: mode === 'full' });
  if (problems.length) {
    for (const p of problems) console.error(`setup: ${p}`);
    console.error('setup: the test environment is not ready, so no test ran (docs/testing.md)');
    process.exit(1);
  }
  halves = [{ key: 'sqlite', label: 'SQLite', env: withoutDb, files }];
  if (mode === 'quick') console.log(`quick run: SQLite only; ${LEFT_OUT}`);
  if (mode === 'full') halves.push({ key: 'postgres', label: 'PostgreSQL', env: { ...process.env, DATABASE_URL: testPgUrl() }, files: pgFilesOf(files) });
}

/**
 * The PostgreSQL half runs the files that reach a database: the others (the forms engine, PDF
 * rendering, tracking codes, …) would run exactly as they did on SQLite. The accessibility files
 * check the HTML of pages in Chromium, which is the same whatever database is under them (the queries
 * behind those pages run on PostgreSQL in the end-to-end files), and Chromium is most of the suite's
 * time: they run in the SQLite half only. So do the command line's own files, which test parsing,
 * output and exit codes by starting a process per command (seconds of CPU each): what a command does
 * to the database is the same code the end-to-end files run on PostgreSQL. docs/testing.md says so.
 */
function pgFilesOf(list) {
  const CLI_FILES = /^(cli|cli-org-codes|demo-cli|exchange-cli|oidc-cli)\.e2e\.test\.ts$|^calendar\.test\.ts$/;
  const touchesDatabase = (f) => /testPlatform\(|freshDatabase\(|openDatabase\(|openPlatform\(|DATABASE_URL|runCli|testDatabase\(/.test(fs.readFileSync(f, 'utf8'));
  return list.filter((f) => !/a11y/.test(path.basename(f)) && !CLI_FILES.test(path.basename(f)) && touchesDatabase(f));
}

if (halves.length === 2 && halves[1].files.length === 0) {
  // Only files the PostgreSQL half leaves out were named: the SQLite half is the whole run.
  console.log('no file of these reaches a database outside the SQLite-only kinds: the PostgreSQL half has nothing to run');
  halves.pop();
}

let known = {};
try {
  known = JSON.parse(fs.readFileSync(TIMES_FILE, 'utf8'));
} catch {
  // No record yet: every file counts as long, in name order.
}
const expected = (half, file) => known[`${half}:${file}`] ?? 60;

const jobs = halves.flatMap((h) => h.files.map((file) => ({ half: h, file })));
jobs.sort((a, b) => expected(b.half.key, b.file) - expected(a.half.key, a.file));
const tagOf = (h) => (halves.length > 1 ? `[${h.key}] ` : '');
for (const h of halves) console.log(`${tagOf(h)}running ${h.files.length} test files on ${h.label}`);
console.log(`${jobs.length} files, ${Math.min(JOBS, jobs.length)} at a time, the longest first`);

// The files as bundles of plain JavaScript (scripts/test-bundles.mjs); PANJAREH_TEST_TSX=1 runs the sources on tsx.
let bundled = false;
if (process.env.PANJAREH_TEST_TSX !== '1') {
  const t = Date.now();
  const failure = await buildTestBundles([...new Set(jobs.map((j) => j.file))]);
  bundled = failure === null;
  console.log(bundled ? `bundles built in ${((Date.now() - t) / 1000).toFixed(1)} s` : `bundles not built, so the sources run on tsx: ${failure.split('\n')[0]}`);
}

/** One file in a process of its own; its TAP output is kept and read for its counts. */
function runFile({ half, file }) {
  const started = Date.now();
  return new Promise((resolve) => {
    // Detached: the file is the leader of a process group, so a hung file is killed with the servers it started.
    const args = bundled ? ['--enable-source-maps', '--test-reporter=tap', bundleOf(file)] : ['--import', 'tsx', '--test-reporter=tap', file];
    const env = bundled ? { ...half.env, PANJAREH_TEST_BUNDLES: path.resolve(BUNDLE_DIR) } : half.env;
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, FILE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const out = Buffer.concat(chunks).toString('utf8');
      const counts = {};
      for (const m of out.matchAll(/^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) counts[m[1]] = Number(m[2]);
      resolve({ half, file, code: code ?? 1, signal, timedOut, counts, out, seconds: (Date.now() - started) / 1000 });
    });
  });
}

const results = [];
let next = 0;
async function worker() {
  while (next < jobs.length) {
    const r = await runFile(jobs[next++]);
    results.push(r);
    const ok = r.code === 0 && !r.timedOut;
    const c = r.counts;
    const why = r.timedOut ? `, killed after ${FILE_TIMEOUT_MS / 60_000} minutes` : r.signal ? `, ${r.signal}` : r.code !== 0 ? `, exit code ${r.code}` : '';
    // A failed file's whole output, so the log says what failed; a passing file's one line, unless the
    // files were named (someone at work on them wants to see their tests).
    if (!ok || only.length) process.stdout.write(r.out.replace(/^/gm, `${tagOf(r.half)}${r.file}: `) + '\n');
    console.log(`${tagOf(r.half)}${ok ? 'ok' : 'FAILED'} ${r.seconds.toFixed(1).padStart(6)} s ${r.file} (${c.pass ?? 0} passed, ${(c.fail ?? 0) + (c.cancelled ?? 0)} failed, ${c.skipped ?? 0} skipped${why})`);
  }
}
const t0 = Date.now();
await Promise.all(Array.from({ length: Math.min(JOBS, jobs.length) }, worker));
if (bundled) removeTestBundles();

if (mode === 'full') {
  // The next run's order. Written after every full run (CI's copy is thrown away with its clone).
  const times = { ...known };
  for (const r of results) times[`${r.half.key}:${r.file}`] = Math.round(r.seconds * 10) / 10;
  const sorted = Object.fromEntries(Object.entries(times).filter(([k]) => fs.existsSync(k.slice(k.indexOf(':') + 1))).sort(([a], [b]) => a.localeCompare(b)));
  fs.writeFileSync(TIMES_FILE, `${JSON.stringify(sorted, null, 1)}\n`);
}

const failedFile = (r) => r.code !== 0 || r.timedOut;
const sumOf = (list, k) => list.reduce((n, r) => n + (r.counts[k] ?? 0), 0);
console.log('');
for (const h of halves) {
  const mine = results.filter((r) => r.half === h);
  const bad = mine.filter(failedFile);
  // Not in the "N passed, N failed" form, so that only the total below reads as the closing line.
  console.log(`${h.label} half — ${sumOf(mine, 'pass')} passed, ${sumOf(mine, 'fail') + sumOf(mine, 'cancelled')} failed, ${sumOf(mine, 'skipped')} skipped in ${mine.length} files${bad.length ? `; failed files: ${bad.map((r) => r.file).join(', ')}` : ''}`);
}
if (mode === 'quick') console.log(`left out: ${LEFT_OUT}`);
console.log(`time: ${((Date.now() - t0) / 1000).toFixed(0)} s with ${JOBS} files at a time`);
const failed = sumOf(results, 'fail') + sumOf(results, 'cancelled') + results.filter((r) => failedFile(r) && !(r.counts.fail || r.counts.cancelled)).length;
console.log(`total: ${sumOf(results, 'pass')} passed, ${failed} failed, ${sumOf(results, 'skipped')} skipped`);
// A half that runs no test counts as failed too: it would hide a broken runner.
const ok = results.every((r) => !failedFile(r)) && halves.every((h) => sumOf(results.filter((r) => r.half === h), 'pass') > 0);
process.exit(ok ? 0 : 1);
