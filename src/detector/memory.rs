//! Whole-process memory: the samples the JS thread takes (never a GC
//! callback) and the kinds of memory the detector judges.
//!
//! A [`MemorySample`] is `process.memoryUsage()` at one moment: resident set
//! size, the V8 heap (committed and used), external memory (Buffers,
//! ArrayBuffer backing stores and anything native code reported to V8) and
//! the ArrayBuffer part of it. The detector derives three kinds a service
//! can leak ([`Kind`]):
//!
//! * **heap** — the V8 heap. Its series comes from the GC records (baselines
//!   and young-GC floors, `signals.rs`), not from these samples.
//! * **external** — `external` (it includes `arrayBuffers`): memory V8
//!   objects own outside the heap. It falls when the JS objects holding it
//!   are collected, so, like the heap, it is only trustworthy right after a
//!   full GC.
//! * **native** — what RSS leaves unexplained by the heap's committed pages
//!   and external memory: native addons, memory a library mallocs without
//!   telling V8, other isolates (a worker never terminated), malloc arenas
//!   and fragmentation. GCs do not move it, so it needs no confirmation.
//!
//! RSS itself is tracked as a fourth series (`Kind::Rss`) for the container
//! limit: the kernel's OOM killer counts pages, not kinds.

/// Which memory grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
  Heap,
  External,
  Native,
  Rss,
}

impl Kind {
  /// Every kind, in reporting order.
  pub const ALL: [Kind; 4] = [Kind::Heap, Kind::External, Kind::Native, Kind::Rss];
  /// The kinds a `leak` can name (RSS is their sum, not a cause).
  pub const LEAKING: [Kind; 3] = [Kind::Heap, Kind::External, Kind::Native];

  /// The name in events: `'heap'`, `'external'`, `'native'`, `'rss'`.
  pub fn name(self) -> &'static str {
    match self {
      Kind::Heap => "heap",
      Kind::External => "external",
      Kind::Native => "native",
      Kind::Rss => "rss",
    }
  }

  /// Dense index 0..4.
  pub fn index(self) -> usize {
    match self {
      Kind::Heap => 0,
      Kind::External => 1,
      Kind::Native => 2,
      Kind::Rss => 3,
    }
  }
}

/// One `process.memoryUsage()` reading, on the detector's clock.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MemorySample {
  /// Monotonic ms (the GC records' clock) and Unix-epoch ms.
  pub t_ms: f64,
  pub wall_ms: f64,
  pub rss: u64,
  pub heap_total: u64,
  pub heap_used: u64,
  /// Includes `array_buffers`, as in Node.
  pub external: u64,
  pub array_buffers: u64,
  /// Heap and external memory of the other isolates leakwatch watches in
  /// the process (worker threads; `src/isolates.rs`): inside `rss`, not
  /// native memory.
  pub others: u64,
}

impl MemorySample {
  /// RSS not explained by the heap's committed pages, external memory and
  /// the other watched isolates.
  pub fn native(&self) -> u64 {
    self
      .rss
      .saturating_sub(self.heap_total.saturating_add(self.external).saturating_add(self.others))
  }

  /// The figure of a sampled kind (`Heap` reads `heap_used`).
  pub fn bytes(&self, kind: Kind) -> u64 {
    match kind {
      Kind::Heap => self.heap_used,
      Kind::External => self.external,
      Kind::Native => self.native(),
      Kind::Rss => self.rss,
    }
  }
}

/// The memory limit the kernel enforces on this process: the tightest memory
/// cgroup level (v1 or v2), or one set by option / `LEAKWATCH_MEMORY_LIMIT`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemoryLimit {
  pub limit: u64,
  /// What the cgroup already charges (whole cgroup, net of reclaimable page
  /// cache); for a limit set by option, this process's RSS.
  pub usage: u64,
}

impl MemoryLimit {
  /// Bytes left before the OOM killer.
  pub fn headroom(&self) -> u64 {
    self.limit.saturating_sub(self.usage)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn native_is_what_rss_leaves_unexplained() {
    let s = MemorySample {
      rss: 300,
      heap_total: 100,
      external: 50,
      ..Default::default()
    };
    assert_eq!(s.native(), 150);
    let s = MemorySample {
      rss: 100,
      heap_total: 100,
      external: 50,
      ..Default::default()
    };
    assert_eq!(s.native(), 0, "never negative");
    assert_eq!(s.bytes(Kind::Rss), 100);
    assert_eq!(MemoryLimit { limit: 10, usage: 12 }.headroom(), 0);
  }

  #[test]
  fn the_other_isolates_are_not_native_memory() {
    let mut s = MemorySample { rss: 1000, heap_total: 300, external: 100, ..Default::default() };
    assert_eq!(s.native(), 600);
    s.others = 450; // a worker's heap and Buffers
    assert_eq!(s.native(), 150);
    s.others = 5000; // readings taken at different moments: never below zero
    assert_eq!(s.native(), 0);
  }
}
