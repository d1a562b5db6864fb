import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import type { TracingSettings } from './settings.js';

/**
 * The process's tracer provider: OpenTelemetry's SDK, loaded (a dynamic import) only when a platform
 * opens with an OTLP endpoint, and registered globally so that @opentelemetry/api's context and
 * propagation work. Without it the code calls the API's no-op tracer, and the hot paths (the gateway,
 * the database, the audit log) check `tracingActive()` first and do nothing at all.
 *
 * One provider per process: several platforms opened in one process (tests, the cluster primary)
 * share it, and the last to close flushes and removes it.
 */

const NAME = 'panjareh';

interface Running {
  url: string;
  users: number;
  tracer: Tracer;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let starting: Promise<Running> | null = null;
/** The last provider's shutdown, which a new start waits for (it unregisters the API's globals). */
let stopping: Promise<void> | null = null;
/** The SDK's tracer while tracing runs; null when it is off. */
let current: Tracer | null = null;
let sdkLoaded = false;

/** True while spans are recorded and exported: checked before any work on the hot paths. */
export function tracingActive(): boolean {
  return current !== null;
}

/** True once this process has imported OpenTelemetry's SDK (never, when tracing was never on). */
export function tracingSdkLoaded(): boolean {
  return sdkLoaded;
}

/** The tracer to start spans with: the SDK's while tracing runs, the API's no-op tracer otherwise. */
export function tracer(): Tracer {
  return current ?? trace.getTracer(NAME);
}

export interface TracingHandle {
  /** Sends every finished span now. */
  flush(): Promise<void>;
  /** Flushes and, for the last platform using it, stops the provider. Idempotent. */
  shutdown(): Promise<void>;
}

export interface NodeIdentity {
  /** service.instance.id: one per process. */
  instanceId: string;
  roles: readonly string[];
}

async function load(s: TracingSettings, node: NodeIdentity): Promise<Running> {
  const [sdk, { OTLPTraceExporter }, { defaultResource, resourceFromAttributes }, { W3CTraceContextPropagator }, { LeanContextManager }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
    import('./context-manager.js'),
  ]);
  sdkLoaded = true;
  // JSON over HTTP (this exporter's encoding); headers from the platform's settings, the rest
  // (timeout, compression, certificates) from OTEL_EXPORTER_OTLP_* in the process's environment.
  const exporter = new OTLPTraceExporter({ url: s.url, headers: s.headers });
  const resource = defaultResource().merge(
    resourceFromAttributes({ ...s.resourceAttributes, 'service.name': s.serviceName, 'service.instance.id': node.instanceId, 'panjareh.roles': node.roles.join(',') }),
  );
  const { NodeTracerProvider, BatchSpanProcessor, AlwaysOnSampler, AlwaysOffSampler, TraceIdRatioBasedSampler, ParentBasedSampler } = sdk;
  const root = { always_on: () => new AlwaysOnSampler(), always_off: () => new AlwaysOffSampler(), traceidratio: () => new TraceIdRatioBasedSampler(s.sampler.ratio) };
  const own = s.sampler.name.replace(/^parentbased_/, '') as keyof typeof root;
  const sampler = s.sampler.name.startsWith('parentbased_') ? new ParentBasedSampler({ root: root[own]() }) : root[own]();
  const provider = new NodeTracerProvider({ resource, sampler, spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: s.scheduleDelayMs })] });
  // W3C trace context only: baggage is not propagated (it could carry anything a client put in it).
  provider.register({ propagator: new W3CTraceContextPropagator(), contextManager: new LeanContextManager() });
  return {
    url: s.url,
    users: 0,
    tracer: provider.getTracer(NAME),
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/**
 * Starts tracing for one platform, or joins the provider already running in this process (whose
 * endpoint then wins: one process exports to one collector).
 */
export async function startTracing(s: TracingSettings, node: NodeIdentity): Promise<TracingHandle> {
  if (stopping) await stopping;
  starting ??= load(s, node).catch((e) => {
    starting = null;
    throw e;
  });
  const running = await starting;
  running.users++;
  current = running.tracer;
  let done = false;
  return {
    flush: () => running.flush(),
    async shutdown() {
      if (done) return;
      done = true;
      if (--running.users > 0) return running.flush();
      current = null;
      starting = null;
      stopping = running.shutdown().finally(() => (stopping = null));
      await stopping;
    },
  };
}

/** Sends every finished span now (tests, and before a process exits on its own). */
export async function flushTracing(): Promise<void> {
  const running = starting && (await starting);
  await running?.flush();
}
