//! The analyses the JS API runs off the JS thread, as plain data.
//!
//! A [`Job`] names the snapshot files and the question; [`run`] opens each
//! file (reporting progress), asks the question and returns the JSON report
//! of `report.rs`. Progress is `(phase, fraction)`: `phase` says what is
//! being done (`"parse"`, `"analyze"`, `"report"`, with the snapshot's role
//! appended when there are several, e.g. `"parse target"`), `fraction` is
//! the whole job's progress, from 0 to 1, never decreasing.

use std::path::{Path, PathBuf};


use super::analysis::Snapshot;
use super::error::Result;
use super::diff::DiffSide;
use super::graph::HeapGraph;
use super::leaks;
use super::progress::{open_with_progress, parse_with_progress, Stage};
use super::sizes::shallow_sizes;
use super::report::{self, SortKey, Target};

/// One request from the JS API.
#[derive(Debug, Clone)]
pub enum Job {
  Analyze {
    path: PathBuf,
    top: usize,
    sort: SortKey,
  },
  Diff {
    a: PathBuf,
    b: PathBuf,
    top: usize,
  },
  FindLeaks {
    baseline: PathBuf,
    target: PathBuf,
    final_: PathBuf,
    top: usize,
  },
  Retainers {
    path: PathBuf,
    target: Target,
    top: usize,
  },
}

/// Share of each snapshot's part of the job spent parsing (the rest is
/// the analysis proper); share of the whole job kept for the report.
const PARSE_SHARE: f64 = 0.8;
const REPORT_SHARE: f64 = 0.02;

/// Opens the `i`-th of `of` snapshots of a job.
fn open(
  path: &Path,
  role: Option<&str>,
  i: usize,
  of: usize,
  progress: &(dyn Fn(&str, f64) + Sync),
) -> Result<Snapshot> {
  open_as(path, role, i, of, progress, |path, report| open_with_progress(path, report))
}

/// Parses the `i`-th of `of` snapshots of a job and reduces it with
/// `reduce` (the "analyze" phase), so only the reduced form is kept.
fn reduce<T>(
  path: &Path,
  role: Option<&str>,
  i: usize,
  of: usize,
  progress: &(dyn Fn(&str, f64) + Sync),
  reduce: impl Fn(&HeapGraph) -> T,
) -> Result<T> {
  open_as(path, role, i, of, progress, |path, report| {
    let g = parse_with_progress(path, report)?;
    report(Stage::Analyze, 0.0);
    let t = reduce(&g);
    report(Stage::Analyze, 1.0);
    Ok(t)
  })
}

fn open_as<T>(
  path: &Path,
  role: Option<&str>,
  i: usize,
  of: usize,
  progress: &(dyn Fn(&str, f64) + Sync),
  opener: impl Fn(&Path, &(dyn Fn(Stage, f64) + Sync)) -> Result<T>,
) -> Result<T> {
  let span = (1.0 - REPORT_SHARE) / of as f64;
  let base = span * i as f64;
  let phase = |stage: &str| match role {
    Some(r) => format!("{stage} {r}"),
    None => stage.to_string(),
  };
  let (parse, analyze) = (phase("parse"), phase("analyze"));
  opener(path, &|stage, f| match stage {
    Stage::Parse => progress(&parse, base + span * PARSE_SHARE * f),
    Stage::Analyze => progress(&analyze, base + span * (PARSE_SHARE + (1.0 - PARSE_SHARE) * f)),
  })
  .map_err(|mut e| {
    // Say which file: a job may read three.
    let name = path.display().to_string();
    if !e.message.starts_with(&name) {
      e.message = format!("{name}: {}", e.message);
    }
    e
  })
}

/// Frees an analysed snapshot off the caller's path: handing a GB of
/// arrays back to the system takes tens of ms the result need not wait
/// for. Inline when no thread can be started.
fn release(s: Snapshot) {
  let _ = std::thread::Builder::new().name("leakwatch-free".into()).spawn(move || drop(s));
}

/// The report of a [`Job`], serialized as the report itself.
#[derive(serde::Serialize, Debug, Clone)]
#[serde(untagged)]
pub enum JobReport {
  Summary(report::Summary),
  Diff(report::Diff),
  Leaks(report::LeakReport),
  Retainers(report::RetainersReport),
}

/// Runs `job`, reporting progress, and returns its report.
pub fn run(job: &Job, progress: &(dyn Fn(&str, f64) + Sync)) -> Result<JobReport> {
  let report_start = 1.0 - REPORT_SHARE;
  let value = match job {
    Job::Analyze { path, top, sort } => {
      let s = open(path, None, 0, 1, progress)?;
      progress("report", report_start);
      let value = report::summary_report(&s, *top, *sort);
      release(s);
      JobReport::Summary(value)
    }
    Job::Diff { a, b, top } => {
      // A comparison needs classes and self sizes only: no dominators, and
      // only the per-class id lists are kept of each file.
      let da = reduce(a, Some("a"), 0, 2, progress, DiffSide::of_graph)?;
      let db = reduce(b, Some("b"), 1, 2, progress, DiffSide::of_graph)?;
      progress("report", report_start);
      JobReport::Diff(report::diff_sides_report(&da, &db, *top))
    }
    Job::FindLeaks {
      baseline,
      target,
      final_,
      top,
    } => {
      // Of the baseline and the target only sorted id lists are kept;
      // only the final snapshot is analysed in full.
      let ids_b = reduce(baseline, Some("baseline"), 0, 3, progress, leaks::baseline_ids)?;
      let ids_t = reduce(target, Some("target"), 1, 3, progress, |g| {
        let sizes = shallow_sizes(g);
        leaks::target_ids(g, |n| sizes.get(n))
      })?;
      let sf = open(final_, Some("final"), 2, 3, progress)?;
      progress("report", report_start);
      JobReport::Leaks(report::leaks_report_by_id(&ids_b, &ids_t, &sf, *top))
    }
    Job::Retainers { path, target, top } => {
      let s = open(path, None, 0, 1, progress)?;
      progress("report", report_start);
      let value = report::retainers_report(&s, target, *top);
      release(s);
      JobReport::Retainers(value?)
    }
  };
  progress("done", 1.0);
  Ok(value)
}
