//! The leak detector (issue 3): a pure-Rust trend engine fed by GC records.
