'use strict';
/**
 * Leak (heap, AsyncLocalStorage stores): a koa app with a home-made tracing
 * middleware. Each request runs inside `als.run(store)`; the store (trace id,
 * spans) is also registered in a global `traces` Map so log lines can be
 * correlated later. The entry is deleted only in the error path, so every
 * request's store stays reachable. Seeded: spans recorded per request and
 * the size of each span's tags.
 */
const { AsyncLocalStorage } = require('node:async_hooks');
const Koa = require('koa');
const { watch, params, serve, text } = require('./harness.js');

watch('main');
const { spansPerRequest, tagChars } = params({ spansPerRequest: [4, 10], tagChars: [80, 240] });
const als = new AsyncLocalStorage();
const traces = new Map();
let nextTrace = 0;

function span(name) {
  const store = als.getStore();
  store.spans.push({ name, start: performance.now(), tags: text(tagChars, `${store.traceId}:${name}`) });
}

const app = new Koa();
app.use(async (ctx, next) => {
  const store = { traceId: `t-${++nextTrace}`, url: ctx.url, spans: [] };
  traces.set(store.traceId, store);
  await als.run(store, async () => {
    try {
      await next();
    } catch (e) {
      traces.delete(store.traceId);
      throw e;
    }
  });
});
app.use(async (ctx) => {
  for (let i = 0; i < spansPerRequest; i++) span(`step-${i}`);
  ctx.body = { ok: true, trace: als.getStore().traceId };
});

serve(app.callback());
