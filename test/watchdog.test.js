'use strict';
// The watchdog on the current Node version and backend: event shapes and
// plausibility, gc(), counters, history, stop/start.
// Run by test/run.js on every Node version, once per backend.
const test = require('node:test');
const assert = require('node:assert');
const { once } = require('node:events');
const { PerformanceObserver } = require('node:perf_hooks');
const leakwatch = require('..');

const expectedBackend = require('./helpers.js').expectedBackend(leakwatch.backend);
const native = expectedBackend === 'v8';

const STATS_NUMBERS = [
  'num_full_gc', 'num_inc_gc', 'heap_compactions', 'usage_trend', 'estimated_base', 'current_base', 'min', 'max',
  'gc_ts', 'gcScavengeCount', 'gcScavengeTime', 'gcMarkSweepCompactCount', 'gcMarkSweepCompactTime',
  'gcIncrementalMarkingCount', 'gcIncrementalMarkingTime', 'gcProcessWeakCallbacksCount',
  'gcProcessWeakCallbacksTime', 'total_heap_size', 'total_heap_size_executable', 'total_physical_size',
  'total_available_size', 'used_heap_size', 'heap_size_limit', 'malloced_memory', 'peak_malloced_memory',
  'gc_time', 'seq', 'flags', 'pause_ms', 'heap_used_after', 'external_memory',
];
const GC_NUMBERS = [
  'seq', 'kind', 'flags', 'start', 'end', 'pause_ms', 'hook_ns', 'heap_used_after', 'total_heap_size', 'heap_size_limit',
  'external_memory', 'malloced_memory',
];
const KINDS = ['scavenge', 'minor-mark-compact', 'minor-mark-sweep', 'mark-sweep-compact', 'incremental-marking',
  'process-weak-callbacks'];

function makeGarbage(mb) {
  let keep = [];
  for (let i = 0; i < mb * 10; i++) {
    keep.push(new Array(12000).fill(i)); // ~100 KB each
    if (keep.length > 20) keep = [];
  }
  return keep.length;
}

function checkSpaces(spaces) {
  assert.strictEqual(typeof spaces, 'object');
  const names = Object.keys(spaces);
  for (const n of ['new_space', 'old_space', 'code_space', 'large_object_space']) {
    assert.ok(names.includes(n), `spaces has ${n}: ${names}`);
  }
  for (const n of names) assert.ok(Number.isSafeInteger(spaces[n]) && spaces[n] >= 0, `${n}=${spaces[n]}`);
  assert.ok(spaces.old_space > 0);
}

test('backend is the expected one', () => {
  assert.strictEqual(leakwatch.backend, expectedBackend, `reason: ${leakwatch.backendReason}`);
  if (native) assert.strictEqual(leakwatch.backendReason, null);
  else assert.match(leakwatch.backendReason, /perf_hooks/);
});

test('exports the memwatch surface, usable unbound', () => {
  for (const f of ['on', 'once', 'off', 'removeAllListeners', 'gc', 'getStats', 'getHistory', 'start', 'stop']) {
    assert.strictEqual(typeof leakwatch[f], 'function', f);
  }
  const { on, off } = leakwatch;
  const h = () => {};
  on('stats', h);
  assert.strictEqual(leakwatch.listenerCount('stats'), 1);
  off('stats', h);
  assert.strictEqual(leakwatch.listenerCount('stats'), 0);
});

test('gc() yields a stats event with every field present, typed and plausible', async () => {
  makeGarbage(30);
  const before = leakwatch.getStats();
  const got = once(leakwatch, 'stats');
  leakwatch.gc();
  const [s] = await got;
  for (const k of STATS_NUMBERS) {
    assert.strictEqual(typeof s[k], 'number', `${k} is ${typeof s[k]}`);
    assert.ok(Number.isFinite(s[k]), `${k}=${s[k]}`);
  }
  assert.strictEqual(s.type, 'mark-sweep-compact');
  assert.strictEqual(typeof s.forced, 'boolean');
  checkSpaces(s.spaces);
  assert.ok(s.num_full_gc >= 1 && s.num_full_gc === s.gcMarkSweepCompactCount);
  assert.ok(s.num_full_gc > before.num_full_gc);
  assert.ok(s.pause_ms > 0, `pause ${s.pause_ms}`);
  assert.ok(s.gc_time > 0 && Math.abs(s.gc_time / 1e6 - s.pause_ms) < 1e-3);
  assert.ok(s.used_heap_size === s.heap_used_after && s.current_base === s.used_heap_size);
  assert.ok(s.used_heap_size > 1e6 && s.used_heap_size <= s.total_heap_size, `${s.used_heap_size}`);
  assert.ok(s.total_heap_size <= s.heap_size_limit);
  assert.ok(s.heap_size_limit > 16 * 1024 * 1024);
  assert.ok(Math.abs(s.gc_ts / 1000 - Date.now()) < 60000, `gc_ts ${s.gc_ts} is epoch microseconds`);
  if (native) {
    assert.strictEqual(typeof s.heap_used_before, 'number');
    assert.ok(s.heap_used_after <= s.heap_used_before, `${s.heap_used_after} <= ${s.heap_used_before}`);
  } else {
    assert.strictEqual(s.heap_used_before, null);
  }
});

