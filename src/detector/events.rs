//! What the detector reports: `leak-suspected`, `leak`, `leak-end`,
//! `heap-limit` and `memory-limit` events, and the [`DetectorState`]
//! snapshot behind `getStats()`.
//!
//! All byte counts are 64-bit (`u64`, or `i64` where a difference can be
//! negative); rates and times are `f64`. `to_json()` gives the objects the JS
//! layer emits, with snake_case keys like memwatch's and the `stats` event's.

use serde_json::{json, Value};

/// Bytes/s per kind of memory (`heap`, `external`, `native`, `rss`); `None`
/// where nothing was measured (RSS and native in a worker thread).
pub type Rates = [Option<f64>; 4];

/// A leak (`confirmed`) or an early suspicion of one (`leak-suspected`):
/// one kind of memory has been growing significantly and persistently.
#[derive(Clone, Debug, PartialEq)]
pub struct LeakEvent {
  /// `false` for `leak-suspected`: growth seen, not yet told apart from a
  /// warm-up or a cache filling up.
  pub confirmed: bool,
  /// `"heap"`, `"external"` or `"native"`: which memory grows.
  pub kind: &'static str,
  /// Why it is confirmed: `"duration"` (it grew past the warm-up for the
  /// whole evidence), `"size"` (more than a cache may hold) or `"baseline"`
  /// (a fast heap leak: the first full GC past the warm-up measured a new
  /// high, soundly above the live heap's bound at an earlier point past
  /// it); empty for a suspicion.
  pub confirmed_by: &'static str,
  /// Unix-epoch ms of the first and last sample of the evidence.
  pub start_wall_ms: f64,
  pub end_wall_ms: f64,
  /// Measured growth of that memory: `baseline_end − baseline_start`.
  pub growth_bytes: i64,
  /// memwatch-style summary, e.g. `heap growth over 7 full GCs (41s) - 96.3 mb/hr`.
  pub reason: String,
  /// Growth rate of `kind` (Theil–Sen slope of the evidence), bytes/s.
  pub rate_bytes_per_sec: f64,
  /// The rate of every kind over the same time, bytes/s.
  pub rates: Rates,
  /// 0..1: one minus the Mann–Kendall p-value, scaled down when the recent
  /// growth is slower than the overall trend.
  pub confidence: f64,
  /// Measured size of that memory at the start of the evidence (lowest of
  /// its first points) and at its end (newest point).
  pub baseline_start: u64,
  pub baseline_end: u64,
  /// Advice that the evidence supports (native memory only), or empty.
  pub advice: String,
  /// The container's memory limit and the time RSS needs to reach it.
  pub memory_limit: Option<u64>,
  pub projected_memory_limit_ms: Option<f64>,
  pub heap_size_limit: u64,
  /// Heap spaces that account for the growth, largest first.
  pub growing_spaces: Vec<String>,
  /// Time until `heap_size_limit` at the current rate (None if unknown).
  pub projected_oom_ms: Option<f64>,
  /// Number of full GCs and of samples in the evidence.
  pub full_gcs: usize,
  pub samples: usize,
  /// 1 for the first report of an episode, 2.. for follow-ups.
  pub report: u32,
}

/// A previously reported leak (or suspicion) stopped growing.
#[derive(Clone, Debug, PartialEq)]
pub struct LeakEndEvent {
  pub kind: &'static str,
  /// Whether the episode had been confirmed as a `leak` (else it was only
  /// `leak-suspected`: a warm-up or a cache that filled up).
  pub confirmed: bool,
  /// Start of the episode (first report's `start_wall_ms`) and now.
  pub start_wall_ms: f64,
  pub end_wall_ms: f64,
  /// Live-heap growth over the whole episode (may be negative if it shrank).
  pub growth_bytes: i64,
  pub baseline_end: u64,
  /// The recent rate (bytes/s) that made the detector call it over.
  pub rate_bytes_per_sec: f64,
  pub reason: String,
}

/// The live heap is close to `heap_size_limit`, or will be soon.
#[derive(Clone, Debug, PartialEq)]
pub struct HeapLimitEvent {
  pub wall_ms: f64,
  pub used_bytes: u64,
  pub heap_size_limit: u64,
  /// `used_bytes / heap_size_limit`.
  pub fraction: f64,
  pub rate_bytes_per_sec: f64,
  pub projected_oom_ms: Option<f64>,
  pub reason: String,
}

