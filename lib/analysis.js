'use strict';
/**
 * Heap-snapshot analysis for JS callers: `analyze`, `diff`,
 * `findLeaks`, `retainers` and memwatch's `HeapDiff`, on top of the Rust
 * snapshot engine (`src/snapshot/`, binding in `src/binding/snapshot.rs`).
 * What the leakwatch module gets from here is `snapshotApi()`'s object;
 * the CLI and the diagnosis' analysis process use the four analyses
 * directly.
 *
 * The four analyses run on the libuv threadpool and return Promises. The
 * native side always resolves with JSON (`{ok}` or `{error}`); here an
 * error becomes a rejected `Error` with `code` (ERR_LEAKWATCH_SNAPSHOT_IO,
 * _SYNTAX, _FORMAT, _QUERY, _INTERNAL), `offset` (byte offset in the
 * decompressed snapshot text, when known) and a hint on what to do.
 * `opts.onProgress(phase, fraction)` is called from the event loop while
 * the work runs and never after the Promise settles.
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const binding = require('./load-binding.js').loadBinding();

function argError(fn, msg) {
  const e = new TypeError(`leakwatch.${fn}: ${msg}`);
  e.code = 'ERR_INVALID_ARG_TYPE';
  return e;
}

function checkPath(fn, what, p) {
  if (typeof p !== 'string' || p.length === 0) {
    throw argError(fn, `${what} must be a non-empty path string, got ${p === null ? 'null' : typeof p}`);
  }
  return path.resolve(p);
}

function checkOpts(fn, opts) {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object' || Array.isArray(opts)) throw argError(fn, 'options must be an object');
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') {
    throw argError(fn, 'options.onProgress must be a function');
  }
  return opts;
}

/** `top`: a positive integer, or Infinity/0 for everything. */
function topOf(fn, opts) {
  const t = opts.top;
  if (t === undefined) return undefined;
  if (t === Infinity || t === 0) return 0xffffffff;
  if (!Number.isInteger(t) || t < 0) throw argError(fn, `options.top must be a positive integer or Infinity, got ${t}`);
  return Math.min(t, 0xffffffff);
}

function snapshotError(fn, err) {
  // The engine's error says what, where (offset) and what to do (hint), and
  // its stable code (src/snapshot/error.rs).
  const e = new Error(`leakwatch.${fn}: ${err.message} (${err.hint})`);
  e.code = err.code;
  e.kind = err.kind;
  e.offset = err.offset === null ? undefined : err.offset;
  return e;
}

/**
 * Runs one native task. `start(onProgress)` returns the native Promise; the
 * progress callback is muted once this Promise settles.
 */
async function run(fn, opts, start) {
  let settled = false;
  const user = opts.onProgress;
  const onProgress = user ? (...a) => {
    if (settled) return;
    const [phase, fraction] = Array.isArray(a[0]) ? a[0] : a;
    user(phase, fraction);
  } : undefined;
  let text;
  try {
    text = await start(onProgress);
  } finally {
    settled = true;
  }
  const out = JSON.parse(text);
  if (out.error) throw snapshotError(fn, out.error);
  return out.ok;
}

/**
 * Summary of one snapshot by class: `{node_count, edge_count, total_count,
 * total_self_size, total_retained_size, class_count, classes: [{name, count,
 * self_size, retained_size, distance}]}`. Options: `top` (default 50),
 * `sort` ('retained_size' default, 'self_size', 'count'), `onProgress`.
 */
async function analyze(file, opts) {
  const p = checkPath('analyze', 'path', file);
  const o = checkOpts('analyze', opts);
  const top = topOf('analyze', o);
  if (o.sort !== undefined && !['retained_size', 'self_size', 'count'].includes(o.sort)) {
    throw argError('analyze', `options.sort must be 'retained_size', 'self_size' or 'count', got ${o.sort}`);
  }
  return run('analyze', o, (cb) => binding.analyzeSnapshot(p, top, o.sort, cb));
}

/**
 * What changed from snapshot `a` to snapshot `b` (same process): per class
 * `added_count`, `removed_count`, `count_delta`, `added_size`,
 * `removed_size`, `size_delta`, plus totals. Options: `top` (50), `onProgress`.
 */
async function diff(a, b, opts) {
  const pa = checkPath('diff', 'a', a);
  const pb = checkPath('diff', 'b', b);
  const o = checkOpts('diff', opts);
  const top = topOf('diff', o);
  return run('diff', o, (cb) => binding.diffSnapshots(pa, pb, top, cb));
}

