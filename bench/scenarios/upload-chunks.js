'use strict';
/**
 * Leak (external, Buffers): a node:http upload endpoint queues each upload's
 * body chunks for a virus scanner that was switched off, so every 64 KiB
 * chunk stays referenced. The growth is almost all Buffer memory outside the
 * V8 heap (RSS grows, the heap barely). The bench POSTs bodies of a seeded
 * size (its `body` draw); the program draws how many uploads a scan job
 * bundles (a scan job record per bundle, also never dropped).
 */
const { watch, params, serve, hello } = require('./harness.js');

watch('main');
const { perJob } = params({ perJob: [4, 16] });
const scanQueue = [];
let job = null;

serve((req, res) => {
  if (req.method !== 'POST') return hello(req, res);
  if (!job || job.uploads.length >= perJob) scanQueue.push(job = { created: Date.now(), uploads: [] });
  const chunks = [];
  job.uploads.push(chunks);
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => res.end('stored\n'));
});
