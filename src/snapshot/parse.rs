//! Turning `.heapsnapshot` / `.heapsnapshot.gz` input into a [`HeapGraph`].
//!
//! The input is streamed: gzip is recognised by its magic bytes and
//! decompressed on the fly, and the top-level JSON object is walked in one
//! pass by [`Sections`] (the section reader the dump redactor shares), so
//! the file is never held in memory. The small `snapshot` header becomes a
//! [`Meta`]; it must come before `nodes`, `edges` and `locations` (V8
//! always writes it first). The field layout comes from `snapshot.meta` —
//! nothing about the order of fields is assumed. Numbers go straight into per-field columns; counts in
//! the header are only used as capacity hints after being capped by the
//! data actually read, and every count and index is validated before the
//! graph is built.

use std::io::Read;
use std::path::Path;

use super::error::{Result, SnapshotError};
use super::graph::{
  pack_edge, EdgeTypes, HeapGraph, NodeTypes, RawLocation, StringTable, EDGE_TO_BITS, MAX_EDGE_TYPES,
  MAX_NODES,
};
use super::numbers;
use super::scan::Scanner;
use super::sections::{field, Meta, Section, Sections};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads and parses a snapshot file (plain or gzip-compressed).
pub fn parse_file(path: impl AsRef<Path>) -> Result<HeapGraph> {
  let path = path.as_ref();
  let file = std::fs::File::open(path).map_err(|e| SnapshotError::io(format!("{}: {e}", path.display())))?;
  parse_reader(file)
}

/// Parses snapshot bytes (plain or gzip).
pub fn parse_bytes(bytes: &[u8]) -> Result<HeapGraph> {
  parse_reader(bytes)
}

/// Parses plain snapshot bytes with the numeric arrays cut into pieces of
/// `piece` bytes for `workers` worker threads (0: all on this thread).
/// The result must not depend on the cut: this is for the fuzz target and
/// tests that check the parallel parser against the sequential one.
#[doc(hidden)]
pub fn parse_bytes_in_pieces(bytes: &[u8], piece: usize, workers: usize) -> Result<HeapGraph> {
  let workers = workers.min(numbers::MAX_WORKERS);
  parse_json_with(bytes, numbers::Plan { piece, workers })
}

/// Parses a snapshot from any reader (plain or gzip), streaming. Gzip
/// input is inflated on a second thread while this one parses.
pub fn parse_reader(mut reader: impl Read + Send) -> Result<HeapGraph> {
  let mut head = [0u8; 2];
  let mut got = 0;
  while got < 2 {
    match reader.read(&mut head[got..]) {
      Ok(0) => break,
      Ok(n) => got += n,
      Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
      Err(e) => return Err(SnapshotError::io(e.to_string())),
    }
  }
  let input = (&head[..got]).chain(reader);
  if got == 2 && head == GZIP_MAGIC {
    let decoder = flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 16, input));
    std::thread::scope(|scope| {
      let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(4);
      scope.spawn(move || inflate_into(decoder, tx));
      parse_json(ChannelReader {
        rx,
        chunk: Vec::new(),
        at: 0,
      })
    })
  } else {
    parse_json(input)
  }
}

const CHUNK: usize = 1 << 20;

/// Producer side: reads `decoder` in chunks until EOF, an error, or the
/// consumer hanging up.
fn inflate_into(mut decoder: impl Read, tx: std::sync::mpsc::SyncSender<std::io::Result<Vec<u8>>>) {
  loop {
    let mut chunk = vec![0u8; CHUNK];
    let mut filled = 0;
    let result = loop {
      match decoder.read(&mut chunk[filled..]) {
        Ok(0) => break Ok(()),
        Ok(n) => {
          filled += n;
          if filled == CHUNK {
            break Ok(());
          }
        }
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
        Err(e) => break Err(e),
      }
    };
    chunk.truncate(filled);
    let done = filled < CHUNK;
    match result {
      Err(e) => {
        if !chunk.is_empty() {
          let _ = tx.send(Ok(chunk));
        }
        let _ = tx.send(Err(std::io::Error::new(e.kind(), format!("gzip: {e}"))));
        return;
      }
      Ok(()) => {
        if tx.send(Ok(chunk)).is_err() || done {
          return;
        }
      }
    }
  }
}

