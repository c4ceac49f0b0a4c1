'use strict';
/**
 * Leak (heap, non-HTTP batch job): a reporting job runs a batch every few
 * seconds — builds a few hundred thousand rows, ranks them, drops them — and
 * appends each run's summary to a `history` kept for a dashboard. The summary
 * was meant to hold the top 10 rows but holds a slice of the top rows in the
 * thousands, so besides the batch sawtooth the floor rises with every run.
 * Health endpoint only. Seeded: rows per batch, rows kept, period.
 */
const { watch, params, serve } = require('./harness.js');

watch('main');
const { rowCount, keptRows, everyMs } = params({ rowCount: [200000, 400000], keptRows: [60000, 100000],
  everyMs: [1500, 2500] });
const history = [];

setInterval(() => {
  const rows = [];
  for (let i = 0; i < rowCount; i++) rows.push({ id: i, region: `r${i % 50}`, score: (i * 7919) % 1000 });
  rows.sort((a, b) => b.score - a.score);
  history.push({ at: Date.now(), top: rows.slice(0, keptRows) }); // meant: slice(0, 10)
}, everyMs);

serve((req, res) => res.end(JSON.stringify({ runs: history.length })));
