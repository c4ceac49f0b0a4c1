//! Redaction: rewrite a `.heapsnapshot` so every string *value* is replaced
//! while identifiers stay, making the dump shareable.
//!
//! Two streaming passes over the input, neither holding the file in memory,
//! both walking it with the snapshot engine's section reader
//! ([`Sections`], the one [`crate::snapshot::parse`] uses) and its [`Meta`]:
//! 1. [`classify`] reads the header, `nodes` and `edges` and marks
//!    string-table indices: *values* are the names of `string`,
//!    `concatenated string`, `sliced string` and `regexp` nodes; *names* are
//!    the names of every other node (constructor, function, code, native and
//!    synthetic names) and of every edge that is not an `element`/`hidden`
//!    edge (property, context-variable, internal, shortcut, weak edge names).
//! 2. [`redact_stream`]'s second pass walks the file again with a teeing
//!    scanner, which copies every byte it consumes to the output, except in
//!    the `strings` array, where an index that is a value and never a name
//!    is replaced by `*` repeated to its length class ([`length_class`]). A
//!    string used both as a value and as a name is kept (it is visible as a
//!    name anyway); V8's labels `(concatenated string)` and `(sliced string)`
//!    are kept. Everything else — `trace_function_infos` names, script
//!    names, the header, numbers, whitespace — is copied byte for byte, so
//!    the structure, ids, sizes and source locations are unchanged.
//!
//! Memory: two bit sets over the string indices, the scanner's window and
//! the longest redacted string.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;

use super::error::{DumpError, Step};
use crate::snapshot::bits::BitSet;
use crate::snapshot::graph::{EdgeTypes, NodeTypes};
use crate::snapshot::scan::Scanner;
use crate::snapshot::sections::{Meta, Section, Sections};
use crate::snapshot::SnapshotError;

/// Strings above this many characters all share the top class.
const MAX_CLASS: usize = 1024;
/// What replaces a string: a prefix of this.
const STARS: [u8; MAX_CLASS] = [b'*'; MAX_CLASS];
const LABELS: [&[u8]; 2] = [b"(concatenated string)", b"(sliced string)"];

/// Which string indices are values and which are names.
#[derive(Default, Debug)]
pub struct Classes {
  pub values: BitSet,
  pub names: BitSet,
}

impl Classes {
  /// Whether string `i` is replaced (unless it is one of V8's labels).
  fn redacts(&self, i: usize) -> bool {
    self.values.get(i) && !self.names.get(i)
  }
}

/// What a redaction did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
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

/// How one record array (`nodes` or `edges`) names strings.
struct Records {
  /// Numbers per record, and where the type and the name are.
  width: usize,
  type_at: usize,
  name_at: usize,
  /// Per type number: `Some(true)` the name is a value, `Some(false)` a
  /// name, `None` not a string index (element and hidden edges).
  kinds: Vec<Option<bool>>,
}

impl Records {
  fn nodes(m: &Meta) -> Records {
    let t = NodeTypes::resolve(&m.node_type_names);
    let values = [t.string, t.cons_string, t.sliced_string, t.regexp];
    Records {
      width: m.node_field_count,
      type_at: m.node_type,
      name_at: m.node_name,
      kinds: (0..m.node_type_names.len()).map(|ty| Some(values.contains(&(ty as u8)))).collect(),
    }
  }

  fn edges(m: &Meta) -> Records {
    let t = EdgeTypes::resolve(&m.edge_type_names);
    Records {
      width: m.edge_field_count,
      type_at: m.edge_type,
      name_at: m.edge_name,
      kinds: (0..m.edge_type_names.len())
        .map(|ty| (!t.has_numeric_name(ty as u8)).then_some(false))
        .collect(),
    }
  }

