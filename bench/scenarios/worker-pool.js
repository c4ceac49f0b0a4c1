'use strict';
/**
 * Not a leak (worker_threads service, steady): a node:http front end hands
 * every request to a fixed pool of worker threads that hash a payload and
 * answer; request and reply cross threads as messages. Every thread
 * requires leakwatch (`main`, `worker1`, …): none may alarm. Seeded: pool size and payload size.
 */
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const { watch, params, serve, relay, text } = require('./harness.js');

if (isMainThread) {
  watch('main');
  const { poolSize, payloadBytes } = params({ poolSize: [2, 3], payloadBytes: [1024, 8192] });
  const pool = [];
  const pending = new Map();
  let next = 0;
  for (let i = 0; i < poolSize; i++) {
    const w = new Worker(__filename, { workerData: { name: `worker${i + 1}` } });
    relay(w);
    w.on('message', (m) => {
      if (!m || m.__bench || m.id === undefined) return;
      const res = pending.get(m.id);
      pending.delete(m.id);
      res.end(m.digest);
    });
    pool.push(w);
  }
  serve((req, res) => {
    const id = ++next;
    pending.set(id, res);
    pool[id % poolSize].postMessage({ id, payload: text(payloadBytes, req.url) });
  });
} else {
  watch(workerData.name);
  parentPort.on('message', (m) => {
    if (m && m.id !== undefined) {
      parentPort.postMessage({ id: m.id, digest: crypto.createHash('sha256').update(m.payload).digest('hex') });
    }
  });
}
