//! One garbage collection, as the watchdog saw it.
//!
//! A [`GcRecord`] is plain old data: it is written by the native GC epilogue
//! callback (see `src/v8/hooks.rs`) into a preallocated ring buffer, so it must
//! not own heap memory. Everything downstream — the memwatch-compatible `stats`
//! accumulator, the leak detector, the JS `gc` event — reads these records.
//!
//! Times are nanoseconds on a monotonic clock shared by the whole process
//! ([`crate::watch::clock`]); `wall_ms` is the Unix-epoch time of the epilogue, for
//! display only.

/// Maximum number of heap spaces kept per record. V8 has had 8 to 11 spaces
/// over Node 18–26 (new, old, code, large-object, new-large-object,
/// code-large-object, read-only, map (≤ 20), shared, trusted, …).
pub const MAX_SPACES: usize = 16;

/// Number of distinct [`GcKind`]s.
pub const KIND_COUNT: usize = 6;

/// The kind of a collection, in V8's vocabulary.
///
/// V8's `GCType` is a bit set: 1 scavenge, 2 minor mark-compact (V8 ≤ 11.x,
/// Node 18–21) renamed minor mark-sweep (V8 ≥ 11.9, Node 22+), 4 mark-sweep-
/// compact, 8 incremental marking, 16 processing of weak callbacks. The
/// perf_hooks `gc` entries use the same numbers (`NODE_PERFORMANCE_GC_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GcKind {
  Scavenge,
  MinorMarkSweep,
  MarkSweepCompact,
  IncrementalMarking,
  ProcessWeakCallbacks,
  Unknown,
}

impl GcKind {
  /// Maps V8's `GCType` value (or a perf_hooks `kind`) to a kind.
  pub fn from_v8(gc_type: u32) -> GcKind {
    match gc_type {
      1 => GcKind::Scavenge,
      2 => GcKind::MinorMarkSweep,
      4 => GcKind::MarkSweepCompact,
      8 => GcKind::IncrementalMarking,
      16 => GcKind::ProcessWeakCallbacks,
      _ => GcKind::Unknown,
    }
  }

  /// True for collections of the whole heap (the only ones after which the
  /// used heap is a trustworthy "live heap" baseline).
  pub fn is_full(self) -> bool {
    self == GcKind::MarkSweepCompact
  }

  /// True for young-generation collections.
  pub fn is_minor(self) -> bool {
    matches!(self, GcKind::Scavenge | GcKind::MinorMarkSweep)
  }

  /// Dense index 0..KIND_COUNT, for per-kind counters.
  pub fn index(self) -> usize {
    match self {
      GcKind::Scavenge => 0,
      GcKind::MinorMarkSweep => 1,
      GcKind::MarkSweepCompact => 2,
      GcKind::IncrementalMarking => 3,
      GcKind::ProcessWeakCallbacks => 4,
      GcKind::Unknown => 5,
    }
  }

  /// Every kind, in `index` order.
  pub const ALL: [GcKind; KIND_COUNT] = [
    GcKind::Scavenge,
    GcKind::MinorMarkSweep,
    GcKind::MarkSweepCompact,
    GcKind::IncrementalMarking,
    GcKind::ProcessWeakCallbacks,
    GcKind::Unknown,
  ];

  /// The name shown to users. `node_major` decides the name of type 2:
  /// V8 called it minor mark-compact until Node 21 and minor mark-sweep since
  /// Node 22.
  pub fn name(self, node_major: u32) -> &'static str {
    match self {
      GcKind::Scavenge => "scavenge",
      GcKind::MinorMarkSweep if node_major < 22 => "minor-mark-compact",
      GcKind::MinorMarkSweep => "minor-mark-sweep",
      GcKind::MarkSweepCompact => "mark-sweep-compact",
      GcKind::IncrementalMarking => "incremental-marking",
      GcKind::ProcessWeakCallbacks => "process-weak-callbacks",
      GcKind::Unknown => "unknown",
    }
  }
}

