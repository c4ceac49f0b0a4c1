//! [`Snapshot`]: a parsed graph plus everything DevTools derives from it.
//!
//! Building one runs, in order: class assignment and the distance BFS (on
//! a second thread), and retainers → page-owned flags → post order →
//! dominator tree → shallow-size attribution → retained sizes → dominated
//! node lists (on the calling thread). All query modules take a
//! `&Snapshot`.

use std::path::Path;

use super::classes::Classes;
use super::distances::{self, Distances, NO_DISTANCE};
use super::dominators::{self, DominatedNodes, Essential};
use super::error::{Result, SnapshotError};
use super::graph::HeapGraph;
use super::parse;
use super::sizes;

/// An analysed heap snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
  graph: HeapGraph,
  classes: Classes,
  distances: Distances,
  dominator: Vec<u32>,
  self_size: Vec<u64>,
  retained: Vec<u64>,
  dominated: DominatedNodes,
  /// Node ordinals sorted by node id, for lookups by id.
  by_id: Vec<u32>,
}

/// Plain description of one node, convenient for bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
  pub id: u32,
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
  pub fn analyze(graph: HeapGraph) -> Snapshot {
    let g = &graph;
    let ((classes, distances, by_id), (dominator, self_size, retained, dominated)) =
      std::thread::scope(|scope| {
        let side = scope.spawn(move || {
          let classes = Classes::build(g);
          let distances = distances::compute(g);
          let mut by_id: Vec<u32> = (0..g.node_count() as u32).collect();
          by_id.sort_unstable_by_key(|&n| (g.id(n), n));
          (classes, distances, by_id)
        });
        let retainers = g.retainers();
        let page = dominators::page_owned(g);
        let mut ess = Essential::new(g);
        let po = dominators::post_order(g, &retainers, &mut ess, &page);
        let dominator = dominators::dominators(g, &retainers, &mut ess, &page, &po);
        drop(retainers);
        let self_size = sizes::shallow_sizes(g);
        let retained = dominators::retained_sizes(&self_size, &dominator, &po);
        let dominated = DominatedNodes::build(&dominator, g.root());
        let main = (dominator, self_size, retained, dominated);
        let side = match side.join() {
          Ok(v) => v,
          // Not reachable without a bug; recompute on this thread rather
          // than propagate a panic.
          Err(_) => {
            let mut by_id: Vec<u32> = (0..g.node_count() as u32).collect();
            by_id.sort_unstable_by_key(|&n| (g.id(n), n));
            (Classes::build(g), distances::compute(g), by_id)
          }
        };
        (side, main)
      });
    Snapshot {
      graph,
      classes,
      distances,
      dominator,
      self_size,
      retained,
      dominated,
      by_id,
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
    let i = self.by_id.partition_point(|&n| g.id(n) < id);
    self.by_id.get(i).copied().filter(|&n| g.id(n) == id)
  }

  /// Whether a node with this id exists.
  pub fn contains_id(&self, id: u32) -> bool {
    self.node_by_id(id).is_some()
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
    self.self_size[n as usize]
  }

  /// Retained size of node `n`.
  pub fn retained_size(&self, n: u32) -> u64 {
    self.retained[n as usize]
  }

  /// Immediate dominator of node `n` (the root dominates itself).
  pub fn dominator(&self, n: u32) -> u32 {
    self.dominator[n as usize]
  }

  /// Nodes immediately dominated by `n`.
  pub fn dominated(&self, n: u32) -> &[u32] {
    self.dominated.of(n)
  }

  /// Raw distance of node `n` ([`NO_DISTANCE`] when unreachable).
  pub fn distance(&self, n: u32) -> u32 {
    self.distances.dist[n as usize]
  }

  /// The BFS parent of `n`: (edge ordinal, source node), if any.
  pub fn bfs_parent(&self, n: u32) -> Option<(usize, u32)> {
    let e = self.distances.parent_edge[n as usize];
    if e == distances::NO_EDGE {
      None
    } else {
      Some((e as usize, self.distances.parent_node[n as usize]))
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
