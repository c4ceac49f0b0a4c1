//! The compact in-memory graph of one heap snapshot.
//!
//! Nodes and edges are stored as a struct of arrays indexed by `u32`
//! ordinals (node `i` owns edges `first_edge[i]..first_edge[i + 1]`), and
//! all strings live in one [`StringTable`] arena. A 10M-node snapshot costs
//! about 17 bytes per node and 8 bytes per edge (an edge's target and type
//! share one word), plus the string bytes.
//!
//! The type ids of nodes and edges are looked up by *name* in the
//! snapshot's own `meta` (`node_types`, `edge_types`), never hard-coded.

use std::ops::Range;

/// All strings of a snapshot in one arena: `data` holds the concatenated
/// UTF-8 text and `ends[i]` the end offset of string `i` (4 bytes a
/// string, so the text is limited to 4 GB).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StringTable {
  data: String,
  ends: Vec<u32>,
}

impl StringTable {
  /// Number of strings.
  pub fn len(&self) -> usize {
    self.ends.len()
  }

  /// True when there are no strings.
  pub fn is_empty(&self) -> bool {
    self.ends.is_empty()
  }

  /// String `i`, or `""` when `i` is out of range.
  pub fn get(&self, i: usize) -> &str {
    let end = match self.ends.get(i) {
      Some(&e) => e as usize,
      None => return "",
    };
    let start = if i == 0 {
      0
    } else {
      self.ends.get(i - 1).map_or(0, |&e| e as usize)
    };
    self.data.get(start..end).unwrap_or("")
  }

  /// Appends a string; false (and nothing appended) when the text would
  /// pass 4 GB.
  pub fn push(&mut self, s: &str) -> bool {
    let Ok(end) = u32::try_from(self.data.len() + s.len()) else {
      return false;
    };
    self.data.push_str(s);
    self.ends.push(end);
    true
  }

  /// Total bytes of text.
  pub fn text_bytes(&self) -> usize {
    self.data.len()
  }
}

/// Sentinel for "this type does not exist in this snapshot's meta".
pub const NO_TYPE: u8 = u8::MAX;

/// Node type ids resolved from `meta.node_types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeTypes {
  pub hidden: u8,
  pub array: u8,
  pub string: u8,
  pub object: u8,
  pub code: u8,
  pub closure: u8,
  pub regexp: u8,
  pub number: u8,
  pub native: u8,
  pub synthetic: u8,
  pub cons_string: u8,
  pub sliced_string: u8,
}

impl NodeTypes {
  pub(crate) fn resolve(names: &[String]) -> Self {
    let f = |n: &str| find_type(names, n);
    NodeTypes {
      hidden: f("hidden"),
      array: f("array"),
      string: f("string"),
      object: f("object"),
      code: f("code"),
      closure: f("closure"),
      regexp: f("regexp"),
      number: f("number"),
      native: f("native"),
      synthetic: f("synthetic"),
      cons_string: f("concatenated string"),
      sliced_string: f("sliced string"),
    }
  }
}

/// Edge type ids resolved from `meta.edge_types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeTypes {
  pub context: u8,
  pub element: u8,
  pub property: u8,
  pub internal: u8,
  pub hidden: u8,
  pub shortcut: u8,
  pub weak: u8,
  pub invisible: u8,
}

impl EdgeTypes {
  pub(crate) fn resolve(names: &[String]) -> Self {
    let f = |n: &str| find_type(names, n);
    EdgeTypes {
      context: f("context"),
      element: f("element"),
      property: f("property"),
      internal: f("internal"),
      hidden: f("hidden"),
      shortcut: f("shortcut"),
      weak: f("weak"),
      invisible: f("invisible"),
    }
  }

  /// Element and hidden edges carry a numeric index instead of a string.
  #[inline]
  pub fn has_numeric_name(&self, t: u8) -> bool {
    t == self.element || t == self.hidden
  }
}

fn find_type(names: &[String], name: &str) -> u8 {
  names
    .iter()
    .position(|n| n == name)
    .map(|p| p as u8)
    .unwrap_or(NO_TYPE)
}

