'use strict';
/**
 * Not a leak (steady): a hello-world server under load. Seeded: the
 * response body's size.
 */
const { watch, params, serve, text } = require('./harness.js');

watch('main');
const { bodyBytes } = params({ bodyBytes: [12, 2048] });
const body = text(bodyBytes, 'hello world\n');

serve((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(body);
});
