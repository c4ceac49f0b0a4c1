//! The big numeric arrays (`nodes`, `edges`, `locations`), parsed on
//! worker threads.
//!
//! Turning decimal text into numbers is most of the work of reading a
//! snapshot. The calling thread cuts the array's body into pieces of about
//! 512 KB that never split a number ([`Scanner::array_piece`]), worker
//! threads turn each piece into `u32`s (and so does the calling thread
//! when it would otherwise wait: one thread per core), and the calling
//! thread hands the results, in array order, to a `sink` that scatters
//! them into columns.
//! At most a few pieces are in flight, so memory stays bounded (a few MB)
//! whatever the array's size. Errors are the ones the sequential
//! [`Scanner::uint_array`] reports, with the same messages and byte
//! offsets: a worker only checks the grammar inside its piece, and the
//! calling thread checks where pieces meet, in order.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};
use std::sync::Mutex;

use super::error::{Result, SnapshotError};
use super::scan::{printable, Piece, Scanner};

/// Bytes per piece.
const PIECE: usize = 512 << 10;
/// Worker threads at most (arrays that fit in one piece are parsed inline).
pub(crate) const MAX_WORKERS: usize = 4;

/// How to cut and who parses (tests use tiny pieces).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
  pub piece: usize,
  pub workers: usize,
}

impl Plan {
  /// Pieces handed out and not yet taken back: enough to keep every
  /// worker busy while this thread reads, parses or takes a result.
  fn in_flight(&self) -> usize {
    self.workers + 4
  }

  /// One worker per core but one, at least one and up to
  /// [`MAX_WORKERS`]: the calling thread parses too, whenever it would
  /// otherwise wait for a result (measured on 2 cores: one worker plus the
  /// calling thread parse the 1 GB bench file in 1.12 s, two workers beside
  /// it in 1.39 s).
  pub(crate) fn default_for_machine() -> Plan {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Plan {
      piece: PIECE,
      workers: cores.saturating_sub(1).clamp(1, MAX_WORKERS),
    }
  }
}

/// How the numbers of an array become columns. Implemented for `nodes`,
/// `edges` and `locations` by the parser; `put` and `put_record` run on
/// worker threads and on the calling thread.
pub(crate) trait Fields: Sync {
  /// Per-piece columns (recycled between pieces).
  type Cols: Default + Send;
  /// Numbers per record.
  fn count(&self) -> usize;
  /// Empties `cols`, keeping their capacity.
  fn clear(&self, cols: &mut Self::Cols);
  /// Takes `v` as field `f` of a record; false when `v` is not valid
  /// there (kept cheap: this is the innermost loop).
  fn put(&self, cols: &mut Self::Cols, f: usize, v: u64) -> bool;
  /// Why `v` is not valid as field `f` (it gets `v`'s offset).
  fn refuse(&self, f: usize, v: u64) -> SnapshotError;
  /// Takes one whole record (`vals.len() == count()`) if every value is
  /// valid, else takes nothing and returns false (the caller then goes
  /// field by field to find the culprit).
  fn put_record(&self, cols: &mut Self::Cols, vals: &[u64]) -> bool;
}

/// Longest record [`parse_piece`] takes in one step.
const MAX_RECORD: usize = 8;

/// `10^k` for the digits of a second SWAR step.
const POW10: [u64; 8] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/// The first token of a piece, for the check where pieces meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
  Num,
  Comma,
  Other(u8),
}

/// One piece and what a worker made of it.
struct Job<C> {
  seq: usize,
  /// Absolute offset of `bytes[0]`.
  base: usize,
  bytes: Vec<u8>,
  /// Field of the piece's first number.
  phase: usize,
  cols: C,
  /// Numbers put into `cols`.
  values: usize,
  /// The first token and its absolute offset.
  first: Option<(Tok, usize)>,
  /// The last token (`Num` or `Comma`) when the piece parsed cleanly.
  last: Option<Tok>,
  /// The first error inside the piece (after `values` numbers).
  error: Option<SnapshotError>,
}

impl<C: Default> Job<C> {
  fn new() -> Self {
    Job {
      seq: 0,
      base: 0,
      bytes: Vec::new(),
      phase: 0,
      cols: C::default(),
      values: 0,
      first: None,
      last: None,
      error: None,
    }
  }
}

/// Receives each piece's columns in order, with the field of the piece's
/// first number, and moves them into the array's (emptying them). An error is reported with the index, within
/// the piece, of the number it is about; it gets that number's offset.
pub(crate) type TakeResult = std::result::Result<(), (usize, SnapshotError)>;

