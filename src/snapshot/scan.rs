//! Hand-written streaming byte scanners for the big parts of a snapshot.
//!
//! V8 writes heap snapshots as one JSON object whose bulk is a handful of
//! huge arrays of unsigned integers (`nodes`, `edges`, `locations`) and one
//! huge array of strings (`strings`). A general JSON parser would build a
//! tree of millions of values; this [`Scanner`] pulls the bytes through a
//! fixed-size window from any [`Read`]er (a file, a gzip decoder), hands
//! each number to a callback and appends each string to a
//! [`StringTable`] arena, so the file itself is never held in memory. It
//! never panics on hostile input: every malformed byte sequence becomes a
//! [`SnapshotError`] carrying its byte offset.
//!
//! A scanner can also *tee* ([`Scanner::with_tee`]): every byte it consumes
//! is written, in order, to a [`Write`]r, except the strings read with
//! [`Scanner::take_raw_string`], whose replacement the caller writes with
//! [`Scanner::tee_write`]. The redactor (`crate::dump::redact`) copies a
//! snapshot this way while walking it with [`super::sections`].

use std::io::{Read, Write};

use super::error::{Result, SnapshotError};
use super::graph::StringTable;

/// Size of the read window.
const WINDOW: usize = 1 << 20;

/// The last `\n` in the final 4 KB of `bytes` (lines of numeric arrays are
/// a few dozen bytes; a newline further back would make a short piece).
fn newline_near_end(bytes: &[u8]) -> Option<usize> {
  let from = bytes.len().saturating_sub(4096);
  memchr::memrchr(b'\n', &bytes[from..]).map(|j| from + j)
}

/// How a piece returned by [`Scanner::array_piece`] ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece {
  /// More of the array follows.
  More,
  /// The array's closing `]` came right after the piece.
  Last,
  /// The input ended; the piece is empty.
  End,
}

/// Bytes [`Scanner::skip_value`] consumes inside an array or object without
/// changing its nesting: digits, letters, `-+.`, `,`, `:` and whitespace.
static PLAIN: [bool; 256] = {
  let mut t = [false; 256];
  let mut i = 0;
  while i < 256 {
    let b = i as u8;
    t[i] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.' | b',' | b':' | b' ' | b'\n' | b'\r' | b'\t');
    i += 1;
  }
  t
};

/// A cursor over the snapshot text, reading from `R` on demand; with a
/// tee, consumed bytes are copied to `W` (`io::Sink`: no tee).
pub struct Scanner<R: Read, W: Write = std::io::Sink> {
  reader: R,
  buf: Vec<u8>,
  /// Next unread byte in `buf`.
  pos: usize,
  /// End of valid bytes in `buf`.
  end: usize,
  /// Absolute offset of `buf[0]`.
  base: usize,
  eof: bool,
  io_error: Option<String>,
  /// Bytes captured since [`Scanner::start_capture`] (flushed on refill).
  capture: Option<Vec<u8>>,
  capture_from: usize,
  capture_limit: usize,
  /// Scratch space for decoding one string.
  scratch: Vec<u8>,
  /// Where consumed bytes are copied, if anywhere.
  tee: Option<W>,
  /// First consumed byte in `buf` not yet written to the tee.
  tee_from: usize,
  /// Consumed bytes are dropped instead of teed (inside a taken string).
  tee_paused: bool,
  /// The tee's first write error; input then ends early.
  tee_error: Option<std::io::Error>,
}

impl<R: Read> Scanner<R> {
  /// A scanner at the start of `reader`.
  pub fn new(reader: R) -> Self {
    Scanner::build(reader, None)
  }
}

impl<R: Read, W: Write> Scanner<R, W> {
  /// A scanner at the start of `reader` that writes every byte it consumes
  /// to `tee` (see the module docs); [`Scanner::finish_tee`] hands it back.
  pub fn with_tee(reader: R, tee: W) -> Self {
    Scanner::build(reader, Some(tee))
  }

