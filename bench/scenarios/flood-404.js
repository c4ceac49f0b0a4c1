'use strict';
/**
 * Not a leak: a flood of requests for missing pages answered with big Error
 * objects (deep stacks, `Error.stackTraceLimit = Infinity`) that an async
 * error logger batches for 2 s. The errors survive scavenges, their long stack
 * strings land in large-object space, and only full GCs free them: a sawtooth
 * that looks like growth at every GC during the flood.
 */
const { watch, serve, hello } = require('./harness.js');

watch('main');

Error.stackTraceLimit = Infinity;
const deep = (n, url) => (n === 0 ? new Error(`Not found: ${url}`) : deep(n - 1, url));

let batch = [];
setInterval(() => {
  batch = []; // shipped to the log collector
}, 2000).unref();

serve((req, res) => {
  if (req.url === '/') return hello(req, res);
  const err = deep(6000, req.url);
  err.status = 404;
  batch.push(err);
  const body = `404 ${err.message}\n${err.stack}`;
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end(body.slice(0, 200));
});
