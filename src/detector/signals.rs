//! Signal extraction: turns the stream of GC records into a bounded series
//! of live-heap samples.
//!
//! Two kinds of samples enter the series:
//!
//! * **Baselines** — used heap right after a full (mark-sweep-compact)
//!   collection. The only moment the used heap is (almost) exactly the live
//!   heap. Per-space usage is kept with them, to name the growing spaces.
//! * **Confirmed floors** — young-generation collections (scavenge, minor
//!   mark-sweep) empty the nursery but leave old-space garbage, so their used
//!   heap overstates the live heap. Young GCs are bucketed (`floorBucketMs`)
//!   and kept *pending*; when the next full GC arrives, each pending bucket
//!   becomes the backwards running minimum of everything observed from that
//!   bucket up to and including the new baseline: "the heap never went below
//!   X between t and the full GC that followed". Garbage that only the full
//!   GC could free (old-space promotions, large objects from a flood of
//!   errors) can therefore never lift a floor above the next baseline, while a
//!   leak — which keeps its bytes across the full GC — shows up as floors that
//!   rise between baselines. This gives many samples per full GC, which is
//!   what makes a trend test possible when full GCs are rare (a leaking heap
//!   doubles V8's old-generation limit each time, so full GCs get rarer as
//!   the leak grows).
//!
//! Incremental-marking steps and weak-callback entries carry no trustworthy
//! heap figure and are ignored. Records whose clock goes backwards are
//! dropped. The series is bounded by time (`windowMs`) and count
//! (`maxSamples`); the pending buckets are bounded too (merged when full).

use std::collections::VecDeque;

use crate::watch::record::GcRecord;

pub use super::series::{Pending, Point, Source};

/// One live-heap sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
  /// Monotonic time, ms.
  pub t_ms: f64,
  /// Unix-epoch ms, for display.
  pub wall_ms: f64,
  /// The measured bound: the lowest used heap from here to the next
  /// baseline (sound: the live heap was never above it).
  pub bytes: u64,
  /// `bytes` capped by the chord between the two baselines (an estimate,
  /// for suspicion only; see [`Signals::points`]).
  pub estimate: u64,
  pub source: Source,
  /// Per-space used bytes (baselines only).
  pub spaces: Option<Box<[u64]>>,
}

/// The live-heap series and the running figures around it.
#[derive(Clone, Debug, Default)]
pub struct Signals {
  samples: VecDeque<Sample>,
  pending: Pending,
  /// Last time seen, ms (monotonic).
  pub last_t_ms: Option<f64>,
  pub last_wall_ms: f64,
  /// Used heap after the last full GC.
  pub last_baseline: Option<u64>,
  /// Minimum used heap after young GCs since the last full GC.
  pub floor_since_full: Option<u64>,
  pub heap_size_limit: u64,
  pub gcs: u64,
  pub full_gcs: u64,
  pub dropped: u64,
  /// Bytes allocated between GCs (from `used_before`), exponentially smoothed
  /// rate in bytes/s; `None` when the backend does not report `used_before`.
  pub alloc_rate: Option<f64>,
  last_used_after: Option<u64>,
}

impl Signals {
  /// Feeds one record. Returns true when samples were added to the series
  /// (i.e. after a full GC), which is when the trend is worth re-evaluating.
  pub fn push(&mut self, r: &GcRecord, floor_bucket_ms: f64, window_ms: f64, max_samples: usize) -> bool {
    let t_ms = r.end_ns as f64 / 1e6;
    if let Some(last) = self.last_t_ms {
      if t_ms < last {
        self.dropped += 1;
        return false;
      }
    }
    self.gcs += 1;
    if r.after.heap_size_limit > 0 {
      self.heap_size_limit = r.after.heap_size_limit;
    }
    let used = r.after.used_heap_size;
    if let (Some(prev_t), Some(prev_used)) = (self.last_t_ms, self.last_used_after) {
      let dt = (r.start_ns as f64 / 1e6 - prev_t).max(1.0) / 1000.0;
      if r.used_before > 0 {
        let rate = r.used_before.saturating_sub(prev_used) as f64 / dt;
        self.alloc_rate = Some(match self.alloc_rate {
          Some(a) => 0.8 * a + 0.2 * rate,
          None => rate,
        });
      }
    }
    self.last_t_ms = Some(t_ms);
    self.last_wall_ms = r.wall_ms;
    let added = if r.kind.is_full() {
      self.full_gcs += 1;
      self.confirm(t_ms, r, max_samples);
      true
    } else if r.kind.is_minor() {
      self.floor_since_full = Some(self.floor_since_full.map_or(used, |f| f.min(used)));
      self
        .pending
        .add(t_ms, r.wall_ms, used, floor_bucket_ms, max_samples);
      false
    } else {
      false
    };
    if r.kind.is_full() || r.kind.is_minor() {
      self.last_used_after = Some(used);
    }
    self.evict(t_ms, window_ms, max_samples);
    added
  }

