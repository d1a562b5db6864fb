import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { LoadGenerator, LoadResult } from './load.js';
import { fmt, table } from './report.js';

/** One HTTP target: paths sent in rotation, and the p95 goal when it has one. */
export interface Target {
  name: string;
  paths: string[];
  headers?: Record<string, string>;
  goalP95Ms?: number;
}

export interface Measured {
  target: Target;
  result: LoadResult;
  /** CPU the server used during the run, in per cent of one core (all its processes). */
  serverCpu: number;
}

export interface RunOptions {
  connections: number;
  seconds: number;
  warmup: number;
  /** CPU milliseconds the server has used so far. */
  serverCpuMs: () => number;
}

/** Checks every target answers 200, then loads each in turn after a discarded warm-up. */
export async function measure(load: LoadGenerator, url: string, targets: Target[], o: RunOptions): Promise<Measured[]> {
  for (const t of targets) {
    for (const p of t.paths.slice(0, 20)) {
      const res = await fetch(url + p, { headers: t.headers });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${p} answered ${res.status}`);
    }
  }
  const measured: Measured[] = [];
  for (const target of targets) {
    const run = { url, paths: target.paths, connections: o.connections, headers: target.headers };
    if (o.warmup > 0) await load.run({ ...run, seconds: o.warmup });
    const cpu0 = o.serverCpuMs();
    const t0 = performance.now();
    const result = await load.run({ ...run, seconds: o.seconds });
    measured.push({ target, result, serverCpu: ((o.serverCpuMs() - cpu0) / (performance.now() - t0)) * 100 });
    console.log(`bench: ${target.name}: ${fmt.int(result.requestsPerSecond)} req/s, p95 ${fmt.ms(result.p95)} ms`);
  }
  return measured;
}

/** The results as a table, each target beside the first (the reference). */
export function httpTable(measured: Measured[]): string {
  const ref = measured[0]!.result;
  const met = (goal: number | undefined, r: LoadResult) =>
    goal === undefined ? '—' : r.non2xx || r.errors ? '**no** (failed requests)' : r.p95 < goal ? `**yes** (< ${goal} ms)` : `**no** (goal < ${goal} ms)`;
  return table(
    ['target', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'p95 ÷ /healthz', 'req/s ÷ /healthz', 'non-2xx', 'errors', 'server CPU', 'client CPU', 'p95 goal met?'],
    measured.map(({ target: t, result: r, serverCpu }) => [
      t.name, fmt.int(r.requestsPerSecond), fmt.ms(r.p50), fmt.ms(r.p95), fmt.ms(r.p99), fmt.ratio(r.p95 / ref.p95), fmt.ratio(r.requestsPerSecond / ref.requestsPerSecond),
      r.non2xx, r.errors, `${serverCpu.toFixed(0)} %`, `${r.cpuPercent.toFixed(0)} %`, met(t.goalP95Ms, r),
    ]),
  );
}

/** CPU milliseconds a process and its children have used (Linux /proc; clock ticks of 10 ms). */
function treeCpuMs(pid: number): number {
  const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  return [pid, ...children].reduce((sum, p) => {
    try {
      const fields = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return sum + (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return sum; // a process that has just ended
    }
  }, 0);
}

/** `panjareh start --workers N` on the benchmark's database, as an operator would run it. */
export async function startCluster(root: string, env: NodeJS.ProcessEnv, workers: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'start', '--workers', String(workers), '--host', '127.0.0.1'], {
    env: { ...env, PORT: '0', PANJAREH_DEMO: 'false', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const until = Date.now() + 120_000;
  while (!/Open http:\/\/localhost:(\d+)\//.test(out)) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`panjareh start --workers ${workers} did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${/Open http:\/\/localhost:(\d+)\//.exec(out)![1]}`,
    cpuMs: () => treeCpuMs(child.pid!),
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}
