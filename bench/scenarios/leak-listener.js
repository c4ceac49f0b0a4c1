'use strict';
/**
 * Leak (heap): a per-request listener added to a long-lived EventEmitter (a
 * config bus) and never removed. Each listener closes over a per-request
 * context. Seeded: the size of the context's trace note.
 */
const { EventEmitter } = require('node:events');
const { watch, params, serve, hello, text } = require('./harness.js');

watch('main');
const { noteChars } = params({ noteChars: [800, 1600] });
const configBus = new EventEmitter();
configBus.setMaxListeners(0); // someone silenced the MaxListenersExceededWarning

serve((req, res) => {
  const note = text(noteChars, req.url);
  const ctx = { url: req.url, headers: { ...req.headers }, at: Date.now(), stale: false, note };
  configBus.on('config-changed', () => {
    ctx.stale = true;
  });
  hello(req, res);
});
