'use strict';
/**
 * Not a leak: a steady hello-world server under load.
 */
const { watch, serve, hello } = require('./harness.js');

watch('main');
serve(hello);
