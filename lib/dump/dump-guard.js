'use strict';
/**
 * Gathers what the dump guard needs — live heap, /proc/meminfo, the memory
 * cgroup (v2 and v1, every level up to the root), the file-size limit
 * (/proc/self/limits), free disk and filesystem type of the target directory — and asks the Rust guard
 * (`src/dump/guards.rs`) for a verdict. Every read is best effort: a missing
 * file is an unknown number, never an error.
 */
const fs = require('node:fs');
const v8 = require('node:v8');
const path = require('node:path');

const TMPFS_MAGIC = 0x01021994;

function read(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function cgroups(binding) {
  const own = read('/proc/self/cgroup');
  if (own === null) return [];
  const out = [];
  const seen = new Set();
  for (const [v2, rel] of JSON.parse(binding.dumpCgroupPaths(own))) {
    const dir = v2 ? path.join('/sys/fs/cgroup', rel) : path.join('/sys/fs/cgroup/memory', rel);
    if (seen.has(dir)) continue;
    seen.add(dir);
    const max = read(path.join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes'));
    const current = read(path.join(dir, v2 ? 'memory.current' : 'memory.usage_in_bytes'));
    if (max === null || current === null) continue;
    out.push({ v2, max, current, stat: read(path.join(dir, 'memory.stat')) });
  }
  return out;
}

function disk(dir) {
  if (typeof fs.statfsSync !== 'function') return { diskFree: null, tmpfs: false }; // Node < 18.15
  try {
    const s = fs.statfsSync(dir);
    return { diskFree: Number(s.bavail) * Number(s.bsize), tmpfs: Number(s.type) === TMPFS_MAGIC };
  } catch {
    return { diskFree: null, tmpfs: false };
  }
}

/** The guard verdict for a dump into `dir`: {ok, reason, heap_used, memory_needed, …}. */
function check(binding, dir, { gzip, redact, memoryFactor, fileFactor }) {
  const input = {
    heapUsed: v8.getHeapStatistics().used_heap_size,
    meminfo: read('/proc/meminfo'),
    limits: read('/proc/self/limits'),
    cgroups: cgroups(binding),
    ...disk(dir),
    gzip,
    redact,
    memoryFactor,
    fileFactor,
  };
  return JSON.parse(binding.dumpGuard(JSON.stringify(input)));
}

module.exports = { check, cgroups };
