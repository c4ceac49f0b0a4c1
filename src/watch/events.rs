//! The `gc` and `stats` events, `getHistory()`, `getTimeline()` and the
//! GC half of `getStats()`: their shapes, defined once.
//!
//! Each struct here is what JS receives, field for field: serde writes the
//! JSON the binding hands to `index.js`, and the TypeScript declarations in
//! `index.d.ts` are generated from the same structs (`src/types.rs`). To add
//! a field to an event, add it here, fill it in, run `npm run types`.
//!
//! Field names are memwatch's (snake_case) and @airbnb/node-memwatch's
//! (camelCase `gc*Count`/`gc*Time`, in nanoseconds), plus leakwatch's own.
//! Every number is a 64-bit integer or an f64: nothing wraps. Byte counts stay
//! below 2^53, so they survive the trip through `JSON.parse` exactly.

use std::collections::BTreeMap;

use serde::Serialize;
#[cfg(test)]
use ts_rs::TS;

use crate::detector::{DetectorEvent, DetectorState};
use crate::watch::record::{GcKind, GcRecord, HeapStats};
use crate::watch::stats::{GcCounters, Memwatch};

/// What every event needs to name things.
pub struct Naming<'a> {
  /// Node's major version: decides the name of V8 GCType 2.
  pub node_major: u32,
  /// V8's heap space names, indexed like `GcRecord::spaces`.
  pub space_names: &'a [String],
}

const FORCED_FLAG: u32 = 1 << 2;

fn ms(ns: u64) -> f64 {
  ns as f64 / 1e6
}

/// `None` (JSON `null`) for a used-before the backend could not measure.
fn used_before(rec: &GcRecord) -> Option<u64> {
  (rec.used_before != 0).then_some(rec.used_before)
}

/// `{ new_space: used, old_space: used, … }` after the collection.
pub fn spaces_used(rec: &GcRecord, naming: &Naming) -> BTreeMap<String, u64> {
  let mut m = BTreeMap::new();
  for (i, s) in rec.spaces().iter().enumerate() {
    let name = naming.space_names.get(i).map(String::as_str).unwrap_or("unknown_space");
    m.insert(name.to_string(), s.used);
  }
  m
}

/// One collection of any kind: the `gc` event and each `getHistory()` entry.
#[derive(Serialize, Clone, Debug)]
#[cfg_attr(test, derive(TS))]
pub struct GcEvent {
  /// 1-based sequence number of the collection in this isolate.
  pub seq: u64,
  #[serde(rename = "type")]
  #[cfg_attr(test, ts(type = "GcType"))]
  pub gc_type: &'static str,
  /// V8's `GCType` bit: 1, 2, 4, 8 or 16.
  pub kind: u32,
  /// V8's `GCCallbackFlags`.
  pub flags: u32,
  /// The collection was forced (`gc()`, `--expose-gc`).
  pub forced: bool,
  /// Unix-epoch milliseconds.
  pub start: f64,
  pub end: f64,
  /// Pause: epilogue − prologue on a monotonic clock, in ms.
  pub pause_ms: f64,
  /// Used heap before the collection; null on the perf_hooks backend, which cannot see it.
  pub heap_used_before: Option<u64>,
  pub heap_used_after: u64,
  pub total_heap_size: u64,
  pub heap_size_limit: u64,
  pub external_memory: u64,
  pub malloced_memory: u64,
  #[cfg_attr(test, ts(type = "SpacesUsed"))]
  pub spaces: BTreeMap<String, u64>,
  /// Nanoseconds leakwatch spent in its own native callbacks for this collection (0 on perf_hooks).
  pub hook_ns: u64,
}

impl GcEvent {
  pub fn new(rec: &GcRecord, naming: &Naming) -> GcEvent {
    let pause_ms = ms(rec.pause_ns());
    GcEvent {
      seq: rec.seq,
      gc_type: rec.kind.name(naming.node_major),
      kind: kind_number(rec.kind),
      flags: rec.flags,
      forced: rec.flags & FORCED_FLAG != 0,
      start: rec.wall_ms - pause_ms,
      end: rec.wall_ms,
      pause_ms,
      heap_used_before: used_before(rec),
      heap_used_after: rec.after.used_heap_size,
      total_heap_size: rec.after.total_heap_size,
      heap_size_limit: rec.after.heap_size_limit,
      external_memory: rec.after.external_memory,
      malloced_memory: rec.after.malloced_memory,
      spaces: spaces_used(rec, naming),
      hook_ns: rec.hook_ns,
    }
  }
}

/// V8's `GCType` bit for a kind (0 for unknown).
pub fn kind_number(kind: GcKind) -> u32 {
  match kind {
    GcKind::Scavenge => 1,
    GcKind::MinorMarkSweep => 2,
    GcKind::MarkSweepCompact => 4,
    GcKind::IncrementalMarking => 8,
    GcKind::ProcessWeakCallbacks => 16,
    GcKind::Unknown => 0,
  }
}

