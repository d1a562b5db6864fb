#!/usr/bin/env node
// Panjareh's reference deployment on one machine (docs/operations.md#reference-deployment): two portal
// nodes (roles portal,idp), two gateway nodes, one worker node, on PostgreSQL and Redis, behind nginx
// (`/r1/` to the gateways, everything else to the portals). Stops everything on SIGINT or SIGTERM.
//
//   DATABASE_URL=postgres://… REDIS_URL=redis://… node deploy/reference/start.mjs [options]
//
//   --port N              nginx's port (default 8080)
//   --host ADDRESS        nginx's address (default 0.0.0.0)
//   --node-port N         the first node's port, the others the next ones (default 3001); 0: each node
//                         picks a free port and says which (tests; the demo agencies then cannot be reached)
//   --tls-cert FILE, --tls-key FILE
//                         nginx terminates TLS with this certificate and key (PUBLIC_URL then https://)
//   --dir DIR             nginx's configuration, pid, temporary files and access log (default: a new
//                         temporary directory, removed at the end)
//   --node-id-prefix P    PANJAREH_NODE_ID of each node is P + its name (portal-1, …, worker-1)
//
// Every other setting is the platform's own, from the environment, the same for every node (PUBLIC_URL
// defaults to nginx's address). PANJAREH_NODE_COMMAND runs the nodes with another command (a JSON array,
// or words separated by spaces; default: this checkout's bin/panjareh.mjs on this Node), NGINX names the
// nginx binary. Only Node's own modules are used, so the script runs before `npm ci` has built anything.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');

/**
 * The nodes, started in steps (each step's nodes together, a step once the one before is ready): the
 * worker first, alone, so that one process migrates the schema and, in demo mode, loads the demo into
 * an empty database; then the others. In demo mode every node serves the demo agencies' back-ends and
 * points the exchange at its own loopback port, so on one machine the gateways reach them at the node
 * that started last: there the portals start after the gateways, so that it is a portal node.
 */
const demo = !/^(false|0|no|off)$/i.test(process.env.PANJAREH_DEMO?.trim() ?? '');
const NODES = [
  { name: 'worker-1', roles: 'worker', step: 0 },
  { name: 'gateway-1', roles: 'gateway', step: 1 },
  { name: 'gateway-2', roles: 'gateway', step: 1 },
  { name: 'portal-1', roles: 'portal,idp', step: demo ? 2 : 1 },
  { name: 'portal-2', roles: 'portal,idp', step: demo ? 2 : 1 },
];
const STEPS = [...new Set(NODES.map((n) => n.step))];
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;
// nginx's passive health check, and how long it waits for a gateway (above PANJAREH_GATEWAY_TIMEOUT_MS).
const MAX_FAILS = 2;
const FAIL_TIMEOUT = '10s';

function fail(message) {
  console.error(`start.mjs: ${message}`);
  process.exit(2);
}

const { values: opts } = (() => {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '0.0.0.0' },
        'node-port': { type: 'string', default: '3001' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        dir: { type: 'string' },
        'node-id-prefix': { type: 'string', default: '' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    return fail(`${e.message} (--help lists the options)`);
  }
})();
if (opts.help) {
  const text = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  console.log(text.slice(1, text.findIndex((l) => l.startsWith('import '))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}

const port = (name, value, min) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > 65535) fail(`--${name} must be a port number (${min}–65535), not "${value}"`);
  return n;
};
const lbPort = port('port', opts.port, 1);
const nodePort = port('node-port', opts['node-port'], 0);
if (nodePort !== 0 && nodePort + NODES.length - 1 > 65535) fail('--node-port leaves no room for five nodes');
if (!!opts['tls-cert'] !== !!opts['tls-key']) fail('--tls-cert and --tls-key go together');
for (const f of [opts['tls-cert'], opts['tls-key']]) if (f && !fs.existsSync(f)) fail(`no such file: ${f}`);
const tls = opts['tls-cert'] ? { cert: path.resolve(opts['tls-cert']), key: path.resolve(opts['tls-key']) } : null;

// Several nodes share their state in PostgreSQL and their rate limits in Redis; SQLite is one node's.
if (!/^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '')) fail('set DATABASE_URL to a postgres:// URL: the nodes share one PostgreSQL database (SQLite is for one node)');
if (!/^rediss?:\/\//.test(process.env.REDIS_URL ?? '')) fail('set REDIS_URL to a redis:// URL: the nodes share their rate limits in Redis');

const lbHost = opts.host;
const shownHost = lbHost === '0.0.0.0' || lbHost === '::' ? 'localhost' : lbHost.includes(':') ? `[${lbHost}]` : lbHost;
const defaultPort = tls ? 443 : 80;
const publicUrl = process.env.PUBLIC_URL?.trim() || `${tls ? 'https' : 'http'}://${shownHost}${lbPort === defaultPort ? '' : `:${lbPort}`}`;
if (tls && !publicUrl.startsWith('https://')) console.warn(`start.mjs: warning: nginx terminates TLS but PUBLIC_URL is ${publicUrl}, so cookies are not Secure`);

/** The command that runs `panjareh`: PANJAREH_NODE_COMMAND (a JSON array or words), else this checkout's. */
function nodeCommand() {
  const raw = process.env.PANJAREH_NODE_COMMAND?.trim();
  if (!raw) return [process.execPath, path.join(ROOT, 'bin/panjareh.mjs')];
  if (raw.startsWith('[')) {
    let parsed;
    try {
      parsed = JSON.parse(raw);
    } catch {
      fail('PANJAREH_NODE_COMMAND starts with [ but is not a JSON array of strings');
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a) => typeof a === 'string')) fail('PANJAREH_NODE_COMMAND must be a JSON array of strings');
    return parsed;
  }
  return raw.split(/\s+/);
}

