//! Redaction: rewrite a `.heapsnapshot` so every string *value* is replaced
//! while identifiers stay, making the dump shareable.
//!
//! Two streaming passes over the input, neither holding the file in memory:
//! 1. [`classify`] walks the header, `nodes` and `edges` with the snapshot
//!    engine's [`Scanner`] and marks string-table indices: *values* are the
//!    names of `string`, `concatenated string`, `sliced string` and `regexp`
//!    nodes; *names* are the names of every other node (constructor, function,
//!    code, native and synthetic names) and of every edge that is not an
//!    `element`/`hidden` edge (property, context-variable, internal, shortcut,
//!    weak edge names).
//! 2. [`rewrite`] copies the JSON byte for byte except the `strings` array,
//!    where an index that is a value and never a name is replaced by `*`
//!    repeated to its length class ([`length_class`]). A string used both as
//!    a value and as a name is kept (it is visible as a name anyway); V8's
//!    labels `(concatenated string)` and `(sliced string)` are kept.
//!    Everything else — `trace_function_infos` names, script names, the
//!    header, numbers — is kept, so the structure, ids, sizes and source
//!    locations are unchanged.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::Value;

use crate::snapshot::scan::Scanner;

/// Strings above this many characters all share the top class.
const MAX_CLASS: usize = 1024;
/// Indices past this are refused as corrupt rather than allocated for.
const MAX_STRINGS: u64 = 1 << 32;
const HEADER_LIMIT: usize = 16 << 20;
const LABELS: [&[u8]; 2] = [b"(concatenated string)", b"(sliced string)"];

/// A growable bit set over string indices.
#[derive(Default, Debug)]
pub struct Bits(Vec<u64>);

impl Bits {
  fn set(&mut self, i: u64) -> Result<(), String> {
    if i >= MAX_STRINGS {
      return Err(format!(
        "string index {i} is out of range: the snapshot is corrupt"
      ));
    }
    let w = (i / 64) as usize;
    if w >= self.0.len() {
      self.0.resize(w + 1, 0);
    }
    self.0[w] |= 1 << (i % 64);
    Ok(())
  }

  /// Whether index `i` is set.
  pub fn get(&self, i: usize) -> bool {
    self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
  }
}

/// Which string indices are values and which are names.
#[derive(Default, Debug)]
pub struct Classes {
  pub values: Bits,
  pub names: Bits,
}

/// What a redaction did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RedactStats {
  pub strings: u64,
  pub redacted: u64,
  pub bytes_in: u64,
}

/// The replacement length for a string of `chars` characters: 0 stays 0,
/// otherwise the next power of two, at least 8 and at most [`MAX_CLASS`].
pub fn length_class(chars: usize) -> usize {
  if chars == 0 {
    0
  } else {
    chars.next_power_of_two().clamp(8, MAX_CLASS)
  }
}

fn field(meta: &Value, list: &str, name: &str) -> Result<usize, String> {
  meta[list]
    .as_array()
    .and_then(|a| a.iter().position(|f| f.as_str() == Some(name)))
    .ok_or_else(|| format!("snapshot.meta.{list} has no \"{name}\": not a V8 heap snapshot"))
}

fn type_ids(meta: &Value, list: &str, wanted: &[&str]) -> Result<Vec<bool>, String> {
  let types = meta[list][0]
    .as_array()
    .ok_or_else(|| format!("snapshot.meta.{list}[0] is not an array of type names"))?;
  Ok(
    types
      .iter()
      .map(|t| t.as_str().is_some_and(|t| wanted.contains(&t)))
      .collect(),
  )
}

