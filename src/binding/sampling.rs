//! The allocation-site binding: one [`Sampler`] per isolate, driven by
//! `lib/sampling.js` on the JS thread.
//!
//! It owns the isolate's V8 sampler handle (`crate::v8::sampling`) and the
//! pure [`SiteTable`]. `poll` reads the live profile and folds it into the
//! table; `sites` ranks what grew. Results cross as JSON strings.

use napi::{Env, Result};
use napi_derive::napi;
use serde::Serialize;

use super::to_json;
use crate::sites::SiteTable;
use crate::v8::sampling::{Sampler as V8Sampler, Started};
use crate::v8::{self, V8Error};

/// What one `poll` tells `lib/sampling.js`: `{running, nodes, bytes,
/// sites}`, or `{running: false, lost: true}` when our sampler was stopped by
/// someone else, or `{running: false, error}`.
#[derive(Serialize, Default, Clone)]
struct Poll {
  running: bool,
  #[serde(skip_serializing_if = "Option::is_none")]
  nodes: Option<usize>,
  #[serde(skip_serializing_if = "Option::is_none")]
  bytes: Option<u64>,
  #[serde(skip_serializing_if = "Option::is_none")]
  sites: Option<usize>,
  #[serde(skip_serializing_if = "Option::is_none")]
  lost: Option<bool>,
  #[serde(skip_serializing_if = "Option::is_none")]
  error: Option<String>,
}

/// The site table's own figures, for `getStats().sampling`.
#[derive(Serialize)]
struct TableStats {
  readings: u64,
  sites: usize,
  memory_bytes: usize,
}

#[napi]
pub struct Sampler {
  /// The isolate's sampler, or why there is none (any more).
  inner: std::result::Result<V8Sampler, V8Error>,
  table: SiteTable,
  interval: f64,
  running: bool,
}

#[napi]
impl Sampler {
  /// `own_dir`: leakwatch's package directory (its allocations are not sites).
  #[napi(constructor, catch_unwind)]
  pub fn new(env: Env, own_dir: String) -> Sampler {
    let inner = v8::symbols().and_then(|s| {
      let isolate = s.current_isolate().ok_or(V8Error::NoIsolate)?;
      V8Sampler::new(env.raw(), &isolate)
    });
    Sampler { inner, table: SiteTable::new(&own_dir), interval: 0.0, running: false }
  }

  /// Why sampling cannot run in this process, or null.
  #[napi(getter, catch_unwind)]
  pub fn unavailable(&self) -> Option<String> {
    self.inner.as_ref().err().map(V8Error::to_string)
  }

  /// Starts V8's sampler: `"started"`, `"busy"` (another sampler runs in
  /// this isolate) or `"unavailable"`.
  #[napi(catch_unwind)]
  pub fn start(&mut self, interval_bytes: f64) -> String {
    let Ok(s) = self.inner.as_mut() else { return "unavailable".into() };
    if self.running {
      return "started".into();
    }
    let interval = interval_bytes.clamp(1024.0, 1e9);
    match s.start(interval as u64) {
      Started::Yes => {
        self.running = true;
        self.interval = interval;
        "started".into()
      }
      Started::Busy => "busy".into(),
    }
  }

  /// Stops our sampler (only if it is ours); the site table is kept.
  #[napi(catch_unwind)]
  pub fn stop(&mut self) {
    if let (Ok(s), true) = (self.inner.as_mut(), self.running) {
      s.stop();
    }
    self.running = false;
  }

  /// Reads the profile at wall time `t_ms` and folds it in; `exact`: right
  /// after a full GC (only live objects are counted then). JSON:
  /// `{running, nodes, bytes, sites}`, or `{running: false, lost: true}` when
  /// our sampler was stopped by someone else, or `{error}` (sampling is then
  /// stopped: the error is a layout mismatch, not a hiccup).
  #[napi(catch_unwind)]
  pub fn poll(&mut self, env: Env, t_ms: f64, exact: bool) -> String {
    let stopped = Poll { running: false, ..Poll::default() };
    if !self.running {
      return to_json(&stopped);
    }
    let Ok(s) = self.inner.as_mut() else { return to_json(&stopped) };
    let poll = match s.read(env.raw()) {
      Ok(Some(p)) => {
        self.table.ingest(t_ms, exact, &p);
        Poll {
          running: true,
          nodes: Some(p.nodes.len()),
          bytes: Some(p.total_bytes()),
          sites: Some(self.table.len()),
          ..Poll::default()
        }
      }
      Ok(None) => {
        s.forget();
        self.running = false;
        Poll { lost: Some(true), ..stopped }
      }
      Err(e) => {
        s.stop();
        self.running = false;
        let poll = Poll { error: Some(e.to_string()), ..stopped };
        self.inner = Err(e);
        poll
      }
    };
    to_json(&poll)
  }

  /// Forgets the site table (after a restart at another interval).
  #[napi(catch_unwind)]
  pub fn clear(&mut self) {
    self.table.clear();
  }

  /// JSON array of the sites that grew since `from_ms` (wall), application
  /// sites first, at most `limit`.
  #[napi(catch_unwind)]
  pub fn sites(&self, from_ms: f64, limit: u32) -> String {
    let ranked = self.table.rank(from_ms, self.interval.max(1.0), limit as usize);
    to_json(&ranked.iter().map(|g| g.report()).collect::<Vec<_>>())
  }

  /// JSON array of the sites holding the most live sampled bytes now.
  #[napi(catch_unwind)]
  pub fn largest(&self, limit: u32) -> String {
    to_json(&self.table.largest(limit as usize))
  }

  /// `{readings, sites, memory_bytes}` of the site table.
  #[napi(catch_unwind)]
  pub fn table_stats(&self) -> Result<String> {
    let frames = self.inner.as_ref().map_or(0, |s| s.frame_count());
    Ok(to_json(&TableStats {
      readings: self.table.readings(),
      sites: self.table.len(),
      memory_bytes: self.table.memory_bytes() + frames * 96,
    }))
  }
}
