'use strict';
// Worker threads: each worker's leakwatch watches that worker's isolate only,
// and terminate() in the middle of allocation never crashes the process.
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const v8 = require('node:v8');
const { PerformanceObserver } = require('node:perf_hooks');
const leakwatch = require('..');

const expectedBackend = require('./helpers.js').expectedBackend(leakwatch.backend);
const WORKER = path.join(__dirname, 'fixtures', 'worker-alloc.js');
const CONCURRENT = 20;
const ROUNDS = 25;

function runWorker(id) {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { workerData: { id }, resourceLimits: { maxOldGenerationSizeMb: 48 } });
    const timer = setTimeout(() => {
      w.terminate();
      reject(new Error(`worker ${id} saw no GCs within 20 s`));
    }, 20000);
    w.once('message', async (m) => {
      clearTimeout(timer);
      await w.terminate(); // mid-allocation: the worker is still churning
      resolve(m);
    });
    w.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

test(`${CONCURRENT} concurrent workers x ${ROUNDS} rounds: require, allocate, terminate`, async () => {
  const mainLimit = v8.getHeapStatistics().heap_size_limit;
  const gcs = [];
  const h = (g) => gcs.push(g);
  leakwatch.on('gc', h);
  // V8's own per-isolate GC entries for the main thread: the reference count.
  let observed = 0;
  const obs = new PerformanceObserver((list) => { observed += list.getEntries().length; });
  obs.observe({ entryTypes: ['gc'] });
  const before = leakwatch.getStats().num_gc;
  let workerGcs = 0;
  let seen = 0;
  let workerLimit = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const results = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => runWorker(round * 100 + i)));
    for (const r of results) {
      assert.strictEqual(r.backend, expectedBackend);
      assert.ok(r.numGc >= 2, `worker saw ${r.numGc} GCs`);
      // Every GC the worker saw belongs to its own (48 MB-limited) isolate.
      for (const l of r.limits) assert.strictEqual(l, r.limit);
      assert.notStrictEqual(r.limit, mainLimit);
      workerLimit = r.limit;
      workerGcs += r.numGc;
      seen++;
    }
  }
  leakwatch.gc();
  await new Promise((r) => setTimeout(r, 50));
  leakwatch.off('gc', h);
  obs.disconnect();
  assert.strictEqual(seen, CONCURRENT * ROUNDS);
  // The main thread counted its own collections, not the workers' (which are many more).
  const mainGcs = leakwatch.getStats().num_gc - before;
  assert.ok(workerGcs >= 2 * CONCURRENT * ROUNDS, `workers saw ${workerGcs} GCs`);
  assert.ok(Math.abs(mainGcs - observed) <= 3, `main counted ${mainGcs} GCs, V8 reported ${observed} for this ` +
    `isolate (the workers had ${workerGcs})`);
  // The main thread's records are the main isolate's only.
  assert.ok(gcs.length > 0);
  for (const g of gcs) {
    assert.strictEqual(g.heap_size_limit, mainLimit, `main saw a GC of another isolate (${workerLimit})`);
  }
});
