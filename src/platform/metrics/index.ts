/** Prometheus metrics of one platform (see registry.ts) and where they are served (endpoint.ts). */
export { PlatformMetrics, type MetricsOptions, type ScrapeSources } from './registry.js';
export { isClusterWorker, observeHttp, serveClusterMetrics, serveMetrics, shareWithPrimary, type MetricsEndpoint } from './endpoint.js';
