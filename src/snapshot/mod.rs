//! The heap snapshot engine (issue 5): parse, summarize, dominators, diff.
