//! Dominator tree and retained sizes, with DevTools' rules.
//!
//! The graph the dominators are computed on:
//!
//! * Only *essential* edges count: weak edges never; `shortcut` edges only
//!   from the root (they mark user roots); and of the two edges that keep a
//!   WeakMap value alive, the one from the WeakMap's table is dropped (the
//!   key's edge is kept).
//! * Nodes reachable from user roots are "page owned"; an edge from a
//!   non-page-owned node (other than the root) to a page-owned node is
//!   ignored, so debugger/handle references do not steal dominance.
//! * A node without any essential retainer (an "orphan": only weak or
//!   shortcut retainers, or none) hangs off the root, as in DevTools, and
//!   the nodes only it reaches hang off it. Whatever is still unreachable
//!   (cycles that nothing essential enters) is dominated by the root.
//!
//! Dominators are computed with the Lengauer–Tarjan algorithm (path
//! compression, O(m log n) in every case — no input makes it slow or
//! wrong), fully iterative, on `u32` arrays indexed by DFS preorder
//! number. Memory is kept low: the DFS parent array doubles as the link
//! forest, the idom array doubles as the bucket lists, and only the
//! predecessors that come *later* in preorder are stored (the earlier
//! ones only matter through their minimum, folded in while counting).
//! Retained sizes are summed bottom-up in reverse preorder.

use super::bits::BitSet;
use super::distances::parse_weakmap_edge_name;
use super::graph::HeapGraph;
use super::sizecol::SizeColumn;

/// "No node / no number" in the u32 arrays below.
const NONE: u32 = u32::MAX;

/// Decides which edges count for dominance.
pub struct Essential<'g> {
  g: &'g HeapGraph,
  /// Per string index: 0 = not looked at yet, 1 = not an ephemeron edge
  /// name, 2 = one (its table id is in `tables`).
  state: Vec<u8>,
  tables: std::collections::HashMap<u32, u64>,
}

impl<'g> Essential<'g> {
  /// Prepares the edge filter for `g`.
  pub fn new(g: &'g HeapGraph) -> Self {
    Essential {
      g,
      state: vec![0; g.strings().len()],
      tables: std::collections::HashMap::new(),
    }
  }

  /// DevTools' `isEssentialEdge(node, edge)`.
  #[inline]
  pub fn is_essential(&mut self, src: u32, e: usize) -> bool {
    let g = self.g;
    let et = g.edge_types();
    let t = g.edge_type(e);
    if t == et.weak {
      return false;
    }
    if t == et.shortcut {
      return src == g.root();
    }
    if t == et.internal {
      return self.internal_is_essential(src, e);
    }
    true
  }

  fn internal_is_essential(&mut self, src: u32, e: usize) -> bool {
    let g = self.g;
    let s = g.edge_name_or_index(e) as usize;
    let state = match self.state.get(s) {
      Some(&st) => st,
      None => return true,
    };
    let state = if state == 0 {
      let st = match parse_weakmap_edge_name(g.strings().get(s)) {
        Some((_, table)) => {
          self.tables.insert(s as u32, table);
          2
        }
        None => 1,
      };
      self.state[s] = st;
      st
    } else {
      state
    };
    if state == 2 {
      if let Some(&table) = self.tables.get(&(s as u32)) {
        return g.id(src) as u64 != table;
      }
    }
    true
  }
}

/// Marks nodes reachable (through non-weak edges) from the root's shortcut
/// targets and `(Document DOM trees)` — DevTools' "page owned" flag.
pub fn page_owned(g: &HeapGraph) -> BitSet {
  let mut flags = BitSet::new(g.node_count());
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
    if flags.insert(child as usize) {
      stack.push(child);
    }
  }
  while let Some(n) = stack.pop() {
    for e in g.edges(n) {
      let child = g.edge_to(e);
      if g.edge_type(e) == et.weak || !flags.insert(child as usize) {
        continue;
      }
      stack.push(child);
    }
  }
  flags
}

/// The edge filter of the dominance graph: essential, and not from a
/// non-page-owned node into the page.
struct DomEdges<'g> {
  g: &'g HeapGraph,
  ess: Essential<'g>,
  page: BitSet,
  root: u32,
}

