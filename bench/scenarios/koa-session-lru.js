'use strict';
/**
 * Not a leak (bounded cache, small): a koa app keeps session objects in a
 * small LRU (a few MB: 2 000–6 000 sessions). Random keys fill it within
 * seconds; then it evicts. Seeded: the capacity and the session size.
 */
const Koa = require('koa');
const { watch, params, serve } = require('./harness.js');

watch('main');
const { capacity, cartItems } = params({ capacity: [2000, 6000], cartItems: [5, 15] });
const sessions = new Map();

function load(id) {
  const cart = [];
  for (let i = 0; i < cartItems; i++) cart.push({ sku: `sku-${id}-${i}`, qty: 1 + (i % 3), price: 9.99 });
  return { id, user: `user-${id}`, cart, seen: Date.now() };
}

const app = new Koa();
app.use(async (ctx) => {
  const id = String(ctx.query.k || 'anonymous');
  let s = sessions.get(id);
  if (s) sessions.delete(id);
  else s = load(id);
  sessions.set(id, s);
  if (sessions.size > capacity) sessions.delete(sessions.keys().next().value);
  ctx.body = { user: s.user, items: s.cart.length };
});

serve(app.callback());
