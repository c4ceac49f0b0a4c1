'use strict';
/**
 * Plumbing shared by the detection-bench scenario programs
 * (`bench/scenarios/*.js`, driven by `bench/detect.js` and by
 * `test/detector.test.js`).
 *
 * A scenario program is an ordinary service or job: it requires leakwatch
 * (`watch()`), draws every rate, size and length it uses from the run's seed
 * (`params()`), serves HTTP on 127.0.0.1 (`serve()`, or `listening(port)`
 * for a framework that listens itself; a job without HTTP serves a health
 * endpoint), and reports to whoever started it:
 *   {ev: 'ready', port}                       the server listens
 *   {ev: 'params', thread, params}            the values `params()` drew
 *   {ev: 'leak' | 'leak-suspected' | 'leak-end' | 'heap-limit' | 'memory-limit' | 'report',
 *    thread, at, payload, dates}              a detector (or diagnosis) event, as emitted by
 *                                             leakwatch (`at` = Date.now());
 *                                             Dates travel as epoch ms, `dates`
 *                                             names the keys that were Dates
 *   {ev: 'stats', thread, at, used_after, current_base, forced}
 *                                             every full-GC `stats` event (at =
 *                                             Date.now()); the bench judges
 *                                             memwatch's rule from these
 *   {ev: 'tick', thread, at, peak_heap, used_heap, full_gcs, detector,
 *    rss, heap_used, heap_total, external, array_buffers}
 *                                             once a second: peak used heap
 *                                             (sampled every 100 ms), natural
 *                                             full GCs, getStats().detector, and
 *                                             process.memoryUsage() (rss is the
 *                                             process's; the rest this thread's
 *                                             isolate) for the bench's real rates
 * over the IPC channel when forked (`process.send`), else as JSON lines on
 * stdout. A worker thread posts `{__bench: msg}` to its parent, which relays
 * it (`relay()`). The IPC message `{cmd: 'stop'}` ends the program: traces
 * are written, workers stopped, then the process exits; `{cmd: 'load-start'}`
 * (sent by the bench when its load begins) is noted for the trace header.
 *
 * Environment:
 *   LEAKWATCH_BENCH_CONFIG  JSON passed to `leakwatch.configure()` (default:
 *                           none — the bench measures production defaults)
 *   LEAKWATCH_BENCH_SEED    integer seed of `params()` (default 1), combined
 *                           with LEAKWATCH_BENCH_SCENARIO (default: the program's name)
 *   LEAKWATCH_BENCH_PARAMS  JSON spec entries that replace the program's own
 *                           (a list row reusing a program with other ranges)
 *   LEAKWATCH_BENCH_TRACE   path prefix: each thread writes its GC and memory
 *                           trace as it saw it (leakwatch `gc` events and memory
 *                           samples) to `<prefix>[-worker].jsonl`, in the format
 *                           of `test/fixtures/gc-traces/` (see record.js there)
 *   LEAKWATCH_BENCH_SCENARIO, LEAKWATCH_BENCH_LEAK, LEAKWATCH_BENCH_KIND, LEAKWATCH_BENCH_RATE,
 *   LEAKWATCH_BENCH_THREAD (the leaking thread), LEAKWATCH_BENCH_LOAD (JSON:
 *   the load's own draws)   written into the trace header
 *
 * No GC is ever forced here: the detector sees only natural collections.
 */
const http = require('node:http');
const fs = require('node:fs');
const v8 = require('node:v8');
const { performance } = require('node:perf_hooks');
const path = require('node:path');
const { isMainThread, parentPort } = require('node:worker_threads');
const { draw, envSeed } = require('./seed.js');

const workers = new Set();
const flushers = [];
let threadName = isMainThread ? 'main' : 'worker';
const drawn = {}; // every value params() drew in this thread, for the trace header
// The process start and the load start on this thread's performance.now() scale (ms).
const processStartMs = performance.now() - process.uptime() * 1000;
let uptimeAtLoadMs = null;

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

/** The scenario's name: the list row (LEAKWATCH_BENCH_SCENARIO), else the program file's. */
function scenarioName() {
  return process.env.LEAKWATCH_BENCH_SCENARIO || path.basename(require.main ? require.main.filename : 'bench', '.js');
}

/**
 * Draws this run's values of `spec` (see seed.js: `[lo, hi]` ranges, lists to
 * pick from) from LEAKWATCH_BENCH_SEED and the scenario's name, reports them
 * (`{ev: 'params'}`) and returns them. LEAKWATCH_BENCH_PARAMS may replace
 * entries of `spec` (a list row reusing a program with other ranges).
 */
function params(spec) {
  const override = process.env.LEAKWATCH_BENCH_PARAMS ? JSON.parse(process.env.LEAKWATCH_BENCH_PARAMS) : {};
  const merged = { ...spec };
  for (const k of Object.keys(override)) if (k in spec) merged[k] = override[k];
  const values = draw(merged, envSeed(), scenarioName());
  Object.assign(drawn, values);
  report({ ev: 'params', thread: threadName, params: values });
  return values;
}

