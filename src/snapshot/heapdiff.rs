//! memwatch's `HeapDiff` on our parsed graph.
//!
//! memwatch (lloyd/node-memwatch and its forks, `src/heapdiff.cc`) compares
//! two in-process snapshots like this, and so do we:
//!
//! * a snapshot's node *set* is every node reachable from the snapshot root
//!   over **all** edges (weak ones included), except that an `object` node
//!   named `HeapDiff` is neither counted nor walked through (the diffing
//!   machinery itself is left out);
//! * `nodes` is the snapshot's total node count (reachable or not);
//!   `size_bytes` is the sum of the raw self sizes of the node set;
//! * freed nodes are ids in the before set but not in the after set,
//!   allocated nodes the reverse;
//! * `details` has one row per "what", in byte order of the name: `array` →
//!   `Array`, `string` → `String`, `object` → its name (the constructor),
//!   `code` → `Code`, `closure` → `Closure`, `regexp` → `RegExp`, `number`
//!   → `Number`, `native` → `Native`; nodes of every other type (hidden,
//!   synthetic, concatenated/sliced strings, symbols, bigints, shapes) count
//!   as freed/allocated but get no row. A row's `size_bytes` is the added
//!   self sizes minus the freed ones, `+`/`-` the counts.
//!
//! Differences, on purpose: sums are 64-bit (memwatch's `int` wrapped above
//! 2 GiB), and only a compact digest of each snapshot is kept between
//! `new HeapDiff()` and `end()` — 12 bytes per reachable node — instead of
//! the whole snapshot.

use std::collections::BTreeMap;
use std::collections::HashMap;

use super::graph::HeapGraph;

/// `what` index of nodes that memwatch leaves out of `details`.
const NO_WHAT: u32 = u32::MAX;

/// The part of one snapshot that memwatch's comparison needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeapDigest {
  /// Total number of nodes in the snapshot.
  pub nodes: u64,
  /// Sum of the self sizes of the reachable nodes.
  pub size_bytes: u64,
  whats: Vec<String>,
  /// (id, what index, self size) of every reachable node, sorted by id,
  /// ids unique.
  entries: Vec<(u32, u32, u32)>,
}

/// Totals of one side of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapTotals {
  pub nodes: u64,
  pub size_bytes: u64,
}

/// One row of `change.details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeapDiffDetail {
  pub what: String,
  pub size_bytes: i64,
  /// `+`: allocated nodes of this kind.
  pub added: u64,
  /// `-`: freed nodes of this kind.
  pub removed: u64,
}

/// memwatch's `hd.end()` result, before formatting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeapDiffReport {
  pub before: HeapTotals,
  pub after: HeapTotals,
  pub size_bytes: i64,
  pub freed_nodes: u64,
  pub allocated_nodes: u64,
  pub details: Vec<HeapDiffDetail>,
}

/// memwatch's name for the kind of node `n`, or `None` for kinds it skips.
fn what_of(g: &HeapGraph, n: u32) -> Option<&str> {
  let t = g.node_type(n);
  let ty = g.node_types();
  if t == ty.array {
    Some("Array")
  } else if t == ty.string {
    Some("String")
  } else if t == ty.object {
    Some(g.name(n))
  } else if t == ty.code {
    Some("Code")
  } else if t == ty.closure {
    Some("Closure")
  } else if t == ty.regexp {
    Some("RegExp")
  } else if t == ty.number {
    Some("Number")
  } else if t == ty.native {
    Some("Native")
  } else {
    None
  }
}

impl HeapDigest {
  /// Walks `g` from its root as memwatch does and keeps what the
  /// comparison needs.
  pub fn from_graph(g: &HeapGraph) -> HeapDigest {
    let object = g.node_types().object;
    let skipped = |n: u32| g.node_type(n) == object && g.name(n) == "HeapDiff";
    let mut seen = vec![false; g.node_count()];
    let mut whats: Vec<String> = Vec::new();
    let mut what_ids: HashMap<&str, u32> = HashMap::new();
    let mut entries = Vec::new();
    let mut size_bytes = 0u64;
    let mut stack = Vec::new();
    let root = g.root();
    if g.node_count() > 0 && !skipped(root) {
      seen[root as usize] = true;
      stack.push(root);
    }
    while let Some(n) = stack.pop() {
      let size = g.self_size(n);
      size_bytes += u64::from(size);
      let what = match what_of(g, n) {
        Some(name) => *what_ids.entry(name).or_insert_with(|| {
          whats.push(name.to_string());
          whats.len() as u32 - 1
        }),
        None => NO_WHAT,
      };
      entries.push((g.id(n), what, size));
      for e in g.edges(n) {
        let to = g.edge_to(e);
        if !seen[to as usize] && !skipped(to) {
          seen[to as usize] = true;
          stack.push(to);
        }
      }
    }
    entries.sort_unstable_by_key(|&(id, _, _)| id);
    // memwatch keys its sets by id: a repeated id counts once.
    entries.dedup_by_key(|&mut (id, _, _)| id);
    HeapDigest {
      nodes: g.node_count() as u64,
      size_bytes,
      whats,
      entries,
    }
  }

