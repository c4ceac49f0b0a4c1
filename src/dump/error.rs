//! The error of dump post-processing (gzip, redaction): what failed, on
//! which file (and, for a snapshot the redactor cannot read, at which byte),
//! and what to do — with a stable [`DumpError::code`] for JS.
//!
//! | variant | code |
//! |---------|------|
//! | [`DumpError::Read`] (and an unreadable [`DumpError::Snapshot`]) | `ERR_LEAKWATCH_DUMP_READ` |
//! | [`DumpError::Snapshot`] | `ERR_LEAKWATCH_DUMP_SNAPSHOT` |
//! | [`DumpError::Create`] | `ERR_LEAKWATCH_DUMP_CREATE` |
//! | [`DumpError::Write`] | `ERR_LEAKWATCH_DUMP_WRITE` |
//! | [`DumpError::NothingToDo`] | `ERR_LEAKWATCH_DUMP_ARGS` |
//! | [`DumpError::Internal`] | `ERR_LEAKWATCH_DUMP_INTERNAL` |

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::snapshot::{ErrorKind, SnapshotError};

/// The post-processing step that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
  Compress,
  Redact,
}

impl Step {
  fn verb(self) -> &'static str {
    match self {
      Step::Compress => "compress",
      Step::Redact => "redact",
    }
  }

  fn output(self) -> &'static str {
    match self {
      Step::Compress => "the compressed dump",
      Step::Redact => "the redacted dump",
    }
  }
}

/// Why post-processing a written heap dump failed. The partial output file
/// is removed before one of these is returned.
#[derive(Debug)]
pub enum DumpError {
  /// The finished plain snapshot could not be opened or read.
  Read { step: Step, path: PathBuf, source: io::Error },
  /// The redactor could not read the snapshot at `path`: it is not a
  /// complete V8 heap snapshot (or reading it failed midway, kind `Io`).
  Snapshot { path: PathBuf, source: SnapshotError },
  /// The output file could not be created.
  Create { step: Step, path: PathBuf, source: io::Error },
  /// Writing, flushing or syncing the output file failed.
  Write { step: Step, path: PathBuf, source: io::Error },
  /// Neither gzip nor redaction was asked for.
  NothingToDo,
  /// A bug: post-processing `path` panicked.
  Internal { path: PathBuf },
}

impl DumpError {
  /// The stable `code` of the JS error.
  pub fn code(&self) -> &'static str {
    match self {
      DumpError::Read { .. } => "ERR_LEAKWATCH_DUMP_READ",
      DumpError::Snapshot { source, .. } if source.kind == ErrorKind::Io => "ERR_LEAKWATCH_DUMP_READ",
      DumpError::Snapshot { .. } => "ERR_LEAKWATCH_DUMP_SNAPSHOT",
      DumpError::Create { .. } => "ERR_LEAKWATCH_DUMP_CREATE",
      DumpError::Write { .. } => "ERR_LEAKWATCH_DUMP_WRITE",
      DumpError::NothingToDo => "ERR_LEAKWATCH_DUMP_ARGS",
      DumpError::Internal { .. } => "ERR_LEAKWATCH_DUMP_INTERNAL",
    }
  }
}

impl fmt::Display for DumpError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      DumpError::Read { step, path, source } => write!(
        f,
        "cannot read {} to {} it: {source}; check that the file exists and is readable",
        path.display(),
        step.verb()
      ),
      DumpError::Snapshot { path, source } => write!(
        f,
        "cannot redact {}: {source}; the snapshot is incomplete or damaged — take the dump again",
        path.display()
      ),
      DumpError::Create { step, path, source } => write!(
        f,
        "cannot create {} for {}: {source}; check that its directory is writable and holds no file of that name",
        path.display(),
        step.output()
      ),
      DumpError::Write { step, path, source } => write!(
        f,
        "writing {} to {} failed: {source}; check the free disk space, the disk quota and the file-size limit \
         (ulimit -f)",
        step.output(),
        path.display()
      ),
      DumpError::NothingToDo => write!(f, "nothing to do: neither gzip nor redact was asked for"),
      DumpError::Internal { path } => write!(
        f,
        "internal error while processing {} (a bug in leakwatch; please report it)",
        path.display()
      ),
    }
  }
}

impl std::error::Error for DumpError {
  fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
    match self {
      DumpError::Read { source, .. } | DumpError::Create { source, .. } | DumpError::Write { source, .. } => {
        Some(source)
      }
      DumpError::Snapshot { source, .. } => Some(source),
      DumpError::NothingToDo | DumpError::Internal { .. } => None,
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn messages_say_what_where_and_what_to_do() {
    let e = DumpError::Write {
      step: Step::Redact,
      path: "/d/x.tmp".into(),
      source: io::Error::other("No space left on device"),
    };
    assert_eq!(e.code(), "ERR_LEAKWATCH_DUMP_WRITE");
    let m = e.to_string();
    assert!(m.contains("/d/x.tmp") && m.contains("No space left") && m.contains("free disk space"), "{m}");
    let e = DumpError::Snapshot {
      path: "/d/x.raw".into(),
      source: SnapshotError::syntax(42, "expected ','"),
    };
    assert_eq!(e.code(), "ERR_LEAKWATCH_DUMP_SNAPSHOT");
    assert!(e.to_string().contains("at byte 42"), "{e}");
    let e = DumpError::Snapshot {
      path: "/d/x.raw".into(),
      source: SnapshotError::io("read error"),
    };
    assert_eq!(e.code(), "ERR_LEAKWATCH_DUMP_READ");
  }
}
