'use strict';
/**
 * Leak, slow (heap, timers): an express app delivers a webhook per request
 * in the background and retries with setTimeout until it succeeds. The
 * partner endpoint is gone and there is no attempt limit, so every request
 * leaves a retry chain that re-arms itself forever, holding its payload.
 * Seeded: the retry delay and the payload size.
 */
const express = require('express');
const { watch, params, serve, text } = require('./harness.js');

watch('main');
const { retryMs, payloadChars } = params({ retryMs: [5000, 15000], payloadChars: [300, 900] });

function deliver(hook) {
  hook.attempts++;
  const ok = false; // the partner's endpoint answers 410 Gone these days
  if (!ok) setTimeout(deliver, retryMs, hook);
}

const app = express();
app.use((req, res) => {
  deliver({ url: 'https://partner.example/hook', attempts: 0, body: text(payloadChars, req.originalUrl) });
  res.send('accepted\n');
});

serve(app);