/// Reads an array of unsigned integers like [`Scanner::uint_array`],
/// parsing on worker threads: `fields` decodes the numbers into per-piece
/// columns and `take` receives them in order. Returns the number of
/// elements.
pub(crate) fn uint_array<R: Read, F: Fields>(
  s: &mut Scanner<R>,
  what: &str,
  plan: Plan,
  fields: &F,
  mut take: impl FnMut(&mut F::Cols, usize) -> TakeResult,
) -> Result<usize> {
  s.expect_byte(b'[', &format!("at the start of \"{what}\""))?;
  let mut meet = Meeting {
    what,
    prev: Tok::Comma,
    at_start: true,
    count: 0,
    runs: 0,
    field_count: fields.count().max(1),
    exact: false,
    resync: false,
  };
  let mut first = Job::<F::Cols>::new();
  let (base, piece) = s.array_piece(plan.piece, &mut first.bytes);
  first.base = base;
  if piece != Piece::More || plan.workers == 0 {
    // Small arrays (and tests asking for it) stay on this thread.
    let mut job = first;
    let mut piece = piece;
    loop {
      meet.settle(true);
      job.phase = meet.phase_of(&job.bytes);
      parse_piece(&mut job, what, fields);
      meet.take(&mut job, fields, &mut take)?;
      match piece {
        Piece::More => {
          let (base, p) = s.array_piece(plan.piece, &mut job.bytes);
          job.base = base;
          piece = p;
        }
        Piece::Last => return meet.close(job.base + job.bytes.len()),
        Piece::End => return Err(s.eof_error(&format!("inside \"{what}\""))),
      }
    }
  }
  let in_flight = plan.in_flight();
  let (job_tx, job_rx) = sync_channel::<Job<F::Cols>>(in_flight);
  let (done_tx, done_rx) = sync_channel::<Job<F::Cols>>(in_flight);
  let job_rx = Mutex::new(job_rx);
  std::thread::scope(|scope| {
    for _ in 0..plan.workers {
      let job_rx = &job_rx;
      let done_tx = done_tx.clone();
      scope.spawn(move || work(job_rx, done_tx, what, fields));
    }
    drop(done_tx);
    // Returning drops both channel ends, which stops the workers.
    drive(s, plan, first, job_tx, &job_rx, done_rx, &mut meet, fields, &mut take)
  })
}

/// Worker loop: parse pieces until the job channel closes.
fn work<F: Fields>(
  jobs: &Mutex<Receiver<Job<F::Cols>>>,
  done: SyncSender<Job<F::Cols>>,
  what: &str,
  fields: &F,
) {
  loop {
    let job = {
      let guard = match jobs.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
      };
      guard.recv()
    };
    let mut job = match job {
      Ok(j) => j,
      Err(_) => return,
    };
    parse_piece(&mut job, what, fields);
    if done.send(job).is_err() {
      return;
    }
  }
}

/// The calling thread's loop: cut pieces, keep at most `in_flight` of
/// them out, and take results back in order.
#[allow(clippy::too_many_arguments)]
fn drive<R: Read, F: Fields>(
  s: &mut Scanner<R>,
  plan: Plan,
  mut first: Job<F::Cols>,
  jobs: SyncSender<Job<F::Cols>>,
  queued: &Mutex<Receiver<Job<F::Cols>>>,
  done: Receiver<Job<F::Cols>>,
  meet: &mut Meeting<'_>,
  fields: &F,
  take: &mut impl FnMut(&mut F::Cols, usize) -> TakeResult,
) -> Result<usize> {
  let in_flight = plan.in_flight();
  let stopped = || SnapshotError::io("internal error: a parser thread stopped");
  first.phase = meet.phase_of(&first.bytes);
  if jobs.send(first).is_err() {
    return Err(stopped());
  }
  let mut sent = 1usize;
  let mut taken = 0usize;
  let mut reading = true;
  let mut close_at = None;
  let mut spare: Vec<Job<F::Cols>> = Vec::new();
  // Results by `seq - taken`, filled as they arrive.
  let mut early: VecDeque<Option<Job<F::Cols>>> = VecDeque::new();
  loop {
    meet.settle(taken == sent);
    while reading && sent - taken < in_flight && !meet.resync {
      let mut job = spare.pop().unwrap_or_else(Job::new);
      let (base, piece) = s.array_piece(plan.piece, &mut job.bytes);
      match piece {
        Piece::End => {
          reading = false;
          break;
        }
        Piece::Last => {
          reading = false;
          close_at = Some(base + job.bytes.len());
        }
        Piece::More => {}
      }
      job.seq = sent;
      job.base = base;
      job.phase = meet.phase_of(&job.bytes);
      if jobs.send(job).is_err() {
        return Err(stopped());
      }
      sent += 1;
    }
    if taken == sent {
      break;
    }
    let mut job = loop {
      if matches!(early.front(), Some(Some(_))) {
        if let Some(Some(j)) = early.pop_front() {
          break j;
        }
      }
      let j = match done.try_recv() {
        Ok(j) => j,
        Err(TryRecvError::Disconnected) => return Err(stopped()),
        // Nothing back yet: parse a piece still queued here rather than
        // wait (`try_lock`: a worker waiting for work holds the lock, and
        // then the queue is empty anyway).
        Err(TryRecvError::Empty) => match queued.try_lock().ok().and_then(|q| q.try_recv().ok()) {
          Some(mut j) => {
            parse_piece(&mut j, meet.what, fields);
            j
          }
          None => done.recv().map_err(|_| stopped())?,
        },
      };
      let slot = j.seq.saturating_sub(taken);
      while early.len() <= slot {
        early.push_back(None);
      }
      early[slot] = Some(j);
    };
    taken += 1;
    meet.take(&mut job, fields, take)?;
    spare.push(job);
  }
  match close_at {
    Some(at) => meet.close(at),
    None => Err(s.eof_error(&format!("inside \"{}\"", meet.what))),
  }
}