impl DomEdges<'_> {
  #[inline]
  fn keeps(&mut self, src: u32, e: usize) -> Option<u32> {
    if !self.ess.is_essential(src, e) {
      return None;
    }
    let to = self.g.edge_to(e);
    if src != self.root && self.page.get(to as usize) && !self.page.get(src as usize) {
      return None;
    }
    Some(to)
  }
}

/// The result of [`dominators`].
#[derive(Debug, Clone)]
pub struct DominatorTree {
  /// Immediate dominator (node ordinal) of every node; the root is its own.
  pub idom: Vec<u32>,
  /// Nodes in DFS preorder (the root first): every node comes after its
  /// dominator. Nodes the DFS never reached are not listed.
  pub preorder: Vec<u32>,
}

/// Depth-first search over the dominance edges from the root, then from
/// every orphan (in ordinal order) as if the root had an edge to it. Calls
/// `visit(node, parent_preorder_number)` in preorder. Iterative.
fn dfs(g: &HeapGraph, de: &mut DomEdges, orphan: &BitSet, mut visit: impl FnMut(u32, u32)) {
  let n = g.node_count();
  let mut seen = BitSet::new(n);
  // (node, next edge, preorder number)
  let mut stack: Vec<(u32, u32, u32)> = Vec::new();
  let mut next_pre: u32 = 0;
  let mut start = |s: u32, seen: &mut BitSet, stack: &mut Vec<(u32, u32, u32)>, next_pre: &mut u32| {
    seen.set(s as usize);
    visit(s, 0);
    stack.push((s, g.edges(s).start as u32, *next_pre));
    *next_pre += 1;
    while let Some(top) = stack.last_mut() {
      let (node, e, pre) = *top;
      if (e as usize) < g.edges(node).end {
        top.1 += 1;
        if let Some(child) = de.keeps(node, e as usize) {
          if seen.insert(child as usize) {
            visit(child, pre);
            stack.push((child, g.edges(child).start as u32, *next_pre));
            *next_pre += 1;
          }
        }
      } else {
        stack.pop();
      }
    }
  };
  let root = g.root();
  start(root, &mut seen, &mut stack, &mut next_pre);
  for o in 0..n as u32 {
    if orphan.get(o as usize) && !seen.get(o as usize) {
      start(o, &mut seen, &mut stack, &mut next_pre);
    }
  }
}

/// Calls `f(pre(v), pre(w))` for every dominance edge v → w between nodes the
/// DFS reached, w not the root (preorder numbers). Two passes use it: one to
/// count each node's later-in-preorder retainers, one to store them.
fn for_each_retainer(g: &HeapGraph, de: &mut DomEdges, pre_of: &[u32], mut f: impl FnMut(u32, u32)) {
  for v in 0..g.node_count() as u32 {
    let pv = pre_of[v as usize];
    if pv == NONE {
      continue;
    }
    for e in g.edges(v) {
      if let Some(w) = de.keeps(v, e) {
        let pw = pre_of[w as usize];
        if pw != NONE && pw != 0 {
          f(pv, pw);
        }
      }
    }
  }
}

