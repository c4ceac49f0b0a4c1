'use strict';
/**
 * Leak (heap) inside a worker thread: the HTTP service runs in a worker, which
 * requires leakwatch itself and keeps every request's context in a
 * module-level array. The `leak` event must fire in the worker; the main
 * thread, which also requires leakwatch, is idle and must stay quiet.
 * Seeded: the size of the context's body preview.
 */
const { Worker, isMainThread } = require('node:worker_threads');
const { watch, params, serve, relay, hello, text } = require('./harness.js');

if (isMainThread) {
  watch('main');
  relay(new Worker(__filename));
} else {
  watch('worker');
  const { previewChars } = params({ previewChars: [900, 1800] });
  const inflight = [];
  serve((req, res) => {
    // Contexts are meant to be removed on 'finish'; the removal was lost in a refactor.
    const preview = text(previewChars, req.url);
    inflight.push({ url: req.url, headers: { ...req.headers }, at: Date.now(), preview });
    hello(req, res);
  });
}
