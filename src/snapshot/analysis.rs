//! [`Snapshot`]: a parsed graph plus everything DevTools derives from it.
//!
//! Building one computes the dominator tree, then (on two threads) the
//! distances and the shallow/retained sizes, then classes. Every per-node
//! column is 4 bytes (sizes spill to a side map past 4 GB) and the
//! transient arrays of each phase are freed when it ends. What only some
//! queries need is computed on first use: BFS parents for retainer paths
//! (kept as edge ordinals; the source node is found by binary search) and
//! the id index for lookups by id. All query modules take a `&Snapshot`.

use std::path::Path;
use std::sync::OnceLock;

use super::classes::{self, Classes};
use super::distances::{self, NO_DISTANCE};
use super::dominators::{self, DominatedNodes};
use super::error::{Result, SnapshotError};
use super::graph::HeapGraph;
use super::parse;
use super::sizecol::SizeColumn;
use super::sizes;

/// An analysed heap snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
  graph: HeapGraph,
  classes: Classes,
  /// Distance per node ([`NO_DISTANCE`] when unreachable).
  dist: Vec<u32>,
  /// BFS parent edges, computed on first use (retainer paths).
  parent_edge: OnceLock<Vec<u32>>,
  dominator: Vec<u32>,
  self_size: SizeColumn,
  retained: SizeColumn,
  /// Per class id: retained size without double counting (Summary view).
  class_retained: Vec<u64>,
  /// Node ordinals sorted by node id, computed on first lookup by id;
  /// empty when the ids already ascend with the ordinals (then the id
  /// column is searched directly).
  by_id: OnceLock<Vec<u32>>,
}

/// One object of the snapshot, as the reports show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct NodeInfo {
  pub id: u32,
  #[serde(rename = "type")]
  pub node_type: String,
  pub name: String,
  pub class_name: String,
  /// Self size after DevTools' shallow-size attribution.
  pub self_size: u64,
  pub retained_size: u64,
  /// Distance from the GC roots; `None` when unreachable; at least
  /// [`super::BASE_SYSTEM_DISTANCE`] when reachable only through system
  /// roots.
  pub distance: Option<u32>,
}

/// Node ordinals sorted by id, or an empty vector when ids strictly
/// ascend with ordinals already.
pub(crate) fn id_index(g: &HeapGraph) -> Vec<u32> {
  if g.node_id.windows(2).all(|w| w[0] < w[1]) {
    return Vec::new();
  }
  let mut by_id: Vec<u32> = (0..g.node_count() as u32).collect();
  by_id.sort_unstable_by_key(|&n| (g.id(n), n));
  by_id
}

impl Snapshot {
  /// Parses and analyses a `.heapsnapshot` or `.heapsnapshot.gz` file.
  pub fn open(path: impl AsRef<Path>) -> Result<Snapshot> {
    Ok(Snapshot::analyze(parse::parse_file(path)?))
  }

  /// Parses and analyses snapshot bytes (plain or gzip).
  pub fn from_bytes(bytes: &[u8]) -> Result<Snapshot> {
    Ok(Snapshot::analyze(parse::parse_bytes(bytes)?))
  }

  /// Analyses an already parsed graph.
  ///
  /// The phases are ordered so that both cores work and the transient
  /// arrays of one are gone before the next allocates: the dominator tree
  /// (the largest; after its first step, one thread) while a second thread
  /// attributes the shallow sizes in the memory of V8's self sizes (which the
  /// graph gives up); then a second thread assigns classes and runs the
  /// distance BFS while this one sums retained sizes and totals the classes'
  /// retained sizes.
  pub fn analyze(mut graph: HeapGraph) -> Snapshot {
    let raw = SizeColumn::from_vec(std::mem::take(&mut graph.node_self_size));
    let g = &graph;
    // A panic in the side job is a bug: it reaches the job's catch_unwind.
    let (tree, self_size) = dominators::dominators_beside(g, move || sizes::attribute(g, raw));
    let root = g.root();
    let (dist, (retained, classes, class_retained)) = std::thread::scope(|scope| {
      // The side thread assigns classes first (this thread needs them after
      // the retained sizes), then runs the BFS.
      let (classes_tx, classes_rx) = std::sync::mpsc::sync_channel(1);
      let side = scope.spawn(move || {
        let _ = classes_tx.send(Classes::build(g));
        distances::compute(g, false).dist
      });
      let retained = dominators::retained_sizes(&self_size, &tree, root);
      let classes = classes_rx.recv().unwrap_or_else(|_| Classes::build(g));
      let class_retained = classes::class_retained_totals(&classes, &tree.idom, &self_size, &retained, root);
      // Not reachable without a bug; recompute on this thread rather than
      // propagate a panic.
      let dist = side.join().unwrap_or_else(|_| distances::compute(g, false).dist);
      (dist, (retained, classes, class_retained))
    });
    let dominator = tree.idom;
    drop(tree.preorder);
    Snapshot {
      graph,
      classes,
      dist,
      parent_edge: OnceLock::new(),
      dominator,
      self_size,
      retained,
      class_retained,
      by_id: OnceLock::new(),
    }
  }

