'use strict';
/**
 * Leak, slow (external, ArrayBuffers): a fastify app renders a small chart
 * per request into an ArrayBuffer (a raw RGBA tile) and keeps it in a
 * per-session history "for the back button". Sessions are never expired,
 * and each request carries a new session. Seeded: the tile size.
 */
const fastify = require('fastify');
const { watch, params, listening } = require('./harness.js');

watch('main');
const { tileKiB } = params({ tileKiB: [6, 12] });
const historyBySession = new Map();

function renderTile(seed) {
  const tile = new ArrayBuffer(tileKiB * 1024);
  new Uint32Array(tile).fill(0xff000000 | seed);
  return tile;
}

const app = fastify({ logger: false, keepAliveTimeout: 30000 });
app.get('/*', async (request) => {
  const session = request.query.session || 'anonymous';
  let history = historyBySession.get(session);
  if (!history) historyBySession.set(session, history = []);
  history.push(renderTile(history.length + 1));
  return { tiles: history.length };
});
app.listen({ port: 0, host: '127.0.0.1' }).then(() => listening(app.server.address().port));
