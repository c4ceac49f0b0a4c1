//! JSON reports: what the JS API (`lib/analysis.js`) returns, built from
//! the query modules.
//!
//! Keys are snake_case like leakwatch's events. Sizes are bytes (u64 in
//! Rust; JSON numbers are exact below 2^53, far above any V8 heap). Node
//! ids are V8's snapshot object ids (`@123` in DevTools). Retainer paths are
//! rendered as `global → … → tasks → [0] → (closure) → context → req →
//! thing → LeakyThing@74219`: the first node, then each edge label, with
//! `(closure)` after an edge that leads to a function, and the target's
//! class and id; every closure on the path is also listed with its source
//! location `file:line:column` (1-based).

use serde_json::{json, Value};

use super::analysis::{NodeInfo, Snapshot};
use super::diff::{diff_sides, DiffSide};
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

fn node_json(n: &NodeInfo) -> Value {
  json!({
    "id": n.id,
    "type": n.node_type,
    "name": n.name,
    "class_name": n.class_name,
    "self_size": n.self_size,
    "retained_size": n.retained_size,
    "distance": n.distance,
  })
}

/// A rendered path plus its steps and the closures on it.
fn path_json(s: &Snapshot, path: &RetainerPath, locs: &LocationIndex) -> Value {
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
      closures.push(json!({
        "id": step.node_id,
        "name": step.node_name,
        "location": location.as_ref().map(location_text),
        "file": location.as_ref().and_then(|l| l.script_name.clone()),
        "line": location.as_ref().map(|l| l.line),
        "column": location.as_ref().map(|l| l.column),
      }));
    }
    steps.push(json!({
      "edge": step.edge_label,
      "edge_type": step.edge_type,
      "id": step.node_id,
      "type": n.map(|n| g.node_type_name(n)),
      "name": step.node_name,
      "class_name": step.node_class,
      "location": location.as_ref().map(location_text),
    }));
  }
  json!({ "text": text, "steps": steps, "closures": closures })
}

fn distance_json(d: Option<u32>) -> Value {
  match d {
    Some(d) if d != NO_DISTANCE => json!(d),
    _ => Value::Null,
  }
}

/// `analyze()`: the Summary view, top `top` classes by `sort`.
pub fn summary_report(s: &Snapshot, top: usize, sort: SortKey) -> Value {
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
  let classes: Vec<Value> = rows
    .iter()
    .take(top)
    .map(|r| {
      json!({
        "name": r.class_name,
        "count": r.count,
        "self_size": r.self_size,
        "retained_size": r.retained_size,
        "distance": distance_json(r.min_distance),
      })
    })
    .collect();
  json!({
    "node_count": s.node_count(),
    "edge_count": s.graph().edge_count(),
    "total_count": total_count,
    "total_self_size": total_self_size,
    "total_retained_size": s.retained_size(root),
    "class_count": class_count,
    "classes": classes,
  })
}

/// `diff()`: the Comparison view from `a` to `b`, top `top` classes.
pub fn diff_report(a: &Snapshot, b: &Snapshot, top: usize) -> Value {
  diff_sides_report(&DiffSide::of_snapshot(a), &DiffSide::of_snapshot(b), top)
}

/// [`diff_report`] from the reduced snapshots.
pub fn diff_sides_report(a: &DiffSide, b: &DiffSide, top: usize) -> Value {
  let rows = diff_sides(a, b);
  let (mut added, mut removed, mut added_size, mut removed_size) = (0u64, 0u64, 0u64, 0u64);
  for r in &rows {
    added += r.added_count;
    removed += r.removed_count;
    added_size += r.added_size;
    removed_size += r.removed_size;
  }
  let classes: Vec<Value> = rows
    .iter()
    .take(top)
    .map(|r| {
      json!({
        "name": r.class_name,
        "added_count": r.added_count,
        "removed_count": r.removed_count,
        "count_delta": r.count_delta,
        "added_size": r.added_size,
        "removed_size": r.removed_size,
        "size_delta": r.size_delta,
      })
    })
    .collect();
  json!({
    "added_count": added,
    "removed_count": removed,
    "count_delta": added as i64 - removed as i64,
    "added_size": added_size,
    "removed_size": removed_size,
    "size_delta": added_size as i64 - removed_size as i64,
    "class_count": rows.len(),
    "classes": classes,
  })
}

/// `findLeaks()`: three-snapshot leak candidates by class and by retainer
/// path, top `top` of each, reported as they are in `final_`.
pub fn leaks_report(baseline: &Snapshot, target: &Snapshot, final_: &Snapshot, top: usize) -> Value {
  let ids_b = baseline_ids(baseline.graph());
  let ids_t = target_ids(target.graph(), |n| target.self_size(n));
  leaks_report_by_id(&ids_b, &ids_t, final_, top)
}

