'use strict';
/**
 * Not a leak (flood of errors): an express app whose error middleware keeps
 * the most recent errors (with request details) in a bounded ring for a
 * /debug page. The bench's flood mode sends bursts of requests for missing
 * pages: each becomes an HttpError with its stack and a copy of the request;
 * during a burst the ring churns, between bursts memory settles back. Seeded:
 * the ring's size and the detail kept per error.
 */
const express = require('express');
const { watch, params, serve, text } = require('./harness.js');

watch('main');
const { ringSize, detailChars } = params({ ringSize: [500, 2000], detailChars: [500, 3000] });
const recentErrors = new Array(ringSize).fill(null);
let written = 0;

const app = express();
app.get('/', (req, res) => res.send('hello world\n'));
app.use((req, res, next) => {
  const err = new Error(`no route for ${req.originalUrl}`);
  err.status = 404;
  next(err);
});
app.use((err, req, res, next) => {
  recentErrors[written++ % ringSize] = { err, at: Date.now(), headers: { ...req.headers },
    detail: text(detailChars, req.originalUrl) };
  res.status(err.status || 500).send('not found\n');
});

serve(app);
