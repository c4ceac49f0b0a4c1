'use strict';
/**
 * The detection bench's scenarios: which program, whether it leaks (and in
 * which thread), and the loopback load that drives it. Shared by
 * `bench/detect.js` and `test/detector.test.js`.
 *
 * Load `mode` (the request paths the client sends):
 *   api    unique paths `/api/v1/users/<n>?session=…`
 *   lru    random keys `/item?k=<0..1e6>` (almost every request a cache miss)
 *   flood  `/` for 10 s, then 15 s of unique missing pages, then `/` again
 *   hello  `/`
 *
 * Durations: a leak can only be confirmed by natural full GCs (the used heap
 * between them is as likely garbage as leak), and it takes two. The ~300 kB/s
 * leaks on a ~8 MB service get their second natural full GC only 40–50 s into
 * the load (V8 lets the old generation roughly triple first), hence 75 s.
 */
module.exports = [
  { name: 'leak-closure', leak: true, thread: 'main', rps: 1000, seconds: 45, mode: 'api',
    what: 'closure capturing req pushed to a global array (restify example)' },
  { name: 'leak-listener', leak: true, thread: 'main', rps: 1000, seconds: 75, mode: 'api',
    what: 'per-request listener on a long-lived EventEmitter' },
  { name: 'leak-map', leak: true, thread: 'main', rps: 1000, seconds: 75, mode: 'api',
    what: 'Map keyed by request id, no eviction' },
  { name: 'leak-slow', leak: true, thread: 'main', rps: 1000, seconds: 60, mode: 'api',
    what: '~200 bytes per request kept in an array' },
  { name: 'leak-interval', leak: true, thread: 'main', rps: 1000, seconds: 75, mode: 'api',
    what: 'setInterval per request, never cleared' },
  { name: 'leak-worker', leak: true, thread: 'worker', rps: 1000, seconds: 75, mode: 'api',
    what: 'request contexts kept forever inside a worker thread' },
  { name: 'lru-cache', leak: false, rps: 1000, seconds: 45, mode: 'lru',
    what: 'LRU cache, 10k x 2 KB, full after ~10 s, then flat' },
  { name: 'flood-404', leak: false, rps: 150, seconds: 45, mode: 'flood',
    what: '15 s flood of 404s answered with huge Error objects' },
  { name: 'hello-steady', leak: false, rps: 1000, seconds: 45, mode: 'hello',
    what: 'steady hello-world' },
  { name: 'batch-job', leak: false, rps: 500, seconds: 45, mode: 'hello',
    what: 'batch every 4 s builds and drops 1.5M-row arrays' },
];
