//! Fuzz target: arbitrary bytes (plain or gzip) through the snapshot parser;
//! whatever parses is analysed and queried as the JS API would. Any panic,
//! abort, hang or runaway allocation is a bug: bad input must come back as a
//! `SnapshotError`.
#![no_main]

use leakwatch::snapshot::report::{self, SortKey, Target};
use leakwatch::snapshot::{parse, HeapDigest, Snapshot};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
  let graph = match parse::parse_bytes(data) {
    Ok(g) => g,
    Err(_) => return,
  };
  let digest = HeapDigest::from_graph(&graph);
  let _ = leakwatch::snapshot::heap_diff(&digest, &digest);
  let s = Snapshot::analyze(graph);
  let _ = report::summary_report(&s, 10, SortKey::RetainedSize);
  let _ = report::diff_report(&s, &s, 10);
  let _ = report::leaks_report(&s, &s, &s, 10);
  let first = if s.node_count() > 0 { s.graph().id(0) } else { 0 };
  let _ = report::retainers_report(&s, &Target::Id(first), 10);
  let _ = report::retainers_report(&s, &Target::Class("Object".into()), 10);
});
