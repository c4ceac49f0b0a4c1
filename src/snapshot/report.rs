//! The reports the analysis API (`lib/analysis.js`) returns, built from the
//! query modules: each a typed struct, serialized by serde for JS, and
//! declared in `index.d.ts` by the generator in `src/types.rs`.
//!
//! Keys are snake_case like leakwatch's events. Sizes are bytes (u64 in
//! Rust; JSON numbers are exact below 2^53, far above any V8 heap). Node
//! ids are V8's snapshot object ids (`@123` in DevTools). Retainer paths are
//! rendered as `global → … → tasks → [0] → (closure) → context → req →
//! thing → LeakyThing@74219`: the first node, then each edge label, with
//! `(closure)` after an edge that leads to a function, and the target's
//! class and id; every closure on the path is also listed with its source
//! location `file:line:column` (1-based).

use serde::Serialize;
#[cfg(test)]
use ts_rs::TS;

use super::analysis::{NodeInfo, Snapshot};
use super::diff::{diff_sides, ClassDiff, DiffSide};
use super::distances::NO_DISTANCE;
use super::error::{Result, SnapshotError};
use super::heapdiff::{nice_size, HeapDiffReport};
use super::leaks::{baseline_ids, leak_candidates_by_id, target_ids};
use super::locations::{LocationIndex, SourceLocation};
use super::retainers::{
  class_retainer_path, retainer_path, retainers_of, step_runs, RetainerPath, MIN_SHOWN_RUN,
};
use super::summary::{class_instances, summary};

/// How the Summary rows are ordered before the top N are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
  RetainedSize,
  SelfSize,
  Count,
}

impl SortKey {
  /// `"retained_size"`, `"self_size"` or `"count"`.
  pub fn parse(s: &str) -> Option<SortKey> {
    match s {
      "retained_size" => Some(SortKey::RetainedSize),
      "self_size" => Some(SortKey::SelfSize),
      "count" => Some(SortKey::Count),
      _ => None,
    }
  }
}

/// What `retainers()` is asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
  /// A snapshot object id.
  Id(u32),
  /// A class name as the Summary shows it.
  Class(String),
}

/// `file:line:column`, or `<script N>:line:column` when the script has no
/// name in the snapshot.
pub fn location_text(l: &SourceLocation) -> String {
  match &l.script_name {
    Some(name) => format!("{name}:{}:{}", l.line, l.column),
    None => format!("<script {}>:{}:{}", l.script_id, l.line, l.column),
  }
}

/// One step of a retainer path.
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct PathStep {
  pub edge: String,
  pub edge_type: String,
  pub id: u32,
  #[serde(rename = "type")]
  pub node_type: Option<String>,
  pub name: String,
  pub class_name: String,
  /// `file:line:column` (1-based) of a function or of an object's constructor.
  pub location: Option<String>,
}

/// A closure on a retainer path, with its source location.
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct ClosureOnPath {
  pub id: u32,
  pub name: String,
  pub location: Option<String>,
  pub file: Option<String>,
  pub line: Option<u32>,
  pub column: Option<u32>,
}

/// A rendered path: its text, steps and the closures on it.
struct PathReport {
  text: String,
  steps: Vec<PathStep>,
  closures: Vec<ClosureOnPath>,
}

/// The path part of a `retainers()` answer; all null when there is no path
/// (an unreachable node).
#[derive(Serialize, Debug, Clone, Default)]
#[cfg_attr(test, derive(TS))]
pub struct PathFields {
  /// e.g. `global → … → tasks → [0] → (closure) → context → req → LeakyReq@123`.
  pub path: Option<String>,
  pub steps: Option<Vec<PathStep>>,
  pub closures: Option<Vec<ClosureOnPath>>,
}

impl From<Option<PathReport>> for PathFields {
  fn from(p: Option<PathReport>) -> PathFields {
    match p {
      Some(p) => PathFields { path: Some(p.text), steps: Some(p.steps), closures: Some(p.closures) },
      None => PathFields::default(),
    }
  }
}

