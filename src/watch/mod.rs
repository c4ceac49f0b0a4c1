//! The per-isolate watchdog engine: what the GC hooks write into and what the
//! JS thread drains.
//!
//! A [`Watch`] has two halves behind two locks:
//! - [`Live`] is touched inside GC callbacks: the preallocated ring of
//!   records, the prologue's in-flight stack, and counters of records the ring
//!   had to evict. Callbacks only `try_lock` it; they never wait, never
//!   allocate, and a lost race costs one record (counted in `dropped`).
//! - [`Engine`] is touched only on the JS thread when it drains: exact per-kind
//!   counters, memwatch's base estimates, a bounded history, the last record,
//!   and the leak detector (`src/detector/`), whose events ride along.
//!
//! Both backends feed the same `Live`: the native hooks (`src/v8/hooks.rs`)
//! and the perf_hooks fallback (`binding::pushRecord`).

pub mod clock;
pub mod events;
pub mod isolates;
pub mod layout;
pub mod live;
pub mod record;
pub mod ring;
pub mod stats;

use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;
use serde_json::Value;


use crate::detector::{ConfigError, Detector, DetectorConfig, MemoryLimit, MemorySample};
use events::{GcEvent, MemwatchFields, Naming, StatsEvent, TimelinePoint};
pub use events::{Drained, WatchStats};
pub use live::{EpilogueReading, Inflight, Live, SpaceReading};
use record::{GcKind, GcRecord, HeapStats};
use ring::Ring;
use stats::{GcCounters, Memwatch};

/// Records the ring holds between two drains.
pub const RING_CAPACITY: usize = 256;
/// Pending records at which a young-generation collection wakes the JS
/// thread even though nothing is due (half the ring: none is ever evicted
/// while the JS thread takes its turn).
pub const WAKE_HIGH_WATER: usize = RING_CAPACITY / 2;
/// Records `getHistory()` keeps by default.
pub const DEFAULT_HISTORY: usize = 256;
/// Points kept for `getTimeline()`.
pub const TIMELINE_CAPACITY: usize = 2048;
/// Young-generation collections enter the timeline at most once per this
/// many ms, unless their pause is an outlier.
const TIMELINE_MINOR_EVERY_MS: f64 = 1000.0;
const TIMELINE_OUTLIER_PAUSE_NS: u64 = 10_000_000;

/// The half touched only on the JS thread.
struct Engine {
  node_major: u32,
  space_names: Vec<String>,
  counters: GcCounters,
  memwatch: Memwatch,
  history: Ring<GcRecord>,
  last: Option<GcRecord>,
  last_full: Option<GcRecord>,
  dropped: u64,
  scratch: Vec<GcRecord>,
  detector: Option<Detector>,
  timeline: Ring<TimelinePoint>,
  last_minor_point_ms: f64,
}

/// `process.memoryUsage()` as the JS side read it (RSS 0 in a worker), and
/// the container's memory limit if it knows one.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoryReading {
  pub rss: u64,
  pub heap_total: u64,
  pub heap_used: u64,
  pub external: u64,
  pub array_buffers: u64,
  pub limit: Option<MemoryLimit>,
}

/// One isolate's watchdog state.
pub struct Watch {
  live: Mutex<Live>,
  engine: Mutex<Engine>,
  /// A wake-up has been requested and the JS side has not drained yet.
  wake_pending: AtomicBool,
  /// Someone listens to `gc` events: every collection wakes the JS thread.
  wake_every_gc: AtomicBool,
  /// One-shot: the next collection of any kind wakes the JS thread (the
  /// allocation sampler reads right after a collection, when the sampled set
  /// holds little garbage).
  wake_next_gc: AtomicBool,
  /// This isolate's key in the process-wide `isolates` registry.
  id: u64,
}

impl Drop for Watch {
  fn drop(&mut self) {
    crate::watch::isolates::forget(self.id);
  }
}

