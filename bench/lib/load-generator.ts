/**
 * The load generator, run as a child process of the benchmark (see load.ts): autocannon in a process
 * of its own, so that building requests and parsing responses is not counted as the server's latency.
 * It receives one run at a time over IPC and answers with its figures. A run sends GETs of `paths` in
 * rotation or, when it gives `requests`, those (each with its method, headers and body: POSTs too).
 */
import autocannon from 'autocannon';
import type { LoadResult, RunRequest } from './load.js';

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function run(msg: RunRequest): Promise<LoadResult> {
  if (new URL(msg.url).hostname !== '127.0.0.1') throw new Error('only 127.0.0.1 may be a target');
  let next = 0;
  let unique = 0;
  /** The next request of `msg.requests`, over the run's own (headers merged, a unique header numbered). */
  const rotated = (req: autocannon.Request, m: RunRequest): autocannon.Request => {
    const r = m.requests![next++ % m.requests!.length]!;
    const headers: Record<string, string> = { ...(req.headers as Record<string, string>), ...r.headers };
    if (m.uniqueHeader) headers[m.uniqueHeader.name] = `${m.uniqueHeader.prefix}-${++unique}`;
    return { ...req, method: r.method ?? 'GET', path: r.path, headers, ...(r.body !== undefined ? { body: r.body } : {}) };
  };
  let times = new Float64Array(1 << 16);
  let n = 0;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: msg.url,
        connections: msg.connections,
        duration: msg.seconds,
        timeout: 10,
        headers: msg.headers,
        // One shared counter: the connections together walk the list of paths (or requests) in order.
        requests: [{ method: 'GET', setupRequest: (req) => (msg.requests ? rotated(req, msg) : { ...req, path: msg.paths[next++ % msg.paths.length]! }) }],
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
    // autocannon's own percentiles are whole milliseconds; every 2xx time is kept for exact ones.
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode < 200 || statusCode > 299) return;
      if (n === times.length) {
        const grown = new Float64Array(times.length * 2);
        grown.set(times);
        times = grown;
      }
      times[n++] = responseTime;
    });
  });
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = times.subarray(0, n).sort();
  return {
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: n ? sorted[n - 1]! : NaN,
    non2xx: result.non2xx,
    non2xxByStatus: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2')).map(([code, s]) => [code, s.count ?? 0])),
    errors: result.errors + result.timeouts,
    cpuPercent: ((cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore)) * 100,
  };
}

process.on('disconnect', () => process.exit(0));
process.on('message', (msg: RunRequest) => {
  run(msg).then(
    (result) => process.send!({ type: 'result', result }),
    (e: Error) => process.send!({ type: 'error', message: e.stack ?? String(e) }),
  );
});
