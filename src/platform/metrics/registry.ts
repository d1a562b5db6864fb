import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The platform's metrics in Prometheus' format: one `Registry` per platform (never prom-client's
 * global one, so that several platforms in one process — the tests — keep their series apart), with
 * the node's id and roles as labels on every series. Capabilities never see this class: they report
 * through small observer hooks of their own, which the composition (src/instrument.ts) connects to
 * the methods below. Every label value is an identifier the platform itself defines (a route pattern,
 * a registered service or subsystem id, a job kind, a sign-in method): never a path, a query, a
 * national code, a mobile number or a name.
 */

export interface MetricsOptions {
  /** This node's id (PANJAREH_NODE_ID, or the host name). */
  node: string;
  roles: readonly string[];
  /** Static facts about the node for `panjareh_info`. */
  info?: Record<string, string>;
}

/** Values read when Prometheus scrapes, not kept up to date in between. */
export interface ScrapeSources {
  /** Exchange audit-log records appended and not yet committed on this node; null when this node has no log. */
  auditBacklog?: () => number | null;
  /** Scheduled jobs in the database (nodes with the worker role report them). */
  jobs?: () => Promise<{ waiting: number; due: number; running: number; failed: number; oldestDueLagMs: number | null }>;
  /** Database connections of this process. */
  pool?: () => { total: number; idle?: number; waiting?: number };
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZE_BUCKETS = [0, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048];

export class PlatformMetrics {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly gatewayCalls: Counter<'service' | 'consumer' | 'status' | 'error'>;
  private readonly gatewayDuration: Histogram<'service' | 'consumer'>;
  private readonly gatewayRequestBytes: Histogram<'service'>;
  private readonly gatewayResponseBytes: Histogram<'service'>;
  private readonly auditCommit: Histogram;
  private readonly auditBatch: Histogram;
  private readonly auditRecords: Counter;
  private readonly auditFailed: Counter;
  private readonly jobRuns: Counter<'kind' | 'result'>;
  private readonly jobDuration: Histogram<'kind'>;
  private readonly searchDuration: Histogram<'kind' | 'cache'>;
  private readonly signIns: Counter<'method' | 'result' | 'site'>;
  /** The metrics port once it listens (PANJAREH_METRICS_PORT=0 picks a free one). */
  port: number | null = null;

