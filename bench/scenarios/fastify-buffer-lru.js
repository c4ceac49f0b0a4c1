'use strict';
/**
 * Not a leak (bounded cache, external): a fastify image proxy caches resized
 * images as Buffers in an LRU bounded by bytes (40–100 MB). Random keys miss
 * almost always, so the cache fills in seconds and then evicts: external
 * memory rises to the cap and stays there. Seeded: the cap and the image
 * size.
 */
const fastify = require('fastify');
const { watch, params, listening } = require('./harness.js');

watch('main');
const { capMB, imageKiB } = params({ capMB: [40, 100], imageKiB: [8, 16] });
const cap = capMB * 1024 * 1024;
const images = new Map();
let bytes = 0;

function resize(key) {
  return Buffer.alloc(imageKiB * 1024, key.length);
}

const app = fastify({ logger: false, keepAliveTimeout: 30000 });
app.get('/item', async (request, reply) => {
  const key = String(request.query.k);
  let img = images.get(key);
  if (img) {
    images.delete(key);
  } else {
    img = resize(key);
    bytes += img.length;
    for (const [k, old] of images) {
      if (bytes <= cap) break;
      images.delete(k);
      bytes -= old.length;
    }
  }
  images.set(key, img);
  reply.type('application/octet-stream');
  return img.subarray(0, 64);
});
app.listen({ port: 0, host: '127.0.0.1' }).then(() => listening(app.server.address().port));
