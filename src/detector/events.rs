//! What the detector reports: `leak-suspected`, `leak`, `leak-end`,
//! `heap-limit` and `memory-limit` events, and the [`DetectorState`]
//! snapshot behind `getStats()`.
//!
//! Each struct is what JS receives, field for field (snake_case keys like
//! memwatch's and the `stats` event's): serde writes the JSON the binding
//! hands to `index.js`, and `index.d.ts` declares the same structs, generated
//! from them (`src/types.rs`). To add a field to the `leak` event, add it to
//! [`LeakEvent`] here, fill it in (`detector/mod.rs`), run `npm run types`.
//!
//! All byte counts are 64-bit (`u64`, or `i64` where a difference can be
//! negative); rates and times are `f64`.

use serde::{Serialize, Serializer};
#[cfg(test)]
use ts_rs::TS;

/// Bytes/s per kind of memory (`heap`, `external`, `native`, `rss`); `None`
/// where nothing was measured (RSS and native in a worker thread).
pub type Rates = [Option<f64>; 4];

/// Growth rate of each kind of memory, bytes per second; null where not
/// measured (RSS and native in a worker).
#[derive(Serialize, Clone, Copy, Debug)]
#[cfg_attr(test, derive(TS))]
pub struct MemoryRates {
  pub heap: Option<f64>,
  pub external: Option<f64>,
  pub native: Option<f64>,
  pub rss: Option<f64>,
}

fn rates<S: Serializer>(r: &Rates, s: S) -> Result<S::Ok, S::Error> {
  MemoryRates { heap: r[0], external: r[1], native: r[2], rss: r[3] }.serialize(s)
}

/// An empty string is sent as `null`.
fn empty_as_null<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
  if v.is_empty() {
    s.serialize_none()
  } else {
    s.serialize_str(v)
  }
}

/// A leak (`confirmed`) or an early suspicion of one (`leak-suspected`):
/// one kind of memory has been growing significantly and persistently.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(TS))]
#[cfg_attr(test, ts(rename = "LeakEventFields"))]
pub struct LeakEvent {
  /// false on `leak-suspected`: growth seen, not yet told apart from a warm-up or a cache filling up.
  pub confirmed: bool,
  /// Which memory grows.
  #[cfg_attr(test, ts(type = "MemoryKind"))]
  pub kind: &'static str,
  /// Why a `leak` is confirmed: 'duration' (it grew past the warm-up for the whole evidence), 'size' (more
  /// than a cache may hold) or 'baseline' (a fast heap leak: the first full GC past the warm-up measured a new
  /// high, soundly above the live heap's bound at an earlier point past it); null on `leak-suspected`.
  #[serde(serialize_with = "empty_as_null")]
  #[cfg_attr(test, ts(type = "'duration' | 'size' | 'baseline' | null"))]
  pub confirmed_by: &'static str,
  /// First and last sample of the evidence (memwatch).
  #[serde(rename = "start")]
  pub start_wall_ms: f64,
  #[serde(rename = "end")]
  pub end_wall_ms: f64,
  /// Measured growth of that memory: `baseline_end - baseline_start`, bytes (memwatch).
  #[serde(rename = "growth")]
  pub growth_bytes: i64,
  /// memwatch wording for the heap, e.g. `heap growth over 2 full GCs (21s) - 3645.7 mb/hr`; names the memory
  /// otherwise.
  pub reason: String,
  /// Growth rate of `kind`, bytes per second.
  pub rate_bytes_per_sec: f64,
  /// Growth rate of every kind over the same time.
  #[serde(serialize_with = "rates")]
  #[cfg_attr(test, ts(type = "MemoryRates"))]
  pub rates: Rates,
  /// 0..1: one minus the Mann–Kendall p-value, scaled down when the recent growth is slower than the
  /// overall trend.
  pub confidence: f64,
  /// Measured size of that memory at the start of the evidence (after a full GC for the heap) and at its end,
  /// bytes.
  pub baseline_start: u64,
  pub baseline_end: u64,
  /// For native growth only, advice the evidence supports (allocator arenas, a native addon…); else null.
  #[serde(serialize_with = "empty_as_null")]
  #[cfg_attr(test, ts(type = "string | null"))]
  pub advice: String,
  /// The container's memory limit (cgroup, `memoryLimitBytes` or LEAKWATCH_MEMORY_LIMIT), bytes; null if
  /// none.
  pub memory_limit: Option<u64>,
  /// Time until RSS reaches that limit at its current rate, ms; null if unknown.
  pub projected_memory_limit_ms: Option<f64>,
  pub heap_size_limit: u64,
  /// Heap spaces that account for heap growth, largest first (e.g. `['old_space']`); empty for other kinds.
  pub growing_spaces: Vec<String>,
  /// Time until the limit of this kind (heap_size_limit, else the container's) at this rate, ms; null if
  /// unknown.
  pub projected_oom_ms: Option<f64>,
  /// Full GCs and samples behind the decision.
  pub full_gcs: usize,
  pub samples: usize,
  /// 1 for the first report of an episode, 2, 3… for follow-ups.
  pub report: u32,
}

