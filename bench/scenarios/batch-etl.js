'use strict';
/**
 * Not a leak (non-HTTP batch job, sawtooth): an ETL job runs in a loop: it
 * "reads" an export of CSV text, parses every line into a record, aggregates
 * per customer, writes the totals and drops everything, then sleeps until its
 * next run. A health endpoint only (the bench sends no load). Seeded: lines
 * per export and the pause between runs.
 */
const { watch, params, serve } = require('./harness.js');

watch('main');
const { lines, pauseMs } = params({ lines: [300000, 700000], pauseMs: [1000, 4000] });
let runs = 0;

async function runOnce() {
  const csv = [];
  for (let i = 0; i < lines; i++) csv.push(`${i},customer-${i % 997},${(i * 31) % 1000}.50,EUR`);
  const text = csv.join('\n');
  await new Promise((r) => setImmediate(r));
  const totals = new Map();
  for (const line of text.split('\n')) {
    const [, customer, amount] = line.split(',');
    totals.set(customer, (totals.get(customer) || 0) + Number(amount));
  }
  runs++;
  return totals.size;
}

(async function loop() {
  for (;;) {
    await runOnce();
    await new Promise((r) => setTimeout(r, pauseMs));
  }
})();

serve((req, res) => res.end(JSON.stringify({ runs })));
