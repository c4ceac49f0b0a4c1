//! The watchdog binding: one [`Watchdog`] per isolate, wrapped by `index.js`.
//!
//! One [`Watchdog`] per `require('leakwatch')` per environment (main thread
//! or worker). It owns the isolate's [`Watch`] engine and, on the native
//! backend, its [`NativeWatch`] hooks. Results cross to JS as JSON strings
//! (`JSON.parse` in `index.js`), which keeps this layer free of per-field
//! glue. No logic lives here beyond argument checking.

use std::sync::Arc;

use napi::bindgen_prelude::{Function, Unknown};
use napi::{Env, Error, Result, Status};
use napi_derive::napi;

use super::to_json;
use crate::watch::clock;
use crate::watch::record::{GcKind, GcRecord, HeapStats, SpaceUsage, MAX_SPACES};
use crate::v8::hooks::{self, NativeWatch};
use crate::watch::layout::{self, JsHeapView, LayoutError};
use crate::v8::{self, V8Error};
use crate::detector::MemoryLimit;
use crate::watch::{MemoryReading, Watch, DEFAULT_HISTORY};

/// What `index.js` measured with the `v8` module just before attaching.
#[napi(object)]
pub struct AttachOptions {
  /// `process.versions.node` major.
  pub node_major: u32,
  /// Skip the native hooks (`LEAKWATCH_BACKEND=perf_hooks`).
  pub force_perf_hooks: bool,
  /// `v8.getHeapStatistics()` values in `HeapStats` field order.
  pub heap: Vec<f64>,
  /// `v8.getHeapSpaceStatistics()` names and `space_size`s.
  pub space_names: Vec<String>,
  pub space_sizes: Vec<f64>,
  /// Records kept for `getHistory()`.
  pub history: Option<u32>,
  /// How long this thread has been running (`performance.now()`), ms: the
  /// detector's warm-up counts from its start.
  pub age_ms: Option<f64>,
}

#[napi]
pub struct Watchdog {
  watch: Arc<Watch>,
  native: Option<Arc<NativeWatch>>,
  backend: &'static str,
  reason: Option<String>,
}

fn invalid(msg: String) -> Error {
  Error::new(Status::InvalidArg, msg)
}

fn heap_from(values: &[f64]) -> HeapStats {
  let g = |i: usize| values.get(i).copied().filter(|v| v.is_finite() && *v >= 0.0).unwrap_or(0.0) as u64;
  HeapStats {
    total_heap_size: g(0),
    total_heap_size_executable: g(1),
    total_physical_size: g(2),
    total_available_size: g(3),
    used_heap_size: g(4),
    heap_size_limit: g(5),
    malloced_memory: g(6),
    external_memory: g(7),
    peak_malloced_memory: g(8),
  }
}

/// Why the native backend cannot be used: a V8 entry point or call failed,
/// or V8's structs do not read as `v8.getHeapStatistics()` says they should.
/// Shown to users as `backendReason`.
#[derive(Debug)]
enum Fallback {
  V8(V8Error),
  Layout(LayoutError),
}

impl std::fmt::Display for Fallback {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    match self {
      Fallback::V8(e) => e.fmt(f),
      Fallback::Layout(e) => e.fmt(f),
    }
  }
}

impl From<V8Error> for Fallback {
  fn from(e: V8Error) -> Fallback {
    Fallback::V8(e)
  }
}

impl From<LayoutError> for Fallback {
  fn from(e: LayoutError) -> Fallback {
    Fallback::Layout(e)
  }
}

/// Tries the native backend; `Err` says why it cannot be used.
fn attach_native(
  env: &Env,
  on_wake: &Function<'_, (), Unknown<'_>>,
  opts: &AttachOptions,
  watch: &Arc<Watch>,
) -> std::result::Result<Arc<NativeWatch>, Fallback> {
  let syms = v8::symbols()?;
  let isolate = syms.current_isolate().ok_or(V8Error::NoIsolate)?;
  let js = JsHeapView { heap: &opts.heap, space_names: &opts.space_names, space_sizes: &opts.space_sizes };
  layout::check(&isolate.native_view(opts.space_names.len()), &js)?;
  Ok(hooks::install(env, on_wake, isolate, Arc::clone(watch), opts.space_names.len())?)
}

#[napi]
impl Watchdog {
  /// Attaches to the current isolate. Never fails for a missing symbol or a
  /// layout mismatch: it falls back to the perf_hooks backend and says why.
  #[napi(constructor, catch_unwind)]
  pub fn new(env: Env, on_wake: Function<'_, (), Unknown<'_>>, opts: AttachOptions) -> Result<Self> {
    if opts.space_names.len() != opts.space_sizes.len() {
      return Err(invalid("spaceNames and spaceSizes differ in length".into()));
    }
    let history = opts.history.map(|h| h as usize).unwrap_or(DEFAULT_HISTORY);
    let watch = Arc::new(Watch::new(opts.node_major, opts.space_names.clone(), history));
    if let Some(age) = opts.age_ms.filter(|a| a.is_finite()) {
      watch.set_age_ms(age);
    }
    let (native, reason) = if opts.force_perf_hooks {
      (None, Some("LEAKWATCH_BACKEND=perf_hooks".to_string()))
    } else {
      match attach_native(&env, &on_wake, &opts, &watch) {
        Ok(nw) => (Some(nw), None),
        Err(why) => (None, Some(why.to_string())),
      }
    };
    let backend = if native.is_some() { "v8" } else { "perf_hooks" };
    Ok(Watchdog { watch, native, backend, reason })
  }

