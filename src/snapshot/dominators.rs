//! Dominator tree and retained sizes, with DevTools' rules.
//!
//! * Only *essential* edges count: weak edges never; `shortcut` edges only
//!   from the root (they mark user roots); and of the two edges that keep a
//!   WeakMap value alive, the one from the WeakMap's table is dropped (the
//!   key's edge is kept).
//! * Nodes reachable from user roots are "page owned"; an edge from a
//!   non-page-owned node (other than the root) to a page-owned node is
//!   ignored, so debugger/handle references do not steal dominance.
//! * Post order comes from an explicit-stack DFS from the root (no
//!   recursion, so 10M+ nodes are fine). Nodes the DFS cannot reach are
//!   attached afterwards: first those whose retainers are all weak or
//!   shortcut edges (with their subgraphs), then any leftovers; the root
//!   dominates all of them.
//! * Dominators are computed with the iterative algorithm of Cooper,
//!   Harvey and Kennedy ("A Simple, Fast Dominance Algorithm"), as DevTools
//!   does, then retained sizes are summed bottom-up along the tree.

use super::distances::parse_weakmap_edge_name;
use super::graph::{HeapGraph, Retainers};

/// Decides which edges count for dominance.
pub struct Essential<'g> {
  g: &'g HeapGraph,
  /// Per string index: the WeakMap table id if that string is an ephemeron
  /// edge name (`u64::MAX` = not one; computed on demand).
  weakmap_table: Vec<u64>,
  checked: Vec<bool>,
}

const NOT_WEAKMAP: u64 = u64::MAX;

impl<'g> Essential<'g> {
  /// Prepares the edge filter for `g`.
  pub fn new(g: &'g HeapGraph) -> Self {
    let n = g.strings().len();
    Essential {
      g,
      weakmap_table: vec![NOT_WEAKMAP; n],
      checked: vec![false; n],
    }
  }

  /// DevTools' `isEssentialEdge(node, edge)`.
  pub fn is_essential(&mut self, src: u32, e: usize) -> bool {
    let g = self.g;
    let et = g.edge_types();
    let t = g.edge_type(e);
    if t == et.internal {
      let s = g.edge_name_or_index(e) as usize;
      if s < self.checked.len() {
        if !self.checked[s] {
          self.checked[s] = true;
          if let Some((_, table)) = parse_weakmap_edge_name(g.strings().get(s)) {
            self.weakmap_table[s] = table;
          }
        }
        let table = self.weakmap_table[s];
        if table != NOT_WEAKMAP {
          return g.id(src) as u64 != table;
        }
      }
    }
    t != et.weak && (t != et.shortcut || src == g.root())
  }
}

/// Marks nodes reachable (through non-weak edges) from the root's shortcut
/// targets and `(Document DOM trees)` — DevTools' "page owned" flag.
pub fn page_owned(g: &HeapGraph) -> Vec<bool> {
  let mut flags = vec![false; g.node_count()];
  let et = g.edge_types();
  let mut stack = Vec::new();
  let root = g.root();
  for e in g.edges(root) {
    let t = g.edge_type(e);
    let child = g.edge_to(e);
    if t == et.element {
      if !(g.node_type(child) == g.node_types().synthetic && g.name(child) == "(Document DOM trees)") {
        continue;
      }
    } else if t != et.shortcut {
      continue;
    }
    flags[child as usize] = true;
    stack.push(child);
  }
  while let Some(n) = stack.pop() {
    for e in g.edges(n) {
      let child = g.edge_to(e);
      if flags[child as usize] || g.edge_type(e) == et.weak {
        continue;
      }
      flags[child as usize] = true;
      stack.push(child);
    }
  }
  flags
}

/// Post-order numbering: `order[i]` is the node with post-order index `i`
/// (the root is last) and `index_of[n]` the inverse.
pub struct PostOrder {
  pub order: Vec<u32>,
  pub index_of: Vec<u32>,
}

fn only_weak_retainers(g: &HeapGraph, r: &Retainers, n: u32) -> bool {
  let et = g.edge_types();
  r.of(n).all(|i| {
    let t = g.edge_type(r.edges[i] as usize);
    t == et.weak || t == et.shortcut
  })
}

/// DevTools' `buildPostOrderIndex`.
pub fn post_order(g: &HeapGraph, r: &Retainers, ess: &mut Essential, page: &[bool]) -> PostOrder {
  let n = g.node_count();
  let root = g.root();
  let mut order: Vec<u32> = Vec::with_capacity(n);
  let mut index_of = vec![0u32; n];
  let mut visited = vec![false; n];
  // Stack of (node, next edge ordinal).
  let mut stack: Vec<(u32, usize)> = vec![(root, g.edges(root).start)];
  visited[root as usize] = true;
  let mut iteration = 0;
  loop {
    iteration += 1;
    while let Some(top) = stack.last_mut() {
      let (node, edge) = *top;
      if edge < g.edges(node).end {
        top.1 += 1;
        if !ess.is_essential(node, edge) {
          continue;
        }
        let child = g.edge_to(edge);
        if visited[child as usize] {
          continue;
        }
        if node != root && page[child as usize] && !page[node as usize] {
          continue;
        }
        visited[child as usize] = true;
        stack.push((child, g.edges(child).start));
      } else {
        index_of[node as usize] = order.len() as u32;
        order.push(node);
        stack.pop();
      }
    }
    if order.len() == n || iteration > 1 {
      break;
    }
    // Re-run with the root at the bottom of the stack (edges exhausted) and
    // all nodes that have only weak retainers above it.
    order.pop();
    stack.push((root, g.edges(root).end));
    for i in 0..n as u32 {
      if visited[i as usize] || !only_weak_retainers(g, r, i) {
        continue;
      }
      visited[i as usize] = true;
      stack.push((i, g.edges(i).start));
    }
  }
  if order.len() != n {
    order.pop(); // the root; re-appended last
    for i in 0..n as u32 {
      if !visited[i as usize] {
        index_of[i as usize] = order.len() as u32;
        order.push(i);
      }
    }
    index_of[root as usize] = order.len() as u32;
    order.push(root);
  }
  PostOrder { order, index_of }
}

