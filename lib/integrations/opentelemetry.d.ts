// Type definitions for `leakwatch/opentelemetry` (lib/integrations/opentelemetry.js):
// leakwatch's metrics through @opentelemetry/api (an optional peer
// dependency; these types are only loaded by code that imports this subpath).
import type * as OtelApi from '@opentelemetry/api';

/** Options of `register()`. */
export interface OpenTelemetryOptions {
  /** Where the instruments are created. Default: the global one, `metrics.getMeterProvider()`. */
  meterProvider?: OtelApi.MeterProvider;
  /** The @opentelemetry/api module to use (default: `require('@opentelemetry/api')` from the application). */
  api?: typeof OtelApi;
}

/** What `register()` returns. */
export interface OpenTelemetryRegistration {
  /** Stops recording and observing; the instruments stay on the meter (OpenTelemetry cannot delete them). */
  unregister(): void;
}

/**
 * Creates leakwatch's instruments on the meter `leakwatch`, following the
 * semantic conventions for V8 runtime metrics: `v8js.gc.duration{v8js.gc.type}`
 * (histogram, s, from the native pauses), `v8js.memory.heap.used` and
 * `v8js.memory.heap.limit{v8js.heap.space.name}` (By), plus
 * `leakwatch.heap.baseline`, `leakwatch.leak.rate`, `leakwatch.leak.suspected`,
 * `leakwatch.heap.projected_oom` and `leakwatch.dumps{trigger}`. Throws
 * `ERR_LEAKWATCH_PEER_MISSING` when @opentelemetry/api is not installed.
 */
export declare function register(options?: OpenTelemetryOptions): OpenTelemetryRegistration;
