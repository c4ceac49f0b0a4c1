'use strict';
/**
 * Leak, slow: an "audit log" keeps one ~200-byte string per request in a
 * module-level array (~200 B of string + an array slot per request).
 */
const { watch, serve, hello } = require('./harness.js');

watch('main');

const audit = [];
let id = 0;

serve((req, res) => {
  id++;
  // 184 characters (~200 bytes with the string headers).
  audit.push(`${String(id).padStart(8, '0')}:${req.method}:${'x'.repeat(171)}`);
  hello(req, res);
});
