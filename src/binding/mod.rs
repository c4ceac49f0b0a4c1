//! The `#[napi]` surface: thin layers between the hand-written JS (`index.js`,
//! `lib/`) and the pure-Rust core, one file per concern. No logic lives here
//! beyond argument checking and conversion; results cross as JSON strings
//! where that saves per-field glue.

pub mod dump;
pub mod sampling;
pub mod snapshot;
pub mod watchdog;
