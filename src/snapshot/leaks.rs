//! Three-snapshot leak candidates.
//!
//! Take a *baseline*, do the suspect work, take a *target*, do it again (or
//! just wait), take a *final* snapshot. Objects allocated between baseline
//! and target (id in target, not in baseline) that are still alive in the
//! final snapshot are leak candidates. They are reported as they are in the
//! final snapshot: grouped by class, and grouped by the shape of their
//! shortest retainer path (element indices generalised, runs along one
//! edge collapsed), so one leaking array of closures, or one long linked
//! list of timers, shows up as one group.

use std::collections::HashMap;

use super::analysis::Snapshot;
use super::bits::BitSet;
use super::graph::HeapGraph;
use super::retainers::{path_to_node, RetainerPath, ShapeIndex};

/// How many sample ids to keep per group.
pub const MAX_SAMPLES: usize = 10;

/// Candidates of one class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakClass {
  pub class_name: String,
  pub count: u64,
  /// Sum of the candidates' self sizes (in the final snapshot).
  pub self_size: u64,
  /// Sum of retained sizes of candidates not dominated by another
  /// candidate of the same class.
  pub retained_size: u64,
  /// Up to [`MAX_SAMPLES`] ids, lowest first.
  pub sample_ids: Vec<u32>,
}

/// Candidates sharing a retainer path shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakPathGroup {
  pub class_name: String,
  /// The path with element indices generalised, see [`RetainerPath::shape`].
  pub shape: String,
  pub count: u64,
  pub self_size: u64,
  /// The path of the lowest-id member.
  pub sample_path: RetainerPath,
  pub sample_ids: Vec<u32>,
}

/// Result of [`leak_candidates`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakReport {
  pub total_count: u64,
  pub total_self_size: u64,
  /// Sorted by count, then self size, descending.
  pub by_class: Vec<LeakClass>,
  /// Sorted by count, then self size, descending. Unreachable candidates
  /// (none in a V8 snapshot, which holds live objects only) are left out.
  pub by_path: Vec<LeakPathGroup>,
}

/// What a baseline contributes to [`leak_candidates_by_id`]: the id of
/// every node, sorted and deduplicated.
pub fn baseline_ids(g: &HeapGraph) -> Vec<u32> {
  let mut ids = g.node_id.clone();
  ids.sort_unstable();
  ids.dedup();
  ids
}

/// What a target contributes: the ids of the nodes with a non-zero
/// (attributed) self size, sorted and deduplicated. `self_size(n)` is the
/// attributed self size of node `n`.
pub fn target_ids(g: &HeapGraph, self_size: impl Fn(u32) -> u64) -> Vec<u32> {
  let mut ids: Vec<u32> = (0..g.node_count() as u32)
    .filter(|&n| self_size(n) != 0)
    .map(|n| g.id(n))
    .collect();
  ids.sort_unstable();
  ids.dedup();
  ids
}

/// Finds objects allocated between `baseline` and `target` that survive in
/// `final_`. Only objects with a non-zero self size count, as in the
/// Summary and Comparison views.
pub fn leak_candidates(baseline: &Snapshot, target: &Snapshot, final_: &Snapshot) -> LeakReport {
  leak_candidates_by_id(
    &baseline_ids(baseline.graph()),
    &target_ids(target.graph(), |n| target.self_size(n)),
    final_,
  )
}