  /// Reads the array (`what`, at byte `at`) and marks its string names.
  fn mark<R: Read>(&self, s: &mut Scanner<R>, what: &str, at: usize, out: &mut Classes) -> Result<(), SnapshotError> {
    let (mut col, mut ty, mut name) = (0usize, 0u64, 0u64);
    let total = s.uint_array(what, |v| {
      if col == self.type_at {
        ty = v;
      }
      if col == self.name_at {
        name = v;
      }
      col += 1;
      if col == self.width {
        col = 0;
        // An unknown type is the engine's error to report; here it names.
        let kind = self.kinds.get(ty as usize).copied().unwrap_or(Some(false));
        if let Some(value) = kind {
          let Ok(i) = u32::try_from(name) else {
            return Err(SnapshotError::format(
              None,
              format!("string index {name} is out of range: the snapshot is corrupt"),
            ));
          };
          let set = if value { &mut out.values } else { &mut out.names };
          set.set_growing(i as usize);
        }
      }
      Ok(())
    })?;
    if total % self.width != 0 {
      return Err(SnapshotError::format(
        Some(at),
        format!(
          "the {what} array has {total} numbers, not a multiple of the {} {} fields",
          self.width,
          what.trim_end_matches('s')
        ),
      ));
    }
    Ok(())
  }
}

/// Pass 1: classify string indices from the header, `nodes` and `edges`
/// (which V8 writes before `strings`).
pub fn classify(reader: impl Read) -> Result<Classes, SnapshotError> {
  let mut w = Sections::new(reader)?;
  let mut out = Classes::default();
  let (mut nodes, mut edges) = (false, false);
  while let Some((section, at)) = w.next_section()? {
    match section {
      Section::Nodes | Section::Edges => {
        let (m, s) = w.with_meta(at)?;
        if section == Section::Nodes {
          Records::nodes(m).mark(s, "nodes", at, &mut out)?;
          nodes = true;
        } else {
          Records::edges(m).mark(s, "edges", at, &mut out)?;
          edges = true;
        }
      }
      // Everything needed comes before the strings.
      Section::Strings if nodes && edges => return Ok(out),
      Section::Strings => {
        return Err(SnapshotError::format(
          Some(at),
          "the snapshot has no \"nodes\"/\"edges\" before \"strings\"",
        ))
      }
      _ => w.scanner().skip_value()?,
    }
  }
  Err(SnapshotError::format(None, "the snapshot has no \"strings\" array"))
}

/// Pass 2's `strings` array: copied, values replaced.
fn rewrite_strings<R: Read, W: Write>(
  s: &mut Scanner<R, W>,
  classes: &Classes,
  stats: &mut RedactStats,
) -> Result<(), RedactError> {
  s.expect_byte(b'[', "at the start of \"strings\"")?;
  let mut raw = Vec::new();
  let mut index = 0usize;
  if s.peek() != Some(b']') {
    loop {
      if classes.redacts(index) {
        s.take_raw_string(&mut raw)?;
        let keep = LABELS.contains(&raw.as_slice());
        let with = if keep { &raw[..] } else { &STARS[..length_class(char_count(&raw))] };
        for part in [&b"\""[..], with, b"\""] {
          s.tee_write(part).map_err(RedactError::Write)?;
        }
        stats.redacted += u64::from(!keep);
      } else {
        s.skip_string()?;
      }
      index += 1;
      match s.peek() {
        Some(b',') => s.expect_byte(b',', "")?,
        _ => break,
      }
    }
  }
  s.expect_byte(b']', "after a string in \"strings\"")?;
  stats.strings = index as u64;
  Ok(())
}

