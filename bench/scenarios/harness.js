'use strict';
/**
 * Plumbing shared by the detection-bench scenario programs
 * (`bench/scenarios/*.js`, driven by `bench/detect.js` and by
 * `test/detector.test.js`).
 *
 * A scenario program is an ordinary service: it requires leakwatch
 * (`watch()`), serves HTTP on 127.0.0.1 (`serve()`), and reports to whoever
 * started it:
 *   {ev: 'ready', port}                       the server listens
 *   {ev: 'leak' | 'leak-end' | 'heap-limit' | 'report',
 *                                             a detector (or diagnosis) event, as emitted by
 *    thread, at, payload, dates}               leakwatch (`at` = Date.now());
 *                                             Dates travel as epoch ms, `dates`
 *                                             names the keys that were Dates
 *   {ev: 'stats', thread, at, used_after, current_base, forced}
 *                                             every full-GC `stats` event (at =
 *                                             Date.now()); the bench judges
 *                                             memwatch's rule from these
 *   {ev: 'tick', thread, peak_heap, used_heap, full_gcs, detector}
 *                                             once a second: peak used heap
 *                                             (sampled every 100 ms), natural
 *                                             full GCs, getStats().detector
 * over the IPC channel when forked (`process.send`), else as JSON lines on
 * stdout. A worker thread posts `{__bench: msg}` to its parent, which relays
 * it (`relay()`). The IPC message `{cmd: 'stop'}` ends the program: traces
 * are written, workers stopped, then the process exits.
 *
 * Environment:
 *   LEAKWATCH_BENCH_CONFIG  JSON passed to `leakwatch.configure()` (default:
 *                           none — the bench measures production defaults)
 *   LEAKWATCH_BENCH_TRACE   path prefix: each thread writes its GC trace as it
 *                           saw it (leakwatch `gc` events) to
 *                           `<prefix>[-worker].jsonl`, in the format of
 *                           `test/fixtures/gc-traces/` (see record.js there)
 *   LEAKWATCH_BENCH_SCENARIO, LEAKWATCH_BENCH_LEAK  written into the trace header
 *
 * No GC is ever forced here: the detector sees only natural collections.
 */
const http = require('node:http');
const fs = require('node:fs');
const v8 = require('node:v8');
const { performance } = require('node:perf_hooks');
const { isMainThread, parentPort } = require('node:worker_threads');

const workers = new Set();
const flushers = [];

/** Sends one message to the parent process (or, in a worker, to the main thread). */
function report(msg) {
  if (!isMainThread) {
    parentPort.postMessage({ __bench: msg });
  } else if (process.send) {
    process.send(msg);
  } else {
    process.stdout.write(`${JSON.stringify(msg)}\n`);
  }
}

/** Plain JSON copy of a detector payload (Dates as epoch ms). */
function plain(payload) {
  const out = {};
  for (const [k, v] of Object.entries(payload)) out[k] = v instanceof Date ? v.getTime() : v;
  return out;
}

/**
 * Requires leakwatch in this thread, forwards its detector events, and starts
 * the once-a-second tick. `thread` names the thread in reports ('main', 'worker').
 */
function watch(thread) {
  // The package under test (this repository), as `require('leakwatch')` resolves for users.
  const leakwatch = require('../..');
  if (process.env.LEAKWATCH_BENCH_CONFIG) leakwatch.configure(JSON.parse(process.env.LEAKWATCH_BENCH_CONFIG));
  for (const type of ['leak', 'leak-end', 'heap-limit', 'report']) {
    leakwatch.on(type, (e) => report({ ev: type, thread, at: Date.now(), payload: plain(e),
      dates: Object.keys(e).filter((k) => e[k] instanceof Date) }));
  }
  let peak = 0;
  let fullGcs = 0;
  leakwatch.on('stats', (s) => {
    if (!s.forced) fullGcs++;
    report({ ev: 'stats', thread, at: Date.now(), used_after: s.heap_used_after, current_base: s.current_base,
      forced: Boolean(s.forced) });
  });
  const sample = setInterval(() => {
    const used = v8.getHeapStatistics().used_heap_size;
    if (used > peak) peak = used;
  }, 100);
  sample.unref();
  const tick = setInterval(() => {
    const used = v8.getHeapStatistics().used_heap_size;
    if (used > peak) peak = used;
    report({ ev: 'tick', thread, at: Date.now(), peak_heap: peak, used_heap: used, full_gcs: fullGcs,
      backend: leakwatch.backend, detector: leakwatch.getStats().detector });
  }, 1000);
  tick.unref();
  if (process.env.LEAKWATCH_BENCH_TRACE) recordTrace(leakwatch, thread);
  return leakwatch;
}

