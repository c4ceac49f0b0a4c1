//! The heap-dump binding: the guard check and the post-processing of a
//! written snapshot (gzip, redaction), wrapped by `lib/dump/*.js`.
//! Post-processing runs synchronously (for `writeSnapshot()`'s sync form) or
//! on the libuv thread pool (the async forms), never panicking across FFI.
//! Its failures are [`DumpError`]s thrown (or rejected) as JS errors whose
//! `code` is [`DumpError::code`] (`ERR_LEAKWATCH_DUMP_WRITE`, …); a dump that
//! fails verification throws `ERR_LEAKWATCH_SNAPSHOT_*` like the analyses.

#![cfg_attr(test, allow(dead_code))] // the #[napi] functions are only called from JS

use std::collections::BTreeMap;
use std::path::PathBuf;

use napi::bindgen_prelude::{AsyncTask, JsError};
use napi::{Env, Error, Result, Status, Task};
use napi_derive::napi;
use serde::Serialize;
use serde_json::Value;

use super::to_json;

use crate::dump::guards::{self, CgroupMem, GuardInput};
use crate::dump::{gzip, redact, DumpError};

fn invalid(msg: String) -> Error {
  Error::new(Status::InvalidArg, msg)
}

fn u64_of(v: &Value) -> Option<u64> {
  v.as_f64()
    .filter(|x| x.is_finite() && *x >= 0.0)
    .map(|x| x as u64)
}

/// The tightest memory cgroup level of `cgroups_json` (`[{v2, max, current,
/// stat?}]`, the raw kernel files as `lib/dump-guard.js` reads them): `[limit,
/// usage]` of the level with the least headroom (usage net of reclaimable
/// page cache), or an empty array when no level has a limit. The leak
/// detector forecasts RSS against it.
#[napi(catch_unwind)]
pub fn memory_cgroup(cgroups_json: String) -> Result<Vec<f64>> {
  let v: Value = serde_json::from_str(&cgroups_json)
    .map_err(|e| invalid(format!("memoryCgroup: bad input JSON: {e}")))?;
  let tightest = parse_cgroups(&v).into_iter().min_by_key(CgroupMem::headroom);
  Ok(tightest.map_or_else(Vec::new, |c| vec![c.limit as f64, c.usage.saturating_sub(c.reclaimable) as f64]))
}

fn parse_cgroups(list: &Value) -> Vec<CgroupMem> {
  let mut cgroups: Vec<CgroupMem> = Vec::new();
  for c in list.as_array().map(|a| a.as_slice()).unwrap_or(&[]) {
    let (max, cur, stat) = (c["max"].as_str().unwrap_or(""), c["current"].as_str().unwrap_or(""), c["stat"].as_str());
    let parsed = if c["v2"].as_bool().unwrap_or(true) {
      guards::cgroup_v2(max, cur, stat)
    } else {
      guards::cgroup_v1(max, cur, stat)
    };
    cgroups.extend(parsed);
  }
  cgroups
}

/// Runs the dump guard. `input_json`: `{heapUsed, meminfo?, cgroups: [{v2,
/// max, current, stat?}], diskFree?, tmpfs, limits?, gzip, redact,
/// memoryFactor, fileFactor}` with the raw text of the kernel files
/// (`limits`: `/proc/self/limits`). Returns the verdict as
/// JSON (`ok`, `reason`, and the numbers).
#[napi(catch_unwind)]
pub fn dump_guard(input_json: String) -> Result<String> {
  let v: Value =
    serde_json::from_str(&input_json).map_err(|e| invalid(format!("dumpGuard: bad input JSON: {e}")))?;
  let cgroups = parse_cgroups(&v["cgroups"]);
  let input = GuardInput {
    heap_used: u64_of(&v["heapUsed"]).unwrap_or(0),
    mem_available: v["meminfo"].as_str().and_then(guards::parse_meminfo_available),
    cgroups,
    disk_free: u64_of(&v["diskFree"]),
    tmpfs: v["tmpfs"].as_bool().unwrap_or(false),
    file_size_limit: v["limits"].as_str().and_then(guards::parse_file_size_limit),
    gzip: v["gzip"].as_bool().unwrap_or(false),
    redact: v["redact"].as_bool().unwrap_or(false),
    memory_factor: v["memoryFactor"].as_f64().unwrap_or(guards::MEMORY_FACTOR),
    file_factor: v["fileFactor"].as_f64().unwrap_or(guards::FILE_FACTOR),
  };
  Ok(to_json(&guards::check(&input)))
}

