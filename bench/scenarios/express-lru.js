'use strict';
/**
 * Not a leak (bounded cache, large): an express app caches product pages in
 * an LRU bounded by bytes (80–120 MB). Under the bench's random keys almost
 * every request is a miss, so it fills in ~10–25 s at 1000 req/s, then
 * evicts as fast as it inserts: flat. Seeded: the cap and the page size.
 */
const express = require('express');
const { watch, params, serve, text } = require('./harness.js');

watch('main');
const { capMB, pageChars } = params({ capMB: [80, 120], pageChars: [5000, 8000] });
const cap = capMB * 1024 * 1024;
const pages = new Map(); // insertion order = recency
let bytes = 0;

function cached(key, build) {
  let page = pages.get(key);
  if (page !== undefined) {
    pages.delete(key);
  } else {
    page = build();
    bytes += page.length;
    while (bytes > cap) {
      const [oldKey, old] = pages.entries().next().value;
      pages.delete(oldKey);
      bytes -= old.length;
    }
  }
  pages.set(key, page);
  return page;
}

const app = express();
app.get('/item', (req, res) => {
  const page = cached(req.query.k, () => text(pageChars, `<p>item ${req.query.k}</p>`));
  res.send(page.slice(0, 32));
});
app.use((req, res) => res.send('hello world\n'));

serve(app);
