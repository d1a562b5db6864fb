/**
 * Gateway benchmark (`npm run bench:gateway`): the Panjareh exchange gateway beside two plain reverse
 * proxies in front of the same upstream, loaded by the same generator (wrk) in one run:
 *
 *   (a) nginx, a plain keep-alive reverse proxy (one worker process, config generated in a temp dir);
 *   (b) a bare Node keep-alive proxy of ~30 lines (bench/lib/bare-proxy.ts, undici);
 *   (c) `panjareh start --roles gateway` on a fresh SQLite database (or DATABASE_URL), every check
 *       on (API key, X-Road-Client, contract, path rule, personal-data subject and legal basis, rate
 *       limit and daily quota) and every call durably in the hash-chained audit log before it is answered.
 *
 * Peak: each target at a fixed number of connections, in interleaved rounds (the order rotates), median
 * kept. Latency: every target, and the upstream called directly, at half the gateway's own peak rate,
 * paced by wrk's delay() hook; "added p99" is the gateway's p99 minus the upstream's own at that rate.
 * The last line is `ratios: gateway/bare-node=R1 gateway/nginx=R2 added-p99-ms=L`.
 *
 * Environment (all optional): BENCH_SECONDS (8 per peak run), BENCH_ROUNDS (3), BENCH_CONNECTIONS (32),
 * BENCH_LATENCY_SECONDS (10), DATABASE_URL (postgres://…: the gateway on PostgreSQL, in a schema of its own),
 * BENCH_BASELINE_DIR (another checkout whose gateway is measured too, as (c′): before and after a change in one run),
 * BENCH_GATEWAY_NODE_ARGS (extra node flags for the gateway process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 *
 * `--metrics`: also (d), the same gateway with PANJAREH_METRICS_PORT set, on a database of its own, in
 * the same interleaved rounds, its metrics scraped every second meanwhile (Prometheus scrapes every 15 s
 * or more: this is the harsher case); the last line then adds `metrics-on/off=R` (median rounds).
 *
 * `--tracing`: also (e), the same gateway with OTEL_EXPORTER_OTLP_ENDPOINT set, exporting every span
 * (server, upstream call, audit commit) over OTLP/HTTP to a local sink (bench/lib/otlp-sink.ts), on a
 * database of its own, in the same rounds; the last line then adds `tracing-on/off=R`.
 * `--tracing-sampled`: also (f), the same with head sampling (see TRACING_SAMPLED below), `tracing-sampled/off=R`.
 * A last line gives the same ratios by the gateway process's CPU per call.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/harness.js';
import { fmt, median, table } from './lib/report.js';
import { pgStatement } from './lib/pg-admin.js';
import { cpuSeconds } from './lib/proc-cpu.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;
/** Another checkout of Panjareh whose gateway is measured beside this one (before/after a change). */
const BASELINE = process.env.BENCH_BASELINE_DIR?.trim() || undefined;
/** `--metrics`: the gateway with its Prometheus metrics on, beside the one without. */
const METRICS = process.argv.includes('--metrics');
/** `--tracing`: the gateway with traces exported, beside the one without. */
const TRACING = process.argv.includes('--tracing');
/**
 * `--tracing-sampled`: also the gateway with traces on and head sampling as the platform runs it by
 * default (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`, ratio BENCH_SAMPLER_RATIO, 0.1 by
 * default, which is also the platform's), exporting to the same sink. `--tracing` samples every call.
 */
const TRACING_SAMPLED = process.argv.includes('--tracing-sampled');
const SAMPLER_RATIO = process.env.BENCH_SAMPLER_RATIO ?? '0.1';

const CLIENT = 'IR/COM/10100000001/kyc';
const SERVICE = 'IR/GOV/NOCR/registry/person';
const PATH = `/r1/${SERVICE}/persons/0499370899`;