impl Watch {
  pub fn new(node_major: u32, space_names: Vec<String>, history: usize) -> Watch {
    let space_names_copy = space_names.clone();
    Watch {
      live: Mutex::new(Live::new(RING_CAPACITY)),
      engine: Mutex::new(Engine {
        node_major,
        space_names,
        counters: GcCounters::default(),
        memwatch: Memwatch::default(),
        history: Ring::with_capacity(history.clamp(1, 100_000), GcRecord::default()),
        last: None,
        last_full: None,
        dropped: 0,
        scratch: Vec::with_capacity(RING_CAPACITY),
        detector: Detector::new(DetectorConfig::default(), space_names_copy).ok(),
        timeline: Ring::with_capacity(
          TIMELINE_CAPACITY,
          TimelinePoint { t: 0.0, gc_type: "unknown", pause_ms: 0.0, heap_used_after: 0 },
        ),
        last_minor_point_ms: f64::NEG_INFINITY,
      }),
      wake_pending: AtomicBool::new(false),
      wake_every_gc: AtomicBool::new(false),
      wake_next_gc: AtomicBool::new(false),
      id: crate::watch::isolates::new_id(),
    }
  }

  /// Runs `f` on the live half if the lock is free right now. For GC
  /// callbacks: never blocks.
  pub fn try_live<R>(&self, f: impl FnOnce(&mut Live) -> R) -> Option<R> {
    let mut guard = self.live.try_lock()?;
    Some(f(&mut guard))
  }

  /// Records a lost record (lock contention in a callback).
  pub fn note_dropped(&self) {
    if let Some(mut l) = self.live.try_lock() {
      l.dropped += 1;
    }
  }

  /// Whether every collection should wake the JS thread (`gc` listeners),
  /// or only those with something to deliver (see [`Watch::wake_due`]).
  pub fn set_wake_every_gc(&self, on: bool) {
    self.wake_every_gc.store(on, Ordering::Relaxed);
  }

  /// Whether a collection of `kind`, leaving `pending` records in the ring,
  /// is worth waking the JS thread for. Only full collections produce
  /// `stats` and detector events; young-generation ones produce nothing
  /// unless someone listens to `gc`, so they wait in the ring for the next
  /// full collection, a synchronous drain (`getStats()`, `getHistory()`, …)
  /// or the ring's high-water mark, whichever comes first. An allocation-bound
  /// service runs hundreds of scavenges a second: waking its JS thread for
  /// each cost more than the hooks themselves.
  /// A one-shot request ([`Watch::wake_after_next_gc`]) is used up by the
  /// next collection, whatever its kind.
  pub fn wake_due(&self, kind: GcKind, pending: usize) -> bool {
    // A plain load first: the swap (a write) only when a request is there.
    let once = self.wake_next_gc.load(Ordering::Relaxed) && self.wake_next_gc.swap(false, Ordering::Relaxed);
    once || kind.is_full() || pending >= WAKE_HIGH_WATER || self.wake_every_gc.load(Ordering::Relaxed)
  }

  /// Asks (`on`), or no longer asks, that the next collection, of any kind,
  /// wake the JS thread once. With `on`, returns the sequence number of the
  /// latest collection so far (a drain whose `last_seq` is past it has seen
  /// a collection since); taking a request back reads nothing and returns 0.
  pub fn wake_after_next_gc(&self, on: bool) -> u64 {
    if !on {
      self.wake_next_gc.store(false, Ordering::Relaxed);
      return 0;
    }
    let seq = self.live.lock().seq;
    self.wake_next_gc.store(true, Ordering::Relaxed);
    seq
  }

  /// True if the caller should wake the JS thread (no wake-up is pending).
  pub fn claim_wake(&self) -> bool {
    !self.wake_pending.swap(true, Ordering::AcqRel)
  }

  /// Gives back a claimed wake-up that could not be delivered (the JS side is
  /// closing, or its queue refused the call), so the next GC asks again.
  pub fn release_wake(&self) {
    self.wake_pending.store(false, Ordering::Release);
  }

  /// Pushes a record from a non-callback context (the perf_hooks backend).
  pub fn push(&self, rec: GcRecord) {
    self.live.lock().push(rec);
  }

  /// Seeds the carried-over heap figures (from a read at attach time).
  pub fn seed_carry(&self, heap: HeapStats) {
    self.live.lock().carry = heap;
  }

  /// When the watched thread started, `age_ms` before now: its warm-up.
  pub fn set_age_ms(&self, age_ms: f64) {
    let now_ms = clock::now_ns() as f64 / 1e6;
    if let Some(d) = self.engine.lock().detector.as_mut() {
      d.set_start_ms(now_ms - age_ms.max(0.0));
    }
  }