/**
 * Requires leakwatch in this thread, forwards its detector events, and starts
 * the once-a-second tick. `thread` names the thread in reports ('main', 'worker').
 */
function watch(thread) {
  threadName = thread;
  // The package under test (this repository), as `require('leakwatch')` resolves for users.
  const leakwatch = require('../..');
  if (process.env.LEAKWATCH_BENCH_CONFIG) leakwatch.configure(JSON.parse(process.env.LEAKWATCH_BENCH_CONFIG));
  for (const type of ['leak', 'leak-suspected', 'leak-end', 'heap-limit', 'memory-limit', 'report']) {
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
    const m = process.memoryUsage();
    report({ ev: 'tick', thread, at: Date.now(), peak_heap: peak, used_heap: used, full_gcs: fullGcs,
      backend: leakwatch.backend, detector: leakwatch.getStats().detector, rss: m.rss, heap_used: m.heapUsed,
      heap_total: m.heapTotal, external: m.external, array_buffers: m.arrayBuffers });
  }, 1000);
  tick.unref();
  if (process.env.LEAKWATCH_BENCH_TRACE) recordTrace(leakwatch, thread);
  return leakwatch;
}

/**
 * Records every collection as leakwatch saw it, in the gc-traces fixture
 * format, and every memory sample leakwatch feeds its detector (through
 * `leakwatch._memoryTap`, called by index.js with
 * `{t, rss, heapTotal, heapUsed, external, arrayBuffers}`, t = performance.now()
 * ms) as `['mem', t, rss, heapTotal, heapUsed, external, arrayBuffers]` rows.
 */
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
  leakwatch._memoryTap = (m) => {
    if (rows.length >= 200000) return; // bounded, like the gc rows
    rows.push(['mem', r3(m.t), m.rss, m.heapTotal, m.heapUsed, m.external, m.arrayBuffers]);
  };
  flushers.push(() => {
    const h = v8.getHeapStatistics();
    const leakThread = process.env.LEAKWATCH_BENCH_THREAD;
    const leak = process.env.LEAKWATCH_BENCH_LEAK === '1' && (!leakThread || leakThread === thread);
    const header = {
      scenario: process.env.LEAKWATCH_BENCH_SCENARIO || 'bench',
      description: `recorded by bench/scenarios/harness.js (${thread} thread, backend ${leakwatch.backend})`,
      leak,
      ...(leak && process.env.LEAKWATCH_BENCH_KIND ? { kind: process.env.LEAKWATCH_BENCH_KIND } : {}),
      ...(leak && Number(process.env.LEAKWATCH_BENCH_RATE) > 0 ? { rate: Number(process.env.LEAKWATCH_BENCH_RATE) } : {}),
      seed: envSeed(),
      params: { ...drawn },
      ...(process.env.LEAKWATCH_BENCH_LOAD ? { load: JSON.parse(process.env.LEAKWATCH_BENCH_LOAD) } : {}),
      node: process.version,
      execArgv: process.execArgv,
      timeOriginWallMs: r3(origin),
      processStartMs: r3(processStartMs),
      ...(uptimeAtLoadMs !== null ? { uptimeAtLoadMs: r3(uptimeAtLoadMs) } : {}),
      heapSizeLimit: h.heap_size_limit,
      spaceNames,
      fields: ['kind', 'flags', 'startMs', 'durationMs', 'usedAfter', 'totalHeapSize', 'batch', 'spacesUsed'],
      memFields: ['tag', 't', 'rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'],
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
  server.listen(0, '127.0.0.1', () => listening(server.address().port));
  return server;
}

/** Reports `ready` for a server that listens by itself (fastify, restify) on 127.0.0.1:`port`. */
function listening(port) {
  report({ ev: 'ready', port });
}

/** The bench's load began: notes the process uptime for the trace header (and tells the workers). */
function loadStarted(uptimeMs) {
  uptimeAtLoadMs = uptimeMs;
  for (const w of workers) w.postMessage({ cmd: 'load-start', uptimeMs });
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
    if (m && m.cmd === 'load-start') loadStarted(process.uptime() * 1000);
  });
  process.on('SIGTERM', stop);
  // The parent died: do not linger.
  process.on('disconnect', () => process.exit(0));
} else {
  parentPort.on('message', (m) => {
    if (m && m.cmd === 'stop') stop();
    if (m && m.cmd === 'load-start') loadStarted(m.uptimeMs);
  });
}

/**
 * A flat string of `n` characters that starts with `tag`: what a program keeps
 * when it keeps "n bytes of text". (`'x'.repeat(n)` and `padEnd` return ropes
 * of ~log n pieces shared between calls: keeping one costs ~0.5 kB whatever n.)
 */
function text(n, tag = '') {
  return [tag, '.'.repeat(Math.max(0, n - tag.length))].join('');
}

const hello = (req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('hello world\n');
};

module.exports = { watch, params, serve, listening, relay, report, hello, text };
