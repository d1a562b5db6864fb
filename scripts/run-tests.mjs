// Runs the *.test.ts files under src/ and test/ with Node's test runner through tsx (docs/testing.md).
//
//   node scripts/run-tests.mjs --full [FILES]   `npm test`: sets the machine up (scripts/setup-test-env.mjs),
//                                               then runs on SQLite AND on PostgreSQL; fails if either fails
//   node scripts/run-tests.mjs --quick [FILES]  `npm run test:quick`: set-up without PostgreSQL, SQLite only
//   node scripts/run-tests.mjs [FILES]          no set-up; one run on the current database
//                                               (DATABASE_URL=postgres://… selects PostgreSQL)
//
// Without FILES every test file runs. Node 20's --test does not expand globs, so the files are listed here.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { setUpTestEnvironment, testPgUrl } from './setup-test-env.mjs';

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
const files = only.length ? only : [...find('src'), ...find('test')].sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

/**
 * One run of the node test runner. Its output passes through unchanged; the summary lines it ends with
 * (`# pass N` in TAP, `ℹ pass N` in the spec reporter on a terminal) are read for the total.
 */
function runOnce(label, env, list = files, tag = '', concurrency = 2) {
  console.log(`${tag}running ${list.length} test files on ${label}`);
  // The timeout bounds each file as well as each test: files that drive the command line spend seconds per
  // process loading the platform, the accessibility files load every page twice in Chromium (desktop and
  // phone), and two files share the two cores, so a file may need several minutes on a busy machine.
  const reporter = process.stdout.isTTY ? ['--test-reporter=spec'] : [];
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=600000', ...reporter, ...list], {
    env,
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  const counts = {};
  readline.createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
    process.stdout.write(`${tag}${line}\n`);
    // eslint-disable-next-line no-control-regex
    const m = /^(?:# |ℹ )(tests|pass|fail|cancelled|skipped|todo) (\d+)$/.exec(line.replace(/\x1b\[[0-9;]*m/g, ''));
    if (m) counts[m[1]] = Number(m[2]);
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ label, status: code ?? 1, counts, signal }));
  });
}

const LEFT_OUT = 'the PostgreSQL half (every file again on PostgreSQL), so that a laptop needs no PostgreSQL server; `npm test` runs it';
const withoutDb = { ...process.env };
delete withoutDb.DATABASE_URL;

let halves;
if (mode === 'current') {
  halves = [['current', process.env.DATABASE_URL ? 'PostgreSQL' : 'SQLite', process.env]];
} else {
  const problems = await setUpTestEnvironment({ postgres: mode === 'full' });
  if (problems.length) {
    for (const p of problems) console.error(`setup: ${p}`);
    console.error('setup: the test environment is not ready, so no test ran (docs/testing.md)');
    process.exit(1);
  }
  halves = [['sqlite', 'SQLite', withoutDb]];
  if (mode === 'quick') console.log(`quick run: SQLite only; ${LEFT_OUT}`);
  if (mode === 'full') halves.push(['postgres', 'PostgreSQL', { ...process.env, DATABASE_URL: testPgUrl() }]);
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
const CLI_FILES = /^(cli|cli-org-codes|demo-cli|exchange-cli|oidc-cli)\.e2e\.test\.ts$|^calendar\.test\.ts$/;
const touchesDatabase = (f) => /testPlatform\(|freshDatabase\(|openDatabase\(|openPlatform\(|DATABASE_URL|runCli|testDatabase\(/.test(fs.readFileSync(f, 'utf8'));
const pgFiles = files.filter((f) => !/a11y/.test(path.basename(f)) && !CLI_FILES.test(path.basename(f)) && touchesDatabase(f));

let results;
if (halves.length === 2 && pgFiles.length === 0) {
  // Only files the PostgreSQL half leaves out were named: the SQLite half is the whole run.
  console.log('no file of these reaches a database outside the SQLite-only kinds: the PostgreSQL half has nothing to run');
  results = [await runOnce(halves[0][1], halves[0][2])];
} else if (halves.length === 2) {
  // Both halves at once: the suite waits on processes, sockets and Chromium as much as it computes, so
  // two halves side by side keep two cores busier than one after the other (and CI within its time).
  const [[, l1, e1], [, l2, e2]] = halves;
  // The SQLite half is the longer (it alone runs Chromium): a third file at a time keeps both cores busy once the other half is done.
  results = await Promise.all([runOnce(l1, e1, files, '[sqlite] ', 3), runOnce(l2, e2, pgFiles, '[postgres] ')]);
} else {
  results = [];
  for (const [, label, env] of halves) results.push(await runOnce(label, env));
}

if (mode === 'current') process.exit(results[0].status);

const sum = (k) => results.reduce((n, r) => n + (r.counts[k] ?? 0), 0);
const passed = sum('pass');
const failed = sum('fail') + sum('cancelled');
console.log('');
for (const r of results) {
  const c = r.counts;
  // Not in the "N passed, N failed" form, so that only the total below reads as the closing line.
  console.log(`${r.label} half — ${c.pass ?? 0} passed, ${(c.fail ?? 0) + (c.cancelled ?? 0)} failed, ${c.skipped ?? 0} skipped, exit code ${r.status}${r.signal ? ` (${r.signal})` : ''}`);
}
if (mode === 'quick') {
  console.log(`left out: ${LEFT_OUT}`);
}
console.log(`total: ${passed} passed, ${failed} failed, ${sum('skipped')} skipped`);
// A half that exits 0 having run no test is a failure too: it would hide a broken runner.
const ok = results.every((r) => r.status === 0 && (r.counts.pass ?? 0) > 0);
process.exit(ok ? 0 : 1);
