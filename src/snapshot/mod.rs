//! The heap snapshot engine: parse, summarize, dominators, diff.
//!
//! Pure Rust, no Node types: [`Snapshot::open`] parses a `.heapsnapshot`
//! (or `.heapsnapshot.gz`) and computes what Chrome DevTools computes —
//! class names, distances, dominator tree, retained sizes — and the query
//! functions below answer questions about one, two or three snapshots.
//! Everything returns plain structs or [`SnapshotError`]; nothing panics on
//! bad input. Bindings should use the functions that take object ids
//! (`@123` in DevTools); the lower-level accessors that take node
//! *ordinals* expect `n < node_count()`.
//!
//! | file | concern |
//! |------|---------|
//! | `error.rs` | [`SnapshotError`] |
//! | `scan.rs` | streaming byte scanners for numbers and JSON strings |
//! | `sections.rs` | the walk over the top-level object and its `meta` (shared with the dump redactor) |
//! | `numbers.rs` | the `nodes`/`edges`/`locations` number arrays, parsed on all cores |
//! | `parse.rs` | gzip detection, sections → columns, validation → [`HeapGraph`] |
//! | `graph.rs` | compact struct-of-arrays graph and string arena |
//! | `classes.rs` | DevTools class names |
//! | `distances.rs` | BFS distances from the GC roots (+ BFS parents) |
//! | `dominators.rs` | dominator tree (Lengauer–Tarjan), retained sizes |
//! | `bits.rs` | a bit set for per-node flags |
//! | `sizecol.rs` | 4-byte-a-node size columns that spill past 4 GB |
//! | `sizes.rs` | DevTools' shallow-size attribution |
//! | `analysis.rs` | [`Snapshot`]: graph + all derived data |
//! | `summary.rs` | Summary view by class |
//! | `diff.rs` | Comparison view of two snapshots |
//! | `leaks.rs` | three-snapshot leak candidates |
//! | `retainers.rs` | shortest retainer paths |
//! | `locations.rs` | source locations of functions |
//! | `heapdiff.rs` | memwatch's `HeapDiff` comparison and size strings |
//! | `progress.rs` | opening a file with progress reports |
//! | `report.rs` | the JSON reports returned to JS |
//! | `jobs.rs` | the requests the JS API runs off the JS thread |
//! | `tests.rs`, `tests/fixtures.rs`, `tests/perf.rs` | unit, real-snapshot and (ignored) timing tests |

pub mod analysis;
pub mod bits;
pub mod classes;
pub mod diff;
pub mod distances;
pub mod dominators;
pub mod error;
pub mod graph;
pub mod heapdiff;
pub mod jobs;
pub mod leaks;
pub mod locations;
pub mod numbers;
pub mod parse;
pub mod progress;
pub mod report;
pub mod retainers;
pub mod scan;
pub mod sections;
pub mod sizecol;
pub mod sizes;
pub mod summary;

#[cfg(test)]
#[path = "tests/fixtures.rs"]
mod fixture_tests;
#[cfg(test)]
#[path = "tests/perf.rs"]
mod perf_tests;
#[cfg(test)]
mod tests;

pub use analysis::{NodeInfo, Snapshot};
pub use diff::{diff, ClassDiff};
pub use distances::{BASE_SYSTEM_DISTANCE, NO_DISTANCE};
pub use error::{ErrorKind, SnapshotError};
pub use graph::HeapGraph;
pub use heapdiff::{heap_diff, nice_size, HeapDiffReport, HeapDigest};
pub use jobs::Job;
pub use leaks::{leak_candidates, LeakClass, LeakPathGroup, LeakReport};
pub use locations::{function_locations, location_of, SourceLocation};
pub use retainers::{class_retainer_path, retainer_path, retainers_of, PathStep, Retainer, RetainerPath};
pub use summary::{class_instances, summary, ClassSummary};
