import cluster from 'node:cluster';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AggregatorRegistry } from 'prom-client';
import type { PlatformMetrics } from './registry.js';

/**
 * Where the metrics are read: a port of their own (PANJAREH_METRICS_PORT), never the public one, and
 * the one hook that times every HTTP request Fastify answers.
 */

export interface MetricsEndpoint {
  port: number;
  close(): Promise<void>;
}

type Render = () => Promise<{ contentType: string; body: string }>;

/** `GET /metrics` on its own port; everything else there is a 404. */
export function serveMetrics(render: Render, port: number, host: string): Promise<MetricsEndpoint> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: metrics are at /metrics\n');
      return;
    }
    render().then(
      (m) => res.writeHead(200, { 'content-type': m.contentType }).end(req.method === 'HEAD' ? undefined : m.body),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics could not be collected: ${e instanceof Error ? e.message : String(e)}\n`),
    );
  });
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

/**
 * Times every request Fastify answers by its route pattern (`/services/:slug`, never the URL as sent)
 * and status. The gateway's `/r1` calls bypass Fastify and are counted by the gateway itself.
 */
export function observeHttp(app: FastifyInstance, metrics: PlatformMetrics): void {
  app.addHook('onResponse', (req, reply, done) => {
    metrics.httpRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

/**
 * `--workers N`: every worker process keeps its own registry and answers the primary over IPC; the
 * primary alone listens on the metrics port and sums what the workers report (gauges read from the
 * database, which every worker sees alike, take the highest instead). One scrape, one node.
 */
export function shareWithPrimary(metrics: PlatformMetrics): void {
  new AggregatorRegistry(); // installs the worker's IPC answer (once per process)
  AggregatorRegistry.setRegistries([metrics.registry]);
}

export function serveClusterMetrics(port: number, host: string): Promise<MetricsEndpoint> {
  const aggregate = new AggregatorRegistry();
  return serveMetrics(async () => ({ contentType: aggregate.contentType, body: await aggregate.clusterMetrics() }), port, host);
}

/** True in a worker process of `--workers N`, whose metrics the primary serves. */
export const isClusterWorker = (): boolean => cluster.isWorker;