/// RSS is close to the container's memory limit, or will be soon.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryLimitEvent {
  pub wall_ms: f64,
  pub rss: u64,
  /// What the cgroup charges and its limit.
  pub usage: u64,
  pub limit: u64,
  /// `usage / limit`.
  pub fraction: f64,
  /// RSS growth, bytes/s.
  pub rate_bytes_per_sec: f64,
  pub projected_oom_ms: Option<f64>,
  pub reason: String,
}

/// One detector event.
#[derive(Clone, Debug, PartialEq)]
pub enum DetectorEvent {
  Leak(LeakEvent),
  LeakEnd(LeakEndEvent),
  HeapLimit(HeapLimitEvent),
  MemoryLimit(MemoryLimitEvent),
}

fn rates_json(r: &Rates) -> Value {
  json!({ "heap": r[0], "external": r[1], "native": r[2], "rss": r[3] })
}

impl DetectorEvent {
  /// The JS event name.
  pub fn name(&self) -> &'static str {
    match self {
      DetectorEvent::Leak(e) if e.confirmed => "leak",
      DetectorEvent::Leak(_) => "leak-suspected",
      DetectorEvent::LeakEnd(_) => "leak-end",
      DetectorEvent::HeapLimit(_) => "heap-limit",
      DetectorEvent::MemoryLimit(_) => "memory-limit",
    }
  }

  /// The event payload as the JS object (snake_case keys, `type` = name).
  pub fn to_json(&self) -> Value {
    match self {
      DetectorEvent::Leak(e) => json!({
        "type": self.name(),
        "kind": e.kind,
        "confirmed": e.confirmed,
        "confirmed_by": if e.confirmed_by.is_empty() { Value::Null } else { e.confirmed_by.into() },
        "start": e.start_wall_ms,
        "end": e.end_wall_ms,
        "growth": e.growth_bytes,
        "reason": e.reason,
        "rate_bytes_per_sec": e.rate_bytes_per_sec,
        "rates": rates_json(&e.rates),
        "confidence": e.confidence,
        "baseline_start": e.baseline_start,
        "baseline_end": e.baseline_end,
        "advice": if e.advice.is_empty() { Value::Null } else { e.advice.clone().into() },
        "memory_limit": e.memory_limit,
        "projected_memory_limit_ms": e.projected_memory_limit_ms,
        "heap_size_limit": e.heap_size_limit,
        "growing_spaces": e.growing_spaces,
        "projected_oom_ms": e.projected_oom_ms,
        "full_gcs": e.full_gcs,
        "samples": e.samples,
        "report": e.report,
      }),
      DetectorEvent::LeakEnd(e) => json!({
        "type": "leak-end",
        "kind": e.kind,
        "confirmed": e.confirmed,
        "start": e.start_wall_ms,
        "end": e.end_wall_ms,
        "growth": e.growth_bytes,
        "baseline_end": e.baseline_end,
        "rate_bytes_per_sec": e.rate_bytes_per_sec,
        "reason": e.reason,
      }),
      DetectorEvent::HeapLimit(e) => json!({
        "type": "heap-limit",
        "time": e.wall_ms,
        "used": e.used_bytes,
        "heap_size_limit": e.heap_size_limit,
        "fraction": e.fraction,
        "rate_bytes_per_sec": e.rate_bytes_per_sec,
        "projected_oom_ms": e.projected_oom_ms,
        "reason": e.reason,
      }),
      DetectorEvent::MemoryLimit(e) => json!({
        "type": "memory-limit",
        "time": e.wall_ms,
        "rss": e.rss,
        "usage": e.usage,
        "limit": e.limit,
        "fraction": e.fraction,
        "rate_bytes_per_sec": e.rate_bytes_per_sec,
        "projected_oom_ms": e.projected_oom_ms,
        "reason": e.reason,
      }),
    }
  }
}

