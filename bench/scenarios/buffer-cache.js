'use strict';
/**
 * Leak (external, Buffers, >99 % outside the V8 heap): a node:http service
 * caches each generated thumbnail (a Buffer of 24–40 KiB) keyed by request
 * id, so a retry could be served from memory — but ids are unique and
 * nothing is ever evicted. A cached Buffer costs ~220 bytes of V8 heap (the
 * Buffer and ArrayBuffer objects, the Map entry): under 1 % of its size.
 * Seeded: the thumbnail size.
 */
const { watch, params, serve } = require('./harness.js');

watch('main');
const { thumbKiB } = params({ thumbKiB: [24, 40] });
const thumbnails = new Map();
let nextId = 0;

serve((req, res) => {
  const id = ++nextId;
  const thumb = Buffer.alloc(thumbKiB * 1024, id & 0xff); // "rendered"
  thumbnails.set(id, thumb);
  res.setHeader('content-type', 'application/octet-stream');
  res.end(thumb.subarray(0, 64));
});
