//! Test support: reading recorded GC + memory traces (JSON lines, see
//! `traces.rs` for the format) and replaying them through a detector as the
//! live watchdog feeds it.

use std::path::PathBuf;

use serde_json::Value;

use super::*;
use crate::watch::record::{GcKind, GcRecord, SpaceUsage, MAX_SPACES};

pub struct Trace {
  pub name: String,
  pub leak: bool,
  pub space_names: Vec<String>,
  pub records: Vec<GcRecord>,
  /// GC records and memory readings in time order (what a live detector
  /// is fed: records at drains, a memory reading after them).
  pub inputs: Vec<Input>,
  /// The thread's start on the trace's clock (ms), if recorded.
  pub start_ms: Option<f64>,
  pub header: Value,
}

/// One input of a replay.
#[derive(Clone, Copy, Debug)]
pub enum Input {
  Gc(GcRecord),
  Mem(MemorySample),
}

impl Input {
  pub fn t_ms(&self) -> f64 {
    match self {
      Input::Gc(r) => r.end_ns as f64 / 1e6,
      Input::Mem(m) => m.t_ms,
    }
  }
}

/// A fixture of `test/fixtures/gc-traces` by name, or any trace by path.
pub fn load(name: &str) -> Trace {
  let path = if name.ends_with(".jsonl") {
    PathBuf::from(name)
  } else {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
      .join("test/fixtures/gc-traces")
      .join(format!("{name}.jsonl"))
  };
  let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
  load_text(name, &text)
}

/// A trace from its text.
pub fn load_text(name: &str, text: &str) -> Trace {
  let mut lines = text.lines();
  let header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
  let origin = header["timeOriginWallMs"].as_f64().unwrap();
  let limit = header["heapSizeLimit"].as_u64().unwrap();
  let space_names: Vec<String> = header["spaceNames"]
    .as_array()
    .unwrap()
    .iter()
    .map(|s| s.as_str().unwrap().to_string())
    .collect();
  let mut records = Vec::new();
  let mut inputs = Vec::new();
  for (i, line) in lines.enumerate() {
    let g: Value = serde_json::from_str(line).unwrap();
    if g[0] == "mem" {
      let n = |k: usize| g[k].as_f64().unwrap_or(0.0).max(0.0) as u64;
      let t_ms = g[1].as_f64().unwrap();
      inputs.push(Input::Mem(MemorySample {
        t_ms,
        wall_ms: origin + t_ms,
        rss: n(2),
        heap_total: n(3),
        heap_used: n(4),
        external: n(5),
        array_buffers: n(6),
        // Recorded since the other isolates are left out of native memory.
        others: g.get(7).and_then(|v| v.as_f64()).unwrap_or(0.0).max(0.0) as u64,
      }));
      continue;
    }
    let start_ms = g[2].as_f64().unwrap();
    let end_ms = start_ms + g[3].as_f64().unwrap();
    let mut r = GcRecord {
      seq: i as u64 + 1,
      kind: GcKind::from_v8(g[0].as_u64().unwrap() as u32),
      flags: g[1].as_u64().unwrap() as u32,
      start_ns: (start_ms * 1e6) as u64,
      end_ns: (end_ms * 1e6) as u64,
      wall_ms: origin + end_ms,
      ..Default::default()
    };
    r.after.used_heap_size = g[4].as_u64().unwrap();
    r.after.total_heap_size = g[5].as_u64().unwrap();
    r.after.heap_size_limit = limit;
    let spaces = g[7].as_array().unwrap();
    r.space_count = spaces.len().min(MAX_SPACES) as u8;
    for (j, s) in spaces.iter().take(MAX_SPACES).enumerate() {
      r.spaces[j] = SpaceUsage {
        used: s.as_u64().unwrap(),
        ..Default::default()
      };
    }
    records.push(r);
    inputs.push(Input::Gc(r));
  }
  inputs.sort_by(|a, b| a.t_ms().total_cmp(&b.t_ms()));
  Trace {
    name: name.to_string(),
    leak: header["leak"].as_bool().unwrap(),
    space_names,
    records,
    inputs,
    start_ms: header["processStartMs"].as_f64(),
    header,
  }
}

/// Replays a trace's records and memory readings in time order, as the live
/// detector sees them (a container limit from the header's `memoryLimit`, or
/// `limit`); returns (time on the trace's clock in ms, event).
pub fn replay_trace(d: &mut Detector, t: &Trace, limit: Option<u64>) -> Vec<(f64, DetectorEvent)> {
  let limit = limit.or(t.header["memoryLimit"].as_u64());
  let mut out = Vec::new();
  for i in &t.inputs {
    let ev = match i {
      Input::Gc(r) => d.observe(r),
      Input::Mem(m) => d.observe_memory(
        m,
        limit.map(|l| MemoryLimit {
          limit: l,
          usage: m.rss,
        }),
      ),
    };
    out.extend(ev.into_iter().map(|e| (i.t_ms(), e)));
  }
  out
}

/// A synthetic collection `t` seconds into a run whose clock starts at
/// `origin_ns`: a full GC or a scavenge lasting `pause_ns`, leaving `used`
/// bytes under `limit`, with `spaces` spaces.
pub fn synthetic_gc(
  seq: u64,
  full: bool,
  t: f64,
  origin_ns: u64,
  pause_ns: u64,
  used: u64,
  limit: u64,
  spaces: u8,
) -> GcRecord {
  let mut r = GcRecord {
    seq,
    kind: if full {
      GcKind::MarkSweepCompact
    } else {
      GcKind::Scavenge
    },
    start_ns: (t * 1e9) as u64 + origin_ns,
    end_ns: (t * 1e9) as u64 + origin_ns + pause_ns,
    wall_ms: 1.7e12 + t * 1000.0,
    space_count: spaces,
    ..Default::default()
  };
  r.after.used_heap_size = used;
  r.after.heap_size_limit = limit;
  r
}

/// The `TRACE` (a fixture name or a path) and `CONFIG` (detector options as
/// JSON) of the dev-aid tests, loaded and applied.
pub fn dev_aid() -> (Trace, Detector) {
  let name = std::env::var("TRACE").unwrap_or("leak-map".into());
  let t = load(&name);
  let mut d = Detector::new(DetectorConfig::default(), t.space_names.clone()).unwrap();
  d.set_start_ms(0.0);
  if let Ok(c) = std::env::var("CONFIG") {
    d.configure(&serde_json::from_str(&c).unwrap()).unwrap();
  }
  (t, d)
}
