'use strict';
/**
 * Leak: the classic closure leak — a node:http rewrite of the restify example
 * behind memwatch's README. A middleware pushes a closure capturing `req` into
 * a module-level `tasks` array on every request; nothing ever drains it, so
 * every IncomingMessage (headers, url, user) stays reachable.
 */
const { watch, serve } = require('./harness.js');

watch('main');

const tasks = [];

function leakyMiddleware(req, res, next) {
  tasks.push(() => req.headers);
  // Synchronously get the user from the session, maybe a JWT.
  req.user = { id: 1, username: 'Leaky Master' };
  next();
}

serve((req, res) => {
  leakyMiddleware(req, res, () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ hello: req.user.username }));
  });
});
