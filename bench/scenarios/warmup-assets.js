'use strict';
/**
 * Not a leak (warm-up, external): a koa static server preloads its assets
 * into Buffers lazily, from the first request on, for 10–30 s at a few MB/s
 * (the growth is external memory), then serves from memory: flat. Seeded:
 * the load rate and its length.
 */
const crypto = require('node:crypto');
const Koa = require('koa');
const { watch, params, serve } = require('./harness.js');

watch('main');
const { mbPerSec, warmupMs } = params({ mbPerSec: [3, 6], warmupMs: [10000, 30000] });
const assets = new Map();
let preloader = null;

function startPreloading() {
  const t0 = Date.now();
  const bytesPerTick = (mbPerSec * 1024 * 1024) / 10;
  preloader = setInterval(() => {
    if (Date.now() - t0 >= warmupMs) return clearInterval(preloader);
    for (let b = 0; b < bytesPerTick; b += 32768) {
      assets.set(`/static/${assets.size}.js`, crypto.randomFillSync(Buffer.allocUnsafeSlow(32768)));
    }
  }, 100);
}

const app = new Koa();
app.use(async (ctx) => {
  if (!preloader) startPreloading();
  const a = assets.get('/static/0.js');
  ctx.body = a ? a.subarray(0, 32) : 'hello world\n';
});

serve(app.callback());
