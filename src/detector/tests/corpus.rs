//! The detection corpus, replayed: GC and memory traces of the bench's
//! programs (`npm run bench:detect -- --trace test/fixtures/corpus-traces`,
//! several seeds each), fed through the detector exactly as the live
//! watchdog feeds it. Judged against the bars: every leak of ≥ 1 MB/s
//! signalled (`leak-suspected` or `leak`) within 30 s of load start, every
//! leak of ≥ 50 kB/s within 3 minutes, of the right kind; no `leak` from a
//! benign program or a thread that does not leak; the same verdict on every
//! seed of a program. Prints the table (`cargo test corpus -- --nocapture`).
//!
//! Traces are gzip'd JSON lines (see `traces.rs` for the row format); the
//! header says the program (`scenario`), its `seed`, whether this thread
//! leaks (`leak`), which memory (`kind`), the nominal rate (`rate`, bytes/s,
//! a lower bound over seeds), when the process started (`processStartMs`,
//! on the trace's clock) and how long after that the load began
//! (`uptimeAtLoadMs`).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use super::traces_support::{load_text, replay_trace};
use super::*;

struct Row {
  file: String,
  scenario: String,
  seed: u64,
  leak: bool,
  kind: String,
  rate: f64,
  first_signal: Option<f64>,
  first_leak: Option<f64>,
  got_kind: Option<String>,
  leaks: usize,
  suspected: usize,
}

fn corpus_dir() -> PathBuf {
  PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test/fixtures/corpus-traces")
}

fn read(path: &PathBuf) -> String {
  let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
  if path.extension().is_some_and(|e| e == "gz") {
    let mut s = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
      .read_to_string(&mut s)
      .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    s
  } else {
    String::from_utf8(bytes).unwrap()
  }
}

fn rows() -> Vec<Row> {
  let Ok(dir) = std::fs::read_dir(corpus_dir()) else {
    return Vec::new();
  };
  let mut files: Vec<PathBuf> = dir
    .filter_map(|e| e.ok().map(|e| e.path()))
    .filter(|p| p.to_string_lossy().ends_with(".jsonl.gz") || p.to_string_lossy().ends_with(".jsonl"))
    .collect();
  files.sort();
  let mut out = Vec::new();
  for path in files {
    let t = load_text(&path.to_string_lossy(), &read(&path));
    let h = &t.header;
    // The load began `uptimeAtLoadMs` after the process started; the
    // thread's warm-up counts from its own time origin (0 on its clock), as
    // index.js tells the live detector.
    let load_start = t.start_ms.unwrap_or(0.0) + h["uptimeAtLoadMs"].as_f64().unwrap_or(0.0);
    let mut d = Detector::new(DetectorConfig::default(), t.space_names.clone()).unwrap();
    d.set_start_ms(0.0);
    let ev = replay_trace(&mut d, &t, None);
    let since = |at_ms: f64| (at_ms - load_start) / 1000.0;
    let first_signal = ev
      .iter()
      .find(|(_, e)| matches!(e, DetectorEvent::Leak(_)))
      .map(|(t, _)| since(*t));
    let first_leak_ev = ev.iter().find(|(_, e)| e.name() == "leak");
    let got_kind = ev
      .iter()
      .find_map(|(_, e)| match e {
        DetectorEvent::Leak(l) if l.confirmed => Some(l.kind.to_string()),
        _ => None,
      })
      .or_else(|| {
        ev.iter().find_map(|(_, e)| match e {
          DetectorEvent::Leak(l) => Some(l.kind.to_string()),
          _ => None,
        })
      });
    out.push(Row {
      file: path.file_name().unwrap().to_string_lossy().into_owned(),
      scenario: h["scenario"].as_str().unwrap_or("?").to_string(),
      seed: h["seed"].as_u64().unwrap_or(0),
      leak: t.leak,
      kind: h["kind"].as_str().unwrap_or("").to_string(),
      rate: h["rate"].as_f64().unwrap_or(0.0),
      first_signal,
      first_leak: first_leak_ev.map(|(t, _)| since(*t)),
      got_kind,
      leaks: ev.iter().filter(|(_, e)| e.name() == "leak").count(),
      suspected: ev.iter().filter(|(_, e)| e.name() == "leak-suspected").count(),
    });
  }
  out
}

