'use strict';
/**
 * Leak (heap): a Map "cache" of sessions keyed by request id, without
 * eviction. Seeded: the size of each session's preferences blob.
 */
const { watch, params, serve, hello, text } = require('./harness.js');

watch('main');
const { prefsChars } = params({ prefsChars: [800, 1600] });
const sessions = new Map();
let id = 0;

serve((req, res) => {
  id++;
  sessions.set(`req-${id}`, {
    url: req.url,
    ua: req.headers['user-agent'],
    started: Date.now(),
    user: { id, roles: ['reader'], prefs: text(prefsChars, `{"theme":"dark","id":${id}}`) },
  });
  hello(req, res);
});