/// Consumer side: a [`Read`] over the chunks sent by [`inflate_into`].
struct ChannelReader {
  rx: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
  chunk: Vec<u8>,
  at: usize,
}

impl Read for ChannelReader {
  fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
    while self.at >= self.chunk.len() {
      match self.rx.recv() {
        Ok(Ok(chunk)) => {
          if chunk.is_empty() {
            return Ok(0);
          }
          self.chunk = chunk;
          self.at = 0;
        }
        Ok(Err(e)) => return Err(e),
        Err(_) => return Ok(0), // producer finished
      }
    }
    let n = buf.len().min(self.chunk.len() - self.at);
    buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
    self.at += n;
    Ok(n)
  }
}

/// Decompresses (possibly multi-member) gzip data.
pub fn gunzip(bytes: &[u8]) -> Result<Vec<u8>> {
  let mut out = Vec::new();
  flate2::read::MultiGzDecoder::new(bytes)
    .read_to_end(&mut out)
    .map_err(|e| {
      SnapshotError::io(format!(
        "gzip decompression failed after {} bytes: {e}",
        out.len()
      ))
    })?;
  Ok(out)
}

/// Parses the snapshot JSON text from `reader`.
pub fn parse_json(reader: impl Read) -> Result<HeapGraph> {
  parse_json_with(reader, numbers::Plan::default_for_machine())
}

