'use strict';
/**
 * Not a leak (bounded cache, heap): an LRU cache capped at ~10 000 entries of
 * ~2 KB. Under the bench's random keys it fills up in ~10 s at 1000 req/s,
 * then stays flat while evicting (lots of promoted garbage between full GCs).
 * Seeded: the cap (entries) and the value size.
 */
const { watch, params, serve } = require('./harness.js');

watch('main');
const { cap, valueChars } = params({ cap: [8000, 12000], valueChars: [1500, 2500] });
const cache = new Map();

serve((req, res) => {
  const k = req.url;
  let v = cache.get(k);
  if (v === undefined) {
    v = `${k}:${'v'.repeat(valueChars)}`.split('').reverse().join('');
    cache.set(k, v);
    if (cache.size > cap) cache.delete(cache.keys().next().value);
  } else {
    cache.delete(k);
    cache.set(k, v);
  }
  res.end(v.slice(0, 16));
});