/// Computes the dominator tree of `g` under DevTools' rules (see the module
/// documentation).
pub fn dominators(g: &HeapGraph) -> DominatorTree {
  let n = g.node_count();
  let root = g.root();
  let mut de = DomEdges {
    g,
    ess: Essential::new(g),
    page: page_owned(g),
    root,
  };

  // Orphans: nodes (other than the root) without an essential retainer.
  let mut orphan = BitSet::new(n);
  for src in 0..n as u32 {
    for e in g.edges(src) {
      if de.ess.is_essential(src, e) {
        orphan.set(g.edge_to(e) as usize);
      }
    }
  }
  orphan.invert();
  orphan.clear(root as usize);

  // 1. Preorder numbers and DFS parents (as preorder numbers).
  let mut pre_of: Vec<u32> = vec![NONE; n];
  let mut parent: Vec<u32> = Vec::new();
  dfs(g, &mut de, &orphan, |node, parent_pre| {
    pre_of[node as usize] = parent.len() as u32;
    parent.push(parent_pre);
  });
  let count = parent.len();

  // 2. Predecessors. `semi` starts as the smallest preorder number among
  // the DFS parent and the retainers that come earlier in preorder; only
  // the retainers that come later are stored, grouped by target.
  let mut semi: Vec<u32> = parent.clone();
  let mut first: Vec<u32> = vec![0; count + 1];
  for_each_retainer(g, &mut de, &pre_of, |pv, pw| {
    if pv < pw {
      if pv < semi[pw as usize] {
        semi[pw as usize] = pv;
      }
    } else if pv > pw {
      first[pw as usize + 1] += 1;
    }
  });
  for i in 0..count {
    first[i + 1] += first[i];
  }
  let mut preds: Vec<u32> = vec![0; first[count] as usize];
  // Fill using first[w] as a cursor (it ends at the start of w + 1).
  for_each_retainer(g, &mut de, &pre_of, |pv, pw| {
    if pv > pw {
      let at = &mut first[pw as usize];
      preds[*at as usize] = pv;
      *at += 1;
    }
  });
  drop(pre_of);
  // Keep only where each list starts, as bits: LT walks the lists from
  // the last to the first, so `first[w]` (now the end of w's list) and one
  // bit per stored predecessor replace the 4-byte offsets.
  let mut starts = BitSet::new(preds.len());
  let mut nonempty = BitSet::new(count);
  let mut prev_end = 0u32;
  for (w, &end) in first.iter().take(count).enumerate() {
    if end > prev_end {
      starts.set(prev_end as usize);
      nonempty.set(w);
    }
    prev_end = end;
  }
  drop(first);
  let lists = PredLists {
    preds,
    starts,
    nonempty,
  };

  let idom = lengauer_tarjan(parent, semi, lists);

  // 3. Map back to node ordinals: a second, identical DFS lists the nodes
  // in preorder (cheaper than keeping that list alive through LT).
  let mut vertex: Vec<u32> = Vec::with_capacity(count);
  dfs(g, &mut de, &orphan, |node, _| vertex.push(node));
  let mut dom = vec![root; n];
  for (p, &node) in vertex.iter().enumerate() {
    if let Some(&d) = idom.get(p) {
      if let Some(&dn) = vertex.get(d as usize) {
        dom[node as usize] = dn;
      }
    }
  }
  dom[root as usize] = root;
  DominatorTree {
    idom: dom,
    preorder: vertex,
  }
}

/// The later-numbered predecessors of every vertex, grouped by vertex in
/// increasing order, without an offsets array.
struct PredLists {
  preds: Vec<u32>,
  /// Set at the index where a non-empty list starts.
  starts: BitSet,
  /// Set for vertices with a non-empty list.
  nonempty: BitSet,
}

/// Lengauer–Tarjan on preorder numbers `0..count` (0 is the root).
/// `anc` holds the DFS parents and is reused as the link forest: vertex
/// `x` is linked iff it has been processed, i.e. `x >= w` for the current
/// `w`. `semi` comes in holding the minimum over the DFS parent and the
/// earlier-numbered predecessors; `lists` holds the later-numbered ones.
/// Returns the immediate dominators as preorder numbers.
fn lengauer_tarjan(mut anc: Vec<u32>, mut semi: Vec<u32>, lists: PredLists) -> Vec<u32> {
  let count = anc.len();
  let PredLists {
    preds,
    starts,
    nonempty,
  } = lists;
  let mut cursor = preds.len();
  let mut label: Vec<u32> = (0..count as u32).collect();
  // idom[x] is x's bucket head while x is unprocessed, then x's "next"
  // link in the bucket of semi[x] until its idom is known.
  let mut idom: Vec<u32> = vec![NONE; count];
  let mut path: Vec<u32> = Vec::new();
  for w in (1..count).rev() {
    let wu = w as u32;
    // eval(v) for v > w: compress v's path in the forest of processed
    // vertices, return the label with the smallest semi on it.
    let mut s = semi[w];
    let end = cursor;
    if nonempty.get(w) {
      while cursor > 0 {
        cursor -= 1;
        if starts.get(cursor) {
          break;
        }
      }
    }
    for &v in &preds[cursor..end] {
      let u = eval(v, wu, &mut anc, &mut label, &semi, &mut path);
      if semi[u as usize] < s {
        s = semi[u as usize];
      }
    }
    semi[w] = s;
    // Add w to the bucket of s; link w (anc[w] already is its parent).
    idom[w] = idom[s as usize];
    idom[s as usize] = wu;
    let p = anc[w];
    // Drain the bucket of the parent.
    let mut v = idom[p as usize];
    idom[p as usize] = NONE;
    while v != NONE {
      let next = idom[v as usize];
      // Now w is linked too: processed means >= w.
      let u = eval(v, wu.saturating_sub(1), &mut anc, &mut label, &semi, &mut path);
      idom[v as usize] = if semi[u as usize] < semi[v as usize] { u } else { p };
      v = next;
    }
  }
  drop((label, anc, preds, starts, nonempty));
  if count > 0 {
    idom[0] = 0;
  }
  for w in 1..count {
    let d = idom[w];
    if d != semi[w] && (d as usize) < count {
      idom[w] = idom[d as usize];
    }
  }
  idom
}

