'use strict';
// leakwatch/prometheus on a real prom-client registry.
const test = require('node:test');
const assert = require('node:assert');
const client = require('prom-client');
const leakwatch = require('..');
const { churn, sleep } = require('./helpers.js');
const { register } = require('../lib/integrations/prometheus.js');

const value = (text, re) => {
  const m = text.match(new RegExp(`^${re.source}`, "m"));
  return m ? Number(m[1]) : NaN;
};

test('GC histogram, heap spaces and leakwatch gauges scrape from a prom-client registry', async () => {
  const registry = new client.Registry();
  const handle = register(registry);
  try {
    churn();
    leakwatch.gc();
    await sleep(50);
    const text = await registry.metrics();
    assert.ok(value(text, /nodejs_gc_duration_seconds_count\{kind="major"\} (\d+)/) >= 1, text);
    assert.ok(value(text, /nodejs_gc_duration_seconds_count\{kind="minor"\} (\d+)/) >= 1);
    assert.ok(value(text, /nodejs_gc_duration_seconds_sum\{kind="major"\} ([\d.e-]+)/) > 0);
    assert.ok(value(text, /nodejs_heap_space_size_used_bytes\{space="old"\} (\d+)/) > 0);
    assert.ok(value(text, /nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)/) > 0);
    const baseline = value(text, /leakwatch_heap_baseline_bytes (\d+)/);
    assert.ok(baseline > 1e6, `baseline ${baseline}`);
    assert.ok(Number.isFinite(value(text, /leakwatch_leak_rate_bytes_per_second (-?[\d.e+-]+)/)));
    assert.strictEqual(value(text, /leakwatch_leak_suspected (\d+)/), 0);
    assert.match(text, /leakwatch_projected_oom_seconds \+Inf/);
    assert.match(text, /# TYPE leakwatch_dumps_total counter/);
    leakwatch.emit('dump', { trigger: 'signal' });
    assert.match(await registry.metrics(), /leakwatch_dumps_total\{trigger="signal"\} 1/);
  } finally {
    handle.unregister();
  }
  assert.strictEqual(await registry.getSingleMetricAsString('leakwatch_heap_baseline_bytes').catch(() => null), null);
});

test('a name clash with collectDefaultMetrics is reported, and leaves nothing half-registered', () => {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  assert.throws(() => register(registry), /already been registered/);
  assert.strictEqual(registry.getSingleMetric('leakwatch_heap_baseline_bytes'), undefined);
  const handle = register(registry, { gcDuration: false, heapSpaces: false });
  assert.ok(registry.getSingleMetric('leakwatch_heap_baseline_bytes'));
  handle.unregister();
});
