'use strict';
/**
 * Not a leak: an idle process. It listens (so the bench knows it is up) but
 * gets no requests; a trivial once-a-second timer keeps a little housekeeping
 * going, as idle services have (a health flag, a clock).
 */
const { watch, serve, hello } = require('./harness.js');

watch('main');

const health = { ok: true, checkedAt: 0 };
setInterval(() => {
  health.checkedAt = Date.now();
}, 1000);

serve(hello);