/// [`parse_json`], cutting the numeric arrays as `plan` says.
fn parse_json_with(reader: impl Read, plan: numbers::Plan) -> Result<HeapGraph> {
  let mut w = Sections::new(reader)?;
  let mut nodes: Option<(NodeColumns, usize)> = None;
  let mut edges: Option<(EdgeColumns, usize)> = None;
  let mut strings: Option<StringTable> = None;
  let mut locations: Option<(Vec<RawLocation>, usize)> = None;
  while let Some((section, at)) = w.next_section()? {
    match section {
      Section::Nodes => {
        let (m, s) = w.with_meta(at)?;
        nodes = Some((parse_nodes(s, m, plan)?, at));
      }
      Section::Edges => {
        let (m, s) = w.with_meta(at)?;
        edges = Some((parse_edges(s, m, plan)?, at));
      }
      Section::Locations => {
        let (m, s) = w.with_meta(at)?;
        if m.location_fields.is_empty() {
          s.skip_value()?;
        } else {
          locations = Some((parse_locations(s, m, at, plan)?, at));
        }
      }
      Section::Strings => {
        let mut table = StringTable::default();
        w.scanner().string_array(&mut table)?;
        strings = Some(table);
      }
      Section::Other => w.scanner().skip_value()?,
    }
  }
  let (meta, meta_start) = w
    .into_meta()
    .ok_or_else(|| SnapshotError::format(None, "missing top-level \"snapshot\" header"))?;
  let (nodes, nodes_at) = nodes.ok_or_else(|| SnapshotError::format(None, "missing \"nodes\" array"))?;
  let (edges, edges_at) = edges.ok_or_else(|| SnapshotError::format(None, "missing \"edges\" array"))?;
  let strings = strings.ok_or_else(|| SnapshotError::format(None, "missing \"strings\" array"))?;
  let node_count = nodes.node_type.len();
  let edge_count = edges.packed.len();

  if let Some(claimed) = meta.node_count {
    if claimed != node_count as u64 {
      return Err(SnapshotError::format(
        Some(nodes_at),
        format!("snapshot.node_count is {claimed} but the nodes array holds {node_count} nodes"),
      ));
    }
  }
  if let Some(claimed) = meta.edge_count {
    if claimed != edge_count as u64 {
      return Err(SnapshotError::format(
        Some(edges_at),
        format!("snapshot.edge_count is {claimed} but the edges array holds {edge_count} edges"),
      ));
    }
  }
  if node_count == 0 {
    return Err(SnapshotError::format(
      Some(nodes_at),
      "the snapshot has no nodes (a root node is required)",
    ));
  }
  if nodes.edge_total != edge_count as u64 {
    return Err(SnapshotError::format(
      Some(edges_at),
      format!(
        "the nodes' edge_count fields add up to {} but the edges array holds {edge_count} edges",
        nodes.edge_total
      ),
    ));
  }
  if edge_count > u32::MAX as usize {
    return Err(SnapshotError::format(
      Some(edges_at),
      "more than 2^32-1 edges are not supported",
    ));
  }
  let string_count = strings.len();
  // The per-array maxima rule out most errors; the scans below only run
  // to find the first culprit.
  let names_ok = (nodes.max_name as usize) < string_count;
  let bad_name = || nodes.node_name.iter().position(|&s| s as usize >= string_count);
  if let Some(i) = (!names_ok).then(bad_name).flatten() {
    return Err(SnapshotError::format(
      Some(nodes_at),
      format!(
        "node #{i} has name string index {} but there are only {string_count} strings",
        nodes.node_name[i]
      ),
    ));
  }
  let edge_to = |e: usize| edges.packed[e] & ((1 << EDGE_TO_BITS) - 1);
  let edge_type = |e: usize| (edges.packed[e] >> EDGE_TO_BITS) as u8;
  let targets_ok = (edges.max_to as usize) < node_count;
  let bad_target = || (0..edge_count).find(|&e| edge_to(e) as usize >= node_count);
  if let Some(e) = (!targets_ok).then(bad_target).flatten() {
    return Err(SnapshotError::format(
      Some(edges_at),
      format!(
        "edge #{e} points to node index {} but there are only {node_count} nodes",
        edge_to(e) as u64 * meta.node_field_count as u64
      ),
    ));
  }
  let edge_types = EdgeTypes::resolve(&meta.edge_type_names);
  let edge_names_ok = (edges.max_name as usize) < string_count;
  let bad_edge_name = || {
    (0..edge_count)
      .find(|&e| !edge_types.has_numeric_name(edge_type(e)) && edges.edge_name[e] as usize >= string_count)
  };
  if let Some(e) = (!edge_names_ok).then(bad_edge_name).flatten() {
    return Err(SnapshotError::format(
      Some(edges_at),
      format!(
        "edge #{e} has name string index {} but there are only {string_count} strings",
        edges.edge_name[e]
      ),
    ));
  }

  let root = match meta.root_index {
    None => 0,
    Some(r) => {
      if r % meta.node_field_count as u64 != 0 || r / meta.node_field_count as u64 >= node_count as u64 {
        return Err(SnapshotError::format(
          Some(meta_start),
          format!("snapshot.root_index {r} is not a node index"),
        ));
      }
      (r / meta.node_field_count as u64) as u32
    }
  };

  // The edge counts become first-edge offsets in place (no second array).
  let mut first_edge = nodes.node_edge_count;
  let mut acc: u32 = 0;
  for c in first_edge.iter_mut() {
    let count = *c;
    *c = acc;
    acc += count; // cannot overflow: the sum equals edge_count <= u32::MAX
  }
  first_edge.reserve_exact(1);
  first_edge.push(acc);

  let locations = match locations {
    None => Vec::new(),
    Some((locations, at)) => {
      if let Some(l) = locations.iter().find(|l| l.node as usize >= node_count) {
        return Err(SnapshotError::format(
          Some(at),
          format!(
            "location object_index {} is not a node index",
            l.node as u64 * meta.node_field_count as u64
          ),
        ));
      }
      locations
    }
  };

  Ok(HeapGraph {
    node_types: NodeTypes::resolve(&meta.node_type_names),
    edge_types,
    node_type_names: meta.node_type_names,
    edge_type_names: meta.edge_type_names,
    node_type: nodes.node_type,
    node_name: nodes.node_name,
    node_id: nodes.node_id,
    node_self_size: nodes.node_self_size,
    first_edge,
    edge_name: edges.edge_name,
    edge_to_type: edges.packed,
    strings,
    locations,
    root,
  })
}