/// The in-order work of the calling thread: the field each piece starts
/// with, the checks where pieces meet, the pieces' results and errors.
struct Meeting<'a> {
  what: &'a str,
  /// The last token so far (`Num` or `Comma`); at the start the array
  /// behaves as after a comma except that `]` may follow.
  prev: Tok,
  at_start: bool,
  /// Numbers taken so far.
  count: usize,
  /// Numbers in the pieces cut so far, if they are well-formed (counted
  /// only in exact mode).
  runs: usize,
  field_count: usize,
  /// Exact mode: every piece's numbers are counted before it is handed
  /// out. Otherwise the phase is *predicted*: V8 writes one record per
  /// line, so a piece cut just after a newline starts a record (phase 0).
  /// Every prediction is checked when the piece is taken back, and a wrong
  /// one is parsed again with the right phase, so an input laid out
  /// differently is read correctly, only more slowly; it also switches to
  /// exact mode.
  exact: bool,
  /// Switching to exact mode: no piece goes out until every piece out is
  /// back (then `runs` is known again).
  resync: bool,
}

impl Meeting<'_> {
  /// Called with whether every piece handed out is back: completes a
  /// switch to exact mode.
  fn settle(&mut self, all_back: bool) {
    if self.resync && all_back {
      self.resync = false;
      self.exact = true;
      self.runs = self.count;
    }
  }

  /// The field of the first number of the next piece, `bytes`: counted in
  /// exact mode (exact unless the piece is malformed, and then its error
  /// ends the array before a later piece's phase matters), else predicted.
  fn phase_of(&mut self, bytes: &[u8]) -> usize {
    if self.exact {
      let phase = self.runs % self.field_count;
      self.runs += digit_runs(bytes);
      return phase;
    }
    // Pieces go out at phase 0 only at the array's start or after a piece
    // that ended with a newline; after any other cut, switch.
    if bytes.last() != Some(&b'\n') {
      self.resync = true;
    }
    0
  }

  fn take<F: Fields>(
    &mut self,
    job: &mut Job<F::Cols>,
    fields: &F,
    take: &mut impl FnMut(&mut F::Cols, usize) -> TakeResult,
  ) -> Result<()> {
    let phase = self.count % self.field_count;
    if job.phase != phase {
      // A wrong prediction: parse it again, and count from now on.
      job.phase = phase;
      parse_piece(job, self.what, fields);
      self.resync = !self.exact;
    }
    if let Some((tok, at)) = job.first {
      let expect_number = self.prev == Tok::Comma;
      let found = match tok {
        Tok::Num if expect_number => None,
        Tok::Comma if !expect_number => None,
        Tok::Num => Some(job.bytes.get(at - job.base).copied().unwrap_or(b'0')),
        Tok::Comma => Some(b','),
        Tok::Other(b) => Some(b),
      };
      if let Some(b) = found {
        return Err(self.unexpected(expect_number, b, at));
      }
    }
    if let Err((k, mut e)) = take(&mut job.cols, job.phase) {
      if e.offset.is_none() {
        e.offset = Some((job.base + nth_number(&job.bytes, k)) as u64);
      }
      return Err(e);
    }
    self.count += job.values;
    if let Some(e) = job.error.take() {
      return Err(e);
    }
    if let Some(t) = job.last {
      self.prev = t;
      self.at_start = false;
    }
    Ok(())
  }

  /// The array's `]` at offset `at`.
  fn close(&self, at: usize) -> Result<usize> {
    if self.prev == Tok::Comma && !self.at_start {
      return Err(self.unexpected(true, b']', at));
    }
    Ok(self.count)
  }

  fn unexpected(&self, expect_number: bool, b: u8, at: usize) -> SnapshotError {
    let what = self.what;
    let message = if expect_number {
      format!(
        "expected an unsigned integer in \"{what}\", found '{}'",
        printable(b)
      )
    } else {
      format!("expected ',' or ']' in \"{what}\", found '{}'", printable(b))
    };
    SnapshotError::syntax(at, message)
  }
}

#[inline]
fn is_ws(b: u8) -> bool {
  b == b' ' || b == b'\n' || b == b'\r' || b == b'\t'
}

/// Exact division by a fixed divisor without a `div` instruction for
/// 32-bit dividends (Lemire's fastdiv/fastmod); `to_node` offsets are
/// divided by the node field count this way.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Divisor {
  d: u64,
  /// `u64::MAX / d + 1`, or 0 where the fast path does not apply.
  magic: u64,
}

impl Divisor {
  pub(crate) fn new(d: u64) -> Divisor {
    let magic = if (2..=u32::MAX as u64).contains(&d) {
      u64::MAX / d + 1
    } else {
      0
    };
    Divisor { d: d.max(1), magic }
  }

  /// `(v / d, v % d)`.
  #[inline]
  pub(crate) fn div_rem(&self, v: u64) -> (u64, u64) {
    if v <= u32::MAX as u64 && self.magic != 0 {
      let q = ((self.magic as u128 * v as u128) >> 64) as u64;
      let low = self.magic.wrapping_mul(v);
      let r = ((low as u128 * self.d as u128) >> 64) as u64;
      (q, r)
    } else {
      (v / self.d, v % self.d)
    }
  }
}

