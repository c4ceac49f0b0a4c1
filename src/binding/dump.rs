//! The heap-dump binding (issue 4): guards and redaction, wrapped by
//! `lib/dump.js`.
