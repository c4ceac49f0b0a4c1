'use strict';
/**
 * The detection bench's loopback load (autocannon on 127.0.0.1), one mode per
 * list row (see list.js `mode`). Every load is bounded: a fixed rate (or,
 * with `rps: 0`, unthrottled but at most `amount` requests), a fixed
 * duration, a hard stop 15 s after it. Mode `none` sends nothing and waits.
 *
 *   const l = load(port, row, seconds, draws);  // draws: the row's `load` draws (e.g. body)
 *   l.stop(); const result = await l.done;      // autocannon's result
 */
const autocannon = require('autocannon');

/** Request paths per load mode. */
function pathFor(mode, n, elapsedMs) {
  switch (mode) {
    case 'lru':
      return `/item?k=${Math.floor(Math.random() * 1e6)}`;
    case 'flood': {
      // A 15 s burst of missing pages in every minute of load: 10–25 s, 70–85 s, …
      const s = (elapsedMs / 1000) % 60;
      if (s >= 10 && s < 25) return `/no/such/page/${n}?q=${'a'.repeat(40)}`;
      return '/';
    }
    case 'hello':
      return '/';
    case 'upload':
      return `/upload?n=${n}`;
    default:
      return `/api/v1/users/${n}?session=${(n * 2654435761) % 4294967296}`;
  }
}

function load(port, sc, seconds, draws = {}) {
  if (sc.mode === 'none') {
    let timer;
    let finish;
    const done = new Promise((resolve) => {
      finish = () => resolve({ requests: { average: 0 }, errors: 0, timeouts: 0 });
      timer = setTimeout(finish, seconds * 1000);
    });
    return { done, stop: () => { clearTimeout(timer); finish(); } };
  }
  const t0 = Date.now();
  let n = 0;
  const body = sc.mode === 'upload' ? Buffer.alloc(draws.body || 65536, 'u') : null;
  const request = (req) => ({ ...req, path: pathFor(sc.mode, ++n, Date.now() - t0), ...(body ? { method: 'POST',
    body, headers: { ...req.headers, 'content-type': 'application/octet-stream' } } : {}) });
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 10,
    duration: seconds,
    ...(sc.rps > 0 ? { overallRate: sc.rps } : { amount: sc.amount || 100000 }),
    headers: { 'user-agent': 'leakwatch-bench/1.0' },
    requests: [{ setupRequest: request }],
  });
  // autocannon ignores `duration` when `amount` is set: an unthrottled run is stopped at `seconds` here.
  const hard = setTimeout(() => instance.stop(), (seconds + (sc.rps > 0 ? 15 : 0)) * 1000);
  const done = new Promise((resolve, reject) => {
    instance.on('done', (r) => {
      clearTimeout(hard);
      resolve(r);
    });
    instance.on('error', reject);
  });
  return { done, stop: () => instance.stop() };
}

module.exports = { load, pathFor };