  fn confirm(&mut self, t_ms: f64, r: &GcRecord, max: usize) {
    let baseline = r.after.used_heap_size;
    // Two versions of each floor. `bytes`: the running minimum up to the
    // new baseline, a sound upper bound of the live heap. `estimate`: that,
    // capped by the chord between the previous baseline and this one. Old
    // garbage piles up between full GCs, so the running minimum sits at the
    // new baseline for the whole last stretch before it: a steady leak looks
    // like a staircase, flat just before each (rare) full GC. The chord
    // spreads the growth evenly over the interval, which is right for a
    // leak and wrong for growth that happened early in it (a warm-up that
    // ended right after the previous full GC would look like growth for the
    // whole interval) — so the estimate may raise a suspicion, but only the
    // measured bound can confirm a `leak`.
    let prev = self
      .samples
      .iter()
      .rev()
      .find(|s| s.source == Source::Baseline)
      .map(|s| (s.t_ms, s.bytes as f64));
    let chord = |t: f64| match prev {
      Some((t0, b0)) if t_ms > t0 => {
        (b0 + (baseline as f64 - b0) * ((t - t0) / (t_ms - t0)).clamp(0.0, 1.0)).max(0.0) as u64
      }
      _ => u64::MAX,
    };
    let floors = self.pending.floors(baseline, Source::Floor, |_| u64::MAX);
    self.pending.clear();
    self.samples.extend(floors.into_iter().map(|p| Sample {
      t_ms: p.t_ms,
      wall_ms: p.wall_ms,
      bytes: p.bytes,
      estimate: p.bytes.min(chord(p.t_ms)),
      source: Source::Floor,
      spaces: None,
    }));
    let spaces: Box<[u64]> = r.spaces().iter().map(|s| s.used).collect();
    self.samples.push_back(Sample {
      t_ms,
      wall_ms: r.wall_ms,
      bytes: baseline,
      estimate: baseline,
      source: Source::Baseline,
      spaces: Some(spaces),
    });
    while self.samples.len() > max {
      self.samples.pop_front();
    }
    self.last_baseline = Some(baseline);
    self.floor_since_full = None;
  }

  fn evict(&mut self, now_ms: f64, window_ms: f64, max: usize) {
    while let Some(front) = self.samples.front() {
      if now_ms - front.t_ms > window_ms || self.samples.len() > max {
        self.samples.pop_front();
      } else {
        break;
      }
    }
  }

  /// The confirmed series, oldest first.
  pub fn samples(&self) -> &VecDeque<Sample> {
    &self.samples
  }

  /// The evidence as points: the confirmed series, then (with `tail`) the
  /// young-GC buckets still waiting for a full GC, each the minimum from it
  /// to the newest collection (unconfirmed: it may hold old-space garbage).
  ///
  /// Without `tail`, the confirmed series as measured bounds (what confirms
  /// a `leak`); with it, the chord estimates then the unconfirmed tail (what
  /// raises a suspicion).
  pub fn points(&self, tail: bool) -> Vec<Point> {
    let mut out: Vec<Point> = self
      .samples
      .iter()
      .map(|s| Point {
        t_ms: s.t_ms,
        wall_ms: s.wall_ms,
        bytes: if tail { s.estimate } else { s.bytes },
        source: s.source,
      })
      .collect();
    if tail {
      out.extend(self.pending.tail());
    }
    out
  }

  /// Number of young-GC buckets waiting for a full GC.
  pub fn pending(&self) -> usize {
    self.pending.len()
  }

