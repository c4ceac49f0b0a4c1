'use strict';
/**
 * Not a leak (bounded cache, medium): a restify API keeps a per-client rate
 * limit window (the last request times) in a table bounded to a fixed number
 * of clients, evicting the least recently seen. Each random key is a client:
 * the table fills within ~10–30 s and stays at its cap (10–30 MB). Seeded:
 * the number of clients kept and the window length.
 */
const restify = require('restify');
const { watch, params, listening } = require('./harness.js');

watch('main');
const { maxClients, window } = params({ maxClients: [15000, 30000], window: [60, 120] });
const clients = new Map();

function allow(key, now) {
  let hits = clients.get(key);
  if (hits) clients.delete(key);
  else hits = new Array(window).fill(0); // a ring of request times
  clients.set(key, hits);
  if (clients.size > maxClients) clients.delete(clients.keys().next().value);
  hits[Math.floor(now) % window] = now;
  return true;
}

const server = restify.createServer({ name: 'ratelimited' });
server.get('/*', (req, res, next) => {
  allow(req.getQuery() || req.path(), Date.now() / 1000);
  res.send({ ok: true });
  return next();
});
server.listen(0, '127.0.0.1', () => listening(server.address().port));
