'use strict';
/**
 * Leak: a per-request listener added to a long-lived EventEmitter (a config
 * bus) and never removed. Each listener closes over a per-request context.
 */
const { EventEmitter } = require('node:events');
const { watch, serve, hello } = require('./harness.js');

watch('main');

const configBus = new EventEmitter();
configBus.setMaxListeners(0); // someone silenced the MaxListenersExceededWarning

serve((req, res) => {
  const ctx = { url: req.url, headers: { ...req.headers }, at: Date.now(), stale: false };
  configBus.on('config-changed', () => {
    ctx.stale = true;
  });
  hello(req, res);
});
