'use strict';
/**
 * What the detection bench measures of one run, beside what leakwatch said:
 * the real growth rate of each kind of memory (least-squares slopes of the
 * program's once-a-second ticks), memwatch's 5-GC rule on the same run, and
 * small statistics helpers for the summary.
 */

/** Least-squares slope of points [[tSeconds, value], …] (value per second), or null under 3 points. */
function slope(points) {
  if (points.length < 3) return null;
  const n = points.length;
  let st = 0;
  let sv = 0;
  for (const [t, v] of points) {
    st += t;
    sv += v;
  }
  const mt = st / n;
  const mv = sv / n;
  let num = 0;
  let den = 0;
  for (const [t, v] of points) {
    num += (t - mt) * (v - mv);
    den += (t - mt) * (t - mt);
  }
  return den > 0 ? num / den : null;
}

/** A tick's value of each kind: heap (V8 used heap), external (with ArrayBuffers), native (the rest of RSS). */
const KINDS = {
  heap: (k) => k.heap_used,
  external: (k) => k.external,
  native: (k) => k.rss - k.heap_total - k.external,
};

/**
 * Real growth rates (bytes/s) per kind over ticks with `from ≤ at ≤ to`
 * (epoch ms): { heap, external, native } (null where unknown).
 */
function growth(ticks, from, to) {
  const inWindow = (ticks || []).filter((k) => k.at >= from && k.at <= to && k.rss !== undefined);
  const out = {};
  for (const [kind, value] of Object.entries(KINDS)) {
    out[kind] = slope(inWindow.map((k) => [(k.at - from) / 1000, value(k)]));
  }
  return out;
}

/**
 * memwatch's leak rule (lloyd/node-memwatch, src/memwatch.cc) over one
 * thread's full-GC `stats` messages, in order: keeps `last_base` (used heap
 * right after the previous mark-sweep-compact, 0 at start-up), counts a
 * growth when the used heap after a full GC is above it, else resets the count;
 * at 5 consecutive growths it fires and counts again from 0. Returns the `at`
 * (epoch ms) of every fire.
 */
function memwatchRule(stats) {
  let lastBase = 0;
  let consecutive = 0;
  const fires = [];
  for (const s of stats) {
    const used = s.used_after ?? s.current_base;
    if (lastBase < used) {
      consecutive++;
      if (consecutive >= 5) {
        consecutive = 0;
        fires.push(s.at);
      }
    } else {
      consecutive = 0;
    }
    lastBase = used;
  }
  return fires;
}

/** memwatch's verdict on a run: fires in the leaking thread, and in threads that do not leak. */
function memwatchVerdict(sc, run, loadStart) {
  const threads = [...new Set(run.stats.map((s) => s.thread))];
  let hits = [];
  let alarms = [];
  for (const t of threads) {
    // memwatch counted every mark-sweep-compact; the bench forces none, so all of these are natural.
    const fires = memwatchRule(run.stats.filter((s) => s.thread === t));
    if (sc.leak && t === sc.thread) hits = fires;
    else alarms = alarms.concat(fires);
  }
  return { hits: hits.length, first: hits.length ? (hits[0] - loadStart) / 1000 : null, alarms: alarms.length,
    alarmsBeforeLoad: alarms.filter((at) => at < loadStart).length };
}

/** min / median / max of the numbers in `xs` (nulls dropped), or null. */
function spread(xs) {
  const v = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = v.length >> 1;
  return { n: v.length, min: v[0], median: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2, max: v[v.length - 1] };
}

module.exports = { slope, growth, memwatchRule, memwatchVerdict, spread, KINDS };
