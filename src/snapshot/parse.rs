//! Turning `.heapsnapshot` / `.heapsnapshot.gz` bytes into a [`HeapGraph`].
//!
//! The top-level object is walked by hand: the small `snapshot` header is
//! handed to `serde_json`, the big arrays are located first (cheap skips)
//! and then decoded by the scanners in [`super::scan`] — `nodes` and
//! `edges` on two threads while the `strings` arena is filled on the
//! calling thread. The field layout comes from `snapshot.meta`; nothing
//! about the order of fields is assumed. Every count in the file is checked
//! against the data actually present before it is trusted, and capacity is
//! only reserved in proportion to the bytes that back it.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use super::error::{Result, SnapshotError};
use super::graph::{EdgeTypes, HeapGraph, NodeTypes, RawLocation, StringTable};
use super::scan::Scanner;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads and parses a snapshot file (plain or gzip-compressed).
pub fn parse_file(path: impl AsRef<Path>) -> Result<HeapGraph> {
  let path = path.as_ref();
  let bytes = std::fs::read(path).map_err(|e| SnapshotError::io(format!("{}: {e}", path.display())))?;
  parse_bytes(&bytes)
}

/// Reads a whole snapshot from `reader` (plain or gzip) and parses it.
pub fn parse_reader(mut reader: impl Read) -> Result<HeapGraph> {
  let mut bytes = Vec::new();
  reader.read_to_end(&mut bytes)?;
  parse_bytes(&bytes)
}

/// Parses snapshot bytes; gzip input is recognised by its magic bytes.
pub fn parse_bytes(bytes: &[u8]) -> Result<HeapGraph> {
  if bytes.starts_with(&GZIP_MAGIC) {
    let json = gunzip(bytes)?;
    parse_json(&json)
  } else {
    parse_json(bytes)
  }
}

