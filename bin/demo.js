#!/usr/bin/env node
'use strict';
/**
 * `npm run demo` — leakwatch finding a leak end to end, in about two minutes.
 *
 * Starts a node:http rewrite of the classic restify closure leak (a middleware
 * pushes a closure capturing `req` into a module-level `tasks` array on every
 * request), drives it with loopback load (autocannon in a child process, as
 * real clients are; 127.0.0.1, bounded time), and shows live what leakwatch sees: the post-GC baseline after each
 * full GC, the early `leak-suspected` (~20 s in) with the allocation sites
 * that grow (V8's sampling heap profiler: no dump, no pause), the confirmed
 * `leak` (once the growth outlasts the first minute a warm-up is allowed),
 * the diagnosis report (JSON + HTML), and at the end the longest event-loop
 * stall of the whole run (perf_hooks.monitorEventLoopDelay). Options:
 * --seconds N (the load's upper bound, default 180); --deep (the diagnosis
 * also takes three heap dumps and names who retains the leak: `tasks`).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { fork } = require('node:child_process');
const { monitorEventLoopDelay } = require('node:perf_hooks');

// ---- the load: autocannon in a child process, as real clients are -------
if (process.argv[2] === '--load-child') {
  const [url, seconds] = process.argv.slice(3);
  const run = require('autocannon')({ url, connections: 8, duration: Number(seconds), overallRate: 1500 },
    (err, result) => {
      process.send(err ? { error: String(err) } : { requests: result.requests.total }, () => process.exit(0));
    });
  process.on('message', (m) => m === 'stop' && run.stop());
  process.on('disconnect', () => run.stop());
  return;
}

const leakwatch = require('..');

const i = process.argv.indexOf('--seconds');
const SECONDS = i > 0 ? Number(process.argv[i + 1]) : 180;
const DEEP = process.argv.includes('--deep');
const stall = monitorEventLoopDelay({ resolution: 10 });
stall.enable();
const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
const dumpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-demo-'));
const t0 = Date.now();
const at = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s]`;

// ---- the leaky service --------------------------------------------------
const tasks = [];
function leakyMiddleware(req, res, next) {
  // Synchronously get the user from the session, maybe a JWT.
  req.user = { id: tasks.length, name: 'Leaky Master', token: `${tasks.length}.`.padEnd(300, 'x') };
  tasks.push(() => req.user); // the closure keeps `req` (and its user) alive forever
  next();
}
const server = http.createServer((req, res) => {
  leakyMiddleware(req, res, () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ hello: 'world' }));
  });
});

// ---- leakwatch ----------------------------------------------------------
// Dumps after 10 MB of further growth (the service leaks ~70 MB a minute), so the diagnosis takes ~30 s.
leakwatch.configure({ dumpDir, diagnose: true, diagnoseDumps: DEEP, diagnoseGrowthBytes: 10 * 1024 * 1024,
  diagnoseMinWaitMs: 4000, diagnoseMaxWaitMs: 15000 });
const siteLines = (sites) => sites.slice(0, 3).map((x) => `         ${x.in_app ? 'your code' : 'inside Node'}: ` +
  `${x.function} (${x.location}) +${mb(x.bytes_per_min)}/min, ${Math.round(x.share * 100)} % of the growth sampled` +
  (x.statement ? `\n             ${x.statement}    ← ${x.why}` : ''));
let maxGcPause = 0;
console.log(`leakwatch demo — backend ${leakwatch.backend}, node ${process.version}; dumps and reports in ${dumpDir}`);
leakwatch.on('stats', (s) => {
  if (s.forced) return; // the collections a heap dump forces
  maxGcPause = Math.max(maxGcPause, s.pause_ms);
  console.log(`${at()} full GC #${s.num_full_gc}: live heap ${mb(s.current_base).padStart(9)}, ` +
    `pause ${s.pause_ms.toFixed(1)} ms, tasks ${tasks.length}`);
});
leakwatch.on('leak-suspected', (info) => {
  console.log(`\n${at()} leak suspected (${info.kind}): ${info.reason}`);
  for (const l of siteLines(info.sites)) console.log(l);
  console.log(`         not yet told apart from a warm-up or a filling cache; confirmed if it outlasts the ` +
    `first minute of the process\n`);
});
leakwatch.on('leak', (info) => {
  console.log(`\n${at()} *** leak (${info.kind}, confirmed by ${info.confirmed_by}): ${info.reason}`);
  console.log('         where it is allocated (sampled, no heap dump):');
  for (const l of siteLines(info.sites)) console.log(l);
  console.log(`         growth ${mb(info.growth)}, confidence ${info.confidence.toFixed(2)}, growing ` +
    `${info.growing_spaces.join(', ')}, projected OOM in ${info.projected_oom_ms === null ? '?' :
      `${(info.projected_oom_ms / 60000).toFixed(1)} min`}\n`);
});
leakwatch.on('diagnosis', (d) => {
  // After the `leak` line (the diagnosis starts from inside the same event).
  if (d.stage === 'start') {
    setImmediate(() => console.log(`${at()} diagnosis: ${DEEP ? 'the sites, then baseline, target and final heap dumps' :
      'writing the allocation-site report (no dump; --deep adds three heap dumps)'} ...`));
  }
  if (d.stage === 'failed') console.log(`${at()} diagnosis failed: ${d.error}`);
});
leakwatch.on('dump', (d) => console.log(`${at()} dump (${d.trigger}): ${path.basename(d.path)}, ${mb(d.bytes)} in ` +
  `${(d.duration_ms / 1000).toFixed(1)} s, the service stalled ${(d.stall_ms / 1000).toFixed(1)} s`));
leakwatch.on('dump-refused', (d) => console.log(`${at()} dump refused: ${d.reason}`));

let load = null;
leakwatch.on('report', (r) => {
  console.log(`\n${at()} report: ${r.html}`);
  const top = r.findings[0];
  if (top) {
    console.log(`\n  ${top.headline}\n`);
    console.log(`  retained by:  ${top.retainer_text}`);
    if (top.allocation) console.log(`  allocated at: ${top.allocation.file}:${top.allocation.line}:${top.allocation.column}`);
    console.log(`\n  ${top.explanation}\n`);
  } else {
    console.log(`  ${r.summary}`);
  }
  for (const d of r.degraded) console.log(`  (incomplete: ${d})`);
  if (load) load.stop();
});

server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}/`;
  console.log(`${at()} leaky server on ${url}; loopback load for at most ${SECONDS} s ...\n`);
  const child = fork(__filename, ['--load-child', url, String(SECONDS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  load = { stop: () => child.connected && child.send('stop') };
  child.once('message', (result) => {
    if (result.error) console.error(result.error);
    else console.log(`${at()} load done: ${result.requests} requests, ${tasks.length} closures held in tasks`);
    stall.disable();
    console.log(`${at()} longest event-loop stall of the whole run: ${(stall.max / 1e6).toFixed(1)} ms ` +
      `(longest full-GC pause ${maxGcPause.toFixed(1)} ms; allocation-site readings: ` +
      `${leakwatch.getStats().sampling.readings}, longest ${leakwatch.getStats().sampling.max_reading_ms.toFixed(1)} ms)`);
    server.close();
  });
});
