'use strict';
/**
 * Not a leak (idle): an idle process. It listens (so the bench knows it is
 * up) but gets no requests; a trivial timer keeps a little housekeeping going,
 * as idle services have (a health flag, a clock). Seeded: the timer's period.
 */
const { watch, params, serve, hello } = require('./harness.js');

watch('main');
const { everyMs } = params({ everyMs: [500, 2000] });

const health = { ok: true, checkedAt: 0 };
setInterval(() => {
  health.checkedAt = Date.now();
}, everyMs);

serve(hello);