/// Decompresses (possibly multi-member) gzip data.
pub fn gunzip(bytes: &[u8]) -> Result<Vec<u8>> {
  let mut out = Vec::with_capacity(bytes.len().saturating_mul(4).min(1 << 30));
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

/// Field layout from `snapshot.meta`.
#[derive(Debug)]
struct Meta {
  node_field_count: usize,
  node_type: usize,
  node_name: usize,
  node_id: usize,
  node_self_size: usize,
  node_edge_count: usize,
  node_type_names: Vec<String>,
  edge_field_count: usize,
  edge_type: usize,
  edge_name: usize,
  edge_to: usize,
  edge_type_names: Vec<String>,
  location_fields: Vec<String>,
  node_count: Option<u64>,
  edge_count: Option<u64>,
  root_index: Option<u64>,
}

/// Byte ranges of the top-level values we care about.
#[derive(Default)]
struct Sections {
  snapshot: Option<(usize, usize)>,
  nodes: Option<usize>,
  edges: Option<usize>,
  strings: Option<usize>,
  locations: Option<usize>,
}

/// Parses the snapshot JSON text.
pub fn parse_json(buf: &[u8]) -> Result<HeapGraph> {
  let sections = find_sections(buf)?;
  let (meta_start, meta_end) = sections
    .snapshot
    .ok_or_else(|| SnapshotError::format(None, "missing top-level \"snapshot\" header"))?;
  let meta = parse_meta(&buf[meta_start..meta_end], meta_start)?;
  let nodes_at = sections
    .nodes
    .ok_or_else(|| SnapshotError::format(None, "missing \"nodes\" array"))?;
  let edges_at = sections
    .edges
    .ok_or_else(|| SnapshotError::format(None, "missing \"edges\" array"))?;
  let strings_at = sections
    .strings
    .ok_or_else(|| SnapshotError::format(None, "missing \"strings\" array"))?;

  let (nodes, edges, strings) = std::thread::scope(|scope| {
    let nodes = scope.spawn(|| parse_nodes(buf, nodes_at, &meta));
    let edges = scope.spawn(|| parse_edges(buf, edges_at, &meta));
    let mut strings = StringTable::default();
    let parsed = Scanner::new(buf, strings_at)
      .string_array(&mut strings)
      .map(|_| strings);
    (joined(nodes.join()), joined(edges.join()), parsed)
  });
  let nodes = nodes?;
  let edges = edges?;
  let strings = strings?;
  let node_count = nodes.node_type.len();
  let edge_count = edges.edge_type.len();

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
  if let Some(i) = nodes.node_name.iter().position(|&s| s as usize >= string_count) {
    return Err(SnapshotError::format(
      Some(nodes_at),
      format!(
        "node #{i} has name string index {} but there are only {string_count} strings",
        nodes.node_name[i]
      ),
    ));
  }
  if let Some(e) = edges.edge_to.iter().position(|&t| t as usize >= node_count) {
    return Err(SnapshotError::format(
      Some(edges_at),
      format!(
        "edge #{e} points to node index {} but there are only {node_count} nodes",
        edges.edge_to[e] as u64 * meta.node_field_count as u64
      ),
    ));
  }
  let edge_types = EdgeTypes::resolve(&meta.edge_type_names);
  for e in 0..edge_count {
    if !edge_types.has_numeric_name(edges.edge_type[e]) && edges.edge_name[e] as usize >= string_count {
      return Err(SnapshotError::format(
        Some(edges_at),
        format!(
          "edge #{e} has name string index {} but there are only {string_count} strings",
          edges.edge_name[e]
        ),
      ));
    }
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

  let mut first_edge = Vec::with_capacity(node_count + 1);
  let mut acc: u32 = 0;
  first_edge.push(0);
  for &c in &nodes.node_edge_count {
    acc += c; // cannot overflow: the sum equals edge_count <= u32::MAX
    first_edge.push(acc);
  }

  let locations = match sections.locations {
    Some(at) if !meta.location_fields.is_empty() => parse_locations(buf, at, &meta, node_count)?,
    _ => Vec::new(),
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
    edge_type: edges.edge_type,
    edge_name: edges.edge_name,
    edge_to: edges.edge_to,
    strings,
    locations,
    root,
  })
}

fn joined<T>(r: std::thread::Result<Result<T>>) -> Result<T> {
  r.unwrap_or_else(|_| Err(SnapshotError::format(None, "parser thread panicked")))
}

/// Walks the top-level object and records where each section starts.
fn find_sections(buf: &[u8]) -> Result<Sections> {
  let mut s = Scanner::new(buf, 0);
  if s.peek().is_none() {
    return Err(SnapshotError::syntax(0, "empty input: not a heap snapshot"));
  }
  s.expect(b'{', "at the start of a heap snapshot")?;
  let mut sections = Sections::default();
  if s.peek() == Some(b'}') {
    return Err(SnapshotError::format(
      Some(s.pos()),
      "empty JSON object: not a heap snapshot",
    ));
  }
  loop {
    let key = s.key()?;
    s.expect(b':', "after an object key")?;
    s.skip_ws();
    let start = s.pos();
    match key.as_str() {
      "nodes" | "edges" | "locations" => {
        s = Scanner::new(buf, skip_number_array(buf, start)?);
        match key.as_str() {
          "nodes" => sections.nodes = Some(start),
          "edges" => sections.edges = Some(start),
          _ => sections.locations = Some(start),
        }
      }
      _ => {
        let end = s.skip_value()?;
        match key.as_str() {
          "snapshot" => sections.snapshot = Some((start, end)),
          "strings" => sections.strings = Some(start),
          _ => {}
        }
      }
    }
    match s.peek() {
      Some(b',') => {
        s.expect(b',', "")?;
      }
      Some(b'}') => {
        s.expect(b'}', "")?;
        break;
      }
      Some(b) => {
        return Err(SnapshotError::syntax(
          s.pos(),
          format!(
            "expected ',' or '}}' after the value of \"{key}\", found '{}'",
            b as char
          ),
        ))
      }
      None => {
        return Err(SnapshotError::syntax(
          s.pos(),
          "unexpected end of input (file truncated?)",
        ))
      }
    }
  }
  if s.peek().is_some() {
    return Err(SnapshotError::syntax(
      s.pos(),
      "unexpected data after the end of the snapshot object",
    ));
  }
  Ok(sections)
}

/// Finds the end of an array of numbers without decoding it (numbers and
/// separators never contain `]`). Returns the offset just past `]`.
fn skip_number_array(buf: &[u8], start: usize) -> Result<usize> {
  if buf.get(start) != Some(&b'[') {
    return Err(SnapshotError::syntax(
      start,
      "expected '[' at the start of a number array",
    ));
  }
  match buf[start..].iter().position(|&b| b == b']') {
    Some(p) => Ok(start + p + 1),
    None => Err(SnapshotError::syntax(
      buf.len(),
      "unexpected end of input inside a number array (file truncated?)",
    )),
  }
}

fn str_list(v: &Value, what: &str, at: usize) -> Result<Vec<String>> {
  let arr = v
    .as_array()
    .ok_or_else(|| SnapshotError::format(Some(at), format!("snapshot.meta.{what} must be an array")))?;
  arr
    .iter()
    .map(|x| {
      x.as_str()
        .map(str::to_string)
        .ok_or_else(|| SnapshotError::format(Some(at), format!("snapshot.meta.{what} must hold strings")))
    })
    .collect()
}

fn field(fields: &[String], name: &str, what: &str, at: usize) -> Result<usize> {
  fields
    .iter()
    .position(|f| f == name)
    .ok_or_else(|| SnapshotError::format(Some(at), format!("snapshot.meta.{what} has no \"{name}\" field")))
}

fn parse_meta(text: &[u8], at: usize) -> Result<Meta> {
  let header: Value = serde_json::from_slice(text)
    .map_err(|e| SnapshotError::syntax(at, format!("cannot parse the \"snapshot\" header: {e}")))?;
  let meta = header
    .get("meta")
    .ok_or_else(|| SnapshotError::format(Some(at), "the \"snapshot\" header has no \"meta\""))?;
  let get = |k: &str| {
    meta
      .get(k)
      .ok_or_else(|| SnapshotError::format(Some(at), format!("snapshot.meta has no \"{k}\"")))
  };
  let node_fields = str_list(get("node_fields")?, "node_fields", at)?;
  let edge_fields = str_list(get("edge_fields")?, "edge_fields", at)?;
  let node_type = field(&node_fields, "type", "node_fields", at)?;
  let edge_type = field(&edge_fields, "type", "edge_fields", at)?;
  let type_list = |k: &str, idx: usize| -> Result<Vec<String>> {
    let v = get(k)?.as_array().and_then(|a| a.get(idx)).ok_or_else(|| {
      SnapshotError::format(
        Some(at),
        format!("snapshot.meta.{k} has no entry for the type field"),
      )
    })?;
    let names = str_list(v, k, at)?;
    if names.len() >= u8::MAX as usize {
      return Err(SnapshotError::format(
        Some(at),
        format!("snapshot.meta.{k} lists too many types"),
      ));
    }
    Ok(names)
  };
  let node_type_names = type_list("node_types", node_type)?;
  let edge_type_names = type_list("edge_types", edge_type)?;
  let location_fields = match meta.get("location_fields") {
    Some(v) => str_list(v, "location_fields", at)?,
    None => Vec::new(),
  };
  let opt_u64 = |k: &str| -> Result<Option<u64>> {
    match header.get(k) {
      None => Ok(None),
      Some(v) => v
        .as_u64()
        .map(Some)
        .ok_or_else(|| SnapshotError::format(Some(at), format!("snapshot.{k} must be an unsigned integer"))),
    }
  };
  Ok(Meta {
    node_field_count: node_fields.len(),
    node_type,
    node_name: field(&node_fields, "name", "node_fields", at)?,
    node_id: field(&node_fields, "id", "node_fields", at)?,
    node_self_size: field(&node_fields, "self_size", "node_fields", at)?,
    node_edge_count: field(&node_fields, "edge_count", "node_fields", at)?,
    node_type_names,
    edge_field_count: edge_fields.len(),
    edge_type,
    edge_name: field(&edge_fields, "name_or_index", "edge_fields", at)?,
    edge_to: field(&edge_fields, "to_node", "edge_fields", at)?,
    edge_type_names,
    location_fields,
    node_count: opt_u64("node_count")?,
    edge_count: opt_u64("edge_count")?,
    root_index: opt_u64("root_index")?,
  })
}

/// A capacity hint that the bytes of the array can justify: each number
/// takes at least two bytes (a digit and a separator).
fn capacity_hint(buf: &[u8], at: usize, claimed: Option<u64>, per_item: usize) -> usize {
  let by_bytes = buf.len().saturating_sub(at) / 2 / per_item.max(1);
  match claimed {
    Some(c) => (c.min(by_bytes as u64)) as usize,
    None => 0,
  }
}

fn to_u32(v: u64, what: &str) -> Result<u32> {
  u32::try_from(v).map_err(|_| SnapshotError::format(None, format!("{what} {v} does not fit in 32 bits")))
}

struct NodeColumns {
  node_type: Vec<u8>,
  node_name: Vec<u32>,
  node_id: Vec<u32>,
  node_self_size: Vec<u32>,
  node_edge_count: Vec<u32>,
  edge_total: u64,
}

fn parse_nodes(buf: &[u8], at: usize, meta: &Meta) -> Result<NodeColumns> {
  let cap = capacity_hint(buf, at, meta.node_count, meta.node_field_count);
  let mut c = NodeColumns {
    node_type: Vec::with_capacity(cap),
    node_name: Vec::with_capacity(cap),
    node_id: Vec::with_capacity(cap),
    node_self_size: Vec::with_capacity(cap),
    node_edge_count: Vec::with_capacity(cap),
    edge_total: 0,
  };
  let nfc = meta.node_field_count;
  let type_count = meta.node_type_names.len() as u64;
  let mut f = 0usize;
  let total = Scanner::new(buf, at).uint_array("nodes", |_, v| {
    if f == meta.node_type {
      if v >= type_count {
        return Err(SnapshotError::format(
          None,
          format!("node type {v} is not listed in meta.node_types"),
        ));
      }
      c.node_type.push(v as u8);
    } else if f == meta.node_name {
      c.node_name.push(to_u32(v, "node name index")?);
    } else if f == meta.node_id {
      c.node_id.push(to_u32(v, "node id")?);
    } else if f == meta.node_self_size {
      c.node_self_size.push(to_u32(v, "node self_size")?);
    } else if f == meta.node_edge_count {
      let n = to_u32(v, "node edge_count")?;
      c.edge_total += n as u64;
      if c.edge_total > u32::MAX as u64 {
        return Err(SnapshotError::format(
          None,
          "the nodes' edge counts add up to more than 2^32-1",
        ));
      }
      c.node_edge_count.push(n);
    }
    f += 1;
    if f == nfc {
      f = 0;
    }
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

struct EdgeColumns {
  edge_type: Vec<u8>,
  edge_name: Vec<u32>,
  edge_to: Vec<u32>,
}

fn parse_edges(buf: &[u8], at: usize, meta: &Meta) -> Result<EdgeColumns> {
  let cap = capacity_hint(buf, at, meta.edge_count, meta.edge_field_count);
  let mut c = EdgeColumns {
    edge_type: Vec::with_capacity(cap),
    edge_name: Vec::with_capacity(cap),
    edge_to: Vec::with_capacity(cap),
  };
  let efc = meta.edge_field_count;
  let nfc = meta.node_field_count as u64;
  let type_count = meta.edge_type_names.len() as u64;
  let mut f = 0usize;
  let total = Scanner::new(buf, at).uint_array("edges", |_, v| {
    if f == meta.edge_type {
      if v >= type_count {
        return Err(SnapshotError::format(
          None,
          format!("edge type {v} is not listed in meta.edge_types"),
        ));
      }
      c.edge_type.push(v as u8);
    } else if f == meta.edge_name {
      c.edge_name.push(to_u32(v, "edge name_or_index")?);
    } else if f == meta.edge_to {
      if v % nfc != 0 {
        return Err(SnapshotError::format(
          None,
          format!("edge to_node {v} is not a multiple of the node field count {nfc}"),
        ));
      }
      c.edge_to.push(to_u32(v / nfc, "edge to_node")?);
    }
    f += 1;
    if f == efc {
      f = 0;
    }
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

fn parse_locations(buf: &[u8], at: usize, meta: &Meta, node_count: usize) -> Result<Vec<RawLocation>> {
  let lf = &meta.location_fields;
  let obj = field(lf, "object_index", "location_fields", at)?;
  let script = field(lf, "script_id", "location_fields", at)?;
  let line = field(lf, "line", "location_fields", at)?;
  let column = field(lf, "column", "location_fields", at)?;
  let count = lf.len();
  let nfc = meta.node_field_count as u64;
  let mut out = Vec::new();
  let mut cur = RawLocation {
    node: 0,
    script_id: 0,
    line: 0,
    column: 0,
  };
  let mut f = 0usize;
  let total = Scanner::new(buf, at).uint_array("locations", |_, v| {
    if f == obj {
      if v % nfc != 0 || v / nfc >= node_count as u64 {
        return Err(SnapshotError::format(
          None,
          format!("location object_index {v} is not a node index"),
        ));
      }
      cur.node = (v / nfc) as u32;
    } else if f == script {
      cur.script_id = to_u32(v, "location script_id")?;
    } else if f == line {
      cur.line = to_u32(v, "location line")?;
    } else if f == column {
      cur.column = to_u32(v, "location column")?;
    }
    f += 1;
    if f == count {
      f = 0;
      out.push(cur);
    }
    Ok(())
  })?;
  if total % count != 0 {
    return Err(SnapshotError::format(
      Some(at),
      format!("the locations array has {total} numbers, not a multiple of the {count} location fields"),
    ));
  }
  Ok(out)
}
