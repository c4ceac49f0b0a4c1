//! Hand-written byte scanners for the big parts of a snapshot.
//!
//! V8 writes heap snapshots as one JSON object whose bulk is a handful of
//! huge arrays of unsigned integers (`nodes`, `edges`, `locations`) and one
//! huge array of strings (`strings`). A general JSON parser would build a
//! tree of millions of values; these scanners walk the bytes once and hand
//! each number to a callback, or append each string to a [`StringTable`]
//! arena. They never panic on hostile input: every malformed byte sequence
//! becomes a [`SnapshotError`] carrying its byte offset.

use super::error::{Result, SnapshotError};
use super::graph::StringTable;

/// A cursor over the snapshot text.
pub struct Scanner<'a> {
  buf: &'a [u8],
  pos: usize,
}

impl<'a> Scanner<'a> {
  /// A scanner positioned at `pos` in `buf`.
  pub fn new(buf: &'a [u8], pos: usize) -> Self {
    Scanner { buf, pos }
  }

  /// The current byte offset.
  pub fn pos(&self) -> usize {
    self.pos
  }

  /// Skips JSON whitespace.
  #[inline]
  pub fn skip_ws(&mut self) {
    while let Some(&b) = self.buf.get(self.pos) {
      if b == b' ' || b == b'\n' || b == b'\r' || b == b'\t' {
        self.pos += 1;
      } else {
        break;
      }
    }
  }

  /// The next non-whitespace byte, not consumed.
  #[inline]
  pub fn peek(&mut self) -> Option<u8> {
    self.skip_ws();
    self.buf.get(self.pos).copied()
  }

  /// Consumes `byte` (after whitespace) or fails with `what` in the message.
  pub fn expect(&mut self, byte: u8, what: &str) -> Result<()> {
    match self.peek() {
      Some(b) if b == byte => {
        self.pos += 1;
        Ok(())
      }
      Some(b) => Err(SnapshotError::syntax(
        self.pos,
        format!("expected '{}' {what}, found '{}'", byte as char, printable(b)),
      )),
      None => Err(self.eof(what)),
    }
  }

  fn eof(&self, what: &str) -> SnapshotError {
    SnapshotError::syntax(
      self.pos,
      format!("unexpected end of input {what} (file truncated?)"),
    )
  }

  /// Reads a JSON string that is expected to be short (an object key) and
  /// returns it decoded.
  pub fn key(&mut self) -> Result<String> {
    let mut table = StringTable::default();
    self.string_into(&mut table)?;
    Ok(table.get(0).to_string())
  }

  /// Reads an array of unsigned integers, calling `f(index, value)` for
  /// each element. Returns the number of elements.
  pub fn uint_array(&mut self, what: &str, mut f: impl FnMut(usize, u64) -> Result<()>) -> Result<usize> {
    self.expect(b'[', &format!("at the start of \"{what}\""))?;
    let mut count = 0usize;
    if self.peek() == Some(b']') {
      self.pos += 1;
      return Ok(0);
    }
    loop {
      let start = {
        self.skip_ws();
        self.pos
      };
      let value = self.uint(what)?;
      if let Err(mut e) = f(count, value) {
        if e.offset.is_none() {
          e.offset = Some(start as u64);
        }
        return Err(e);
      }
      count += 1;
      match self.peek() {
        Some(b',') => self.pos += 1,
        Some(b']') => {
          self.pos += 1;
          return Ok(count);
        }
        Some(b) => {
          return Err(SnapshotError::syntax(
            self.pos,
            format!("expected ',' or ']' in \"{what}\", found '{}'", printable(b)),
          ))
        }
        None => return Err(self.eof(&format!("inside \"{what}\""))),
      }
    }
  }

  /// Reads one unsigned decimal integer (V8 never writes signs, fractions
  /// or exponents in the numeric arrays).
  #[inline]
  pub fn uint(&mut self, what: &str) -> Result<u64> {
    let start = self.pos;
    let mut value: u64 = 0;
    while let Some(&b) = self.buf.get(self.pos) {
      let d = b.wrapping_sub(b'0');
      if d > 9 {
        break;
      }
      value = match value.checked_mul(10).and_then(|v| v.checked_add(d as u64)) {
        Some(v) => v,
        None => {
          return Err(SnapshotError::syntax(
            start,
            format!("number too large in \"{what}\""),
          ))
        }
      };
      self.pos += 1;
    }
    if self.pos == start {
      return match self.buf.get(self.pos) {
        None => Err(self.eof(&format!("inside \"{what}\""))),
        Some(&b) => Err(SnapshotError::syntax(
          start,
          format!(
            "expected an unsigned integer in \"{what}\", found '{}'",
            printable(b)
          ),
        )),
      };
    }
    if let Some(&b) = self.buf.get(self.pos) {
      if b == b'.' || b == b'e' || b == b'E' {
        return Err(SnapshotError::syntax(
          start,
          format!("expected an integer in \"{what}\""),
        ));
      }
    }
    Ok(value)
  }

