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
//! ones only matter through their minimum, folded in during the DFS), and
//! their memory is handed back as LT consumes them. The start of LT is the
//! whole analysis's memory peak, which is why these arrays are lean.
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

/// The result of [`dominators`].
#[derive(Debug, Clone)]
pub struct DominatorTree {
  /// Immediate dominator (node ordinal) of every node; the root is its own.
  pub idom: Vec<u32>,
  /// Nodes in DFS preorder (the root first): every node comes after its
  /// dominator. Nodes the DFS never reached are not listed.
  pub preorder: Vec<u32>,
}

/// Which edges are essential, as one bit per edge, and which nodes have an
/// essential retainer (one bit per node), with `side` run on the second
/// thread first. The edges are cut into chunks that both threads take in
/// turn (each with its own [`Essential`] cache and bit sets, merged at the
/// end), so the work evens out whatever `side` costs.
fn essential_edges_beside<T: Send>(g: &HeapGraph, side: impl FnOnce() -> T + Send) -> (T, (BitSet, BitSet)) {
  use std::sync::atomic::{AtomicUsize, Ordering};
  const CHUNKS: usize = 64;
  let n = g.node_count();
  // Node boundaries with about the same number of edges between them
  // (the last is the end, past any nodes without edges).
  let bounds: Vec<u32> = (0..=CHUNKS)
    .map(|k| match k {
      CHUNKS => n as u32,
      _ => {
        let edge = (g.edge_count() as u64 * k as u64 / CHUNKS as u64) as u32;
        g.first_edge.partition_point(|&f| f < edge).min(n) as u32
      }
    })
    .collect();
  let next = AtomicUsize::new(0);
  let work = || {
    let mut ess = Essential::new(g);
    let mut edges = BitSet::new(g.edge_count());
    let mut retained = BitSet::new(n);
    loop {
      let k = next.fetch_add(1, Ordering::Relaxed);
      if k >= CHUNKS {
        break;
      }
      for src in bounds[k]..bounds[k + 1] {
        for e in g.edges(src) {
          if ess.is_essential(src, e) {
            edges.set(e);
            retained.set(g.edge_to(e) as usize);
          }
        }
      }
    }
    (edges, retained)
  };
  let (t, (mut edges, mut retained), (edges_b, retained_b)) = std::thread::scope(|scope| {
    let other = scope.spawn(|| (side(), work()));
    let mine = work();
    match other.join() {
      Ok((t, theirs)) => (t, mine, theirs),
      Err(p) => std::panic::resume_unwind(p),
    }
  });
  edges.union_with(&edges_b);
  retained.union_with(&retained_b);
  (t, (edges, retained))
}

/// Computes the dominator tree of `g` under DevTools' rules (see the module
/// documentation).
///
/// 1. On two threads: the page-owned flags, and the essential edges with
///    the orphans they leave.
/// 2. One depth-first search over the dominance edges (essential, and not
///    from outside the page into it) from the root, then from every orphan
///    (in ordinal order) as if the root had an edge to it. It numbers the
///    nodes in preorder and, since every edge between reached nodes is
///    looked at exactly once, also starts each node's semidominator at the
///    smallest of its DFS parent and its earlier-numbered retainers, and
///    counts (and keeps the bit of) each later-numbered retainer edge.
/// 3. The later-numbered retainers are stored grouped by target, and
///    Lengauer–Tarjan runs on preorder numbers.
pub fn dominators(g: &HeapGraph) -> DominatorTree {
  dominators_beside(g, || ()).0
}

