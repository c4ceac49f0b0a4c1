'use strict';
/**
 * Leak (heap, fast): an express app with an "audit trail" middleware that
 * keeps every finished response object in a Map keyed by request id, meant
 * to be flushed to an audit service that was never wired up. Each `res`
 * keeps its `req` (headers, parsed query, route params) alive: several kB
 * per request. Seeded: the size of the audit note added to each response.
 */
const express = require('express');
const { watch, params, serve, text } = require('./harness.js');

watch('main');
const { noteChars } = params({ noteChars: [200, 2000] });
const auditTrail = new Map();
let nextId = 0;

const app = express();
app.use((req, res, next) => {
  const id = ++nextId;
  res.locals.audit = { id, note: text(noteChars, `${req.method} ${req.originalUrl}`) };
  res.on('finish', () => auditTrail.set(id, res)); // "flushed later"
  next();
});
app.get('/api/v1/users/:id', (req, res) => res.json({ id: req.params.id, session: req.query.session }));
app.use((req, res) => res.send('hello world\n'));

serve(app);
