//! leakwatch: a V8 garbage-collector watchdog for Node.js.
//!
//! The crate is a pure-Rust core (records, ring buffer, stats, events, the
//! per-isolate watch engine, the leak detector, the snapshot engine) plus two
//! thin edges: `v8` — the only module doing raw FFI, which resolves V8's
//! GC-callback entry points from the host process at run time — and
//! `binding`, the `#[napi]` surface wrapped by the hand-written `index.js`.
//! ARCHITECTURE.md explains how the pieces fit.

mod binding;
pub mod detector;
pub mod dump;
pub mod sites;
pub mod snapshot;
pub mod v8;
pub mod watch;

#[cfg(test)]
mod types;
