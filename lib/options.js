'use strict';
/**
 * `configure()` and `getConfig()`: which service owns which option.
 *
 * Every key of `configure({ ... })` belongs to exactly one service (the key
 * sets do not overlap). OWNERS below lists the services written in JS, each
 * with its keys; every other key goes to the leak detector (Rust,
 * src/detector/), which also rejects the keys it does not know:
 *
 *   dumps      dumpDir, signal, dump*          lib/dump/ (a Dumper)
 *   diagnosis  diagnose*                       lib/diagnose/diagnose.js (a Diagnoser)
 *   sampling   sampling, samplingIntervalBytes, sitesEveryMs   lib/sampling.js (a Sampling)
 *   detector   everything else                 the native Watchdog's configure()
 *
 * `configure()` changes all or nothing. It splits the options by owner, then
 *   1. each JS owner validates its part, in the table's order (nothing is
 *      applied yet; the first bad value throws);
 *   2. the detector validates and applies its part in one native call (so it
 *      comes after every JS owner said yes); an unknown key fails here, and
 *      its message lists the JS owners' keys as a hint;
 *   3. each JS owner applies its part, in the table's order.
 * Every error is a TypeError with `code: 'ERR_LEAKWATCH_OPTION'`.
 * `getConfig()` is the detector's configuration followed by each JS owner's.
 *
 * An instance built without dumps or diagnosis (`new LeakWatch()`: the
 * watchdog alone) has no owner for their keys and ignores them.
 */
const { KEYS: DUMP_KEYS } = require('./dump/dump-config.js');
const { Diagnoser } = require('./diagnose/diagnose.js');
const { Sampling } = require('./sampling.js');
const { optionError } = require('./option-error.js');

/**
 * The JS owners, in the order they validate and apply. `hint` names their
 * keys in the message for an unknown key. `validate(service, part)` throws or
 * returns what `apply(service, validated, part)` takes; `get(service)` is the
 * service's share of `getConfig()`.
 */
const OWNERS = [
  {
    name: 'dumps',
    keys: DUMP_KEYS,
    hint: 'heap-dump options',
    validate: (dumper, part) => dumper.validate(part), // → the next dump configuration
    // Always applied, even with no dump keys: the triggers are (re)registered.
    apply: (dumper, next) => dumper.apply(next),
    get: (dumper) => dumper.getConfig(),
  },
  {
    name: 'diagnosis',
    keys: Diagnoser.optionKeys,
    hint: 'diagnosis options',
    validate: (diagnoser, part) => diagnoser.validate(part),
    apply: (diagnoser, _, part) => diagnoser.configure(part),
    get: (diagnoser) => diagnoser.options,
  },
  {
    name: 'sampling',
    keys: Sampling.optionKeys,
    hint: 'allocation-site options',
    validate: (sampling, part) => sampling.validate(part),
    // Only when some were given: configuring the sampler may start or stop it.
    apply: (sampling, _, part) => {
      if (Object.keys(part).length) sampling.configure(part);
    },
    get: (sampling) => sampling.options,
  },
];

/** The owner's name for `key`: a JS owner's, or 'detector'. */
function ownerOf(key) {
  const owner = OWNERS.find((o) => o.keys.includes(key));
  return owner ? owner.name : 'detector';
}

/**
 * The option router of one leakwatch instance. `services`: `detector` (the
 * native Watchdog: `configure(json)` → json, `config()` → json), `dumps`,
 * `diagnosis`, `sampling` (each may be null: its keys are then ignored).
 */
function optionRouter(services) {
  /** The current configuration; `det`, the detector's, when the caller already has it. */
  function get(det) {
    const out = { ...(det || JSON.parse(services.detector.config())) };
    for (const o of OWNERS) if (services[o.name]) Object.assign(out, o.get(services[o.name]));
    return out;
  }

  /** `leakwatch.configure(options)`: see the module comment. Returns the whole configuration. */
  function configure(options) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw optionError(`leakwatch.configure: expected an options object, got ${options === null ? 'null' :
        Array.isArray(options) ? 'an array' : typeof options}`);
    }
    const parts = { detector: {} };
    for (const o of OWNERS) parts[o.name] = {};
    for (const [k, v] of Object.entries(options)) parts[ownerOf(k)][k] = v;

    const validated = new Map();
    for (const o of OWNERS) {
      if (services[o.name]) validated.set(o, o.validate(services[o.name], parts[o.name]));
    }
    let det;
    try {
      det = JSON.parse(services.detector.configure(JSON.stringify(parts.detector)));
    } catch (err) {
      throw optionError(/unknown option/.test(err.message) ?
        err.message + OWNERS.map((o) => `; ${o.hint}: ${o.keys.join(', ')}`).join('') : err.message);
    }
    for (const [o, v] of validated) o.apply(services[o.name], v, parts[o.name]);
    return get(det);
  }

  return { configure, get };
}

module.exports = { optionRouter, ownerOf, OWNERS };
