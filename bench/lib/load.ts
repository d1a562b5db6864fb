import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One request of a rotation: a path (already percent-encoded), and what it adds to the run's request. */
export interface RotatedRequest {
  path: string;
  method?: 'GET' | 'POST';
  /** Merged over the run's `headers` (a citizen's own access token, a JSON content type). */
  headers?: Record<string, string>;
  body?: string;
}

/** One load run: paths (already percent-encoded) sent in rotation by `connections` keep-alive clients. */
export interface RunRequest {
  url: string;
  paths: string[];
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  /** When given, these are sent in rotation instead of `paths` (each with its own method, headers and body). */
  requests?: RotatedRequest[];
  /** A header given a value never sent before on every request, `${prefix}-${n}` (an Idempotency-Key). */
  uniqueHeader?: { name: string; prefix: string };
}

/** Latencies in milliseconds, computed from every 2xx response time. */
export interface LoadResult {
  requestsPerSecond: number;
  total: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  non2xx: number;
  /** How many answers of each status other than 2xx (e.g. `{ "429": 3 }`). */
  non2xxByStatus?: Record<string, number>;
  errors: number;
  /** CPU time the load generator itself used during the run, in per cent of one core. */
  cpuPercent: number;
}

type ChildMessage = { type: 'result'; result: LoadResult } | { type: 'error'; message: string };

/** The load generator child process (load-generator.ts), one run at a time. */
export class LoadGenerator {
  private child: ChildProcess;
  private pending: { resolve: (r: LoadResult) => void; reject: (e: Error) => void } | undefined;

  constructor() {
    // The same Node and loader (tsx) as this process.
    this.child = fork(fileURLToPath(new URL('./load-generator.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: ChildMessage) => {
      const p = this.pending;
      this.pending = undefined;
      if (m.type === 'result') p?.resolve(m.result);
      else p?.reject(new Error(`load generator failed: ${m.message}`));
    });
    this.child.on('exit', (code) => {
      this.pending?.reject(new Error(`load generator exited (code ${code})`));
      this.pending = undefined;
    });
  }

  run(req: RunRequest): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(req);
    });
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
    if (this.child.exitCode === null) this.child.kill();
  }
}
