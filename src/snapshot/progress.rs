//! Progress while opening a snapshot file.
//!
//! Parsing dominates the cost of an analysis, and it is a stream over the
//! file, so the fraction of the file's bytes read (compressed bytes for a
//! `.gz`) is an honest measure of it. [`open_with_progress`] reports that
//! fraction as it reads, then a mark before and after the analysis proper.

use std::io::Read;
use std::path::Path;

use super::analysis::Snapshot;
use super::error::{Result, SnapshotError};
use super::graph::HeapGraph;
use super::parse;

/// Where an [`open_with_progress`] call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
  /// Reading and parsing; the fraction is of the file's bytes.
  Parse,
  /// Dominators, distances, retained sizes; 0 at the start, 1 at the end.
  Analyze,
}

/// A reader that reports the fraction of `total` bytes read, at most about
/// once per percent.
struct CountingReader<'a, R> {
  inner: R,
  read: u64,
  total: u64,
  next_report: u64,
  report: &'a (dyn Fn(Stage, f64) + Sync),
}

impl<R: Read> Read for CountingReader<'_, R> {
  fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
    let n = self.inner.read(buf)?;
    self.read += n as u64;
    if self.read >= self.next_report && self.total > 0 {
      (self.report)(Stage::Parse, (self.read as f64 / self.total as f64).min(1.0));
      self.next_report = self.read + (self.total / 100).max(1);
    }
    Ok(n)
  }
}

/// Like [`Snapshot::open`], calling `report` as it goes.
pub fn open_with_progress(path: &Path, report: &(dyn Fn(Stage, f64) + Sync)) -> Result<Snapshot> {
  let graph = parse_with_progress(path, report)?;
  report(Stage::Analyze, 0.0);
  let snapshot = Snapshot::analyze(graph);
  report(Stage::Analyze, 1.0);
  Ok(snapshot)
}

/// Parses `path` into a graph (no analysis), reporting the parse stage.
pub fn parse_with_progress(path: &Path, report: &(dyn Fn(Stage, f64) + Sync)) -> Result<HeapGraph> {
  let file = std::fs::File::open(path).map_err(|e| SnapshotError::io(format!("{}: {e}", path.display())))?;
  let total = file
    .metadata()
    .map_err(|e| SnapshotError::io(format!("{}: {e}", path.display())))?
    .len();
  report(Stage::Parse, 0.0);
  let reader = CountingReader {
    inner: file,
    read: 0,
    total,
    next_report: 0,
    report,
  };
  let graph = parse::parse_reader(reader)?;
  report(Stage::Parse, 1.0);
  Ok(graph)
}