/// A rendered path plus its steps and the closures on it.
fn path_report(s: &Snapshot, path: &RetainerPath, locs: &LocationIndex) -> PathReport {
  let g = s.graph();
  let closure = g.node_types().closure;
  let mut text = String::new();
  let mut steps = Vec::with_capacity(path.steps.len());
  let mut closures = Vec::new();
  let last = path.steps.len().saturating_sub(1);
  // A run of hops along one edge into one class (a linked list) is shown
  // once, at its last hop, as `_idleNext ×1850`, as the JS layer does.
  // repeat[i]: 0 hidden, else how many hops step i stands for.
  let mut repeat = vec![1u32; path.steps.len()];
  if path.steps.len() > 1 {
    for (i, len) in step_runs(&path.steps[1..]) {
      if len >= MIN_SHOWN_RUN {
        for r in &mut repeat[1 + i..1 + i + len - 1] {
          *r = 0;
        }
        repeat[i + len] = len as u32;
      }
    }
  }
  for (i, step) in path.steps.iter().enumerate() {
    let n = s.node_by_id(step.node_id);
    let is_closure = n.is_some_and(|n| g.node_type(n) == closure);
    let location = n.and_then(|n| locs.get(n));
    let shown = repeat[i] != 0;
    if i == 0 {
      text.push_str(step.node_display());
    } else if shown {
      text.push_str(" → ");
      text.push_str(&step.edge_label);
      if repeat[i] > 1 {
        text.push_str(&format!(" ×{}", repeat[i]));
      }
    }
    if is_closure && shown && i != last {
      text.push_str(" → (closure)");
    }
    if i == last {
      text.push_str(&format!(" → {}@{}", step.node_display(), step.node_id));
    }
    if is_closure {
      closures.push(ClosureOnPath {
        id: step.node_id,
        name: step.node_name.clone(),
        location: location.as_ref().map(location_text),
        file: location.as_ref().and_then(|l| l.script_name.clone()),
        line: location.as_ref().map(|l| l.line),
        column: location.as_ref().map(|l| l.column),
      });
    }
    steps.push(PathStep {
      edge: step.edge_label.clone(),
      edge_type: step.edge_type.to_string(),
      id: step.node_id,
      node_type: n.map(|n| g.node_type_name(n).to_string()),
      name: step.node_name.clone(),
      class_name: step.node_class.clone(),
      location: location.as_ref().map(location_text),
    });
  }
  PathReport { text, steps, closures }
}

fn distance(d: Option<u32>) -> Option<u32> {
  d.filter(|&d| d != NO_DISTANCE)
}

/// One class of the Summary view.
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct ClassSummary {
  pub name: String,
  pub count: u64,
  pub self_size: u64,
  pub retained_size: u64,
  /// Shortest distance from the GC roots; null if unreachable; >= 100000000
  /// when reachable only through system roots.
  pub distance: Option<u32>,
}

/// `analyze()`: DevTools' Summary view.
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct Summary {
  pub node_count: usize,
  pub edge_count: usize,
  pub total_count: u64,
  pub total_self_size: u64,
  pub total_retained_size: u64,
  pub class_count: usize,
  pub classes: Vec<ClassSummary>,
}

/// `analyze()`: the Summary view, top `top` classes by `sort`.
pub fn summary_report(s: &Snapshot, top: usize, sort: SortKey) -> Summary {
  let mut rows = summary(s);
  let total_count: u64 = rows.iter().map(|r| r.count).sum();
  let total_self_size: u64 = rows.iter().map(|r| r.self_size).sum();
  let root = s.graph().root();
  match sort {
    SortKey::RetainedSize => {} // summary() already sorts so
    SortKey::SelfSize => rows.sort_by(|a, b| {
      b.self_size
        .cmp(&a.self_size)
        .then_with(|| a.class_name.cmp(&b.class_name))
    }),
    SortKey::Count => rows.sort_by(|a, b| {
      b.count
        .cmp(&a.count)
        .then_with(|| a.class_name.cmp(&b.class_name))
    }),
  }
  let class_count = rows.len();
  let classes = rows
    .iter()
    .take(top)
    .map(|r| ClassSummary {
      name: r.class_name.clone(),
      count: r.count,
      self_size: r.self_size,
      retained_size: r.retained_size,
      distance: distance(r.min_distance),
    })
    .collect();
  Summary {
    node_count: s.node_count(),
    edge_count: s.graph().edge_count(),
    total_count,
    total_self_size,
    total_retained_size: s.retained_size(root),
    class_count,
    classes,
  }
}

/// `diff()`: DevTools' Comparison view.
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct Diff {
  pub added_count: u64,
  pub removed_count: u64,
  pub count_delta: i64,
  pub added_size: u64,
  pub removed_size: u64,
  pub size_delta: i64,
  pub class_count: usize,
  pub classes: Vec<ClassDiff>,
}

/// `diff()`: the Comparison view from `a` to `b`, top `top` classes.
pub fn diff_report(a: &Snapshot, b: &Snapshot, top: usize) -> Diff {
  diff_sides_report(&DiffSide::of_snapshot(a), &DiffSide::of_snapshot(b), top)
}

