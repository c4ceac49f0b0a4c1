//! The `#[napi]` surface: thin layers between the hand-written JS (`index.js`,
//! `lib/`) and the pure-Rust core, one file per concern. No logic lives here
//! beyond argument checking and conversion. Results cross as JSON strings
//! (one `JSON.parse` beats building objects field by field through N-API for
//! the drain's batches); their shapes are the core's typed structs, whose
//! TypeScript declarations `src/types.rs` generates into `index.d.ts`.

pub mod dump;
pub mod sampling;
pub mod snapshot;
pub mod watchdog;

/// The JSON text of a typed result. Our shapes have string keys only, so
/// serde cannot fail on them; `null` would be the answer if one ever did.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
  serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}
