'use strict';
/**
 * Zero-code attach: `node -r leakwatch/register app.js`, or
 * `NODE_OPTIONS="-r leakwatch/register"`. Configured by environment:
 *
 *   LEAKWATCH_LOG=stderr|stdout|<file>   JSON-lines event log for machines (default stderr)
 *   LEAKWATCH_ALERTS=off                 no plain-language alert lines on stderr (lib/alert.js)
 *   LEAKWATCH_LOG_INTERVAL_MS=60000      at most one gc-summary line per interval
 *   LEAKWATCH_ON_LEAK=log|dump|diagnose|diagnose-deep  what a `leak` event does (default log):
 *                                        diagnose writes a report of the growing allocation
 *                                        sites at once (no dump); diagnose-deep adds three
 *                                        heap dumps (retainers; each dump stalls the service)
 *   LEAKWATCH_SAMPLING=off|<bytes>       allocation sampling off, or its interval
 *   LEAKWATCH_DETECTOR='{"sensitivity":"high"}'  leak-detector options (JSON)
 *   LEAKWATCH_CLUSTER=1                  in a node:cluster worker or under PM2, tag and
 *                                        forward events to the primary / PM2's bus
 *   LEAKWATCH_DUMP_DIR, LEAKWATCH_SIGNAL, LEAKWATCH_BACKEND  see README
 *
 * A bad setting is reported on stderr and ignored, and so is a native addon
 * that cannot load (e.g. installed without its platform package): attaching
 * must never stop the application from starting. Exports the leakwatch
 * instance, or null when it could not load.
 */
function warn(msg, code) {
  process.emitWarning(`leakwatch/register: ${msg}`, { type: 'LeakwatchWarning', code });
}

let leakwatch = null;
try {
  leakwatch = require('./index.js');
} catch (err) {
  // napi-rs's loader chains one cause per candidate it tried, the first tried innermost.
  const line = (e) => String((e && e.message) || e).split('\n')[0];
  const tried = [];
  for (let c = err && err.cause, n = 0; c && n < 16; c = c.cause, n++) tried.unshift(line(c));
  const why = tried.length ? ` (tried: ${tried.join('; ')})` : '';
  warn(`leakwatch could not load and is not watching this process: ${line(err)}${why}. Install a leakwatch ` +
    `built for ${process.platform}-${process.arch} (a tarball packed where it was built, or \`npm run build\` in ` +
    'the leakwatch package, needs Rust). The application continues without it.', 'LEAKWATCH_UNAVAILABLE');
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
  else if (onLeak === 'diagnose-deep') Object.assign(options, { diagnose: true, diagnoseDumps: true });
  else if (onLeak !== 'log') {
    warn(`LEAKWATCH_ON_LEAK must be log, dump, diagnose or diagnose-deep, got "${onLeak}"; using log`);
  }
  return options;
}

function register(env = process.env) {
  const { attachLog } = require('./lib/log.js');
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
  if (!/^(off|0|false|no)$/i.test(String(env.LEAKWATCH_ALERTS || ''))) {
    require('./lib/alert.js').attachAlerts(leakwatch, { onLeak: String(env.LEAKWATCH_ON_LEAK || 'log').toLowerCase() });
  }
  if (env.LEAKWATCH_CLUSTER === '1' || String(env.LEAKWATCH_CLUSTER).toLowerCase() === 'true') {
    try {
      leakwatch.cluster();
    } catch (err) {
      warn(`LEAKWATCH_CLUSTER: ${err.message}; ignored`);
    }
  }
  return leakwatch;
}

module.exports = leakwatch ? register() : null;
