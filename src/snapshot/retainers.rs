//! Shortest retainer paths from the GC roots.
//!
//! The path is the chain of BFS parents recorded while computing
//! distances, so it follows exactly the edges DevTools' distance uses (no
//! weak edges, same filters) and its length equals the node's distance.
//! Edges are labelled as DevTools names them: property, context and
//! internal edges by name, element and hidden edges by index as `[15203]`.

use std::collections::HashMap;

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
  /// and id. A run of [`MIN_SHOWN_RUN`] or more hops along the same edge
  /// into the same class (a linked list) is shown once as `_idleNext ×1850`.
  pub fn render(&self) -> String {
    let mut out = String::new();
    let Some(first) = self.steps.first() else {
      return out;
    };
    out.push_str(first.node_display());
    for (i, len) in step_runs(&self.steps[1..]) {
      let s = &self.steps[1 + i];
      out.push_str(" → ");
      out.push_str(&s.edge_label);
      if len >= MIN_SHOWN_RUN {
        out.push_str(&format!(" ×{len}"));
      } else if len == 2 {
        out.push_str(" → ");
        out.push_str(&s.edge_label);
      }
    }
    if let Some(last) = self.steps.last() {
      out.push_str(&format!(" → {}@{}", last.node_display(), last.node_id));
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
  /// group many objects retained the same way. Consecutive equal hops (a
  /// linked list of any length) are shown once, so every element of one
  /// list has the same shape; see [`ShapeIndex`].
  pub fn shape(&self) -> String {
    let mut tokens: Vec<String> = Vec::with_capacity(self.steps.len());
    for s in &self.steps {
      let numeric = !s.edge_label.is_empty() && s.edge_label.bytes().all(|b| b.is_ascii_digit());
      let label = if s.edge_label.starts_with('[') || numeric {
        "[]"
      } else {
        s.edge_label.as_str()
      };
      let token = format!("{label}:{}", s.node_display());
      if tokens.last() != Some(&token) {
        tokens.push(token);
      }
    }
    tokens.join(" → ")
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

/// One hop of a path shape: edge type, edge name (`u32::MAX` for element
/// indices and numeric names, which are generalised) and the class of the
/// node it leads to.
type ShapeStep = (u32, u32, u32);

/// No step: the empty shape of the root.
const NO_STEP: ShapeStep = (u32::MAX, u32::MAX, u32::MAX);
/// `shape` entry of a node not computed yet.
const UNKNOWN: u32 = u32::MAX;
/// `shape` entry of a node that has no path from the root.
const UNREACHABLE: u32 = u32::MAX - 1;

/// Interned retainer-path shapes, the identity behind
/// [`RetainerPath::shape`]: shape(n) = intern(shape(parent), step) along
/// the BFS tree, each node computed once (O(nodes) for any set of queries,
/// where a walk to the root per node would be quadratic on a long list).
/// A hop equal to the one before it (same edge name, edge type and class:
/// a linked list like `_idleNext` × 1850) does not extend the shape, so
/// every element of one list shares a shape.
pub struct ShapeIndex {
  /// Per node ordinal: its shape id, [`UNKNOWN`] or [`UNREACHABLE`].
  shape: Vec<u32>,
  /// Per shape id: its last hop ([`NO_STEP`] for the empty shape 0).
  last: Vec<ShapeStep>,
  ids: HashMap<(u32, ShapeStep), u32>,
  /// Scratch for the walk up from a node.
  stack: Vec<u32>,
}

impl ShapeIndex {
  /// An empty index for `s` (one u32 per node).
  pub fn new(s: &Snapshot) -> ShapeIndex {
    let mut shape = vec![UNKNOWN; s.node_count()];
    if let Some(r) = shape.get_mut(s.graph().root() as usize) {
      *r = 0;
    }
    ShapeIndex {
      shape,
      last: vec![NO_STEP],
      ids: HashMap::new(),
      stack: Vec::new(),
    }
  }

  /// The shape id of node `n`'s shortest retainer path; `None` when `n` is
  /// the root or is unreachable. Equal ids mean equal
  /// [`RetainerPath::shape`] texts.
  pub fn shape_of(&mut self, s: &Snapshot, n: u32) -> Option<u32> {
    let g = s.graph();
    if n == g.root() || n as usize >= self.shape.len() {
      return None;
    }
    // Walk up to the nearest node whose shape is known.
    self.stack.clear();
    let mut cur = n;
    let mut base = loop {
      let known = self.shape[cur as usize];
      if known != UNKNOWN {
        break known;
      }
      if self.stack.len() >= self.shape.len() {
        break UNREACHABLE; // a loop: cannot happen in a BFS tree
      }
      self.stack.push(cur);
      match s.bfs_parent(cur) {
        Some((_, parent)) => cur = parent,
        None => break UNREACHABLE,
      }
    };
    // Then down again, interning one hop per node.
    while let Some(m) = self.stack.pop() {
      if base != UNREACHABLE {
        base = match s.bfs_parent(m) {
          Some((e, _)) => self.extend(base, step_of(s, e, m)),
          None => UNREACHABLE,
        };
      }
      self.shape[m as usize] = base;
    }
    match self.shape[n as usize] {
      UNKNOWN | UNREACHABLE => None,
      id => Some(id),
    }
  }

  fn extend(&mut self, parent: u32, step: ShapeStep) -> u32 {
    if self.last.get(parent as usize) == Some(&step) {
      return parent;
    }
    let next = self.last.len() as u32;
    if next >= UNREACHABLE {
      // Over four billion shapes: cannot happen with u32 node ordinals
      // (one new shape per node at most), but never alias.
      return UNREACHABLE;
    }
    let id = *self.ids.entry((parent, step)).or_insert(next);
    if id == next {
      self.last.push(step);
    }
    id
  }
}

/// The shape hop of edge `e` into node `to`.
fn step_of(s: &Snapshot, e: usize, to: u32) -> ShapeStep {
  let g = s.graph();
  let name = match g.edge_name(e) {
    None => u32::MAX,
    Some(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => u32::MAX,
    Some(_) => g.edge_name_or_index(e),
  };
  (g.edge_type(e) as u32, name, s.class_of(to))
}

/// Runs of consecutive steps along the same named edge into the same class
/// (a linked list): `(first, len)` for each maximal run, singletons
/// included, in order. Element edges (`[3]`, `[4]` ...) differ by label and
/// so never form runs.
pub fn step_runs(steps: &[PathStep]) -> Vec<(usize, usize)> {
  let mut out = Vec::new();
  let mut i = 0;
  while i < steps.len() {
    let s = &steps[i];
    let mut len = 1;
    if !s.edge_label.starts_with('[') {
      while i + len < steps.len()
        && steps[i + len].edge_label == s.edge_label
        && steps[i + len].node_class == s.node_class
      {
        len += 1;
      }
    }
    out.push((i, len));
    i += len;
  }
  out
}

/// Runs longer than this are rendered once with a `×N` count, as the JS
/// layer (`lib/diagnose/findings.js`) does.
pub const MIN_SHOWN_RUN: usize = 3;

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
