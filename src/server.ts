import cluster from 'node:cluster';
import { buildServer, openPlatform, type Platform } from './app.js';
import type { Config } from './platform/config.js';
import { serveClusterMetrics } from './platform/metrics/index.js';

/**
 * `panjareh start`: serve HTTP from this process, or, with `workers` above 1, prepare the database here
 * and keep that many worker processes serving one port (node:cluster; the primary deals connections
 * out in turn). Each worker is a node like any other: its own read model, rebuilt from the database at
 * start and following the change feed, so nothing lives only in one worker's memory.
 */
export async function start(config: Config, prepare: (p: Platform) => Promise<void>): Promise<void> {
  if (cluster.isWorker) return serve(config, await openPlatform(config), false);
  const platform = await openPlatform(config);
  if (config.workers === 1) {
    await prepare(platform);
    return serve(config, platform, true);
  }
  try {
    await prepare(platform);
  } finally {
    await platform.close();
  }
  // The workers' metrics, summed, on the primary's metrics port (each worker answers it over IPC).
  if (config.metricsPort !== undefined) await serveClusterMetrics(config.metricsPort, config.host);
  await supervise(config, platform.database.where);
}

/** One serving process: the platform's read model and the HTTP server, until SIGINT or SIGTERM. */
async function serve(config: Config, platform: Platform, announce: boolean): Promise<void> {
  await platform.catalog.read.rebuild();
  const app = await buildServer(platform);
  platform.catalog.read.startFollowing(config.indexSyncMs, (e) => app.log.error({ err: e }, 'catalogue index sync failed'));
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await app.close();
    await platform.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen({ port: config.port, host: config.host });
  if (!announce) return;
  const addr = app.server.address();
  console.log(`Panjareh is running on ${platform.database.where}, ${platform.catalog.read.size} services indexed in ${Math.round(platform.catalog.read.lastRebuildMs)} ms.`);
  printAddresses(typeof addr === 'object' && addr ? addr.port : config.port);
}

function printAddresses(port: number): void {
  console.log(`Open http://localhost:${port}/  (English: http://localhost:${port}/en/, API: http://localhost:${port}/api/docs)`);
}

/**
 * The primary of a cluster: starts the workers, announces the address once all listen, replaces a
 * worker that dies later, and stops them all on SIGINT or SIGTERM. A worker that dies before all are
 * listening means the node cannot start (a taken port, a bad database): the primary gives up.
 */
function supervise(config: Config, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let listening = 0;
    let stopping = false;
    const started = new Set<number>();
    for (let i = 0; i < config.workers; i++) cluster.fork();
    cluster.on('listening', (worker, address) => {
      if (started.has(worker.id)) return;
      started.add(worker.id);
      if (++listening !== config.workers) return;
      console.log(`Panjareh is running on ${where}, in ${config.workers} worker processes.`);
      printAddresses(address.port);
      resolve();
    });
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
        return;
      }
      if (listening < config.workers) {
        stopping = true;
        for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
        reject(new Error(`a worker process stopped while starting (${signal ?? `exit code ${code}`})`));
        return;
      }
      console.error(`worker process ${worker.process.pid} stopped (${signal ?? `exit code ${code}`}); starting another`);
      setTimeout(() => stopping || cluster.fork(), 1000);
    });
    const stop = () => {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {});
      if (workers.length === 0) process.exit(0);
      for (const w of workers) w?.kill('SIGTERM');
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
