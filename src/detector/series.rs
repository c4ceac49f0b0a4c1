//! A bounded series of memory samples turned into evidence: the same idea as
//! the heap's young-GC floors (`signals.rs`), for memory read by sampling.
//!
//! Samples are bucketed (`floorBucketMs`, minimum per bucket) and held
//! *pending* until they can be trusted, then become *confirmed* points: the
//! backward running minimum of everything seen from that bucket up to the
//! confirming moment ("the figure never went below X from t until then").
//! Two ways to confirm ([`Confirm`]):
//!
//! * `FullGc` (external memory): the first sample after a full GC is an
//!   anchor (a `Baseline` point); garbage Buffers that only a full GC frees
//!   can never lift a point above it, while leaked ones lift the next anchor.
//! * `Settle(ms)` (native memory, RSS): GCs do not move these, so a bucket is
//!   confirmed once `ms` of newer samples exist (a transient spike shorter
//!   than that never becomes a point).
//!
//! [`Series::points`] returns the confirmed points and, when asked, the
//! pending ones as `Tail` points (running minimum back from the newest
//! sample): between confirmations they may still hold garbage, so they can
//! raise a suspicion (`leak-suspected`) but never confirm a `leak`.

use std::collections::VecDeque;

/// Where a point of evidence comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
  /// Right after a full GC (heap: used heap; external: first sample after).
  Baseline,
  /// A confirmed floor between two baselines, or a settled sample.
  Floor,
  /// Not confirmed yet (newest data, may still hold garbage).
  Tail,
}

/// One point of evidence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
  /// Monotonic ms and Unix-epoch ms.
  pub t_ms: f64,
  pub wall_ms: f64,
  pub bytes: u64,
  pub source: Source,
}

/// How pending samples become confirmed points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Confirm {
  FullGc,
  Settle(f64),
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
  start_ms: f64,
  t_ms: f64,
  wall_ms: f64,
  min: u64,
}

/// Readings waiting for confirmation, as the minimum per `bucket_ms`
/// bucket (at most `max` buckets: the two oldest merge when full). Shared
/// by the heap's young-GC floors (`signals.rs`) and the sampled kinds.
#[derive(Clone, Debug, Default)]
pub struct Pending {
  buckets: VecDeque<Bucket>,
}

impl Pending {
  /// Adds one reading.
  pub fn add(&mut self, t_ms: f64, wall_ms: f64, bytes: u64, bucket_ms: f64, max: usize) {
    match self.buckets.back_mut() {
      Some(b) if t_ms - b.start_ms < bucket_ms => {
        if bytes < b.min {
          b.min = bytes;
          b.t_ms = t_ms;
          b.wall_ms = wall_ms;
        }
      }
      _ => {
        if self.buckets.len() >= max.max(2) {
          // Bounded: fold the two oldest buckets together.
          if let Some(b) = self.buckets.remove(1) {
            let a = &mut self.buckets[0];
            if b.min < a.min {
              *a = Bucket {
                start_ms: a.start_ms,
                ..b
              };
            }
          }
        }
        self.buckets.push_back(Bucket {
          start_ms: t_ms,
          t_ms,
          wall_ms,
          min: bytes,
        });
      }
    }
  }

  /// Newest bucket's time, if any.
  pub fn last_t_ms(&self) -> Option<f64> {
    self.buckets.back().map(|b| b.t_ms)
  }

  /// Every bucket as a point of `source`, oldest first: the running minimum
  /// from it up to `anchor` (the confirming reading; `u64::MAX` for none),
  /// and no higher than `cap(t)`.
  pub fn floors(&self, anchor: u64, source: Source, cap: impl Fn(f64) -> u64) -> Vec<Point> {
    let mut running = anchor;
    let mut out: Vec<Point> = Vec::with_capacity(self.buckets.len());
    for b in self.buckets.iter().rev() {
      running = running.min(b.min);
      out.push(Point {
        t_ms: b.t_ms,
        wall_ms: b.wall_ms,
        bytes: running.min(cap(b.t_ms)),
        source,
      });
    }
    out.reverse();
    out
  }

  /// The unconfirmed buckets as `Tail` points (running minimum back from
  /// the newest reading).
  pub fn tail(&self) -> Vec<Point> {
    self.floors(u64::MAX, Source::Tail, |_| u64::MAX)
  }

  /// Confirms the buckets with `ms` of newer readings after them: each
  /// becomes the floor over [t, t + ms] (the lowest bucket starting in it).
  pub fn settle(&mut self, now_ms: f64, ms: f64) -> Vec<Point> {
    let mut out = Vec::new();
    while let Some(front) = self.buckets.front().copied() {
      if now_ms - front.t_ms < ms {
        break;
      }
      let floor = self
        .buckets
        .iter()
        .take_while(|b| b.start_ms <= front.t_ms + ms)
        .map(|b| b.min)
        .min()
        .unwrap_or(front.min);
      self.buckets.pop_front();
      out.push(Point {
        t_ms: front.t_ms,
        wall_ms: front.wall_ms,
        bytes: floor,
        source: Source::Floor,
      });
    }
    out
  }

  pub fn len(&self) -> usize {
    self.buckets.len()
  }

