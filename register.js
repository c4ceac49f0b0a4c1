'use strict';
/**
 * Zero-code attach: `node -r leakwatch/register app.js`, or
 * `NODE_OPTIONS="-r leakwatch/register"`. Configured by environment:
 *
 *   LEAKWATCH_LOG=stderr|stdout|<file>   JSON-lines event log (default stderr)
 *   LEAKWATCH_LOG_INTERVAL_MS=60000      at most one gc-summary line per interval
 *   LEAKWATCH_ON_LEAK=log|dump|diagnose  what a `leak` event does (default log)
 *   LEAKWATCH_DETECTOR='{"sensitivity":"high"}'  leak-detector options (JSON)
 *   LEAKWATCH_DUMP_DIR, LEAKWATCH_SIGNAL, LEAKWATCH_BACKEND  see README
 *
 * A bad setting is reported on stderr and ignored: attaching must never stop
 * the application from starting.
 */
const leakwatch = require('./index.js');
const { attachLog } = require('./lib/log.js');

function warn(msg) {
  process.emitWarning(`leakwatch/register: ${msg}`, 'LeakwatchWarning');
}

function fromEnv(env) {
  const options = {};
  if (env.LEAKWATCH_DETECTOR) {
    try {
      Object.assign(options, JSON.parse(env.LEAKWATCH_DETECTOR));
    } catch (err) {
      warn(`LEAKWATCH_DETECTOR is not valid JSON (${err.message}); ignored`);
    }
  }
  const onLeak = (env.LEAKWATCH_ON_LEAK || 'log').toLowerCase();
  if (onLeak === 'dump') options.dumpOnLeak = true;
  else if (onLeak === 'diagnose') options.diagnose = true;
  else if (onLeak !== 'log') warn(`LEAKWATCH_ON_LEAK must be log, dump or diagnose, got "${onLeak}"; using log`);
  return options;
}

function register(env = process.env) {
  const options = fromEnv(env);
  for (const [key, value] of Object.entries(options)) {
    try {
      leakwatch.configure({ [key]: value });
    } catch (err) {
      warn(`${err.message}; ignored`);
    }
  }
  const intervalMs = Number(env.LEAKWATCH_LOG_INTERVAL_MS || 60000);
  try {
    attachLog(leakwatch, {
      dest: env.LEAKWATCH_LOG || 'stderr',
      intervalMs: Number.isFinite(intervalMs) && intervalMs >= 0 ? intervalMs : 60000,
    });
  } catch (err) {
    warn(`cannot open LEAKWATCH_LOG=${env.LEAKWATCH_LOG} (${err.code || err.message}); logging to stderr`);
    attachLog(leakwatch, { dest: 'stderr', intervalMs });
  }
  return leakwatch;
}

module.exports = register();