function nginxBinary() {
  if (process.env.NGINX) return process.env.NGINX;
  const onPath = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'nginx')).find((p) => fs.existsSync(p));
  return onPath ?? (fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : fail('nginx is not installed (Debian: apt-get install nginx), or set NGINX to its binary'));
}

const command = nodeCommand();
const nginx = nginxBinary();
const ownDir = !opts.dir;
const dir = opts.dir ? path.resolve(opts.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-reference-'));
fs.mkdirSync(dir, { recursive: true });
// As root, nginx's workers run as nobody: they must reach their temporary directories in here.
if (process.getuid?.() === 0) fs.chmodSync(dir, 0o711);

/** @type {Map<string, { name: string, roles: string, child: import('node:child_process').ChildProcess, port?: number, how?: string, exited: Promise<void>, lineListeners: Set<(line: string) => void> }>} */
const running = new Map();
let stopping = false;

/** Prints a child's output line by line under its name; `onOut` also sees each line of its standard output. */
function relay(name, child, onOut) {
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    process.stdout.write(`[${name}] ${line}\n`);
    onOut(line);
  });
  readline.createInterface({ input: child.stderr }).on('line', (line) => process.stderr.write(`[${name}] ${line}\n`));
}

/** Keeps a started process in `running` until it ends (exits, or could not be started at all: `error`). */
function track(name, roles, child) {
  let ended;
  const entry = { name, roles, child, exited: new Promise((r) => (ended = r)), lineListeners: new Set() };
  running.set(name, entry);
  relay(name, child, (line) => {
    for (const l of entry.lineListeners) l(line);
  });
  const gone = (how) => {
    if (!running.has(name)) return;
    running.delete(name);
    entry.how = how;
    ended();
    if (stopping) return;
    if (name === 'nginx') {
      console.error(`start.mjs: nginx stopped (${how}); stopping the nodes`);
      void stop(1);
    } else if (entry.port !== undefined) {
      // A node that was serving: the others of its role go on (nginx stops sending it traffic). An
      // orchestrator (systemd, Kubernetes) would start it again; this script leaves that to the operator.
      console.error(`start.mjs: ${name} stopped (${how}); the other nodes go on serving`);
    }
  };
  child.once('exit', (code, signal) => gone(signal ?? `exit code ${code}`));
  child.once('error', (e) => gone(`could not be started: ${e.message}`));
  return entry;
}

/** The port a node listens on, from the line `start` prints once it listens. */
function listeningPort(entry) {
  return new Promise((resolve, reject) => {
    const listener = (line) => {
      const m = /^Open http:\/\/localhost:(\d+)\//.exec(line);
      if (!m) return;
      entry.lineListeners.delete(listener);
      resolve(Number(m[1]));
    };
    entry.lineListeners.add(listener);
    void entry.exited.then(() => reject(new Error(`${entry.name} stopped while starting (${entry.how})`)));
  });
}

