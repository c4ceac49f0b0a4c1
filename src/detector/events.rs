//! What the detector reports: `leak`, `leak-end` and `heap-limit` events, and
//! the [`DetectorState`] snapshot behind `getStats()`.
//!
//! All byte counts are 64-bit (`u64`, or `i64` where a difference can be
//! negative); rates and times are `f64`. `to_json()` gives the objects the JS
//! layer emits, with snake_case keys like memwatch's and the `stats` event's.

use serde_json::{json, Value};

/// A suspected leak: the live heap has been growing significantly and
/// persistently.
#[derive(Clone, Debug, PartialEq)]
pub struct LeakEvent {
  /// Unix-epoch ms of the first and last sample of the evidence.
  pub start_wall_ms: f64,
  pub end_wall_ms: f64,
  /// Robust growth of the live heap over the evidence (fitted end − start).
  pub growth_bytes: i64,
  /// memwatch-style summary, e.g. `heap growth over 7 full GCs (41s) - 96.3 mb/hr`.
  pub reason: String,
  pub rate_bytes_per_sec: f64,
  /// 0..1: one minus the Mann–Kendall p-value, scaled down when the recent
  /// growth is slower than the overall trend.
  pub confidence: f64,
  /// Fitted live heap at the start and end of the evidence.
  pub baseline_start: u64,
  pub baseline_end: u64,
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

/// A previously reported leak stopped growing.
#[derive(Clone, Debug, PartialEq)]
pub struct LeakEndEvent {
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

/// One detector event.
#[derive(Clone, Debug, PartialEq)]
pub enum DetectorEvent {
  Leak(LeakEvent),
  LeakEnd(LeakEndEvent),
  HeapLimit(HeapLimitEvent),
}

impl DetectorEvent {
  /// The JS event name.
  pub fn name(&self) -> &'static str {
    match self {
      DetectorEvent::Leak(_) => "leak",
      DetectorEvent::LeakEnd(_) => "leak-end",
      DetectorEvent::HeapLimit(_) => "heap-limit",
    }
  }

  /// The event payload as the JS object (snake_case keys, `type` = name).
  pub fn to_json(&self) -> Value {
    match self {
      DetectorEvent::Leak(e) => json!({
        "type": "leak",
        "start": e.start_wall_ms,
        "end": e.end_wall_ms,
        "growth": e.growth_bytes,
        "reason": e.reason,
        "rate_bytes_per_sec": e.rate_bytes_per_sec,
        "confidence": e.confidence,
        "baseline_start": e.baseline_start,
        "baseline_end": e.baseline_end,
        "heap_size_limit": e.heap_size_limit,
        "growing_spaces": e.growing_spaces,
        "projected_oom_ms": e.projected_oom_ms,
        "full_gcs": e.full_gcs,
        "samples": e.samples,
        "report": e.report,
      }),
      DetectorEvent::LeakEnd(e) => json!({
        "type": "leak-end",
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
    })
  }
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