/// Size and used bytes of one heap space after a collection. The space is
/// identified by its index into the per-isolate space-name table (names are
/// read once at start-up, never copied in a GC callback).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpaceUsage {
  pub size: u64,
  pub used: u64,
}

/// The `v8::HeapStatistics` fields leakwatch reads, all 64-bit; in the
/// `stats` event under V8's names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct HeapStats {
  pub total_heap_size: u64,
  pub total_heap_size_executable: u64,
  pub total_physical_size: u64,
  pub total_available_size: u64,
  pub used_heap_size: u64,
  pub heap_size_limit: u64,
  pub malloced_memory: u64,
  pub external_memory: u64,
  pub peak_malloced_memory: u64,
}

/// One collection: what kind, how long, and the heap before and after.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GcRecord {
  /// 1-based sequence number of this collection in this isolate.
  pub seq: u64,
  pub kind: GcKind,
  /// V8's `GCCallbackFlags` as passed to the epilogue (perf_hooks reports the
  /// same bits as `detail.flags`): 2 constructed-retained-object-infos,
  /// 4 forced, 8 synchronous phantom-callback processing, 16 all available
  /// garbage, 32 collect all external memory, 64 schedule idle.
  pub flags: u32,
  /// Monotonic start and end of the pause, ns (see [`crate::watch::clock`]).
  pub start_ns: u64,
  pub end_ns: u64,
  /// Unix-epoch milliseconds at the end of the collection.
  pub wall_ms: f64,
  /// Used heap right before the collection (0 when the backend cannot tell).
  pub used_before: u64,
  /// Heap statistics right after the collection.
  pub after: HeapStats,
  /// Nanoseconds leakwatch itself spent in its prologue and epilogue
  /// callbacks for this collection (0 for the perf_hooks backend).
  pub hook_ns: u64,
  /// Number of valid entries in `spaces`.
  pub space_count: u8,
  /// Per-space usage after the collection, indexed like the isolate's space
  /// name table.
  pub spaces: [SpaceUsage; MAX_SPACES],
}

impl GcRecord {
  /// Pause length in nanoseconds (0 if the clock went backwards).
  pub fn pause_ns(&self) -> u64 {
    self.end_ns.saturating_sub(self.start_ns)
  }

  /// Bytes freed by this collection (negative when the heap grew during it,
  /// e.g. promotion into old space counted by a scavenge).
  pub fn freed(&self) -> i64 {
    self.used_before as i64 - self.after.used_heap_size as i64
  }

  /// The valid per-space entries.
  pub fn spaces(&self) -> &[SpaceUsage] {
    &self.spaces[..(self.space_count as usize).min(MAX_SPACES)]
  }
}

impl Default for GcRecord {
  fn default() -> Self {
    GcRecord {
      seq: 0,
      kind: GcKind::Unknown,
      flags: 0,
      start_ns: 0,
      end_ns: 0,
      wall_ms: 0.0,
      used_before: 0,
      after: HeapStats::default(),
      hook_ns: 0,
      space_count: 0,
      spaces: [SpaceUsage::default(); MAX_SPACES],
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn type_two_is_named_by_node_version() {
    assert_eq!(GcKind::from_v8(2).name(18), "minor-mark-compact");
    assert_eq!(GcKind::from_v8(2).name(21), "minor-mark-compact");
    assert_eq!(GcKind::from_v8(2).name(22), "minor-mark-sweep");
    assert_eq!(GcKind::from_v8(4).name(26), "mark-sweep-compact");
    assert_eq!(GcKind::from_v8(3), GcKind::Unknown);
  }

  #[test]
  fn pause_and_freed_never_wrap() {
    let mut r = GcRecord { start_ns: 10, end_ns: 5, used_before: 100, ..Default::default() };
    r.after.used_heap_size = 300;
    assert_eq!(r.pause_ns(), 0);
    assert_eq!(r.freed(), -200);
  }
}