  /// `'v8'` (native hooks) or `'perf_hooks'`.
  #[napi(getter)]
  pub fn backend(&self) -> &'static str {
    self.backend
  }

  /// Why the native backend is not in use (null when it is).
  #[napi(getter)]
  pub fn backend_reason(&self) -> Option<String> {
    self.reason.clone()
  }

  /// Drains pending records: JSON of a [`Drained`](crate::watch::Drained) (`gc`, `stats`,
  /// `detector`, `dropped`, `full_gcs`).
  /// `memory`, when given: `[rss, heapTotal, heapUsed, external,
  /// arrayBuffers, limit, usage]` from `process.memoryUsage()` (rss 0 in a
  /// worker) and the container's memory limit and usage (0 = none).
  #[napi(catch_unwind)]
  pub fn drain(&self, want_gc: bool, want_stats: bool, memory: Option<Vec<f64>>) -> String {
    let reading = memory.map(|v| {
      let g = |i: usize| v.get(i).copied().filter(|x| x.is_finite() && *x >= 0.0).unwrap_or(0.0) as u64;
      MemoryReading {
        rss: g(0),
        heap_total: g(1),
        heap_used: g(2),
        external: g(3),
        array_buffers: g(4),
        limit: (g(5) > 0).then(|| MemoryLimit { limit: g(5), usage: g(6) }),
      }
    });
    to_json(&self.watch.drain(want_gc, want_stats, reading))
  }

  /// Whether every collection wakes the JS thread (while `gc` has
  /// listeners) or only full ones and a filling ring.
  #[napi(catch_unwind)]
  pub fn set_wake_every_gc(&self, on: bool) {
    self.watch.set_wake_every_gc(on);
  }

  /// With `on`, the next collection, of any kind, wakes the JS thread once
  /// (the allocation sampler reads right after it); `false` takes the
  /// request back. Returns the latest collection's sequence number: a drain
  /// whose `last_seq` is past it has seen a collection since.
  #[napi(catch_unwind)]
  pub fn wake_after_next_gc(&self, on: bool) -> f64 {
    self.watch.wake_after_next_gc(on) as f64
  }

  /// JSON of cumulative counters and latest figures.
  #[napi(catch_unwind)]
  pub fn stats(&self) -> String {
    to_json(&self.watch.stats())
  }

  /// Applies a partial leak-detector configuration given as a JSON object;
  /// returns the whole configuration as JSON. Invalid options throw with a
  /// message naming the option, the rule and the value.
  #[napi(catch_unwind)]
  pub fn configure(&self, update_json: String) -> Result<String> {
    let update: serde_json::Value = serde_json::from_str(&update_json)
      .map_err(|e| invalid(format!("leakwatch.configure: options are not valid JSON: {e}")))?;
    self.watch.configure(&update).map(|c| to_json(&c)).map_err(|e| invalid(e.to_string()))
  }

  /// The current leak-detector configuration as JSON.
  #[napi(catch_unwind)]
  pub fn config(&self) -> String {
    to_json(&self.watch.config())
  }

  /// JSON array of recent `gc` events, oldest first.
  #[napi(catch_unwind)]
  pub fn history(&self) -> String {
    to_json(&self.watch.history())
  }

  /// JSON array of the downsampled GC timeline (for charts).
  #[napi(catch_unwind)]
  pub fn timeline(&self) -> String {
    to_json(&self.watch.timeline())
  }

  /// Native nanoseconds spent in our callbacks for each GC in history.
  #[napi(catch_unwind)]
  pub fn hook_costs(&self) -> Vec<f64> {
    self.watch.hook_costs().into_iter().map(|n| n as f64).collect()
  }

  /// (Re-)registers the native callbacks; no-op on perf_hooks.
  #[napi(catch_unwind)]
  pub fn start(&self) {
    if let Some(nw) = &self.native {
      nw.enable();
    }
  }

  /// Removes the native callbacks; no-op on perf_hooks.
  #[napi(catch_unwind)]
  pub fn stop(&self) {
    if let Some(nw) = &self.native {
      nw.disable();
    }
  }

  /// Full GC through `Isolate::LowMemoryNotification`. False if unavailable
  /// (the caller then uses the JS fallback).
  #[napi(catch_unwind)]
  pub fn gc(&self) -> bool {
    self.native.as_ref().is_some_and(|nw| nw.full_gc())
  }

  /// Feeds one perf_hooks `gc` entry. `ago_ms` is how long before now the
  /// collection started; `heap` as in `AttachOptions`; `spaces_used` and
  /// `spaces_size` per space, in attach order.
  #[napi(catch_unwind)]
  pub fn push_record(
    &self,
    kind: u32,
    flags: u32,
    ago_ms: f64,
    duration_ms: f64,
    heap: Vec<f64>,
    spaces_used: Vec<f64>,
    spaces_size: Vec<f64>,
  ) -> Result<()> {
    if !(ago_ms.is_finite() && duration_ms.is_finite() && duration_ms >= 0.0) {
      return Err(invalid(format!("pushRecord: bad timing ago={ago_ms} duration={duration_ms}")));
    }
    let now = clock::now_ns();
    let start_ns = now.saturating_sub((ago_ms.max(0.0) * 1e6) as u64);
    let mut rec = GcRecord {
      kind: GcKind::from_v8(kind),
      flags,
      start_ns,
      end_ns: start_ns + (duration_ms * 1e6) as u64,
      wall_ms: clock::wall_ms() - ago_ms.max(0.0) + duration_ms,
      after: heap_from(&heap),
      ..GcRecord::default()
    };
    let n = spaces_used.len().min(MAX_SPACES);
    for i in 0..n {
      rec.spaces[i] = SpaceUsage {
        used: spaces_used[i].max(0.0) as u64,
        size: spaces_size.get(i).copied().unwrap_or(0.0).max(0.0) as u64,
      };
    }
    rec.space_count = n as u8;
    self.watch.push(rec);
    Ok(())
  }
}
