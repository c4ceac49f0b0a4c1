'use strict';
/**
 * Not a leak (steady): a fastify JSON API with a response schema (so fastify
 * compiles a serializer once) under steady load. Seeded: items per response.
 */
const fastify = require('fastify');
const { watch, params, listening } = require('./harness.js');

watch('main');
const { items } = params({ items: [5, 50] });
const item = { type: 'object', properties: { n: { type: 'integer' }, label: { type: 'string' } } };
const schema = {
  response: { 200: { type: 'object', properties: { id: { type: 'string' }, items: { type: 'array', items: item } } } },
};

const app = fastify({ logger: false, keepAliveTimeout: 30000 });
app.get('/*', { schema }, async (request) => {
  const list = [];
  for (let n = 0; n < items; n++) list.push({ n, label: `item ${n}` });
  return { id: String(request.id), items: list };
});
app.listen({ port: 0, host: '127.0.0.1' }).then(() => listening(app.server.address().port));
