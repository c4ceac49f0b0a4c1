'use strict';
/**
 * Leak (heap, listeners): a fastify app whose handler subscribes to a
 * long-lived "feature flags changed" emitter on every request (to refresh a
 * per-request view) and never unsubscribes. Each listener closes over the
 * request's view. Seeded: the size of the view.
 */
const { EventEmitter } = require('node:events');
const fastify = require('fastify');
const { watch, params, listening, text } = require('./harness.js');

watch('main');
const { viewChars } = params({ viewChars: [900, 2000] });
const flags = new EventEmitter();
flags.setMaxListeners(0);

const app = fastify({ logger: false, keepAliveTimeout: 30000 });
app.get('/*', async (request) => {
  const view = { url: request.url, flags: { beta: false }, html: text(viewChars, request.url) };
  flags.on('changed', (next) => {
    view.flags = next;
  });
  return { ok: true, id: request.id };
});
app.listen({ port: 0, host: '127.0.0.1' }).then(() => listening(app.server.address().port));
