//! Allocation sites: which line of the program keeps allocating memory that
//! stays alive.
//!
//! Fed by V8's sampling heap profiler (`src/v8/sampling.rs` reads it, on the
//! JS thread, never in a GC callback): every reading is a [`Profile`], the
//! live sampled bytes per call stack. [`SiteTable`] folds stacks into sites
//! (the first frame of the application's own code), keeps a bounded series
//! of live bytes per site and ranks the sites that grow over a window, which
//! is how a `leak` event names where the leak is allocated without a heap
//! dump. Pure Rust: `cargo test` without Node.

pub mod profile;
pub mod table;

pub use profile::{Frame, FrameTable, Origin, Profile, ProfileNode};
pub use table::{GrowingSite, SiteTable};
