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

module.exports = { churn, sleep };