/// Pass 2: copies the snapshot from `reader` to `out`, rewriting `strings`.
fn rewrite<R: Read, W: Write>(reader: R, out: W, classes: &Classes) -> Result<(RedactStats, W), RedactError> {
  let mut w = Sections::open(Scanner::with_tee(reader, out))?;
  let mut stats = RedactStats::default();
  let mut saw_strings = false;
  let walked = (|| -> Result<(), RedactError> {
    while let Some((section, _)) = w.next_section()? {
      if section == Section::Strings {
        rewrite_strings(w.scanner(), classes, &mut stats)?;
        saw_strings = true;
      } else {
        w.scanner().skip_value()?;
      }
    }
    Ok(())
  })();
  let s = w.into_scanner();
  stats.bytes_in = s.pos() as u64;
  // A failed write ends the input early: then the write is the error.
  let out = s.finish_tee().map_err(RedactError::Write)?;
  walked?;
  if !saw_strings {
    return Err(SnapshotError::format(None, "the snapshot has no \"strings\" array").into());
  }
  out.ok_or_else(|| RedactError::Write(std::io::Error::other("the scanner has no output"))).map(|out| (stats, out))
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
/// per pass) into `out`, which is flushed and returned.
pub fn redact_stream<R: Read, W: Write>(
  mut open: impl FnMut() -> std::io::Result<R>,
  out: W,
) -> Result<(RedactStats, W), RedactError> {
  let classes = classify(open().map_err(RedactError::Open)?)?;
  let (stats, mut out) = rewrite(open().map_err(RedactError::Open)?, out, &classes)?;
  out.flush().map_err(RedactError::Write)?;
  Ok((stats, out))
}

/// A failed [`redact_stream`]: which side failed; [`redact_file`] turns it
/// into a [`DumpError`] naming the file.
#[derive(Debug)]
pub enum RedactError {
  /// Opening the input failed.
  Open(std::io::Error),
  /// The input is not a snapshot the redactor can read, or reading failed.
  Snapshot(SnapshotError),
  /// Writing the output failed.
  Write(std::io::Error),
}

impl From<SnapshotError> for RedactError {
  fn from(e: SnapshotError) -> Self {
    RedactError::Snapshot(e)
  }
}

impl std::fmt::Display for RedactError {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    match self {
      RedactError::Open(e) => write!(f, "cannot open the snapshot: {e}"),
      RedactError::Snapshot(e) => write!(f, "{e}"),
      RedactError::Write(e) => write!(f, "cannot write the redacted snapshot: {e}"),
    }
  }
}

impl std::error::Error for RedactError {}

/// Redacts the plain snapshot at `src` into a new file `dst` (created with
/// mode 0600, never overwriting), gzip-compressed when `gzip`. On error the
/// partial `dst` is removed.
pub fn redact_file(src: &Path, dst: &Path, gzip: bool) -> Result<RedactStats, DumpError> {
  let step = Step::Redact;
  let file = super::files::create_private(dst).map_err(|source| DumpError::Create {
    step,
    path: dst.to_path_buf(),
    source,
  })?;
  let open = || File::open(src);
  let result = (|| {
    let w = BufWriter::with_capacity(1 << 20, &file);
    let stats = if gzip {
      let (stats, gz) = redact_stream(open, GzEncoder::new(w, Compression::fast()))?;
      gz.finish().and_then(|mut w| w.flush()).map_err(RedactError::Write)?;
      stats
    } else {
      redact_stream(open, w)?.0
    };
    file.sync_all().map_err(RedactError::Write)?;
    Ok(stats)
  })();
  if result.is_err() {
    let _ = std::fs::remove_file(dst);
  }
  result.map_err(|e| match e {
    RedactError::Open(source) => DumpError::Read { step, path: src.to_path_buf(), source },
    RedactError::Snapshot(source) => DumpError::Snapshot { path: src.to_path_buf(), source },
    RedactError::Write(source) => DumpError::Write { step, path: dst.to_path_buf(), source },
  })
}

#[cfg(test)]
mod tests {
  use super::*;
  use serde_json::Value;

  const SNAP: &str = r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],
