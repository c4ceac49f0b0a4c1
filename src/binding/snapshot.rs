//! The snapshot-engine binding: analysis of heap snapshots off the JS
//! thread, wrapped by `lib/analysis.js`.
//!
//! * `analyzeSnapshot`, `diffSnapshots`, `findLeakCandidates`,
//!   `snapshotRetainers` return a Promise run on the libuv threadpool (an
//!   [`AsyncTask`]). It always *resolves*, with a JSON string:
//!   `{"ok": report}` or `{"error": {kind, message, offset, code, hint}}`
//!   (`code`: [`crate::snapshot::ErrorKind::code`], e.g. `ERR_LEAKWATCH_SNAPSHOT_SYNTAX`;
//!   `hint`: what to do); the JS wrapper turns the latter into a rejected
//!   `Error` with a `code`. A panic in the engine is caught on the worker
//!   thread and reported the same way (kind `internal`), so it can never
//!   unwind into libuv.
//! * Progress goes to an optional JS callback through a *weak* (unref'd)
//!   thread-safe function that the task releases as soon as its work is
//!   done: it never keeps the event loop alive.
//! * [`HeapDiffSnapshot`] backs memwatch's synchronous `HeapDiff`: a
//!   digest of a snapshot file, parsed on the calling thread as memwatch
//!   does; a snapshot it cannot read throws with the same codes.

// napi-derive registers the free `#[napi]` functions only outside `cfg(test)`,
// so `cargo test` would call them dead.
#![cfg_attr(test, allow(dead_code))]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use napi::bindgen_prelude::{AsyncTask, Function};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Error, Result, Status, Task};
use napi_derive::napi;
use parking_lot::Mutex;
use serde::Serialize;

use crate::snapshot::jobs::{self, Job, JobReport};
use crate::snapshot::report::{heap_diff_result, SortKey, Target};
use crate::snapshot::{heap_diff, parse, ErrorKind, HeapDigest, SnapshotError};

/// `onProgress(phase, fraction)`, weak so that it never holds the loop open.
type ProgressFn = ThreadsafeFunction<(String, f64), (), (String, f64), Status, false, true>;

fn invalid(msg: String) -> Error {
  Error::new(Status::InvalidArg, msg)
}

fn weak_progress(on_progress: Option<Function<'_, (String, f64), ()>>) -> Result<Option<ProgressFn>> {
  match on_progress {
    None => Ok(None),
    Some(f) => Ok(Some(
      f.build_threadsafe_function()
        .callee_handled::<false>()
        .weak::<true>()
        .build()?,
    )),
  }
}

/// Forwards progress to JS, at most once per percent and on each new
/// phase; never blocks the worker (a full queue drops the report).
struct Reporter {
  tsfn: Option<ProgressFn>,
  last: Mutex<(String, f64)>,
}

impl Reporter {
  fn report(&self, phase: &str, fraction: f64) {
    let Some(tsfn) = &self.tsfn else { return };
    let mut last = self.last.lock();
    if last.0 == phase && fraction < last.1 + 0.01 && fraction < 1.0 {
      return;
    }
    *last = (phase.to_string(), fraction);
    tsfn.call(
      (phase.to_string(), fraction),
      ThreadsafeFunctionCallMode::NonBlocking,
    );
  }
}

/// What an analysis resolves with: `{"ok": report}` or `{"error": {…}}`;
/// `lib/analysis.js` turns the error into an `Error` with its `code`.
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
  Ok(JobReport),
  Error(ErrorEnvelope),
}

/// A failed analysis as JS sees it.
#[derive(Serialize)]
struct ErrorEnvelope {
  kind: &'static str,
  message: String,
  /// Byte offset in the (decompressed) snapshot, when known.
  offset: Option<u64>,
  code: &'static str,
  hint: &'static str,
}

impl ErrorEnvelope {
  fn of(e: &SnapshotError) -> ErrorEnvelope {
    ErrorEnvelope { kind: e.kind.name(), message: e.to_string(), offset: e.offset, code: e.kind.code(), hint: e.kind.hint() }
  }
}

/// One analysis request on the libuv threadpool.
pub struct SnapshotTask {
  job: Job,
  progress: Option<ProgressFn>,
}

impl Task for SnapshotTask {
  type Output = String;
  type JsValue = String;

  fn compute(&mut self) -> Result<String> {
    let reporter = Reporter {
      tsfn: self.progress.take(),
      last: Mutex::new((String::new(), -1.0)),
    };
    let job = &self.job;
    let outcome = catch_unwind(AssertUnwindSafe(|| jobs::run(job, &|p, f| reporter.report(p, f))));
    // Release the callback now: nothing can be queued after the result.
    drop(reporter);
    let value = match outcome {
      Ok(Ok(report)) => Outcome::Ok(report),
      Ok(Err(e)) => Outcome::Error(ErrorEnvelope::of(&e)),
      Err(_) => Outcome::Error(ErrorEnvelope::of(&SnapshotError {
        kind: ErrorKind::Internal,
        message: "internal error in the snapshot engine (a bug; please report it with the snapshot if you can)".to_string(),
        offset: None,
      })),
    };
    Ok(super::to_json(&value))
  }

