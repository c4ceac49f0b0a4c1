//! The single error type of the snapshot engine.
//!
//! Every failure — I/O, malformed JSON, a snapshot whose numbers do not add
//! up, a query about something that does not exist — is a [`SnapshotError`]
//! with a human-readable message (what) and, for parse errors, the byte
//! offset in the (decompressed) JSON text where the problem was noticed
//! (where). Its [`ErrorKind`] gives the stable code JS sees
//! (`ERR_LEAKWATCH_SNAPSHOT_IO`, …) and a hint on what to do.

use std::fmt;

/// What kind of problem a [`SnapshotError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
  /// Reading the file or decompressing it failed.
  Io,
  /// The bytes are not the JSON we expect (syntax, escapes, numbers).
  Syntax,
  /// The JSON is well formed but the snapshot is inconsistent (missing meta
  /// fields, wrong field counts, indices out of range, counts that lie).
  Format,
  /// A query referred to something the snapshot does not contain.
  Query,
  /// A bug in the engine (a panic caught at the binding's edge).
  Internal,
}

impl ErrorKind {
  /// The kind's name in the binding's `{error: {kind, …}}` envelope.
  pub fn name(self) -> &'static str {
    match self {
      ErrorKind::Io => "io",
      ErrorKind::Syntax => "syntax",
      ErrorKind::Format => "format",
      ErrorKind::Query => "query",
      ErrorKind::Internal => "internal",
    }
  }

  /// The `code` of the JS error.
  pub fn code(self) -> &'static str {
    match self {
      ErrorKind::Io => "ERR_LEAKWATCH_SNAPSHOT_IO",
      ErrorKind::Syntax => "ERR_LEAKWATCH_SNAPSHOT_SYNTAX",
      ErrorKind::Format => "ERR_LEAKWATCH_SNAPSHOT_FORMAT",
      ErrorKind::Query => "ERR_LEAKWATCH_SNAPSHOT_QUERY",
      ErrorKind::Internal => "ERR_LEAKWATCH_SNAPSHOT_INTERNAL",
    }
  }

  /// What to do about it.
  pub fn hint(self) -> &'static str {
    match self {
      ErrorKind::Io => "check that the file exists, is readable and, if gzip-compressed, complete",
      ErrorKind::Syntax => {
        "the file is not complete, valid JSON; was it truncated or corrupted? Write it again with \
         v8.writeHeapSnapshot() or DevTools"
      }
      ErrorKind::Format => {
        "the file is not a V8 heap snapshot, or is damaged; write it again with v8.writeHeapSnapshot() or DevTools"
      }
      ErrorKind::Query => "check the id or class name against analyze() of the same file",
      ErrorKind::Internal => "please report this with the snapshot file",
    }
  }
}

/// An error from parsing or querying a heap snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotError {
  /// The category of the error.
  pub kind: ErrorKind,
  /// A description meant for humans.
  pub message: String,
  /// Byte offset in the decompressed snapshot text, when known.
  pub offset: Option<u64>,
}

impl SnapshotError {
  /// An I/O or decompression failure.
  pub fn io(message: impl Into<String>) -> Self {
    SnapshotError {
      kind: ErrorKind::Io,
      message: message.into(),
      offset: None,
    }
  }

  /// A JSON syntax problem at `offset`.
  pub fn syntax(offset: usize, message: impl Into<String>) -> Self {
    SnapshotError {
      kind: ErrorKind::Syntax,
      message: message.into(),
      offset: Some(offset as u64),
    }
  }

  /// A structural problem, optionally located at `offset`.
  pub fn format(offset: Option<usize>, message: impl Into<String>) -> Self {
    SnapshotError {
      kind: ErrorKind::Format,
      message: message.into(),
      offset: offset.map(|o| o as u64),
    }
  }

  /// A query that cannot be answered.
  pub fn query(message: impl Into<String>) -> Self {
    SnapshotError {
      kind: ErrorKind::Query,
      message: message.into(),
      offset: None,
    }
  }
}

impl fmt::Display for SnapshotError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let what = match self.kind {
      ErrorKind::Io => "heap snapshot I/O error",
      ErrorKind::Syntax => "heap snapshot syntax error",
      ErrorKind::Format => "invalid heap snapshot",
      ErrorKind::Query => "heap snapshot query error",
      ErrorKind::Internal => "leakwatch",
    };
    match self.offset {
      Some(offset) => write!(f, "{what} at byte {offset}: {}", self.message),
      None => write!(f, "{what}: {}", self.message),
    }
  }
}

impl std::error::Error for SnapshotError {}

impl From<std::io::Error> for SnapshotError {
  fn from(e: std::io::Error) -> Self {
    SnapshotError::io(e.to_string())
  }
}

/// Shorthand used throughout the module.
pub type Result<T> = std::result::Result<T, SnapshotError>;

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn display_includes_offset() {
    let e = SnapshotError::syntax(42, "expected ','");
    assert_eq!(
      e.to_string(),
      "heap snapshot syntax error at byte 42: expected ','"
    );
    let e = SnapshotError::query("no node with id 7");
    assert_eq!(e.to_string(), "heap snapshot query error: no node with id 7");
  }

  #[test]
  fn codes_follow_the_kind_names() {
    for k in [ErrorKind::Io, ErrorKind::Syntax, ErrorKind::Format, ErrorKind::Query] {
      assert_eq!(k.code(), format!("ERR_LEAKWATCH_SNAPSHOT_{}", k.name().to_uppercase()));
      assert!(!k.hint().is_empty());
    }
  }
}