  fn build(reader: R, tee: Option<W>) -> Self {
    Scanner {
      reader,
      buf: vec![0; WINDOW],
      pos: 0,
      end: 0,
      base: 0,
      eof: false,
      io_error: None,
      capture: None,
      capture_from: 0,
      capture_limit: 0,
      scratch: Vec::new(),
      tee,
      tee_from: 0,
      tee_paused: false,
      tee_error: None,
    }
  }

  /// Writes the consumed bytes not yet teed. False once the tee has failed.
  fn tee_flush(&mut self) -> bool {
    if let Some(w) = self.tee.as_mut() {
      if !self.tee_paused && self.tee_error.is_none() {
        if let Err(e) = w.write_all(&self.buf[self.tee_from..self.pos]) {
          self.tee_error = Some(e);
        }
      }
      self.tee_from = self.pos;
    }
    self.tee_error.is_none()
  }

  /// Writes `bytes` to the tee at the current position (after everything
  /// consumed so far).
  pub fn tee_write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
    if !self.tee_flush() {
      return Err(self.take_tee_error());
    }
    match self.tee.as_mut() {
      Some(w) => w.write_all(bytes),
      None => Ok(()),
    }
  }

  fn take_tee_error(&mut self) -> std::io::Error {
    self
      .tee_error
      .take()
      .unwrap_or_else(|| std::io::Error::other("the output failed earlier"))
  }

  /// Writes what is left to the tee and returns it (`None` without a tee).
  /// A failed tee ends the input early, so after a scanner error this
  /// tells whether the output was the cause (`Err`).
  pub fn finish_tee(mut self) -> std::io::Result<Option<W>> {
    if !self.tee_flush() {
      return Err(self.take_tee_error());
    }
    Ok(self.tee.take())
  }

  /// The current absolute byte offset.
  pub fn pos(&self) -> usize {
    self.base + self.pos
  }

  /// Reads more input, keeping unread bytes. Returns false at end of input
  /// (or on a read error, reported by the caller's end-of-input error).
  #[cold]
  fn fill(&mut self) -> bool {
    if self.eof {
      return false;
    }
    if let Some(c) = self.capture.as_mut() {
      c.extend_from_slice(&self.buf[self.capture_from..self.pos]);
      self.capture_from = 0;
    }
    if !self.tee_flush() {
      self.eof = true;
      return false;
    }
    self.tee_from = 0;
    self.buf.copy_within(self.pos..self.end, 0);
    self.end -= self.pos;
    self.base += self.pos;
    self.pos = 0;
    loop {
      match self.reader.read(&mut self.buf[self.end..]) {
        Ok(0) => {
          self.eof = true;
          return false;
        }
        Ok(n) => {
          self.end += n;
          return true;
        }
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
        Err(e) => {
          self.io_error = Some(e.to_string());
          self.eof = true;
          return false;
        }
      }
    }
  }

  /// Makes at least `n` bytes available from `pos` unless input ends.
  fn ensure(&mut self, n: usize) -> bool {
    while self.end - self.pos < n {
      if !self.fill() {
        return false;
      }
    }
    true
  }

  /// The byte at `pos`, reading more input when needed.
  #[inline]
  fn cur(&mut self) -> Option<u8> {
    if self.pos < self.end || self.fill() {
      self.buf.get(self.pos).copied()
    } else {
      None
    }
  }

  /// Skips JSON whitespace.
  #[inline]
  pub fn skip_ws(&mut self) {
    while let Some(b) = self.cur() {
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
    self.cur()
  }

  /// Consumes `byte` (after whitespace) or fails with `what` in the message.
  pub fn expect_byte(&mut self, byte: u8, what: &str) -> Result<()> {
    match self.peek() {
      Some(b) if b == byte => {
        self.pos += 1;
        Ok(())
      }
      Some(b) => Err(SnapshotError::syntax(
        self.pos(),
        format!("expected '{}' {what}, found '{}'", byte as char, printable(b)),
      )),
      None => Err(self.eof_error(what)),
    }
  }

  pub(crate) fn eof_error(&self, what: &str) -> SnapshotError {
    match &self.io_error {
      Some(e) => SnapshotError {
        kind: super::error::ErrorKind::Io,
        message: format!("read error {what}: {e}"),
        offset: Some(self.pos() as u64),
      },
      None => SnapshotError::syntax(
        self.pos(),
        format!("unexpected end of input {what} (file truncated?)"),
      ),
    }
  }

  /// Starts recording the raw bytes read from now on (at most `limit`).
  pub fn start_capture(&mut self, limit: usize) {
    self.capture = Some(Vec::new());
    self.capture_from = self.pos;
    self.capture_limit = limit;
  }

  /// Stops recording and returns the bytes read since
  /// [`Scanner::start_capture`].
  pub fn finish_capture(&mut self) -> Result<Vec<u8>> {
    let mut c = match self.capture.take() {
      Some(c) => c,
      None => return Ok(Vec::new()),
    };
    c.extend_from_slice(&self.buf[self.capture_from..self.pos]);
    if c.len() > self.capture_limit {
      return Err(SnapshotError::format(
        Some(self.pos()),
        format!("the value is larger than the {} byte limit", self.capture_limit),
      ));
    }
    Ok(c)
  }

  fn capture_too_big(&self) -> bool {
    self
      .capture
      .as_ref()
      .is_some_and(|c| c.len() > self.capture_limit)
  }

  /// The read error that ended the input early, if any.
  pub fn read_error(&self) -> Option<&str> {
    self.io_error.as_deref()
  }

  /// True when only whitespace is left.
  pub fn at_end(&mut self) -> bool {
    self.peek().is_none()
  }

  /// Reads a JSON string that is expected to be short (an object key) and
  /// returns it decoded.
  pub fn key(&mut self) -> Result<String> {
    let mut table = StringTable::default();
    self.string_into(&mut table)?;
    Ok(table.get(0).to_string())
  }

  /// Reads an array of unsigned integers, calling `f(value)` for each
  /// element. Errors returned by `f` without an offset get the element's.
  /// Returns the number of elements.
  pub fn uint_array(&mut self, what: &str, mut f: impl FnMut(u64) -> Result<()>) -> Result<usize> {
    self.expect_byte(b'[', &format!("at the start of \"{what}\""))?;
    let mut count = 0usize;
    if self.peek() == Some(b']') {
      self.pos += 1;
      return Ok(0);
    }
    loop {
      self.skip_ws();
      let start = self.pos();
      let value = self.uint(what)?;
      if let Err(mut e) = f(value) {
        if e.offset.is_none() {
          e.offset = Some(start as u64);
        }
        return Err(e);
      }
      count += 1;
      if self.buf.get(self.pos) == Some(&b',') && self.pos < self.end {
        self.pos += 1;
        continue;
      }
      match self.peek() {
        Some(b',') => self.pos += 1,
        Some(b']') => {
          self.pos += 1;
          return Ok(count);
        }
        Some(b) => {
          return Err(SnapshotError::syntax(
            self.pos(),
            format!("expected ',' or ']' in \"{what}\", found '{}'", printable(b)),
          ))
        }
        None => return Err(self.eof_error(&format!("inside \"{what}\""))),
      }
    }
  }

  /// Copies the next piece of a numeric array's body (after the `[`) into
  /// `out` for [`super::numbers`], consuming it. Returns the absolute
  /// offset of the piece's first byte and whether the array's `]` ends it
  /// (consumed, not copied) or the input ended before the piece.
  ///
  /// A piece holds at most about `limit` bytes and never ends right after
  /// a digit, so no number is split and whatever follows a number (`,`,
  /// whitespace, a stray `.`) is in the same piece as the number. Only a
  /// run of digits longer than half the window (which no valid 32-bit
  /// snapshot number is) is handed over whole.
  pub(crate) fn array_piece(&mut self, limit: usize, out: &mut Vec<u8>) -> (usize, Piece) {
    if let Some(done) = self.array_piece_direct(limit, out) {
      return done;
    }
    out.clear();
    let mut want = limit.clamp(1, WINDOW / 2);
    loop {
      while self.end - self.pos < want && self.fill() {}
      let base = self.pos();
      let window = &self.buf[self.pos..self.end];
      if window.is_empty() {
        return (base, Piece::End);
      }
      let w = &window[..window.len().min(limit.max(1))];
      if let Some(j) = memchr::memchr(b']', w) {
        out.extend_from_slice(&w[..j]);
        self.pos += j + 1;
        return (base, Piece::Last);
      }
      let cut = match memchr::memrchr(b',', w) {
        Some(j) => j + 1,
        None => match w.iter().rposition(|&b| !b.is_ascii_digit()) {
          Some(j) => j + 1,
          // `w` is all digits: the piece runs to the byte after the number.
          None => match window.iter().position(|&b| !b.is_ascii_digit()) {
            Some(j) if window[j] == b']' => {
              out.extend_from_slice(&window[..j]);
              self.pos += j + 1;
              return (base, Piece::Last);
            }
            Some(j) => j + 1,
            None if !self.eof && window.len() < WINDOW / 2 => {
              want = window.len() + 1;
              continue;
            }
            None => window.len(),
          },
        },
      };
      out.extend_from_slice(&window[..cut]);
      self.pos += cut;
      return (base, Piece::More);
    }
  }

  /// The common case of [`Scanner::array_piece`], with one copy less: the
  /// piece is read from the input straight into `out` (after whatever the
  /// window still holds), cut after its last newline or `,` (or at the array's `]`),
  /// and only the few bytes past the cut go back into the window. `None`
  /// (with nothing consumed) when the piece needs the careful path: a
  /// capture or a tee is running, the input ended, or there is no `,` to
  /// cut at.
  fn array_piece_direct(&mut self, limit: usize, out: &mut Vec<u8>) -> Option<(usize, Piece)> {
    if self.capture.is_some() || self.tee.is_some() || self.eof || limit == 0 || limit > WINDOW / 2 {
      return None;
    }
    out.clear();
    let base = self.pos();
    let start = self.pos;
    let buffered = (self.end - self.pos).min(limit);
    out.extend_from_slice(&self.buf[start..start + buffered]);
    let direct = buffered < limit;
    if direct {
      // The window is used up: read the rest of the piece into `out`.
      let want = limit - buffered;
      out.reserve(want);
      match (&mut self.reader).take(want as u64).read_to_end(out) {
        Ok(n) if n < want => self.eof = true,
        Ok(_) => {}
        Err(e) => {
          self.io_error = Some(e.to_string());
          self.eof = true;
        }
      }
    }
    let (len, consumed, piece) = match memchr::memchr(b']', out) {
      Some(j) => (j, j + 1, Piece::Last),
      None if self.eof => (0, 0, Piece::End),
      // After the last newline near the end when there is one (V8 ends
      // every record with one, so the next piece starts a record; see
      // `numbers::Meeting`), else after the last comma.
      None => match newline_near_end(out).or_else(|| memchr::memrchr(b',', out)) {
        Some(j) => (j + 1, j + 1, Piece::More),
        None => (0, 0, Piece::End),
      },
    };
    if !direct {
      if piece == Piece::End {
        out.clear();
        return None;
      }
      self.pos = start + consumed;
      out.truncate(len);
      return Some((base, piece));
    }
    // The window was emptied: what is past the cut becomes its content
    // (all of it when the careful path takes over).
    let keep = if piece == Piece::End { 0 } else { consumed };
    let tail = &out[keep..];
    self.buf[..tail.len()].copy_from_slice(tail);
    self.base = base + keep;
    self.pos = 0;
    self.end = tail.len();
    if piece == Piece::End {
      // `fill` keeps the window's bytes; the careful path re-reads them.
      out.clear();
      return None;
    }
    out.truncate(len);
    Some((base, piece))
  }

  /// Reads one unsigned decimal integer (V8 never writes signs, fractions
  /// or exponents in the numeric arrays).
  #[inline]
  pub fn uint(&mut self, what: &str) -> Result<u64> {
    // Fast path: a whole number (at most 19 digits, which cannot overflow)
    // and its terminator are in the window.
    if let Some(window) = self.buf.get(self.pos..self.end) {
      if window.len() > 20 {
        let mut value: u64 = 0;
        let mut i = 0;
        while i < 19 {
          let d = window[i].wrapping_sub(b'0');
          if d > 9 {
            break;
          }
          value = value * 10 + d as u64;
          i += 1;
        }
        let next = window[i];
        if i > 0 && next.wrapping_sub(b'0') > 9 && next != b'.' && next != b'e' && next != b'E' {
          self.pos += i;
          return Ok(value);
        }
      }
    }
    self.uint_slow(what)
  }

  #[cold]
  fn uint_slow(&mut self, what: &str) -> Result<u64> {
    let start = self.pos();
    let mut value: u64 = 0;
    let mut digits = 0usize;
    while let Some(b) = self.cur() {
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
      digits += 1;
      self.pos += 1;
    }
    match self.cur() {
      None if digits == 0 => Err(self.eof_error(&format!("inside \"{what}\""))),
      Some(b) if digits == 0 => Err(SnapshotError::syntax(
        start,
        format!(
          "expected an unsigned integer in \"{what}\", found '{}'",
          printable(b)
        ),
      )),
      Some(b'.') | Some(b'e') | Some(b'E') => Err(SnapshotError::syntax(
        start,
        format!("expected an integer in \"{what}\""),
      )),
      _ => Ok(value),
    }
  }

  /// Reads an array of strings into `table`. Returns the number read.
  pub fn string_array(&mut self, table: &mut StringTable) -> Result<usize> {
    self.expect_byte(b'[', "at the start of \"strings\"")?;
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
            self.pos(),
            format!("expected ',' or ']' in \"strings\", found '{}'", printable(b)),
          ))
        }
        None => return Err(self.eof_error("inside \"strings\"")),
      }
    }
  }

  /// Reads one JSON string and appends its decoded text to `table`.
  ///
  /// Invalid UTF-8 and unpaired surrogate escapes become U+FFFD (strings in
  /// a V8 heap can legitimately hold lone surrogates); malformed escapes and
  /// unterminated strings are errors.
  pub fn string_into(&mut self, table: &mut StringTable) -> Result<()> {
    self.expect_byte(b'"', "at the start of a string")?;
    let start = self.pos() - 1;
    let mut out = std::mem::take(&mut self.scratch);
    out.clear();
    let mut r = self.string_body(&mut out);
    if r.is_ok() {
      let fits = match std::str::from_utf8(&out) {
        Ok(s) => table.push(s),
        Err(_) => table.push(&String::from_utf8_lossy(&out)),
      };
      if !fits {
        r = Err(SnapshotError::format(
          Some(start),
          "the snapshot's strings add up to more than 4 GB, which is not supported",
        ));
      }
    }
    self.scratch = out;
    r
  }

  fn string_body(&mut self, out: &mut Vec<u8>) -> Result<()> {
    loop {
      if self.pos >= self.end && !self.fill() {
        return Err(self.eof_error("inside a string"));
      }
      let window = &self.buf[self.pos..self.end];
      let run = window
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .unwrap_or(window.len());
      out.extend_from_slice(&window[..run]);
      self.pos += run;
      match self.cur() {
        None => return Err(self.eof_error("inside a string")),
        Some(b'"') => {
          self.pos += 1;
          return Ok(());
        }
        Some(b'\\') => {
          let escape_at = self.pos();
          self.pos += 1;
          let c = match self.cur() {
            None => return Err(self.eof_error("inside a string escape")),
            Some(c) => c,
          };
          self.pos += 1;
          let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
              let unit = self.hex4(escape_at)?;
              self.finish_utf16(unit)
            }
            other => {
              return Err(SnapshotError::syntax(
                escape_at,
                format!("invalid escape '\\{}' in string", printable(other)),
              ))
            }
          };
          let mut tmp = [0u8; 4];
          out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
        }
        Some(_) => {}
      }
    }
  }

  /// Combines a UTF-16 code unit with a following `\uDC00..\uDFFF` escape
  /// when it is a high surrogate; lone surrogates become U+FFFD.
  fn finish_utf16(&mut self, unit: u16) -> char {
    if (0xD800..0xDC00).contains(&unit) {
      if self.ensure(6) {
        let rest = &self.buf[self.pos..self.pos + 6];
        if rest[0] == b'\\' && rest[1] == b'u' {
          if let Some(low) = parse_hex4(&rest[2..6]) {
            if (0xDC00..0xE000).contains(&low) {
              self.pos += 6;
              let cp = 0x10000 + (((unit as u32) - 0xD800) << 10) + ((low as u32) - 0xDC00);
              return char::from_u32(cp).unwrap_or('\u{FFFD}');
            }
          }
        }
      }
      '\u{FFFD}'
    } else {
      char::from_u32(unit as u32).unwrap_or('\u{FFFD}')
    }
  }

  fn hex4(&mut self, escape_at: usize) -> Result<u16> {
    if !self.ensure(4) {
      return Err(self.eof_error("inside a \\u escape"));
    }
    match parse_hex4(&self.buf[self.pos..self.pos + 4]) {
      Some(v) => {
        self.pos += 4;
        Ok(v)
      }
      None => Err(SnapshotError::syntax(
        escape_at,
        "invalid \\u escape: expected 4 hex digits",
      )),
    }
  }

  /// Skips any JSON value (used for the parts of the file we do not need)
  /// without recursion.
  pub fn skip_value(&mut self) -> Result<()> {
    let mut depth: usize = 0;
    loop {
      if self.capture_too_big() {
        return Err(SnapshotError::format(
          Some(self.pos()),
          format!("the value is larger than the {} byte limit", self.capture_limit),
        ));
      }
      if depth > 0 {
        // The bulk of a skipped array (numbers, commas, whitespace), up to
        // the end of the window: what the tokens below would consume.
        let window = &self.buf[self.pos..self.end];
        self.pos += window.iter().position(|&b| !PLAIN[b as usize]).unwrap_or(window.len());
      }
      match self.peek() {
        None => return Err(self.eof_error("while skipping a value")),
        Some(b'"') => self.skip_string()?,
        Some(b'[') | Some(b'{') => {
          self.pos += 1;
          depth += 1;
          continue;
        }
        Some(b']') | Some(b'}') => {
          if depth == 0 {
            return Err(SnapshotError::syntax(self.pos(), "unexpected closing bracket"));
          }
          self.pos += 1;
          depth -= 1;
        }
        Some(b',') | Some(b':') if depth > 0 => {
          self.pos += 1;
          continue;
        }
        Some(first) => {
          let start = self.pos();
          while let Some(b) = self.cur() {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'+' || b == b'.' {
              self.pos += 1;
            } else {
              break;
            }
          }
          if self.pos() == start {
            return Err(SnapshotError::syntax(
              start,
              format!("unexpected character '{}'", printable(first)),
            ));
          }
        }
      }
      if depth == 0 {
        return Ok(());
      }
    }
  }

  /// Skips a string (whitespace, then the opening quote, is next) without
  /// decoding it; escapes are not checked.
  pub fn skip_string(&mut self) -> Result<()> {
    self.expect_byte(b'"', "at the start of a string")?;
    self.raw_string_body(None)
  }

  /// Reads the next string (after whitespace) as written — escapes not
  /// decoded nor checked, no quotes — into `out`, and keeps it, quotes
  /// included, out of the tee: the caller writes what replaces it with
  /// [`Scanner::tee_write`].
  pub fn take_raw_string(&mut self, out: &mut Vec<u8>) -> Result<()> {
    out.clear();
    self.skip_ws();
    self.tee_flush();
    self.tee_paused = true;
    let r = self
      .expect_byte(b'"', "at the start of a string")
      .and_then(|_| self.raw_string_body(Some(out)));
    self.tee_paused = false;
    self.tee_from = self.pos;
    r
  }

  /// The rest of a string after its opening quote, up to and including the
  /// closing one, appended to `out` without the quote when given.
  fn raw_string_body(&mut self, mut out: Option<&mut Vec<u8>>) -> Result<()> {
    loop {
      if self.pos >= self.end && !self.fill() {
        return Err(self.eof_error("inside a string"));
      }
      let window = &self.buf[self.pos..self.end];
      let Some(j) = memchr::memchr2(b'"', b'\\', window) else {
        if let Some(o) = out.as_deref_mut() {
          o.extend_from_slice(window);
        }
        self.pos = self.end;
        continue;
      };
      let quote = window[j] == b'"';
      if let Some(o) = out.as_deref_mut() {
        o.extend_from_slice(&window[..if quote { j } else { j + 1 }]);
      }
      self.pos += j + 1;
      if quote {
        return Ok(());
      }
      // A backslash: the next byte is escaped, whatever it is.
      match self.cur() {
        None => return Err(self.eof_error("inside a string")),
        Some(b) => {
          if let Some(o) = out.as_deref_mut() {
            o.push(b);
          }
          self.pos += 1;
        }
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

pub(crate) fn printable(b: u8) -> String {
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
    Scanner::new(json.as_bytes()).string_array(&mut t)?;
    Ok((0..t.len()).map(|i| t.get(i).to_string()).collect())
  }

  fn numbers(json: &str) -> Result<Vec<u64>> {
    let mut v = Vec::new();
    Scanner::new(json.as_bytes()).uint_array("nodes", |x| {
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
    Scanner::new(&bytes[..]).string_array(&mut t).unwrap();
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
    let mut s = Scanner::new(text.as_bytes());
    s.start_capture(1000);
    s.skip_value().unwrap();
    let captured = s.finish_capture().unwrap();
    assert_eq!(&text[s.pos()..], " , 5");
    assert_eq!(captured, &text.as_bytes()[..s.pos()]);
    assert!(Scanner::new(&b"[1, [2"[..]).skip_value().is_err());
    assert!(Scanner::new(&b"]"[..]).skip_value().is_err());
    let mut s = Scanner::new(text.as_bytes());
    s.start_capture(10);
    let r = s.skip_value().and_then(|_| s.finish_capture());
    assert!(r.unwrap_err().message.contains("limit"));
  }

  /// A reader that hands out one byte at a time, so every token crosses a
  /// window refill.
  struct Trickle<'a>(&'a [u8]);

  impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
      match (self.0.split_first(), buf.is_empty()) {
        (Some((&b, rest)), false) => {
          buf[0] = b;
          self.0 = rest;
          Ok(1)
        }
        _ => Ok(0),
      }
    }
  }

  #[test]
  fn tokens_split_across_reads_decode_the_same() {
    let json = r#"["h\u00e9llo", "\ud83d\ude00 €", "tab\t"]"#;
    let mut a = StringTable::default();
    let mut s = Scanner::new(Trickle(json.as_bytes()));
    s.string_array(&mut a).unwrap();
    assert_eq!((a.get(0), a.get(1), a.get(2)), ("héllo", "😀 €", "tab\t"));
    let mut v = Vec::new();
    Scanner::new(Trickle(b"[ 12, 3456 ,789]"))
      .uint_array("x", |x| {
        v.push(x);
        Ok(())
      })
      .unwrap();
    assert_eq!(v, vec![12, 3456, 789]);
  }
}