/// lloyd/node-memwatch's fields, in `stats` events and `getStats()`.
#[derive(Serialize, Clone, Debug)]
#[cfg_attr(test, derive(TS))]
pub struct MemwatchFields {
  pub num_full_gc: u64,
  pub num_inc_gc: u64,
  pub heap_compactions: u64,
  /// Percent change of the recent base over the ancient base (negative when shrinking).
  pub usage_trend: f64,
  pub estimated_base: u64,
  pub current_base: u64,
  pub min: u64,
  pub max: u64,
}

impl MemwatchFields {
  pub fn new(mw: &Memwatch) -> MemwatchFields {
    MemwatchFields {
      num_full_gc: mw.num_full_gc,
      num_inc_gc: mw.num_inc_gc,
      heap_compactions: mw.heap_compactions,
      usage_trend: mw.usage_trend(),
      estimated_base: mw.estimated_base(),
      current_base: mw.current_base,
      min: mw.min,
      max: mw.max,
    }
  }
}

/// The `stats` event, after every full (mark-sweep-compact) collection:
/// @airbnb/node-memwatch's fields, lloyd/node-memwatch's and leakwatch's.
/// All numbers are 64-bit safe.
#[derive(Serialize, Clone, Debug)]
#[cfg_attr(test, derive(TS))]
#[allow(non_snake_case)]
pub struct StatsEvent {
  /// Unix-epoch microseconds (@airbnb/node-memwatch).
  pub gc_ts: f64,
  pub gcScavengeCount: u64,
  /// Nanoseconds.
  pub gcScavengeTime: u64,
  pub gcMarkSweepCompactCount: u64,
  pub gcMarkSweepCompactTime: u64,
  pub gcIncrementalMarkingCount: u64,
  pub gcIncrementalMarkingTime: u64,
  pub gcProcessWeakCallbacksCount: u64,
  pub gcProcessWeakCallbacksTime: u64,
  /// V8's heap statistics after the collection.
  #[serde(flatten)]
  pub heap: HeapStats,
  /// This collection's pause, nanoseconds.
  pub gc_time: u64,
  /// leakwatch's: as in [`GcEvent`].
  pub seq: u64,
  #[serde(rename = "type")]
  #[cfg_attr(test, ts(type = "GcType"))]
  pub gc_type: &'static str,
  pub flags: u32,
  pub forced: bool,
  pub pause_ms: f64,
  pub heap_used_before: Option<u64>,
  pub heap_used_after: u64,
  #[cfg_attr(test, ts(type = "SpacesUsed"))]
  pub spaces: BTreeMap<String, u64>,
  #[serde(flatten)]
  pub memwatch: MemwatchFields,
}

impl StatsEvent {
  pub fn new(rec: &GcRecord, counters: &GcCounters, mw: &Memwatch, naming: &Naming) -> StatsEvent {
    let minor = counters.minor();
    let full = counters.get(GcKind::MarkSweepCompact);
    let inc = counters.get(GcKind::IncrementalMarking);
    let weak = counters.get(GcKind::ProcessWeakCallbacks);
    let a = &rec.after;
    StatsEvent {
      gc_ts: (rec.wall_ms * 1000.0).round(),
      gcScavengeCount: minor.count,
      gcScavengeTime: minor.time_ns,
      gcMarkSweepCompactCount: full.count,
      gcMarkSweepCompactTime: full.time_ns,
      gcIncrementalMarkingCount: inc.count,
      gcIncrementalMarkingTime: inc.time_ns,
      gcProcessWeakCallbacksCount: weak.count,
      gcProcessWeakCallbacksTime: weak.time_ns,
      heap: *a,
      gc_time: rec.pause_ns(),
      seq: rec.seq,
      gc_type: rec.kind.name(naming.node_major),
      flags: rec.flags,
      forced: rec.flags & FORCED_FLAG != 0,
      pause_ms: ms(rec.pause_ns()),
      heap_used_before: used_before(rec),
      heap_used_after: a.used_heap_size,
      spaces: spaces_used(rec, naming),
      memwatch: MemwatchFields::new(mw),
    }
  }
}

impl TimelinePoint {
  pub fn new(rec: &GcRecord, node_major: u32) -> TimelinePoint {
    TimelinePoint {
      t: rec.wall_ms,
      gc_type: rec.kind.name(node_major),
      pause_ms: ms(rec.pause_ns()),
      heap_used_after: rec.after.used_heap_size,
    }
  }
}

/// One kind's count and time in `getStats().by_type`.
#[derive(Serialize, Clone, Copy, Debug)]
#[cfg_attr(test, derive(TS))]
pub struct KindCount {
  pub count: u64,
  pub time_ms: f64,
}

/// The per-kind counters as `{ scavenge: {count, time_ms}, … }` for
/// `getStats()`. Kinds never seen are still listed, with zeros.
pub fn counters_by_type(counters: &GcCounters, naming: &Naming) -> BTreeMap<&'static str, KindCount> {
  let mut m = BTreeMap::new();
  for kind in GcKind::ALL {
    if kind == GcKind::Unknown && counters.get(kind).count == 0 {
      continue;
    }
    let k = counters.get(kind);
    m.insert(kind.name(naming.node_major), KindCount { count: k.count, time_ms: ms(k.time_ns) });
  }
  m
}