/** Records every collection as leakwatch saw it, in the gc-traces fixture format. */
function recordTrace(leakwatch, thread) {
  const spaceNames = v8.getHeapSpaceStatistics().map((s) => s.space_name);
  const origin = performance.timeOrigin;
  const rows = [];
  const r3 = (x) => Math.round(x * 1000) / 1000;
  leakwatch.on('gc', (g) => {
    if (rows.length >= 200000) return; // bounded
    rows.push([g.kind, g.flags, r3(g.start - origin), r3(g.end - g.start), g.heap_used_after, g.total_heap_size, 1,
      spaceNames.map((n) => g.spaces[n] || 0)]);
  });
  flushers.push(() => {
    const h = v8.getHeapStatistics();
    const header = {
      scenario: process.env.LEAKWATCH_BENCH_SCENARIO || 'bench',
      description: `recorded by bench/scenarios/harness.js (${thread} thread, backend ${leakwatch.backend})`,
      leak: process.env.LEAKWATCH_BENCH_LEAK === '1',
      node: process.version,
      execArgv: process.execArgv,
      timeOriginWallMs: r3(origin),
      heapSizeLimit: h.heap_size_limit,
      spaceNames,
      fields: ['kind', 'flags', 'startMs', 'durationMs', 'usedAfter', 'totalHeapSize', 'batch', 'spacesUsed'],
    };
    const suffix = thread === 'main' ? '' : `-${thread}`;
    const lines = [JSON.stringify(header), ...rows.map((r) => JSON.stringify(r))];
    fs.writeFileSync(`${process.env.LEAKWATCH_BENCH_TRACE}${suffix}.jsonl`, `${lines.join('\n')}\n`);
  });
}

/** Serves `handler` on 127.0.0.1 (ephemeral port) and reports `ready`. */
function serve(handler) {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 30000;
  server.listen(0, '127.0.0.1', () => report({ ev: 'ready', port: server.address().port }));
  return server;
}

/** Writes traces and exits (main thread: after its workers did the same, at most 2 s). */
function stop() {
  for (const f of flushers.splice(0)) {
    try {
      f();
    } catch (e) {
      process.stderr.write(`bench trace: ${e.message}\n`);
    }
  }
  if (!isMainThread) {
    parentPort.postMessage({ __benchStopped: true });
    return;
  }
  const pending = [...workers].map((w) => new Promise((resolve) => {
    w.on('message', (m) => m && m.__benchStopped && resolve());
    w.on('exit', resolve);
    w.postMessage({ cmd: 'stop' });
  }));
  const timeout = new Promise((resolve) => setTimeout(resolve, 2000).unref());
  Promise.race([Promise.all(pending), timeout]).then(() => process.exit(0));
}

/** Relays a worker's reports to the parent process; `stop` reaches it too. */
function relay(worker) {
  workers.add(worker);
  worker.on('message', (m) => {
    if (m && m.__bench) report(m.__bench);
  });
  worker.on('error', (e) => {
    process.stderr.write(`worker error: ${e.stack}\n`);
    process.exit(1);
  });
  worker.on('exit', () => workers.delete(worker));
}

if (isMainThread) {
  process.on('message', (m) => {
    if (m && m.cmd === 'stop') stop();
  });
  process.on('SIGTERM', stop);
  // The parent died: do not linger.
  process.on('disconnect', () => process.exit(0));
} else {
  parentPort.on('message', (m) => {
    if (m && m.cmd === 'stop') stop();
  });
}

const hello = (req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('hello world\n');
};

module.exports = { watch, serve, relay, report, hello };
