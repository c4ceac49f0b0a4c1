'use strict';
/**
 * Allocation sites, always on: V8's sampling heap profiler, read on a
 * cadence, folded into live bytes per allocation site (src/sites/), ranked by
 * growth when a `leak` needs to say where.
 *
 * One `Sampling` per leakwatch instance, so per isolate (main thread and each
 * worker). The sampler is V8's own (`HeapProfiler::StartSamplingHeapProfiler`,
 * resolved at run time like the GC hooks, src/v8/sampling.rs): about one
 * sample per `samplingIntervalBytes` allocated, a stack per sample, dropped by
 * V8 when its object dies — but only at the collection that finds it dead,
 * so between full GCs the sampled set holds old garbage too. Readings are
 * therefore taken at the first drain after each full GC (when the set is the
 * live objects, like the detector's heap baselines), at most every
 * `MIN_GAP_MS`, and every `sitesEveryMs` when no full GC comes — then right
 * after the next collection of any kind (the native side wakes the JS thread
 * once for it): a young collection drops the samples of the garbage it
 * frees, and a reading taken between two of them counts up to a whole
 * young generation (16 MB and more) of garbage at the sites that make it,
 * noise that can hide a leak's trend. With no collection within another
 * `sitesEveryMs` (an idle process makes little garbage) it reads anyway.
 * Readings take at most 0.5 % of the time. A reading walks the sampled
 * tree on the JS thread: no GC, no heap dump, ~1-15 ms measured. The timer is
 * un-referenced; nothing runs in a GC callback.
 *
 * Coexistence: V8 has one sampler per isolate. If another one already runs
 * (an inspector session's HeapProfiler.startSampling, an APM agent), ours
 * does not start: `getStats().sampling` says `busy` and why, and leakwatch
 * looks again every minute. If someone stops ours, the state is `lost`, with
 * the same retry. Start, stop and the interval are run-time options
 * (`configure({ sampling, samplingIntervalBytes, sitesEveryMs })`,
 * `LEAKWATCH_SAMPLING=off`).
 */
const { locate } = require('./source-lines.js');
const path = require('node:path');
const { mustBe } = require('./option-error.js');

const DEFAULTS = Object.freeze({
  sampling: true,
  // Chosen by bench/overhead.js (section c): each sample costs ~3 µs of stack
  // walk, so an allocation-bound loop (~5 M objects/s) runs at ~0.97-0.98 of
  // its speed at 64 KiB, ~0.985-0.99 at 128 KiB and ~0.992-0.995 at 256 KiB.
  // 256 KiB keeps it within 1 % and still gives a 1 MB/s leak ~4 samples a
  // second, a 50 kB/s one ~12 a minute.
  samplingIntervalBytes: 256 * 1024,
  // Readings after full GCs alone can be minutes apart in a service whose
  // old generation grows slowly; every 5 s (each ~1-15 ms, and at most 0.5 %
  // of the time) a 30 s leak has six readings for its trend test.
  sitesEveryMs: 5000,
});
const OPTION_KEYS = Object.keys(DEFAULTS);
/** A busy or lost sampler is looked at again this often. */
const RETRY_MS = 60000;
/** Readings may take at most this share of the time. */
const MAX_SHARE = 0.005;
/** Readings after full GCs come at most this often. */
const MIN_GAP_MS = 500;
/** Before ranking, a reading older than this is refreshed. */
const FRESH_MS = 30000;
/**
 * Focus: while a leak of memory outside the heap is suspected, the sampler
 * runs FOCUS_FACTOR times finer, for at most FOCUS_MS, then at most once per
 * FOCUS_COOLDOWN_MS. A Buffer's or a Worker's bytes are not on the heap:
 * only their small JS handles (~100-200 bytes) are sampled, ~1 in 1600 at
 * the default interval — too few for a trend within minutes. At 1/8 of the
 * interval they are; the cost of the finer sampling (bench:overhead, section
 * c: ~3 µs per sample) is paid only during such an episode.
 */
const FOCUS_FACTOR = 8;
const FOCUS_KINDS = new Set(['external', 'native']);
const FOCUS_MS = 180000;
const FOCUS_COOLDOWN_MS = 600000;
const OWN_DIR = path.join(__dirname, '..') + path.sep;

function validate(update) {
  for (const [k, v] of Object.entries(update)) {
    if (k === 'sampling') {
      if (typeof v !== 'boolean') throw mustBe(k, 'true or false', v);
    } else if (k === 'samplingIntervalBytes') {
      if (!Number.isInteger(v) || v < 1024 || v > 64 * 1024 * 1024) {
        throw mustBe(k, 'an integer from 1024 to 67108864 (bytes allocated per sample)', v);
      }
    } else if (k === 'sitesEveryMs') {
      if (!Number.isFinite(v) || v < 100 || v > 3600000) throw mustBe(k, 'a number of ms from 100 to 3600000', v);
    }
  }
}

