//! The one reader of a heap snapshot's top-level object, shared by the
//! analysis engine ([`super::parse`]) and the dump redactor
//! (`crate::dump::redact`).
//!
//! V8 writes a snapshot as one JSON object of a few sections: the small
//! `snapshot` header (whose `meta` names the fields of every record), the
//! huge `nodes`, `edges` and `locations` number arrays, the `strings` array
//! and a few others (trace data, samples). [`Sections`] walks that object
//! on a [`Scanner`], one section at a time: it reads the header itself
//! (bounded by [`HEADER_LIMIT`]) into a [`Meta`], refuses duplicate
//! sections, and leaves the scanner at the start of every other section's
//! value for the caller to read, skip or copy. The rules every reader
//! shares live here: an empty input or object is not a snapshot, the
//! header must come before the sections laid out by its `meta`, sections
//! are separated by `,`, and nothing but whitespace may follow the object.

use std::io::{Read, Write};

use serde_json::Value;

use super::error::{Result, SnapshotError};
use super::graph::MAX_EDGE_TYPES;
use super::scan::Scanner;

/// The `snapshot` header is a few KB; refuse absurd ones.
pub const HEADER_LIMIT: usize = 16 << 20;

/// Field layout from `snapshot.meta`, and the header's counts.
#[derive(Debug, Clone)]
pub struct Meta {
  /// Numbers per node record, and the positions of the fields used.
  pub node_field_count: usize,
  pub node_type: usize,
  pub node_name: usize,
  pub node_id: usize,
  pub node_self_size: usize,
  pub node_edge_count: usize,
  /// `meta.node_types[type field]`: node type names by type number.
  pub node_type_names: Vec<String>,
  /// Numbers per edge record, and the positions of its fields.
  pub edge_field_count: usize,
  pub edge_type: usize,
  pub edge_name: usize,
  pub edge_to: usize,
  /// `meta.edge_types[type field]`: edge type names by type number.
  pub edge_type_names: Vec<String>,
  /// `meta.location_fields` (empty when absent).
  pub location_fields: Vec<String>,
  /// `snapshot.node_count`, `edge_count`, `root_index`, when present.
  pub node_count: Option<u64>,
  pub edge_count: Option<u64>,
  pub root_index: Option<u64>,
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

/// The position of field `name` in `fields` (the meta list `what`, read at
/// byte `at`).
pub fn field(fields: &[String], name: &str, what: &str, at: usize) -> Result<usize> {
  fields
    .iter()
    .position(|f| f == name)
    .ok_or_else(|| SnapshotError::format(Some(at), format!("snapshot.meta.{what} has no \"{name}\" field")))
}

impl Meta {
  /// Parses the `snapshot` header's JSON `text`, read at byte `at`.
  pub fn parse(text: &[u8], at: usize) -> Result<Meta> {
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
      if names.len() >= u8::MAX as usize || (k == "edge_types" && names.len() > MAX_EDGE_TYPES) {
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
}

/// A top-level section other than the header (which [`Sections`] reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
  Nodes,
  Edges,
  Locations,
  Strings,
  /// Anything else (`trace_function_infos`, `samples`, …).
  Other,
}

impl Section {
  fn of(key: &str) -> Section {
    match key {
      "nodes" => Section::Nodes,
      "edges" => Section::Edges,
      "locations" => Section::Locations,
      "strings" => Section::Strings,
      _ => Section::Other,
    }
  }

  /// Bit for the duplicate check (none for `Other`).
  fn bit(self) -> u8 {
    match self {
      Section::Nodes => 1,
      Section::Edges => 2,
      Section::Locations => 4,
      Section::Strings => 8,
      Section::Other => 0,
    }
  }
}

/// A walk over the top-level object of a snapshot (see the module docs).
pub struct Sections<R: Read, W: Write = std::io::Sink> {
  s: Scanner<R, W>,
  meta: Option<(Meta, usize)>,
  /// The key of the section the scanner is in.
  key: String,
  /// [`Section::bit`]s of the sections seen.
  seen: u8,
  started: bool,
  done: bool,
}

impl<R: Read> Sections<R> {
  /// A walk over the snapshot text from `reader`.
  pub fn new(reader: R) -> Result<Self> {
    Sections::open(Scanner::new(reader))
  }
}

impl<R: Read, W: Write> Sections<R, W> {
  /// A walk from `s`, which must be at the start of the text: checks that
  /// it opens a non-empty object.
  pub fn open(mut s: Scanner<R, W>) -> Result<Self> {
    if s.peek().is_none() {
      return Err(match s.read_error() {
        Some(e) => SnapshotError::io(e.to_string()),
        None => SnapshotError::syntax(0, "empty input: not a heap snapshot"),
      });
    }
    s.expect_byte(b'{', "at the start of a heap snapshot")?;
    if s.peek() == Some(b'}') {
      return Err(SnapshotError::format(
        Some(s.pos()),
        "empty JSON object: not a heap snapshot",
      ));
    }
    Ok(Sections {
      s,
      meta: None,
      key: String::new(),
      seen: 0,
      started: false,
      done: false,
    })
  }

