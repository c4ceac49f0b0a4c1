//! DevTools' shallow-size attribution (`calculateShallowSizes`).
//!
//! When a snapshot has user roots (every Node/Chrome snapshot does), the
//! self size of `hidden` and `array` nodes that are owned by exactly one
//! ordinary object — i.e. reachable, through non-weak edges, only from
//! that object's own hidden/array subgraph — is moved onto that owner. So
//! an `Array`'s backing store shows up in the `Array`'s own size and no
//! longer as a separate `(array)` entry. Owners that are synthetic nodes
//! or the root keep nothing.

use super::distances::is_user_root;
use super::graph::HeapGraph;
use super::sizecol::SizeColumn;

const UNVISITED: u32 = u32::MAX;
const MULTIPLE: u32 = u32::MAX - 1;

/// Returns the self size of every node after the attribution.
pub fn shallow_sizes(g: &HeapGraph) -> SizeColumn {
  attribute(g, SizeColumn::from_u32(&g.node_self_size))
}

/// The attribution applied to `sizes` (V8's self sizes, given separately
/// so that [`super::Snapshot`] can reuse their memory) in place.
pub fn attribute(g: &HeapGraph, mut sizes: SizeColumn) -> SizeColumn {
  let n = g.node_count();
  let root = g.root();
  if !g.edges(root).any(|e| is_user_root(g, g.edge_to(e))) {
    return sizes;
  }
  let ty = *g.node_types();
  let weak = g.edge_types().weak;
  let mut owners = vec![UNVISITED; n];
  for i in 0..n as u32 {
    let t = g.node_type(i);
    if t != ty.hidden && t != ty.array {
      owners[i as usize] = i;
    }
  }
  // One owner at a time (the outcome — a single owner, or shared — does
  // not depend on the order), so the stack only ever holds one owner's
  // hidden/array subgraph.
  let mut work: Vec<u32> = Vec::new();
  for start in 0..n as u32 {
    if owners[start as usize] != start {
      continue;
    }
    work.push(start);
    while let Some(id) = work.pop() {
      let owner = owners[id as usize];
      for e in g.edges(id) {
        if g.edge_type(e) == weak {
          continue;
        }
        let target = g.edge_to(e);
        let current = owners[target as usize];
        if current == UNVISITED {
          owners[target as usize] = owner;
          work.push(target);
        } else if current == target || current == owner || current == MULTIPLE {
          // Already owned by itself or by this owner, or shared.
        } else {
          owners[target as usize] = MULTIPLE;
          work.push(target);
        }
      }
    }
  }
  for i in 0..n {
    let owner = owners[i];
    if owner == UNVISITED || owner == MULTIPLE || owner as usize == i {
      continue;
    }
    if g.node_type(owner) == ty.synthetic || owner == root {
      continue;
    }
    let moved = sizes.get(i as u32);
    sizes.set(i as u32, 0);
    sizes.add(owner, moved);
  }
  sizes
}