/// The detector's current view, for `getStats()`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DetectorState {
  /// Used heap after the last full GC.
  pub baseline_bytes: Option<u64>,
  /// Lowest used heap after young GCs since the last full GC.
  pub floor_bytes: Option<u64>,
  /// Robust slope of the live heap over the window (negative when shrinking).
  pub slope_bytes_per_sec: f64,
  /// Confidence that the heap is growing (0..1).
  pub confidence: f64,
  pub leak_suspected: bool,
  /// Confirmed samples / full GCs in the window and the time they span.
  pub samples_in_window: usize,
  pub full_gcs_in_window: usize,
  pub window_span_ms: f64,
  /// Young-GC buckets waiting for the next full GC.
  pub pending_floors: usize,
  pub heap_size_limit: u64,
  pub projected_oom_ms: Option<f64>,
  pub gcs_observed: u64,
  pub full_gcs_observed: u64,
  pub leak_reports: u64,
  /// Smoothed allocation rate between GCs (needs `used_before`).
  pub alloc_rate_bytes_per_sec: Option<f64>,
  /// Per kind (`heap`, `external`, `native`, `rss`): newest figure, slope
  /// (bytes/s, evidence including unconfirmed points) and whether it is
  /// suspected of leaking.
  pub kinds: [KindState; 4],
  /// The open episode: `"suspected"`, `"leak"` or none; and its kind.
  pub episode: Option<(&'static str, &'static str)>,
  pub leak_suspected_reports: u64,
  /// The container's limit, its usage, and the projected time to reach it.
  pub memory_limit: Option<u64>,
  pub memory_usage: Option<u64>,
  pub projected_memory_limit_ms: Option<f64>,
  /// Age of the watched thread and the warm-up still to run (ms).
  pub age_ms: Option<f64>,
  pub warmup_left_ms: f64,
}

/// One kind's figures in [`DetectorState`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct KindState {
  pub bytes: Option<u64>,
  pub slope_bytes_per_sec: Option<f64>,
  pub suspected: bool,
}

impl DetectorState {
  pub fn to_json(&self) -> Value {
    json!({
      "baseline": self.baseline_bytes,
      "floor": self.floor_bytes,
      "slope_bytes_per_sec": self.slope_bytes_per_sec,
      "confidence": self.confidence,
      "leak_suspected": self.leak_suspected,
      "samples_in_window": self.samples_in_window,
      "full_gcs_in_window": self.full_gcs_in_window,
      "window_span_ms": self.window_span_ms,
      "pending_floors": self.pending_floors,
      "heap_size_limit": self.heap_size_limit,
      "projected_oom_ms": self.projected_oom_ms,
      "gcs_observed": self.gcs_observed,
      "full_gcs_observed": self.full_gcs_observed,
      "leak_reports": self.leak_reports,
      "alloc_rate_bytes_per_sec": self.alloc_rate_bytes_per_sec,
      "kinds": {
        "heap": kind_json(&self.kinds[0]),
        "external": kind_json(&self.kinds[1]),
        "native": kind_json(&self.kinds[2]),
        "rss": kind_json(&self.kinds[3]),
      },
      "episode": self.episode.map(|(state, kind)| json!({ "state": state, "kind": kind })),
      "leak_suspected_reports": self.leak_suspected_reports,
      "memory_limit": self.memory_limit,
      "memory_usage": self.memory_usage,
      "projected_memory_limit_ms": self.projected_memory_limit_ms,
      "age_ms": self.age_ms,
      "warmup_left_ms": self.warmup_left_ms,
    })
  }
}

fn kind_json(k: &KindState) -> Value {
  json!({ "bytes": k.bytes, "slope_bytes_per_sec": k.slope_bytes_per_sec, "suspected": k.suspected })
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn json_uses_js_names_and_64_bit_numbers() {
    let e = DetectorEvent::HeapLimit(HeapLimitEvent {
      wall_ms: 1.0,
      used_bytes: 6 << 30,
      heap_size_limit: 8 << 30,
      fraction: 0.75,
      rate_bytes_per_sec: 1e6,
      projected_oom_ms: Some(2147.0),
      reason: "x".into(),
    });
    assert_eq!(e.name(), "heap-limit");
    let j = e.to_json();
    assert_eq!(j["used"].as_u64(), Some(6u64 << 30));
    assert_eq!(j["heap_size_limit"].as_u64(), Some(8u64 << 30));
    assert_eq!(j["type"], "heap-limit");
    let s = DetectorState {
      slope_bytes_per_sec: -5.0,
      ..Default::default()
    }
    .to_json();
    assert_eq!(s["slope_bytes_per_sec"].as_f64(), Some(-5.0));
    assert!(s["baseline"].is_null());
  }
}