#[derive(Default)]
struct NodeColumns {
  node_type: Vec<u8>,
  node_name: Vec<u32>,
  node_id: Vec<u32>,
  node_self_size: Vec<u32>,
  node_edge_count: Vec<u32>,
  edge_total: u64,
  /// The largest name index seen (checked against the strings, which
  /// come later, once per array instead of once per node).
  max_name: u32,
}

/// Makes room for `extra` more values, growing towards the header's
/// claimed count but never more than doubling what has actually been read.
fn reserve<T>(v: &mut Vec<T>, extra: usize, claimed: u64) {
  if v.capacity() - v.len() >= extra {
    return;
  }
  let len = v.len();
  let step = len.max(4096);
  let want = if (len as u64) < claimed {
    (claimed - len as u64).min(step as u64) as usize
  } else {
    step
  };
  v.reserve_exact(want.max(extra));
}

/// Decodes node records (on the parser's worker threads).
struct NodeFields {
  count: usize,
  /// Field indices of type, name, id, self_size, edge_count.
  at: [usize; 5],
  type_count: u64,
}

impl numbers::Fields for NodeFields {
  type Cols = NodeColumns;

  fn count(&self) -> usize {
    self.count
  }

  fn clear(&self, c: &mut NodeColumns) {
    c.node_type.clear();
    c.node_name.clear();
    c.node_id.clear();
    c.node_self_size.clear();
    c.node_edge_count.clear();
    c.edge_total = 0;
    c.max_name = 0;
  }

  #[inline]
  fn put(&self, c: &mut NodeColumns, f: usize, v: u64) -> bool {
    // Compares, not a jump table: the field pattern repeats and predicts
    // well. Errors are described by `refuse`, off the hot path.
    if f == self.at[0] {
      if v >= self.type_count {
        return false;
      }
      c.node_type.push(v as u8);
    } else if f == self.at[1] {
      let Ok(v) = u32::try_from(v) else { return false };
      c.max_name = c.max_name.max(v);
      c.node_name.push(v);
    } else if f == self.at[2] {
      let Ok(v) = u32::try_from(v) else { return false };
      c.node_id.push(v);
    } else if f == self.at[3] {
      let Ok(v) = u32::try_from(v) else { return false };
      c.node_self_size.push(v);
    } else if f == self.at[4] {
      let Ok(n) = u32::try_from(v) else { return false };
      c.edge_total += n as u64;
      c.node_edge_count.push(n);
    }
    true
  }

  #[inline]
  fn put_record(&self, c: &mut NodeColumns, vals: &[u64]) -> bool {
    let [t, name, id, size, edges] = self.at.map(|k| vals[k]);
    if t >= self.type_count || (name | id | size | edges) > u32::MAX as u64 {
      return false;
    }
    c.node_type.push(t as u8);
    c.max_name = c.max_name.max(name as u32);
    c.node_name.push(name as u32);
    c.node_id.push(id as u32);
    c.node_self_size.push(size as u32);
    c.edge_total += edges;
    c.node_edge_count.push(edges as u32);
    true
  }

  fn refuse(&self, f: usize, v: u64) -> SnapshotError {
    let what = match self.at.iter().position(|&a| a == f) {
      Some(0) => {
        return SnapshotError::format(None, format!("node type {v} is not listed in meta.node_types"))
      }
      Some(1) => "node name index",
      Some(2) => "node id",
      Some(3) => "node self_size",
      _ => "node edge_count",
    };
    SnapshotError::format(None, format!("{what} {v} does not fit in 32 bits"))
  }
}

