//! The snapshot-engine binding (issue 5): analysis of heap snapshots off the
//! JS thread, wrapped by `lib/analysis.js`.
