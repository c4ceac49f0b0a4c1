'use strict';
/**
 * leakwatch — the public entry point.
 *
 * The module is an EventEmitter (a drop-in for memwatch: `on`, `once`, `off`,
 * `removeAllListeners`, `gc`) that starts watching the moment it is required.
 * It wraps the generated native binding (`binding.js`): a `Watchdog` per
 * environment whose GC hooks fill a bounded ring buffer natively; this file
 * drains it on the JS thread after collections and emits
 *   'gc'    — every collection of every kind (built only while someone listens)
 *   'stats' — after every full (mark-sweep-compact) collection
 *   'leak', 'leak-suspected', 'leak-end', 'heap-limit', 'memory-limit' — from
 *             the leak detector (src/detector/), judged on the GC records and
 *             on process.memoryUsage() read at drains and once a second
 *   'dump', 'dump-refused' — heap dumps (lib/dump/dump.js)
 * Backend: 'v8' (native hooks) or 'perf_hooks' (fallback, forced with
 * LEAKWATCH_BACKEND=perf_hooks): both feed the same Rust engine.
 *
 * Read top to bottom: `LeakWatch` is the watchdog (GC records and memory
 * readings in, events out, with the allocation sampler of lib/sampling.js);
 * `publicServices()` at the bottom lists what the public instance gets on
 * top of it — heap dumps (lib/dump/), the diagnosis (lib/diagnose/),
 * snapshot analysis (lib/analysis.js), cluster mode
 * (lib/integrations/cluster.js) — each service contributing its own part
 * of the public surface; `module.exports` is that instance, built once, on
 * require. Which service owns which `configure()` key is lib/options.js's
 * table.
 */

const { EventEmitter } = require('node:events');
const v8 = require('node:v8');
const vm = require('node:vm');
const { PerformanceObserver, performance } = require('node:perf_hooks');
const { isMainThread } = require('node:worker_threads');
const binding = require('./lib/load-binding.js').loadBinding();
const memoryLimit = require('./lib/memory-limit.js');
const { Sampling } = require('./lib/sampling.js');
const { optionRouter } = require('./lib/options.js');
const { Dumper } = require('./lib/dump/dump.js');
const { Diagnoser } = require('./lib/diagnose/diagnose.js');
const { snapshotApi } = require('./lib/analysis.js');

const HEAP_FIELDS = [
  'total_heap_size',
  'total_heap_size_executable',
  'total_physical_size',
  'total_available_size',
  'used_heap_size',
  'heap_size_limit',
  'malloced_memory',
  'external_memory',
  'peak_malloced_memory',
];

const nodeMajor = Number(process.versions.node.split('.')[0]);
/** Memory is read at most this often (ms), and at least once a second by an unref'd timer. */
const MEMORY_EVERY_MS = 250;
const MEMORY_TIMER_MS = 1000;
/** Allocation sites carried by a leak event and by getStats(). */
const SITES_PER_EVENT = 5;
/** getStats().sites: growth over this window. */
const SITES_WINDOW_MS = 10 * 60 * 1000;

function heapValues() {
  const h = v8.getHeapStatistics();
  return HEAP_FIELDS.map((f) => Number(h[f] || 0));
}