fn parse_nodes<R: Read>(s: &mut Scanner<R>, meta: &Meta, plan: numbers::Plan) -> Result<NodeColumns> {
  let at = s.pos();
  let claimed = meta.node_count.unwrap_or(0);
  let mut c = NodeColumns::default();
  let nfc = meta.node_field_count;
  let fields = NodeFields {
    count: nfc,
    at: [
      meta.node_type,
      meta.node_name,
      meta.node_id,
      meta.node_self_size,
      meta.node_edge_count,
    ],
    type_count: meta.node_type_names.len() as u64,
  };
  let total = numbers::uint_array(s, "nodes", plan, &fields, |p, phase| {
    if c.edge_total + p.edge_total > u32::MAX as u64 {
      // Which number tips it over, counted within the piece.
      let mut total = c.edge_total;
      let first = (meta.node_edge_count + nfc - phase % nfc) % nfc;
      for (j, &n) in p.node_edge_count.iter().enumerate() {
        total += n as u64;
        if total > u32::MAX as u64 {
          return Err((
            first + j * nfc,
            SnapshotError::format(None, "the nodes' edge counts add up to more than 2^32-1"),
          ));
        }
      }
    }
    c.edge_total += p.edge_total;
    c.max_name = c.max_name.max(p.max_name);
    append(&mut c.node_type, &mut p.node_type, claimed);
    append(&mut c.node_name, &mut p.node_name, claimed);
    append(&mut c.node_id, &mut p.node_id, claimed);
    append(&mut c.node_self_size, &mut p.node_self_size, claimed);
    append(&mut c.node_edge_count, &mut p.node_edge_count, claimed);
    Ok(())
  })?;
  if total % nfc != 0 {
    return Err(SnapshotError::format(
      Some(at),
      format!("the nodes array has {total} numbers, not a multiple of the {nfc} node fields"),
    ));
  }
  if total / nfc > u32::MAX as usize {
    return Err(SnapshotError::format(
      Some(at),
      "more than 2^32-1 nodes are not supported",
    ));
  }
  Ok(c)
}

/// Moves `piece` onto the end of `column`, growing it like [`reserve`].
fn append<T: Copy>(column: &mut Vec<T>, piece: &mut Vec<T>, claimed: u64) {
  reserve(column, piece.len(), claimed);
  column.extend_from_slice(piece);
  piece.clear();
}

/// A piece's edge fields (on workers); as the whole array's columns, the
/// types and targets are paired into `packed` as they arrive and
/// `edge_type`/`edge_to` only hold those still waiting for their partner
/// (a piece can end inside a record).
#[derive(Default)]
struct EdgeColumns {
  edge_type: Vec<u8>,
  edge_name: Vec<u32>,
  edge_to: Vec<u32>,
  packed: Vec<u32>,
  /// The largest target and the largest string name index seen (element
  /// and hidden edges' numeric names left out where the record's type is
  /// known): the ranges are checked once per array, not once per edge.
  max_to: u32,
  max_name: u32,
}

/// Decodes edge records (on the parser's worker threads).
struct EdgeFields {
  count: usize,
  /// Field indices of type, name_or_index, to_node.
  at: [usize; 3],
  type_count: u64,
  /// Per edge type, `u32::MAX` when its name is a string index, 0 when a
  /// number (element, hidden).
  name_mask: [u32; MAX_EDGE_TYPES],
  node_field_count: numbers::Divisor,
  node_field_count_value: u64,
}

impl numbers::Fields for EdgeFields {
  type Cols = EdgeColumns;

  fn count(&self) -> usize {
    self.count
  }

  fn clear(&self, c: &mut EdgeColumns) {
    c.edge_type.clear();
    c.edge_name.clear();
    c.edge_to.clear();
    c.max_to = 0;
    c.max_name = 0;
  }

  #[inline]
  fn put(&self, c: &mut EdgeColumns, f: usize, v: u64) -> bool {
    if f == self.at[0] {
      if v >= self.type_count {
        return false;
      }
      c.edge_type.push(v as u8);
    } else if f == self.at[1] {
      let Ok(v) = u32::try_from(v) else { return false };
      // The type may be in another piece: count the name (at worst the
      // exact check after parsing runs for nothing).
      c.max_name = c.max_name.max(v);
      c.edge_name.push(v);
    } else if f == self.at[2] {
      let (node, rest) = self.node_field_count.div_rem(v);
      if rest != 0 || node >= MAX_NODES {
        return false;
      }
      c.max_to = c.max_to.max(node as u32);
      c.edge_to.push(node as u32);
    }
    true
  }

