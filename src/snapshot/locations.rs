//! Source locations of functions (and of objects, via their constructor).
//!
//! V8's `locations` array maps a node to `(script_id, line, column)`, both
//! 0-based. Script ids are turned into names through the graph itself: a
//! closure's `shared` edge leads to its SharedFunctionInfo, whose `script`
//! (older V8) or `script_or_debug_info` edge leads to the Script node,
//! which V8 names after the script's URL/path. Every script id resolved
//! that way names the script for all locations with that id. Lines and
//! columns are reported 1-based, as DevTools displays them.

use std::collections::HashMap;

use super::analysis::Snapshot;
use super::graph::{HeapGraph, RawLocation};

/// A source position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
  pub script_id: u32,
  /// The script's name (usually a path or URL), when the snapshot has it.
  pub script_name: Option<String>,
  /// 1-based line.
  pub line: u32,
  /// 1-based column.
  pub column: u32,
}

/// Script id → script name, learnt from the graph.
pub fn script_names(g: &HeapGraph) -> HashMap<u32, String> {
  let mut names = HashMap::new();
  for loc in g.locations() {
    if names.contains_key(&loc.script_id) {
      continue;
    }
    if let Some(name) = script_name_of_function(g, loc.node) {
      names.insert(loc.script_id, name);
    }
  }
  names
}

/// Follows `closure -shared-> SharedFunctionInfo -script-> Script`.
fn script_name_of_function(g: &HeapGraph, n: u32) -> Option<String> {
  let shared = g.child_by_edge_name(n, "shared")?;
  let script = g
    .child_by_edge_name(shared, "script")
    .or_else(|| g.child_by_edge_name(shared, "script_or_debug_info"))?;
  // With a DebugInfo in between, the script hangs off it.
  let script = if g.name(script).starts_with("system / ") {
    g.child_by_edge_name(script, "script")?
  } else {
    script
  };
  let name = g.name(script);
  if name.is_empty() || g.node_type(script) != g.node_types().code {
    None
  } else {
    Some(name.to_string())
  }
}

/// Script names plus the locations sorted by node, for repeated lookups.
pub struct LocationIndex {
  names: HashMap<u32, String>,
  sorted: Vec<RawLocation>,
}

impl LocationIndex {
  /// Indexes the locations of `g`.
  pub fn new(g: &HeapGraph) -> Self {
    let mut sorted = g.locations().to_vec();
    sorted.sort_by_key(|l| l.node);
    LocationIndex {
      names: script_names(g),
      sorted,
    }
  }

  /// Location of node ordinal `n`.
  pub fn get(&self, n: u32) -> Option<SourceLocation> {
    let i = self.sorted.partition_point(|l| l.node < n);
    let loc = self.sorted.get(i).filter(|l| l.node == n)?;
    Some(SourceLocation {
      script_id: loc.script_id,
      script_name: self.names.get(&loc.script_id).cloned(),
      line: loc.line.saturating_add(1),
      column: loc.column.saturating_add(1),
    })
  }
}

/// Location of the object with id `id` (a closure, or an object whose
/// constructor V8 could locate).
pub fn location_of(s: &Snapshot, id: u32) -> Option<SourceLocation> {
  let n = s.node_by_id(id)?;
  LocationIndex::new(s.graph()).get(n)
}

/// Locations of all closures named `function_name`, as (node id, location),
/// sorted by id.
pub fn function_locations(s: &Snapshot, function_name: &str) -> Vec<(u32, SourceLocation)> {
  let g = s.graph();
  let index = LocationIndex::new(g);
  let closure = g.node_types().closure;
  let mut out: Vec<(u32, SourceLocation)> = (0..g.node_count() as u32)
    .filter(|&n| g.node_type(n) == closure && g.name(n) == function_name)
    .filter_map(|n| index.get(n).map(|l| (g.id(n), l)))
    .collect();
  out.sort_by_key(|(id, _)| *id);
  out
}
