//! Heap dumps: the pure parts — dump guards (memory, cgroup and disk
//! estimates) and snapshot redaction, plus private-file creation, gzip and
//! their error type. The JS side (`lib/dump/*.js`) takes the snapshot; this
//! module decides whether it is safe and post-processes the file.
//!
//! | file | concern |
//! |------|---------|
//! | `guards.rs` | memory/disk estimate against meminfo, cgroup v1/v2, free disk |
//! | `redact.rs` | two-pass streaming rewrite of the `strings` array (on the snapshot engine's section reader) |
//! | `gzip.rs` | streaming gzip of a finished plain snapshot |
//! | `files.rs` | exclusive 0600 file creation |
//! | `error.rs` | [`DumpError`]: what failed, on which file, what to do; stable JS codes |

pub mod error;
pub mod files;
pub mod guards;
pub mod gzip;
pub mod redact;

pub use error::{DumpError, Step};
