import { ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { isTracingSuppressed } from '@opentelemetry/core';

/**
 * OpenTelemetry's AsyncLocalStorage context manager, less one habit of the SDK's. Its span processor
 * and exporter run every export inside `context.with(suppressTracing(active))`, so that an
 * instrumented HTTP client would not trace the export itself. On Node 20 the first `with` turns
 * AsyncLocalStorage's promise hooks on for the whole process, for good: the gateway, which passes
 * its calls' contexts by hand (src/exchange/tracing.ts), then paid for them on every promise of
 * every call. Nothing here instruments Node's HTTP client, so there is nothing to suppress: a context
 * that only says "suppressed", entered where no context is active, runs the function as it is.
 * Every other context is entered as before.
 */
export class LeanContextManager extends AsyncLocalStorageContextManager {
  override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    if (this.active() === ROOT_CONTEXT && isTracingSuppressed(context) && !trace.getSpan(context)) {
      return thisArg == null ? fn(...args) : fn.call(thisArg, ...args);
    }
    return super.with(context, fn, thisArg, ...args);
  }
}