/// Pass 1: classify string indices from the header, `nodes` and `edges`.
pub fn classify(reader: impl Read) -> Result<Classes, String> {
  let e = |e: crate::snapshot::SnapshotError| format!("{e}");
  let mut s = Scanner::new(reader);
  s.expect_byte(b'{', "at the start of a heap snapshot").map_err(e)?;
  let mut out = Classes::default();
  let mut meta: Option<Value> = None;
  let (mut seen_nodes, mut seen_edges) = (false, false);
  loop {
    let key = s.key().map_err(e)?;
    s.expect_byte(b':', "after an object key").map_err(e)?;
    s.skip_ws();
    match key.as_str() {
      "snapshot" => {
        s.start_capture(HEADER_LIMIT);
        s.skip_value().map_err(e)?;
        let text = s.finish_capture().map_err(e)?;
        let v: Value = serde_json::from_slice(&text).map_err(|x| format!("snapshot header: {x}"))?;
        meta = Some(v["meta"].clone());
      }
      "nodes" | "edges" => {
        let m = meta
          .as_ref()
          .ok_or_else(|| format!("\"{key}\" comes before the \"snapshot\" header"))?;
        let (fields, name_at, type_at, special) = if key == "nodes" {
          (
            "node_fields",
            field(m, "node_fields", "name")?,
            field(m, "node_fields", "type")?,
            type_ids(
              m,
              "node_types",
              &["string", "concatenated string", "sliced string", "regexp"],
            )?,
          )
        } else {
          (
            "edge_fields",
            field(m, "edge_fields", "name_or_index")?,
            field(m, "edge_fields", "type")?,
            type_ids(m, "edge_types", &["element", "hidden"])?,
          )
        };
        let width = m[fields].as_array().map(|a| a.len()).unwrap_or(0);
        if width == 0 {
          return Err(format!("snapshot.meta.{fields} is empty"));
        }
        let is_nodes = key == "nodes";
        let (mut col, mut ty, mut name) = (0usize, 0u64, 0u64);
        s.uint_array(&key, |v| {
          if col == type_at {
            ty = v;
          }
          if col == name_at {
            name = v;
          }
          col += 1;
          if col == width {
            col = 0;
            let sp = special.get(ty as usize).copied().unwrap_or(false);
            let r = match (is_nodes, sp) {
              (true, true) => out.values.set(name),
              (true, false) | (false, false) => out.names.set(name),
              (false, true) => Ok(()), // element/hidden: a number, not a string index
            };
            r.map_err(|m| crate::snapshot::SnapshotError::format(None, m))?;
          }
          Ok(())
        })
        .map_err(e)?;
        if col != 0 {
          return Err(format!("\"{key}\" length is not a multiple of {width}"));
        }
        if is_nodes {
          seen_nodes = true;
        } else {
          seen_edges = true;
        }
      }
      // Everything we need comes before the strings.
      "strings" => break,
      _ => s.skip_value().map_err(e)?,
    }
    if s.peek() == Some(b',') {
      s.expect_byte(b',', "").map_err(e)?;
    } else {
      return Err("the snapshot ends before its \"strings\" array (file truncated?)".into());
    }
  }
  if !(seen_nodes && seen_edges) {
    return Err("the snapshot has no \"nodes\"/\"edges\" before \"strings\"".into());
  }
  Ok(out)
}

/// Pass 2's streaming JSON copier.
struct Copier<R: BufRead, W: Write> {
  r: R,
  w: W,
  read: u64,
}

fn io(e: std::io::Error) -> String {
  format!("{e}")
}

impl<R: BufRead, W: Write> Copier<R, W> {
  fn peek(&mut self) -> Result<Option<u8>, String> {
    Ok(self.r.fill_buf().map_err(io)?.first().copied())
  }

  fn bump(&mut self, n: usize) {
    self.r.consume(n);
    self.read += n as u64;
  }

  /// Copies whitespace; returns the next byte (not consumed).
  fn ws(&mut self) -> Result<u8, String> {
    loop {
      match self.peek()? {
        Some(b @ (b' ' | b'\n' | b'\r' | b'\t')) => {
          self.w.write_all(&[b]).map_err(io)?;
          self.bump(1);
        }
        Some(b) => return Ok(b),
        None => {
          return Err(format!(
            "unexpected end of the snapshot at byte {} (file truncated?)",
            self.read
          ))
        }
      }
    }
  }

  fn expect_byte(&mut self, want: u8) -> Result<(), String> {
    let b = self.ws()?;
    if b != want {
      return Err(format!(
        "expected '{}' at byte {}, found '{}'",
        want as char, self.read, b as char
      ));
    }
    self.w.write_all(&[b]).map_err(io)?;
    self.bump(1);
    Ok(())
  }

  /// Reads one JSON string (the opening quote is next) raw, without quotes.
  fn raw_string(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
    out.clear();
    self.bump(1);
    let mut esc = false;
    loop {
      let buf = self.r.fill_buf().map_err(io)?;
      if buf.is_empty() {
        return Err("unterminated string (file truncated?)".into());
      }
      let mut i = 0;
      let mut done = false;
      while i < buf.len() {
        let b = buf[i];
        if esc {
          esc = false;
        } else if b == b'\\' {
          esc = true;
        } else if b == b'"' {
          done = true;
          break;
        }
        i += 1;
      }
      out.extend_from_slice(&buf[..i]);
      let n = if done { i + 1 } else { i };
      self.bump(n);
      if done {
        return Ok(());
      }
    }
  }