/** `LEAKWATCH_SAMPLING=off|0|false` turns sampling off at start; `=<bytes>` sets the interval. */
function fromEnv(env) {
  const raw = String(env.LEAKWATCH_SAMPLING || '').trim().toLowerCase();
  if (!raw) return {};
  if (['off', '0', 'false', 'no'].includes(raw)) return { sampling: false };
  if (['on', '1', 'true', 'yes'].includes(raw)) return { sampling: true };
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 1024) return { sampling: true, samplingIntervalBytes: n };
  process.emitWarning(`leakwatch: LEAKWATCH_SAMPLING must be off, on or a sampling interval in bytes, got "${raw}"; ` +
    'using the default', 'LeakwatchWarning');
  return {};
}

class Sampling {
  /**
   * `wakeAfterNextGc(on)`: asks (or no longer asks) the native side to wake
   * the JS thread after the next collection, returns the latest collection's
   * sequence number (`Watchdog.wakeAfterNextGc`).
   */
  constructor(binding, env, { wakeAfterNextGc }) {
    this._wakeAfterNextGc = wakeAfterNextGc;
    /** While a timed reading waits for a collection: the seq it must pass. */
    this._afterSeq = null;
    this.options = { ...DEFAULTS, ...fromEnv(env) };
    this.state = 'off';
    this.reason = null;
    /** Readings by what prompted them (`getStats().sampling.readings_by`). */
    this.readingsBy = { full_gc: 0, after_gc: 0, timer: 0, on_demand: 0 };
    this.lastPollMs = 0;
    this.maxPollMs = 0;
    this.totalPollMs = 0;
    this.lastPollAt = 0;
    this.startedAt = 0;
    this.profile = { nodes: 0, bytes: 0 };
    this._timer = null;
    this.focus = null; // { kind, until } while sampling finer
    this._focusTimer = null;
    this._focusEndedAt = -Infinity;
    try {
      this._s = new binding.Sampler(OWN_DIR);
      if (this._s.unavailable) this._unavailable(this._s.unavailable);
    } catch (err) {
      this._s = null;
      this._unavailable(err.message);
    }
  }

  _unavailable(why) {
    this.state = 'unavailable';
    this.reason = `V8's sampling heap profiler cannot be used here: ${why}`;
  }

  /** Starts sampling if the options want it (idempotent). */
  start() {
    if (!this._s || this.state === 'unavailable' || this.state === 'sampling') return this;
    if (!this.options.sampling) {
      this.state = 'off';
      this.reason = 'allocation sampling is turned off (sampling: false, or LEAKWATCH_SAMPLING=off)';
      return this;
    }
    const got = this._s.start(this.intervalBytes());
    if (got === 'started') {
      this.state = 'sampling';
      this.reason = null;
      this.startedAt = Date.now();
      this._schedule(this.options.sitesEveryMs);
    } else if (got === 'busy') {
      this.state = 'busy';
      this.reason = 'another sampling heap profiler runs in this thread (an inspector session or an APM agent): ' +
        'leakwatch leaves it alone and looks again every minute; leak events carry no sites meanwhile';
      this._schedule(RETRY_MS);
    } else {
      this._unavailable(this._s.unavailable || 'unknown reason');
    }
    return this;
  }

  /** The interval in use: the option's, or finer while focused. */
  intervalBytes() {
    const base = this.options.samplingIntervalBytes;
    return this.focus ? Math.max(1024, Math.floor(base / FOCUS_FACTOR)) : base;
  }

  /**
   * A leak of `kind` is suspected: if it is memory outside the heap, sample
   * finer for a while (see FOCUS_FACTOR). The restart drops V8's sample set,
   * so the site table starts over: growth is then measured from the restart.
   */
  focusOn(kind) {
    if (this.state !== 'sampling' || this.focus || !FOCUS_KINDS.has(kind)) return false;
    if (Date.now() - this._focusEndedAt < FOCUS_COOLDOWN_MS) return false;
    this.focus = { kind, until: Date.now() + FOCUS_MS };
    this._restart();
    this._focusTimer = setTimeout(() => this.focusOff(), FOCUS_MS);
    this._focusTimer.unref();
    return true;
  }

  /** Back to the configured interval (the episode ended, or FOCUS_MS passed). */
  focusOff() {
    clearTimeout(this._focusTimer);
    this._focusTimer = null;
    if (!this.focus) return;
    this.focus = null;
    this._focusEndedAt = Date.now();
    if (this.state === 'sampling') this._restart();
  }

  /** A reading waiting for a collection no longer does (nor does the native side's request). */
  _cancelWake() {
    if (this._afterSeq === null) return;
    this._afterSeq = null;
    this._wakeAfterNextGc(false);
  }

  _restart() {
    this._cancelWake();
    this._s.stop();
    this._s.clear();
    this.state = 'off';
    this.start();
  }

  /** Stops our sampler; the sites seen so far are kept. */
  stop() {
    clearTimeout(this._timer);
    this._timer = null;
    this._cancelWake();
    clearTimeout(this._focusTimer);
    this._focusTimer = null;
    this.focus = null;
    if (this._s && this.state === 'sampling') this._s.stop();
    if (this.state !== 'unavailable') {
      this.state = 'off';
      this.reason = this.options.sampling ? 'leakwatch is stopped' :
        'allocation sampling is turned off (sampling: false, or LEAKWATCH_SAMPLING=off)';
    }
    return this;
  }

