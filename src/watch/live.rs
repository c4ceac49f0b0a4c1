//! The half of a [`Watch`](super::Watch) that GC callbacks touch, and the
//! record policy: how a prologue/epilogue pair becomes one [`GcRecord`].
//!
//! Everything here runs inside V8's GC callbacks (through `src/v8/hooks.rs`,
//! which only reads V8) or in the perf_hooks fallback: no allocation, no JS,
//! the caller holds the `Live` lock by `try_lock`.

use super::record::{GcKind, GcRecord, HeapStats, SpaceUsage, MAX_SPACES};
use super::ring::Ring;
use super::stats::GcCounters;

/// Nesting depth of prologues we track (V8 does not nest, but we do not trust).
pub(super) const MAX_INFLIGHT: usize = 4;

/// A collection whose prologue has run but not its epilogue.
#[derive(Clone, Copy, Debug, Default)]
pub struct Inflight {
  pub gc_type: u32,
  pub start_ns: u64,
  pub used_before: u64,
  pub hook_ns: u64,
}

/// The half touched by GC callbacks.
pub struct Live {
  pub(super) ring: Ring<GcRecord>,
  pub(super) evicted: GcCounters,
  pub(super) dropped: u64,
  pub(super) seq: u64,
  pub(super) inflight: [Inflight; MAX_INFLIGHT],
  pub(super) depth: usize,
  /// The last full `HeapStatistics` read: young-generation records carry its
  /// limit, executable, malloced and external figures forward.
  pub carry: HeapStats,
}

impl Live {
  /// Everything allocated now, once: a ring of `capacity` records.
  pub fn new(capacity: usize) -> Live {
    Live {
      ring: Ring::with_capacity(capacity, GcRecord::default()),
      evicted: GcCounters::default(),
      dropped: 0,
      seq: 0,
      inflight: [Inflight::default(); MAX_INFLIGHT],
      depth: 0,
      carry: HeapStats::default(),
    }
  }

  /// Remembers a prologue. Beyond the tracked depth, the innermost is replaced.
  pub fn begin(&mut self, gc: Inflight) {
    if self.depth < MAX_INFLIGHT {
      self.inflight[self.depth] = gc;
      self.depth += 1;
    } else {
      self.inflight[MAX_INFLIGHT - 1] = gc;
    }
  }

  /// The in-flight prologue matching an epilogue of `gc_type` (the innermost
  /// one of that type), removed from the stack.
  pub fn finish(&mut self, gc_type: u32) -> Option<Inflight> {
    let pos = self.inflight[..self.depth].iter().rposition(|g| g.gc_type == gc_type)?;
    let found = self.inflight[pos];
    for i in pos..self.depth - 1 {
      self.inflight[i] = self.inflight[i + 1];
    }
    self.depth -= 1;
    Some(found)
  }

  /// Records waiting to be drained.
  pub fn pending(&self) -> usize {
    self.ring.len()
  }

  /// Appends a finished record, numbering it. Never allocates.
  pub fn push(&mut self, mut rec: GcRecord) {
    self.seq += 1;
    rec.seq = self.seq;
    if let Some(old) = self.ring.push(rec) {
      self.evicted.add(old.kind, old.pause_ns());
      self.dropped += 1;
    }
  }
}


/// Whether an epilogue of this kind reads V8's full `HeapStatistics`: after
/// full collections (rare, milliseconds long) yes; after young-generation
/// ones the totals come from the per-space figures and the rest is carried
/// over from the last full read ([`Live::carry`]).
pub fn reads_full_statistics(kind: GcKind) -> bool {
  !kind.is_minor()
}

/// One heap space as V8 reports it (`v8::Isolate::space_statistics`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SpaceReading {
  pub size: u64,
  pub used: u64,
  pub available: u64,
  pub physical: u64,
}

/// What an epilogue read from V8, before it is paired with its prologue.
pub struct EpilogueReading {
  pub gc_type: u32,
  pub flags: u32,
  pub end_ns: u64,
  pub wall_ms: f64,
  /// Per-space figures in V8's order (at most [`MAX_SPACES`]).
  pub spaces: [SpaceReading; MAX_SPACES],
  pub space_count: usize,
  /// `Some` exactly when [`reads_full_statistics`] said so.
  pub full: Option<HeapStats>,
  /// The epilogue's own cost so far.
  pub cost_ns: u64,
}

impl EpilogueReading {
  /// The record this reading makes, without its prologue's half.
  fn record(&self) -> GcRecord {
    let mut rec = GcRecord {
      kind: GcKind::from_v8(self.gc_type),
      flags: self.flags,
      start_ns: self.end_ns,
      end_ns: self.end_ns,
      wall_ms: self.wall_ms,
      ..GcRecord::default()
    };
    let n = self.space_count.min(MAX_SPACES);
    let mut sums = SpaceReading::default();
    for (i, s) in self.spaces[..n].iter().enumerate() {
      rec.spaces[i] = SpaceUsage { size: s.size, used: s.used };
      sums.size += s.size;
      sums.used += s.used;
      sums.available += s.available;
      sums.physical += s.physical;
    }
    rec.space_count = n as u8;
    match self.full {
      Some(full) => rec.after = full,
      None => {
        rec.after.used_heap_size = sums.used;
        rec.after.total_heap_size = sums.size;
        rec.after.total_physical_size = sums.physical;
        rec.after.total_available_size = sums.available;
      }
    }
    rec
  }
}

impl Live {
  /// Completes the collection an epilogue read: fills what a young
  /// collection did not read from the last full read, pairs it with its
  /// prologue (start, used-before, hook cost), pushes it. Returns the
  /// records now pending. Never allocates.
  pub fn complete(&mut self, reading: &EpilogueReading) -> usize {
    let mut rec = reading.record();
    if reading.full.is_some() {
      self.carry = rec.after;
    } else {
      let c = &self.carry;
      rec.after.total_heap_size_executable = c.total_heap_size_executable;
      rec.after.heap_size_limit = c.heap_size_limit;
      rec.after.malloced_memory = c.malloced_memory;
      rec.after.external_memory = c.external_memory;
      rec.after.peak_malloced_memory = c.peak_malloced_memory;
    }
    if let Some(gc) = self.finish(reading.gc_type) {
      rec.start_ns = gc.start_ns;
      rec.used_before = gc.used_before;
      rec.hook_ns = gc.hook_ns + reading.cost_ns;
    } else {
      rec.hook_ns = reading.cost_ns;
    }
    self.push(rec);
    self.pending()
  }
}