/// One entry of the snapshot's `locations` array (0-based line/column, as
/// stored by V8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawLocation {
  pub node: u32,
  pub script_id: u32,
  pub line: u32,
  pub column: u32,
}

/// Low bits of an edge's packed word that hold its target node ordinal; the
/// edge's type id is in the bits above (4 bytes an edge instead of 5).
pub(crate) const EDGE_TO_BITS: u32 = 28;
const EDGE_TO_MASK: u32 = (1 << EDGE_TO_BITS) - 1;
/// Most nodes a snapshot may have (a file of that many is tens of GB).
pub const MAX_NODES: u64 = 1 << EDGE_TO_BITS;
/// Most edge types `meta.edge_types` may list (V8 has 7).
pub const MAX_EDGE_TYPES: usize = 1 << (32 - EDGE_TO_BITS);

/// An edge's target and type in one word (`to < MAX_NODES`, `t <
/// MAX_EDGE_TYPES`).
#[inline]
pub(crate) fn pack_edge(to: u32, t: u8) -> u32 {
  to | (t as u32) << EDGE_TO_BITS
}

/// A parsed heap snapshot: the raw graph, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeapGraph {
  pub(crate) node_type_names: Vec<String>,
  pub(crate) edge_type_names: Vec<String>,
  pub(crate) node_types: NodeTypes,
  pub(crate) edge_types: EdgeTypes,
  pub(crate) node_type: Vec<u8>,
  pub(crate) node_name: Vec<u32>,
  pub(crate) node_id: Vec<u32>,
  pub(crate) node_self_size: Vec<u32>,
  /// `first_edge[i]..first_edge[i + 1]` are node `i`'s edges; len = nodes + 1.
  pub(crate) first_edge: Vec<u32>,
  pub(crate) edge_name: Vec<u32>,
  /// Target node *ordinal* (already divided by the node field count) and
  /// type id, see [`pack_edge`].
  pub(crate) edge_to_type: Vec<u32>,
  pub(crate) strings: StringTable,
  pub(crate) locations: Vec<RawLocation>,
  pub(crate) root: u32,
}

impl HeapGraph {
  /// Number of nodes.
  pub fn node_count(&self) -> usize {
    self.node_type.len()
  }

  /// Number of edges.
  pub fn edge_count(&self) -> usize {
    self.edge_to_type.len()
  }

  /// Ordinal of the synthetic root node.
  pub fn root(&self) -> u32 {
    self.root
  }

  /// The snapshot-wide object id of node `n`.
  #[inline]
  pub fn id(&self, n: u32) -> u32 {
    self.node_id[n as usize]
  }

  /// Raw type id of node `n`.
  #[inline]
  pub fn node_type(&self, n: u32) -> u8 {
    self.node_type[n as usize]
  }

  /// Type name of node `n` (`"object"`, `"closure"`, ...).
  pub fn node_type_name(&self, n: u32) -> &str {
    self
      .node_type_names
      .get(self.node_type(n) as usize)
      .map(|s| s.as_str())
      .unwrap_or("")
  }

  /// Name of node `n` (constructor name, string contents, ...).
  #[inline]
  pub fn name(&self, n: u32) -> &str {
    self.strings.get(self.node_name[n as usize] as usize)
  }

  /// String index of node `n`'s name.
  #[inline]
  pub fn name_index(&self, n: u32) -> u32 {
    self.node_name[n as usize]
  }

  /// Self size of node `n` as recorded by V8. An analysed
  /// [`super::Snapshot`] has moved these into its own (attributed) sizes,
  /// `Snapshot::self_size`; its graph answers 0.
  #[inline]
  pub fn self_size(&self, n: u32) -> u32 {
    self.node_self_size.get(n as usize).copied().unwrap_or(0)
  }

  /// Edge ordinals of node `n`.
  #[inline]
  pub fn edges(&self, n: u32) -> Range<usize> {
    self.first_edge[n as usize] as usize..self.first_edge[n as usize + 1] as usize
  }