  _schedule(ms) {
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._tick(), ms);
    this._timer.unref();
  }

  _tick() {
    this._timer = null;
    if (this.state === 'busy' || this.state === 'lost') {
      this.state = 'off';
      this.start();
      return;
    }
    if (this.state !== 'sampling') return;
    if (this._afterSeq === null) {
      // Read right after the next collection; if none comes by the next
      // tick, read then.
      this._afterSeq = this._wakeAfterNextGc(true);
      this._schedule(this.options.sitesEveryMs);
      return;
    }
    this._read('timer');
  }

  /** `why`: a key of `readingsBy`. */
  _read(why) {
    this._cancelWake();
    this.poll(why);
    if (this.state === 'sampling') {
      this._schedule(Math.max(this.options.sitesEveryMs, this.lastPollMs / MAX_SHARE));
    }
  }

  /**
   * After each drain: `fullGcs` full collections in it, `lastSeq` the
   * sequence number of its latest collection. Right after a full GC the
   * sampled set is the live objects: read now (at most every `MIN_GAP_MS`,
   * within the time budget). A timed reading waiting for a collection reads
   * once one has come.
   */
  afterDrain(fullGcs, lastSeq) {
    if (this.state !== 'sampling') return;
    if (fullGcs > 0) {
      if (Date.now() - this.lastPollAt < MIN_GAP_MS) return;
      if (this.lastPollMs / MAX_SHARE > Date.now() - this.lastPollAt) return; // over the time budget
      this._read('full_gc');
    } else if (this._afterSeq !== null && lastSeq > this._afterSeq) {
      this._read('after_gc');
    }
  }

  /** Reads the profile now and folds it into the site table; `why` is counted in `readingsBy`. */
  poll(why = 'on_demand') {
    if (this.state !== 'sampling') return null;
    this.readingsBy[why] += 1;
    const t0 = performance.now();
    const out = JSON.parse(this._s.poll(Date.now(), why === 'full_gc'));
    const ms = performance.now() - t0;
    this.lastPollMs = ms;
    this.maxPollMs = Math.max(this.maxPollMs, ms);
    this.totalPollMs += ms;
    this.lastPollAt = Date.now();
    if (out.running) {
      this.profile = { nodes: out.nodes, bytes: out.bytes };
    } else if (out.lost) {
      this.state = 'lost';
      this.reason = 'V8\'s sampling heap profiler was stopped by someone else (an inspector session?): leakwatch ' +
        'looks again every minute';
      this._schedule(RETRY_MS);
    } else if (out.error) {
      this._unavailable(out.error);
    }
    return out;
  }

  /**
   * The sites whose live sampled bytes grew since `fromMs` (wall clock),
   * the application's own first, each application site at the statement
   * lib/source-lines.js finds in its function (storing sites ahead of
   * faster ones that only allocate), then fastest first.
   */
  sites(fromMs, limit = 5) {
    if (!this._s) return [];
    if (this.state === 'sampling' && Date.now() - this.lastPollAt > FRESH_MS) this.poll();
    // Twice the sites asked for, so a storing site ranked just below can be put first.
    return locate(JSON.parse(this._s.sites(fromMs, limit * 2))).slice(0, limit);
  }

  /** For `getStats().sampling`. */
  stats() {
    const table = this._s ? JSON.parse(this._s.tableStats()) : { readings: 0, sites: 0, memory_bytes: 0 };
    const round = (x) => Math.round(x * 1000) / 1000;
    return {
      state: this.state,
      reason: this.reason,
      interval_bytes: this.intervalBytes(),
      focus: this.focus ? { kind: this.focus.kind, until: new Date(this.focus.until) } : null,
      every_ms: this.options.sitesEveryMs,
      readings: Object.values(this.readingsBy).reduce((a, b) => a + b, 0),
      readings_by: { ...this.readingsBy },
      last_reading_ms: round(this.lastPollMs),
      max_reading_ms: round(this.maxPollMs),
      total_reading_ms: round(this.totalPollMs),
      sampled_live_bytes: this.profile.bytes,
      profile_nodes: this.profile.nodes,
      sites: table.sites,
      memory_bytes: table.memory_bytes,
    };
  }

  validate(update) {
    validate(update);
  }

  /** Applies validated options; a new interval restarts the sampler (V8 starts a new sample set). */
  configure(update) {
    const before = { ...this.options };
    Object.assign(this.options, update);
    const restart = this.state === 'sampling' && this.options.samplingIntervalBytes !== before.samplingIntervalBytes;
    if (restart && this._s) this._s.clear(); // the new sample set starts empty
    if (!this.options.sampling) {
      this.stop();
    } else if (restart) {
      this.stop();
      this.start();
    } else if (this.state === 'off') {
      this.start();
    } else if (this.state === 'sampling' && this.options.sitesEveryMs !== before.sitesEveryMs) {
      this._schedule(this.options.sitesEveryMs);
    }
  }
}

Sampling.optionKeys = OPTION_KEYS;
Sampling.DEFAULTS = DEFAULTS;

module.exports = { Sampling };