/// Number of maximal runs of digits in `bytes`, eight bytes at a time.
fn digit_runs(bytes: &[u8]) -> usize {
  const ONES: u64 = 0x0101_0101_0101_0101;
  let digits = |w: u64| {
    // High bit of each byte in b'0'..=b'9', without carries between bytes.
    let low = w & (0x7f * ONES);
    let ge0 = low.wrapping_add((0x80 - 0x30) * ONES);
    let gt9 = low.wrapping_add((0x80 - 0x3a) * ONES);
    ge0 & !gt9 & !w & (0x80 * ONES)
  };
  let mut runs = 0usize;
  // Whether the byte before the current word was a digit, in bit 7.
  let mut carry = 0u64;
  let mut words = bytes.chunks_exact(8);
  for word in &mut words {
    let mut a = [0u8; 8];
    a.copy_from_slice(word);
    let d = digits(u64::from_le_bytes(a));
    let before = (d << 8) | carry;
    runs += (d & !before).count_ones() as usize;
    carry = d >> 56;
  }
  let mut prev_digit = carry != 0;
  for &b in words.remainder() {
    let digit = b.is_ascii_digit();
    runs += (digit && !prev_digit) as usize;
    prev_digit = digit;
  }
  runs
}

/// The number of leading decimal digits of the 8 bytes in `word` (first
/// byte lowest) and, when that is 1 to 8, their value (with 8 the number
/// may go on past the word: the caller looks at the next byte).
#[inline]
fn swar_number(word: u64) -> (usize, u64) {
  const ONES: u64 = 0x0101_0101_0101_0101;
  // Bytes below b'0' borrow from the next byte up; only bytes after the
  // first non-digit can be disturbed by that, and they are not used.
  let sub = word.wrapping_sub(0x30 * ONES);
  // High bit of each byte that is not 0..=9 after the subtraction.
  let not_digit = (((sub & (0x7f * ONES)).wrapping_add(0x76 * ONES)) | sub) & (0x80 * ONES);
  let len = (not_digit.trailing_zeros() / 8) as usize;
  if len == 0 {
    return (0, 0);
  }
  // Move the digits to the top bytes (leading zeros below), then combine
  // pairs, quads and octets.
  let x = sub << (8 * (8 - len));
  let x = ((x & (0x0f * ONES)).wrapping_mul(10 * 256 + 1)) >> 8;
  let x = ((x & 0x00ff_00ff_00ff_00ff).wrapping_mul(100 * 65536 + 1)) >> 16;
  let x = ((x & 0x0000_ffff_0000_ffff).wrapping_mul(10000 * (1 << 32) + 1)) >> 32;
  (len, x)
}

/// The number of 1 to 15 digits at `bytes[j..]` in one or two SWAR steps
/// (15 digits: edge targets far past node 14.3 M): `(len, value, next)`
/// with the byte after it, or `None` when there is no digit, 16 or more,
/// or too few bytes left to look at.
#[inline]
fn short_number(bytes: &[u8], j: usize) -> Option<(usize, u64, u8)> {
  let word = |at: usize| bytes.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok());
  let first = word(j)?;
  match swar_number(u64::from_le_bytes(first)) {
    (0, _) => None,
    (8, value) => {
      let second = word(j + 8)?;
      match swar_number(u64::from_le_bytes(second)) {
        (8, _) => None,
        (more, rest) => Some((8 + more, value * POW10[more] + rest, second[more])),
      }
    }
    (len, value) => Some((len, value, first[len])),
  }
}

/// Offset within `bytes` of the `k`-th number (0-based).
fn nth_number(bytes: &[u8], k: usize) -> usize {
  let mut seen = 0usize;
  let mut in_number = false;
  for (i, &b) in bytes.iter().enumerate() {
    let digit = b.is_ascii_digit();
    if digit && !in_number {
      if seen == k {
        return i;
      }
      seen += 1;
    }
    in_number = digit;
  }
  bytes.len()
}