test('gc events: every kind named, fields typed, pauses positive, counts increasing', async () => {
  const seen = [];
  const h = (g) => seen.push(g);
  leakwatch.on('gc', h);
  makeGarbage(60);
  leakwatch.gc();
  await new Promise((r) => setTimeout(r, 50));
  leakwatch.off('gc', h);
  assert.ok(seen.length >= 3, `saw ${seen.length} gc events`);
  let lastSeq = 0;
  for (const g of seen) {
    for (const k of GC_NUMBERS) assert.strictEqual(typeof g[k], 'number', `${k} is ${typeof g[k]}`);
    assert.ok(KINDS.includes(g.type), g.type);
    assert.ok(g.seq > lastSeq, 'seq increases');
    lastSeq = g.seq;
    assert.ok(g.pause_ms >= 0 && g.pause_ms < 10000);
    assert.ok(g.end >= g.start);
    checkSpaces(g.spaces);
    if (native) assert.strictEqual(typeof g.heap_used_before, 'number');
  }
  assert.ok(seen.some((g) => g.type === 'scavenge'), 'a scavenge was seen');
  assert.ok(seen.some((g) => g.type === 'mark-sweep-compact'), 'a full GC was seen');
  assert.ok(seen.filter((g) => g.pause_ms > 0).length >= seen.length / 2, 'pauses are measured');
  const minor = seen.filter((g) => g.type === 'scavenge' && native);
  for (const g of minor) assert.ok(g.heap_used_before > 0);
});

test('getStats counts increase and getHistory is bounded', async () => {
  const a = leakwatch.getStats();
  makeGarbage(20);
  leakwatch.gc();
  await new Promise((r) => setTimeout(r, 20));
  const b = leakwatch.getStats();
  assert.strictEqual(b.backend, expectedBackend);
  assert.ok(b.num_gc > a.num_gc, `${b.num_gc} > ${a.num_gc}`);
  assert.ok(b.gc_time_ms > a.gc_time_ms);
  assert.ok(b.by_type['mark-sweep-compact'].count > a.by_type['mark-sweep-compact'].count);
  assert.strictEqual(b.last_stats.type, 'mark-sweep-compact');
  const h = leakwatch.getHistory();
  assert.ok(h.length > 0 && h.length <= 256, `history ${h.length}`);
  assert.strictEqual(h[h.length - 1].seq, b.last_gc.seq);
});

test('stop() silences events and start() resumes them', async () => {
  let n = 0;
  const h = () => n++;
  leakwatch.on('gc', h);
  leakwatch.stop();
  assert.strictEqual(leakwatch.running, false);
  const before = leakwatch.getStats().num_gc;
  makeGarbage(20);
  await new Promise((r) => setTimeout(r, 20));
  assert.strictEqual(n, 0);
  assert.strictEqual(leakwatch.getStats().num_gc, before);
  leakwatch.start();
  makeGarbage(20);
  leakwatch.gc();
  await new Promise((r) => setTimeout(r, 50));
  leakwatch.off('gc', h);
  assert.ok(n > 0, 'events resume after start()');
});

test('getTimeline keeps every full GC and thins young ones, bounded', async () => {
  makeGarbage(40);
  leakwatch.gc();
  await new Promise((r) => setTimeout(r, 20));
  const t = leakwatch.getTimeline();
  assert.ok(t.length > 0 && t.length <= 2048);
  const fullInHistory = leakwatch.getHistory().filter((g) => g.type === 'mark-sweep-compact');
  const fullInTimeline = new Set(t.filter((p) => p.type === 'mark-sweep-compact').map((p) => p.t));
  for (const g of fullInHistory) assert.ok(fullInTimeline.has(g.end), 'every full GC is on the timeline');
  for (let i = 1; i < t.length; i++) assert.ok(t[i].t >= t[i - 1].t, 'oldest first');
  for (const p of t) {
    assert.ok(KINDS.includes(p.type));
    assert.ok(Number.isFinite(p.pause_ms) && p.heap_used_after > 0);
  }
});

