import { ConfigError } from '../config.js';

/**
 * Tracing's settings, read from OpenTelemetry's standard variables when the platform's configuration
 * is loaded (so a test or a tool passes them in its environment object, not in process.env). Tracing
 * is on only when an OTLP endpoint is named; otherwise this is undefined and nothing is loaded.
 */
export interface TracingSettings {
  /** Where spans are sent: the collector's OTLP/HTTP traces address (…/v1/traces). */
  url: string;
  /** service.name of every span (OTEL_SERVICE_NAME; default "panjareh"). */
  serviceName: string;
  /** Extra request headers for the collector (OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TRACES_HEADERS). */
  headers: Record<string, string>;
  /** OTEL_RESOURCE_ATTRIBUTES: deployment.environment, region, … */
  resourceAttributes: Record<string, string>;
  /** How long finished spans wait to be sent in one batch (OTEL_BSP_SCHEDULE_DELAY, ms). */
  scheduleDelayMs: number;
  /**
   * Which traces are recorded (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG), as the specification
   * names them. Panjareh's default is not the SDK's (`parentbased_always_on`) but
   * `parentbased_traceidratio` at DEFAULT_RATIO: a national gateway answers thousands of calls a
   * second, and tracing every one cost it 25–40 % of its throughput against 0–9 % for one in ten
   * (docs/benchmarks.md). Whole traces are kept or dropped, and a caller's sampled `traceparent` is
   * always followed, so a call someone is looking into is traced from end to end.
   */
  sampler: { name: SamplerName; ratio: number };
}

export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** The share of traces started here that are kept when OTEL_TRACES_SAMPLER is not set. */
export const DEFAULT_RATIO = 0.1;

function samplerOf(env: NodeJS.ProcessEnv): TracingSettings['sampler'] {
  const given = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  const name = (given || 'parentbased_traceidratio') as SamplerName;
  if (!SAMPLERS.includes(name)) throw new ConfigError(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')}, got "${env.OTEL_TRACES_SAMPLER}"`);
  const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  // A ratio sampler named without its argument keeps every trace, as the specification says.
  if (!name.endsWith('traceidratio')) return { name, ratio: 1 };
  if (!raw) return { name, ratio: given ? 1 : DEFAULT_RATIO };
  const ratio = Number(raw);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1 for ${name}, got "${raw}"`);
  return { name, ratio };
}

/** `k1=v1,k2=v2` with percent-encoded values: the W3C Baggage-like list OTel's variables use. */
function keyValues(raw: string | undefined, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (raw ?? '').split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? '' : part.slice(0, eq).trim();
    // The value is not echoed: a header may carry a token.
    if (!key) throw new ConfigError(`${name} must be a list of key=value pairs separated by commas`);
    try {
      out[key] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      throw new ConfigError(`${name}: the value of ${key} is not valid percent-encoding`);
    }
  }
  return out;
}

function isTrue(raw: string | undefined): boolean {
  return ['1', 'true', 'yes', 'on'].includes((raw ?? '').trim().toLowerCase());
}

export function tracingSettings(env: NodeJS.ProcessEnv): TracingSettings | undefined {
  if (isTrue(env.OTEL_SDK_DISABLED)) return undefined;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter === 'none') return undefined;
  if (exporter && exporter !== 'otlp') throw new ConfigError(`OTEL_TRACES_EXPORTER must be otlp or none (Panjareh exports traces over OTLP/HTTP only), got "${exporter}"`);
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!traces && !base) return undefined;
  // As the specification says: the signal's own variable is used as it is, the general one gets v1/traces.
  const url = traces || `${base!.replace(/\/+$/, '')}/v1/traces`;
  let u: URL | null = null;
  try {
    u = new URL(url);
  } catch {
    /* reported below */
  }
  // The address is not echoed: it may carry credentials.
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new ConfigError(`${traces ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT'} must be an http:// or https:// URL`);
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim();
  if (protocol === 'grpc') {
    throw new ConfigError('OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: Panjareh sends OTLP over HTTP (JSON); point OTEL_EXPORTER_OTLP_ENDPOINT at the collector\'s HTTP port (4318)');
  }
  const delayRaw = env.OTEL_BSP_SCHEDULE_DELAY?.trim();
  const scheduleDelayMs = delayRaw ? Number(delayRaw) : 5000;
  if (!Number.isInteger(scheduleDelayMs) || scheduleDelayMs < 1 || scheduleDelayMs > 600_000) throw new ConfigError(`OTEL_BSP_SCHEDULE_DELAY must be a whole number of milliseconds from 1 to 600000, got "${delayRaw}"`);
  const resourceAttributes = keyValues(env.OTEL_RESOURCE_ATTRIBUTES, 'OTEL_RESOURCE_ATTRIBUTES');
  return {
    url,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || resourceAttributes['service.name'] || 'panjareh',
    headers: { ...keyValues(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'), ...keyValues(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS') },
    resourceAttributes,
    scheduleDelayMs,
    sampler: samplerOf(env),
  };
}