/// Parses one piece into its columns: the grammar inside it is `ws`,
/// numbers and commas alternating, whichever comes first.
fn parse_piece<F: Fields>(job: &mut Job<F::Cols>, what: &str, fields: &F) {
  fields.clear(&mut job.cols);
  job.values = 0;
  job.first = None;
  job.last = None;
  job.error = None;
  let bytes = &job.bytes[..];
  let base = job.base;
  let cols = &mut job.cols;
  let nfc = fields.count().max(1);
  let mut f = job.phase % nfc;
  let mut values = 0usize;
  let n = bytes.len();
  let mut i = 0;
  while i < n && is_ws(bytes[i]) {
    i += 1;
  }
  let Some(&b) = bytes.get(i) else {
    return;
  };
  if b == b',' {
    job.first = Some((Tok::Comma, base + i));
    i += 1;
  } else if b.is_ascii_digit() {
    job.first = Some((Tok::Num, base + i));
  } else {
    job.first = Some((Tok::Other(b), base + i));
    return;
  }
  let error = 'parse: loop {
    // Expecting a number (after a comma or at the start).
    // Fastest path: a whole record at once (a V8 line), when every number
    // has 1 to 15 digits and all but the last are followed by a comma.
    if f == 0 && nfc <= MAX_RECORD {
      let mut vals = [0u64; MAX_RECORD];
      let mut j = i;
      let mut whole = true;
      for (k, val) in vals.iter_mut().enumerate().take(nfc) {
        let last = k + 1 == nfc;
        match short_number(bytes, j) {
          Some((len, value, next)) if next == b',' || (last && is_ws(next)) => {
            *val = value;
            j += len + usize::from(!last);
          }
          _ => {
            whole = false;
            break;
          }
        }
      }
      if whole && fields.put_record(cols, &vals[..nfc]) {
        values += nfc;
        i = j;
        match after_number(bytes, &mut i, base, what) {
          Ok(true) => continue,
          Ok(false) => {
            job.last = Some(Tok::Num);
            break 'parse None;
          }
          Err(e) => break 'parse Some(e),
        }
      }
    }
    while i < n && is_ws(bytes[i]) {
      i += 1;
    }
    if i == n {
      job.last = Some(Tok::Comma);
      break 'parse None;
    }
    let start = i;
    let mut v: u64 = 0;
    // Fast path: the first 1 to 8 digits without a branch per digit.
    if let Some(Ok(word)) = bytes.get(i..i + 8).map(<[u8; 8]>::try_from) {
      let (len, value) = swar_number(u64::from_le_bytes(word));
      if len > 0 {
        v = value;
        i += len;
      }
    }
    let stop = n.min(start + 19);
    while i < stop {
      let d = bytes[i].wrapping_sub(b'0');
      if d > 9 {
        break;
      }
      v = v * 10 + d as u64;
      i += 1;
    }
    if i == start {
      break 'parse Some(SnapshotError::syntax(
        base + i,
        format!(
          "expected an unsigned integer in \"{what}\", found '{}'",
          printable(bytes[i])
        ),
      ));
    }
    if i == stop && i < n && bytes[i].is_ascii_digit() {
      // 20 digits or more: exact arithmetic.
      while i < n && bytes[i].is_ascii_digit() {
        match v
          .checked_mul(10)
          .and_then(|x| x.checked_add((bytes[i] - b'0') as u64))
        {
          Some(x) => v = x,
          None => {
            break 'parse Some(SnapshotError::syntax(
              base + start,
              format!("number too large in \"{what}\""),
            ))
          }
        }
        i += 1;
      }
    }
    if let Some(b'.' | b'e' | b'E') = bytes.get(i) {
      break 'parse Some(SnapshotError::syntax(
        base + start,
        format!("expected an integer in \"{what}\""),
      ));
    }
    if !fields.put(cols, f, v) {
      let mut e = fields.refuse(f, v);
      if e.offset.is_none() {
        e.offset = Some((base + start) as u64);
      }
      break 'parse Some(e);
    }
    values += 1;
    f += 1;
    if f == nfc {
      f = 0;
    }
    match after_number(bytes, &mut i, base, what) {
      Ok(true) => {}
      Ok(false) => {
        job.last = Some(Tok::Num);
        break 'parse None;
      }
      Err(e) => break 'parse Some(e),
    }
  };
  job.values = values;
  job.error = error;
}

