//! Parser/analysis timing on a big snapshot (ignored by default).
//!
//! ```text
//! LEAKWATCH_BIG_SNAPSHOT=/tmp/big.heapsnapshot \
//!   cargo test --release --lib snapshot::perf_tests -- --ignored --nocapture
//! ```
//! Without the variable a synthetic 2M-node snapshot is generated in memory.
//! This prints timings; it asserts only that the work succeeds.

use std::fmt::Write;
use std::time::Instant;

use super::*;

fn synthetic(nodes: u32) -> Vec<u8> {
  let mut out = String::with_capacity(nodes as usize * 60);
  out.push_str(
    "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\",\"trace_node_id\",\"detachedness\"],\
     \"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\",\"closure\",\"regexp\",\"number\",\"native\",\"synthetic\"],\
     \"string\",\"number\",\"number\",\"number\",\"number\",\"number\"],\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],\
     \"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\",\"shortcut\",\"weak\"],\"string_or_number\",\"node\"]},\
     \"trace_function_count\":0},\"nodes\":[",
  );
  let mut x: u64 = 12345;
  let mut rnd = move |m: u32| {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x % m as u64) as u32
  };
  let mut edges = String::with_capacity(nodes as usize * 40);
  let mut edge_total = 0;
  for i in 0..nodes {
    let (ty, count) = if i == 0 { (9, 1) } else { (3, 3) };
    let _ = write!(
      out,
      "{}{ty},{},{},{},{count},0,0",
      if i == 0 { "" } else { "," },
      rnd(1000),
      2 * i + 1,
      16 + rnd(64)
    );
    for k in 0..count {
      // A tree (i → 2i+1) plus random cross edges.
      let to = if k == 0 {
        (2 * i + 1).min(nodes - 1)
      } else {
        rnd(nodes)
      };
      let _ = write!(
        edges,
        "{}2,{},{}",
        if edge_total == 0 { "" } else { "," },
        rnd(1000),
        to * 7
      );
      edge_total += 1;
    }
  }
  out.push_str("],\"edges\":[");
  out.push_str(&edges);
  out.push_str("],\"strings\":[");
  for s in 0..1000 {
    let _ = write!(out, "{}\"name \\u00e9 {s}\"", if s == 0 { "" } else { "," });
  }
  out.push_str("]}");
  out.into_bytes()
}

/// CPU seconds (user + system, all threads) this process has used so far
/// (0 where /proc is missing).
fn cpu_secs() -> f64 {
  let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
  // Fields after the command name (which is in parentheses): utime is the
  // 12th, stime the 13th, in clock ticks (100 a second on Linux).
  let after = stat.rsplit(')').next().unwrap_or("");
  let f: Vec<&str> = after.split_whitespace().collect();
  let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
  (tick(11) + tick(12)) / 100.0
}

/// VmHWM of this process in MB (0 where /proc is missing).
fn peak_rss_mb() -> u64 {
  let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
  status
    .lines()
    .find(|l| l.starts_with("VmHWM:"))
    .and_then(|l| l.split_whitespace().nth(1))
    .and_then(|kb| kb.parse::<u64>().ok())
    .map(|kb| kb / 1024)
    .unwrap_or(0)
}

#[test]
#[ignore]
fn perf_parse_and_analyze_big_snapshot() {
  let (graph, size, parse_time) = match std::env::var("LEAKWATCH_BIG_SNAPSHOT") {
    Ok(path) => {
      let size = std::fs::metadata(&path).unwrap().len() as usize;
      let t = Instant::now();
      (parse::parse_file(&path).unwrap(), size, t.elapsed())
    }
    Err(_) => {
      let bytes = synthetic(2_000_000);
      let t = Instant::now();
      (parse::parse_bytes(&bytes).unwrap(), bytes.len(), t.elapsed())
    }
  };
  let (nodes, edges, text) = (
    graph.node_count(),
    graph.edge_count(),
    graph.strings().text_bytes(),
  );
  let hwm_parse = peak_rss_mb();
  let t = Instant::now();
  let s = Snapshot::analyze(graph);
  let analyze_time = t.elapsed();
  let hwm_analyze = peak_rss_mb();
  let t = Instant::now();
  let rows = summary(&s);
  let summary_time = t.elapsed();
  println!(
    "{} MB, {nodes} nodes, {edges} edges, {} strings, {} KB string text: parse {parse_time:?} ({:.0} MB/s), analyze {analyze_time:?}, summary {summary_time:?}, {} classes; peak RSS after parse {hwm_parse} MB, after analyze {hwm_analyze} MB, after summary {} MB",
    size >> 20,
    s.graph().strings().len(),
    text >> 10,
    size as f64 / 1e6 / parse_time.as_secs_f64(),
    rows.len(),
    peak_rss_mb()
  );
  assert!(!rows.is_empty());
}

/// Each analysis phase timed on its own, sequentially (what
/// `Snapshot::analyze` overlaps is listed separately there).
#[test]
#[ignore]
fn perf_analysis_phases() {
  let Ok(path) = std::env::var("LEAKWATCH_BIG_SNAPSHOT") else {
    return;
  };
  let t = Instant::now();
  let c = cpu_secs();
  let g = parse::parse_file(&path).unwrap();
  println!(
    "parse {:?}, {:.2} s of CPU (peak RSS {} MB)",
    t.elapsed(),
    cpu_secs() - c,
    peak_rss_mb()
  );
  let copy = g.clone();
  let t = Instant::now();
  let c = cpu_secs();
  let s = Snapshot::analyze(copy);
  println!(
    "Snapshot::analyze {:?}, {:.2} s of CPU",
    t.elapsed(),
    cpu_secs() - c
  );
  drop(s);
  let t = Instant::now();
  let tree = dominators::dominators(&g);
  println!("dominators {:?} (peak RSS {} MB)", t.elapsed(), peak_rss_mb());
  let t = Instant::now();
  let d = distances::compute(&g, false);
  println!("distances {:?}", t.elapsed());
  let t = Instant::now();
  let ss = sizes::shallow_sizes(&g);
  println!("shallow sizes {:?}", t.elapsed());
  let t = Instant::now();
  let rs = dominators::retained_sizes(&ss, &tree, g.root());
  println!("retained sizes {:?}", t.elapsed());
  let t = Instant::now();
  let c = classes::Classes::build(&g);
  println!("classes {:?}", t.elapsed());
  let t = Instant::now();
  let dn = dominators::DominatedNodes::build(&tree.idom, g.root());
  println!("  (dominated-nodes lists alone {:?})", t.elapsed());
  drop(dn);
  let t = Instant::now();
  let k = crate::snapshot::classes::class_retained_totals(&c, &tree.idom, &ss, &rs, g.root());
  println!("class retained {:?} (peak RSS {} MB)", t.elapsed(), peak_rss_mb());
  assert_eq!(d.dist.len(), k.len().max(d.dist.len()));
}
