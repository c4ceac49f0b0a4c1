'use strict';
/**
 * Not a leak (short warm-up): a node:http geo-IP service builds its lookup
 * tables lazily. The first request starts a loader that adds one shard of
 * ranges every 100 ms — several MB/s for 5–15 s — then the tables are
 * complete and memory is flat. Seeded: the build rate and its length.
 */
const { watch, params, serve } = require('./harness.js');

watch('main');
const { mbPerSec, warmupMs } = params({ mbPerSec: [4, 8], warmupMs: [5000, 15000] });
const ranges = [];
let loader = null;

function startLoading() {
  const t0 = Date.now();
  const perShard = Math.round((mbPerSec * 1024 * 1024) / 10 / 64); // a range is ~64 bytes
  loader = setInterval(() => {
    if (Date.now() - t0 >= warmupMs) return clearInterval(loader);
    for (let i = 0; i < perShard; i++) {
      const from = ranges.length * 256;
      ranges.push({ from, to: from + 255, cc: 'DE', asn: ranges.length % 65536 });
    }
  }, 100);
}

serve((req, res) => {
  if (!loader) startLoading();
  const hit = ranges.length ? ranges[ranges.length >> 1] : null;
  res.end(JSON.stringify({ country: hit ? hit.cc : 'unknown', ranges: ranges.length }));
});
