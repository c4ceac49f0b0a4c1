//! Shortest retainer paths from the GC roots.
//!
//! The path is the chain of BFS parents recorded while computing
//! distances, so it follows exactly the edges DevTools' distance uses (no
//! weak edges, same filters) and its length equals the node's distance.
//! Edges are labelled as DevTools names them: property, context and
//! internal edges by name, element and hidden edges by index as `[15203]`.

use super::analysis::{NodeInfo, Snapshot};
use super::error::{Result, SnapshotError};

/// One hop of a retainer path: the edge taken and the node it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStep {
  /// Edge type name (`property`, `element`, `context`, `internal`, ...).
  pub edge_type: String,
  /// Display label: `tasks`, `[15203]`, `context` ...
  pub edge_label: String,
  pub node_id: u32,
  pub node_name: String,
  pub node_class: String,
}

/// A path from the snapshot root to a node; the root itself is implicit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetainerPath {
  pub steps: Vec<PathStep>,
}

impl PathStep {
  /// How a node is shown in a path: its class, except synthetic nodes
  /// (`(GC roots)`, `(Global handles)` ...), which are shown by name.
  pub fn node_display(&self) -> &str {
    if self.node_class == "(synthetic)" && !self.node_name.is_empty() {
      &self.node_name
    } else {
      &self.node_class
    }
  }
}

impl RetainerPath {
  /// `(GC roots) → … → tasks → [15203] → context → req → LeakyThing@42`:
  /// the class of the first node, then edge labels, then the target's class
  /// and id.
  pub fn render(&self) -> String {
    let mut out = String::new();
    let last = self.steps.len().saturating_sub(1);
    for (i, s) in self.steps.iter().enumerate() {
      if i == 0 {
        out.push_str(s.node_display());
        if i != last {
          continue;
        }
      } else {
        out.push_str(" → ");
        out.push_str(&s.edge_label);
      }
      if i == last {
        out.push_str(&format!(" → {}@{}", s.node_display(), s.node_id));
      }
    }
    out
  }

  /// Every hop as `label (Class)`, for when the intermediate objects
  /// matter: `[1] ((GC roots)) → tasks (Array) → [3] (Function) → …`.
  pub fn render_verbose(&self) -> String {
    self
      .steps
      .iter()
      .map(|s| format!("{} ({})", s.edge_label, s.node_display()))
      .collect::<Vec<_>>()
      .join(" → ")
  }

  /// The rendered path with element indices generalised to `[]`, used to
  /// group many objects retained the same way.
  pub fn shape(&self) -> String {
    self
      .steps
      .iter()
      .map(|s| {
        let label = if s.edge_label.starts_with('[') {
          "[]"
        } else {
          s.edge_label.as_str()
        };
        format!("{label}:{}", s.node_display())
      })
      .collect::<Vec<_>>()
      .join(" → ")
  }
}

/// DevTools-style label of edge `e`.
pub fn edge_label(s: &Snapshot, e: usize) -> String {
  let g = s.graph();
  match g.edge_name(e) {
    None => format!("[{}]", g.edge_name_or_index(e)),
    Some(name) => {
      let et = g.edge_types();
      let t = g.edge_type(e);
      if t == et.shortcut && !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        format!("[{name}]")
      } else if t == et.weak {
        format!("[[{name}]]")
      } else {
        name.to_string()
      }
    }
  }
}

/// The shortest retainer path to node ordinal `n`, or `None` when it is
/// unreachable (or is the root).
pub fn path_to_node(s: &Snapshot, n: u32) -> Option<RetainerPath> {
  let g = s.graph();
  let mut steps = Vec::new();
  let mut cur = n;
  while let Some((e, parent)) = s.bfs_parent(cur) {
    steps.push(PathStep {
      edge_type: g.edge_type_name(e).to_string(),
      edge_label: edge_label(s, e),
      node_id: g.id(cur),
      node_name: g.name(cur).to_string(),
      node_class: s.class_name(cur).to_string(),
    });
    cur = parent;
    if steps.len() > s.node_count() {
      return None; // cannot happen for a BFS tree; guards against loops
    }
  }
  if cur != g.root() || steps.is_empty() {
    return None;
  }
  steps.reverse();
  Some(RetainerPath { steps })
}