async function untilReady(entry) {
  const until = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (running.has(entry.name)) {
    try {
      const r = await fetch(`http://127.0.0.1:${entry.port}/readyz`, { signal: AbortSignal.timeout(5000) });
      const body = await r.text();
      if (r.status === 200) return;
      last = `${r.status} ${body.slice(0, 300)}`;
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    if (Date.now() > until) throw new Error(`${entry.name} was not ready within ${READY_TIMEOUT_MS / 1000} s (/readyz: ${last})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${entry.name} stopped while starting`);
}

async function startNode(node, index) {
  const t0 = Date.now();
  const otel = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const metricsBase = process.env.PANJAREH_METRICS_PORT?.trim();
  const env = {
    ...process.env,
    PUBLIC_URL: publicUrl,
    PANJAREH_TRUST_PROXY: 'true',
    PANJAREH_NODE_ID: `${opts['node-id-prefix']}${node.name}`,
    // One metrics port per node on one machine: PANJAREH_METRICS_PORT is the first (0: each picks one).
    ...(metricsBase && Number(metricsBase) > 0 ? { PANJAREH_METRICS_PORT: String(Number(metricsBase) + index) } : {}),
    // One service per role in the tracing back-end, unless the operator named one.
    ...(otel && !process.env.OTEL_SERVICE_NAME ? { OTEL_SERVICE_NAME: `panjareh-${node.roles.split(',')[0]}` } : {}),
  };
  const args = [...command.slice(1), 'start', '--roles', node.roles, '--host', '127.0.0.1', '--port', String(nodePort === 0 ? 0 : nodePort + index)];
  const child = spawn(command[0], args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = track(node.name, node.roles, child);
  entry.port = await listeningPort(entry);
  await untilReady(entry);
  console.log(`${node.name} ready: pid ${child.pid}, http://127.0.0.1:${entry.port}, roles ${node.roles} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

function nginxConfig() {
  const servers = (roles) =>
    [...running.values()]
      .filter((e) => e.roles === roles)
      .map((e) => `    server 127.0.0.1:${e.port} max_fails=${MAX_FAILS} fail_timeout=${FAIL_TIMEOUT};`)
      .join('\n');
  const address = lbHost.includes(':') ? `[${lbHost}]:${lbPort}` : `${lbHost}:${lbPort}`;
  const listen = tls
    ? [`    listen ${address} ssl;`, `    ssl_certificate ${tls.cert};`, `    ssl_certificate_key ${tls.key};`, '    ssl_protocols TLSv1.2 TLSv1.3;', '    ssl_session_cache shared:panjareh_tls:10m;'].join('\n')
    : `    listen ${address};`;
  // The gateway's upstream timeout plus five seconds: the gateway's answer always comes first.
  const gatewayTimeoutS = Math.ceil(Number(process.env.PANJAREH_GATEWAY_TIMEOUT_MS || 10_000) / 1000) + 5;
  const values = {
    DIR: dir,
    PORTAL_SERVERS: servers('portal,idp'),
    GATEWAY_SERVERS: servers('gateway'),
    LISTEN: listen,
    MAX_FAILS: String(MAX_FAILS),
    FAIL_TIMEOUT,
    GATEWAY_READ_TIMEOUT: `${Math.max(60, gatewayTimeoutS)}s`,
  };
  return fs.readFileSync(path.join(HERE, 'nginx.conf.template'), 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (m, k) => values[k] ?? m);
}

/** Resolves once nginx accepts connections on its port; rejects if it stops first. */
async function untilListening(entry) {
  const host = lbHost === '0.0.0.0' ? '127.0.0.1' : lbHost === '::' ? '::1' : lbHost;
  const until = Date.now() + 30_000;
  while (running.has(entry.name)) {
    const ok = await new Promise((resolve) => {
      const s = net.connect({ host, port: lbPort }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nginx did not listen on ${host}:${lbPort} within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx stopped while starting (is port ${lbPort} taken?)`);
}

async function startNginx() {
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, nginxConfig());
  const test = spawnSync(nginx, ['-t', '-q', '-p', dir, '-c', conf, '-e', 'stderr'], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx refuses ${conf}: ${(test.stderr || test.error?.message || '').trim()}`);
  const child = spawn(nginx, ['-p', dir, '-c', conf, '-e', 'stderr', '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = track('nginx', '', child);
  await untilListening(entry);
  return child.pid;
}

/** nginx first (it finishes the requests it holds), then every node at once; SIGKILL after 30 s. */
async function stop(code) {
  if (stopping) return;
  stopping = true;
  const signalled = (entry, signal) => {
    try {
      entry.child.kill(signal);
    } catch {
      // Already gone.
    }
  };
  const nginxEntry = running.get('nginx');
  if (nginxEntry) {
    signalled(nginxEntry, 'SIGQUIT');
    await Promise.race([nginxEntry.exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (running.has('nginx')) signalled(nginxEntry, 'SIGKILL');
  }
  const nodes = [...running.values()];
  for (const e of nodes) signalled(e, 'SIGTERM');
  const timer = setTimeout(() => {
    for (const e of running.values()) {
      console.error(`start.mjs: ${e.name} did not stop within ${STOP_TIMEOUT_MS / 1000} s: SIGKILL`);
      signalled(e, 'SIGKILL');
    }
  }, STOP_TIMEOUT_MS);
  await Promise.all(nodes.map((e) => e.exited));
  clearTimeout(timer);
  if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
  console.log(`start.mjs: stopped${code ? ` (exit ${code})` : ''}`);
  process.exit(code);
}

/** A second signal while stopping: SIGKILL whatever is left, now. */
function stopNow() {
  for (const e of running.values()) {
    console.error(`start.mjs: a second signal: SIGKILL ${e.name}`);
    try {
      e.child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => (stopping ? stopNow() : void stop(0)));

try {
  console.log(`start.mjs: PUBLIC_URL ${publicUrl}; nodes run ${command.join(' ')}; nginx in ${dir}`);
  for (const step of STEPS) {
    const nodes = NODES.map((n, i) => ({ n, i })).filter(({ n }) => n.step === step);
    await Promise.all(nodes.map(({ n, i }) => startNode(n, i)));
    if (stopping) break;
  }
  if (!stopping) {
    const pid = await startNginx();
    console.log(`Panjareh's reference deployment is ready at ${publicUrl}/ (nginx pid ${pid} on ${lbHost}:${lbPort}, config ${path.join(dir, 'nginx.conf')})`);
  }
} catch (e) {
  if (!stopping) {
    console.error(`start.mjs: ${e.message}; stopping`);
    await stop(1);
  }
}
