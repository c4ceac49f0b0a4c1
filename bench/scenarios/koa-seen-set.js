'use strict';
/**
 * Leak, slow (heap, Set): a koa API makes POST-like requests idempotent by
 * remembering every idempotency key it has seen in a Set. Keys were meant to
 * expire after 24 h; nothing ever removes them. Seeded: the key's length.
 */
const Koa = require('koa');
const { watch, params, serve, text } = require('./harness.js');

watch('main');
const { keyChars } = params({ keyChars: [60, 140] });
const seenKeys = new Set();

const app = new Koa();
app.use(async (ctx) => {
  const key = text(keyChars, `${ctx.query.session || ''}:${ctx.path}:`);
  if (seenKeys.has(key)) {
    ctx.status = 409;
    return;
  }
  seenKeys.add(key);
  ctx.body = { accepted: true };
});

serve(app.callback());