// Synchronous drain (getHistory) only exists for natively collected records;
// perf_hooks delivers asynchronously, where a throw is an uncaught exception.
test('a throwing listener does not cost the other events of its batch', { skip: !native }, async () => {
  const seen = [];
  const boom = () => {
    throw new Error('listener bug');
  };
  const record = (g) => seen.push(g.seq);
  leakwatch.on('gc', record);
  leakwatch.on('gc', boom); // throws after `record` ran, for every event
  let caught = null;
  makeGarbage(20);
  try {
    leakwatch.getHistory(); // drains synchronously: the error surfaces here
  } catch (err) {
    caught = err;
  }
  leakwatch.off('gc', boom);
  leakwatch.off('gc', record);
  assert.ok(caught && /listener bug/.test(caught.message));
  assert.ok(seen.length >= 2, `the later listener still saw every event (${seen.length})`);
});

// Native backend: young-generation collections have nothing to deliver
// unless 'gc' has listeners, so they wait in the ring (src/watch.rs wake_due)
// instead of waking the JS thread hundreds of times a second.
test('young collections wake the JS thread only while gc has listeners', { skip: !native }, async () => {
  const HIGH_WATER = 128; // src/watch/mod.rs WAKE_HIGH_WATER
  let wakes = 0;
  // The allocation sampler asks for one wake-up after a collection every
  // sitesEveryMs (tested in sampling.test.js): off here, so only the rule
  // for young collections is counted.
  const sampling = leakwatch.getConfig().sampling;
  leakwatch.configure({ sampling: false });
  // Only the native side's wake-ups count (the 1 s memory timer drains too).
  leakwatch._wake = function countedWake() {
    wakes += 1;
    return Object.getPrototypeOf(this)._wake.call(this);
  };
  const kinds = (s) => ({ all: s.num_gc, full: s.by_type['mark-sweep-compact'].count });
  // Allocates young garbage, a turn of the event loop at a time, until V8
  // reports 24 collections (young generations differ in size across Node
  // versions) or 400 turns; returns the wake-ups those turns took and the
  // collections leakwatch counted.
  async function run(beforeSync = () => {}) {
    await new Promise((resolve) => setImmediate(resolve)); // a wake-up queued before this run lands here
    const a = kinds(leakwatch.getStats());
    wakes = 0;
    let reported = 0;
    const observer = new PerformanceObserver((list) => {
      reported += list.getEntries().length;
    });
    observer.observe({ entryTypes: ['gc'] });
    for (let r = 0; r < 400 && reported < 24; r++) {
      makeGarbage(4);
      await new Promise((resolve) => setImmediate(resolve));
    }
    observer.disconnect();
    const w = wakes;
    beforeSync();
    const b = kinds(leakwatch.getStats());
    return { wakes: w, all: b.all - a.all, full: b.full - a.full };
  }
  try {
    const quiet = await run();
    assert.ok(quiet.all - quiet.full >= 10, `young collections happened: ${JSON.stringify(quiet)}`);
    assert.ok(quiet.wakes <= quiet.full + Math.floor(quiet.all / HIGH_WATER),
      `no wake-up for young collections alone: ${JSON.stringify(quiet)}`);
    let delivered = 0;
    const h = () => delivered++;
    leakwatch.once('gc', () => {}); // once() adds and removes through the same path
    leakwatch.on('gc', h);
    let early = 0;
    const eager = await run(() => {
      early = delivered;
    });
    assert.ok(eager.all >= 10);
    assert.ok(early >= eager.all - 1, `'gc' events arrive as they happen: ${early} of ${eager.all} before a sync drain`);
    leakwatch.removeAllListeners('gc');
    const again = await run();
    assert.ok(again.wakes <= again.full + Math.floor(again.all / HIGH_WATER),
      `listeners gone, wake-ups stop again: ${JSON.stringify(again)}`);
  } finally {
    delete leakwatch._wake;
    leakwatch.configure({ sampling });
  }
});
