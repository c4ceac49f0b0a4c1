'use strict';
/**
 * Leak (heap, cache without eviction): an express app memoizes rendered
 * pages keyed by the full URL. The URL carries the session id, so every
 * request is a miss and adds a page that is never evicted. Seeded: the size
 * of a rendered page.
 */
const express = require('express');
const { watch, params, serve } = require('./harness.js');

watch('main');
const { pageChars } = params({ pageChars: [3000, 6000] });
const rendered = new Map();

function render(req) {
  let html = `<html><body><h1>${req.originalUrl}</h1><ul>`;
  for (let i = 0; html.length < pageChars; i++) html += `<li>${req.params.id}:${i}</li>`;
  return `${html}</ul></body></html>`;
}

const app = express();
app.get('/api/v1/users/:id', (req, res) => {
  let page = rendered.get(req.originalUrl);
  if (page === undefined) {
    page = render(req);
    rendered.set(req.originalUrl, page);
  }
  res.type('html').send(page);
});
app.use((req, res) => res.send('hello world\n'));

serve(app);
