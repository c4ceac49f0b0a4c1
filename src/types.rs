//! The TypeScript declarations of every shape the native side sends to JS,
//! generated from the Rust structs that define them (with ts-rs, a test-only
//! dependency), so `index.d.ts` cannot drift from what the addon sends.
//!
//! `index.d.ts` holds the generated block between two marker lines; the
//! hand-written declarations around it add only what JS alone makes (the
//! `Date`s of `leak` events, the sites' statements, the API's methods). The
//! test below fails when the block differs from what the structs say; with
//! `LEAKWATCH_WRITE_TYPES=1` (`npm run types`) it rewrites the block.

use ts_rs::{Config, TS};

use crate::detector::events::{Episode, KindState, Kinds, MemoryRates};
use crate::detector::{DetectorConfig, DetectorState, HeapLimitEvent, LeakEndEvent, LeakEvent, MemoryLimitEvent};
use crate::sites::table::{SiteFrame, SitePlace, SiteReport};
use crate::snapshot::analysis::NodeInfo;
use crate::snapshot::diff::ClassDiff;
use crate::snapshot::report::{
  ClassRetainers, ClassSummary, ClosureOnPath, Diff, HeapDiffChange, HeapDiffDetail, HeapDiffResult, HeapDiffSide,
  LeakClass, LeakPathGroup, LeakReport, NodeRetainers, PathFields, PathStep, Retainer, Summary,
};
use crate::watch::record::HeapStats;
use crate::watch::events::{GcEvent, KindCount, MemwatchFields, StatsEvent, TimelinePoint, WatchStats};

const BEGIN: &str = "  // ---- generated from src/ by `npm run types` (src/types.rs): do not edit ----";
const END: &str = "  // ---- end of generated declarations ----";

fn decl<T: TS>(cfg: &Config) -> String {
  let mut out = String::new();
  if let Some(docs) = T::docs() {
    out.push_str(&doc(&docs, "  "));
  }
  out.push_str("  ");
  out.push_str(&pretty(&T::decl(cfg)));
  out
}

/// A JSDoc block at `indent`: one line when the text is one line.
fn doc(block: &str, indent: &str) -> String {
  let inner = block.trim();
  let inner = inner.strip_prefix("/**").unwrap_or(inner);
  let inner = inner.strip_suffix("*/").unwrap_or(inner);
  let lines: Vec<&str> = inner
    .trim()
    .lines()
    .map(str::trim)
    .map(|l| l.strip_prefix("* ").or_else(|| l.strip_prefix('*')).unwrap_or(l))
    .collect();
  match lines.as_slice() {
    [one] => format!("{indent}/** {one} */\n"),
    _ => {
      let mut out = format!("{indent}/**\n");
      for l in lines {
        out.push_str(&format!("{indent} *{}{l}\n", if l.is_empty() { "" } else { " " }));
      }
      out.push_str(&format!("{indent} */\n"));
      out
    }
  }
}

/// ts-rs writes a declaration on one line with its field docs inline:
/// this lays out the outermost object one field a line, each after its doc.
fn pretty(decl: &str) -> String {
  let mut out = String::new();
  let (mut depth, mut field, mut docs) = (0usize, String::new(), String::new());
  let mut rest = decl;
  while let Some(c) = rest.chars().next() {
    if depth == 1 && rest.starts_with("/**") {
      let end = rest.find("*/").map_or(rest.len(), |i| i + 2);
      docs.push_str(&doc(&rest[..end], "    "));
      rest = &rest[end..];
      continue;
    }
    rest = &rest[c.len_utf8()..];
    match c {
      '{' if depth == 0 => {
        depth = 1;
        out.push_str("{\n");
      }
      '}' if depth == 1 => {
        depth = 0;
        push_field(&mut out, &mut field, &mut docs);
        out.push_str("  }");
      }
      ',' if depth == 1 => push_field(&mut out, &mut field, &mut docs),
      _ if depth == 0 => out.push(c),
      _ => {
        match c {
          '{' | '<' | '(' | '[' => depth += 1,
          '}' | '>' | ')' | ']' => depth -= 1,
          _ => {}
        }
        field.push(c);
      }
    }
  }
  out
}

