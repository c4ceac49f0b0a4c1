'use strict';
/**
 * Not a leak (flood): a flood of requests for missing pages answered with big
 * Error objects (deep stacks, `Error.stackTraceLimit = Infinity`) that an
 * async error logger batches for a couple of seconds. The errors survive
 * scavenges, their long stack strings land in large-object space, and only
 * full GCs free them: a sawtooth that looks like growth at every GC during
 * the flood. Seeded: the stack depth and the logger's flush period.
 */
const { watch, params, serve, hello } = require('./harness.js');

watch('main');
const { depth, flushMs } = params({ depth: [4000, 8000], flushMs: [1500, 3000] });

Error.stackTraceLimit = Infinity;
const deep = (n, url) => (n === 0 ? new Error(`Not found: ${url}`) : deep(n - 1, url));

let batch = [];
setInterval(() => {
  batch = []; // shipped to the log collector
}, flushMs).unref();

serve((req, res) => {
  if (req.url === '/') return hello(req, res);
  const err = deep(depth, req.url);
  err.status = 404;
  batch.push(err);
  const body = `404 ${err.message}\n${err.stack}`;
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end(body.slice(0, 200));
});