  /// Reads an array of strings into `table`. Returns the number read.
  pub fn string_array(&mut self, table: &mut StringTable) -> Result<usize> {
    self.expect(b'[', "at the start of \"strings\"")?;
    let mut count = 0usize;
    if self.peek() == Some(b']') {
      self.pos += 1;
      return Ok(0);
    }
    loop {
      self.string_into(table)?;
      count += 1;
      match self.peek() {
        Some(b',') => self.pos += 1,
        Some(b']') => {
          self.pos += 1;
          return Ok(count);
        }
        Some(b) => {
          return Err(SnapshotError::syntax(
            self.pos,
            format!("expected ',' or ']' in \"strings\", found '{}'", printable(b)),
          ))
        }
        None => return Err(self.eof("inside \"strings\"")),
      }
    }
  }

  /// Reads one JSON string and appends its decoded text to `table`.
  ///
  /// Invalid UTF-8 and unpaired surrogate escapes become U+FFFD (strings in
  /// a V8 heap can legitimately hold lone surrogates); malformed escapes and
  /// unterminated strings are errors.
  pub fn string_into(&mut self, table: &mut StringTable) -> Result<()> {
    self.expect(b'"', "at the start of a string")?;
    let out = table.begin();
    loop {
      let run_start = self.pos;
      while let Some(&b) = self.buf.get(self.pos) {
        if b == b'"' || b == b'\\' {
          break;
        }
        self.pos += 1;
      }
      let run = &self.buf[run_start..self.pos];
      match std::str::from_utf8(run) {
        Ok(s) => out.push_str(s),
        Err(_) => out.push_str(&String::from_utf8_lossy(run)),
      }
      match self.buf.get(self.pos) {
        None => return Err(self.eof("inside a string")),
        Some(b'"') => {
          self.pos += 1;
          table.end();
          return Ok(());
        }
        Some(_) => {
          let escape_at = self.pos;
          self.pos += 1;
          let c = match self.buf.get(self.pos) {
            None => return Err(self.eof("inside a string escape")),
            Some(&c) => c,
          };
          self.pos += 1;
          match c {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
              let unit = self.hex4(escape_at)?;
              out.push(self.finish_utf16(unit));
            }
            other => {
              return Err(SnapshotError::syntax(
                escape_at,
                format!("invalid escape '\\{}' in string", printable(other)),
              ))
            }
          }
        }
      }
    }
  }

  /// Combines a UTF-16 code unit with a following `\uDC00..\uDFFF` escape
  /// when it is a high surrogate; lone surrogates become U+FFFD.
  fn finish_utf16(&mut self, unit: u16) -> char {
    if (0xD800..0xDC00).contains(&unit) {
      let rest = &self.buf[self.pos.min(self.buf.len())..];
      if rest.len() >= 6 && rest[0] == b'\\' && rest[1] == b'u' {
        if let Some(low) = parse_hex4(&rest[2..6]) {
          if (0xDC00..0xE000).contains(&low) {
            self.pos += 6;
            let cp = 0x10000 + (((unit as u32) - 0xD800) << 10) + ((low as u32) - 0xDC00);
            return char::from_u32(cp).unwrap_or('\u{FFFD}');
          }
        }
      }
      '\u{FFFD}'
    } else {
      char::from_u32(unit as u32).unwrap_or('\u{FFFD}')
    }
  }

  fn hex4(&mut self, escape_at: usize) -> Result<u16> {
    let end = self.pos + 4;
    let digits = match self.buf.get(self.pos..end) {
      Some(d) => d,
      None => return Err(self.eof("inside a \\u escape")),
    };
    match parse_hex4(digits) {
      Some(v) => {
        self.pos = end;
        Ok(v)
      }
      None => Err(SnapshotError::syntax(
        escape_at,
        "invalid \\u escape: expected 4 hex digits",
      )),
    }
  }

  /// Skips any JSON value (used for the parts of the file we do not need)
  /// without recursion. Returns the offset just past the value.
  pub fn skip_value(&mut self) -> Result<usize> {
    let mut depth: usize = 0;
    loop {
      match self.peek() {
        None => return Err(self.eof("while skipping a value")),
        Some(b'"') => {
          self.skip_string()?;
        }
        Some(b'[') | Some(b'{') => {
          self.pos += 1;
          depth += 1;
          continue;
        }
        Some(b']') | Some(b'}') => {
          if depth == 0 {
            return Err(SnapshotError::syntax(self.pos, "unexpected closing bracket"));
          }
          self.pos += 1;
          depth -= 1;
        }
        Some(b',') | Some(b':') if depth > 0 => {
          self.pos += 1;
          continue;
        }
        Some(_) => {
          let start = self.pos;
          while let Some(&b) = self.buf.get(self.pos) {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'+' || b == b'.' {
              self.pos += 1;
            } else {
              break;
            }
          }
          if self.pos == start {
            return Err(SnapshotError::syntax(
              start,
              format!("unexpected character '{}'", printable(self.buf[start])),
            ));
          }
        }
      }
      if depth == 0 {
        return Ok(self.pos);
      }
    }
  }

  /// Skips a string without decoding it.
  fn skip_string(&mut self) -> Result<()> {
    self.expect(b'"', "at the start of a string")?;
    loop {
      match self.buf.get(self.pos) {
        None => return Err(self.eof("inside a string")),
        Some(b'"') => {
          self.pos += 1;
          return Ok(());
        }
        Some(b'\\') => self.pos += 2,
        Some(_) => self.pos += 1,
      }
    }
  }
}