/// LT's eval with path compression. Vertices `> done` are linked.
#[inline]
fn eval(v: u32, done: u32, anc: &mut [u32], label: &mut [u32], semi: &[u32], path: &mut Vec<u32>) -> u32 {
  if v <= done {
    return v;
  }
  // Walk up while the ancestor is itself linked.
  let mut x = v;
  while anc[x as usize] > done {
    path.push(x);
    x = anc[x as usize];
  }
  // `x` is the topmost linked vertex on the path; compress below it.
  while let Some(y) = path.pop() {
    let a = anc[y as usize];
    if a > done {
      let (la, ly) = (label[a as usize], label[y as usize]);
      if semi[la as usize] < semi[ly as usize] {
        label[y as usize] = la;
      }
      anc[y as usize] = anc[a as usize];
    }
  }
  label[v as usize]
}

/// Retained sizes: each node's (adjusted) self size plus everything it
/// dominates.
pub fn retained_sizes(self_sizes: &SizeColumn, tree: &DominatorTree, root: u32) -> SizeColumn {
  let mut retained = self_sizes.clone();
  let mut reached = BitSet::new(tree.idom.len());
  for &node in &tree.preorder {
    reached.set(node as usize);
  }
  // Unreached nodes hang off the root directly.
  for node in 0..tree.idom.len() as u32 {
    if !reached.get(node as usize) {
      retained.add(root, self_sizes.get(node));
    }
  }
  for &node in tree.preorder.iter().skip(1).rev() {
    let d = tree.idom[node as usize];
    let r = retained.get(node);
    retained.add(d, r);
  }
  retained
}

/// Children lists of the dominator tree, compactly: `children` holds every
/// non-root node grouped by dominator, and only nodes that have children
/// get an offset (found through a rank over `has_children`), so the whole
/// costs about 5 bytes a node rather than 8. Built on demand: the per-class
/// retained sizes walk it once.
#[derive(Debug, Clone)]
pub struct DominatedNodes {
  has_children: BitSet,
  /// `first[k]..first[k + 1]`: the children of the `k`-th node with any.
  first: Vec<u32>,
  children: Vec<u32>,
}

impl DominatedNodes {
  /// Builds the lists from the immediate-dominator array.
  pub fn build(dom: &[u32], root: u32) -> Self {
    let n = dom.len();
    let mut has_children = BitSet::new(n);
    for (i, &d) in dom.iter().enumerate() {
      if i as u32 != root {
        has_children.set(d as usize);
      }
    }
    has_children.build_rank();
    let parents = has_children.count_ones();
    let mut first = vec![0u32; parents + 1];
    for (i, &d) in dom.iter().enumerate() {
      if i as u32 != root {
        first[has_children.rank(d as usize) + 1] += 1;
      }
    }
    for k in 0..parents {
      first[k + 1] += first[k];
    }
    let mut children = vec![0u32; first[parents] as usize];
    for (i, &d) in dom.iter().enumerate() {
      if i as u32 != root {
        let at = &mut first[has_children.rank(d as usize)];
        children[*at as usize] = i as u32;
        *at += 1;
      }
    }
    for k in (1..=parents).rev() {
      first[k] = first[k - 1];
    }
    first[0] = 0;
    DominatedNodes {
      has_children,
      first,
      children,
    }
  }

  /// Nodes immediately dominated by `n`.
  pub fn of(&self, n: u32) -> &[u32] {
    if !self.has_children.get(n as usize) {
      return &[];
    }
    let k = self.has_children.rank(n as usize);
    let (a, b) = (self.first[k] as usize, self.first[k + 1] as usize);
    &self.children[a..b]
  }
}
