'use strict';
/**
 * Not a leak: light traffic plus a periodic batch job (every 4 s) that builds
 * a 1.5 M-element array of rows in chunks, aggregates it and drops it.
 */
const { watch, serve, hello } = require('./harness.js');

watch('main');

let running = false;
setInterval(async () => {
  if (running) return;
  running = true;
  let rows = [];
  for (let chunk = 0; chunk < 15; chunk++) {
    for (let i = 0; i < 100000; i++) rows.push({ id: chunk * 100000 + i, score: i * 0.5 });
    await new Promise((r) => setImmediate(r));
  }
  const total = rows.reduce((a, r) => a + r.score, 0);
  rows = null;
  running = total < 0;
}, 4000).unref();

serve(hello);