  #[inline]
  fn put_record(&self, c: &mut EdgeColumns, vals: &[u64]) -> bool {
    let [t, name, to] = self.at.map(|k| vals[k]);
    let (node, rest) = self.node_field_count.div_rem(to);
    if t >= self.type_count || name > u32::MAX as u64 || rest != 0 || node >= MAX_NODES {
      return false;
    }
    c.edge_type.push(t as u8);
    c.max_name = c.max_name.max(name as u32 & self.name_mask[t as usize]);
    c.edge_name.push(name as u32);
    c.max_to = c.max_to.max(node as u32);
    c.edge_to.push(node as u32);
    true
  }

  fn refuse(&self, f: usize, v: u64) -> SnapshotError {
    let nfc = self.node_field_count_value;
    let message = match self.at.iter().position(|&a| a == f) {
      Some(0) => format!("edge type {v} is not listed in meta.edge_types"),
      Some(1) => format!("edge name_or_index {v} does not fit in 32 bits"),
      _ if v % nfc != 0 => format!("edge to_node {v} is not a multiple of the node field count {nfc}"),
      _ => {
        format!("edge to_node {v} points past node 2^{EDGE_TO_BITS} (more nodes than that are not supported)")
      }
    };
    SnapshotError::format(None, message)
  }
}

/// Packs as many (target, type) pairs as both lists have onto `packed`,
/// growing it like [`reserve`]; returns how many.
fn pack_pairs(packed: &mut Vec<u32>, to: &[u32], types: &[u8], claimed: u64) -> usize {
  let k = to.len().min(types.len());
  reserve(packed, k, claimed);
  packed.extend(to[..k].iter().zip(&types[..k]).map(|(&to, &t)| pack_edge(to, t)));
  k
}

fn parse_edges<R: Read>(s: &mut Scanner<R>, meta: &Meta, plan: numbers::Plan) -> Result<EdgeColumns> {
  let at = s.pos();
  let claimed = meta.edge_count.unwrap_or(0);
  let mut c = EdgeColumns::default();
  let efc = meta.edge_field_count;
  let fields = EdgeFields {
    count: efc,
    at: [meta.edge_type, meta.edge_name, meta.edge_to],
    type_count: meta.edge_type_names.len() as u64,
    name_mask: {
      let types = EdgeTypes::resolve(&meta.edge_type_names);
      std::array::from_fn(|t| if types.has_numeric_name(t as u8) { 0 } else { u32::MAX })
    },
    node_field_count: numbers::Divisor::new(meta.node_field_count as u64),
    node_field_count_value: meta.node_field_count as u64,
  };
  let total = numbers::uint_array(s, "edges", plan, &fields, |p, _| {
    c.max_to = c.max_to.max(p.max_to);
    c.max_name = c.max_name.max(p.max_name);
    append(&mut c.edge_name, &mut p.edge_name, claimed);
    if c.edge_type.is_empty() && c.edge_to.is_empty() && p.edge_type.len() == p.edge_to.len() {
      // Whole records (pieces are cut between lines): pair them directly.
      pack_pairs(&mut c.packed, &p.edge_to, &p.edge_type, claimed);
      p.edge_type.clear();
      p.edge_to.clear();
      return Ok(());
    }
    c.edge_type.append(&mut p.edge_type);
    c.edge_to.append(&mut p.edge_to);
    let k = pack_pairs(&mut c.packed, &c.edge_to, &c.edge_type, claimed);
    c.edge_type.drain(..k);
    c.edge_to.drain(..k);
    Ok(())
  })?;
  if total % efc != 0 {
    return Err(SnapshotError::format(
      Some(at),
      format!("the edges array has {total} numbers, not a multiple of the {efc} edge fields"),
    ));
  }
  Ok(c)
}

/// A piece's location numbers (on workers), in array order: a piece can
/// end inside a record. Only the four known fields are kept (in the order
/// they stand in a record), `object_index` as a node ordinal.
#[derive(Default)]
struct LocationColumns {
  values: Vec<u32>,
}

/// Decodes location records (on the parser's worker threads).
struct LocationFields {
  count: usize,
  /// Field indices of object_index, script_id, line, column.
  at: [usize; 4],
  /// The same four as (field index, which) in record order.
  in_order: [(usize, usize); 4],
  node_field_count: numbers::Divisor,
  node_field_count_value: u64,
}