/// What is wrong with one replayed trace, if anything.
fn verdict(r: &Row) -> Option<String> {
  if r.leak {
    let bound = if r.rate >= 1e6 {
      30.0
    } else if r.rate >= 50e3 {
      180.0
    } else {
      f64::INFINITY
    };
    match r.first_signal {
      None => return Some("missed".into()),
      Some(t) if t > bound => return Some(format!("late: {t:.1} s > {bound} s")),
      _ => {}
    }
    if !r.kind.is_empty() && r.got_kind.as_deref() != Some(r.kind.as_str()) {
      return Some(format!("kind {:?}, expected {}", r.got_kind, r.kind));
    }
    None
  } else if r.leaks > 0 {
    Some(format!("{} false leak event(s)", r.leaks))
  } else {
    None
  }
}

#[test]
fn corpus_replay_meets_the_bars() {
  let rows = rows();
  if rows.is_empty() {
    eprintln!("no corpus traces in {}", corpus_dir().display());
    return;
  }
  let s = |x: Option<f64>| x.map_or("—".to_string(), |t| format!("{t:.1} s"));
  eprintln!(
    "| trace | seed | leaks? | kind | rate | first signal | first leak | got kind | leak/suspected | |"
  );
  eprintln!("|---|---|---|---|---|---|---|---|---|---|");
  let mut bad = Vec::new();
  for r in &rows {
    let v = verdict(r);
    eprintln!(
      "| {} | {} | {} | {} | {} | {} | {} | {} | {}/{} | {} |",
      r.file,
      r.seed,
      if r.leak { "leak" } else { "no" },
      r.kind,
      if r.rate > 0.0 {
        format!("{:.0} kB/s", r.rate / 1e3)
      } else {
        "—".into()
      },
      s(r.first_signal),
      s(r.first_leak),
      r.got_kind.as_deref().unwrap_or("—"),
      r.leaks,
      r.suspected,
      v.as_deref().unwrap_or("ok")
    );
    if let Some(v) = v {
      bad.push(format!("{}: {v}", r.file));
    }
  }
  // The same verdict on every seed of a program (and thread).
  let mut by: BTreeMap<String, Vec<bool>> = BTreeMap::new();
  for r in &rows {
    let thread = if r.file.contains("-worker") { "-worker" } else { "" };
    let got = if r.leak {
      r.first_signal.is_some()
    } else {
      r.leaks == 0
    };
    by.entry(format!("{}{thread}", r.scenario)).or_default().push(got);
  }
  for (k, v) in &by {
    if v.iter().any(|&x| x != v[0]) {
      bad.push(format!("{k}: verdicts differ across seeds {v:?}"));
    }
  }
  let leaks = rows.iter().filter(|r| r.leak).count();
  let caught = rows.iter().filter(|r| r.leak && verdict(r).is_none()).count();
  let benign = rows.len() - leaks;
  let quiet = rows.iter().filter(|r| !r.leak && r.leaks == 0).count();
  eprintln!("\n{} traces of {} programs: {caught}/{leaks} leaks signalled in time and of the right kind, {quiet}/{benign} benign traces without a `leak`", rows.len(), by.len());
  assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn corpus_traces_stay_small() {
  let Ok(dir) = std::fs::read_dir(corpus_dir()) else {
    return;
  };
  let total: u64 = dir.map(|e| e.unwrap().metadata().unwrap().len()).sum();
  assert!(
    total < 8 << 20,
    "{total} bytes: gzip the traces (the replay reads .jsonl.gz)"
  );
}

/// A fast heap leak (5–11 MB/s) gets its full GCs far apart (V8 spaces them
/// as the heap grows): in these 180 s traces the only one past the warm-up
/// comes at ~106–113 s, and the confirmed floors before it are flat (the
/// staircase of `signals.rs`). That one baseline, above every earlier one,
/// confirms the leak (`confirmed_by: "baseline"`).
#[test]
fn a_fast_heap_leak_is_confirmed_by_its_first_baseline_past_the_warm_up() {
  for name in ["express-audit-s21.jsonl.gz", "batch-history-s21.jsonl.gz"] {
    let path = corpus_dir().join(name);
    let t = load_text(name, &read(&path));
    let load_start = t.start_ms.unwrap_or(0.0) + t.header["uptimeAtLoadMs"].as_f64().unwrap_or(0.0);
    let mut d = Detector::new(DetectorConfig::default(), t.space_names.clone()).unwrap();
    d.set_start_ms(0.0);
    let ev = replay_trace(&mut d, &t, None);
    let leak = ev.iter().find_map(|(at, e)| match e {
      DetectorEvent::Leak(l) if l.confirmed => Some(((at - load_start) / 1000.0, l)),
      _ => None,
    });
    let (at, l) = leak.unwrap_or_else(|| panic!("{name}: no confirmed leak"));
    assert!(at > 60.0 && at < 120.0, "{name}: leak at {at:.1} s");
    assert_eq!((l.kind, l.confirmed_by), ("heap", "baseline"), "{name}");
  }
}
