//! The heap snapshot engine (issue 5): parse, summarize, dominators, diff.

pub mod error;
pub mod graph;
pub mod parse;
pub mod scan;
