'use strict';
// leakwatch/opentelemetry through a real OTel SDK MeterProvider and an
// in-memory metric reader.
const test = require('node:test');
const assert = require('node:assert');
const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics');
const leakwatch = require('..');
const { churn, sleep } = require('./helpers.js');
const { register } = require('../lib/integrations/opentelemetry.js');

class TestReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

function find(resourceMetrics, name) {
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const m of scope.metrics) if (m.descriptor.name === name) return m;
  }
  return null;
}

test('v8js.* semantic-convention metrics and leakwatch gauges reach an in-memory reader', async () => {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const handle = register({ meterProvider: provider });
  try {
    churn();
    leakwatch.gc();
    await sleep(50);
    leakwatch.emit('dump', { trigger: 'api' });
    const { resourceMetrics, errors } = await reader.collect();
    assert.deepStrictEqual(errors, []);
    const gc = find(resourceMetrics, 'v8js.gc.duration');
    assert.ok(gc, 'v8js.gc.duration recorded');
    assert.strictEqual(gc.descriptor.unit, 's');
    const major = gc.dataPoints.find((p) => p.attributes['v8js.gc.type'] === 'major');
    const minor = gc.dataPoints.find((p) => p.attributes['v8js.gc.type'] === 'minor');
    assert.ok(major && major.value.count >= 1 && major.value.sum > 0);
    assert.ok(minor && minor.value.count >= 1);
    const used = find(resourceMetrics, 'v8js.memory.heap.used');
    const old = used.dataPoints.find((p) => p.attributes['v8js.heap.space.name'] === 'old_space');
    assert.ok(old && old.value > 0);
    assert.ok(find(resourceMetrics, 'v8js.memory.heap.limit').dataPoints.length >= 4);
    assert.ok(find(resourceMetrics, 'leakwatch.heap.baseline').dataPoints[0].value > 1e6);
    assert.strictEqual(find(resourceMetrics, 'leakwatch.leak.suspected').dataPoints[0].value, 0);
    assert.strictEqual(find(resourceMetrics, 'leakwatch.dumps').dataPoints[0].value, 1);
  } finally {
    handle.unregister();
    await provider.shutdown();
  }
});
