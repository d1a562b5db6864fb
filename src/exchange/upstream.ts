import type { Attributes, Context } from '@opentelemetry/api';
import { Pool, type Dispatcher } from 'undici';
import { tracingActive } from '../platform/tracing/index.js';
import { traceUpstream } from './tracing.js';

/**
 * Calls to the registered upstreams: one keep-alive connection pool per origin (undici), connect,
 * header and body timeouts plus an overall deadline (so a server that drips a byte at a time cannot
 * hold a call forever), and a cap on the response size. Redirects are passed back, never followed.
 * The origin and base path come from the registry only; nothing in a request can change them.
 */

export interface UpstreamOptions {
  connectTimeoutMs: number;
  /** Overall time for the upstream's headers and body. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** Connections per origin. */
  connections: number;
}

export type UpstreamFailure = 'timeout' | 'unreachable' | 'bad-response' | 'too-large';

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamFailure,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

function classify(e: unknown, deadlineHit: boolean): UpstreamError {
  if (e instanceof UpstreamError) return e;
  const err = e as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = err?.code ?? err?.cause?.code ?? '';
  if (deadlineHit || TIMEOUT_CODES.has(code)) return new UpstreamError('timeout', 'the service did not answer in time');
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return new UpstreamError('too-large', 'the service answered with more than the gateway accepts');
  if (UNREACHABLE_CODES.has(code)) return new UpstreamError('unreachable', `the service could not be reached (${code})`);
  return new UpstreamError('bad-response', `the service answered with something that is not valid HTTP${code ? ` (${code})` : ''}`);
}

/** The overall deadline of one call (a module-level function given the call, so no closure per call). */
function deadlineHit(call: UpstreamCall): void {
  call.fail(new UpstreamError('timeout', 'the service did not answer in time'), true);
}

/** One upstream call's dispatch handler (a class, so a call allocates one object and no closures). */
class UpstreamCall implements Dispatcher.DispatchHandler {
  timer: NodeJS.Timeout | undefined;
  private controller: Dispatcher.DispatchController | null = null;
  private settled = false;
  private status = 0;
  private headers: UpstreamResponse['headers'] = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly max: number,
    private readonly resolve: (r: UpstreamResponse) => void,
    private readonly reject: (e: UpstreamError) => void,
  ) {}

  fail(e: unknown, deadline = false): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const err = classify(e, deadline);
    this.controller?.abort(err);
    this.reject(err);
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.controller = c;
    if (this.settled) c.abort(new UpstreamError('timeout', 'the service did not answer in time'));
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: UpstreamResponse['headers']): void {
    if (statusCode < 200) return; // 1xx informational answers are not the answer
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.max) this.fail(new UpstreamError('too-large', 'the service answered with more than the gateway accepts'));
    else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve({ status: this.status, headers: this.headers, body: this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size) });
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }
}

export class Upstreams {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  constructor(private readonly opts: UpstreamOptions) {}

  private pool(origin: string): Pool {
    let p = this.pools.get(origin);
    if (!p) {
      if (this.closed) throw new UpstreamError('unreachable', 'the gateway is shutting down');
      p = new Pool(origin, {
        connections: this.opts.connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 60_000,
        connect: { timeout: this.opts.connectTimeoutMs },
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
        maxResponseSize: this.opts.maxResponseBytes,
      });
      this.pools.set(origin, p);
    }
    return p;
  }

  /**
   * One call, on undici's dispatch API: no stream objects and no AbortController per call; the
   * deadline and the size cap abort through the dispatch controller. With tracing on, a client span
   * with `attributes` (the service, the consumer, the X-Road-Id) whose `traceparent` goes upstream.
   */
  forward(origin: string, req: { path: string; method: string; headers: Record<string, string>; body: Buffer | null }, attributes?: Attributes, parent?: Context): Promise<UpstreamResponse> {
    if (tracingActive()) return traceUpstream(origin, req, attributes, () => this.dispatch(origin, req), parent);
    return this.dispatch(origin, req);
  }

  private dispatch(origin: string, req: { path: string; method: string; headers: Record<string, string>; body: Buffer | null }): Promise<UpstreamResponse> {
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const call = new UpstreamCall(this.opts.maxResponseBytes, resolve, reject);
      call.timer = setTimeout(deadlineHit, this.opts.timeoutMs, call);
      try {
        this.pool(origin).dispatch({ path: req.path, method: req.method as Dispatcher.HttpMethod, headers: req.headers, body: req.body && req.body.length > 0 ? req.body : null }, call);
      } catch (e) {
        call.fail(e);
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}