/** nginx and wrk are system tools: say how to get them rather than fail obscurely. */
function requireTools(): void {
  const missing = ['nginx', 'wrk'].filter((t) => spawnSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t}`]).status !== 0);
  if (missing.length) {
    console.error(`bench:gateway needs ${missing.join(' and ')} on this machine: install with\n  sudo apt-get install ${missing.join(' ')}\n(Debian/Ubuntu; on macOS: brew install ${missing.join(' ')}).`);
    process.exit(2);
  }
}
const nginxBin = () => (spawnSync('sh', ['-c', 'command -v nginx']).stdout.toString().trim() || '/usr/sbin/nginx');

const children: ChildProcess[] = [];
function child(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): ChildProcess {
  const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd });
  children.push(c);
  c.stdout!.on('data', () => undefined); // drained, so a chatty child never blocks on a full pipe
  let err = '';
  c.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  c.once('exit', (code, signal) => {
    if (!stopping) console.error(`bench: ${cmd} ${args.join(' ')} exited (${code ?? signal}): ${err}`);
  });
  return c;
}
let stopping = false;
function stopAll(): void {
  stopping = true;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
}
process.on('exit', stopAll);

/** A Node child that prints `listening <port>`. */
function nodeChild(script: string, env: NodeJS.ProcessEnv = {}): Promise<{ port: number; pid: number }> {
  const c = child(process.execPath, ['--import', 'tsx', script], env);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${script} did not start`)), 30_000);
    c.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) {
        clearTimeout(t);
        resolve({ port: Number(m[1]), pid: c.pid! });
      }
    });
  });
}