/// A cheap identity for [`RetainerPath::shape`] of node `n`'s path (no
/// strings built): per hop the edge type, the edge name (element indices
/// and numeric names generalised) and the target's class. `None` when `n`
/// is unreachable.
pub fn shape_key(s: &Snapshot, n: u32) -> Option<Vec<u64>> {
  let g = s.graph();
  let mut key = Vec::new();
  let mut cur = n;
  while let Some((e, parent)) = s.bfs_parent(cur) {
    let name = match g.edge_name(e) {
      None => u32::MAX,
      Some(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => u32::MAX,
      Some(_) => g.edge_name_or_index(e),
    };
    key.push(((g.edge_type(e) as u64) << 56) | ((name as u64) << 24) | s.class_of(cur) as u64);
    // Class ids above 2^24 would alias; keep them distinct in a second word.
    key.push(s.class_of(cur) as u64 >> 24);
    cur = parent;
    if key.len() > 2 * s.node_count() {
      return None;
    }
  }
  if cur != g.root() || key.is_empty() {
    return None;
  }
  Some(key)
}

/// The shortest retainer path to the node with object id `id`.
pub fn retainer_path(s: &Snapshot, id: u32) -> Result<RetainerPath> {
  let n = s
    .node_by_id(id)
    .ok_or_else(|| SnapshotError::query(format!("no node with id @{id} in this snapshot")))?;
  path_to_node(s, n)
    .ok_or_else(|| SnapshotError::query(format!("node @{id} is not reachable from the GC roots")))
}

/// The shortest retainer path to any instance of `class_name` (the
/// instance closest to the roots; ties broken by lowest id).
pub fn class_retainer_path(s: &Snapshot, class_name: &str) -> Result<RetainerPath> {
  let k = s
    .classes()
    .lookup(class_name)
    .ok_or_else(|| SnapshotError::query(format!("no class named {class_name:?}")))?;
  let g = s.graph();
  let best = (0..s.node_count() as u32)
    .filter(|&n| s.class_of(n) == k && n != g.root())
    .min_by_key(|&n| (s.distance(n), g.id(n)))
    .ok_or_else(|| SnapshotError::query(format!("no instance of {class_name:?}")))?;
  path_to_node(s, best).ok_or_else(|| {
    SnapshotError::query(format!(
      "no instance of {class_name:?} is reachable from the GC roots"
    ))
  })
}

/// One incoming reference, as listed by DevTools' Retainers view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retainer {
  pub edge_type: String,
  pub edge_label: String,
  /// The object holding the reference.
  pub node: NodeInfo,
}

/// All references to the object with id `id`, closest-to-the-roots
/// retainers first. Like DevTools, weak edges and edges from the root
/// itself are left out.
pub fn retainers_of(s: &Snapshot, id: u32) -> Result<Vec<Retainer>> {
  let target = s
    .node_by_id(id)
    .ok_or_else(|| SnapshotError::query(format!("no node with id @{id} in this snapshot")))?;
  let g = s.graph();
  let weak = g.edge_types().weak;
  let root = g.root();
  let mut found: Vec<(u32, usize)> = Vec::new();
  for src in 0..s.node_count() as u32 {
    if src == root {
      continue;
    }
    for e in g.edges(src) {
      if g.edge_to(e) == target && g.edge_type(e) != weak {
        found.push((src, e));
      }
    }
  }
  found.sort_by_key(|&(src, e)| (s.distance(src), g.id(src), e));
  Ok(
    found
      .into_iter()
      .map(|(src, e)| Retainer {
        edge_type: g.edge_type_name(e).to_string(),
        edge_label: edge_label(s, e),
        node: s.node_info(src),
      })
      .collect(),
  )
}