/// One point of `getTimeline()`, kept as is in the timeline's ring.
#[derive(Serialize, Clone, Copy, Debug)]
#[cfg_attr(test, derive(TS))]
pub struct TimelinePoint {
  /// Unix-epoch milliseconds.
  pub t: f64,
  #[serde(rename = "type")]
  #[cfg_attr(test, ts(type = "GcType"))]
  pub gc_type: &'static str,
  pub pause_ms: f64,
  pub heap_used_after: u64,
}

/// What one drain hands to `index.js`: the events of the records drained
/// and of the memory reading, in order.
#[derive(Serialize, Debug)]
#[cfg_attr(test, derive(TS))]
pub struct Drained {
  pub gc: Vec<GcEvent>,
  pub stats: Vec<StatsEvent>,
  /// Each with `type`: its event name.
  #[cfg_attr(test, ts(type = "Array<DetectorEventFields>"))]
  pub detector: Vec<DetectorEvent>,
  /// Records lost so far (ring full, or a callback lost a race).
  pub dropped: u64,
  /// Full collections in this batch.
  pub full_gcs: usize,
  /// Sequence number of the batch's latest collection (0: none).
  pub last_seq: u64,
}

/// The native half of `getStats()`: cumulative counters, memwatch's base
/// estimates, the latest collection and `stats` event, the detector's view.
#[derive(Serialize, Debug)]
#[cfg_attr(test, derive(TS))]
pub struct WatchStats {
  pub num_gc: u64,
  pub gc_time_ms: f64,
  /// Every kind of collection, with zeros for kinds not seen yet.
  #[cfg_attr(test, ts(type = "Record<GcType, KindCount>"))]
  pub by_type: BTreeMap<&'static str, KindCount>,
  pub dropped_records: u64,
  pub last_gc: Option<GcEvent>,
  pub last_stats: Option<StatsEvent>,
  /// null when the detector is off.
  pub detector: Option<DetectorState>,
  #[serde(flatten)]
  pub memwatch: MemwatchFields,
}

#[cfg(test)]
mod tests {
  use super::*;
  use serde_json::Value;
  use crate::watch::record::SpaceUsage;

  fn naming(names: &[String]) -> Naming<'_> {
    Naming { node_major: 22, space_names: names }
  }

  #[test]
  fn gc_event_names_spaces_and_nulls_unknown_before() {
    let names = vec!["new_space".to_string(), "old_space".to_string()];
    let mut r = GcRecord { kind: GcKind::MinorMarkSweep, start_ns: 1_000_000, end_ns: 3_500_000, ..Default::default() };
    r.space_count = 2;
    r.spaces[0] = SpaceUsage { used: 11, ..Default::default() };
    r.spaces[1] = SpaceUsage { used: 22, ..Default::default() };
    let v = serde_json::to_value(GcEvent::new(&r, &naming(&names))).unwrap();
    assert_eq!(v["type"], "minor-mark-sweep");
    assert_eq!(v["kind"], 2);
    assert_eq!(v["pause_ms"], 2.5);
    assert_eq!(v["heap_used_before"], Value::Null);
    assert_eq!(v["spaces"]["old_space"], 22);
    r.used_before = 99;
    assert_eq!(serde_json::to_value(GcEvent::new(&r, &naming(&names))).unwrap()["heap_used_before"], 99);
  }

  #[test]
  fn stats_event_carries_both_memwatch_shapes_in_64_bits() {
    let names: Vec<String> = vec![];
    let mut r = GcRecord { kind: GcKind::MarkSweepCompact, end_ns: 7, flags: 4, ..Default::default() };
    r.after.used_heap_size = 5 << 32;
    let mut c = GcCounters::default();
    c.add(GcKind::Scavenge, 3);
    c.add(GcKind::MarkSweepCompact, 7);
    let mut mw = Memwatch::default();
    mw.observe(&r);
    let v = serde_json::to_value(StatsEvent::new(&r, &c, &mw, &naming(&names))).unwrap();
    for key in [
      "num_full_gc", "num_inc_gc", "heap_compactions", "usage_trend", "estimated_base", "current_base", "min",
      "max", "gc_ts", "gcScavengeCount", "gcScavengeTime", "gcMarkSweepCompactCount", "gcMarkSweepCompactTime",
      "gcIncrementalMarkingCount", "gcIncrementalMarkingTime", "gcProcessWeakCallbacksCount",
      "gcProcessWeakCallbacksTime", "total_heap_size", "total_heap_size_executable", "total_physical_size",
      "total_available_size", "used_heap_size", "heap_size_limit", "malloced_memory", "peak_malloced_memory",
      "gc_time", "pause_ms", "heap_used_before", "heap_used_after", "spaces",
    ] {
      assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["current_base"], 5u64 << 32);
    assert_eq!(v["gcScavengeTime"], 3);
    assert_eq!(v["gc_time"], 7);
    assert_eq!(v["forced"], true);
  }
}