fn parse_hex4(d: &[u8]) -> Option<u16> {
  let mut v: u16 = 0;
  for &b in d.get(0..4)? {
    let x = (b as char).to_digit(16)? as u16;
    v = (v << 4) | x;
  }
  Some(v)
}

fn printable(b: u8) -> String {
  if b.is_ascii_graphic() || b == b' ' {
    (b as char).to_string()
  } else {
    format!("\\x{b:02x}")
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn strings(json: &str) -> Result<Vec<String>> {
    let mut t = StringTable::default();
    Scanner::new(json.as_bytes(), 0).string_array(&mut t)?;
    Ok((0..t.len()).map(|i| t.get(i).to_string()).collect())
  }

  fn numbers(json: &str) -> Result<Vec<u64>> {
    let mut v = Vec::new();
    Scanner::new(json.as_bytes(), 0).uint_array("nodes", |_, x| {
      v.push(x);
      Ok(())
    })?;
    Ok(v)
  }

  #[test]
  fn numbers_parse_with_whitespace() {
    assert_eq!(
      numbers("[ 1,2 ,\n3\r\n,18446744073709551615]").unwrap(),
      vec![1, 2, 3, u64::MAX]
    );
    assert_eq!(numbers("[]").unwrap(), Vec::<u64>::new());
  }

  #[test]
  fn bad_numbers_are_errors_with_offsets() {
    let e = numbers("[1,2,-3]").unwrap_err();
    assert_eq!(e.offset, Some(5));
    assert!(e.message.contains("unsigned integer"), "{}", e.message);
    assert!(numbers("[1,2.5]").is_err());
    assert!(numbers("[1,18446744073709551616]")
      .unwrap_err()
      .message
      .contains("too large"));
    let e = numbers("[1,2,").unwrap_err();
    assert!(e.message.contains("end of input"), "{}", e.message);
    assert!(numbers("[1 2]").is_err());
    assert!(numbers("").is_err());
  }

  #[test]
  fn strings_decode_escapes_and_surrogates() {
    let got = strings(r#"["a\"b\\c\/d\n\t", "\u00e9\u4e2d", "\ud83d\ude00", "plain é", ""]"#).unwrap();
    assert_eq!(got, vec!["a\"b\\c/d\n\t", "é中", "😀", "plain é", ""]);
  }

  #[test]
  fn lone_surrogates_and_bad_utf8_become_replacement_chars() {
    assert_eq!(
      strings(r#"["x\ud800y", "\udc00", "\ud800\u0041"]"#).unwrap(),
      vec!["x\u{FFFD}y", "\u{FFFD}", "\u{FFFD}A"]
    );
    let mut bytes = b"[\"a".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(b"b\"]");
    let mut t = StringTable::default();
    Scanner::new(&bytes, 0).string_array(&mut t).unwrap();
    assert_eq!(t.get(0), "a\u{FFFD}\u{FFFD}b");
  }

  #[test]
  fn malformed_strings_are_errors() {
    let e = strings(r#"["ok", "bad \q"]"#).unwrap_err();
    assert_eq!(e.offset, Some(12));
    assert!(strings(r#"["\u12"]"#).is_err());
    assert!(strings(r#"["\uZZZZ"]"#).is_err());
    assert!(strings(r#"["unterminated"#)
      .unwrap_err()
      .message
      .contains("end of input"));
    assert!(strings(r#"["a" "b"]"#).is_err());
    assert!(strings(r#"["\"#).is_err());
  }

  #[test]
  fn skip_value_handles_nesting_and_strings() {
    let text = r#"{"a": [1, {"b": "]}\""}], "c": true} , 5"#;
    let mut s = Scanner::new(text.as_bytes(), 0);
    let end = s.skip_value().unwrap();
    assert_eq!(&text[end..], " , 5");
    assert!(Scanner::new(b"[1, [2", 0).skip_value().is_err());
    assert!(Scanner::new(b"]", 0).skip_value().is_err());
  }
}