/// A previously reported leak (or suspicion) stopped growing.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(TS))]
#[cfg_attr(test, ts(rename = "LeakEndEventFields"))]
pub struct LeakEndEvent {
  #[cfg_attr(test, ts(type = "MemoryKind"))]
  pub kind: &'static str,
  /// Whether the episode was a confirmed `leak` (else a `leak-suspected` that turned out to be a warm-up or a
  /// cache).
  pub confirmed: bool,
  /// Start of the episode and now.
  #[serde(rename = "start")]
  pub start_wall_ms: f64,
  #[serde(rename = "end")]
  pub end_wall_ms: f64,
  /// Growth of that memory over the whole episode, bytes (negative if it shrank).
  #[serde(rename = "growth")]
  pub growth_bytes: i64,
  pub baseline_end: u64,
  /// The recent rate that ended the episode, bytes per second.
  pub rate_bytes_per_sec: f64,
  /// e.g. `heap growth stopped after 1m 12s (+33.6 mb, now 4.15 mb/hr)`.
  pub reason: String,
}

/// The live heap is close to `heap_size_limit`, or will be soon.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(TS))]
#[cfg_attr(test, ts(rename = "HeapLimitEventFields"))]
pub struct HeapLimitEvent {
  #[serde(rename = "time")]
  pub wall_ms: f64,
  /// Used heap after the full GC, bytes.
  #[serde(rename = "used")]
  pub used_bytes: u64,
  pub heap_size_limit: u64,
  /// `used / heap_size_limit`.
  pub fraction: f64,
  pub rate_bytes_per_sec: f64,
  pub projected_oom_ms: Option<f64>,
  pub reason: String,
}

/// RSS is close to the container's memory limit, or will be soon.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(TS))]
#[cfg_attr(test, ts(rename = "MemoryLimitEventFields"))]
pub struct MemoryLimitEvent {
  #[serde(rename = "time")]
  pub wall_ms: f64,
  /// This process's resident set size, bytes.
  pub rss: u64,
  /// What the memory cgroup charges (net of reclaimable page cache), and its limit, bytes.
  pub usage: u64,
  pub limit: u64,
  /// `usage / limit`.
  pub fraction: f64,
  /// RSS growth, bytes per second.
  pub rate_bytes_per_sec: f64,
  /// Time until the limit at that rate, ms; null when fired by `fraction`.
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
}

/// The payload with `type`, the event name, among its keys.
#[derive(Serialize)]
struct Tagged<'a, T> {
  #[serde(rename = "type")]
  name: &'static str,
  #[serde(flatten)]
  event: &'a T,
}

impl Serialize for DetectorEvent {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    let name = self.name();
    match self {
      DetectorEvent::Leak(event) => Tagged { name, event }.serialize(s),
      DetectorEvent::LeakEnd(event) => Tagged { name, event }.serialize(s),
      DetectorEvent::HeapLimit(event) => Tagged { name, event }.serialize(s),
      DetectorEvent::MemoryLimit(event) => Tagged { name, event }.serialize(s),
    }
  }
}

