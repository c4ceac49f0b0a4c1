'use strict';
/**
 * The detection bench's corpus: which program, whether it leaks (which kind of
 * memory, how fast, in which thread), the loopback load that drives it, and —
 * for leaks — what a diagnosis should blame. Used by `bench/detect.js`.
 *
 * Fields:
 *   name       the row; `program` (default: name) is `bench/scenarios/<program>.js`
 *   framework  'node:http', 'express', 'fastify', 'koa', 'restify', 'worker_threads'
 *              (a worker thread serves), 'job' (no HTTP work: a health endpoint only)
 *   leak       true for a leak; then
 *     kind     'heap' (V8 heap), 'external' (Buffers/ArrayBuffers outside the
 *              heap) or 'native' (RSS outside both)
 *     rate     nominal leak rate in bytes/s of that kind: a lower bound over
 *              every seed (measured, see the README table); the bench also
 *              measures each run's real rate
 *     thread   the leaking thread ('main', 'worker')
 *   shape      for non-leaks: 'bounded-cache', 'warm-up', 'flood', 'sawtooth',
 *              'transient', 'steady', 'idle', 'bounded-queue', 'memoize'
 *   rps        autocannon's overall request rate; 0 = unthrottled ("full speed"),
 *              then `amount` bounds the request count (and `seconds` the time)
 *   seconds    load duration: ≥ 120 s for leaks of ≥ 1 MB/s (`leak` is held back for a
 *              minute of growth, as a warm-up may grow that long; it comes at 65–110 s),
 *              180 s for the fastest heap leaks (a heap point is confirmed by a full GC,
 *              and a fast-growing heap gets its first full GC after the minute later),
 *              ≥ 200 s for slower ones, 300 s for non-leaks (the bar is zero false alarms
 *              in 5-minute runs)
 *   mode       the request paths the client sends:
 *                api     unique paths `/api/v1/users/<n>?session=…`
 *                lru     random keys `/item?k=<0..1e6>` (almost every request a cache miss)
 *                flood   `/`, except a 15 s burst of unique missing pages in every
 *                        minute (10–25 s, 70–85 s, …): five floods in five minutes
 *                hello   `/`
 *                upload  POST `/upload` with a body of `load.body` bytes
 *                none    no requests at all (idle processes, jobs)
 *   params     replaces entries of the program's seeded ranges (harness.js `params()`)
 *   load       the load's own seeded draws (seed.js spec): `body` (upload bytes)
 *   maxFirst   the row fails if the first signal (`leak-suspected` or `leak`) comes later
 *              than this (s from load start)
 *   maxNode    the newest Node major the program runs on (`maxNodeWhy`: why); the bench skips
 *              the row on newer ones and says so
 *   sites      for leaks: the line(s) of the program where the leaking objects
 *              are created or stored — the line a person fixes — as
 *              `file:line` (at most 3 equally right answers, e.g. the line that
 *              creates a leaked closure and the line that pushes it). Objects made
 *              inside Node or a dependency (express's `res`, socket chunks, a
 *              worker, a SecureContext) count at the app line that stores them
 *              or calls the allocating API (`map.set(…)`, `chunks.push(chunk)`,
 *              `new Worker(…)`). A line that calls `text()` (harness.js) counts:
 *              it creates that string. `bench/detect.js` judges the first `leak`
 *              event's top allocation site (`sites[0]`, no heap dump) against it
 *   expect     for leaks: what `--diagnose` must blame (see below)
 *
 * Every program draws its rates, sizes and lengths from the run's seed
 * (harness.js `params()`), so one row is a family of programs; `rate` holds
 * for all of them.
 *
 * `expect` (the truth a diagnosis is judged against; only where the holder
 * variable and the site line are certain): `holder` — the variable or
 * property that really retains the leaking objects (as a report's top
 * finding names it: the holder of its retainer path); `site` — where the
 * leaking program code allocates them, `file:line` (the first entry is the
 * leaking object itself; further entries are equally right answers, e.g. the
 * per-request context a leaked closure captures); `fn` — the definition
 * line of the function that allocates them. A heap snapshot records
 * locations of functions only, so for leaking plain objects a diagnosis can
 * at best name the allocating function: the judge prints "function" for that
 * (right function, not the exact line), "match" for an exact site.
 */
const KB = 1000;
const MB = 1000 * 1000;
const API = 'api';
const BENIGN = { leak: false, seconds: 300 };
// restify 11 (through spdy) reads process.binding('http_parser'): silence its DEP0111 warnings. Node 24
// removed that binding, so restify 11 does not load there; restify 12 (no spdy) declares Node ≥ 22 and
// would not install cleanly on Node 18 and 20.
const RESTIFY = { execArgv: ['--no-deprecation'], maxNode: 22,
  maxNodeWhy: "restify 11 requires spdy, which calls process.binding('http_parser'), gone in Node 24" };

