//! Distances from the GC roots, the way DevTools computes them.
//!
//! A breadth-first search first starts from the *user roots* — the
//! non-synthetic targets of the root node's edges (in Node: the global
//! object, via a `shortcut` edge) and `(Document DOM trees)` — at distance
//! 1; a second BFS from the root itself (at distance
//! [`BASE_SYSTEM_DISTANCE`] when user roots exist, else 0) reaches the rest.
//! Weak edges are never followed, and, as in DevTools' JS filter:
//! `sloppy_function_map` of `system / NativeContext`, the key/detail slots
//! of `(map descriptors)` arrays, and the first of the two ephemeron edges
//! of a WeakMap entry are skipped. The BFS also records the edge through
//! which each node was first reached; walking those back gives a shortest
//! retainer path.

use std::collections::HashSet;

use super::graph::HeapGraph;

/// Distance of a node not reachable from the root.
pub const NO_DISTANCE: u32 = u32::MAX;
/// Distance given to the root when user roots exist; nodes reachable only
/// through `(GC roots)` end up at this distance or above.
pub const BASE_SYSTEM_DISTANCE: u32 = 100_000_000;
/// "No parent" marker in [`Distances::parent_edge`].
pub const NO_EDGE: u32 = u32::MAX;

/// Result of the BFS.
#[derive(Debug, Clone)]
pub struct Distances {
  /// Distance per node ordinal, [`NO_DISTANCE`] when unreachable.
  pub dist: Vec<u32>,
  /// The edge through which the node was first reached, [`NO_EDGE`] for
  /// the root, user roots' parents are the root. The edge's source node
  /// is found with [`HeapGraph::edge_source`].
  pub parent_edge: Vec<u32>,
}

/// Parses an ephemeron edge name as V8 writes it for WeakMap entries:
/// `"<n> / part of key (K @1) -> value (V @2) pair in WeakMap (table @3)"`.
/// Returns the part after the leading number (shared by the key's and the
/// table's edge) and the table's node id.
pub fn parse_weakmap_edge_name(name: &str) -> Option<(&str, u64)> {
  let digits = name.bytes().take_while(|b| b.is_ascii_digit()).count();
  if digits == 0 {
    return None;
  }
  let rest = &name[digits..];
  if !rest.starts_with(" / part of key (") || !rest.ends_with(')') || !rest.contains(") -> value (") {
    return None;
  }
  const MARK: &str = " pair in WeakMap (table @";
  let p = rest.rfind(MARK)?;
  let id = &rest[p + MARK.len()..rest.len() - 1];
  if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
    return None;
  }
  Some((rest, id.parse().ok()?))
}

/// True for nodes DevTools treats as user roots.
pub fn is_user_root(g: &HeapGraph, n: u32) -> bool {
  let t = g.node_type(n);
  t != g.node_types().synthetic || g.name(n) == "(Document DOM trees)"
}

/// Runs DevTools' two-phase BFS. `parent_edge` is only filled in when
/// `with_parents` is set (retainer paths need it; summaries do not).
pub fn compute(g: &HeapGraph, with_parents: bool) -> Distances {
  let n = g.node_count();
  let mut d = Distances {
    dist: vec![NO_DISTANCE; n],
    parent_edge: if with_parents { vec![NO_EDGE; n] } else { Vec::new() },
  };
  let root = g.root();
  let mut queue: Vec<u32> = Vec::new();
  for e in g.edges(root) {
    let child = g.edge_to(e);
    if is_user_root(g, child) && d.dist[child as usize] == NO_DISTANCE {
      d.dist[child as usize] = 1;
      if let Some(p) = d.parent_edge.get_mut(child as usize) {
        *p = e as u32;
      }
      queue.push(child);
    }
  }
  let had_user_roots = !queue.is_empty();
  let mut pending: HashSet<&str> = HashSet::new();
  bfs(g, &mut queue, &mut d, &mut pending);
  d.dist[root as usize] = if had_user_roots { BASE_SYSTEM_DISTANCE } else { 0 };
  if let Some(p) = d.parent_edge.get_mut(root as usize) {
    *p = NO_EDGE;
  }
  queue.clear();
  queue.push(root);
  bfs(g, &mut queue, &mut d, &mut pending);
  d
}

fn bfs<'g>(g: &'g HeapGraph, queue: &mut Vec<u32>, d: &mut Distances, pending: &mut HashSet<&'g str>) {
  let ty = *g.node_types();
  let et = *g.edge_types();
  let mut head = 0;
  while head < queue.len() {
    let node = queue[head];
    head += 1;
    let next = d.dist[node as usize].saturating_add(1);
    let nt = g.node_type(node);
    let special_native_context = nt == ty.hidden && g.name(node) == "system / NativeContext";
    let map_descriptors = nt == ty.array && g.name(node) == "(map descriptors)";
    for e in g.edges(node) {
      let t = g.edge_type(e);
      if t == et.weak {
        continue;
      }
      let child = g.edge_to(e);
      if d.dist[child as usize] != NO_DISTANCE {
        continue;
      }
      if special_native_context && g.edge_name(e) == Some("sloppy_function_map") {
        continue;
      }
      if map_descriptors {
        let index = match g.edge_name(e) {
          None => Some(g.edge_name_or_index(e) as u64),
          Some(s) => leading_int(s),
        };
        if let Some(i) = index {
          if !(i < 2 || i % 3 != 1) {
            continue;
          }
        }
      } else if t == et.internal {
        if let Some((dup, _)) = g.edge_name(e).and_then(parse_weakmap_edge_name) {
          if !pending.remove(dup) {
            pending.insert(dup);
            continue;
          }
        }
      }
      d.dist[child as usize] = next;
      if let Some(p) = d.parent_edge.get_mut(child as usize) {
        *p = e as u32;
      }
      queue.push(child);
    }
  }
}

/// `parseInt(s, 10)` for the non-negative case: leading decimal digits.
fn leading_int(s: &str) -> Option<u64> {
  let digits: &str = &s[..s.bytes().take_while(|b| b.is_ascii_digit()).count()];
  digits.parse().ok()
}
