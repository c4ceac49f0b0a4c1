'use strict';
// Shared by the node:test files (not a test file itself).

/** Allocates `n` small objects, keeping at most `cap` alive: young-generation GCs, some promotion. */
function churn(n = 300000, cap = 20000) {
  let keep = [];
  for (let i = 0; i < n; i++) {
    keep.push({ i });
    if (keep.length > cap) keep = [];
  }
  return keep.length;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Windows has no Unix permission bits: file-mode assertions hold on POSIX systems only. */
const POSIX_MODES = process.platform !== 'win32';

/** Asserts `file`'s permission bits (POSIX only). */
function assertMode(file, mode, message) {
  if (!POSIX_MODES) return;
  require('node:assert').strictEqual(require('node:fs').statSync(file).mode & 0o777, mode, message);
}

/**
 * The backend a test run expects: the forced one, else 'v8'. On Windows the
 * MSVC-mangled symbols are resolved too but have never been exercised, so there
 * whatever the loader chose (it says why in backendReason) is accepted.
 */
function expectedBackend(actual) {
  if (process.env.LEAKWATCH_BACKEND === 'perf_hooks') return 'perf_hooks';
  return process.platform === 'win32' && actual ? actual : 'v8';
}

module.exports = { churn, sleep, POSIX_MODES, assertMode, expectedBackend };
