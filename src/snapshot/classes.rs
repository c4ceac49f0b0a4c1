//! Class names, following Chrome DevTools' `JSHeapSnapshotNode.className()`.
//!
//! * `object` and `native` nodes are grouped by their name (the constructor
//!   name, or e.g. `system / Context`); embedder names like `<div id=x>` are
//!   shortened to `<div>` (and `Detached <div ...>` to `Detached <div>`).
//! * `hidden` → `(system)`, `code` → `(compiled code)`, `closure` →
//!   `Function`, `regexp` → `RegExp` (current DevTools; older versions
//!   printed `(closure)` / `(regexp)`).
//! * every other type `t` → `(t)`: `(string)`, `(concatenated string)`,
//!   `(sliced string)`, `(array)`, `(number)`, `(object shape)`,
//!   `(synthetic)`, `(bigint)`, `(symbol)` …
//!
//! Classes are keyed by the displayed name, so a class is the same thing in
//! two snapshots of one process (which diffs rely on).

use std::collections::HashMap;

use super::dominators::DominatedNodes;
use super::graph::HeapGraph;
use super::sizecol::SizeColumn;

const NONE: u32 = u32::MAX;

/// The class of every node, with class ids local to one snapshot.
#[derive(Debug, Clone)]
pub struct Classes {
  names: Vec<String>,
  of: Vec<u32>,
  by_name: HashMap<String, u32>,
}

/// DevTools' display name for an object/native node name.
pub fn synthetic_class_name(name: &str) -> std::borrow::Cow<'_, str> {
  let cut = |from: usize| match name[from..].find(' ') {
    Some(p) => std::borrow::Cow::Owned(format!("{}>", &name[..from + p])),
    None => std::borrow::Cow::Borrowed(name),
  };
  if name.starts_with('<') {
    cut(0)
  } else if name.starts_with("Detached <") {
    cut(10)
  } else {
    std::borrow::Cow::Borrowed(name)
  }
}

/// The class name of node `n` computed from scratch.
pub fn class_name_of(g: &HeapGraph, n: u32) -> String {
  let t = g.node_type(n);
  let ty = g.node_types();
  if t == ty.object || t == ty.native {
    synthetic_class_name(g.name(n)).into_owned()
  } else {
    type_class_name(g, t)
  }
}

fn type_class_name(g: &HeapGraph, t: u8) -> String {
  let ty = g.node_types();
  if t == ty.hidden {
    "(system)".to_string()
  } else if t == ty.code {
    "(compiled code)".to_string()
  } else if t == ty.closure {
    "Function".to_string()
  } else if t == ty.regexp {
    "RegExp".to_string()
  } else {
    let name = g
      .node_type_names
      .get(t as usize)
      .map(|s| s.as_str())
      .unwrap_or("unknown");
    format!("({name})")
  }
}

impl Classes {
  /// Assigns every node of `g` its class.
  pub fn build(g: &HeapGraph) -> Classes {
    let mut c = Classes {
      names: Vec::new(),
      of: Vec::with_capacity(g.node_count()),
      by_name: HashMap::new(),
    };
    let ty = *g.node_types();
    let mut by_string = vec![NONE; g.strings().len()];
    let mut by_type = vec![NONE; g.node_type_names.len()];
    for n in 0..g.node_count() as u32 {
      let t = g.node_type(n);
      let class = if t == ty.object || t == ty.native {
        let s = g.name_index(n) as usize;
        match by_string.get(s) {
          Some(&k) if k != NONE => k,
          _ => {
            let k = c.intern(synthetic_class_name(g.name(n)).as_ref());
            if let Some(slot) = by_string.get_mut(s) {
              *slot = k;
            }
            k
          }
        }
      } else {
        match by_type.get(t as usize) {
          Some(&k) if k != NONE => k,
          _ => {
            let k = c.intern(&type_class_name(g, t));
            if let Some(slot) = by_type.get_mut(t as usize) {
              *slot = k;
            }
            k
          }
        }
      };
      c.of.push(class);
    }
    c
  }

  fn intern(&mut self, name: &str) -> u32 {
    if let Some(&k) = self.by_name.get(name) {
      return k;
    }
    let k = self.names.len() as u32;
    self.names.push(name.to_string());
    self.by_name.insert(name.to_string(), k);
    k
  }

  /// Class id of node `n`.
  #[inline]
  pub fn of(&self, n: u32) -> u32 {
    self.of[n as usize]
  }

  /// Name of class `k`.
  pub fn name(&self, k: u32) -> &str {
    self.names.get(k as usize).map(|s| s.as_str()).unwrap_or("")
  }

  /// Number of distinct classes.
  pub fn len(&self) -> usize {
    self.names.len()
  }

  /// True when there are no classes (never for a valid snapshot).
  pub fn is_empty(&self) -> bool {
    self.names.is_empty()
  }

  /// Class id for a class name.
  pub fn lookup(&self, name: &str) -> Option<u32> {
    self.by_name.get(name).copied()
  }
}

/// Per class: the sum of the retained sizes of its instances (non-zero
/// self size) that have no ancestor in the dominator tree of the same
/// class. Walks the tree from the root once.
pub(crate) fn class_retained_totals(
  classes: &Classes,
  dom: &[u32],
  self_size: &SizeColumn,
  retained: &SizeColumn,
  root: u32,
) -> Vec<u64> {
  let tree = DominatedNodes::build(dom, root);
  let mut totals = vec![0u64; classes.len()];
  let mut seen = vec![false; classes.len()];
  // Depth-first over the dominator tree with an explicit stack. `Exit`
  // entries un-mark a class once its subtree is done.
  enum Step {
    Enter(u32),
    Exit(u32),
  }
  let mut stack = vec![Step::Enter(root)];
  while let Some(step) = stack.pop() {
    match step {
      Step::Exit(k) => seen[k as usize] = false,
      Step::Enter(n) => {
        let k = classes.of(n);
        let children = tree.of(n);
        if !seen[k as usize] && self_size.get(n) != 0 {
          totals[k as usize] += retained.get(n);
          if !children.is_empty() {
            seen[k as usize] = true;
            stack.push(Step::Exit(k));
          }
        }
        stack.extend(children.iter().map(|&c| Step::Enter(c)));
      }
    }
  }
  totals
}