/// DevTools' `buildDominatorTree`: returns the immediate dominator (node
/// ordinal) of every node; the root is its own dominator.
pub fn dominators(
  g: &HeapGraph,
  r: &Retainers,
  ess: &mut Essential,
  page: &[bool],
  po: &PostOrder,
) -> Vec<u32> {
  let n = po.order.len();
  let root = g.root();
  let root_po = n - 1;
  let no_entry = n;
  let mut dom: Vec<usize> = vec![no_entry; n];
  dom[root_po] = root_po;
  let mut affected = vec![false; n];
  for e in g.edges(root) {
    if ess.is_essential(root, e) {
      affected[po.index_of[g.edge_to(e) as usize] as usize] = true;
    }
  }
  let mut changed = true;
  while changed {
    changed = false;
    let mut p = root_po;
    while p > 0 {
      p -= 1;
      if !affected[p] {
        continue;
      }
      affected[p] = false;
      if dom[p] == root_po {
        continue;
      }
      let node = po.order[p];
      let node_page = page[node as usize];
      let mut new_dom = no_entry;
      let mut orphan = true;
      for i in r.of(node) {
        let edge = r.edges[i] as usize;
        let src = r.nodes[i];
        if !ess.is_essential(src, edge) {
          continue;
        }
        orphan = false;
        if src != root && node_page && !page[src as usize] {
          continue;
        }
        let mut rp = po.index_of[src as usize] as usize;
        if dom[rp] != no_entry {
          if new_dom == no_entry {
            new_dom = rp;
          } else {
            // The step budget only matters for pathological inputs: it
            // turns a would-be endless walk into "dominated by the root".
            let mut budget = 4 * n + 8;
            while rp != new_dom && budget > 0 {
              while rp < new_dom && budget > 0 {
                rp = dom[rp];
                budget -= 1;
              }
              while new_dom < rp && budget > 0 {
                new_dom = dom[new_dom];
                budget -= 1;
              }
            }
            if budget == 0 || new_dom >= n {
              new_dom = root_po;
            }
          }
          if new_dom == root_po {
            break;
          }
        }
      }
      if orphan {
        new_dom = root_po;
      }
      if new_dom != no_entry && dom[p] != new_dom {
        dom[p] = new_dom;
        changed = true;
        for e in g.edges(node) {
          affected[po.index_of[g.edge_to(e) as usize] as usize] = true;
        }
      }
    }
  }
  let mut tree = vec![root; n];
  for (p, &d) in dom.iter().enumerate() {
    // Nodes never reached (cycles among orphans) fall back to the root,
    // like DevTools' typed-array lookup of the out-of-range "no entry".
    tree[po.order[p] as usize] = if d == no_entry { root } else { po.order[d] };
  }
  tree
}

/// Retained sizes: each node's (adjusted) self size plus everything it
/// dominates.
pub fn retained_sizes(self_sizes: &[u64], dom: &[u32], po: &PostOrder) -> Vec<u64> {
  let mut retained = self_sizes.to_vec();
  for &node in po.order.iter().take(po.order.len().saturating_sub(1)) {
    let d = dom[node as usize] as usize;
    retained[d] += retained[node as usize];
  }
  retained
}

/// Children lists of the dominator tree (CSR: `first[n]..first[n + 1]`
/// index into `children`).
#[derive(Debug, Clone)]
pub struct DominatedNodes {
  pub first: Vec<u32>,
  pub children: Vec<u32>,
}

impl DominatedNodes {
  /// Builds the lists from the immediate-dominator array.
  pub fn build(dom: &[u32], root: u32) -> Self {
    let n = dom.len();
    let mut first = vec![0u32; n + 1];
    for (i, &d) in dom.iter().enumerate() {
      if i as u32 != root {
        first[d as usize] += 1;
      }
    }
    let mut acc = 0u32;
    for slot in first.iter_mut() {
      let c = *slot;
      *slot = acc;
      acc += c;
    }
    let mut cursor = first.clone();
    let mut children = vec![0u32; acc as usize];
    for (i, &d) in dom.iter().enumerate() {
      if i as u32 != root {
        children[cursor[d as usize] as usize] = i as u32;
        cursor[d as usize] += 1;
      }
    }
    DominatedNodes { first, children }
  }

  /// Nodes immediately dominated by `n`.
  pub fn of(&self, n: u32) -> &[u32] {
    &self.children[self.first[n as usize] as usize..self.first[n as usize + 1] as usize]
  }
}