impl LocationFields {
  fn new(count: usize, at: [usize; 4], node_field_count: usize) -> Self {
    let mut in_order: [(usize, usize); 4] = std::array::from_fn(|k| (at[k], k));
    in_order.sort_unstable();
    LocationFields {
      count,
      at,
      in_order,
      node_field_count: numbers::Divisor::new(node_field_count as u64),
      node_field_count_value: node_field_count as u64,
    }
  }

  /// Field `which` (0 = object_index, ...) as stored, if valid.
  #[inline]
  fn value(&self, which: usize, v: u64) -> Option<u32> {
    let v = if which == 0 {
      let (node, rest) = self.node_field_count.div_rem(v);
      if rest != 0 {
        return None;
      }
      node
    } else {
      v
    };
    u32::try_from(v).ok()
  }

  /// Where field `which` sits in a stored record of four.
  fn slot(&self, which: usize) -> usize {
    self.in_order.iter().position(|&(_, w)| w == which).unwrap_or(which)
  }
}

impl numbers::Fields for LocationFields {
  type Cols = LocationColumns;

  fn count(&self) -> usize {
    self.count
  }

  fn clear(&self, c: &mut LocationColumns) {
    c.values.clear();
  }

  #[inline]
  fn put(&self, c: &mut LocationColumns, f: usize, v: u64) -> bool {
    // Fields other than the four are skipped, whatever their value.
    let Some(which) = self.at.iter().position(|&a| a == f) else {
      return true;
    };
    let Some(v) = self.value(which, v) else {
      return false;
    };
    c.values.push(v);
    true
  }

  #[inline]
  fn put_record(&self, c: &mut LocationColumns, vals: &[u64]) -> bool {
    let mut record = [0u32; 4];
    for (slot, &(f, which)) in record.iter_mut().zip(&self.in_order) {
      let Some(v) = self.value(which, vals[f]) else {
        return false;
      };
      *slot = v;
    }
    c.values.extend_from_slice(&record);
    true
  }

  fn refuse(&self, f: usize, v: u64) -> SnapshotError {
    let message = match self.at.iter().position(|&a| a == f) {
      Some(0) if v % self.node_field_count_value != 0 => format!("location object_index {v} is not a node index"),
      Some(0) => format!(
        "location object_index {} does not fit in 32 bits",
        v / self.node_field_count_value
      ),
      Some(1) => format!("location script_id {v} does not fit in 32 bits"),
      Some(2) => format!("location line {v} does not fit in 32 bits"),
      _ => format!("location column {v} does not fit in 32 bits"),
    };
    SnapshotError::format(None, message)
  }
}

/// Node ordinals are range-checked once all nodes are known.
fn parse_locations<R: Read>(
  s: &mut Scanner<R>,
  meta: &Meta,
  at: usize,
  plan: numbers::Plan,
) -> Result<Vec<RawLocation>> {
  let lf = &meta.location_fields;
  let fields = LocationFields::new(
    lf.len(),
    [
      field(lf, "object_index", "location_fields", at)?,
      field(lf, "script_id", "location_fields", at)?,
      field(lf, "line", "location_fields", at)?,
      field(lf, "column", "location_fields", at)?,
    ],
    meta.node_field_count,
  );
  let mut values: Vec<u32> = Vec::new();
  let total = numbers::uint_array(s, "locations", plan, &fields, |p, _| {
    values.extend_from_slice(&p.values);
    Ok(())
  })?;
  let count = fields.count;
  if total % count != 0 {
    return Err(SnapshotError::format(
      Some(at),
      format!("the locations array has {total} numbers, not a multiple of the {count} location fields"),
    ));
  }
  let [node, script_id, line, column] = [0, 1, 2, 3].map(|which| fields.slot(which));
  let out = values
    .chunks_exact(4)
    .map(|r| RawLocation {
      node: r[node],
      script_id: r[script_id],
      line: r[line],
      column: r[column],
    })
    .collect();
  Ok(out)
}