/// [`leak_candidates`] from the reduced baseline and target (see
/// [`baseline_ids`], [`target_ids`]), so only the final snapshot has to be
/// held in full.
pub fn leak_candidates_by_id(baseline_ids: &[u32], target_ids: &[u32], final_: &Snapshot) -> LeakReport {
  let mut candidates: Vec<u32> = Vec::new(); // node ordinals in `final_`
  for &id in target_ids {
    if baseline_ids.binary_search(&id).is_ok() {
      continue;
    }
    if let Some(m) = final_.node_by_id(id) {
      if final_.self_size(m) != 0 {
        candidates.push(m);
      }
    }
  }
  let fg = final_.graph();
  candidates.sort_by_key(|&m| fg.id(m));

  let mut is_candidate = BitSet::new(final_.node_count());
  for &m in &candidates {
    is_candidate.set(m as usize);
  }
  let topmost = topmost_candidates(final_, &is_candidate);
  drop(is_candidate);

  let mut report = LeakReport {
    total_count: 0,
    total_self_size: 0,
    by_class: Vec::new(),
    by_path: Vec::new(),
  };
  let mut class_rows: HashMap<u32, LeakClass> = HashMap::new();
  // Keyed by (class, interned path shape): O(nodes) in all, however long
  // the paths (a list of 40,000 timers is one shape, not 40,000).
  let mut path_rows: HashMap<(u32, u32), LeakPathGroup> = HashMap::new();
  let mut shapes = ShapeIndex::new(final_);
  for &m in &candidates {
    let k = final_.class_of(m);
    let size = final_.self_size(m);
    report.total_count += 1;
    report.total_self_size += size;
    let row = class_rows.entry(k).or_insert_with(|| LeakClass {
      class_name: final_.class_name(m).to_string(),
      count: 0,
      self_size: 0,
      retained_size: 0,
      sample_ids: Vec::new(),
    });
    row.count += 1;
    row.self_size += size;
    if row.sample_ids.len() < MAX_SAMPLES {
      row.sample_ids.push(fg.id(m));
    }
    // Retained size without double counting: skip candidates that a
    // same-class candidate dominates.
    if topmost.get(m as usize) {
      row.retained_size += final_.retained_size(m);
    }
    if let Some(shape) = shapes.shape_of(final_, m) {
      let group = match path_rows.entry((k, shape)) {
        std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
        std::collections::hash_map::Entry::Vacant(v) => {
          // Only the first (lowest-id) member's path is rendered.
          let path = match path_to_node(final_, m) {
            Some(p) => p,
            None => continue,
          };
          v.insert(LeakPathGroup {
            class_name: final_.class_name(m).to_string(),
            shape: path.shape(),
            count: 0,
            self_size: 0,
            sample_path: path,
            sample_ids: Vec::new(),
          })
        }
      };
      group.count += 1;
      group.self_size += size;
      if group.sample_ids.len() < MAX_SAMPLES {
        group.sample_ids.push(fg.id(m));
      }
    }
  }
  drop(shapes);
  report.by_class = class_rows.into_values().collect();
  report.by_class.sort_by(|a, b| {
    (b.count, b.self_size)
      .cmp(&(a.count, a.self_size))
      .then_with(|| a.class_name.cmp(&b.class_name))
  });
  report.by_path = path_rows.into_values().collect();
  report.by_path.sort_by(|a, b| {
    (b.count, b.self_size)
      .cmp(&(a.count, a.self_size))
      .then_with(|| a.class_name.cmp(&b.class_name))
      .then_with(|| a.shape.cmp(&b.shape))
  });
  report
}

/// The candidates that no other candidate of the same class dominates.
/// One walk over the dominator tree (a walk up from every candidate would
/// be quadratic on a long leaking list).
fn topmost_candidates(s: &Snapshot, is_candidate: &BitSet) -> BitSet {
  let tree = s.dominated_nodes();
  let mut top = BitSet::new(s.node_count());
  // Per class: how many candidates of it are open on the current path.
  let mut open = vec![0u32; s.classes().len()];
  enum Step {
    Enter(u32),
    Exit(u32),
  }
  let mut stack = vec![Step::Enter(s.graph().root())];
  while let Some(step) = stack.pop() {
    match step {
      Step::Exit(k) => open[k as usize] -= 1,
      Step::Enter(n) => {
        if is_candidate.get(n as usize) {
          let k = s.class_of(n);
          if open[k as usize] == 0 {
            top.set(n as usize);
          }
          open[k as usize] += 1;
          stack.push(Step::Exit(k));
        }
        stack.extend(tree.of(n).iter().map(|&c| Step::Enter(c)));
      }
    }
  }
  top
}