  fn resolve(&mut self, _env: Env, output: String) -> Result<String> {
    Ok(output)
  }
}

fn top_of(top: Option<u32>, default: usize) -> usize {
  top.map(|t| t as usize).unwrap_or(default)
}

fn task(job: Job, on_progress: Option<Function<'_, (String, f64), ()>>) -> Result<AsyncTask<SnapshotTask>> {
  Ok(AsyncTask::new(SnapshotTask {
    job,
    progress: weak_progress(on_progress)?,
  }))
}

/// Summary of one snapshot by class. `top`: classes kept (after sorting by
/// `sort`: `retained_size`, `self_size` or `count`).
#[napi(catch_unwind, ts_return_type = "Promise<string>")]
pub fn analyze_snapshot(
  path: String,
  top: Option<u32>,
  sort: Option<String>,
  on_progress: Option<Function<'_, (String, f64), ()>>,
) -> Result<AsyncTask<SnapshotTask>> {
  let sort = match sort.as_deref() {
    None => SortKey::RetainedSize,
    Some(s) => SortKey::parse(s).ok_or_else(|| {
      invalid(format!(
        "sort must be 'retained_size', 'self_size' or 'count', got {s:?}"
      ))
    })?,
  };
  task(
    Job::Analyze {
      path: PathBuf::from(path),
      top: top_of(top, 50),
      sort,
    },
    on_progress,
  )
}

/// Comparison of two snapshots of one process, `a` → `b`.
#[napi(catch_unwind, ts_return_type = "Promise<string>")]
pub fn diff_snapshots(
  a: String,
  b: String,
  top: Option<u32>,
  on_progress: Option<Function<'_, (String, f64), ()>>,
) -> Result<AsyncTask<SnapshotTask>> {
  task(
    Job::Diff {
      a: PathBuf::from(a),
      b: PathBuf::from(b),
      top: top_of(top, 50),
    },
    on_progress,
  )
}

/// Three-snapshot leak candidates.
#[napi(catch_unwind, ts_return_type = "Promise<string>")]
pub fn find_leak_candidates(
  baseline: String,
  target: String,
  final_path: String,
  top: Option<u32>,
  on_progress: Option<Function<'_, (String, f64), ()>>,
) -> Result<AsyncTask<SnapshotTask>> {
  let job = Job::FindLeaks {
    baseline: PathBuf::from(baseline),
    target: PathBuf::from(target),
    final_: PathBuf::from(final_path),
    top: top_of(top, 20),
  };
  task(job, on_progress)
}

/// Retainers of the object with id `id`, or of class `class_name` (exactly
/// one of the two).
#[napi(catch_unwind, ts_return_type = "Promise<string>")]
pub fn snapshot_retainers(
  path: String,
  id: Option<u32>,
  class_name: Option<String>,
  top: Option<u32>,
  on_progress: Option<Function<'_, (String, f64), ()>>,
) -> Result<AsyncTask<SnapshotTask>> {
  let target = match (id, class_name) {
    (Some(id), None) => Target::Id(id),
    (None, Some(name)) => Target::Class(name),
    _ => {
      return Err(invalid(
        "snapshotRetainers: give exactly one of id and className".into(),
      ))
    }
  };
  task(
    Job::Retainers {
      path: PathBuf::from(path),
      target,
      top: top_of(top, 20),
    },
    on_progress,
  )
}

/// The digest memwatch's `HeapDiff` keeps of one snapshot.
#[napi]
pub struct HeapDiffSnapshot {
  digest: HeapDigest,
}

#[napi]
impl HeapDiffSnapshot {
  /// Parses the snapshot file at `path` on the calling thread (memwatch's
  /// `HeapDiff` is synchronous) and keeps only its digest.
  #[napi(factory, catch_unwind)]
  pub fn from_file(path: String) -> Result<HeapDiffSnapshot, &'static str> {
    let graph = parse::parse_file(&path).map_err(|mut e| {
      // Say which file, as the analyses do.
      if !e.message.starts_with(&path) {
        e.message = format!("{path}: {}", e.message);
      }
      Error::new(e.kind.code(), format!("{e} ({})", e.kind.hint()))
    })?;
    Ok(HeapDiffSnapshot {
      digest: HeapDigest::from_graph(&graph),
    })
  }

  /// memwatch's `end()` result from this (before) to `after`, as JSON.
  #[napi(catch_unwind)]
  pub fn compare(&self, after: &HeapDiffSnapshot) -> String {
    super::to_json(&heap_diff_result(&heap_diff(&self.digest, &after.digest)))
  }
}