class LeakWatch extends EventEmitter {
  /**
   * `services(lw)`, when given, builds the services of this instance and
   * what they add to its public surface: `{ dumps, diagnosis, api }` (see
   * `publicServices()` below). `new LeakWatch()` has none: the watchdog
   * alone — no dumps, no diagnosis, and the keys of their options ignored.
   */
  constructor(services) {
    super();
    const spaces = v8.getHeapSpaceStatistics();
    this._spaceNames = spaces.map((s) => s.space_name);
    const force = String(process.env.LEAKWATCH_BACKEND || '').toLowerCase() === 'perf_hooks';
    this._handle = new binding.Watchdog(() => this._wake(), {
      nodeMajor,
      forcePerfHooks: force,
      heap: heapValues(),
      spaceNames: this._spaceNames,
      spaceSizes: spaces.map((s) => s.space_size),
      // The warm-up counts from this thread's start (a worker's own clock).
      ageMs: performance.now(),
    });
    this._limit = memoryLimit.reader(binding);
    this._sampling = new Sampling(binding, process.env, { wakeAfterNextGc: (on) => this._handle.wakeAfterNextGc(on) });
    this._memoryAt = -Infinity;
    this._memoryTimer = null;
    /** @internal bench/test hook: called with every memory reading fed to the detector. */
    this._memoryTap = null;
    this._observer = null;
    this._running = false;
    this._jsGc = null;
    this._statsMuted = false;
    // The services (heap dumps, diagnosis) and their part of the public
    // surface, built before watching starts; none for `new LeakWatch()`.
    const { dumps = null, diagnosis = null, api } = services ? services(this) : {};
    Object.assign(this, api);
    // Who owns which configure() key: the detector, dumps, diagnosis, sampling.
    this._options = optionRouter({ detector: this._handle, dumps, diagnosis, sampling: this._sampling });
    // memwatch users call the methods unbound (`const { on } = memwatch`).
    for (const m of ['on', 'once', 'off', 'addListener', 'removeListener', 'removeAllListeners', 'gc',
      'getStats', 'getHistory', 'getTimeline', 'start', 'stop', 'configure', 'getConfig']) {
      this[m] = this[m].bind(this);
    }
    this.start();
  }

  /** 'v8' (native GC hooks) or 'perf_hooks' (fallback). */
  get backend() {
    return this._handle.backend;
  }

  /** Why the native backend is not in use, or null. */
  get backendReason() {
    return this._handle.backendReason;
  }

  /** Whether leakwatch is currently watching collections. */
  get running() {
    return this._running;
  }

  // Young-generation collections wake the JS thread only while 'gc' has
  // listeners (src/watch.rs `wake_due`); every way of adding or removing one
  // passes through these.
  _syncWake(name) {
    if (name === undefined || name === 'gc') this._handle.setWakeEveryGc(this.listenerCount('gc') > 0);
  }

  on(name, fn) {
    super.on(name, fn);
    this._syncWake(name);
    return this;
  }

  addListener(name, fn) {
    return this.on(name, fn);
  }

  prependListener(name, fn) {
    super.prependListener(name, fn);
    this._syncWake(name);
    return this;
  }

  // once/prependOnceListener add through on/prependListener and remove
  // through removeListener, so they are covered.
  removeListener(name, fn) {
    super.removeListener(name, fn);
    this._syncWake(name);
    return this;
  }

  off(name, fn) {
    return this.removeListener(name, fn);
  }

  removeAllListeners(name) {
    super.removeAllListeners(...arguments);
    this._syncWake(name);
    return this;
  }

  /**
   * `process.memoryUsage()` for the detector, at most every MEMORY_EVERY_MS:
   * `[rss, heapTotal, heapUsed, external, arrayBuffers, limit, usage]`. RSS
   * is the whole process's, so a worker sends 0 (its main thread judges it).
   */
  _memoryReading() {
    const now = performance.now();
    if (now - this._memoryAt < MEMORY_EVERY_MS) return undefined;
    this._memoryAt = now;
    let m;
    try {
      m = process.memoryUsage();
    } catch {
      return undefined; // e.g. EMFILE reading /proc: skip this reading
    }
    const rss = isMainThread ? m.rss : 0;
    const lim = isMainThread ? this._limit(now, rss) : null;
    if (typeof this._memoryTap === 'function') {
      this._memoryTap({ t: now, rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external,
        arrayBuffers: m.arrayBuffers || 0 });
    }
    return [rss, m.heapTotal, m.heapUsed, m.external, m.arrayBuffers || 0, lim ? lim[0] : 0, lim ? lim[1] : 0];
  }