  /// Moves every pending record into the engine and returns the events the
  /// JS side asked for ([`Drained`]).
  /// `memory`, read by the JS side just before, is judged after the records
  /// (it is newer than all of them).
  pub fn drain(&self, want_gc: bool, want_stats: bool, memory: Option<MemoryReading>) -> Drained {
    self.wake_pending.store(false, Ordering::Release);
    let mut eng = self.engine.lock();
    let eng = &mut *eng;
    let mut batch = std::mem::take(&mut eng.scratch);
    batch.clear();
    {
      let mut live = self.live.lock();
      live.ring.drain_into(&mut batch);
      eng.counters.merge(&live.evicted);
      live.evicted = GcCounters::default();
      eng.dropped = live.dropped;
    }
    let naming = Naming { node_major: eng.node_major, space_names: &eng.space_names };
    let mut gc = Vec::new();
    let mut stats = Vec::new();
    let mut detected = Vec::new();
    for rec in &batch {
      if let Some(d) = eng.detector.as_mut() {
        detected.extend(d.observe(rec).iter().cloned());
      }
      eng.counters.add(rec.kind, rec.pause_ns());
      eng.memwatch.observe(rec);
      eng.history.push(*rec);
      let minor_due = rec.wall_ms - eng.last_minor_point_ms >= TIMELINE_MINOR_EVERY_MS;
      if !rec.kind.is_minor() || minor_due || rec.pause_ns() >= TIMELINE_OUTLIER_PAUSE_NS {
        if rec.kind.is_minor() {
          eng.last_minor_point_ms = rec.wall_ms;
        }
        eng.timeline.push(TimelinePoint::new(rec, eng.node_major));
      }
      if want_gc {
        gc.push(GcEvent::new(rec, &naming));
      }
      if rec.kind.is_full() {
        if want_stats {
          stats.push(StatsEvent::new(rec, &eng.counters, &eng.memwatch, &naming));
        }
        eng.last_full = Some(*rec);
      }
      eng.last = Some(*rec);
    }
    let full_gcs = batch.iter().filter(|r| r.kind.is_full()).count();
    let last_seq = batch.last().map_or(0, |r| r.seq);
    eng.scratch = batch;
    if let (Some(m), Some(d)) = (memory, eng.detector.as_mut()) {
      // A worker (RSS 0) tells the main thread what it holds; the main
      // thread leaves the workers' heaps out of its native memory.
      let others = if m.rss == 0 {
        crate::watch::isolates::report(self.id, m.heap_total.saturating_add(m.external));
        0
      } else {
        crate::watch::isolates::others(self.id)
      };
      let sample = MemorySample {
        others,
        t_ms: clock::now_ns() as f64 / 1e6,
        wall_ms: clock::wall_ms(),
        rss: m.rss,
        heap_total: m.heap_total,
        heap_used: m.heap_used,
        external: m.external,
        array_buffers: m.array_buffers,
      };
      detected.extend(d.observe_memory(&sample, m.limit).iter().cloned());
    }
    Drained { gc, stats, detector: detected, dropped: eng.dropped, full_gcs, last_seq }
  }

  /// The records drained so far, oldest first (bounded), as `gc` events.
  pub fn history(&self) -> Vec<GcEvent> {
    let eng = self.engine.lock();
    let naming = Naming { node_major: eng.node_major, space_names: &eng.space_names };
    eng.history.iter().map(|r| GcEvent::new(r, &naming)).collect()
  }

  /// The downsampled GC timeline, oldest first: every full, incremental and
  /// weak-callback collection, young-generation ones at most once a second
  /// (plus any pausing ≥ 10 ms), at most `TIMELINE_CAPACITY` points.
  pub fn timeline(&self) -> Vec<TimelinePoint> {
    self.engine.lock().timeline.iter().copied().collect()
  }