/// [`diff_report`] from the reduced snapshots.
pub fn diff_sides_report(a: &DiffSide, b: &DiffSide, top: usize) -> Diff {
  let rows = diff_sides(a, b);
  let (mut added, mut removed, mut added_size, mut removed_size) = (0u64, 0u64, 0u64, 0u64);
  for r in &rows {
    added += r.added_count;
    removed += r.removed_count;
    added_size += r.added_size;
    removed_size += r.removed_size;
  }
  let class_count = rows.len();
  let classes = rows.into_iter().take(top).collect();
  Diff {
    added_count: added,
    removed_count: removed,
    count_delta: added as i64 - removed as i64,
    added_size,
    removed_size,
    size_delta: added_size as i64 - removed_size as i64,
    class_count,
    classes,
  }
}

/// A class of leak candidates.
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct LeakClass {
  pub name: String,
  pub count: u64,
  pub self_size: u64,
  pub retained_size: u64,
  pub sample_ids: Vec<u32>,
  /// The constructor's `file:line:column`, from V8.
  pub location: Option<String>,
}

/// Leak candidates that share one retainer path.
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct LeakPathGroup {
  pub class_name: String,
  pub count: u64,
  pub self_size: u64,
  /// The path with element indices generalised: what the group has in common.
  pub shape: String,
  /// Sample path: `global → … → tasks → [0] → (closure) → context → req → LeakyReq@123`.
  pub path: String,
  pub steps: Vec<PathStep>,
  pub closures: Vec<ClosureOnPath>,
  pub sample_ids: Vec<u32>,
}

/// `findLeaks()`: what was allocated between baseline and target and is
/// still alive in the final snapshot.
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct LeakReport {
  pub total_count: u64,
  pub total_self_size: u64,
  pub class_count: usize,
  pub path_count: usize,
  pub by_class: Vec<LeakClass>,
  pub by_path: Vec<LeakPathGroup>,
}

/// `findLeaks()`: three-snapshot leak candidates by class and by retainer
/// path, top `top` of each, reported as they are in `final_`.
pub fn leaks_report(baseline: &Snapshot, target: &Snapshot, final_: &Snapshot, top: usize) -> LeakReport {
  let ids_b = baseline_ids(baseline.graph());
  let ids_t = target_ids(target.graph(), |n| target.self_size(n));
  leaks_report_by_id(&ids_b, &ids_t, final_, top)
}

/// [`leaks_report`] from the baseline's and target's id lists (see
/// [`baseline_ids`], [`target_ids`]).
pub fn leaks_report_by_id(baseline_ids: &[u32], target_ids: &[u32], final_: &Snapshot, top: usize) -> LeakReport {
  let r = leak_candidates_by_id(baseline_ids, target_ids, final_);
  let locs = LocationIndex::new(final_.graph());
  let by_class = r
    .by_class
    .iter()
    .take(top)
    .map(|c| {
      // Objects get their constructor's location from V8.
      let location = c
        .sample_ids
        .first()
        .and_then(|&id| final_.node_by_id(id))
        .and_then(|n| locs.get(n));
      LeakClass {
        name: c.class_name.clone(),
        count: c.count,
        self_size: c.self_size,
        retained_size: c.retained_size,
        sample_ids: c.sample_ids.clone(),
        location: location.as_ref().map(location_text),
      }
    })
    .collect();
  let by_path = r
    .by_path
    .iter()
    .take(top)
    .map(|p| {
      let path = path_report(final_, &p.sample_path, &locs);
      LeakPathGroup {
        class_name: p.class_name.clone(),
        count: p.count,
        self_size: p.self_size,
        shape: p.shape.clone(),
        path: path.text,
        steps: path.steps,
        closures: path.closures,
        sample_ids: p.sample_ids.clone(),
      }
    })
    .collect();
  LeakReport {
    total_count: r.total_count,
    total_self_size: r.total_self_size,
    class_count: r.by_class.len(),
    path_count: r.by_path.len(),
    by_class,
    by_path,
  }
}

/// A direct retainer of a node.
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct Retainer {
  pub edge: String,
  pub edge_type: String,
  pub node: NodeInfo,
}

/// `retainers(id)`: the node, its shortest path from the roots, its direct retainers.
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct NodeRetainers {
  pub node: NodeInfo,
  pub location: Option<String>,
  /// null when the node is unreachable.
  #[serde(flatten)]
  pub path: PathFields,
  pub retainer_count: usize,
  pub retainers: Vec<Retainer>,
}

