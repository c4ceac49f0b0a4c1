//! The JSON shapes of the `gc` and `stats` events and of `getHistory()`.
//!
//! Field names are memwatch's (snake_case) and @airbnb/node-memwatch's
//! (camelCase `gc*Count`/`gc*Time`, in nanoseconds), plus leakwatch's own.
//! Every number is a 64-bit integer or an f64: nothing wraps. Byte counts stay
//! below 2^53, so they survive the trip through `JSON.parse` exactly.

use serde_json::{json, Map, Value};

use crate::watch::record::{GcKind, GcRecord};
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

/// `null` for a used-before the backend could not measure.
fn used_before(rec: &GcRecord) -> Value {
  if rec.used_before == 0 {
    Value::Null
  } else {
    json!(rec.used_before)
  }
}

/// `{ new_space: used, old_space: used, … }` after the collection.
pub fn spaces_used(rec: &GcRecord, naming: &Naming) -> Value {
  let mut m = Map::new();
  for (i, s) in rec.spaces().iter().enumerate() {
    let name = naming.space_names.get(i).map(String::as_str).unwrap_or("unknown_space");
    m.insert(name.to_string(), json!(s.used));
  }
  Value::Object(m)
}

/// One `gc` event / `getHistory()` entry.
pub fn gc_event(rec: &GcRecord, naming: &Naming) -> Value {
  let pause_ms = ms(rec.pause_ns());
  json!({
    "seq": rec.seq,
    "type": rec.kind.name(naming.node_major),
    "kind": kind_number(rec.kind),
    "flags": rec.flags,
    "forced": rec.flags & FORCED_FLAG != 0,
    "start": rec.wall_ms - pause_ms,
    "end": rec.wall_ms,
    "pause_ms": pause_ms,
    "heap_used_before": used_before(rec),
    "heap_used_after": rec.after.used_heap_size,
    "total_heap_size": rec.after.total_heap_size,
    "heap_size_limit": rec.after.heap_size_limit,
    "external_memory": rec.after.external_memory,
    "malloced_memory": rec.after.malloced_memory,
    "spaces": spaces_used(rec, naming),
    "hook_ns": rec.hook_ns,
  })
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

/// The `stats` event emitted after a full collection: memwatch's fields,
/// @airbnb/node-memwatch's fields, and leakwatch's.
pub fn stats_event(rec: &GcRecord, counters: &GcCounters, mw: &Memwatch, naming: &Naming) -> Value {
  let minor = counters.minor();
  let full = counters.get(GcKind::MarkSweepCompact);
  let inc = counters.get(GcKind::IncrementalMarking);
  let weak = counters.get(GcKind::ProcessWeakCallbacks);
  let a = &rec.after;
  let mut v = json!({
    // @airbnb/node-memwatch (times in ns, gc_ts in epoch µs)
    "gc_ts": (rec.wall_ms * 1000.0).round(),
    "gcScavengeCount": minor.count,
    "gcScavengeTime": minor.time_ns,
    "gcMarkSweepCompactCount": full.count,
    "gcMarkSweepCompactTime": full.time_ns,
    "gcIncrementalMarkingCount": inc.count,
    "gcIncrementalMarkingTime": inc.time_ns,
    "gcProcessWeakCallbacksCount": weak.count,
    "gcProcessWeakCallbacksTime": weak.time_ns,
    "total_heap_size": a.total_heap_size,
    "total_heap_size_executable": a.total_heap_size_executable,
    "total_physical_size": a.total_physical_size,
    "total_available_size": a.total_available_size,
    "used_heap_size": a.used_heap_size,
    "heap_size_limit": a.heap_size_limit,
    "malloced_memory": a.malloced_memory,
    "peak_malloced_memory": a.peak_malloced_memory,
    "gc_time": rec.pause_ns(),
    // leakwatch
    "seq": rec.seq,
    "type": rec.kind.name(naming.node_major),
    "flags": rec.flags,
    "forced": rec.flags & FORCED_FLAG != 0,
    "pause_ms": ms(rec.pause_ns()),
    "heap_used_before": used_before(rec),
    "heap_used_after": a.used_heap_size,
    "external_memory": a.external_memory,
    "spaces": spaces_used(rec, naming),
  });
  merge(&mut v, memwatch_fields(mw));
  v
}

/// lloyd/node-memwatch's `stats` fields.
pub fn memwatch_fields(mw: &Memwatch) -> Value {
  json!({
    "num_full_gc": mw.num_full_gc,
    "num_inc_gc": mw.num_inc_gc,
    "heap_compactions": mw.heap_compactions,
    "usage_trend": mw.usage_trend(),
    "estimated_base": mw.estimated_base(),
    "current_base": mw.current_base,
    "min": mw.min,
    "max": mw.max,
  })
}

/// Copies the keys of object `extra` into object `into`.
pub fn merge(into: &mut Value, extra: Value) {
  if let (Value::Object(a), Value::Object(b)) = (into, extra) {
    a.extend(b);
  }
}

/// The per-kind counters as `{ scavenge: {count, time_ms}, … }` for
/// `getStats()`. Kinds never seen are still listed, with zeros.
pub fn counters_json(counters: &GcCounters, naming: &Naming) -> Value {
  let mut m = Map::new();
  for kind in GcKind::ALL {
    if kind == GcKind::Unknown && counters.get(kind).count == 0 {
      continue;
    }
    let k = counters.get(kind);
    m.insert(kind.name(naming.node_major).to_string(), json!({ "count": k.count, "time_ms": ms(k.time_ns) }));
  }
  Value::Object(m)
}

#[cfg(test)]
mod tests {
  use super::*;
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
    let v = gc_event(&r, &naming(&names));
    assert_eq!(v["type"], "minor-mark-sweep");
    assert_eq!(v["kind"], 2);
    assert_eq!(v["pause_ms"], 2.5);
    assert_eq!(v["heap_used_before"], Value::Null);
    assert_eq!(v["spaces"]["old_space"], 22);
    r.used_before = 99;
    assert_eq!(gc_event(&r, &naming(&names))["heap_used_before"], 99);
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
    let v = stats_event(&r, &c, &mw, &naming(&names));
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
