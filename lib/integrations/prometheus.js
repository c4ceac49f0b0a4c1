'use strict';
/**
 * `require('leakwatch/prometheus').register(registry)` — leakwatch's metrics
 * on a prom-client registry (prom-client is an optional peer dependency: the
 * application's own copy is used).
 *
 * prom-client's default names, fed from leakwatch's native hooks:
 *   nodejs_gc_duration_seconds{kind}       histogram (native pauses; kind = major|minor|incremental|weakcb)
 *   nodejs_heap_space_size_used_bytes{space}
 *   nodejs_heap_space_size_total_bytes{space}
 * and leakwatch's own:
 *   leakwatch_heap_baseline_bytes          live heap after the last full GC
 *   leakwatch_leak_rate_bytes_per_second   the detector's robust slope
 *   leakwatch_leak_suspected               1 while a leak is suspected
 *   leakwatch_projected_oom_seconds        time to heap_size_limit at that rate (+Inf: never)
 *   leakwatch_dumps_total{trigger}         heap dumps written
 * If you also call prom-client's collectDefaultMetrics(), pass
 * `{ gcDuration: false, heapSpaces: false }` here (or drop those from the
 * default set) — one registry cannot hold two metrics with the same name.
 *
 * An integration (lib/integrations/): it sits above the public API — it
 * requires index.js like an application would — and package.json "exports"
 * maps `leakwatch/prometheus` here.
 */
const leakwatch = require('../../index.js');
const { GC_KIND, spaceLabel, leakwatchGauges } = require('./metrics-common.js');

const DEFAULT_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5]; // prom-client's for nodejs_gc_duration_seconds

function loadClient(explicit) {
  if (explicit) return explicit;
  try {
    return require('prom-client');
  } catch {
    const e = new Error("leakwatch/prometheus: prom-client is not installed; run `npm install prom-client` " +
      'or pass it: register(registry, { client: require("prom-client") })');
    e.code = 'ERR_LEAKWATCH_PEER_MISSING';
    throw e;
  }
}

/**
 * Registers the collectors on `registry` (default: prom-client's global one).
 * Options: `client`, `prefix` (prepended to every name), `gcDuration`,
 * `heapSpaces` (default true), `buckets`. Returns `{ unregister() }`.
 */
function register(registry, options = {}) {
  const client = loadClient(options.client);
  const reg = registry || client.register;
  const prefix = options.prefix || '';
  const metrics = [];
  const add = (m) => {
    metrics.push(m);
    return m;
  };
  const listeners = [];
  const listen = (event, fn) => {
    leakwatch.on(event, fn);
    listeners.push([event, fn]);
  };
  try {
    if (options.gcDuration !== false) {
      const hist = add(new client.Histogram({
        name: `${prefix}nodejs_gc_duration_seconds`,
        help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
        labelNames: ['kind'],
        buckets: options.buckets || DEFAULT_BUCKETS,
        registers: [reg],
      }));
      listen('gc', (g) => hist.observe({ kind: GC_KIND[g.type] || 'unknown' }, g.pause_ms / 1000));
    }
    if (options.heapSpaces !== false) {
      const spaces = () => {
        const last = leakwatch.getStats().last_gc;
        return last ? last.spaces : {};
      };
      add(new client.Gauge({
        name: `${prefix}nodejs_heap_space_size_used_bytes`,
        help: 'Process heap space size used from Node.js in bytes.',
        labelNames: ['space'],
        registers: [reg],
        collect() {
          for (const [name, used] of Object.entries(spaces())) this.set({ space: spaceLabel(name) }, used);
        },
      }));
      add(new client.Gauge({
        name: `${prefix}nodejs_heap_space_size_total_bytes`,
        help: 'Process heap space size total from Node.js in bytes.',
        labelNames: ['space'],
        registers: [reg],
        collect() {
          for (const s of require('node:v8').getHeapSpaceStatistics()) {
            this.set({ space: spaceLabel(s.space_name) }, s.space_size);
          }
        },
      }));
    }
    const gauge = (name, help, pick) => add(new client.Gauge({
      name: `${prefix}${name}`,
      help,
      registers: [reg],
      collect() {
        this.set(pick(leakwatchGauges(leakwatch.getStats())));
      },
    }));
    gauge('leakwatch_heap_baseline_bytes', 'Live heap after the last full GC, in bytes.', (g) => g.baseline);
    gauge('leakwatch_leak_rate_bytes_per_second', 'Robust growth rate of the live heap (negative when shrinking).',
      (g) => g.rate);
    gauge('leakwatch_leak_suspected', '1 while leakwatch suspects a leak, else 0.', (g) => g.suspected);
    gauge('leakwatch_projected_oom_seconds', 'Seconds until heap_size_limit at the current growth rate (+Inf: never).',
      (g) => g.oomSeconds);
    const dumps = add(new client.Counter({
      name: `${prefix}leakwatch_dumps_total`,
      help: 'Heap dumps written by leakwatch, by trigger.',
      labelNames: ['trigger'],
      registers: [reg],
    }));
    listen('dump', (d) => dumps.inc({ trigger: (d && d.trigger) || 'api' }));
  } catch (err) {
    for (const m of metrics) reg.removeSingleMetric(m.name);
    for (const [e, fn] of listeners) leakwatch.off(e, fn);
    throw err;
  }
  return {
    unregister() {
      for (const m of metrics) reg.removeSingleMetric(m.name);
      for (const [e, fn] of listeners) leakwatch.off(e, fn);
    },
  };
}

module.exports = { register };
