'use strict';
/**
 * Not a leak (batch sawtooth): light traffic plus a periodic batch job that
 * builds an array of ~1.5 M rows in chunks, aggregates it and drops it.
 * Seeded: the row count and the period.
 */
const { watch, params, serve, hello } = require('./harness.js');

watch('main');
const { rowCount, everyMs } = params({ rowCount: [1300000, 1700000], everyMs: [3000, 4500] });

let running = false;
setInterval(async () => {
  if (running) return;
  running = true;
  let rows = [];
  for (let start = 0; start < rowCount; start += 100000) {
    for (let i = start; i < Math.min(rowCount, start + 100000); i++) rows.push({ id: i, score: i * 0.5 });
    await new Promise((r) => setImmediate(r));
  }
  const total = rows.reduce((a, r) => a + r.score, 0);
  rows = null;
  running = total < 0;
}, everyMs).unref();

serve(hello);
