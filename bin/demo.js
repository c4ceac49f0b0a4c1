#!/usr/bin/env node
'use strict';
/**
 * `npm run demo` — leakwatch watching a leaking HTTP service, live.
 *
 * Starts a node:http rewrite of the classic restify closure leak (a middleware
 * pushes a closure capturing `req` into a module-level `tasks` array on every
 * request), drives it with loopback load (autocannon, 127.0.0.1, bounded
 * time), and prints what leakwatch sees after each full GC: the post-GC
 * baseline climbing, memwatch's trend, pauses by kind — and the `leak` event.
 * Options: --seconds N (default 20).
 */
const http = require('node:http');
const autocannon = require('autocannon');
const leakwatch = require('..');

const i = process.argv.indexOf('--seconds');
const SECONDS = i > 0 ? Number(process.argv[i + 1]) : 20;
const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;

const tasks = [];
function leakyMiddleware(req, res, next) {
  tasks.push(() => req.headers); // the closure keeps `req` alive forever
  next();
}

const server = http.createServer((req, res) => {
  leakyMiddleware(req, res, () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ hello: 'world', tasks: tasks.length }));
  });
});

console.log(`leakwatch demo — backend: ${leakwatch.backend}, node ${process.version}`);
let first = null;
leakwatch.on('stats', (s) => {
  first = first || s;
  console.log(
    `[full GC #${s.num_full_gc}] heap after GC ${mb(s.current_base).padStart(9)}` +
      `  estimated base ${mb(s.estimated_base).padStart(9)}  trend ${String(s.usage_trend).padStart(5)}%` +
      `  pause ${s.pause_ms.toFixed(1)} ms  scavenges ${s.gcScavengeCount}  tasks ${tasks.length}`,
  );
});

leakwatch.on('leak', (info) => {
  console.log(`\n*** leak: ${info.reason}`);
  console.log(`    growth ${mb(info.growth)} from ${info.start.toISOString()} to ${info.end.toISOString()}, ` +
    `confidence ${info.confidence.toFixed(2)}, growing: ${info.growing_spaces.join(', ')}, ` +
    `projected OOM in ${info.projected_oom_ms === null ? '?' : `${(info.projected_oom_ms / 60000).toFixed(1)} min`}\n`);
});
leakwatch.on('heap-limit', (info) => console.log(`*** heap-limit: ${info.reason}`));

server.listen(0, '127.0.0.1', async () => {
  const url = `http://127.0.0.1:${server.address().port}/`;
  console.log(`leaky server on ${url}; driving loopback load for ${SECONDS} s ...`);
  const timer = setInterval(() => leakwatch.gc(), 2000); // a full GC every 2 s so baselines are visible
  timer.unref();
  const result = await autocannon({ url, connections: 16, duration: SECONDS });
  clearInterval(timer);
  leakwatch.gc();
  await new Promise((r) => setTimeout(r, 100));
  const st = leakwatch.getStats();
  console.log('');
  console.log(`requests served: ${result.requests.total}, closures held in tasks: ${tasks.length}`);
  console.log(`collections: ${st.num_gc} (${JSON.stringify(Object.fromEntries(
    Object.entries(st.by_type).filter(([, v]) => v.count).map(([k, v]) => [k, v.count])))})`);
  if (first) {
    console.log(`post-GC baseline: ${mb(first.current_base)} -> ${mb(st.current_base)} ` +
      `(min ${mb(st.min)}, max ${mb(st.max)}, memwatch usage_trend ${st.usage_trend}%)`);
  }
  server.close();
});