/// The memory cgroup directories to read, innermost first, from the text of
/// `/proc/self/cgroup`: JSON `[[isV2, "/relative/path"], …]`.
#[napi(catch_unwind)]
pub fn dump_cgroup_paths(proc_self_cgroup: String) -> String {
  to_json(&guards::cgroup_paths(&proc_self_cgroup))
}

/// One post-processing job: `src` (a finished plain snapshot) → `dst`.
pub struct PostProcess {
  src: PathBuf,
  dst: PathBuf,
  gzip: bool,
  redact: bool,
}

/// A JS error whose `code` is the dump error's.
fn js_error(e: &DumpError) -> Error<&'static str> {
  Error::new(e.code(), e.to_string())
}

impl PostProcess {
  fn run(&self) -> std::result::Result<String, DumpError> {
    let job = || -> std::result::Result<String, DumpError> {
      if self.redact {
        let s = redact::redact_file(&self.src, &self.dst, self.gzip)?;
        Ok(to_json(&s))
      } else if self.gzip {
        gzip::gzip_file(&self.src, &self.dst)?;
        Ok("{}".into())
      } else {
        Err(DumpError::NothingToDo)
      }
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) {
      Ok(done) => done,
      Err(_) => {
        let _ = std::fs::remove_file(&self.dst);
        Err(DumpError::Internal { path: self.src.clone() })
      }
    }
  }
}

impl Task for PostProcess {
  type Output = std::result::Result<String, DumpError>;
  type JsValue = String;

  fn compute(&mut self) -> Result<Self::Output> {
    Ok(self.run())
  }

  /// Settles on the JS thread: a failure rejects with an error carrying its
  /// code (a task's own errors could only carry a napi `Status`).
  fn resolve(&mut self, env: Env, output: Self::Output) -> Result<String> {
    output.map_err(|e| Error::from(JsError::from(js_error(&e)).into_unknown(env)))
  }
}

/// Gzips and/or redacts `src` into the new 0600 file `dst`, blocking.
/// Returns JSON stats (`strings`, `redacted` when redacting).
#[napi(catch_unwind)]
pub fn dump_post_process_sync(src: String, dst: String, gzip: bool, redact: bool) -> Result<String, &'static str> {
  PostProcess {
    src: src.into(),
    dst: dst.into(),
    gzip,
    redact,
  }
  .run()
  .map_err(|e| js_error(&e))
}

/// Like [`dump_post_process_sync`] on the libuv thread pool; a Promise.
#[napi(catch_unwind)]
pub fn dump_post_process(src: String, dst: String, gzip: bool, redact: bool) -> AsyncTask<PostProcess> {
  AsyncTask::new(PostProcess {
    src: src.into(),
    dst: dst.into(),
    gzip,
    redact,
  })
}

/// What `dump_verify` finds: the dump's node count and, per class asked
/// about (the keys are the caller's class names), its instances.
#[derive(Serialize)]
struct DumpCounts {
  nodes: usize,
  classes: BTreeMap<String, u64>,
}

/// Opens a written dump with the snapshot engine (plain or gzip) and counts
/// the nodes of the given classes: JSON `{"nodes": n, "classes": {name: n}}`.
/// Used to verify dumps (tests, `bench/dump.js`); blocking.
#[napi(catch_unwind)]
pub fn dump_verify(path: String, class_names: Vec<String>) -> Result<String, &'static str> {
  let snap = crate::snapshot::Snapshot::open(&path).map_err(|e| {
    Error::new(
      e.kind.code(),
      format!("{path} is not a valid heap snapshot: {e}; {}", e.kind.hint()),
    )
  })?;
  let mut classes: BTreeMap<String, u64> = class_names.into_iter().map(|n| (n, 0)).collect();
  for n in 0..snap.node_count() as u32 {
    if let Some(c) = classes.get_mut(snap.class_name(n)) {
      *c += 1;
    }
  }
  Ok(to_json(&DumpCounts { nodes: snap.node_count(), classes }))
}