fn push_field(out: &mut String, field: &mut String, docs: &mut String) {
  let f = field.trim();
  if !f.is_empty() {
    out.push_str(docs);
    out.push_str(&format!("    {f};\n"));
  }
  field.clear();
  docs.clear();
}

/// The generated block, indented for the `leakwatch` namespace.
pub fn generated() -> String {
  let cfg = Config::new().with_large_int("number");
  let decls = [
    decl::<GcEvent>(&cfg),
    decl::<HeapStats>(&cfg),
    decl::<MemwatchFields>(&cfg),
    decl::<StatsEvent>(&cfg),
    decl::<KindCount>(&cfg),
    decl::<TimelinePoint>(&cfg),
    decl::<WatchStats>(&cfg),
    decl::<MemoryRates>(&cfg),
    decl::<LeakEvent>(&cfg),
    decl::<LeakEndEvent>(&cfg),
    decl::<HeapLimitEvent>(&cfg),
    decl::<MemoryLimitEvent>(&cfg),
    decl::<KindState>(&cfg),
    decl::<Kinds>(&cfg),
    decl::<Episode>(&cfg),
    decl::<DetectorState>(&cfg),
    decl::<DetectorConfig>(&cfg),
    decl::<SiteFrame>(&cfg),
    decl::<SitePlace>(&cfg),
    decl::<SiteReport>(&cfg),
    decl::<NodeInfo>(&cfg),
    decl::<PathStep>(&cfg),
    decl::<ClosureOnPath>(&cfg),
    decl::<PathFields>(&cfg),
    decl::<ClassSummary>(&cfg),
    decl::<Summary>(&cfg),
    decl::<ClassDiff>(&cfg),
    decl::<Diff>(&cfg),
    decl::<LeakClass>(&cfg),
    decl::<LeakPathGroup>(&cfg),
    decl::<LeakReport>(&cfg),
    decl::<Retainer>(&cfg),
    decl::<NodeRetainers>(&cfg),
    decl::<ClassRetainers>(&cfg),
    decl::<HeapDiffSide>(&cfg),
    decl::<HeapDiffDetail>(&cfg),
    decl::<HeapDiffChange>(&cfg),
    decl::<HeapDiffResult>(&cfg),
  ];
  decls.join("\n\n")
}

/// `index.d.ts` with its generated block replaced by `block`; None when the
/// marker lines are missing.
fn with_block(text: &str, block: &str) -> Option<String> {
  let start = text.find(BEGIN)? + BEGIN.len();
  let end = text[start..].find(END)? + start;
  Some(format!("{}\n{block}\n{}", &text[..start], &text[end..]))
}

#[test]
fn index_d_ts_declares_what_the_addon_sends() {
  let path = concat!(env!("CARGO_MANIFEST_DIR"), "/index.d.ts");
  let text = std::fs::read_to_string(path).expect("index.d.ts is readable");
  let want = with_block(&text, &generated()).unwrap_or_else(|| {
    panic!("index.d.ts has lost its generated-block markers:\n{BEGIN}\n{END}")
  });
  if want == text {
    return;
  }
  if std::env::var_os("LEAKWATCH_WRITE_TYPES").is_some() {
    std::fs::write(path, want).expect("index.d.ts is writable");
    return;
  }
  let first = want.lines().zip(text.lines()).position(|(a, b)| a != b).unwrap_or(0);
  panic!(
    "index.d.ts's generated types differ from the Rust structs from line {} on:\n  now:  {}\n  want: {}\n\
     A struct sent to JS changed: run `npm run types` to regenerate the block, and check the hand-written \
     declarations that use it.",
    first + 1,
    text.lines().nth(first).unwrap_or(""),
    want.lines().nth(first).unwrap_or(""),
  );
}

#[test]
fn the_layout_keeps_fields_docs_and_nesting() {
  let d = pretty("type A = { /** Doc. */ a: number, b: Record<string, { x: number, y: string }>, c: 'p' | 'q', };");
  assert_eq!(
    d,
    "type A = {\n    /** Doc. */\n    a: number;\n    b: Record<string, { x: number, y: string }>;\n    c: 'p' | 'q';\n  };"
  );
  assert_eq!(with_block(&format!("x\n{BEGIN}\nold\n{END}\ny"), "new").unwrap(), format!("x\n{BEGIN}\nnew\n{END}\ny"));
  assert!(with_block("no markers", "new").is_none());
}