const leaks = [
  // heap
  { name: 'leak-closure', framework: 'node:http', kind: 'heap', rate: 1 * MB, rps: 1000, seconds: 120, mode: API,
    what: 'closure capturing req pushed to a global array (restify example)',
    // 17: the closure, created and pushed; 19: req.user and its token, kept through the captured req
    sites: ['leak-closure.js:17', 'leak-closure.js:19'],
    expect: { holder: 'tasks', site: ['leak-closure.js:17'], fn: 'leak-closure.js:16' } },
  { name: 'leak-closure-full', program: 'leak-closure', framework: 'node:http', kind: 'heap', rate: 4 * MB, rps: 0,
    amount: 1800000, seconds: 180, maxFirst: 10, mode: API,
    what: 'the same closure leak at full speed (no rate limit); must fire within 10 s',
    sites: ['leak-closure.js:17', 'leak-closure.js:19'],
    expect: { holder: 'tasks', site: ['leak-closure.js:17'], fn: 'leak-closure.js:16' } },
  { name: 'leak-listener', framework: 'node:http', kind: 'heap', rate: 1 * MB, rps: 1000, seconds: 120, mode: API,
    what: 'per-request listener on a long-lived EventEmitter',
    // 18: the listener, created and added; 17: the ctx it captures; 16: ctx's note (most of the bytes)
    sites: ['leak-listener.js:18', 'leak-listener.js:17', 'leak-listener.js:16'],
    expect: { holder: 'configBus', site: ['leak-listener.js:18', 'leak-listener.js:17'], fn: 'leak-listener.js:15' } },
  { name: 'leak-map', framework: 'node:http', kind: 'heap', rate: 1 * MB, rps: 1000, seconds: 120, mode: API,
    what: 'Map keyed by request id, no eviction',
    // 15: sessions.set() of the session object; 19: its user and prefs (most of the bytes)
    sites: ['leak-map.js:15', 'leak-map.js:19'],
    expect: { holder: 'sessions', site: ['leak-map.js:15', 'leak-map.js:19'], fn: 'leak-map.js:13' } },
  { name: 'leak-slow', framework: 'node:http', kind: 'heap', rate: 150 * KB, rps: 1000, seconds: 200, mode: API,
    what: 'a 200–300-character string per request kept in an array',
    sites: ['leak-slow.js:17'],
    expect: { holder: 'audit', site: ['leak-slow.js:17'], fn: 'leak-slow.js:15' } },
  { name: 'leak-slow-low', program: 'leak-slow', framework: 'node:http', kind: 'heap', rate: 50 * KB, rps: 150,
    seconds: 240, mode: API, params: { entryChars: [350, 600] },
    what: 'a 350–600-character string per request at 150 req/s',
    sites: ['leak-slow.js:17'],
    expect: { holder: 'audit', site: ['leak-slow.js:17'], fn: 'leak-slow.js:15' } },
  { name: 'leak-interval', framework: 'node:http', kind: 'heap', rate: 300 * KB, rps: 1000, seconds: 200, mode: API,
    what: 'setInterval per request, never cleared',
    // 17: setInterval() (the Timeout and its closure); 16: the job record it captures; 15: the record's label
    sites: ['leak-interval.js:17', 'leak-interval.js:16', 'leak-interval.js:15'],
    // The Timeout objects hang off Node's timer list (timerListMap → TimersList → _idleNext…).
    expect: { holder: 'timerListMap', site: ['leak-interval.js:17', 'leak-interval.js:16'],
      fn: 'leak-interval.js:14' } },
  { name: 'leak-worker', framework: 'worker_threads', kind: 'heap', rate: 1 * MB, thread: 'worker', rps: 1000,
    seconds: 120, mode: API, what: 'request contexts kept forever inside a worker thread',
    // 22: the context, created and pushed; 21: its preview (most of the bytes)
    sites: ['leak-worker.js:22', 'leak-worker.js:21'],
    expect: { holder: 'inflight', site: ['leak-worker.js:22'], fn: 'leak-worker.js:19' } },
  { name: 'express-audit', framework: 'express', kind: 'heap', rate: 4 * MB, rps: 1000, seconds: 180, mode: API,
    what: 'every finished res kept in a Map "audit trail"',
    // 21: auditTrail.set(id, res) (res and req are Node's and express's); 20: the audit note kept on res
    sites: ['express-audit.js:21', 'express-audit.js:20'] },
  { name: 'fastify-listener', framework: 'fastify', kind: 'heap', rate: 1 * MB, rps: 1000, seconds: 120, mode: API,
    what: 'handler adds a listener to a long-lived emitter per request',
    // 20: the listener, created and added; 19: the view it captures (most of the bytes)
    sites: ['fastify-listener.js:20', 'fastify-listener.js:19'] },
  { name: 'koa-als', framework: 'koa', kind: 'heap', rate: 1 * MB, rps: 1000, seconds: 120, mode: API,
    what: 'AsyncLocalStorage store per request kept in a global traces Map',
    // 28: traces.set(); 27: the store; 22: its spans (most of the bytes)
    sites: ['koa-als.js:28', 'koa-als.js:27', 'koa-als.js:22'] },
  { name: 'restify-pending', framework: 'restify', ...RESTIFY, kind: 'heap', rate: 1 * MB, rps: 1000,
    seconds: 120, mode: API,
    what: 'per-request promise waiting on a limiter that never refills',
    // 24: the never-settled promise, its resolve pushed to waiters; 35: the record (most of the bytes);
    // 29: the await that suspends the writer (holding the record) forever
    sites: ['restify-pending.js:24', 'restify-pending.js:35', 'restify-pending.js:29'] },
  { name: 'express-render-cache', framework: 'express', kind: 'heap', rate: 1 * MB, rps: 500, seconds: 180, mode: API,
    what: 'rendered pages memoized by full URL (session in it), no eviction',
    // 26: rendered.set(); 17, 18: the page's pieces and the page string, built in render()
    sites: ['express-render-cache.js:26', 'express-render-cache.js:17', 'express-render-cache.js:18'] },
  { name: 'koa-seen-set', framework: 'koa', kind: 'heap', rate: 80 * KB, rps: 1000, seconds: 200, mode: API,
    what: 'Set of idempotency keys never pruned',
    // 21: seenKeys.add(key); 16: the key string
    sites: ['koa-seen-set.js:21', 'koa-seen-set.js:16'] },
  { name: 'queue-consumer', framework: 'job', kind: 'heap', rate: 75 * KB, rps: 0, seconds: 200, mode: 'none',
    what: 'timer-fed queue consumer remembers every processed message',
    // 29: processed.push() of a new record; 21: the message payload it keeps (most of the bytes)
    sites: ['queue-consumer.js:29', 'queue-consumer.js:21'] },
  { name: 'batch-history', framework: 'job', kind: 'heap', rate: 1 * MB, rps: 0, seconds: 180, mode: 'none',
    what: 'batch sawtooth whose per-run summary keeps thousands of rows',
    // 21: history.push() of rows.slice(0, keptRows) (the bug); 19: the rows it keeps
    sites: ['batch-history.js:21', 'batch-history.js:19'] },
  { name: 'express-retry-timer', framework: 'express', kind: 'heap', rate: 100 * KB, rps: 300, seconds: 200,
    mode: API, what: 'webhook retry chain per request (setTimeout), no attempt limit',
    // 18: the re-armed setTimeout (no attempt limit); 23: the hook and its payload it carries
    sites: ['express-retry-timer.js:18', 'express-retry-timer.js:23'] },
  // external
  { name: 'upload-chunks', framework: 'node:http', kind: 'external', rate: 3 * MB, rps: 100, seconds: 120,
    mode: 'upload', load: { body: [32768, 98304] }, what: 'upload body chunks queued for a scanner that never runs',
    // 22: chunks.push(c) (the socket's Buffers); 21, 19: the chunk lists and scan jobs queued
    sites: ['upload-chunks.js:22', 'upload-chunks.js:21', 'upload-chunks.js:19'] },
  { name: 'buffer-cache', framework: 'node:http', kind: 'external', rate: 7 * MB, rps: 300, seconds: 120, mode: API,
    what: '24–40 KiB Buffer per request cached by request id',
    // 19: Buffer.alloc(); 20: thumbnails.set()
    sites: ['buffer-cache.js:19', 'buffer-cache.js:20'] },
  { name: 'fastify-arraybuffer', framework: 'fastify', kind: 'external', rate: 250 * KB, rps: 50, seconds: 200,
    mode: API, what: 'ArrayBuffer tile per request kept in a per-session history',
    // 16: new ArrayBuffer(); 26: history.push() of it; 25: a new session's history list
    sites: ['fastify-arraybuffer.js:16', 'fastify-arraybuffer.js:26', 'fastify-arraybuffer.js:25'] },
  // native
  { name: 'worker-spawn', framework: 'worker_threads', kind: 'native', rate: 2 * MB, rps: 100, seconds: 120,
    mode: 'hello', what: 'a worker thread per job, never terminated',
    sites: ['worker-spawn.js:25'] }, // new Worker()
  { name: 'worker-spawn-fast', program: 'worker-spawn', framework: 'worker_threads', kind: 'native', rate: 10 * MB,
    rps: 100, seconds: 120, mode: 'hello', params: { jobEveryMs: [250, 500] },
    what: 'the same, 2–4 workers a second',
    sites: ['worker-spawn.js:25'] },
  { name: 'tls-context', framework: 'job', kind: 'native', rate: 250 * KB, rps: 100, seconds: 200, mode: 'hello',
    what: 'a TLS SecureContext (CA bundle) per delivery kept in a Map',
    // 21: tls.createSecureContext(); 22: contexts.set()
    sites: ['tls-context.js:21', 'tls-context.js:22'] },
].map((r) => ({ leak: true, thread: 'main', ...r }));

