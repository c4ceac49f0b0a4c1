'use strict';
/**
 * The memory limit the kernel will enforce on this process, for the leak
 * detector's `memory-limit` forecast: the tightest memory cgroup level (v2
 * `memory.max`/`memory.current`, v1 `memory.limit_in_bytes`/
 * `memory.usage_in_bytes`, every level up to the root, read like the dump
 * guard reads them), or a limit set by hand:
 *   LEAKWATCH_MEMORY_LIMIT=1g      (bytes, or with k/m/g; usage = this process's RSS)
 *   configure({ memoryLimitBytes }) (the detector's option, same meaning)
 * The files are re-read at most every `REFRESH_MS` on the JS thread (a few
 * small reads); a missing or unreadable file means "no limit", never an error.
 */
const guard = require('./dump/dump-guard.js');
const { optionError } = require('./option-error.js');

const REFRESH_MS = 5000;
const UNITS = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** Parses `LEAKWATCH_MEMORY_LIMIT` ("1073741824", "512m", "1g"); null when unset; throws on garbage. */
function parseLimit(text) {
  if (text === undefined || text === null || String(text).trim() === '') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(text));
  const unit = m && UNITS[m[2].toLowerCase()];
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    throw optionError(`LEAKWATCH_MEMORY_LIMIT must be a byte count such as 1073741824, 512m or 1g, got ` +
      `${JSON.stringify(String(text))}`, RangeError);
  }
  return Math.round(Number(m[1]) * unit);
}

/** A reader of `[limit, usage]` (or null) for one watchdog, cached for `REFRESH_MS`. */
function reader(binding, env = process.env) {
  const fixed = parseLimit(env.LEAKWATCH_MEMORY_LIMIT);
  let at = -Infinity;
  let cached = null;
  return function read(now, rss) {
    if (fixed !== null) return [fixed, rss];
    if (now - at >= REFRESH_MS) {
      at = now;
      try {
        const v = binding.memoryCgroup(JSON.stringify(guard.cgroups(binding)));
        cached = v.length === 2 ? v : null;
      } catch {
        cached = null;
      }
    }
    return cached;
  };
}

module.exports = { reader, parseLimit };
