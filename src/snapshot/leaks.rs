//! Three-snapshot leak candidates.
//!
//! Take a *baseline*, do the suspect work, take a *target*, do it again (or
//! just wait), take a *final* snapshot. Objects allocated between baseline
//! and target (id in target, not in baseline) that are still alive in the
//! final snapshot are leak candidates. They are reported as they are in the
//! final snapshot: grouped by class, and grouped by the shape of their
//! shortest retainer path (element indices generalised), so one leaking
//! array of closures shows up as one group.

use std::collections::HashMap;

use super::analysis::Snapshot;
use super::retainers::{path_to_node, shape_key, RetainerPath};

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

/// Finds objects allocated between `baseline` and `target` that survive in
/// `final_`. Only objects with a non-zero self size count, as in the
/// Summary and Comparison views.
pub fn leak_candidates(baseline: &Snapshot, target: &Snapshot, final_: &Snapshot) -> LeakReport {
  let tg = target.graph();
  let mut candidates: Vec<u32> = Vec::new(); // node ordinals in `final_`
  for n in 0..target.node_count() as u32 {
    if target.self_size(n) == 0 {
      continue;
    }
    let id = tg.id(n);
    if baseline.contains_id(id) {
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

  let mut is_candidate = vec![false; final_.node_count()];
  for &m in &candidates {
    is_candidate[m as usize] = true;
  }

  let mut report = LeakReport {
    total_count: 0,
    total_self_size: 0,
    by_class: Vec::new(),
    by_path: Vec::new(),
  };
  let mut class_rows: HashMap<u32, LeakClass> = HashMap::new();
  let mut path_rows: HashMap<(u32, Vec<u64>), LeakPathGroup> = HashMap::new();
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
    if !dominated_by_same_class(final_, m, k, &is_candidate) {
      row.retained_size += final_.retained_size(m);
    }
    if let Some(key) = shape_key(final_, m) {
      let group = match path_rows.entry((k, key)) {
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

fn dominated_by_same_class(s: &Snapshot, n: u32, k: u32, is_candidate: &[bool]) -> bool {
  let root = s.graph().root();
  let mut cur = n;
  let mut guard = 0usize;
  while cur != root && guard <= s.node_count() {
    let d = s.dominator(cur);
    if d == cur {
      break;
    }
    if d != root && is_candidate[d as usize] && s.class_of(d) == k {
      return true;
    }
    cur = d;
    guard += 1;
  }
  false
}
