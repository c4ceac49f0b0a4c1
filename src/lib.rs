//! leakwatch: a V8 garbage-collector watchdog for Node.js.
//!
//! The crate is a pure-Rust core (records, ring buffer, stats, detector,
//! snapshot engine) plus two thin edges: `v8` — the only module with `unsafe`,
//! which resolves V8's GC-callback entry points at run time — and `binding`,
//! the `#[napi]` surface wrapped by the hand-written `index.js`.
//! ARCHITECTURE.md explains how the pieces fit.

pub mod detector;
pub mod record;
pub mod snapshot;

#[napi_derive::napi]
pub fn ping() -> u32 {
  1
}