  /// Moves to the next section, past the previous one's value (which the
  /// caller has read). Returns the section and the byte offset of its
  /// value, where the scanner now is, or `None` after the object's closing
  /// brace (nothing but whitespace follows it). The `snapshot` header is
  /// read here, never returned: see [`Sections::meta`].
  pub fn next_section(&mut self) -> Result<Option<(Section, usize)>> {
    loop {
      if self.done {
        return Ok(None);
      }
      if self.started && !self.after_value()? {
        return Ok(None);
      }
      self.started = true;
      let key = self.s.key()?;
      self.s.expect_byte(b':', "after an object key")?;
      self.s.skip_ws();
      let at = self.s.pos();
      let section = Section::of(&key);
      let duplicate = if key == "snapshot" {
        self.meta.is_some()
      } else {
        self.seen & section.bit() != 0
      };
      if duplicate {
        return Err(SnapshotError::format(Some(at), format!("duplicate \"{key}\"")));
      }
      self.seen |= section.bit();
      self.key = key;
      if self.key == "snapshot" {
        self.s.start_capture(HEADER_LIMIT);
        self.s.skip_value()?;
        let text = self.s.finish_capture()?;
        self.meta = Some((Meta::parse(&text, at)?, at));
        continue;
      }
      return Ok(Some((section, at)));
    }
  }

  /// Consumes the `,` or the closing `}` after a value; false at the end.
  fn after_value(&mut self) -> Result<bool> {
    match self.s.peek() {
      Some(b',') => {
        self.s.expect_byte(b',', "")?;
        Ok(true)
      }
      Some(b'}') => {
        self.s.expect_byte(b'}', "")?;
        self.done = true;
        if !self.s.at_end() {
          return Err(SnapshotError::syntax(
            self.s.pos(),
            "unexpected data after the end of the snapshot object",
          ));
        }
        Ok(false)
      }
      Some(b) => Err(SnapshotError::syntax(
        self.s.pos(),
        format!(
          "expected ',' or '}}' after the value of \"{}\", found '{}'",
          self.key, b as char
        ),
      )),
      None => Err(self.s.eof_error(&format!("after the value of \"{}\"", self.key))),
    }
  }

  /// The current section's key.
  pub fn key(&self) -> &str {
    &self.key
  }

  /// The header's layout, once read.
  pub fn meta(&self) -> Option<&Meta> {
    self.meta.as_ref().map(|(m, _)| m)
  }

  /// Byte offset of the header's value, once read.
  pub fn meta_at(&self) -> Option<usize> {
    self.meta.as_ref().map(|&(_, at)| at)
  }

  /// The scanner, at the current section's value.
  pub fn scanner(&mut self) -> &mut Scanner<R, W> {
    &mut self.s
  }

  /// The header's layout and the scanner, for reading a section laid out
  /// by the header (`at`: the section's offset); an error when the header
  /// has not come yet.
  pub fn with_meta(&mut self, at: usize) -> Result<(&Meta, &mut Scanner<R, W>)> {
    match &self.meta {
      Some((m, _)) => Ok((m, &mut self.s)),
      None => Err(SnapshotError::format(
        Some(at),
        format!("\"{}\" comes before the \"snapshot\" header", self.key),
      )),
    }
  }

  /// Ends the walk, returning the scanner.
  pub fn into_scanner(self) -> Scanner<R, W> {
    self.s
  }

  /// Ends the walk, returning the header's layout and its offset.
  pub fn into_meta(self) -> Option<(Meta, usize)> {
    self.meta
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const HEADER: &str = r#"{"meta":{"node_fields":["type","name","id","self_size","edge_count"],
"node_types":[["hidden","object"]],"edge_fields":["type","name_or_index","to_node"],
"edge_types":[["element","property"]]},"node_count":1}"#;

  fn walk(text: &str) -> Result<Vec<(Section, String)>> {
    let mut w = Sections::new(text.as_bytes())?;
    let mut out = Vec::new();
    while let Some((section, _)) = w.next_section()? {
      out.push((section, w.key().to_string()));
      w.scanner().skip_value()?;
    }
    Ok(out)
  }

  #[test]
  fn sections_come_in_order_with_the_header_read() {
    let text = format!("{{\"snapshot\":{HEADER},\"nodes\":[0,0,1,0,0],\"x\":{{\"a\":[1]}}, \"strings\":[\"\"]}}\n");
    let got = walk(&text).unwrap();
    assert_eq!(
      got,
      vec![
        (Section::Nodes, "nodes".to_string()),
        (Section::Other, "x".to_string()),
        (Section::Strings, "strings".to_string())
      ]
    );
    let mut w = Sections::new(text.as_bytes()).unwrap();
    let (section, at) = w.next_section().unwrap().unwrap();
    assert_eq!((section, &text[at..at + 1]), (Section::Nodes, "["));
    let (meta, _) = w.with_meta(at).unwrap();
    assert_eq!((meta.node_field_count, meta.node_name, meta.node_count), (5, 1, Some(1)));
    assert_eq!(w.meta_at(), Some(text.find("{\"meta\"").unwrap()));
  }

  #[test]
  fn broken_objects_are_errors() {
    let header = format!("{{\"snapshot\":{HEADER}");
    for (text, needle) in [
      (String::new(), "empty input"),
      ("{ }".to_string(), "empty JSON object"),
      (format!("{header},\"nodes\":[],\"nodes\":[]}}"), "duplicate \"nodes\""),
      (format!("{header},\"snapshot\":{{}}}}"), "duplicate \"snapshot\""),
      (format!("{header} \"nodes\":[]}}"), "expected ',' or '}' after the value of \"snapshot\""),
      (format!("{header},\"strings\":[]"), "unexpected end of input after the value of \"strings\""),
      (format!("{header}}} x"), "unexpected data after the end"),
    ] {
      let e = walk(&text).unwrap_err();
      assert!(e.to_string().contains(needle), "{text:?}: {e}");
    }
    let mut w = Sections::new(&b"{\"nodes\":[]}"[..]).unwrap();
    let (_, at) = w.next_section().unwrap().unwrap();
    let e = w.with_meta(at).map(|_| ()).unwrap_err();
    assert!(e.to_string().contains("\"nodes\" comes before the \"snapshot\" header"), "{e}");
    assert_eq!(e.offset, Some(9));
  }
}
