'use strict';
/**
 * Heap-dump options: names, defaults, environment variables and
 * validation. `validate(update, current)` returns the next configuration or
 * throws a TypeError with code ERR_LEAKWATCH_OPTION naming the option, the
 * rule and the value; nothing is applied on error.
 */
const os = require('node:os');
const path = require('node:path');
const { optionError } = require('../option-error.js');

const SIGNALS = new Set(Object.keys(os.constants.signals));
// Signals that would break the process or the debugger if we took them over.
const FORBIDDEN = new Set(['SIGKILL', 'SIGSTOP', 'SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGUSR1', 'SIGPROF']);

function defaultDir() {
  if (process.env.LEAKWATCH_DUMP_DIR) return path.resolve(process.env.LEAKWATCH_DUMP_DIR);
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `leakwatch-dumps-${uid}`);
}

let envSignal;
/** The signal from LEAKWATCH_SIGNAL (or LEAKWATCH_DUMP_SIGNAL), read once. */
function defaultSignal() {
  if (envSignal !== undefined) return envSignal;
  const key = process.env.LEAKWATCH_SIGNAL !== undefined ? 'LEAKWATCH_SIGNAL' : 'LEAKWATCH_DUMP_SIGNAL';
  const env = process.env[key];
  if (env === undefined || env === '') {
    envSignal = 'SIGUSR2';
  } else if (/^(off|false|0|none|no)$/i.test(env)) {
    envSignal = false;
  } else {
    const name = env.toUpperCase().replace(/^(?!SIG)/, 'SIG');
    if (Object.prototype.hasOwnProperty.call(os.constants.signals, name)) {
      envSignal = name;
    } else {
      // An environment variable must not stop the app from starting: warn, keep the default.
      process.emitWarning(`leakwatch: ${key}=${env} is not a signal name; using SIGUSR2 (use "off" to disable)`,
        'LeakwatchWarning');
      envSignal = 'SIGUSR2';
    }
  }
  return envSignal;
}

function defaults() {
  return {
    dumpDir: defaultDir(),
    signal: defaultSignal(),
    dumpOnLeak: false,
    dumpNearHeapLimit: false,
    dumpCooldownMs: 60000,
    dumpMaxCount: 5,
    dumpGzip: false,
    dumpRedact: false,
    dumpMemoryFactor: 12,
    dumpFileFactor: 2,
  };
}

const KEYS = Object.keys(defaults());

function fail(key, rule, value) {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return optionError(`leakwatch.configure: "${key}" ${rule}, got ${shown}`);
}

function validate(update, current) {
  const next = { ...current };
  for (const [key, v] of Object.entries(update)) {
    switch (key) {
      case 'dumpDir':
        if (typeof v !== 'string' || v === '' || v.includes('\0')) throw fail(key, 'must be a non-empty directory path', v);
        next.dumpDir = path.resolve(v);
        break;
      case 'signal':
        if (v === false || v === null) {
          next.signal = false;
          break;
        }
        if (typeof v !== 'string' || !SIGNALS.has(v.toUpperCase())) {
          throw fail(key, 'must be a signal name such as "SIGUSR2", or false to turn the signal trigger off', v);
        }
        if (FORBIDDEN.has(v.toUpperCase())) throw fail(key, 'cannot be a signal Node or the debugger needs', v);
        next.signal = v.toUpperCase();
        break;
      case 'dumpNearHeapLimit':
        if (v !== true && v !== false && v !== 'v8') throw fail(key, 'must be true, false or "v8"', v);
        next[key] = v;
        break;
      case 'dumpOnLeak':
      case 'dumpGzip':
      case 'dumpRedact':
        if (typeof v !== 'boolean') throw fail(key, 'must be true or false', v);
        next[key] = v;
        break;
      case 'dumpCooldownMs':
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw fail(key, 'must be a number ≥ 0 (milliseconds)', v);
        next[key] = v;
        break;
      case 'dumpMaxCount':
        if (!Number.isInteger(v) || v < 0) throw fail(key, 'must be an integer ≥ 0 (0: no background dumps)', v);
        next[key] = v;
        break;
      case 'dumpMemoryFactor':
      case 'dumpFileFactor':
        if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 100) throw fail(key, 'must be a number in (0, 100]', v);
        next[key] = v;
        break;
      default:
        throw fail(key, 'is not a heap-dump option', v);
    }
  }
  return next;
}

module.exports = { defaults, validate, KEYS };