  /// Cumulative counters and the latest heap figures, for `getStats()`.
  pub fn stats(&self) -> WatchStats {
    let eng = self.engine.lock();
    let naming = Naming { node_major: eng.node_major, space_names: &eng.space_names };
    let mw = &eng.memwatch;
    let total = eng.counters.total();
    WatchStats {
      num_gc: total.count,
      gc_time_ms: total.time_ns as f64 / 1e6,
      by_type: events::counters_by_type(&eng.counters, &naming),
      dropped_records: eng.dropped,
      last_gc: eng.last.map(|r| GcEvent::new(&r, &naming)),
      last_stats: eng.last_full.map(|r| StatsEvent::new(&r, &eng.counters, mw, &naming)),
      detector: eng.detector.as_ref().map(|d| d.snapshot()),
      memwatch: MemwatchFields::new(mw),
    }
  }

  /// Applies a partial detector configuration (`configure({...})`); the
  /// error names the option, the rule and the value.
  pub fn configure(&self, update: &Value) -> Result<DetectorConfig, ConfigError> {
    let mut eng = self.engine.lock();
    match eng.detector.as_mut() {
      Some(d) => {
        d.configure(update)?;
        Ok(d.config().clone())
      }
      None => Err(ConfigError {
        option: String::new(),
        message: "leakwatch.configure: the leak detector is not available".to_string(),
      }),
    }
  }

  /// The detector's current configuration (None when it is off).
  pub fn config(&self) -> Option<DetectorConfig> {
    self.engine.lock().detector.as_ref().map(|d| d.config().clone())
  }

  /// Native per-GC cost of the hooks seen so far in history (ns per GC), for
  /// the overhead benchmark.
  pub fn hook_costs(&self) -> Vec<u64> {
    self.engine.lock().history.iter().map(|r| r.hook_ns).filter(|&n| n > 0).collect()
  }

  /// Number of the Node major version this watch names kinds for.
  pub fn node_major(&self) -> u32 {
    self.engine.lock().node_major
  }

  /// Kind of the most recent drained record (for tests).
  pub fn last_kind(&self) -> Option<GcKind> {
    self.engine.lock().last.map(|r| r.kind)
  }
}

#[cfg(test)]
mod tests {
  use super::live::MAX_INFLIGHT;
  use super::*;

  fn rec(kind: GcKind, used: u64, pause_ns: u64) -> GcRecord {
    let mut r = GcRecord { kind, start_ns: 1000, end_ns: 1000 + pause_ns, used_before: used + 10, ..Default::default() };
    r.after.used_heap_size = used;
    r
  }

  #[test]
  fn prologue_epilogue_pairing() {
    let w = Watch::new(20, vec![], 8);
    w.try_live(|l| {
      l.begin(Inflight { gc_type: 8, start_ns: 1, ..Default::default() });
      l.begin(Inflight { gc_type: 4, start_ns: 2, ..Default::default() });
      assert_eq!(l.finish(8).map(|g| g.start_ns), Some(1));
      assert_eq!(l.finish(8).map(|g| g.start_ns), None);
      assert_eq!(l.finish(4).map(|g| g.start_ns), Some(2));
      assert_eq!(l.depth, 0);
      for i in 0..10 {
        l.begin(Inflight { gc_type: 1, start_ns: i, ..Default::default() });
      }
      assert_eq!(l.depth, MAX_INFLIGHT);
    })
    .unwrap();
  }

  #[test]
  fn drain_emits_stats_only_for_full_gcs_and_counts_exactly_past_overflow() {
    let w = Watch::new(22, vec![], 4);
    for _ in 0..(RING_CAPACITY + 10) {
      w.push(rec(GcKind::Scavenge, 100, 5));
    }
    w.push(rec(GcKind::MarkSweepCompact, 50, 1000));
    let out = serde_json::to_value(w.drain(true, true, None)).unwrap();
    assert_eq!(out["stats"].as_array().unwrap().len(), 1);
    assert_eq!(out["gc"].as_array().unwrap().len(), RING_CAPACITY);
    assert_eq!(out["dropped"], 11);
    assert_eq!(out["full_gcs"], 1);
    assert_eq!(out["last_seq"], (RING_CAPACITY + 11) as u64);
    let s = &out["stats"][0];
    // Every scavenge is counted, including the 11 the ring evicted.
    assert_eq!(s["gcScavengeCount"], (RING_CAPACITY + 10) as u64);
    assert_eq!(s["gcScavengeTime"], 5 * (RING_CAPACITY + 10) as u64);
    assert_eq!(s["num_full_gc"], 1);
    assert_eq!(s["seq"], (RING_CAPACITY + 11) as u64);
    let st = serde_json::to_value(w.stats()).unwrap();
    assert_eq!(st["num_gc"], (RING_CAPACITY + 11) as u64);
    assert_eq!(w.history().len(), 4);
  }