async function waitFor(url: string, headers: Record<string, string>): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      if (r.status === 200) return;
      if (Date.now() > until) throw new Error(`${url} answers ${r.status}`);
    } catch (e) {
      if (Date.now() > until) throw e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function startNginx(dir: string, upstreamPort: number, port: number): number {
  const conf = path.join(dir, 'nginx.conf');
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  return child(nginxBin(), ['-p', dir, '-e', `${dir}/error.log`, '-c', conf]).pid!;
}

/**
 * Sets up the gateway's world (bench/lib/gateway-setup.ts, in `repo`) on a database of its own, then
 * serves it as `npm start` would: `panjareh start --roles gateway`.
 */
async function startGateway(repo: string, dir: string, upstream: string, port: number, pgSchema: string | undefined, extraEnv: Record<string, string> = {}): Promise<{ headers: Record<string, string>; pid: number }> {
  fs.mkdirSync(dir, { recursive: true });
  const env = { ...process.env, ...extraEnv, PANJAREH_DATA_DIR: dir, LOG_LEVEL: 'warn', PANJAREH_DEMO: 'false', PANJAREH_NODE_ID: 'bench-gateway', ...(pgSchema ? { PGOPTIONS: `-c search_path=${pgSchema}`, BENCH_PG_SCHEMA: pgSchema } : {}) };
  const setup = spawnSync(process.execPath, ['--import', 'tsx', 'bench/lib/gateway-setup.ts', CLIENT, SERVICE, upstream], { cwd: repo, env, encoding: 'utf8', timeout: 120_000 });
  const key = /^key (\S+)$/m.exec(setup.stdout ?? '')?.[1];
  if (!key) throw new Error(`gateway setup in ${repo} failed: ${setup.stderr}`);
  const args = [...(process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'src/cli.ts', 'start', '--roles', 'gateway', '--port', String(port), '--host', '127.0.0.1'];
  const c = child(process.execPath, args, env, repo);
  return { headers: { 'X-Road-Client': CLIENT, Authorization: `ApiKey ${key}` }, pid: c.pid! };
}

interface WrkResult {
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  p999: number;
  mean: number;
  errors: number;
  /** CPU time of the proxy's process(es) per request, µs (NaN when not measured). */
  cpuUs: number;
}

function wrkScript(dir: string, name: string, headers: Record<string, string>, delayMs: number | null): string {
  const file = path.join(dir, `${name}-${delayMs ?? 'peak'}.lua`);
  const lines = Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  if (delayMs !== null) lines.push(`function delay() return ${delayMs} end`);
  lines.push(
    `function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKJSON {\\"requests\\":%d,\\"us\\":%d,\\"errors\\":%d,\\"p50\\":%d,\\"p99\\":%d,\\"p999\\":%d,\\"mean\\":%f}\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.mean))
end`,
  );
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** One wrk run: one thread (the cores are shared with the servers), `connections` keep-alive connections. */
function wrk(url: string, script: string, connections: number, seconds: number, pid?: number): Promise<WrkResult> {
  const cpu0 = cpuSeconds(pid);
  return new Promise((resolve, reject) => {
    const c = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.once('exit', () => {
      const m = /WRKJSON (\{.*\})/.exec(out);
      if (!m) return reject(new Error(`wrk: ${out}`));
      const j = JSON.parse(m[1]!) as { requests: number; us: number; errors: number; p50: number; p99: number; p999: number; mean: number };
      const cpuUs = ((cpuSeconds(pid) - cpu0) * 1e6) / j.requests;
      resolve({ rps: j.requests / (j.us / 1e6), requests: j.requests, errors: j.errors, p50: j.p50 / 1000, p99: j.p99 / 1000, p999: j.p999 / 1000, mean: j.mean / 1000, cpuUs });
    });
  });
}

/**
 * `rate` requests a second with wrk's delay() hook: `connections` connections, each waiting a fixed delay
 * after every answer. A short calibration run measures the answer time so that delay + answer time
 * gives the rate (two short calibration runs); the achieved rate is reported beside the target.
 */
async function paced(dir: string, name: string, url: string, headers: Record<string, string>, rate: number): Promise<WrkResult> {
  const connections = Math.max(1, Math.round(rate / 100)); // about 10 ms per request per connection
  let delay = Math.max(1, Math.round((connections * 1000) / rate));
  for (let step = 0; step < 2; step++) {
    // Each connection makes one call per (delay + time per call): solve for the delay from what was achieved.
    const calib = await wrk(url, wrkScript(dir, name, headers, delay), connections, 2);
    const perCall = (connections * 1000) / calib.rps - delay;
    delay = Math.max(1, Math.round((connections * 1000) / rate - perCall));
  }
  return wrk(url, wrkScript(dir, name, headers, delay), connections, LATENCY_SECONDS);
}

interface Target {
  name: string;
  label: string;
  url: string;
  pid: number;
  headers?: Record<string, string>;
}

async function main(): Promise<void> {
  requireTools();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-bench-gw-'));
  const pgSchema = databaseUrl ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  const baselineSchema = databaseUrl && BASELINE ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  const metricsSchema = databaseUrl && METRICS ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  const tracingSchema = databaseUrl && TRACING ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  const sampledSchema = databaseUrl && TRACING_SAMPLED ? `bench_${randomBytes(6).toString('hex')}` : undefined;
  let sinkUrl: string | undefined;
  const admin = (statement: string) => pgStatement(databaseUrl, statement);
  for (const s of [pgSchema, baselineSchema, metricsSchema, tracingSchema, sampledSchema]) if (s) await admin(`create schema ${s}`);
  let scraper: NodeJS.Timeout | undefined;
  try {
    const upstream = await nodeChild('bench/lib/gateway-upstream.ts');
    const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
    const bare = await nodeChild('bench/lib/bare-proxy.ts', { UPSTREAM: upstreamUrl });
    const nginxPort = await freePort();
    const nginxPid = startNginx(dir, upstream.port, nginxPort);
    const gwPort = await freePort();
    const { headers, pid: gwPid } = await startGateway(process.cwd(), path.join(dir, 'gateway'), upstreamUrl, gwPort, pgSchema);

    const targets: Target[] = [
      { name: 'nginx', label: '(a) nginx 1 worker, keep-alive', url: `http://127.0.0.1:${nginxPort}${PATH}`, pid: nginxPid },
      { name: 'bare', label: '(b) bare Node proxy (undici)', url: `http://127.0.0.1:${bare.port}${PATH}`, pid: bare.pid },
      { name: 'gateway', label: `(c) Panjareh gateway, audit on ${pgSchema ? 'PostgreSQL' : 'SQLite (synchronous=FULL)'}`, url: `http://127.0.0.1:${gwPort}${PATH}`, pid: gwPid },
    ];
    if (BASELINE) {
      // The same gateway from another checkout (e.g. the commit before a change), on a database of its own.
      const port = await freePort();
      const base = await startGateway(BASELINE, path.join(dir, 'baseline'), upstreamUrl, port, baselineSchema);
      targets.push({ name: 'baseline', label: `(c′) gateway from ${BASELINE}`, url: `http://127.0.0.1:${port}${PATH}`, pid: base.pid, headers: base.headers });
    }
    if (METRICS) {
      const port = await freePort();
      const metricsPort = await freePort();
      const m = await startGateway(process.cwd(), path.join(dir, 'metrics'), upstreamUrl, port, metricsSchema, { PANJAREH_METRICS_PORT: String(metricsPort) });
      targets.push({ name: 'metrics', label: '(d) Panjareh gateway, metrics on (scraped every second)', url: `http://127.0.0.1:${port}${PATH}`, pid: m.pid, headers: m.headers });
      scraper = setInterval(() => void fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.arrayBuffer()).catch(() => undefined), 1000);
    }
    if (TRACING || TRACING_SAMPLED) {
      const sink = await nodeChild('bench/lib/otlp-sink.ts');
      sinkUrl = `http://127.0.0.1:${sink.port}`;
    }
    if (TRACING) {
      const port = await freePort();
      const t = await startGateway(process.cwd(), path.join(dir, 'tracing'), upstreamUrl, port, tracingSchema, { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl!, OTEL_SERVICE_NAME: 'bench-gateway', OTEL_TRACES_SAMPLER: 'parentbased_always_on' });
      targets.push({ name: 'tracing', label: '(e) Panjareh gateway, tracing on, every call sampled (OTLP/HTTP to a local sink)', url: `http://127.0.0.1:${port}${PATH}`, pid: t.pid, headers: t.headers });
    }
    if (TRACING_SAMPLED) {
      const port = await freePort();
      const env = { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl!, OTEL_SERVICE_NAME: 'bench-gateway-sampled', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: SAMPLER_RATIO };
      const t = await startGateway(process.cwd(), path.join(dir, 'sampled'), upstreamUrl, port, sampledSchema, env);
      targets.push({ name: 'sampled', label: `(f) Panjareh gateway, tracing on, parentbased_traceidratio ${SAMPLER_RATIO}`, url: `http://127.0.0.1:${port}${PATH}`, pid: t.pid, headers: t.headers });
    }
    for (const t of targets) await waitFor(t.url, t.headers ?? headers);
    const direct = `${upstreamUrl}/base/persons/0499370899`;
    const scripts = Object.fromEntries(targets.map((t) => [t.name, wrkScript(dir, t.name, t.headers ?? headers, null)]));

    console.error(`bench: warm-up, then ${ROUNDS} round(s) of ${SECONDS} s per target at ${CONNECTIONS} connections`);
    for (const t of targets) await wrk(t.url, scripts[t.name]!, CONNECTIONS, 3);
    const peak: Record<string, WrkResult[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < targets.length; i++) {
        const t = targets[(i + round) % targets.length]!;
        const r = await wrk(t.url, scripts[t.name]!, CONNECTIONS, SECONDS, t.pid);
        console.error(`  round ${round + 1} ${t.name}: ${fmt.int(r.rps)} req/s, p99 ${fmt.ms(r.p99)} ms, ${fmt.int(r.cpuUs)} µs CPU/request, errors ${r.errors}`);
        peak[t.name]!.push(r);
      }
    }
    const rps = (n: string) => median(peak[n]!.map((r) => r.rps));
    const pick = (n: string) => peak[n]!.slice().sort((a, b) => a.rps - b.rps)[Math.floor(peak[n]!.length / 2)]!;
    const half = Math.round(rps('gateway') / 2);

    console.error(`bench: latency at ${fmt.int(half)} req/s (half the gateway's peak)`);
    const lat: Array<[string, WrkResult]> = [['upstream, called directly', await paced(dir, 'direct', direct, headers, half)]];
    for (const t of targets) lat.push([t.label, await paced(dir, t.name, t.url, t.headers ?? headers, half)]);
    const directP99 = lat[0]![1].p99;
    const gatewayLat = lat[3]![1];

    const r1 = rps('gateway') / rps('bare');
    const r2 = rps('gateway') / rps('nginx');
    const added = gatewayLat.p99 - directP99;
    const cpu = os.cpus();
    console.log(`### Gateway, ${pgSchema ? 'PostgreSQL' : 'SQLite'} (${new Date().toISOString().slice(0, 10)}, ${cpu.length} cores ${cpu[0]?.model.trim() ?? ''}, Node ${process.version})\n`);
    console.log(`Peak: wrk, 1 thread, ${CONNECTIONS} keep-alive connections, ${ROUNDS} interleaved rounds of ${SECONDS} s; median round.\n`);
    console.log(
      table(
        ['target', 'req/s (median)', 'rounds', 'p50', 'p99', 'proxy CPU/request', 'errors', '× bare Node', '× nginx'],
        targets.map((t) => {
          const m = pick(t.name);
          return [t.label, fmt.int(rps(t.name)), peak[t.name]!.map((r) => fmt.int(r.rps)).join(' / '), `${fmt.ms(m.p50)} ms`, `${fmt.ms(m.p99)} ms`, `${fmt.int(median(peak[t.name]!.map((r) => r.cpuUs)))} µs`, peak[t.name]!.reduce((s, r) => s + r.errors, 0), fmt.ratio(rps(t.name) / rps('bare')), fmt.ratio(rps(t.name) / rps('nginx'))];
        }),
      ),
    );
    console.log(`\nLatency at ${fmt.int(half)} req/s (half the gateway's peak), paced by wrk's delay(), ${LATENCY_SECONDS} s each:\n`);
    console.log(
      table(
        ['target', 'req/s achieved', 'p50', 'p99', 'p99.9', 'added p99 (vs. direct)', 'errors'],
        lat.map(([label, r]) => [label, fmt.int(r.rps), `${fmt.ms(r.p50)} ms`, `${fmt.ms(r.p99)} ms`, `${fmt.ms(r.p999)} ms`, label.startsWith('upstream') ? '–' : `${fmt.ms(r.p99 - directP99)} ms`, r.errors]),
      ),
    );
    console.log(`\nratios: gateway/bare-node=${r1.toFixed(2)} gateway/nginx=${r2.toFixed(2)} added-p99-ms=${added.toFixed(2)}${METRICS ? ` metrics-on/off=${(rps('metrics') / rps('gateway')).toFixed(3)}` : ''}${TRACING ? ` tracing-on/off=${(rps('tracing') / rps('gateway')).toFixed(3)}` : ''}${TRACING_SAMPLED ? ` tracing-sampled/off=${(rps('sampled') / rps('gateway')).toFixed(3)}` : ''}`);
    // CPU per call is what other work on the machine disturbs least: the same ratios by it.
    const cpuOf = (n: string) => median(peak[n]!.map((r) => r.cpuUs));
    const extra = [METRICS ? 'metrics' : '', TRACING ? 'tracing' : '', TRACING_SAMPLED ? 'sampled' : ''].filter(Boolean);
    if (extra.length) console.log(`cpu-per-call vs (c): ${extra.map((n) => `${n}=${(cpuOf(n) / cpuOf('gateway')).toFixed(3)}`).join(' ')}`);
    // Proof that the spans left the gateway: what the sink received over the whole run.
    if (sinkUrl) console.error(`bench: the trace sink received ${JSON.stringify(await fetch(`${sinkUrl}/stats`).then((r) => r.json()))}`);
  } finally {
    clearInterval(scraper);
    stopAll();
    // The gateways close gracefully (and write their --cpu-prof profiles then): up to 15 s for all.
    const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
    await Promise.race([
      Promise.all(children.map((c) => (exited(c) ? undefined : new Promise((r) => c.once('exit', r))))),
      new Promise((r) => setTimeout(r, 15_000)),
    ]);
    for (const s of [pgSchema, baselineSchema, metricsSchema, tracingSchema, sampledSchema]) if (s) await admin(`drop schema if exists ${s} cascade`).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
