// Prepares this machine for the test suite, so that `npm test` passes on a fresh machine with nothing
// but `npm ci` before it (docs/testing.md):
//   - Chromium at /usr/bin/chromium (the accessibility and passkey suites drive it through
//     playwright-core, which never downloads a browser) and poppler-utils (pdftoppm, for tests that
//     look at PDFs), from Debian's packages, and with PostgreSQL postgresql-client (pg_dump, pg_restore
//     and psql, for the backup procedure's test) and nginx (the reference deployment's test);
//   - Redis on 127.0.0.1:6379 (the shared rate-limit tests), started if it is not answering;
//   - PostgreSQL on the test URL, started if it is not answering, and its database created if missing.
// Installing needs root: as another user it prints the exact command to run and fails.
//
//   node scripts/setup-test-env.mjs [--no-postgres]
//
// Exit 0 when everything answers; 1 with one line per problem otherwise.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = { host: '127.0.0.1', port: 6379 };
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

const say = (msg) => console.log(`setup: ${msg}`);

/** The PostgreSQL URL the PostgreSQL half runs on: DATABASE_URL if it is one, else PANJAREH_TEST_PG_URL, else the machine's. */
export function testPgUrl(env = process.env) {
  const d = env.DATABASE_URL?.trim();
  if (d && /^postgres(ql)?:\/\//.test(d)) return d;
  return env.PANJAREH_TEST_PG_URL?.trim() || DEFAULT_PG_URL;
}

function onPath(cmd) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, cmd)));
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return r.status === 0;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check, ms) {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await sleep(300);
  }
}

/** Redis answers PING with +PONG (a bare TCP connect would also accept any other server on the port). */
function redisAnswers() {
  return new Promise((resolve) => {
    const s = net.connect(REDIS);
    let got = '';
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
  });
}

/** Connects with the pg package: null when the server takes the URL, else the error. */
async function pgError(url) {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return null;
  } catch (e) {
    return e;
  } finally {
    await c.end().catch(() => {});
  }
}

/** Debian packages for what is missing: [package, how it is found]; the PostgreSQL half also runs the backup procedure's pg_dump, pg_restore and psql, and the reference deployment's nginx. */
function missingPackages({ postgres = true } = {}) {
  const wanted = [
    ['chromium', () => fs.existsSync('/usr/bin/chromium')],
    ['poppler-utils', () => onPath('pdftoppm')],
    ['redis-server', () => onPath('redis-server')],
    ...(postgres ? [['postgresql-client', () => onPath('pg_dump') && onPath('pg_restore') && onPath('psql')]] : []),
    // The reference deployment's load balancer (test/deployment.e2e.test.ts, PostgreSQL only); /usr/sbin is not on every user's PATH.
    ...(postgres ? [['nginx', () => fs.existsSync('/usr/sbin/nginx') || onPath('nginx')]] : []),
  ];
  return wanted.filter(([, present]) => !present()).map(([pkg]) => pkg);
}

function installPackages(pkgs, problems, opts) {
  if (pkgs.length === 0) return;
  const cmd = `apt-get update && apt-get install -y ${pkgs.join(' ')}`;
  if (!isRoot) {
    problems.push(`missing Debian packages ${pkgs.join(', ')}: run  sudo sh -c '${cmd}'  and try again`);
    return;
  }
  say(`installing ${pkgs.join(' ')} from Debian (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // The lock timeout waits for another apt-get on the same machine instead of failing at once.
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  if (!run('apt-get', [...lock, 'update', '-qq'], { env }) || !run('apt-get', [...lock, 'install', '-y', '-qq', ...pkgs], { env })) {
    problems.push(`apt-get could not install ${pkgs.join(', ')}`);
    return;
  }
  for (const p of missingPackages(opts)) problems.push(`${p} is still missing after apt-get install`);
}

async function ensureRedis(problems) {
  if (await redisAnswers()) return say(`Redis answers on ${REDIS.host}:${REDIS.port}`);
  if (!onPath('redis-server')) return problems.push('Redis is not answering on 127.0.0.1:6379 and redis-server is not installed');
  // The machine's own command (docs/testing.md); it keeps nothing on disk.
  const dir = isRoot && fs.existsSync('/var/lib/redis') ? '/var/lib/redis' : fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-redis-'));
  const log = isRoot && fs.existsSync('/var/log/redis') ? '/var/log/redis/ci.log' : path.join(dir, 'redis.log');
  say(`Redis is not answering: starting redis-server on ${REDIS.host}:${REDIS.port} (log ${log})`);
  run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', String(REDIS.port), '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', log]);
  if (await waitFor(redisAnswers, 10_000)) say('Redis started');
  else problems.push(`Redis did not answer on 127.0.0.1:6379 within 10 s after redis-server was started (see ${log})`);
}

async function ensurePostgres(url, problems) {
  const shown = url.replace(/\/\/[^@/]*@/, '//…@');
  let err = await pgError(url);
  const u = new URL(url);
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) && (u.port || '5432') === '5432';
  if (err && local && ['ECONNREFUSED', 'ENOENT', 'ETIMEDOUT'].includes(err.code ?? '') && onPath('pg_ctlcluster') && fs.existsSync('/etc/postgresql')) {
    // Debian's cluster, started as this machine starts it before a session (docs/testing.md).
    const version = fs.readdirSync('/etc/postgresql').sort().at(-1);
    const args = ['--skip-systemctl-redirect', version, 'main', 'start'];
    if (!isRoot) {
      problems.push(`PostgreSQL is not answering at ${shown}: run  sudo pg_ctlcluster ${args.join(' ')}  and try again`);
      return;
    }
    say(`PostgreSQL is not answering: pg_ctlcluster ${args.join(' ')}`);
    run('pg_ctlcluster', args);
    await waitFor(async () => !(err = await pgError(url)) || err.code === '3D000', 30_000);
  }
  if (err?.code === '3D000') {
    // The server answers but the database does not exist: create it through the maintenance database.
    const dbName = decodeURIComponent(new URL(url).pathname.slice(1));
    const admin = new URL(url);
    admin.pathname = '/postgres';
    say(`creating database ${dbName}`);
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query(`create database "${dbName.replace(/"/g, '""')}"`);
    } catch (e) {
      problems.push(`could not create database ${dbName}: ${e.message}`);
    } finally {
      await c.end().catch(() => {});
    }
    err = await pgError(url);
  }
  if (err) problems.push(`PostgreSQL at ${shown} is unreachable (${err.code ?? err.message}); the PostgreSQL half cannot run. Set PANJAREH_TEST_PG_URL to a server that takes it`);
  else say(`PostgreSQL answers at ${shown}`);
}

/** Everything the suite needs; returns the problems found (empty when ready). */
export async function setUpTestEnvironment({ postgres = true } = {}) {
  const problems = [];
  installPackages(missingPackages({ postgres }), problems, { postgres });
  await ensureRedis(problems);
  if (postgres) await ensurePostgres(testPgUrl(), problems);
  return problems;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problems = await setUpTestEnvironment({ postgres: !process.argv.includes('--no-postgres') });
  for (const p of problems) console.error(`setup: ${p}`);
  process.exit(problems.length ? 1 : 0);
}