/**
 * Three-snapshot leak candidates: objects allocated between `baseline` and
 * `target` still alive in `final`, `by_class` and `by_path` (with a sample
 * retainer path and the closures on it with `file:line:column`). Options:
 * `top` (20), `onProgress`.
 */
async function findLeaks(snapshots, opts) {
  if (snapshots === null || typeof snapshots !== 'object') {
    throw argError('findLeaks', 'expected { baseline, target, final } snapshot paths');
  }
  const b = checkPath('findLeaks', 'baseline', snapshots.baseline);
  const t = checkPath('findLeaks', 'target', snapshots.target);
  const f = checkPath('findLeaks', 'final', snapshots.final);
  const o = checkOpts('findLeaks', opts);
  const top = topOf('findLeaks', o);
  return run('findLeaks', o, (cb) => binding.findLeakCandidates(b, t, f, top, cb));
}

/**
 * Who retains what: `nodeIdOrClass` is a snapshot object id (a number or
 * '@123') or a class name. For an id: `{node, location, path, steps,
 * closures, retainer_count, retainers}`; for a class: `{class_name, count,
 * instances, path, steps, closures}`. Options: `top` (20), `onProgress`.
 */
async function retainers(file, nodeIdOrClass, opts) {
  const p = checkPath('retainers', 'path', file);
  const o = checkOpts('retainers', opts);
  const top = topOf('retainers', o);
  let id;
  let cls;
  if (typeof nodeIdOrClass === 'number' || (typeof nodeIdOrClass === 'string' && /^@\d+$/.test(nodeIdOrClass))) {
    id = typeof nodeIdOrClass === 'number' ? nodeIdOrClass : Number(nodeIdOrClass.slice(1));
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw argError('retainers', `node id must be an integer between 0 and 2^32-1, got ${nodeIdOrClass}`);
    }
  } else if (typeof nodeIdOrClass === 'string' && nodeIdOrClass.length > 0) {
    cls = nodeIdOrClass;
  } else {
    throw argError('retainers', 'expected a node id (number or "@123") or a class name');
  }
  return run('retainers', o, (cb) => binding.snapshotRetainers(p, id, cls, top, cb));
}

/**
 * memwatch's HeapDiff: `const hd = new HeapDiff(); ...; hd.end()`. Both
 * steps take a heap snapshot synchronously, as memwatch does, through
 * `quietly(fn)`: the leakwatch module passes a runner that keeps the
 * collections the snapshot causes out of `stats` events, as memwatch did.
 */
function heapDiffClass(quietly) {
  /** Writes a snapshot of this isolate to a private temp file and digests it. */
  function takeDigest() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-heapdiff-'));
    const file = path.join(dir, 'heap.heapsnapshot');
    try {
      fs.closeSync(fs.openSync(file, 'w', 0o600));
      quietly(() => v8.writeHeapSnapshot(file));
      return binding.HeapDiffSnapshot.fromFile(file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  return function HeapDiff() {
    if (!new.target) throw new TypeError('Use the new operator to create instances of this object.');
    let before = takeDigest();
    let ended = false;
    Object.defineProperty(this, 'end', {
      value: function end() {
        if (ended) throw new Error('attempt to end() a HeapDiff that was already ended');
        ended = true;
        const after = takeDigest();
        const r = JSON.parse(before.compare(after));
        before = null;
        // memwatch's key order.
        const side = (s) => ({ nodes: s.nodes, size_bytes: s.size_bytes, size: s.size });
        return {
          before: side(r.before),
          after: side(r.after),
          change: {
            size_bytes: r.change.size_bytes,
            size: r.change.size,
            freed_nodes: r.change.freed_nodes,
            allocated_nodes: r.change.allocated_nodes,
            details: r.change.details.map((d) => ({
              what: d.what, size_bytes: d.size_bytes, size: d.size, '+': d['+'], '-': d['-'],
            })),
          },
        };
      },
    });
  };
}

/**
 * What this module adds to the public leakwatch object (index.js):
 * `analyze`, `diff`, `findLeaks`, `retainers` and `HeapDiff`, whose
 * snapshots run through `quietly(fn)`.
 */
function snapshotApi({ quietly }) {
  return { analyze, diff, findLeaks, retainers, HeapDiff: heapDiffClass(quietly) };
}

module.exports = { analyze, diff, findLeaks, retainers, snapshotApi };
