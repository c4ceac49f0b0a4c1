'use strict';
/**
 * Leak: a Map "cache" of sessions keyed by request id, without eviction.
 */
const { watch, serve, hello } = require('./harness.js');

watch('main');

const sessions = new Map();
let id = 0;

serve((req, res) => {
  id++;
  sessions.set(`req-${id}`, {
    url: req.url,
    ua: req.headers['user-agent'],
    started: Date.now(),
    user: { id, roles: ['reader'] },
  });
  hello(req, res);
});
