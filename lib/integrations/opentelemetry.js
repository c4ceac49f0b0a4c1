'use strict';
/**
 * `require('leakwatch/opentelemetry').register({ meterProvider })` — leakwatch's
 * metrics through `@opentelemetry/api` (an optional peer dependency), following
 * the OpenTelemetry semantic conventions for V8 runtime metrics:
 *   v8js.gc.duration{v8js.gc.type}              histogram, s (native pauses; major|minor|incremental|weakcb)
 *   v8js.memory.heap.used{v8js.heap.space.name} updown counter, By
 *   v8js.memory.heap.limit{v8js.heap.space.name} updown counter, By (space size)
 * plus leakwatch's own:
 *   leakwatch.heap.baseline (By), leakwatch.leak.rate (By/s), leakwatch.leak.suspected,
 *   leakwatch.heap.projected_oom (s; absent when the heap is not growing), leakwatch.dumps{trigger}
 * Without `meterProvider`, the global one (`metrics.getMeterProvider()`) is used.
 *
 * An integration (lib/integrations/): it sits above the public API — it
 * requires index.js like an application would — and package.json "exports"
 * maps `leakwatch/opentelemetry` here.
 */
const v8 = require('node:v8');
const leakwatch = require('../../index.js');
const { GC_KIND, leakwatchGauges } = require('./metrics-common.js');
const { version } = require('../../package.json');

function loadApi(explicit) {
  if (explicit) return explicit;
  try {
    return require('@opentelemetry/api');
  } catch {
    const e = new Error('leakwatch/opentelemetry: @opentelemetry/api is not installed; run `npm install @opentelemetry/api`');
    e.code = 'ERR_LEAKWATCH_PEER_MISSING';
    throw e;
  }
}

/** Registers the instruments. Options: `meterProvider`, `api`. Returns `{ unregister() }`. */
function register(options = {}) {
  const api = loadApi(options.api);
  const provider = options.meterProvider || api.metrics.getMeterProvider();
  const meter = provider.getMeter('leakwatch', version);

  const gcDuration = meter.createHistogram('v8js.gc.duration', {
    description: 'Garbage collection duration.',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.01, 0.1, 1, 10] },
  });
  const onGc = (g) => gcDuration.record(g.pause_ms / 1000, { 'v8js.gc.type': GC_KIND[g.type] || 'unknown' });
  leakwatch.on('gc', onGc);

  const dumps = meter.createCounter('leakwatch.dumps', { description: 'Heap dumps written by leakwatch.' });
  const onDump = (d) => dumps.add(1, { trigger: (d && d.trigger) || 'api' });
  leakwatch.on('dump', onDump);

  const heapUsed = meter.createObservableUpDownCounter('v8js.memory.heap.used', {
    description: 'Heap memory used, after the last collection.', unit: 'By' });
  const heapLimit = meter.createObservableUpDownCounter('v8js.memory.heap.limit', {
    description: 'Heap space size.', unit: 'By' });
  const baseline = meter.createObservableGauge('leakwatch.heap.baseline', {
    description: 'Live heap after the last full GC.', unit: 'By' });
  const rate = meter.createObservableGauge('leakwatch.leak.rate', {
    description: 'Robust growth rate of the live heap.', unit: 'By/s' });
  const suspected = meter.createObservableGauge('leakwatch.leak.suspected', {
    description: '1 while leakwatch suspects a leak, else 0.' });
  const oom = meter.createObservableGauge('leakwatch.heap.projected_oom', {
    description: 'Time until heap_size_limit at the current growth rate.', unit: 's' });

  const batch = (result) => {
    const stats = leakwatch.getStats();
    const spaces = (stats.last_gc && stats.last_gc.spaces) || {};
    for (const [name, used] of Object.entries(spaces)) result.observe(heapUsed, used, { 'v8js.heap.space.name': name });
    for (const s of v8.getHeapSpaceStatistics()) {
      result.observe(heapLimit, s.space_size, { 'v8js.heap.space.name': s.space_name });
    }
    const g = leakwatchGauges(stats);
    result.observe(baseline, g.baseline);
    result.observe(rate, g.rate);
    result.observe(suspected, g.suspected);
    if (Number.isFinite(g.oomSeconds)) result.observe(oom, g.oomSeconds);
  };
  const observables = [heapUsed, heapLimit, baseline, rate, suspected, oom];
  meter.addBatchObservableCallback(batch, observables);
  return {
    unregister() {
      leakwatch.off('gc', onGc);
      leakwatch.off('dump', onDump);
      meter.removeBatchObservableCallback(batch, observables);
    },
  };
}

module.exports = { register };