  #[test]
  fn drain_without_listeners_builds_nothing_but_still_counts() {
    let w = Watch::new(18, vec![], 16);
    w.push(rec(GcKind::MarkSweepCompact, 50, 1000));
    let out = serde_json::to_value(w.drain(false, false, None)).unwrap();
    assert!(out["gc"].as_array().unwrap().is_empty());
    assert!(out["stats"].as_array().unwrap().is_empty());
    let st = serde_json::to_value(w.stats()).unwrap();
    assert_eq!(st["num_full_gc"], 1);
    assert_eq!(st["last_stats"]["type"], "mark-sweep-compact");
  }

  #[test]
  fn timeline_keeps_full_gcs_and_thins_minor_ones() {
    let w = Watch::new(20, vec![], 8);
    for i in 0..100 {
      let mut r = rec(GcKind::Scavenge, 100, 5);
      r.wall_ms = 1000.0 + i as f64 * 100.0; // 10 per second for 10 s
      w.push(r);
    }
    let mut outlier = rec(GcKind::Scavenge, 100, 50_000_000);
    outlier.wall_ms = 11_050.0;
    w.push(outlier);
    let mut full = rec(GcKind::MarkSweepCompact, 80, 1_000_000);
    full.wall_ms = 11_060.0;
    w.push(full);
    w.drain(false, false, None);
    let t = serde_json::to_value(w.timeline()).unwrap();
    let t = t.as_array().unwrap();
    let minors = t.iter().filter(|p| p["type"] == "scavenge").count();
    assert_eq!(minors, 11, "10 one-per-second points plus the 50 ms outlier");
    assert_eq!(t.last().unwrap()["type"], "mark-sweep-compact");
    assert_eq!(t.last().unwrap()["heap_used_after"], 80);
  }

  #[test]
  fn young_collections_wake_only_past_the_high_water_mark_or_for_gc_listeners() {
    let w = Watch::new(22, vec![], 4);
    assert!(w.wake_due(GcKind::MarkSweepCompact, 1), "full GCs carry stats and detector events");
    assert!(!w.wake_due(GcKind::Scavenge, 1));
    assert!(!w.wake_due(GcKind::MinorMarkSweep, WAKE_HIGH_WATER - 1));
    assert!(w.wake_due(GcKind::Scavenge, WAKE_HIGH_WATER), "drained long before the ring evicts");
    w.set_wake_every_gc(true);
    assert!(w.wake_due(GcKind::Scavenge, 1));
    w.set_wake_every_gc(false);
    assert!(!w.wake_due(GcKind::Scavenge, 1));
    w.push(rec(GcKind::Scavenge, 100, 5));
    assert_eq!(w.wake_after_next_gc(true), 1, "the latest collection's seq");
    assert!(w.wake_due(GcKind::Scavenge, 1), "a one-shot request wakes the next young collection");
    assert!(!w.wake_due(GcKind::Scavenge, 1), "once");
    w.wake_after_next_gc(true);
    w.wake_after_next_gc(false);
    assert!(!w.wake_due(GcKind::Scavenge, 1), "taken back");
    w.wake_after_next_gc(true);
    assert!(w.wake_due(GcKind::MarkSweepCompact, 1));
    assert!(!w.wake_due(GcKind::Scavenge, 1), "a full collection used the request up");
  }

  #[test]
  fn wake_is_claimed_once_per_drain() {
    let w = Watch::new(20, vec![], 4);
    assert!(w.claim_wake());
    assert!(!w.claim_wake());
    w.drain(false, false, None);
    assert!(w.claim_wake());
  }

  #[test]
  fn an_undelivered_wake_is_released_for_the_next_gc() {
    let w = Watch::new(20, vec![], 4);
    assert!(w.claim_wake());
    w.release_wake();
    assert!(w.claim_wake(), "a failed call must not leave the flag stuck");
  }
}
