//! Cumulative GC statistics: per-kind counters and memwatch's base estimates.
//!
//! [`GcCounters`] counts collections and pause time per kind, exactly (records
//! lost to a full ring are still counted, see `src/watch.rs`). [`Memwatch`]
//! reproduces lloyd/node-memwatch's `stats` fields — `num_full_gc`,
//! `num_inc_gc`, `heap_compactions`, `usage_trend`, `estimated_base`,
//! `current_base`, `min`, `max` — with two deliberate fixes: every number is
//! 64-bit or f64 (memwatch used 32-bit `unsigned int`s that wrap above 4 GiB,
//! and its `usage_trend` wrapped when the recent base fell below the ancient
//! one), and the start-up damping uses real division (memwatch's integer
//! division made it a no-op).

use crate::watch::record::{GcKind, GcRecord, KIND_COUNT};

/// Count and total pause of one kind of collection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindCounter {
  pub count: u64,
  pub time_ns: u64,
}

/// Per-kind counters, indexed by [`GcKind::index`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcCounters {
  pub kinds: [KindCounter; KIND_COUNT],
}

impl GcCounters {
  pub fn add(&mut self, kind: GcKind, pause_ns: u64) {
    let k = &mut self.kinds[kind.index()];
    k.count = k.count.saturating_add(1);
    k.time_ns = k.time_ns.saturating_add(pause_ns);
  }

  pub fn merge(&mut self, other: &GcCounters) {
    for (a, b) in self.kinds.iter_mut().zip(other.kinds.iter()) {
      a.count = a.count.saturating_add(b.count);
      a.time_ns = a.time_ns.saturating_add(b.time_ns);
    }
  }

  pub fn get(&self, kind: GcKind) -> KindCounter {
    self.kinds[kind.index()]
  }

  /// Young-generation collections (scavenges and minor mark-sweeps).
  pub fn minor(&self) -> KindCounter {
    let (a, b) = (self.get(GcKind::Scavenge), self.get(GcKind::MinorMarkSweep));
    KindCounter { count: a.count + b.count, time_ns: a.time_ns + b.time_ns }
  }

  pub fn total(&self) -> KindCounter {
    self.kinds.iter().fold(KindCounter::default(), |acc, k| KindCounter {
      count: acc.count + k.count,
      time_ns: acc.time_ns + k.time_ns,
    })
  }
}

/// memwatch's averaging periods, in full collections.
const RECENT_PERIOD: f64 = 10.0;
const ANCIENT_PERIOD: f64 = 120.0;

/// memwatch's running estimates of the post-full-GC heap ("base").
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Memwatch {
  pub num_full_gc: u64,
  pub num_inc_gc: u64,
  pub heap_compactions: u64,
  pub current_base: u64,
  pub base_recent: f64,
  pub base_ancient: f64,
  /// 0 until three full collections have been seen, as in memwatch.
  pub min: u64,
  pub max: u64,
}

impl Memwatch {
  /// Feeds one collection.
  pub fn observe(&mut self, rec: &GcRecord) {
    if !rec.kind.is_full() {
      self.num_inc_gc += 1;
      return;
    }
    self.num_full_gc += 1;
    self.heap_compactions += 1;
    let used = rec.after.used_heap_size;
    self.current_base = used;
    let n = self.heap_compactions as f64;
    let last = used as f64;
    if self.heap_compactions == 1 {
      self.base_recent = last;
      self.base_ancient = last;
    } else if n < RECENT_PERIOD {
      // Damp start-up noise: the first collections weigh less.
      let d_recent = (n / RECENT_PERIOD).powf(2.5) * n;
      let d_ancient = (n / RECENT_PERIOD).powf(2.4) * n;
      self.base_recent = (self.base_recent * d_recent + last) / (d_recent + 1.0);
      self.base_ancient = (self.base_ancient * d_ancient + last) / (d_ancient + 1.0);
    } else {
      self.base_recent = (self.base_recent * (RECENT_PERIOD - 1.0) + last) / RECENT_PERIOD;
      let d = n.min(ANCIENT_PERIOD);
      self.base_ancient = (self.base_ancient * (d - 1.0) + last) / d;
    }
    if self.heap_compactions >= 3 {
      if self.min == 0 || used < self.min {
        self.min = used;
      }
      if used > self.max {
        self.max = used;
      }
    }
  }

  /// Percent change of the recent base over the ancient base, rounded to one
  /// decimal like memwatch; negative when the heap shrinks.
  pub fn usage_trend(&self) -> f64 {
    if self.base_ancient <= 0.0 {
      return 0.0;
    }
    (((self.base_recent - self.base_ancient) / self.base_ancient) * 1000.0).round() / 10.0
  }

  /// memwatch's `estimated_base`.
  pub fn estimated_base(&self) -> u64 {
    self.base_recent.max(0.0).round() as u64
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn full(used: u64) -> GcRecord {
    let mut r = GcRecord { kind: GcKind::MarkSweepCompact, ..Default::default() };
    r.after.used_heap_size = used;
    r
  }

  #[test]
  fn counts_full_and_incremental() {
    let mut m = Memwatch::default();
    m.observe(&GcRecord { kind: GcKind::Scavenge, ..Default::default() });
    m.observe(&full(10));
    m.observe(&GcRecord { kind: GcKind::IncrementalMarking, ..Default::default() });
    assert_eq!((m.num_full_gc, m.num_inc_gc, m.heap_compactions), (1, 2, 1));
    assert_eq!(m.current_base, 10);
  }

  #[test]
  fn min_max_after_three_and_above_4gib() {
    let mut m = Memwatch::default();
    let big = 6u64 << 30; // 6 GiB: memwatch's u32 fields wrapped here
    for used in [big, big + 10, big + 20, big - 5, big + 100] {
      m.observe(&full(used));
    }
    assert_eq!(m.min, big - 5);
    assert_eq!(m.max, big + 100);
    assert_eq!(m.current_base, big + 100);
    let e = m.estimated_base();
    assert!(e > big - 10 && e < big + 100, "{e} vs {big}");
  }

  #[test]
  fn trend_is_negative_when_shrinking_and_positive_when_growing() {
    let mut m = Memwatch::default();
    for i in 0..200u64 {
      m.observe(&full(1_000_000_000 - i * 2_000_000));
    }
    assert!(m.usage_trend() < 0.0, "{}", m.usage_trend());
    let mut g = Memwatch::default();
    for i in 0..200u64 {
      g.observe(&full(100_000_000 + i * 2_000_000));
    }
    assert!(g.usage_trend() > 0.0, "{}", g.usage_trend());
    let mut flat = Memwatch::default();
    for _ in 0..50 {
      flat.observe(&full(50_000_000));
    }
    assert_eq!(flat.usage_trend(), 0.0);
    assert_eq!(flat.estimated_base(), 50_000_000);
  }

  #[test]
  fn counters_merge_and_minor() {
    let mut c = GcCounters::default();
    c.add(GcKind::Scavenge, 5);
    c.add(GcKind::MinorMarkSweep, 7);
    let mut d = GcCounters::default();
    d.add(GcKind::MarkSweepCompact, 100);
    c.merge(&d);
    assert_eq!(c.minor(), KindCounter { count: 2, time_ns: 12 });
    assert_eq!(c.total(), KindCounter { count: 3, time_ns: 112 });
  }
}
