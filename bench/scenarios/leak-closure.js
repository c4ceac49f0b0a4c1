'use strict';
/**
 * Leak (heap, ~1 MB/s at 1000 req/s): the classic closure leak — a node:http
 * rewrite of the restify example behind memwatch's README. A middleware
 * pushes a closure capturing `req` into a module-level `tasks` array on every
 * request; nothing ever drains it, so every IncomingMessage (headers, url,
 * the user with its session token) stays reachable.
 * Seeded: the session token's length.
 */
const { watch, params, serve, text } = require('./harness.js');

watch('main');
const { tokenChars } = params({ tokenChars: [100, 400] });
const tasks = [];

function leakyMiddleware(req, res, next) {
  tasks.push(() => req.headers);
  // Synchronously get the user from the session, maybe a JWT.
  req.user = { id: 1, username: 'Leaky Master', token: text(tokenChars, `${tasks.length}.`) };
  next();
}

serve((req, res) => {
  leakyMiddleware(req, res, () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ hello: req.user.username }));
  });
});
