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

/// One row of the Comparison view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassDiff {
  pub class_name: String,
  pub added_count: u64,
  pub removed_count: u64,
  pub count_delta: i64,
  pub added_size: u64,
  pub removed_size: u64,
  pub size_delta: i64,
}

/// Per class name: (id, self size) of every counted object, sorted by id.
fn objects_by_class(s: &Snapshot) -> HashMap<&str, Vec<(u32, u64)>> {
  let mut map: HashMap<&str, Vec<(u32, u64)>> = HashMap::new();
  let g = s.graph();
  for n in 0..s.node_count() as u32 {
    let size = s.self_size(n);
    if size == 0 {
      continue;
    }
    map.entry(s.class_name(n)).or_default().push((g.id(n), size));
  }
  for v in map.values_mut() {
    v.sort_unstable();
  }
  map
}

/// Compares `current` against `base`. Rows are sorted by the number of
/// changed objects (added + removed), then by name.
pub fn diff(base: &Snapshot, current: &Snapshot) -> Vec<ClassDiff> {
  let before = objects_by_class(base);
  let after = objects_by_class(current);
  let empty: Vec<(u32, u64)> = Vec::new();
  let mut names: Vec<&str> = before.keys().chain(after.keys()).copied().collect();
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