  /// The underlying graph.
  pub fn graph(&self) -> &HeapGraph {
    &self.graph
  }

  /// The class table.
  pub fn classes(&self) -> &Classes {
    &self.classes
  }

  /// Number of nodes.
  pub fn node_count(&self) -> usize {
    self.graph.node_count()
  }

  /// The node ordinal with snapshot object id `id`.
  pub fn node_by_id(&self, id: u32) -> Option<u32> {
    let g = &self.graph;
    let by_id = self.by_id.get_or_init(|| id_index(g));
    if by_id.is_empty() {
      let i = g.node_id.partition_point(|&x| x < id);
      return (g.node_id.get(i) == Some(&id)).then_some(i as u32);
    }
    let i = by_id.partition_point(|&n| g.id(n) < id);
    by_id.get(i).copied().filter(|&n| g.id(n) == id)
  }

  /// Class name of node `n`.
  pub fn class_name(&self, n: u32) -> &str {
    self.classes.name(self.classes.of(n))
  }

  /// Class id of node `n`.
  pub fn class_of(&self, n: u32) -> u32 {
    self.classes.of(n)
  }

  /// Self size of node `n` after shallow-size attribution.
  pub fn self_size(&self, n: u32) -> u64 {
    self.self_size.get(n)
  }

  /// Retained size of node `n`.
  pub fn retained_size(&self, n: u32) -> u64 {
    self.retained.get(n)
  }

  /// Retained size of class `k` without double counting: the instances
  /// (non-zero self size) with no same-class ancestor in the dominator tree.
  pub fn class_retained(&self, k: u32) -> u64 {
    self.class_retained.get(k as usize).copied().unwrap_or(0)
  }

  /// Immediate dominator of node `n` (the root dominates itself).
  pub fn dominator(&self, n: u32) -> u32 {
    self.dominator[n as usize]
  }

  /// The dominator tree's children lists, built on demand (8 bytes a
  /// node while held).
  pub fn dominated_nodes(&self) -> DominatedNodes {
    DominatedNodes::build(&self.dominator, self.graph.root())
  }

  /// Raw distance of node `n` ([`NO_DISTANCE`] when unreachable).
  pub fn distance(&self, n: u32) -> u32 {
    self.dist[n as usize]
  }

  /// The BFS parent of `n`: (edge ordinal, source node), if any.
  pub fn bfs_parent(&self, n: u32) -> Option<(usize, u32)> {
    let parents = self
      .parent_edge
      .get_or_init(|| distances::compute(&self.graph, true).parent_edge);
    let e = parents.get(n as usize).copied().unwrap_or(distances::NO_EDGE);
    if e == distances::NO_EDGE {
      None
    } else {
      Some((e as usize, self.graph.edge_source(e as usize)))
    }
  }

  /// A plain description of node `n`.
  pub fn node_info(&self, n: u32) -> NodeInfo {
    let g = &self.graph;
    let d = self.distance(n);
    NodeInfo {
      id: g.id(n),
      node_type: g.node_type_name(n).to_string(),
      name: g.name(n).to_string(),
      class_name: self.class_name(n).to_string(),
      self_size: self.self_size(n),
      retained_size: self.retained_size(n),
      distance: if d == NO_DISTANCE { None } else { Some(d) },
    }
  }

  /// Like [`Snapshot::node_info`] but by object id.
  pub fn node_info_by_id(&self, id: u32) -> Result<NodeInfo> {
    self
      .node_by_id(id)
      .map(|n| self.node_info(n))
      .ok_or_else(|| SnapshotError::query(format!("no node with id @{id} in this snapshot")))
  }
}
