'use strict';
/**
 * Leak: a `setInterval` started per request (a "poll the job status"
 * heartbeat) and never cleared. Each timer keeps its closure and the request
 * context alive, and the timer list grows without bound.
 */
const { watch, serve, hello } = require('./harness.js');

watch('main');

let jobs = 0;

serve((req, res) => {
  const job = { id: ++jobs, url: req.url, ua: req.headers['user-agent'], polls: 0, done: false };
  setInterval(() => {
    job.polls++; // the clearInterval() for when the job is done was forgotten
  }, 30000);
  hello(req, res);
});
