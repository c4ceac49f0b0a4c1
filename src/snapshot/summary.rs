//! The Summary view: objects grouped by class.
//!
//! As in DevTools, only nodes with a non-zero (attributed) self size are
//! counted. A class's retained size is the sum of the retained sizes of
//! its instances that are *not* dominated by another instance of the same
//! class, so nested instances (a linked list, a tree) are not counted
//! twice. Distance is the minimum over the class's instances.

use super::analysis::{NodeInfo, Snapshot};
use super::distances::NO_DISTANCE;
use super::error::{Result, SnapshotError};

/// One row of the Summary view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassSummary {
  pub class_name: String,
  pub count: u64,
  pub self_size: u64,
  pub retained_size: u64,
  /// Smallest distance from the GC roots; `None` if no instance is
  /// reachable. Values of at least [`super::BASE_SYSTEM_DISTANCE`] mean
  /// "reachable only through system roots" (not from the global object).
  pub min_distance: Option<u32>,
}

#[derive(Clone, Copy)]
struct Agg {
  count: u64,
  self_size: u64,
  retained: u64,
  distance: u32,
}

/// Summarises `s` by class, largest retained size first.
pub fn summary(s: &Snapshot) -> Vec<ClassSummary> {
  let classes = s.classes();
  let mut aggs = vec![
    Agg {
      count: 0,
      self_size: 0,
      retained: 0,
      distance: NO_DISTANCE
    };
    classes.len()
  ];
  for n in 0..s.node_count() as u32 {
    let size = s.self_size(n);
    if size == 0 {
      continue;
    }
    let a = &mut aggs[s.class_of(n) as usize];
    a.count += 1;
    a.self_size += size;
    a.distance = a.distance.min(s.distance(n));
  }
  for (k, a) in aggs.iter_mut().enumerate() {
    a.retained = s.class_retained(k as u32);
  }
  let mut rows: Vec<ClassSummary> = aggs
    .iter()
    .enumerate()
    .filter(|(_, a)| a.count > 0)
    .map(|(k, a)| ClassSummary {
      class_name: classes.name(k as u32).to_string(),
      count: a.count,
      self_size: a.self_size,
      retained_size: a.retained,
      min_distance: if a.distance == NO_DISTANCE {
        None
      } else {
        Some(a.distance)
      },
    })
    .collect();
  rows.sort_by(|a, b| {
    b.retained_size
      .cmp(&a.retained_size)
      .then_with(|| a.class_name.cmp(&b.class_name))
  });
  rows
}

/// The instances of `class_name` (those the Summary view counts: non-zero
/// self size), largest retained size first, at most `limit` of them.
pub fn class_instances(s: &Snapshot, class_name: &str, limit: usize) -> Result<Vec<NodeInfo>> {
  let k = s
    .classes()
    .lookup(class_name)
    .ok_or_else(|| SnapshotError::query(format!("no class named {class_name:?}")))?;
  let g = s.graph();
  let mut nodes: Vec<u32> = (0..s.node_count() as u32)
    .filter(|&n| s.class_of(n) == k && s.self_size(n) != 0)
    .collect();
  nodes.sort_by(|&a, &b| {
    s.retained_size(b)
      .cmp(&s.retained_size(a))
      .then_with(|| g.id(a).cmp(&g.id(b)))
  });
  Ok(nodes.into_iter().take(limit).map(|n| s.node_info(n)).collect())
}