  /// Forgets the series (keeps counters and the limit).
  pub fn clear(&mut self) {
    self.samples.clear();
    self.pending.clear();
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::watch::record::GcKind;

  fn rec(kind: GcKind, t_ms: u64, used: u64) -> GcRecord {
    let mut r = GcRecord {
      kind,
      start_ns: t_ms * 1_000_000,
      end_ns: t_ms * 1_000_000 + 1000,
      ..Default::default()
    };
    r.after.used_heap_size = used;
    r.wall_ms = 1.7e12 + t_ms as f64;
    r
  }

  #[test]
  fn floors_are_confirmed_by_the_next_full_gc() {
    let mut s = Signals::default();
    // Garbage accumulates between full GCs: young-GC used heap climbs 10 -> 40,
    // then the full GC frees it all back to 10. No floor may exceed 10.
    for (i, used) in [10u64, 20, 30, 40].iter().enumerate() {
      assert!(!s.push(&rec(GcKind::Scavenge, 1000 * i as u64, *used), 500.0, 1e9, 100));
    }
    assert_eq!(s.samples().len(), 0);
    assert_eq!(s.pending(), 4);
    assert_eq!(s.floor_since_full, Some(10));
    assert!(s.push(&rec(GcKind::MarkSweepCompact, 5000, 10), 500.0, 1e9, 100));
    let v: Vec<u64> = s.samples().iter().map(|x| x.bytes).collect();
    assert_eq!(v, vec![10, 10, 10, 10, 10]);
    assert_eq!(s.samples().back().unwrap().source, Source::Baseline);
    assert_eq!(s.floor_since_full, None);
    // A leak: floors between baselines rise but never above the next baseline.
    for (i, used) in [12u64, 15, 14, 30].iter().enumerate() {
      s.push(
        &rec(GcKind::Scavenge, 6000 + 1000 * i as u64, *used),
        500.0,
        1e9,
        100,
      );
    }
    s.push(&rec(GcKind::MarkSweepCompact, 10_000, 20), 500.0, 1e9, 100);
    // Young-GC floors 12, 14, 14, 30 between baselines 10 (t=5 s) and 20
    // (t=10 s): the running minimum gives 12, 14, 14, 20 (garbage cannot
    // lift a floor above the next baseline), and the estimate caps the last
    // one by the chord between the baselines (10 + 2/s) at 18.
    let v: Vec<u64> = s.samples().iter().skip(5).map(|x| x.bytes).collect();
    assert_eq!(v, vec![12, 14, 14, 20, 20]);
    let e: Vec<u64> = s.samples().iter().skip(5).map(|x| x.estimate).collect();
    assert_eq!(e, vec![12, 14, 14, 18, 20]);
  }

  #[test]
  fn buckets_keep_the_minimum_and_are_bounded() {
    let mut s = Signals::default();
    for i in 0..100u64 {
      s.push(&rec(GcKind::Scavenge, i * 10, 1000 - i), 1000.0, 1e9, 16);
    }
    assert_eq!(s.pending(), 1);
    for i in 0..100u64 {
      s.push(
        &rec(GcKind::Scavenge, 10_000 + i * 2000, 500 + i),
        1000.0,
        1e9,
        16,
      );
    }
    assert!(s.pending() <= 16);
    s.push(&rec(GcKind::MarkSweepCompact, 500_000, 400), 1000.0, 1e9, 16);
    assert!(s.samples().len() <= 16);
  }

  #[test]
  fn window_and_clock_going_backwards() {
    let mut s = Signals::default();
    s.push(&rec(GcKind::MarkSweepCompact, 1000, 10), 1000.0, 10_000.0, 100);
    s.push(&rec(GcKind::MarkSweepCompact, 500, 10), 1000.0, 10_000.0, 100);
    assert_eq!(s.dropped, 1);
    s.push(&rec(GcKind::IncrementalMarking, 2000, 99), 1000.0, 10_000.0, 100);
    s.push(&rec(GcKind::MarkSweepCompact, 30_000, 10), 1000.0, 10_000.0, 100);
    assert_eq!(s.samples().len(), 1, "old samples leave the window");
    assert_eq!(s.full_gcs, 2);
  }
}