const benign = [
  { name: 'lru-cache', framework: 'node:http', shape: 'bounded-cache', rps: 1000, mode: 'lru',
    what: 'LRU, 8k–12k entries of ~2 KB, full after ~10 s' },
  { name: 'express-lru', framework: 'express', shape: 'bounded-cache', rps: 1000, mode: 'lru',
    what: 'LRU bounded at 80–120 MB, full after ~10–25 s' },
  { name: 'fastify-buffer-lru', framework: 'fastify', shape: 'bounded-cache', rps: 500, mode: 'lru',
    what: 'Buffer LRU bounded at 40–100 MB (external)' },
  { name: 'koa-session-lru', framework: 'koa', shape: 'bounded-cache', rps: 1000, mode: 'lru',
    what: 'session LRU of a few MB' },
  { name: 'restify-ratelimit', framework: 'restify', ...RESTIFY, shape: 'bounded-cache', rps: 1000,
    mode: 'lru',
    what: 'per-client rate-limit table bounded to 15k–30k clients' },
  { name: 'warmup-geoip', framework: 'node:http', shape: 'warm-up', rps: 500, mode: 'hello',
    what: 'lookup tables built at 4–8 MB/s for 5–15 s after the first request' },
  { name: 'warmup-templates', framework: 'express', shape: 'warm-up', rps: 500, mode: 'hello',
    what: 'templates compiled at 2–5 MB/s for 20–35 s' },
  { name: 'warmup-schemas', framework: 'fastify', shape: 'warm-up', rps: 500, mode: 'hello',
    what: 'validators built at 1.5–3 MB/s for 40–60 s' },
  { name: 'warmup-assets', framework: 'koa', shape: 'warm-up', rps: 500, mode: 'hello',
    what: 'assets preloaded into Buffers at 3–6 MB/s for 10–30 s (external)' },
  { name: 'flood-404', framework: 'node:http', shape: 'flood', rps: 150, mode: 'flood',
    what: 'a 15 s flood of 404s answered with huge Error objects every minute' },
  { name: 'express-error-flood', framework: 'express', shape: 'flood', rps: 500, mode: 'flood',
    what: 'error floods into a bounded ring of recent errors' },
  { name: 'batch-job', framework: 'node:http', shape: 'sawtooth', rps: 500, mode: 'hello',
    what: 'batch every 3–4.5 s builds and drops 1.3M–1.7M-row arrays' },
  { name: 'batch-etl', framework: 'job', shape: 'sawtooth', rps: 0, mode: 'none',
    what: 'ETL loop: parse and aggregate 0.3M–0.7M CSV lines, drop, sleep' },
  { name: 'transient-buffer', framework: 'node:http', shape: 'transient', rps: 200, mode: 'hello',
    what: 'a 50–200 MB backup Buffer built and dropped every 8–20 s (external)' },
  { name: 'hello-steady', framework: 'node:http', shape: 'steady', rps: 1000, mode: 'hello',
    what: 'steady hello-world' },
  { name: 'fastify-steady', framework: 'fastify', shape: 'steady', rps: 1000, mode: API,
    what: 'steady JSON API with a compiled response schema' },
  { name: 'worker-pool', framework: 'worker_threads', shape: 'steady', rps: 1000, mode: API,
    what: 'requests hashed by a fixed pool of worker threads' },
  { name: 'idle', framework: 'node:http', shape: 'idle', rps: 0, mode: 'none',
    what: 'idle process: no requests, a housekeeping timer' },
  { name: 'queue-bounded', framework: 'job', shape: 'bounded-queue', rps: 0, mode: 'none',
    what: 'producer faster than consumer, queue capped at 5k–20k (drops)' },
  { name: 'memoize-bounded', framework: 'node:http', shape: 'memoize', rps: 1000, mode: API,
    what: 'price tables memoized over 1k–3k keys' },
].map((r) => ({ ...BENIGN, ...r }));

module.exports = [...leaks, ...benign];
