'use strict';
/**
 * Creates a directory and its missing parents, bounded.
 *
 * Node's own `fs.mkdirSync(dir, { recursive: true })` loops forever when a
 * parent is in a pseudo-filesystem that answers ENOENT to mkdir (e.g.
 * `/proc/self/no-such-dir/x` on Node 20, 22 and 24): the host process hangs.
 * This walks up with `stat` until it finds an existing directory (at most
 * `MAX_DEPTH` levels), then creates each missing level once, top down. Any
 * failure throws the system error of the level that failed; it never loops.
 */
const fs = require('node:fs');
const path = require('node:path');

const MAX_DEPTH = 128;

function mkdirBounded(dir, mode = 0o700) {
  const missing = [];
  let cur = path.resolve(dir);
  for (;;) {
    let st = null;
    try {
      st = fs.statSync(cur);
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
    if (st) {
      if (!st.isDirectory()) {
        const e = new Error(`ENOTDIR: not a directory, mkdir '${cur}'`);
        e.code = 'ENOTDIR';
        e.path = cur;
        throw e;
      }
      break;
    }
    missing.push(cur);
    const parent = path.dirname(cur);
    if (parent === cur || missing.length > MAX_DEPTH) {
      const e = new Error(`ENOENT: no existing parent directory within ${MAX_DEPTH} levels of '${dir}'`);
      e.code = 'ENOENT';
      e.path = dir;
      throw e;
    }
    cur = parent;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d, { mode });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
  }
}

module.exports = { mkdirBounded };
