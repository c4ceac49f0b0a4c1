//! The Comparison view: what changed between two snapshots of one process.
//!
//! Objects are matched by their snapshot object id (V8 keeps ids stable for
//! the life of the process). Per class name, objects of the class in the
//! base snapshot whose id is gone are *deleted*, objects whose id is new are
//! *added*; sizes are the (attributed) self sizes. As in DevTools only
//! nodes with a non-zero self size take part, and classes without any
//! change are left out.

use std::collections::HashMap;

use super::analysis::Snapshot;
use super::classes::Classes;
use super::graph::HeapGraph;
use super::sizes::shallow_sizes;

/// One row of the Comparison view.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ClassDiff {
  #[serde(rename = "name")]
  pub class_name: String,
  pub added_count: u64,
  pub removed_count: u64,
  pub count_delta: i64,
  pub added_size: u64,
  pub removed_size: u64,
  pub size_delta: i64,
}

/// What a Comparison needs of one snapshot: per class name, (id, self
/// size) of every counted object, sorted by id. Much smaller than the
/// snapshot, and computable without dominators.
#[derive(Debug, Clone, Default)]
pub struct DiffSide {
  by_class: HashMap<String, Vec<(u32, u64)>>,
}

impl DiffSide {
  /// From an analysed snapshot.
  pub fn of_snapshot(s: &Snapshot) -> DiffSide {
    let g = s.graph();
    DiffSide::collect(s.node_count(), |n| (s.class_name(n), g.id(n), s.self_size(n)))
  }

  /// From a parsed graph alone: classes and shallow-size attribution only.
  pub fn of_graph(g: &HeapGraph) -> DiffSide {
    let classes = Classes::build(g);
    let sizes = shallow_sizes(g);
    DiffSide::collect(g.node_count(), |n| (classes.name(classes.of(n)), g.id(n), sizes.get(n)))
  }

  fn collect<'a>(count: usize, node: impl Fn(u32) -> (&'a str, u32, u64)) -> DiffSide {
    let mut by_class: HashMap<String, Vec<(u32, u64)>> = HashMap::new();
    for n in 0..count as u32 {
      let (class, id, size) = node(n);
      if size == 0 {
        continue;
      }
      match by_class.get_mut(class) {
        Some(v) => v.push((id, size)),
        None => {
          by_class.insert(class.to_string(), vec![(id, size)]);
        }
      }
    }
    for v in by_class.values_mut() {
      v.sort_unstable();
      v.shrink_to_fit();
    }
    DiffSide { by_class }
  }
}

/// Compares `current` against `base`. Rows are sorted by the number of
/// changed objects (added + removed), then by name.
pub fn diff(base: &Snapshot, current: &Snapshot) -> Vec<ClassDiff> {
  diff_sides(&DiffSide::of_snapshot(base), &DiffSide::of_snapshot(current))
}

/// [`diff`] on the reduced form of the two snapshots.
pub fn diff_sides(base: &DiffSide, current: &DiffSide) -> Vec<ClassDiff> {
  let (before, after) = (&base.by_class, &current.by_class);
  let empty: Vec<(u32, u64)> = Vec::new();
  let mut names: Vec<&str> = before.keys().chain(after.keys()).map(|k| k.as_str()).collect();
  names.sort_unstable();
  names.dedup();
  let mut rows = Vec::new();
  for name in names {
    let a = before.get(name).unwrap_or(&empty);
    let b = after.get(name).unwrap_or(&empty);
    let row = diff_class(name, a, b);
    if row.added_count > 0 || row.removed_count > 0 {
      rows.push(row);
    }
  }
  rows.sort_by(|x, y| {
    (y.added_count + y.removed_count)
      .cmp(&(x.added_count + x.removed_count))
      .then_with(|| x.class_name.cmp(&y.class_name))
  });
  rows
}

/// Merges two id-sorted lists.
fn diff_class(name: &str, base: &[(u32, u64)], cur: &[(u32, u64)]) -> ClassDiff {
  let (mut i, mut j) = (0, 0);
  let mut d = ClassDiff {
    class_name: name.to_string(),
    added_count: 0,
    removed_count: 0,
    count_delta: 0,
    added_size: 0,
    removed_size: 0,
    size_delta: 0,
  };
  while i < base.len() || j < cur.len() {
    let take_base = j >= cur.len() || (i < base.len() && base[i].0 < cur[j].0);
    let take_cur = i >= base.len() || (j < cur.len() && cur[j].0 < base[i].0);
    if take_base {
      d.removed_count += 1;
      d.removed_size += base[i].1;
      i += 1;
    } else if take_cur {
      d.added_count += 1;
      d.added_size += cur[j].1;
      j += 1;
    } else {
      i += 1;
      j += 1;
    }
  }
  d.count_delta = d.added_count as i64 - d.removed_count as i64;
  d.size_delta = d.added_size as i64 - d.removed_size as i64;
  d
}