  /// Copies one JSON value verbatim (whitespace before it already copied).
  fn copy_value(&mut self) -> Result<(), String> {
    let (mut depth, mut in_str, mut esc, mut started) = (0usize, false, false, false);
    loop {
      let buf = self.r.fill_buf().map_err(io)?;
      if buf.is_empty() {
        return Err("unexpected end of the snapshot inside a value (file truncated?)".into());
      }
      let mut i = 0;
      let mut done = false;
      while i < buf.len() {
        let b = buf[i];
        if in_str {
          if esc {
            esc = false;
          } else if b == b'\\' {
            esc = true;
          } else if b == b'"' {
            in_str = false;
            if depth == 0 {
              i += 1;
              done = true;
              break;
            }
          }
        } else {
          match b {
            b'"' => in_str = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
              if depth == 0 {
                done = true;
                break;
              }
              depth -= 1;
              if depth == 0 {
                i += 1;
                done = true;
                break;
              }
            }
            b',' | b' ' | b'\n' | b'\r' | b'\t' if depth == 0 && started => {
              done = true;
              break;
            }
            _ => {}
          }
        }
        started = true;
        i += 1;
      }
      self.w.write_all(&buf[..i]).map_err(io)?;
      self.bump(i);
      if done {
        return Ok(());
      }
    }
  }

  fn strings(&mut self, classes: &Classes, stats: &mut RedactStats) -> Result<(), String> {
    self.expect_byte(b'[')?;
    if self.ws()? == b']' {
      return self.expect_byte(b']');
    }
    let mut raw = Vec::new();
    let mut index = 0usize;
    loop {
      if self.ws()? != b'"' {
        return Err(format!("expected a string in \"strings\" at byte {}", self.read));
      }
      self.raw_string(&mut raw)?;
      let redact =
        classes.values.get(index) && !classes.names.get(index) && !LABELS.contains(&raw.as_slice());
      self.w.write_all(b"\"").map_err(io)?;
      if redact {
        let n = length_class(char_count(&raw));
        for _ in 0..n {
          self.w.write_all(b"*").map_err(io)?;
        }
        stats.redacted += 1;
      } else {
        self.w.write_all(&raw).map_err(io)?;
      }
      self.w.write_all(b"\"").map_err(io)?;
      index += 1;
      match self.ws()? {
        b',' => self.expect_byte(b',')?,
        b']' => {
          stats.strings = index as u64;
          return self.expect_byte(b']');
        }
        b => {
          return Err(format!(
            "expected ',' or ']' in \"strings\" at byte {}, found '{}'",
            self.read, b as char
          ))
        }
      }
    }
  }

  /// Pass 2: copy the top-level object, rewriting `strings`.
  fn run(&mut self, classes: &Classes) -> Result<RedactStats, String> {
    let mut stats = RedactStats::default();
    let mut key = Vec::new();
    let mut saw_strings = false;
    self.expect_byte(b'{')?;
    loop {
      if self.ws()? != b'"' {
        return Err(format!("expected a key at byte {}", self.read));
      }
      self.raw_string(&mut key)?;
      self.w.write_all(b"\"").map_err(io)?;
      self.w.write_all(&key).map_err(io)?;
      self.w.write_all(b"\"").map_err(io)?;
      self.expect_byte(b':')?;
      self.ws()?;
      if key == b"strings" {
        self.strings(classes, &mut stats)?;
        saw_strings = true;
      } else {
        self.copy_value()?;
      }
      match self.ws()? {
        b',' => self.expect_byte(b',')?,
        b'}' => {
          self.expect_byte(b'}')?;
          break;
        }
        b => {
          return Err(format!(
            "expected ',' or '}}' at byte {}, found '{}'",
            self.read, b as char
          ))
        }
      }
    }
    // Trailing whitespace, if any.
    while let Some(b) = self.peek()? {
      if !b.is_ascii_whitespace() {
        return Err(format!(
          "unexpected data after the snapshot at byte {}",
          self.read
        ));
      }
      self.w.write_all(&[b]).map_err(io)?;
      self.bump(1);
    }
    if !saw_strings {
      return Err("the snapshot has no \"strings\" array".into());
    }
    stats.bytes_in = self.read;
    Ok(stats)
  }
}

/// Characters of a raw JSON string body (UTF-16-ish: escapes count once,
/// UTF-8 sequences once).
fn char_count(raw: &[u8]) -> usize {
  let mut n = 0;
  let mut i = 0;
  while i < raw.len() {
    let b = raw[i];
    if b == b'\\' {
      i += if raw.get(i + 1) == Some(&b'u') { 6 } else { 2 };
    } else {
      i += 1;
      while i < raw.len() && (raw[i] & 0xC0) == 0x80 {
        i += 1;
      }
    }
    n += 1;
  }
  n
}

/// Rewrites snapshot text from `input` (read twice: `open` is called once
/// per pass) into `out`.
pub fn redact_stream<R: Read, W: Write>(
  mut open: impl FnMut() -> Result<R, String>,
  out: W,
) -> Result<RedactStats, String> {
  let classes = classify(open()?)?;
  let mut c = Copier {
    r: BufReader::with_capacity(1 << 20, open()?),
    w: out,
    read: 0,
  };
  let stats = c.run(&classes)?;
  c.w.flush().map_err(io)?;
  Ok(stats)
}