/// The detector's current view: `getStats().detector`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(test, derive(TS))]
#[cfg_attr(test, ts(rename = "DetectorStats"))]
pub struct DetectorState {
  /// Used heap after the last full GC.
  #[serde(rename = "baseline")]
  /// Used heap after the last full GC, bytes (null before the first).
  pub baseline_bytes: Option<u64>,
  /// Lowest used heap after young GCs since the last full GC.
  #[serde(rename = "floor")]
  /// Lowest used heap after young GCs since the last full GC (unconfirmed), bytes.
  pub floor_bytes: Option<u64>,
  /// Robust slope of the live heap over the window, bytes per second (negative when shrinking).
  pub slope_bytes_per_sec: f64,
  /// 0..1 confidence that the live heap grows.
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
  /// Smoothed allocation rate between GCs, bytes per second (null on perf_hooks).
  pub alloc_rate_bytes_per_sec: Option<f64>,
  /// Per kind (`heap`, `external`, `native`, `rss`): newest figure, slope
  /// (bytes/s, evidence including unconfirmed points) and whether it is
  /// suspected of leaking.
  #[serde(serialize_with = "kinds")]
  #[cfg_attr(test, ts(type = "DetectorKinds"))]
  /// Per kind of memory: newest figure, growth rate (bytes/s), and whether it is suspected of leaking.
  pub kinds: [KindState; 4],
  /// The open episode: `"suspected"`, `"leak"` or none; and its kind.
  #[serde(serialize_with = "episode")]
  #[cfg_attr(test, ts(type = "Episode | null"))]
  /// The open episode: a suspicion or a confirmed leak, and which memory; null when none.
  pub episode: Option<(&'static str, &'static str)>,
  pub leak_suspected_reports: u64,
  /// The container's memory limit and usage, bytes, and the projected time to reach it (ms); null if unknown.
  pub memory_limit: Option<u64>,
  pub memory_usage: Option<u64>,
  pub projected_memory_limit_ms: Option<f64>,
  /// Age of the watched thread, ms, and the warm-up still to run.
  pub age_ms: Option<f64>,
  pub warmup_left_ms: f64,
}

/// One kind's figures in [`DetectorState`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct KindState {
  pub bytes: Option<u64>,
  pub slope_bytes_per_sec: Option<f64>,
  pub suspected: bool,
}

/// [`DetectorState::kinds`] as JS sees it.
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
#[cfg_attr(test, ts(rename = "DetectorKinds"))]
pub(crate) struct Kinds<'a> {
  heap: &'a KindState,
  external: &'a KindState,
  native: &'a KindState,
  rss: &'a KindState,
}

fn kinds<S: Serializer>(k: &[KindState; 4], s: S) -> Result<S::Ok, S::Error> {
  Kinds { heap: &k[0], external: &k[1], native: &k[2], rss: &k[3] }.serialize(s)
}

/// The open episode of [`DetectorState`].
#[derive(Serialize)]
#[cfg_attr(test, derive(TS))]
pub struct Episode {
  #[cfg_attr(test, ts(type = "'suspected' | 'leak'"))]
  pub state: &'static str,
  #[cfg_attr(test, ts(type = "MemoryKind"))]
  pub kind: &'static str,
}

fn episode<S: Serializer>(e: &Option<(&'static str, &'static str)>, s: S) -> Result<S::Ok, S::Error> {
  e.map(|(state, kind)| Episode { state, kind }).serialize(s)
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
    let j = serde_json::to_value(&e).unwrap();
    assert_eq!(j["used"].as_u64(), Some(6u64 << 30));
    assert_eq!(j["heap_size_limit"].as_u64(), Some(8u64 << 30));
    assert_eq!(j["type"], "heap-limit");
    let s = serde_json::to_value(DetectorState { slope_bytes_per_sec: -5.0, ..Default::default() }).unwrap();
    assert_eq!(s["slope_bytes_per_sec"].as_f64(), Some(-5.0));
    assert!(s["baseline"].is_null());
  }
}