"node_types":[["hidden","object","string","concatenated string","closure","regexp"],"string","number","number","number"],
"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden"],"string","number"]},
"node_count":7,"edge_count":5},
"nodes":[0,0,1,0,3, 1,1,3,32,2, 2,2,5,40,0, 3,3,7,40,0, 2,4,9,20,0, 5,8,11,16,0, 2,5,13,20,0],
"edges":[2,5,5, 1,0,10, 2,6,15, 4,2,20, 0,6,25],
"locations":[],
"strings":["","Secret","sk_live_abc123","(concatenated string)","pw\u00e9\"x","password","token","ok","/a[b]c/"]}
"#;

  fn run(text: &str) -> Result<(String, RedactStats), RedactError> {
    let (stats, out) = redact_stream(|| Ok(text.as_bytes()), Vec::new())?;
    Ok((String::from_utf8(out).unwrap(), stats))
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
    let e = run(&bad_index).unwrap_err();
    assert!(e.to_string().contains("out of range"), "{e}");
    let RedactError::Snapshot(e) = e else { panic!("{e}") };
    assert_eq!(e.offset, Some(bad_index.find("4294967299,11,16,0").unwrap() as u64 + 17), "at the record's last number");
  }

  #[test]
  fn the_engine_reader_rules_apply() {
    let header_end = SNAP.find("\n\"nodes\"").unwrap();
    for (text, needle) in [
      (SNAP.replace("\"locations\":[],", "\"edges\":[],"), "duplicate \"edges\""),
      (SNAP.replace("\"strings\":[", "\"strings\":[\"x\",1,"), "at the start of a string"),
      (format!("{} x", SNAP), "unexpected data after the end"),
      (format!("{{{}", &SNAP[header_end + 1..]), "comes before the \"snapshot\" header"),
      (SNAP.replace("\"nodes\":[0,0,1,0,3,", "\"nodes\":[0,0,1,0,"), "not a multiple of the 5 node fields"),
      (SNAP.replace("\"edge_count\"", "\"edge_count_\""), "has no \"edge_count\" field"),
    ] {
      let e = run(&text).unwrap_err();
      assert!(matches!(e, RedactError::Snapshot(_)), "{e}");
      assert!(e.to_string().contains(needle), "want {needle:?}: {e}");
    }
  }

  /// A writer that fails after `n` bytes.
  #[derive(Debug)]
  struct Full(usize);

  impl Write for Full {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
      if self.0 < buf.len() {
        return Err(std::io::Error::other("disk full"));
      }
      self.0 -= buf.len();
      Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
      Ok(())
    }
  }

  #[test]
  fn a_failing_output_is_a_write_error() {
    for room in [0, 10, SNAP.len() - 20] {
      let e = redact_stream(|| Ok(SNAP.as_bytes()), Full(room)).unwrap_err();
      assert!(matches!(e, RedactError::Write(_)), "room {room}: {e}");
    }
  }

  #[test]
  fn big_input_streams_through_the_window() {
    // Strings and arrays far larger than the scanner's window.
    let mut text = String::from(&SNAP[..SNAP.find("\"nodes\"").unwrap()]);
    let n = 300_000;
    text.push_str("\"nodes\":[");
    for i in 0..n {
      let (ty, name) = if i % 2 == 0 { (2, 1 + i % 3) } else { (1, 4) };
      text.push_str(&format!("{}{ty},{name},{},8,0\n", if i == 0 { "" } else { "," }, 2 * i + 1));
    }
    text.push_str(&format!("],\"edges\":[],\"x\":[{}],\"strings\":[\"\",", "[1,\"]\"],".repeat(200_000) + "0"));
    let long = "s\\\"é".repeat(400_000);
    text.push_str(&format!("\"{long}\",\"b\",\"{long}\",\"kept\"]}}"));
    let (out, stats) = run(&text).unwrap();
    assert_eq!(stats.strings, 5);
    assert_eq!(stats.redacted, 3);
    assert_eq!(stats.bytes_in, text.len() as u64);
    let tail = format!("\"strings\":[\"\",\"{}\",\"********\",\"{}\",\"kept\"]}}", "*".repeat(1024), "*".repeat(1024));
    assert!(out.ends_with(&tail), "{}", &out[out.len() - 100..]);
    assert_eq!(out[..out.len() - tail.len()], text[..out.len() - tail.len()]);
  }

  #[test]
  fn corrupt_input_is_an_error_or_a_copy_never_a_panic() {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut rnd = move |m: usize| {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      (x % m as u64) as usize
    };
    for _ in 0..3000 {
      let mut bytes = SNAP.as_bytes().to_vec();
      for _ in 0..1 + rnd(3) {
        let i = rnd(bytes.len());
        bytes[i] = b"{}[]\",:0123456789 \\xu"[rnd(21)];
      }
      let mut out = Vec::new();
      if let Ok((stats, _)) = redact_stream(|| Ok(&bytes[..]), &mut out) {
        assert_eq!(stats.bytes_in, bytes.len() as u64);
      }
    }
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