  constructor(opts: MetricsOptions) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node: opts.node, roles: [...opts.roles].sort().join(',') });
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'panjareh_info', help: 'Always 1; its labels describe the node.', labelNames: Object.keys(opts.info ?? {}), registers, aggregator: 'max' }).set(opts.info ?? {}, 1);

    this.httpDuration = new Histogram({ name: 'panjareh_http_request_duration_seconds', help: 'HTTP requests (outside the gateway) by method, route pattern and status, and how long each took.', labelNames: ['method', 'route', 'status'], buckets: LATENCY_BUCKETS, registers });

    this.gatewayCalls = new Counter({ name: 'panjareh_gateway_calls_total', help: 'Gateway calls answered, by service, consumer subsystem, status and X-Road error type ("" when none).', labelNames: ['service', 'consumer', 'status', 'error'], registers });
    this.gatewayDuration = new Histogram({ name: 'panjareh_gateway_call_duration_seconds', help: 'Gateway calls from arrival to answer, audit commit included, by service and consumer.', labelNames: ['service', 'consumer'], buckets: LATENCY_BUCKETS, registers });
    this.gatewayRequestBytes = new Histogram({ name: 'panjareh_gateway_request_bytes', help: 'Request bodies through the gateway, by service.', labelNames: ['service'], buckets: SIZE_BUCKETS, registers });
    this.gatewayResponseBytes = new Histogram({ name: 'panjareh_gateway_response_bytes', help: 'Answer bodies through the gateway, by service.', labelNames: ['service'], buckets: SIZE_BUCKETS, registers });

    this.auditCommit = new Histogram({ name: 'panjareh_audit_commit_duration_seconds', help: 'Exchange audit log: from a batch handed to the database to its commit.', buckets: LATENCY_BUCKETS, registers });
    this.auditBatch = new Histogram({ name: 'panjareh_audit_batch_records', help: 'Exchange audit log: records per commit.', buckets: BATCH_BUCKETS, registers });
    this.auditRecords = new Counter({ name: 'panjareh_audit_records_total', help: 'Exchange audit log: records committed.', registers });
    this.auditFailed = new Counter({ name: 'panjareh_audit_failed_records_total', help: 'Exchange audit log: records whose commit failed (their calls were answered 503).', registers });
    this.jobRuns = new Counter({ name: 'panjareh_job_runs_total', help: 'Scheduled jobs run on this node, by kind and result (done, retry, failed, lost).', labelNames: ['kind', 'result'], registers });
    this.jobDuration = new Histogram({ name: 'panjareh_job_run_duration_seconds', help: 'Scheduled jobs: how long a handler ran, by kind.', labelNames: ['kind'], buckets: LATENCY_BUCKETS, registers });
    this.searchDuration = new Histogram({ name: 'panjareh_search_duration_seconds', help: 'Catalogue searches in the read model, by kind (text, or browse without words) and cache (hit, miss).', labelNames: ['kind', 'cache'], buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25], registers });
    this.signIns = new Counter({ name: 'panjareh_signins_total', help: 'Sign-in events by method (otp, passkey), result (code_sent, success, failure) and site (portal, relying_party, none).', labelNames: ['method', 'result', 'site'], registers });
  }

  /**
   * Adds the gauges read at each scrape, for the sources this node has (once): a node without the
   * worker role reports no jobs, one without a gateway no audit backlog, rather than a misleading 0.
   */
  readFrom(sources: ScrapeSources): void {
    const registers = [this.registry];
    const { auditBacklog, jobs, pool } = sources;
    if (auditBacklog) {
      const backlog: Gauge = new Gauge({
        name: 'panjareh_audit_backlog_records',
        help: 'Exchange audit log: records appended and not yet committed (gateway nodes).',
        registers,
        collect: () => backlog.set(auditBacklog() ?? 0),
      });
    }
    if (jobs) {
      // One query serves both gauges of a scrape (prom-client collects them at the same time).
      let pending: ReturnType<typeof jobs> | null = null;
      const read = () => {
        if (!pending) {
          pending = jobs();
          const clear = () => (pending = null);
          pending.then(clear, clear);
        }
        return pending.catch(() => null);
      };
      const byState: Gauge<'state'> = new Gauge({
        name: 'panjareh_jobs',
        help: 'Scheduled jobs in the database by state: waiting (due or not), due, running, failed. Reported by nodes with the worker role.',
        labelNames: ['state'],
        registers,
        aggregator: 'max',
        collect: async () => {
          const s = await read();
          if (s) for (const state of ['waiting', 'due', 'running', 'failed'] as const) byState.set({ state }, s[state]);
        },
      });
      const lag: Gauge = new Gauge({
        name: 'panjareh_jobs_lag_seconds',
        help: 'How long the oldest due job has waited past its time (0 when none is due). Reported by nodes with the worker role.',
        registers,
        aggregator: 'max',
        collect: async () => {
          const s = await read();
          if (s) lag.set(Math.max(0, (s.oldestDueLagMs ?? 0) / 1000));
        },
      });
    }
    if (pool) {
      const connections: Gauge<'state'> = new Gauge({
        name: 'panjareh_db_pool_connections',
        help: 'Database connections of this process: total and idle, and queries waiting for one (PostgreSQL); SQLite has exactly one.',
        labelNames: ['state'],
        registers,
        collect: () => {
          const p = pool();
          connections.set({ state: 'total' }, p.total);
          if (p.idle !== undefined) connections.set({ state: 'idle' }, p.idle);
          if (p.waiting !== undefined) connections.set({ state: 'waiting' }, p.waiting);
        },
      });
    }
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status }, seconds);
  }

  gatewayCall(c: { service: string; consumer: string; status: number; error: string | null; seconds: number; requestBytes: number; responseBytes: number }): void {
    this.gatewayCalls.inc({ service: c.service, consumer: c.consumer, status: c.status, error: c.error ?? '' });
    this.gatewayDuration.observe({ service: c.service, consumer: c.consumer }, c.seconds);
    this.gatewayRequestBytes.observe({ service: c.service }, c.requestBytes);
    this.gatewayResponseBytes.observe({ service: c.service }, c.responseBytes);
  }

  auditCommitted(c: { records: number; seconds: number; commitRecords: number | null }): void {
    this.auditCommit.observe(c.seconds);
    this.auditRecords.inc(c.records);
    if (c.commitRecords !== null) this.auditBatch.observe(c.commitRecords);
  }

  auditFailedRecords(records: number): void {
    this.auditFailed.inc(records);
  }

  jobRan(kind: string, result: string, seconds: number): void {
    this.jobRuns.inc({ kind, result });
    this.jobDuration.observe({ kind }, seconds);
  }

  searched(kind: 'text' | 'browse', cached: boolean, seconds: number): void {
    this.searchDuration.observe({ kind, cache: cached ? 'hit' : 'miss' }, seconds);
  }

  signIn(method: string, result: string, site: string): void {
    this.signIns.inc({ method, result, site });
  }

  /** The exposition text, as Prometheus reads it. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