/// [`leaks_report`] from the baseline's and target's id lists (see
/// [`baseline_ids`], [`target_ids`]).
pub fn leaks_report_by_id(baseline_ids: &[u32], target_ids: &[u32], final_: &Snapshot, top: usize) -> Value {
  let r = leak_candidates_by_id(baseline_ids, target_ids, final_);
  let locs = LocationIndex::new(final_.graph());
  let by_class: Vec<Value> = r
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
      json!({
        "name": c.class_name,
        "count": c.count,
        "self_size": c.self_size,
        "retained_size": c.retained_size,
        "sample_ids": c.sample_ids,
        "location": location.as_ref().map(location_text),
      })
    })
    .collect();
  let by_path: Vec<Value> = r
    .by_path
    .iter()
    .take(top)
    .map(|p| {
      let path = path_json(final_, &p.sample_path, &locs);
      json!({
        "class_name": p.class_name,
        "count": p.count,
        "self_size": p.self_size,
        "shape": p.shape,
        "path": path["text"],
        "steps": path["steps"],
        "closures": path["closures"],
        "sample_ids": p.sample_ids,
      })
    })
    .collect();
  json!({
    "total_count": r.total_count,
    "total_self_size": r.total_self_size,
    "class_count": r.by_class.len(),
    "path_count": r.by_path.len(),
    "by_class": by_class,
    "by_path": by_path,
  })
}

/// `retainers()`: for an id, the node, its shortest path from the roots
/// and its direct retainers (at most `top`); for a class, its instance
/// count, the largest `top` instances and the path to the instance closest
/// to the roots.
pub fn retainers_report(s: &Snapshot, target: &Target, top: usize) -> Result<Value> {
  let locs = LocationIndex::new(s.graph());
  match target {
    Target::Id(id) => {
      let node = s.node_info_by_id(*id)?;
      let path = match retainer_path(s, *id) {
        Ok(p) => path_json(s, &p, &locs),
        Err(_) => Value::Null, // unreachable nodes have no path
      };
      let all = retainers_of(s, *id)?;
      let retainers: Vec<Value> = all
        .iter()
        .take(top)
        .map(|r| json!({ "edge": r.edge_label, "edge_type": r.edge_type, "node": node_json(&r.node) }))
        .collect();
      let location = s.node_by_id(*id).and_then(|n| locs.get(n));
      Ok(json!({
        "node": node_json(&node),
        "location": location.as_ref().map(location_text),
        "path": path.get("text").cloned().unwrap_or(Value::Null),
        "steps": path.get("steps").cloned().unwrap_or(Value::Null),
        "closures": path.get("closures").cloned().unwrap_or(Value::Null),
        "retainer_count": all.len(),
        "retainers": retainers,
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
      let instances: Vec<Value> = class_instances(s, name, top)?.iter().map(node_json).collect();
      let path = class_retainer_path(s, name).ok().map(|p| path_json(s, &p, &locs));
      let field = |f: &str| path.as_ref().map(|p| p[f].clone()).unwrap_or(Value::Null);
      Ok(json!({
        "class_name": name,
        "count": count,
        "instances": instances,
        "path": field("text"),
        "steps": field("steps"),
        "closures": field("closures"),
      }))
    }
  }
}

/// memwatch's `hd.end()` object, exactly: `before`/`after` `{nodes,
/// size_bytes, size}`, `change` `{size_bytes, size, freed_nodes,
/// allocated_nodes, details: [{what, size_bytes, size, "+", "-"}]}`.
pub fn heap_diff_json(d: &HeapDiffReport) -> Value {
  let side = |t: &super::heapdiff::HeapTotals| json!({ "nodes": t.nodes, "size_bytes": t.size_bytes, "size": nice_size(t.size_bytes as i64) });
  let details: Vec<Value> = d
    .details
    .iter()
    .map(|r| {
      json!({
        "what": r.what,
        "size_bytes": r.size_bytes,
        "size": nice_size(r.size_bytes),
        "+": r.added,
        "-": r.removed,
      })
    })
    .collect();
  json!({
    "before": side(&d.before),
    "after": side(&d.after),
    "change": {
      "size_bytes": d.size_bytes,
      "size": nice_size(d.size_bytes),
      "freed_nodes": d.freed_nodes,
      "allocated_nodes": d.allocated_nodes,
      "details": details,
    },
  })
}