/// `retainers(className)`: the class's instances and the path to the one
/// closest to the roots.
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct ClassRetainers {
  pub class_name: String,
  pub count: usize,
  pub instances: Vec<NodeInfo>,
  /// To the instance closest to the roots.
  #[serde(flatten)]
  pub path: PathFields,
}

/// What `retainers()` answers.
#[derive(Serialize, Debug, Clone)]
#[serde(untagged)]
pub enum RetainersReport {
  Node(NodeRetainers),
  Class(ClassRetainers),
}

/// `retainers()`: for an id, the node, its shortest path from the roots
/// and its direct retainers (at most `top`); for a class, its instance
/// count, the largest `top` instances and the path to the instance closest
/// to the roots.
pub fn retainers_report(s: &Snapshot, target: &Target, top: usize) -> Result<RetainersReport> {
  let locs = LocationIndex::new(s.graph());
  match target {
    Target::Id(id) => {
      let node = s.node_info_by_id(*id)?;
      // Unreachable nodes have no path.
      let path = retainer_path(s, *id).ok().map(|p| path_report(s, &p, &locs));
      let all = retainers_of(s, *id)?;
      let retainers = all
        .iter()
        .take(top)
        .map(|r| Retainer {
          edge: r.edge_label.clone(),
          edge_type: r.edge_type.to_string(),
          node: r.node.clone(),
        })
        .collect();
      let location = s.node_by_id(*id).and_then(|n| locs.get(n));
      Ok(RetainersReport::Node(NodeRetainers {
        node,
        location: location.as_ref().map(location_text),
        path: path.into(),
        retainer_count: all.len(),
        retainers,
      }))
    }
    Target::Class(name) => {
      let k = s
        .classes()
        .lookup(name)
        .ok_or_else(|| SnapshotError::query(format!("no class named {name:?} in this snapshot")))?;
      let count = (0..s.node_count() as u32)
        .filter(|&n| s.class_of(n) == k && s.self_size(n) != 0)
        .count();
      let instances = class_instances(s, name, top)?;
      let path = class_retainer_path(s, name).ok().map(|p| path_report(s, &p, &locs));
      Ok(RetainersReport::Class(ClassRetainers { class_name: name.clone(), count, instances, path: path.into() }))
    }
  }
}

/// `{nodes, size_bytes, size}` of one side of a [`HeapDiffResult`].
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct HeapDiffSide {
  pub nodes: u64,
  pub size_bytes: u64,
  /// memwatch's human size, e.g. `"1.2 mb"`.
  pub size: String,
}

/// One class in [`HeapDiffChange::details`].
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct HeapDiffDetail {
  pub what: String,
  pub size_bytes: i64,
  pub size: String,
  #[serde(rename = "+")]
  pub added: u64,
  #[serde(rename = "-")]
  pub removed: u64,
}

/// `change` of a [`HeapDiffResult`].
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct HeapDiffChange {
  pub size_bytes: i64,
  pub size: String,
  pub freed_nodes: u64,
  pub allocated_nodes: u64,
  pub details: Vec<HeapDiffDetail>,
}

/// memwatch's `hd.end()` result, exactly.
#[derive(Serialize, Debug, Clone)]
#[cfg_attr(test, derive(TS))]
pub struct HeapDiffResult {
  pub before: HeapDiffSide,
  pub after: HeapDiffSide,
  pub change: HeapDiffChange,
}

/// memwatch's `hd.end()` object, exactly: `before`/`after` `{nodes,
/// size_bytes, size}`, `change` `{size_bytes, size, freed_nodes,
/// allocated_nodes, details: [{what, size_bytes, size, "+", "-"}]}`.
pub fn heap_diff_result(d: &HeapDiffReport) -> HeapDiffResult {
  let side = |t: &super::heapdiff::HeapTotals| HeapDiffSide {
    nodes: t.nodes,
    size_bytes: t.size_bytes,
    size: nice_size(t.size_bytes as i64),
  };
  let details = d
    .details
    .iter()
    .map(|r| HeapDiffDetail {
      what: r.what.clone(),
      size_bytes: r.size_bytes,
      size: nice_size(r.size_bytes),
      added: r.added,
      removed: r.removed,
    })
    .collect();
  HeapDiffResult {
    before: side(&d.before),
    after: side(&d.after),
    change: HeapDiffChange {
      size_bytes: d.size_bytes,
      size: nice_size(d.size_bytes),
      freed_nodes: d.freed_nodes,
      allocated_nodes: d.allocated_nodes,
      details,
    },
  }
}