/// The step after a number at `*i`: past its comma (`Ok(true)`), at the
/// end of the piece (`Ok(false)`), or the error for what stands there.
#[inline]
fn after_number(bytes: &[u8], i: &mut usize, base: usize, what: &str) -> std::result::Result<bool, SnapshotError> {
  if bytes.get(*i) == Some(&b',') {
    *i += 1;
    return Ok(true);
  }
  while *i < bytes.len() && is_ws(bytes[*i]) {
    *i += 1;
  }
  match bytes.get(*i) {
    None => Ok(false),
    Some(b',') => {
      *i += 1;
      Ok(true)
    }
    Some(&b) => Err(SnapshotError::syntax(
      base + *i,
      format!("expected ',' or ']' in \"{what}\", found '{}'", printable(b)),
    )),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  type Outcome = std::result::Result<Vec<u64>, (String, Option<u64>)>;

  /// Records of three fields; `reject` is refused in fields 1 and 2.
  struct Test {
    reject: u64,
  }

  impl Fields for Test {
    type Cols = Vec<u64>;
    fn count(&self) -> usize {
      3
    }
    fn clear(&self, cols: &mut Vec<u64>) {
      cols.clear();
    }
    fn put(&self, cols: &mut Vec<u64>, f: usize, v: u64) -> bool {
      if v == self.reject && f != 0 {
        return false;
      }
      cols.push(v);
      true
    }
    fn refuse(&self, f: usize, v: u64) -> SnapshotError {
      SnapshotError::format(None, format!("rejected {v} as field {f}"))
    }
    fn put_record(&self, cols: &mut Vec<u64>, vals: &[u64]) -> bool {
      if vals.iter().skip(1).any(|&v| v == self.reject) {
        return false;
      }
      cols.extend_from_slice(vals);
      true
    }
  }

  /// The sequential reference: values, or (message, offset).
  fn sequential(text: &[u8], reject: u64) -> Outcome {
    sequential_with_limit(text, reject, u64::MAX)
  }

  fn sequential_with_limit(text: &[u8], reject: u64, limit: u64) -> Outcome {
    sequential_fields(text, reject, limit, 3)
  }

  /// The sequential scanner's outcome for records of `nfc` fields, `reject`
  /// refused in every field but the first.
  fn sequential_fields(text: &[u8], reject: u64, limit: u64, nfc: usize) -> Outcome {
    let mut out = Vec::new();
    let mut s = Scanner::new(text);
    let mut f = 0;
    let mut total = 0u64;
    let r = s.uint_array("nodes", |v| {
      if v == reject && f != 0 {
        return Err(SnapshotError::format(None, format!("rejected {v} as field {f}")));
      }
      total = total.saturating_add(v);
      if total > limit {
        return Err(SnapshotError::format(None, "total too large"));
      }
      f = (f + 1) % nfc;
      out.push(v);
      Ok(())
    });
    match r {
      Ok(n) => {
        assert_eq!(n, out.len());
        Ok(out)
      }
      Err(e) => Err((e.message, e.offset)),
    }
  }

  /// `take` also refuses a running total past `limit`, like the edge count
  /// check of `nodes`.
  fn chunked_with_limit(text: &[u8], reject: u64, limit: u64, plan: Plan) -> Outcome {
    let mut out = Vec::new();
    let mut s = Scanner::new(text);
    let mut total = 0u64;
    let r = uint_array(&mut s, "nodes", plan, &Test { reject }, |cols, _phase| {
      for (k, &v) in cols.iter().enumerate() {
        total = total.saturating_add(v);
        if total > limit {
          return Err((k, SnapshotError::format(None, "total too large")));
        }
      }
      out.append(cols);
      Ok(())
    });
    match r {
      Ok(n) => {
        assert_eq!(n, out.len());
        Ok(out)
      }
      Err(e) => Err((e.message, e.offset)),
    }
  }

  fn chunked(text: &[u8], reject: u64, plan: Plan) -> Outcome {
    chunked_with_limit(text, reject, u64::MAX, plan)
  }

  fn plans() -> Vec<Plan> {
    let mut v = Vec::new();
    for piece in [1, 2, 3, 5, 8, 64, PIECE] {
      for workers in [0, 1, 3] {
        v.push(Plan { piece, workers });
      }
    }
    v
  }

  /// Records of three numbers whose first field is 99 (refused anywhere
  /// else, so a piece parsed with the wrong phase cannot go unnoticed),
  /// with newlines where `newline_after(k)` says (after number k).
  fn records(count: usize, newline_after: impl Fn(usize) -> bool) -> String {
    let mut text = String::from("[");
    for k in 0..count * 3 {
      if k > 0 {
        text.push(',');
      }
      text.push_str(&if k % 3 == 0 { "99".to_string() } else { (100 + k % 1000).to_string() });
      if newline_after(k) {
        text.push('\n');
      }
    }
    text.push(']');
    text
  }

  /// A deterministic xorshift64 generator for the random tests.
  fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
    move || {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      x
    }
  }

  /// Differential fuzzing: random arrays over an alphabet that makes both
  /// valid and broken ones parse exactly like the sequential scanner (values,
  /// or message and offset), whatever the pieces and workers.
  #[test]
  fn random_arrays_parse_like_the_sequential_scanner() {
    const ALPHABET: &[u8] = b"0123456789999,,,,\n\n  .e]x";
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..1500 {
      let len = (next() % 120) as usize;
      let mut text = vec![b'['];
      for _ in 0..len {
        text.push(ALPHABET[(next() % ALPHABET.len() as u64) as usize]);
      }
      if next() % 4 != 0 {
        text.push(b']');
      }
      // Each value with the field it was taken as (a wrong phase shows).
      let want = sequential(&text, 99).map(|vs| vs.into_iter().enumerate().map(|(i, v)| (i % 3, v)).collect());
      for plan in [
        Plan { piece: 1, workers: 0 },
        Plan { piece: 3, workers: 1 },
        Plan { piece: 8, workers: 3 },
        Plan { piece: 64, workers: 2 },
      ] {
        let mut out = Vec::new();
        let r = uint_array(&mut Scanner::new(&text[..]), "nodes", plan, &Tagged, |cols, _| {
          out.append(cols);
          Ok(())
        });
        let got = r.map(|_| out).map_err(|e| (e.message, e.offset));
        assert_eq!(got, want, "{:?} with {plan:?}", String::from_utf8_lossy(&text));
      }
    }
  }

  #[test]
  fn v8_lines_with_numbers_of_every_length_parse_like_the_sequential_scanner() {
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    // Up to MAX_RECORD fields a line is taken whole; 9 go field by field.
    for nfc in [3, 4, 5, 7, 8, 9] {
      for round in 0..60 {
        let mut text = String::from("[");
        for line in 0..(next() % 40) {
          if line > 0 {
            text.push_str("\n,");
          }
          let fields: Vec<String> = (0..nfc)
            .map(|_| {
              // 1 to 20 digits, the first non-zero unless alone.
              let len = 1 + (next() % 20) as usize;
              let mut digits: String = (0..len).map(|_| (b'0' + (next() % 10) as u8) as char).collect();
              if len > 1 && digits.starts_with('0') {
                digits.replace_range(0..1, "1");
              }
              digits
            })
            .collect();
          text.push_str(&fields.join(","));
        }
        text.push_str("\n]");
        let want = sequential_fields(text.as_bytes(), 99, u64::MAX, nfc)
          .map(|vs| vs.into_iter().enumerate().map(|(i, v)| (i % nfc, v)).collect());
        for plan in [Plan { piece: 1, workers: 0 }, Plan { piece: 16, workers: 2 }, Plan { piece: 200, workers: 2 }] {
          let mut out: Vec<(usize, u64)> = Vec::new();
          let r = uint_array(&mut Scanner::new(text.as_bytes()), "nodes", plan, &TaggedN(nfc), |cols, _| {
            out.append(cols);
            Ok(())
          });
          let got = r.map(|_| out).map_err(|e| (e.message, e.offset));
          assert_eq!(got, want, "{nfc} fields, round {round}: {text:?} with {plan:?}");
        }
      }
    }
  }

  /// Records of three fields taken with their field index; 99 refused in
  /// fields 1 and 2, like [`Test`].
  struct Tagged;

  /// [`Tagged`] with records of any number of fields.
  struct TaggedN(usize);

  impl Fields for TaggedN {
    type Cols = Vec<(usize, u64)>;
    fn count(&self) -> usize {
      self.0
    }
    fn clear(&self, cols: &mut Self::Cols) {
      Tagged.clear(cols)
    }
    fn put(&self, cols: &mut Self::Cols, f: usize, v: u64) -> bool {
      Tagged.put(cols, f, v)
    }
    fn refuse(&self, f: usize, v: u64) -> SnapshotError {
      Tagged.refuse(f, v)
    }
    fn put_record(&self, cols: &mut Self::Cols, vals: &[u64]) -> bool {
      Tagged.put_record(cols, vals)
    }
  }

  impl Fields for Tagged {
    type Cols = Vec<(usize, u64)>;
    fn count(&self) -> usize {
      3
    }
    fn clear(&self, cols: &mut Self::Cols) {
      cols.clear();
    }
    fn put(&self, cols: &mut Self::Cols, f: usize, v: u64) -> bool {
      if v == 99 && f != 0 {
        return false;
      }
      cols.push((f, v));
      true
    }
    fn refuse(&self, f: usize, v: u64) -> SnapshotError {
      SnapshotError::format(None, format!("rejected {v} as field {f}"))
    }
    fn put_record(&self, cols: &mut Self::Cols, vals: &[u64]) -> bool {
      if vals[1..].contains(&99) {
        return false;
      }
      cols.extend(vals.iter().copied().enumerate());
      true
    }
  }

  #[test]
  fn predicted_phases_are_checked_whatever_the_line_layout() {
    let layouts: Vec<(&str, Box<dyn Fn(usize) -> bool>)> = vec![
      ("one record per line, as V8 writes", Box::new(|k| k % 3 == 2)),
      ("a newline every two numbers", Box::new(|k| k % 2 == 1)),
      ("newlines at random", Box::new(|k| (k * 7919) % 11 < 3)),
      ("no newlines", Box::new(|_| false)),
    ];
    for (what, layout) in &layouts {
      let text = records(400, layout);
      let want = sequential(text.as_bytes(), 99);
      assert!(want.is_ok(), "{what}: {want:?}");
      for piece in [5, 8, 13, 64, 200] {
        for workers in [0, 1, 3] {
          let plan = Plan { piece, workers };
          assert_eq!(chunked(text.as_bytes(), 99, plan), want, "{what} with {plan:?}");
        }
      }
      // A record out of line (two numbers) must be refused at the same
      // place whatever the pieces.
      let at = text.match_indices(",99").nth(250).map(|(i, _)| i).unwrap();
      let bad = format!("{},99{}", &text[..at], &text[at..]);
      let want = sequential(bad.as_bytes(), 99);
      assert!(want.is_err(), "{what}");
      for piece in [5, 13, 200] {
        for workers in [0, 3] {
          let plan = Plan { piece, workers };
          assert_eq!(chunked(bad.as_bytes(), 99, plan), want, "{what} (bad) with {plan:?}");
        }
      }
    }
  }

  #[test]
  fn pieces_parse_like_the_sequential_scanner() {
    let cases: &[&str] = &[
      "[]",
      "[ ]",
      "[0]",
      "[1,2,3]",
      " [ 1 ,2\n,3 ]",
      "[4294967295,4294967296,18446744073709551615,7]",
      "[000000000000000000000000000012,3]",
      "[1,2,-3]",
      "[1,2.5]",
      "[1,2e5,3]",
      "[1,2 .5]",
      "[1,18446744073709551616]",
      "[1,2,",
      "[1,2",
      "[1 2]",
      "[1,,2]",
      "[,1]",
      "[1,]",
      "[,]",
      "[1,\"a]\"]",
      "[1,2}",
      "[",
      "",
      "[12345678901234567890123,1]",
      "[1,\n\n\n\n  2,    3  ,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18]",
      "[99,5,99]",
      "[5,99\n,1]",
    ];
    for text in cases {
      let want = sequential(text.as_bytes(), 99);
      for plan in plans() {
        assert_eq!(chunked(text.as_bytes(), 99, plan), want, "{text:?} with {plan:?}");
      }
    }
  }

  #[test]
  fn corrupted_arrays_fail_exactly_like_the_sequential_scanner() {
    let mut text = String::from("[");
    for i in 0..400u64 {
      if i > 0 {
        text.push_str(if i % 7 == 0 { "\n," } else { "," });
      }
      text.push_str(&(i * i * 7919 % 100_003).to_string());
    }
    text.push(']');
    let bytes = text.into_bytes();
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      seed
    };
    let alphabet = b"0123456789,, \n]-.e\"[x";
    for round in 0..600 {
      let mut b = bytes.clone();
      for _ in 0..(next() % 3) {
        let i = (next() % b.len() as u64) as usize;
        b[i] = alphabet[(next() % alphabet.len() as u64) as usize];
      }
      if round % 5 == 0 {
        let cut = (next() % b.len() as u64) as usize;
        b.truncate(cut);
      }
      let reject = if round % 3 == 0 { 7919 } else { u64::MAX - 1 };
      let want = sequential(&b, reject);
      for plan in [
        Plan { piece: 1, workers: 2 },
        Plan { piece: 7, workers: 1 },
        Plan {
          piece: 13,
          workers: 0,
        },
        Plan {
          piece: 64,
          workers: 3,
        },
        Plan {
          piece: PIECE,
          workers: 2,
        },
      ] {
        assert_eq!(
          chunked(&b, reject, plan),
          want,
          "round {round}: {:?} with {plan:?}",
          String::from_utf8_lossy(&b)
        );
      }
    }
  }

  #[test]
  fn a_big_array_crosses_many_pieces_in_order() {
    let mut text = String::from("[");
    let n = 300_000u64;
    for i in 0..n {
      if i > 0 {
        text.push(',');
      }
      text.push_str(&(i * 31 % 1_000_003).to_string());
    }
    text.push(']');
    let want: Vec<u64> = (0..n).map(|i| i * 31 % 1_000_003).collect();
    for plan in [
      Plan {
        piece: 4096,
        workers: 2,
      },
      Plan {
        piece: 333,
        workers: 4,
      },
    ] {
      assert_eq!(chunked(text.as_bytes(), u64::MAX, plan), Ok(want.clone()));
    }
    // An error late in the array, behind many pieces in flight.
    let mut bad = text.into_bytes();
    let at = bad.len() - 20;
    bad[at] = b'x';
    let want = sequential(&bad, u64::MAX);
    assert!(
      want
        .as_ref()
        .is_err_and(|e| e.1.is_some_and(|o| o as usize >= at - 8)),
      "{want:?}"
    );
    assert_eq!(
      chunked(
        &bad,
        u64::MAX,
        Plan {
          piece: 512,
          workers: 2
        }
      ),
      want
    );
  }

  #[test]
  fn numbers_of_every_length_parse_exactly() {
    let mut text = String::from("[");
    let mut want = Vec::new();
    for len in 1..=20u32 {
      for lead in [1u64, 9] {
        let v = if len == 20 {
          u64::MAX - lead
        } else {
          lead * 10u64.pow(len - 1) + 10u64.pow(len - 1) / 3
        };
        for sep in [",", " ,", "\n,"] {
          text.push_str(&v.to_string());
          text.push_str(sep);
          want.push(v);
        }
      }
    }
    text.push_str("0]");
    want.push(0);
    assert_eq!(sequential(text.as_bytes(), 7), Ok(want.clone()));
    for plan in plans() {
      assert_eq!(chunked(text.as_bytes(), 7, plan), Ok(want.clone()), "{plan:?}");
    }
    for (word, len, value) in [
      (*b"1234567,", 7, 1234567),
      (*b"0000001]", 7, 1),
      (*b"9,999999", 1, 9),
      (*b"12345678", 8, 12345678),
      (*b"99999999", 8, 99999999),
      (*b"00000000", 8, 0),
      (*b",1234567", 0, 0),
      (*b"42\x00\xff\x2f\x3a99", 2, 42),
    ] {
      assert_eq!(
        swar_number(u64::from_le_bytes(word)),
        (len, value),
        "{:?}",
        String::from_utf8_lossy(&word)
      );
    }
  }

  #[test]
  fn fast_division_is_exact() {
    let mut seed: u64 = 99;
    for d in [
      1u64,
      2,
      3,
      5,
      6,
      7,
      8,
      10,
      13,
      255,
      65_537,
      u32::MAX as u64,
      u32::MAX as u64 + 1,
    ] {
      let div = Divisor::new(d);
      let check = |v: u64| assert_eq!(div.div_rem(v), (v / d, v % d), "{v} / {d}");
      for v in [
        0,
        1,
        d - 1,
        d,
        d + 1,
        u32::MAX as u64 - 1,
        u32::MAX as u64,
        u32::MAX as u64 + 1,
        u64::MAX,
      ] {
        check(v);
      }
      for _ in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        check(seed >> (seed % 64));
        check(seed & 0xffff_ffff);
      }
    }
  }

  #[test]
  fn digit_runs_are_counted_exactly() {
    let mut seed: u64 = 77;
    for len in 0..70 {
      for _ in 0..20 {
        let bytes: Vec<u8> = (0..len)
          .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            b"0123456789, \n/:\xb0\xb9\x80"[(seed % 18) as usize]
          })
          .collect();
        let mut want = 0;
        for (i, b) in bytes.iter().enumerate() {
          if b.is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_digit()) {
            want += 1;
          }
        }
        assert_eq!(digit_runs(&bytes), want, "{bytes:?}");
      }
    }
  }

  #[test]
  fn errors_found_in_order_keep_their_offsets() {
    let text = b"[5,1,7,\n3,9,7,2,2,7,100,7,1,1,1,7]";
    for limit in [0, 5, 6, 20, 27, 40, 200] {
      for reject in [7, 100, 1000] {
        let want = sequential_with_limit(text, reject, limit);
        for plan in plans() {
          assert_eq!(
            chunked_with_limit(text, reject, limit, plan),
            want,
            "limit {limit}, reject {reject}, {plan:?}"
          );
        }
      }
    }
  }
}