  /// The node whose edge `e` is (found by binary search over the edge
  /// ranges, so no per-edge source column is needed).
  pub fn edge_source(&self, e: usize) -> u32 {
    let i = self.first_edge.partition_point(|&f| f as usize <= e);
    i.saturating_sub(1).min(self.node_count().saturating_sub(1)) as u32
  }

  /// Target node ordinal of edge `e`.
  #[inline]
  pub fn edge_to(&self, e: usize) -> u32 {
    self.edge_to_type[e] & EDGE_TO_MASK
  }

  /// Raw type id of edge `e`.
  #[inline]
  pub fn edge_type(&self, e: usize) -> u8 {
    (self.edge_to_type[e] >> EDGE_TO_BITS) as u8
  }

  /// Type name of edge `e`.
  pub fn edge_type_name(&self, e: usize) -> &str {
    self
      .edge_type_names
      .get(self.edge_type(e) as usize)
      .map(|s| s.as_str())
      .unwrap_or("")
  }

  /// Raw `name_or_index` of edge `e`.
  #[inline]
  pub fn edge_name_or_index(&self, e: usize) -> u32 {
    self.edge_name[e]
  }

  /// The string name of edge `e`, or `None` for element/hidden edges,
  /// whose name is a number.
  pub fn edge_name(&self, e: usize) -> Option<&str> {
    if self.edge_types.has_numeric_name(self.edge_type(e)) {
      None
    } else {
      Some(self.strings.get(self.edge_name[e] as usize))
    }
  }

  /// The edge's name as DevTools prints it in its `name()` (numbers as
  /// decimal text).
  pub fn edge_name_text(&self, e: usize) -> String {
    match self.edge_name(e) {
      Some(s) => s.to_string(),
      None => self.edge_name[e].to_string(),
    }
  }

  /// The string table.
  pub fn strings(&self) -> &StringTable {
    &self.strings
  }

  /// The resolved node type ids.
  pub fn node_types(&self) -> &NodeTypes {
    &self.node_types
  }

  /// The resolved edge type ids.
  pub fn edge_types(&self) -> &EdgeTypes {
    &self.edge_types
  }

  /// The `locations` entries.
  pub fn locations(&self) -> &[RawLocation] {
    &self.locations
  }

  /// The first node ordinal whose edge named `name` (string-named edges
  /// only) leads from `n`, if any.
  pub fn child_by_edge_name(&self, n: u32, name: &str) -> Option<u32> {
    self
      .edges(n)
      .find(|&e| self.edge_name(e) == Some(name))
      .map(|e| self.edge_to(e))
  }

  /// Builds the reverse adjacency (retainers) index.
  pub fn retainers(&self) -> Retainers {
    Retainers::build(self)
  }
}

/// Reverse adjacency: for node `n`, `first[n]..first[n + 1]` index into
/// `edges` (the retaining edge ordinals) and `nodes` (their source nodes).
#[derive(Debug, Clone)]
pub struct Retainers {
  pub first: Vec<u32>,
  pub edges: Vec<u32>,
  pub nodes: Vec<u32>,
}

impl Retainers {
  fn build(g: &HeapGraph) -> Self {
    let n = g.node_count();
    let mut first = vec![0u32; n + 1];
    for e in 0..g.edge_count() {
      first[g.edge_to(e) as usize] += 1;
    }
    // Exclusive prefix sums, then fill by decrementing (stable per target).
    let mut acc = 0u32;
    for slot in first.iter_mut() {
      let c = *slot;
      *slot = acc;
      acc += c;
    }
    let mut cursor = first.clone();
    let mut edges = vec![0u32; g.edge_count()];
    let mut nodes = vec![0u32; g.edge_count()];
    for src in 0..n as u32 {
      for e in g.edges(src) {
        let to = g.edge_to(e) as usize;
        let at = cursor[to] as usize;
        edges[at] = e as u32;
        nodes[at] = src;
        cursor[to] += 1;
      }
    }
    Retainers { first, edges, nodes }
  }

  /// Indices into `edges`/`nodes` of node `n`'s retainers.
  #[inline]
  pub fn of(&self, n: u32) -> Range<usize> {
    self.first[n as usize] as usize..self.first[n as usize + 1] as usize
  }
}
