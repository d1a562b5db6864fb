import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Catalog } from './catalog/index.js';
import type { Exchange } from './exchange/index.js';
import type { NationalIdentity } from './identity/index.js';
import type { Config } from './platform/config.js';
import type { DatabaseHandle } from './platform/db.js';
import type { Jobs } from './platform/jobs/index.js';
import { PlatformMetrics, isClusterWorker, observeHttp, serveMetrics, shareWithPrimary } from './platform/metrics/index.js';

/**
 * The composition of the platform's metrics (PANJAREH_METRICS_PORT): a registry for this platform,
 * connected to the observer hooks of the capabilities, which never import prom-client themselves.
 * Metrics off (the default), nothing here runs and no hook is set.
 */

export interface Instrumented {
  catalog: Catalog;
  exchange: Exchange;
  identity: NationalIdentity;
  jobs: Jobs;
  database: DatabaseHandle;
}

/** This node's metrics with every capability's hook connected, or undefined when metrics are off. */
export function instrument(config: Config, p: Instrumented): PlatformMetrics | undefined {
  if (config.metricsPort === undefined) return undefined;
  const metrics = new PlatformMetrics({
    // Without PANJAREH_NODE_ID the host's name; worker processes of one node share it (their primary sums them).
    node: config.nodeId ?? os.hostname(),
    roles: config.roles,
    info: { database: p.database.dialect, demo: String(config.demo) },
  });
  p.exchange.observe({
    call: (c) => metrics.gatewayCall(c),
    audit: { committed: (c) => metrics.auditCommitted(c), failed: (n) => metrics.auditFailedRecords(n) },
  });
  p.jobs.observe((kind, result, seconds) => metrics.jobRan(kind, result, seconds));
  p.catalog.read.observeSearch((kind, cached, seconds) => metrics.searched(kind, cached, seconds));
  p.identity.observeSignIns((method, outcome, site) => metrics.signIn(method, outcome, site));
  metrics.readFrom({
    // The audit log opens with the gateway.
    auditBacklog: config.roles.includes('gateway') ? () => p.exchange.auditBacklog() : undefined,
    // Jobs live in the database: only nodes that run them report them, so a dashboard sums no copies.
    jobs: config.roles.includes('worker') ? () => p.jobs.stats() : undefined,
    pool: () => p.database.connections(),
  });
  return metrics;
}

/**
 * Times this server's requests and serves the metrics on their own port while the server runs (in a
 * worker process of `--workers N`, the primary serves them for all its workers: see src/server.ts).
 */
export function serveNodeMetrics(app: FastifyInstance, metrics: PlatformMetrics, config: Config): void {
  observeHttp(app, metrics);
  if (isClusterWorker()) {
    shareWithPrimary(metrics);
    return;
  }
  let endpoint: Awaited<ReturnType<typeof serveMetrics>> | null = null;
  // Bound before the public port, so a taken metrics port stops the start with its error.
  app.addHook('onReady', async () => {
    endpoint = await serveMetrics(() => metrics.render(), config.metricsPort!, config.host);
    metrics.port = endpoint.port;
  });
  app.addHook('onClose', async () => {
    await endpoint?.close();
  });
}
