'use strict';
/**
 * Leak (heap, timers): a `setInterval` started per request (a "poll the job
 * status" heartbeat) and never cleared. Each timer keeps its closure and the
 * request's job record alive, and the timer list grows without bound.
 * Seeded: the poll period and the job record's size.
 */
const { watch, params, serve, hello, text } = require('./harness.js');

watch('main');
const { pollMs, labelChars } = params({ pollMs: [20000, 40000], labelChars: [50, 250] });
let jobs = 0;

serve((req, res) => {
  const label = text(labelChars, req.url);
  const job = { id: ++jobs, url: req.url, ua: req.headers['user-agent'], polls: 0, label };
  setInterval(() => {
    job.polls++; // the clearInterval() for when the job is done was forgotten
  }, pollMs);
  hello(req, res);
});