/// [`dominators`], running `side` on a second thread once the two-thread
/// first step is done (the DFS and LT are one thread's work, so the other
/// core is free; filling LT's lists takes two threads for a moment, after
/// the DFS, by which time `side` has usually finished). A panic in `side`
/// is passed on.
pub fn dominators_beside<T: Send>(g: &HeapGraph, side: impl FnOnce() -> T + Send) -> (DominatorTree, T) {
  let root = g.root();
  let (page, (dom_edges, mut orphan)) = essential_edges_beside(g, || page_owned(g));
  orphan.invert();
  orphan.clear(root as usize);
  std::thread::scope(|scope| {
    let other = scope.spawn(side);
    let tree = dominators_from(g, page, dom_edges, orphan);
    (tree, other.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
  })
}

/// Steps 2 and 3 of [`dominators`], from the page-owned flags, the essential
/// edges and the orphans.
fn dominators_from(g: &HeapGraph, page: BitSet, mut dom_edges: BitSet, orphan: BitSet) -> DominatorTree {
  let n = g.node_count();
  let root = g.root();

  // 2. The DFS. `dom_edges` starts as the essential edges; after the DFS it
  // holds exactly the later-numbered retainer edges.
  let mut pre_of: Vec<u32> = vec![NONE; n];
  // Sized for every node up front: growing by doubling would overshoot by
  // up to half (untouched capacity costs no memory).
  let mut parent: Vec<u32> = Vec::with_capacity(n);
  let mut semi: Vec<u32> = Vec::with_capacity(n);
  let mut later: Vec<u32> = Vec::with_capacity(n + 1);
  // One frame per node on the DFS path: its next and end edge, its
  // preorder number, and whether it lies outside the page (only then can
  // an edge from it be dropped by the page rule).
  struct Frame {
    next: u32,
    end: u32,
    pre: u32,
    outside: bool,
  }
  let frame = |v: u32, pre: u32| {
    let r = g.edges(v);
    Frame {
      next: r.start as u32,
      end: r.end as u32,
      pre,
      outside: v != root && !page.get(v as usize),
    }
  };
  let mut stack: Vec<Frame> = Vec::new();
  let mut search = |s: u32, pre_of: &mut Vec<u32>, stack: &mut Vec<Frame>| {
    let ps = parent.len() as u32;
    pre_of[s as usize] = ps;
    parent.push(0);
    semi.push(0);
    later.push(0);
    stack.push(frame(s, ps));
    'dfs: while let Some(top) = stack.last_mut() {
      let pv = top.pre;
      while top.next < top.end {
        let e = top.next as usize;
        top.next += 1;
        if !dom_edges.get(e) {
          continue;
        }
        let w = g.edge_to(e);
        if top.outside && page.get(w as usize) {
          dom_edges.clear(e);
          continue;
        }
        let pw = pre_of[w as usize];
        if pw == NONE {
          // A tree edge.
          let next = parent.len() as u32;
          pre_of[w as usize] = next;
          parent.push(pv);
          semi.push(pv);
          later.push(0);
          dom_edges.clear(e);
          stack.push(frame(w, next));
          continue 'dfs;
        } else if pw != 0 && pv > pw {
          later[pw as usize] += 1;
        } else {
          if pw != 0 && pv < semi[pw as usize] {
            semi[pw as usize] = pv;
          }
          dom_edges.clear(e);
        }
      }
      stack.pop();
    }
  };
  search(root, &mut pre_of, &mut stack);
  for o in 0..n as u32 {
    if orphan.get(o as usize) && pre_of[o as usize] == NONE {
      search(o, &mut pre_of, &mut stack);
    }
  }
  drop((stack, orphan, page));
  let count = parent.len();

  // 3. The later-numbered retainers, grouped by target (`first` holds where
  // each group starts, then is used as the fill cursor).
  let mut first: Vec<u32> = later;
  first.push(0);
  let mut acc = 0u32;
  for slot in first.iter_mut() {
    let c = *slot;
    *slot = acc;
    acc += c;
  }
  let mut preds: Vec<u32> = vec![0; acc as usize];
  // On two threads, each filling the lists of half the targets (both
  // read every edge; the scattered writes are what costs).
  let mid = first[..count].partition_point(|&f| f < acc / 2);
  {
    let (first_a, first_b) = first.split_at_mut(mid);
    let (preds_a, preds_b) = preds.split_at_mut(first_b[0] as usize);
    let (dom_edges, pre_of) = (&dom_edges, &pre_of);
    std::thread::scope(|scope| {
      scope.spawn(move || fill_lists(g, dom_edges, pre_of, mid, first_b, preds_b));
      fill_lists(g, dom_edges, pre_of, 0, first_a, preds_a);
    });
  }
  drop(dom_edges);
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
  // The nodes in preorder, from the numbering (which is then done with).
  let mut vertex: Vec<u32> = vec![0; count];
  for (node, &p) in pre_of.iter().enumerate() {
    if p != NONE {
      vertex[p as usize] = node as u32;
    }
  }
  drop(pre_of);
  let lists = PredLists {
    preds,
    starts,
    nonempty,
  };

  let idom = lengauer_tarjan(parent, semi, lists);

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

/// Stores the later-numbered retainer edges (`dom_edges` after the DFS)
/// whose target is numbered `lo..lo + cursor.len()`: `cursor[pw - lo]` is
/// where the next one of `pw`'s goes, as an offset into the whole list of
/// which `preds` is the part that starts at `cursor[0]`.
fn fill_lists(g: &HeapGraph, dom_edges: &BitSet, pre_of: &[u32], lo: usize, cursor: &mut [u32], preds: &mut [u32]) {
  let hi = lo + cursor.len();
  let base = cursor.first().copied().unwrap_or(0);
  // Bits of nodes the DFS never reached were never looked at: skipped.
  let mut v = 0usize;
  for e in dom_edges.ones() {
    while g.first_edge[v + 1] as usize <= e {
      v += 1;
    }
    if pre_of[v] == NONE {
      continue;
    }
    let pw = pre_of[g.edge_to(e) as usize] as usize;
    if pw < lo || pw >= hi {
      continue;
    }
    let at = &mut cursor[pw - lo];
    preds[(*at - base) as usize] = pre_of[v];
    *at += 1;
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
    mut preds,
    starts,
    nonempty,
  } = lists;
  let mut cursor = preds.len();
  // The lists are consumed from the end: their memory is handed back as
  // LT goes (a shrinking reallocation of a large block unmaps its tail).
  const RELEASE_EVERY: usize = 1 << 20;
  let mut kept_until = cursor;
  // label[x] is only read once x is linked (x >= w), so it is set when x
  // is processed: zeroed memory that is only touched as LT descends.
  let mut label: Vec<u32> = vec![0; count];
  // idom[x] is x's bucket head while x is unprocessed, then x's "next"
  // link in the bucket of semi[x] until its idom is known.
  let mut idom: Vec<u32> = vec![NONE; count];
  let mut path: Vec<u32> = Vec::new();
  for w in (1..count).rev() {
    let wu = w as u32;
    label[w] = wu;
    if kept_until - cursor >= RELEASE_EVERY {
      preds.truncate(cursor);
      preds.shrink_to_fit();
      kept_until = cursor;
    }
    // eval(v) for v > w: compress v's path in the forest of processed
    // vertices, return the label with the smallest semi on it.
    let mut s = semi[w];
    let end = cursor;
    if nonempty.get(w) {
      cursor = starts.prev_one(cursor).unwrap_or(0);
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

/// Children lists of the dominator tree: `children` holds every non-root
/// node grouped by dominator, `first[n]..first[n + 1]` are `n`'s (8 bytes a
/// node). Built on demand and held only while a walk needs it (the
/// classes' retained totals, findLeaks' topmost candidates), after the
/// analysis's memory peak.
#[derive(Debug, Clone)]
pub struct DominatedNodes {
  first: Vec<u32>,
  children: Vec<u32>,
}

impl DominatedNodes {
  /// Builds the lists from the immediate-dominator array.
  pub fn build(dom: &[u32], root: u32) -> Self {
    let n = dom.len();
    let mut first = vec![0u32; n + 1];
    for (i, &d) in dom.iter().enumerate() {
      if i as u32 != root {
        first[d as usize + 1] += 1;
      }
    }
    for k in 0..n {
      first[k + 1] += first[k];
    }
    let mut children = vec![0u32; first[n] as usize];
    // Fill with first[d] as the cursor (it ends at the start of d + 1),
    // then shift the offsets back by one node.
    for (i, &d) in dom.iter().enumerate() {
      if i as u32 != root {
        let at = &mut first[d as usize];
        children[*at as usize] = i as u32;
        *at += 1;
      }
    }
    for k in (1..=n).rev() {
      first[k] = first[k - 1];
    }
    first[0] = 0;
    DominatedNodes { first, children }
  }

  /// Nodes immediately dominated by `n`.
  pub fn of(&self, n: u32) -> &[u32] {
    match (self.first.get(n as usize), self.first.get(n as usize + 1)) {
      (Some(&a), Some(&b)) => &self.children[a as usize..b as usize],
      _ => &[],
    }
  }
}
