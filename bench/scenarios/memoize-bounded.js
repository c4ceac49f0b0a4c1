'use strict';
/**
 * Not a leak (memoization, bounded key space): a node:http pricing service
 * memoizes its price table per (region, currency, tier). Requests map onto a
 * fixed set of 1 000–3 000 such keys, so the memo fills (most keys within
 * ~10–30 s) and then only hits. Seeded: the key space and the table size.
 */
const { watch, params, serve } = require('./harness.js');
const { hash32 } = require('./seed.js');

watch('main');
const { keys, tableRows } = params({ keys: [1000, 3000], tableRows: [20, 60] });
const memo = new Map();

function priceTable(key) {
  if (memo.has(key)) return memo.get(key);
  const rows = [];
  for (let i = 0; i < tableRows; i++) rows.push({ sku: `${key}/${i}`, net: i * 1.5, tax: i * 0.3 });
  memo.set(key, rows);
  return rows;
}

serve((req, res) => {
  const k = hash32(req.url) % keys;
  const table = priceTable(`region${k % 50}/cur${k % 7}/tier${Math.floor(k / 350)}`);
  res.end(JSON.stringify(table[0]));
});
