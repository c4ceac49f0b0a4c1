'use strict';
/**
 * Leak (native, fast): a job runner starts a worker thread per job and never
 * terminates it — the worker keeps listening on its port for "more work", so
 * it lives on, with its own V8 isolate, heap and libuv loop (~8 MB of RSS
 * each). None of it is in this isolate's heap or external memory: RSS grows,
 * heapUsed and external barely. Jobs come from an in-process timer; a health
 * endpoint serves the bench's light load. Seeded: the job period.
 */
const { Worker } = require('node:worker_threads');
const { watch, params, serve, hello } = require('./harness.js');

watch('main');
const { jobEveryMs } = params({ jobEveryMs: [1000, 2500] });
const JOB = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (n) => {
  let acc = 0;
  for (let i = 0; i < n; i++) acc = (acc + i * i) % 1000003;
  parentPort.postMessage(acc);
});`;
let done = 0;

setInterval(() => {
  const w = new Worker(JOB, { eval: true });
  w.once('message', () => done++); // …and w.terminate() was meant to follow
  w.postMessage(100000);
  w.unref();
}, jobEveryMs);

serve(hello);
