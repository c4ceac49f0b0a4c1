'use strict';
/**
 * Leak, slow (heap): an "audit log" keeps one string per request in a
 * module-level array (its characters + ~16 B of string header + an array
 * slot). Seeded: the entry's length (200–300 characters; the low-rate row
 * draws longer ones).
 */
const { watch, params, serve, hello, text } = require('./harness.js');

watch('main');
const { entryChars } = params({ entryChars: [200, 300] });
const audit = [];
let id = 0;

serve((req, res) => {
  id++;
  audit.push(text(entryChars, `${String(id).padStart(8, '0')}:${req.method}:`));
  hello(req, res);
});
