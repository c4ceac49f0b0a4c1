'use strict';
/**
 * Not a leak (bounded queue, non-HTTP): a producer (an in-process timer)
 * enqueues work faster than the consumer drains it; the queue is bounded and
 * drops new messages when full (load shedding). It fills within ~3–50 s,
 * then stays at its cap. A health endpoint only. Seeded: produce and consume
 * rates, the cap, the message size.
 */
const { watch, params, serve, text } = require('./harness.js');

watch('main');
const { producePerSec, consumeShare, cap, bodyChars } = params({ producePerSec: [1000, 2000],
  consumeShare: [0.3, 0.6], cap: [5000, 20000], bodyChars: [200, 600] });
const queue = [];
let nextId = 0;
let dropped = 0;

setInterval(() => {
  for (let i = 0; i < producePerSec / 10; i++) {
    const msg = { id: ++nextId, body: text(bodyChars, `{"event":${nextId}}`) };
    if (queue.length < cap) queue.push(msg);
    else dropped++;
  }
}, 100);

setInterval(() => {
  for (let i = 0; i < (producePerSec * consumeShare) / 10 && queue.length; i++) queue.shift();
}, 100);

serve((req, res) => res.end(JSON.stringify({ depth: queue.length, dropped })));