  pub fn is_empty(&self) -> bool {
    self.buckets.is_empty()
  }

  pub fn clear(&mut self) {
    self.buckets.clear();
  }
}

/// One sampled kind's evidence (bounded in time and count).
#[derive(Clone, Debug)]
pub struct Series {
  confirm: Confirm,
  points: VecDeque<Point>,
  pending: Pending,
  anchor_due: bool,
  /// The newest sample, as read.
  pub last: Option<u64>,
}

impl Series {
  pub fn new(confirm: Confirm) -> Series {
    Series {
      confirm,
      points: VecDeque::new(),
      pending: Pending::default(),
      anchor_due: false,
      last: None,
    }
  }

  /// A full GC finished: with `Confirm::FullGc`, the next sample anchors.
  pub fn full_gc(&mut self) {
    if self.confirm == Confirm::FullGc {
      self.anchor_due = true;
    }
  }

  /// Adds one sample taken at `t_ms`; `bucket_ms`, `window_ms` and `max`
  /// bound the series as the detector's configuration says.
  pub fn push(&mut self, t_ms: f64, wall_ms: f64, bytes: u64, bucket_ms: f64, window_ms: f64, max: usize) {
    if self.pending.last_t_ms().is_some_and(|t| t_ms < t) || self.points.back().is_some_and(|p| t_ms < p.t_ms)
    {
      return; // the clock went backwards: drop
    }
    self.last = Some(bytes);
    if self.anchor_due {
      self.anchor_due = false;
      self
        .points
        .extend(self.pending.floors(bytes, Source::Floor, |_| u64::MAX));
      self.pending.clear();
      self.points.push_back(Point {
        t_ms,
        wall_ms,
        bytes,
        source: Source::Baseline,
      });
    } else {
      self.pending.add(t_ms, wall_ms, bytes, bucket_ms, max);
      if let Confirm::Settle(ms) = self.confirm {
        self.points.extend(self.pending.settle(t_ms, ms));
      }
    }
    while self.points.front().is_some_and(|p| t_ms - p.t_ms > window_ms) || self.points.len() > max {
      self.points.pop_front();
    }
  }

  /// Confirmed points, oldest first, then (with `tail`) the pending buckets
  /// as `Tail` points, each the minimum from it to the newest sample.
  pub fn points(&self, tail: bool) -> Vec<Point> {
    let mut out: Vec<Point> = self.points.iter().copied().collect();
    if tail {
      out.extend(self.pending.tail());
    }
    out
  }

  /// Number of confirmed points.
  pub fn confirmed(&self) -> usize {
    self.points.len()
  }

  /// Forgets the evidence (keeps `last`).
  pub fn clear(&mut self) {
    self.points.clear();
    self.pending.clear();
    self.anchor_due = false;
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn full_gc_anchors_confirm_floors_and_garbage_never_lifts_them() {
    let mut s = Series::new(Confirm::FullGc);
    // External garbage piles up 10 -> 40 between full GCs; the GC frees it back to 10.
    for (i, b) in [10u64, 20, 30, 40].iter().enumerate() {
      s.push(1000.0 * i as f64, 0.0, *b, 500.0, 1e9, 100);
    }
    assert_eq!(s.confirmed(), 0);
    assert_eq!(
      s.points(true).iter().map(|p| p.bytes).collect::<Vec<_>>(),
      vec![10, 20, 30, 40]
    );
    s.full_gc();
    s.push(4500.0, 0.0, 10, 500.0, 1e9, 100);
    let v: Vec<(u64, Source)> = s.points(false).iter().map(|p| (p.bytes, p.source)).collect();
    assert_eq!(
      v,
      vec![
        (10, Source::Floor),
        (10, Source::Floor),
        (10, Source::Floor),
        (10, Source::Floor),
        (10, Source::Baseline)
      ]
    );
  }

  #[test]
  fn settled_points_are_the_floor_of_the_next_interval() {
    let mut s = Series::new(Confirm::Settle(3000.0));
    // A 1 s spike to 90 never becomes a point; a rise that stays does.
    let xs = [10u64, 90, 10, 10, 20, 20, 20, 20, 20];
    for (i, b) in xs.iter().enumerate() {
      s.push(1000.0 * i as f64, 0.0, *b, 1000.0, 1e9, 100);
    }
    let v: Vec<u64> = s.points(false).iter().map(|p| p.bytes).collect();
    assert_eq!(v, vec![10, 10, 10, 10, 20, 20]);
    assert_eq!(s.points(true).len(), xs.len());
  }

  #[test]
  fn bounded_by_window_count_and_pending() {
    let mut s = Series::new(Confirm::FullGc);
    for i in 0..1000u64 {
      s.push(i as f64 * 100.0, 0.0, i, 50.0, 1e9, 32);
    }
    assert!(s.points(true).len() <= 32);
    s.full_gc();
    s.push(200_000.0, 0.0, 5, 50.0, 10_000.0, 32);
    assert!(s.confirmed() <= 32);
    assert!(s
      .points(false)
      .iter()
      .all(|p| 200_000.0 - p.t_ms <= 10_000.0 || p.source == Source::Baseline));
  }
}