/// Redacts the plain snapshot at `src` into a new file `dst` (created with
/// mode 0600, never overwriting), gzip-compressed when `gzip`. On error the
/// partial `dst` is removed.
pub fn redact_file(src: &Path, dst: &Path, gzip: bool) -> Result<RedactStats, String> {
  let open = || File::open(src).map_err(|e| format!("{}: {e}", src.display()));
  let file = super::files::create_private(dst)?;
  let result = (|| {
    let w = BufWriter::with_capacity(1 << 20, &file);
    if gzip {
      let mut gz = GzEncoder::new(w, Compression::fast());
      let stats = redact_stream(open, &mut gz)?;
      gz.finish().map_err(io)?.flush().map_err(io)?;
      Ok(stats)
    } else {
      let mut w = w;
      let stats = redact_stream(open, &mut w)?;
      w.flush().map_err(io)?;
      Ok(stats)
    }
  })()
  .and_then(|s| file.sync_all().map(|_| s).map_err(io));
  if result.is_err() {
    let _ = std::fs::remove_file(dst);
  }
  result.map_err(|e| format!("redacting {} into {}: {e}", src.display(), dst.display()))
}

#[cfg(test)]
mod tests {
  use super::*;

  const SNAP: &str = r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],
"node_types":[["hidden","object","string","concatenated string","closure","regexp"],"string","number","number","number"],
"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden"],"string","number"]},
"node_count":7,"edge_count":5},
"nodes":[0,0,1,0,3, 1,1,3,32,2, 2,2,5,40,0, 3,3,7,40,0, 2,4,9,20,0, 5,8,11,16,0, 2,5,13,20,0],
"edges":[2,5,5, 1,0,10, 2,6,15, 4,2,20, 0,6,25],
"locations":[],
"strings":["","Secret","sk_live_abc123","(concatenated string)","pw\u00e9\"x","password","token","ok","/a[b]c/"]}
"#;

  fn run(text: &str) -> Result<(String, RedactStats), String> {
    let mut out = Vec::new();
    let stats = redact_stream(|| Ok(text.as_bytes()), &mut out)?;
    Ok((String::from_utf8(out).map_err(|e| e.to_string())?, stats))
  }

  #[test]
  fn values_go_names_stay() {
    let (out, stats) = run(SNAP).unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    let s: Vec<&str> = v["strings"]
      .as_array()
      .unwrap()
      .iter()
      .map(|x| x.as_str().unwrap())
      .collect();
    assert_eq!(s[0], "");
    assert_eq!(s[1], "Secret", "object name kept");
    assert_eq!(
      s[2], "****************",
      "value replaced by its length class (14 → 16)"
    );
    assert_eq!(s[3], "(concatenated string)", "V8 label kept");
    assert_eq!(s[4], "********", "escaped value replaced (5 chars → 8)");
    assert_eq!(s[5], "password", "value that is also a property name is kept");
    assert_eq!(s[6], "token");
    assert_eq!(s[7], "ok", "unreferenced string kept");
    assert_eq!(s[8], "********", "regexp source replaced");
    assert_eq!(stats.strings, 9);
    assert_eq!(stats.redacted, 3);
    // Everything but the strings is byte-identical.
    let (a, b) = (
      SNAP.split("\"strings\"").next().unwrap(),
      out.split("\"strings\"").next().unwrap(),
    );
    assert_eq!(a, b);
  }

  #[test]
  fn output_parses_with_the_engine() {
    let (out, _) = run(SNAP).unwrap();
    let g = crate::snapshot::parse::parse_bytes(out.as_bytes()).unwrap();
    assert_eq!(g.node_count(), 7);
    assert_eq!(g.name(1), "Secret");
  }

  #[test]
  fn truncated_and_garbage_input_are_errors() {
    for cut in [10, SNAP.len() / 2, SNAP.len() - 5] {
      assert!(run(&SNAP[..cut]).is_err(), "cut at {cut}");
    }
    assert!(run("not json").is_err());
    assert!(run("{\"strings\":[]}").is_err());
    let bad_index = SNAP.replace("5,8,11,16,0,", "5,4294967299,11,16,0,");
    assert!(run(&bad_index).unwrap_err().contains("out of range"));
  }

  #[test]
  fn length_classes() {
    assert_eq!(length_class(0), 0);
    assert_eq!(length_class(1), 8);
    assert_eq!(length_class(9), 16);
    assert_eq!(length_class(1 << 20), MAX_CLASS);
    assert_eq!(char_count(br#"a\u00e9\n"#), 3);
    assert_eq!(char_count("é€".as_bytes()), 2);
  }
}