  /// Number of reachable nodes (ids) in the digest.
  pub fn reachable(&self) -> usize {
    self.entries.len()
  }

  fn totals(&self) -> HeapTotals {
    HeapTotals {
      nodes: self.nodes,
      size_bytes: self.size_bytes,
    }
  }

  fn what(&self, k: u32) -> Option<&str> {
    self.whats.get(k as usize).map(|s| s.as_str())
  }
}

/// Compares two digests the way memwatch's `HeapDiff.end()` does.
pub fn heap_diff(before: &HeapDigest, after: &HeapDigest) -> HeapDiffReport {
  let mut rows: BTreeMap<&str, (i64, u64, u64)> = BTreeMap::new();
  let (mut freed, mut allocated) = (0u64, 0u64);
  let (a, b) = (&before.entries, &after.entries);
  let (mut i, mut j) = (0, 0);
  while i < a.len() || j < b.len() {
    let freed_here = j >= b.len() || (i < a.len() && a[i].0 < b[j].0);
    let added_here = i >= a.len() || (j < b.len() && b[j].0 < a[i].0);
    if freed_here {
      freed += 1;
      let (_, k, size) = a[i];
      if let Some(what) = before.what(k) {
        let row = rows.entry(what).or_default();
        row.0 -= i64::from(size);
        row.2 += 1;
      }
      i += 1;
    } else if added_here {
      allocated += 1;
      let (_, k, size) = b[j];
      if let Some(what) = after.what(k) {
        let row = rows.entry(what).or_default();
        row.0 += i64::from(size);
        row.1 += 1;
      }
      j += 1;
    } else {
      i += 1;
      j += 1;
    }
  }
  HeapDiffReport {
    before: before.totals(),
    after: after.totals(),
    size_bytes: after.size_bytes as i64 - before.size_bytes as i64,
    freed_nodes: freed,
    allocated_nodes: allocated,
    details: rows
      .into_iter()
      .map(|(what, (size_bytes, added, removed))| HeapDiffDetail {
        what: what.to_string(),
        size_bytes,
        added,
        removed,
      })
      .collect(),
  }
}

/// memwatch's human-readable size: `"-4 bytes"`, `"203 kb"`, `"1.5 mb"`.
/// Above 1024 (strictly) bytes the value is rounded to hundredths of a kb,
/// above 1024 × 1024 to hundredths of an mb, and printed like C++'s default
/// stream formatting of a double (6 significant digits, no trailing zeros).
pub fn nice_size(bytes: i64) -> String {
  let abs = bytes.unsigned_abs();
  if abs > 1024 * 1024 {
    format!(
      "{} mb",
      format_g6((bytes as f64 / (1048576.0 / 100.0)).round() / 100.0)
    )
  } else if abs > 1024 {
    format!(
      "{} kb",
      format_g6((bytes as f64 / (1024.0 / 100.0)).round() / 100.0)
    )
  } else {
    format!("{bytes} bytes")
  }
}

/// `printf("%g")`: 6 significant digits, exponent form below 1e-4 or from
/// 1e6, trailing zeros removed.
fn format_g6(v: f64) -> String {
  if v == 0.0 || !v.is_finite() {
    return format!("{v}");
  }
  let sci = format!("{v:.5e}");
  let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
  let exp: i32 = exp.parse().unwrap_or(0);
  if !(-4..6).contains(&exp) {
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{}e{sign}{:02}", trim_zeros(mantissa), exp.unsigned_abs())
  } else {
    let decimals = (5 - exp) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_string()
  }
}

fn trim_zeros(s: &str) -> &str {
  if s.contains('.') {
    s.trim_end_matches('0').trim_end_matches('.')
  } else {
    s
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn nice_size_matches_memwatch() {
    assert_eq!(nice_size(0), "0 bytes");
    assert_eq!(nice_size(1024), "1024 bytes");
    assert_eq!(nice_size(-1024), "-1024 bytes");
    assert_eq!(nice_size(1025), "1 kb");
    assert_eq!(nice_size(-4096), "-4 kb");
    assert_eq!(nice_size(207_872), "203 kb");
    assert_eq!(nice_size(249_232), "243.39 kb");
    assert_eq!(nice_size(-2120), "-2.07 kb");
    assert_eq!(nice_size(1_869_904), "1.78 mb");
    assert_eq!(nice_size(1_572_864), "1.5 mb");
    assert_eq!(nice_size(1024 * 1024), "1024 kb");
    assert_eq!(nice_size(1024 * 1024 + 1), "1 mb");
    // 6 significant digits, then exponent form, as C++ streams print.
    assert_eq!(nice_size(123_456_789_012), "117738 mb");
    assert_eq!(nice_size(2_000_000_000_000), "1.90735e+06 mb");
  }

  #[test]
  fn format_g6_rounding_edges() {
    assert_eq!(format_g6(999_999.5), "1e+06");
    assert_eq!(format_g6(12.5), "12.5");
    assert_eq!(format_g6(0.01), "0.01");
    assert_eq!(format_g6(-0.5), "-0.5");
  }
}