  /** The native side's wake-up (a full GC, a full ring, a due stats tick): drains. */
  _wake() {
    this._drain();
  }

  _drain() {
    const out = JSON.parse(this._handle.drain(this.listenerCount('gc') > 0, this.listenerCount('stats') > 0,
      this._memoryReading()));
    // A throwing listener must not cost the other events of the batch: emit
    // them all, then rethrow the first error (EventEmitter semantics).
    let failure = null;
    const emit = (fn) => {
      try {
        fn();
      } catch (err) {
        failure = failure || { err };
      }
    };
    // Right after a collection the sampler holds little garbage (after a
    // full one, only live objects): the site table's readings are taken then
    // (before a leak event needs them).
    if (out.last_seq) emit(() => this._sampling.afterDrain(out.full_gcs, out.last_seq));
    for (const g of out.gc) emit(() => this.emit('gc', g));
    if (!this._statsMuted) for (const s of out.stats) emit(() => this.emit('stats', s));
    for (const e of out.detector) emit(() => this._emitDetector(e));
    if (failure) throw failure.err;
  }

  /**
   * Runs `fn` (which collects garbage itself, e.g. a HeapDiff snapshot) with
   * the `stats` events of its collections suppressed; they are still counted.
   */
  _withoutStats(fn) {
    this._drain();
    this._statsMuted = true;
    try {
      return fn();
    } finally {
      try {
        this._drain();
      } finally {
        this._statsMuted = false;
      }
    }
  }

  _emitDetector(e) {
    const type = e.type;
    delete e.type;
    if (type === 'leak' || type === 'leak-suspected') {
      // Where: the allocation sites that grew since the leak began (a fresh
      // reading of the sampler, no dump, no pause).
      e.sites = this._sampling.sites(e.start, SITES_PER_EVENT);
      if (this._sampling.state !== 'sampling' && !e.sites.length) e.sites_unavailable = this._sampling.reason;
      // Buffers and native memory have only small JS handles to sample:
      // sample finer while such a leak lasts (lib/sampling.js, focus).
      this._sampling.focusOn(e.kind);
    } else if (type === 'leak-end') {
      this._sampling.focusOff();
    }
    if (type === 'leak' || type === 'leak-suspected' || type === 'leak-end') {
      // memwatch's `start`/`end` are Dates.
      e.start = new Date(e.start);
      e.end = new Date(e.end);
    } else if (type === 'heap-limit' || type === 'memory-limit') {
      e.time = new Date(e.time);
    }
    this.emit(type, e);
  }

  /**
   * Tunes leakwatch: `configure({ sensitivity: 'high', minDurationMs: 30000, dumpOnLeak: true })`.
   * Each key goes to the service that owns it (lib/options.js). Every option
   * is validated; a bad one throws and changes nothing. Returns the whole
   * configuration.
   */
  configure(options) {
    return this._options.configure(options);
  }

  /** The current configuration: leak detector, heap dumps, diagnosis, allocation sites. */
  getConfig() {
    return this._options.get();
  }

  _observe(list) {
    const now = performance.now();
    const heap = heapValues();
    const spaces = v8.getHeapSpaceStatistics();
    const used = spaces.map((s) => s.space_used_size);
    const size = spaces.map((s) => s.space_size);
    for (const e of list.getEntries()) {
      const detail = e.detail || e;
      this._handle.pushRecord(detail.kind >>> 0, (detail.flags || 0) >>> 0, now - e.startTime, e.duration,
        heap, used, size);
    }
    this._drain();
  }

