import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadResult, RotatedRequest, RunRequest } from './load.js';
import { cpuSeconds } from './proc-cpu.js';

/**
 * The same runs as LoadGenerator (load.ts), sent by wrk (Debian's `wrk`, written in C) instead of
 * autocannon: on the 2-core machine the load generator shares the cores with the server, and
 * autocannon (JavaScript) took 30–40 % of a core at 3,000–6,000 requests a second where wrk takes a
 * fraction of that. One wrk thread, `connections` keep-alive connections; the requests of a run are
 * written into its Lua script and sent in rotation (each with its own method, headers and body), a
 * unique header numbered per request. Latency percentiles are wrk's, over every response; non-2xx
 * are wrk's status errors (4xx and 5xx). The client's CPU is read from /proc while it runs.
 */
export class WrkLoad {
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pj-wrk-'));
  private runs = 0;

  /** Throws with what to install when wrk is missing. */
  static check(): void {
    if (spawnSync('sh', ['-c', 'command -v wrk']).status !== 0) throw new Error('BENCH_LOAD=wrk needs wrk: apt-get install wrk');
  }

  async run(msg: RunRequest): Promise<LoadResult> {
    if (new URL(msg.url).hostname !== '127.0.0.1') throw new Error('only 127.0.0.1 may be a target');
    const script = path.join(this.dir, `run-${++this.runs}.lua`);
    fs.writeFileSync(script, luaScript(msg));
    return new Promise((resolve, reject) => {
      const c = spawn('wrk', ['-t1', `-c${msg.connections}`, `-d${msg.seconds}s`, '--timeout', '10s', '--latency', '-s', script, msg.url], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let cpu = 0;
      const started = performance.now();
      // wrk's CPU so far, sampled until it exits (the last sample is at most 100 ms before its end).
      const sample = setInterval(() => {
        const t = cpuSeconds(c.pid);
        if (Number.isFinite(t)) cpu = t;
      }, 100);
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (out += d.toString()));
      c.once('error', (e) => (clearInterval(sample), reject(e)));
      c.once('exit', () => {
        clearInterval(sample);
        const m = /WRKJSON (\{.*\})/.exec(out);
        if (!m) return reject(new Error(`wrk: ${out}`));
        const j = JSON.parse(m[1]!) as { requests: number; us: number; status: number; other: number; p50: number; p95: number; p99: number; max: number };
        const seconds = j.us / 1e6;
        resolve({
          requestsPerSecond: j.requests / seconds,
          total: j.requests,
          p50: j.p50 / 1000,
          p95: j.p95 / 1000,
          p99: j.p99 / 1000,
          max: j.max / 1000,
          non2xx: j.status,
          errors: j.other,
          cpuPercent: (cpu / ((performance.now() - started) / 1000)) * 100,
        });
      });
    });
  }

  close(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A Lua string literal: JSON's quoting is Lua's for everything but control characters (JSON's \\u escapes are not Lua's). */
const lua = (s: string) => {
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new Error(`a control character cannot be sent through wrk's script: ${JSON.stringify(s.slice(0, 80))}`);
  return JSON.stringify(s);
};

/** The run's requests as a Lua table, formatted once each; a unique header makes each request be formatted as it is sent. */
function luaScript(msg: RunRequest): string {
  const list: RotatedRequest[] = msg.requests ?? msg.paths.map((p) => ({ path: p }));
  const base = msg.headers ?? {};
  const entries = list.map((r) => {
    const headers = { ...base, ...(r.headers ?? {}) };
    const h = Object.entries(headers).map(([k, v]) => `[${lua(k)}]=${lua(v)}`).join(',');
    return `{${lua(r.method ?? 'GET')},${lua(r.path)},{${h}},${r.body === undefined ? 'nil' : lua(r.body)}}`;
  });
  const unique = msg.uniqueHeader;
  return `local list = {
${entries.join(',\n')}
}
local n = #list
local formatted = {}
local i = 0
local u = 0
function init(args)
  ${unique ? '' : 'for k = 1, n do local r = list[k]; formatted[k] = wrk.format(r[1], r[2], r[3], r[4]) end'}
end
function request()
  i = i % n + 1
  ${
    unique
      ? `local r = list[i]
  u = u + 1
  local h = {}
  for k, v in pairs(r[3]) do h[k] = v end
  h[${lua(unique.name)}] = ${lua(unique.prefix)} .. "-" .. u
  return wrk.format(r[1], r[2], h, r[4])`
      : 'return formatted[i]'
  }
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKJSON {\\"requests\\":%d,\\"us\\":%d,\\"status\\":%d,\\"other\\":%d,\\"p50\\":%d,\\"p95\\":%d,\\"p99\\":%d,\\"max\\":%d}\\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
`;
}
