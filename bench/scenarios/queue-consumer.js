'use strict';
/**
 * Leak, slow (heap, non-HTTP job): a queue consumer. An in-process producer
 * (a timer standing in for the broker) enqueues messages; the consumer
 * processes them and, for "exactly once" delivery, remembers every processed
 * message in an array that was meant to be trimmed to the broker's
 * redelivery window. It serves only a health endpoint (the bench sends no
 * load). Seeded: message rate and payload size.
 */
const { watch, params, serve, text } = require('./harness.js');

watch('main');
const { perSecond, payloadChars } = params({ perSecond: [250, 500], payloadChars: [300, 700] });
const queue = [];
const processed = [];
let nextId = 0;

setInterval(() => { // the broker: perSecond messages, delivered 10 times a second
  for (let i = 0; i < perSecond / 10; i++) {
    const id = ++nextId;
    queue.push({ id, topic: 'orders', payload: text(payloadChars, `{"order":${id}}`) });
  }
}, 100);

setInterval(() => { // the consumer
  while (queue.length) {
    const msg = queue.shift();
    const total = msg.payload.length + msg.id; // "handle" it
    processed.push({ id: msg.id, payload: msg.payload, total, at: Date.now() });
  }
}, 50);

serve((req, res) => res.end(JSON.stringify({ ok: true, backlog: queue.length })));