  /** Starts watching (done on require). Idempotent. */
  start() {
    if (this._running) return this;
    this._running = true;
    if (this._handle.backend === 'v8') {
      this._handle.start();
    } else {
      this._observer = new PerformanceObserver((list) => this._observe(list));
      this._observer.observe({ entryTypes: ['gc'] });
    }
    // Memory outside the heap (Buffers, native) moves without any GC: read it
    // once a second. Un-referenced: it never keeps the process alive.
    this._memoryTimer = setInterval(() => {
      try {
        this._drain();
      } catch (err) {
        // A throwing listener: surface it like an EventEmitter would, outside the timer.
        process.nextTick(() => {
          throw err;
        });
      }
    }, MEMORY_TIMER_MS);
    this._memoryTimer.unref();
    this._sampling.start();
    return this;
  }

  /** Stops watching; `start()` resumes. Counters are kept. */
  stop() {
    if (!this._running) return this;
    this._running = false;
    clearInterval(this._memoryTimer);
    this._memoryTimer = null;
    this._sampling.stop();
    if (this._observer) {
      this._observer.disconnect();
      this._observer = null;
    } else {
      this._handle.stop();
    }
    this._drain();
    return this;
  }

  /**
   * Forces a full, compacting GC of everything collectable — no --expose-gc
   * needed. A 'stats' event follows asynchronously.
   */
  gc() {
    if (this._handle.gc()) return;
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      return;
    }
    if (!this._jsGc) {
      v8.setFlagsFromString('--expose-gc');
      this._jsGc = vm.runInNewContext('gc');
    }
    this._jsGc();
  }

  /** Cumulative counters, memwatch's base estimates and the latest figures. */
  getStats() {
    this._drain();
    const s = JSON.parse(this._handle.stats());
    s.backend = this.backend;
    s.running = this._running;
    s.sampling = this._sampling.stats();
    // The allocation sites that grew over the last SITES_WINDOW_MS, for dashboards.
    s.sites = this._sampling.sites(Date.now() - SITES_WINDOW_MS, SITES_PER_EVENT);
    return s;
  }

  /**
   * A longer, downsampled GC timeline for charts: every full collection,
   * young-generation ones at most once a second (plus long pauses), oldest
   * first, at most 2048 points: `[{ t, type, pause_ms, heap_used_after }]`.
   */
  getTimeline() {
    this._drain();
    return JSON.parse(this._handle.timeline());
  }

  /** The most recent collections (bounded), oldest first, as 'gc' events. */
  getHistory() {
    this._drain();
    return JSON.parse(this._handle.history());
  }

  /** @internal native cost of our GC callbacks per collection, ns (benchmarks). */
  _hookCosts() {
    return this._handle.hookCosts();
  }
}

/**
 * The services of the public instance, and what each adds to its surface.
 * The dumps and the diagnosis are built before the watchdog starts; their
 * `configure()` keys are routed to them (lib/options.js).
 */
function publicServices(lw) {
  // Heap dumps (lib/dump/): the dump options and triggers, 'dump' and 'dump-refused'.
  const dumps = new Dumper(lw);
  // The diagnosis (lib/diagnose/): 'diagnosis' and 'report' after a 'leak'; its snapshots are guarded dumps.
  const diagnosis = new Diagnoser(lw, {
    snapshot: (stage) => dumps.dumpAsync(dumps.plan(undefined, {}, `diagnose-${stage}`)),
    dumpDir: () => dumps.config.dumpDir,
  });
  return {
    dumps,
    diagnosis,
    api: {
      // The class, for `new leakwatch.LeakWatch()` (a bare watchdog).
      LeakWatch,
      // analyze, diff, findLeaks, retainers and HeapDiff, whose snapshots emit no 'stats' (lib/analysis.js).
      ...snapshotApi({ quietly: (fn) => lw._withoutStats(fn) }),
      // writeSnapshot, writeSnapshotAsync (lib/dump/dump.js).
      ...dumps.publicApi(),
      /** Cluster mode: see lib/integrations/cluster.js. In the primary, returns an emitter of every worker's events. */
      cluster: () => require('./lib/integrations/cluster.js').clusterMode(lw),
    },
  };
}

module.exports = new LeakWatch(publicServices);
