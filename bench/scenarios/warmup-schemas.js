'use strict';
/**
 * Not a leak (long warm-up): a fastify app builds response validators lazily
 * for a large catalogue of product types, for 40–60 s after the first request
 * (1.5–3 MB/s), then has them all: flat. Seeded: the build rate and its
 * length.
 */
const fastify = require('fastify');
const { watch, params, listening } = require('./harness.js');

watch('main');
const { mbPerSec, warmupMs } = params({ mbPerSec: [1.5, 3], warmupMs: [40000, 60000] });
const validators = [];
let builder = null;

function buildValidator(type) {
  const fields = [];
  for (let i = 0; i < 12; i++) fields.push({ name: `${type}.field${i}`, kind: i % 3 ? 'string' : 'number', max: 255 });
  return { type, fields, check: (obj) => fields.every((f) => typeof obj[f.name] === f.kind) };
}

function startBuilding() {
  const t0 = Date.now();
  const perTick = Math.round((mbPerSec * 1024 * 1024) / 10 / 1500); // a validator is ~1.5 kB
  builder = setInterval(() => {
    if (Date.now() - t0 >= warmupMs) return clearInterval(builder);
    for (let i = 0; i < perTick; i++) validators.push(buildValidator(`type${validators.length}`));
  }, 100);
}

const app = fastify({ logger: false, keepAliveTimeout: 30000 });
app.get('/*', async () => {
  if (!builder) startBuilding();
  return { validators: validators.length };
});
app.listen({ port: 0, host: '127.0.0.1' }).then(() => listening(app.server.address().port));
