'use strict';
/**
 * Leak inside a worker thread: the HTTP service runs in a worker, which
 * requires leakwatch itself and keeps every request's context in a module-level
 * array. The `leak` event must fire in the worker; the main thread, which also
 * requires leakwatch, is idle and must stay quiet.
 */
const { Worker, isMainThread } = require('node:worker_threads');
const { watch, serve, relay, hello } = require('./harness.js');

if (isMainThread) {
  watch('main');
  relay(new Worker(__filename));
} else {
  watch('worker');
  const inflight = [];
  serve((req, res) => {
    // Contexts are meant to be removed on 'finish'; the removal was lost in a refactor.
    inflight.push({ url: req.url, headers: { ...req.headers }, at: Date.now() });
    hello(req, res);
  });
}
