'use strict';
/**
 * The detection bench's scenarios: which program, whether it leaks (and in
 * which thread), the loopback load that drives it, and — for leaks — what a
 * diagnosis should blame. Used by `bench/detect.js`.
 *
 * Fields:
 *   name      the row; `program` (default: name) is `bench/scenarios/<program>.js`
 *   rps       autocannon's overall request rate; 0 = unthrottled ("full speed"),
 *             then `amount` bounds the request count (and `seconds` the time)
 *   seconds   load duration
 *   mode      the request paths the client sends:
 *               api    unique paths `/api/v1/users/<n>?session=…`
 *               lru    random keys `/item?k=<0..1e6>` (almost every request a cache miss)
 *               flood  `/`, except a 15 s burst of unique missing pages in every
 *                      minute (10–25 s, 70–85 s, …): five floods in five minutes
 *               hello  `/`
 *               none   no requests at all (the idle process)
 *   maxFirst  the row fails if the first `leak` comes later than this (s from load start)
 *   expect    for leaks: what `--diagnose` must blame (see below)
 *
 * Durations. Non-leaks run 5 minutes: the issue's bar is zero false alarms
 * in 5-minute runs. A leak can only be confirmed by natural full GCs (the
 * used heap between them is as likely garbage as leak), and it takes two. The
 * ~300 kB/s leaks on a ~8 MB service get their second natural full GC only
 * 40–50 s into the load (V8 lets the old generation roughly triple first),
 * hence 75 s. The low-rate slow leak (~20 kB/s) must first leak `minGrowthBytes`
 * (4 MiB, ~3.5 min) and then wait for V8's next natural full GC.
 *
 * `expect` (the truth a diagnosis is judged against): `holder` — the
 * variable or property that really retains the leaking objects (as a report's
 * top finding names it: the holder of its retainer path); `site` — where the
 * leaking program code allocates them, `file:line` (the first entry is the
 * leaking object itself; further entries are equally right answers, e.g. the
 * per-request context a leaked closure captures); `fn` — the definition
 * line of the function that allocates them. A heap snapshot records
 * locations of functions only, so for leaking plain objects a diagnosis can
 * at best name the allocating function: the judge prints "function" for that
 * (right function, not the exact line), "match" for an exact site.
 */
const API = 'api';

module.exports = [
  { name: 'leak-closure', leak: true, thread: 'main', rps: 1000, seconds: 45, mode: API,
    what: 'closure capturing req pushed to a global array (restify example)',
    expect: { holder: 'tasks', site: ['leak-closure.js:15'], fn: 'leak-closure.js:14' } },
  { name: 'leak-closure-full', program: 'leak-closure', leak: true, thread: 'main', rps: 0, amount: 600000,
    seconds: 30, maxFirst: 10, mode: API,
    what: 'the same closure leak at full speed (no rate limit); must fire within 10 s',
    expect: { holder: 'tasks', site: ['leak-closure.js:15'], fn: 'leak-closure.js:14' } },
  { name: 'leak-listener', leak: true, thread: 'main', rps: 1000, seconds: 75, mode: API,
    what: 'per-request listener on a long-lived EventEmitter',
    expect: { holder: 'configBus', site: ['leak-listener.js:16', 'leak-listener.js:15'], fn: 'leak-listener.js:14' } },
  { name: 'leak-map', leak: true, thread: 'main', rps: 1000, seconds: 75, mode: API,
    what: 'Map keyed by request id, no eviction',
    expect: { holder: 'sessions', site: ['leak-map.js:14', 'leak-map.js:18'], fn: 'leak-map.js:12' } },
  { name: 'leak-slow', leak: true, thread: 'main', rps: 1000, seconds: 60, mode: API,
    what: '~200 bytes per request kept in an array',
    expect: { holder: 'audit', site: ['leak-slow.js:16'], fn: 'leak-slow.js:13' } },
  { name: 'leak-slow-low', program: 'leak-slow', leak: true, thread: 'main', rps: 100, seconds: 420, mode: API,
    what: '~200 bytes per request at 100 req/s (~20 kB/s)',
    expect: { holder: 'audit', site: ['leak-slow.js:16'], fn: 'leak-slow.js:13' } },
  { name: 'leak-interval', leak: true, thread: 'main', rps: 1000, seconds: 75, mode: API,
    what: 'setInterval per request, never cleared',
    // The Timeout objects hang off Node's timer list for 30000 ms (timerListMap → TimersList → _idleNext…).
    expect: { holder: 'timerListMap', site: ['leak-interval.js:15', 'leak-interval.js:14'], fn: 'leak-interval.js:13' } },
  { name: 'leak-worker', leak: true, thread: 'worker', rps: 1000, seconds: 75, mode: API,
    what: 'request contexts kept forever inside a worker thread',
    expect: { holder: 'inflight', site: ['leak-worker.js:19'], fn: 'leak-worker.js:17' } },
  { name: 'lru-cache', leak: false, rps: 1000, seconds: 300, mode: 'lru',
    what: 'LRU cache, 10k x 2 KB, full after ~10 s, then flat' },
  { name: 'flood-404', leak: false, rps: 150, seconds: 300, mode: 'flood',
    what: 'a 15 s flood of 404s answered with huge Error objects every minute' },
  { name: 'hello-steady', leak: false, rps: 1000, seconds: 300, mode: 'hello',
    what: 'steady hello-world' },
  { name: 'batch-job', leak: false, rps: 500, seconds: 300, mode: 'hello',
    what: 'batch every 4 s builds and drops 1.5M-row arrays' },
  { name: 'idle', leak: false, rps: 0, seconds: 300, mode: 'none',
    what: 'idle process: no requests, a once-a-second timer' },
];
