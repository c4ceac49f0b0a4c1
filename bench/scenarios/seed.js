'use strict';
/**
 * Deterministic draws for the detection bench. A run of a scenario draws its
 * rates, sizes and lengths from (seed, scenario name): the same pair always
 * gives the same values, on every Node version, in every thread.
 *
 *   draw(spec, seed, name) → { key: value, … }
 *
 * `spec` maps each name to
 *   [lo, hi]            a uniform draw in [lo, hi]; an integer when both bounds are integers
 *   [a, b, c, …]        one of the listed values (3 or more entries, or non-numbers)
 *   { pick: [a, b] }    one of the listed values (any length)
 *   anything else       that value, as is
 * Keys are drawn in the spec's order, so adding a key at the end leaves the
 * earlier draws unchanged.
 *
 * Used by harness.js (`params()`, the programs' draws) and by bench/detect.js
 * (draws of the load itself, e.g. upload body sizes).
 */

/** FNV-1a over the UTF-16 code units of `s`: a 32-bit unsigned hash. */
function hash32(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: a small 32-bit PRNG, uniform floats in [0, 1). */
function prng(seed, name) {
  let a = hash32(`${seed}|${name}`);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isRange = (v) => Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number';

function draw(spec, seed, name) {
  const rand = prng(seed, name);
  const out = {};
  for (const [key, v] of Object.entries(spec)) {
    if (isRange(v)) {
      const [lo, hi] = v;
      out[key] = Number.isInteger(lo) && Number.isInteger(hi) ? lo + Math.floor(rand() * (hi - lo + 1)) :
        Math.round((lo + rand() * (hi - lo)) * 1000) / 1000;
    } else if (Array.isArray(v) || (v && Array.isArray(v.pick))) {
      const list = Array.isArray(v) ? v : v.pick;
      out[key] = list[Math.floor(rand() * list.length)];
    } else {
      out[key] = v;
    }
  }
  return out;
}

/** The seed of this run: LEAKWATCH_BENCH_SEED (an integer), else 1. */
function envSeed() {
  const s = Number(process.env.LEAKWATCH_BENCH_SEED);
  return Number.isSafeInteger(s) ? s : 1;
}

module.exports = { draw, envSeed, hash32 };
