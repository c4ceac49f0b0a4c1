// Type definitions for `leakwatch/prometheus` (lib/integrations/prometheus.js): leakwatch's
// metrics on a prom-client registry. prom-client is an optional peer
// dependency; these types are only loaded by code that imports this subpath.
import type * as PromClient from 'prom-client';

/** Options of `register()`. */
export interface PrometheusOptions {
  /** The prom-client module to use (default: `require('prom-client')` from the application). */
  client?: typeof PromClient;
  /** Prepended to every metric name, e.g. `'myapp_'`. Default ''. */
  prefix?: string;
  /** Register `nodejs_gc_duration_seconds{kind}` (from leakwatch's native pauses). Default true. */
  gcDuration?: boolean;
  /** Register `nodejs_heap_space_size_used_bytes{space}` and `nodejs_heap_space_size_total_bytes{space}`. Default true. */
  heapSpaces?: boolean;
  /** Histogram buckets of `nodejs_gc_duration_seconds`, seconds. Default prom-client's `[0.001, 0.01, 0.1, 1, 2, 5]`. */
  buckets?: number[];
}

/** What `register()` returns. */
export interface PrometheusRegistration {
  /** Removes the collectors from the registry and stops listening to leakwatch. */
  unregister(): void;
}

/** The parts of a prom-client Registry that `register()` uses (any prom-client >= 13 registry fits). */
export type RegistryLike = Pick<PromClient.Registry, 'registerMetric' | 'removeSingleMetric' | 'getSingleMetric'>;

/**
 * Registers leakwatch's collectors on `registry` (default: prom-client's
 * global registry): prom-client's `nodejs_gc_duration_seconds{kind}` and
 * `nodejs_heap_space_size_used_bytes{space}` fed from the native hooks, plus
 * `leakwatch_heap_baseline_bytes`, `leakwatch_leak_rate_bytes_per_second`,
 * `leakwatch_leak_suspected`, `leakwatch_projected_oom_seconds` and
 * `leakwatch_dumps_total{trigger}`. Throws `ERR_LEAKWATCH_PEER_MISSING` when
 * prom-client is not installed, and prom-client's error when a name is taken
 * (pass `{ gcDuration: false, heapSpaces: false }` next to `collectDefaultMetrics()`).
 */
export declare function register(registry?: RegistryLike | null, options?: PrometheusOptions): PrometheusRegistration;
