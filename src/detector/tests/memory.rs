//! The detector on whole-process memory: synthetic services whose heap,
//! external memory (Buffers) and native memory follow known curves, fed as
//! the live detector is fed (GC records, then a memory reading a second).
//! Real recorded traces of the bench's programs are replayed in
//! `tests/traces.rs`.

use super::traces_support::synthetic_gc;
use super::*;
use crate::watch::record::GcRecord;

const MB: f64 = 1e6;

/// What a synthetic service's memory does at `t` seconds.
struct Shape {
  /// Live heap, external memory and native memory (bytes) at t.
  heap: Box<dyn Fn(f64) -> f64>,
  external: Box<dyn Fn(f64) -> f64>,
  native: Box<dyn Fn(f64) -> f64>,
  /// Garbage that piles up between full GCs, bytes/s: heap and external.
  heap_garbage: f64,
  external_garbage: f64,
  /// A full GC every this many seconds.
  full_every: f64,
  limit: u64,
}

impl Shape {
  fn flat() -> Shape {
    Shape {
      heap: Box::new(|_| 30.0 * MB),
      external: Box::new(|_| 2.0 * MB),
      native: Box::new(|_| 40.0 * MB),
      heap_garbage: 1.0 * MB,
      external_garbage: 0.5 * MB,
      full_every: 8.0,
      limit: 4 << 30,
    }
  }
}

enum In {
  Gc(GcRecord),
  Mem(MemorySample),
}

/// Scavenges every 0.5 s, a full GC every `full_every`, a memory reading
/// every second; `start` s after the thread started.
fn feed(shape: &Shape, seconds: f64) -> Vec<(f64, In)> {
  let mut out = Vec::new();
  let mut last_full = 0.0;
  let mut seq = 0;
  let n = (seconds * 2.0) as usize;
  for i in 1..=n {
    let t = i as f64 * 0.5;
    let full = t - last_full >= shape.full_every - 1e-9;
    if full {
      last_full = t;
    }
    let since = t - last_full;
    let heap_used = (shape.heap)(t) + shape.heap_garbage * since;
    seq += 1;
    let mut r = synthetic_gc(
      seq,
      full,
      t,
      5_000_000_000_000,
      1_000_000,
      heap_used as u64,
      shape.limit,
      1,
    );
    r.spaces[0].used = heap_used as u64;
    out.push((t, In::Gc(r)));
    if i % 2 == 0 {
      let ext = (shape.external)(t) + shape.external_garbage * since;
      let heap_total = heap_used * 1.2 + 4.0 * MB;
      let m = MemorySample {
        t_ms: (t * 1e9 + 5_000_000_000_000.0 + 2_000_000.0) / 1e6,
        wall_ms: 1.7e12 + t * 1000.0 + 2.0,
        rss: (heap_total + ext + (shape.native)(t)) as u64,
        heap_total: heap_total as u64,
        heap_used: heap_used as u64,
        external: ext as u64,
        array_buffers: ext as u64,
        others: 0,
      };
      out.push((t, In::Mem(m)));
    }
  }
  out
}

/// Runs a detector over `shape` for `seconds`; the thread started `age` s
/// before the first input. `limit` is a container limit (usage = RSS).
fn run(shape: &Shape, seconds: f64, age: f64, limit: Option<u64>) -> (Detector, Vec<(f64, DetectorEvent)>) {
  let mut d = Detector::new(DetectorConfig::default(), vec!["old_space".into()]).unwrap();
  d.set_start_ms(5_000_000.0 - age * 1000.0);
  let mut ev = Vec::new();
  for (t, i) in feed(shape, seconds) {
    let out = match i {
      In::Gc(r) => d.observe(&r),
      In::Mem(m) => d.observe_memory(
        &m,
        limit.map(|l| MemoryLimit {
          limit: l,
          usage: m.rss,
        }),
      ),
    };
    ev.extend(out.into_iter().map(|e| (t, e)));
  }
  (d, ev)
}

fn leaks(ev: &[(f64, DetectorEvent)]) -> Vec<(f64, &LeakEvent)> {
  ev.iter()
    .filter_map(|(t, e)| match e {
      DetectorEvent::Leak(l) => Some((*t, l)),
      _ => None,
    })
    .collect()
}

fn names(ev: &[(f64, DetectorEvent)]) -> Vec<(f64, &'static str)> {
  ev.iter().map(|(t, e)| (t.round(), e.name())).collect()
}

#[test]
fn a_buffer_leak_is_external_at_its_real_rate() {
  // 8 MB/s of Buffers kept per request; the V8 heap grows 20 kB/s (the
  // Buffer objects): under 1 % of the growth is in the heap.
  let shape = Shape {
    heap: Box::new(|t| 30.0 * MB + 20e3 * t),
    external: Box::new(|t| 2.0 * MB + 8.0 * MB * t),
    external_garbage: 3.0 * MB,
    ..Shape::flat()
  };
  let (d, ev) = run(&shape, 120.0, 0.0, None);
  let l = leaks(&ev);
  eprintln!("buffer leak: {:?}", names(&ev));
  let (t0, first) = l[0];
  assert!(t0 <= 30.0, "first signal at {t0}");
  assert_eq!(first.kind, "external");
  assert!(!first.confirmed, "young process: a suspicion first");
  let (t1, leak) = *l.iter().find(|x| x.1.confirmed).expect("confirmed");
  assert!(t1 <= 90.0, "leak at {t1}");
  assert_eq!(leak.kind, "external");
  assert_eq!(leak.confirmed_by, "duration");
  // The process's real growth: RSS grows by external + the heap's 1.2x.
  let real = 8.0 * MB + 1.2 * 20e3;
  assert!(
    (leak.rate_bytes_per_sec - real).abs() < 0.25 * real,
    "{} vs {real}",
    leak.rate_bytes_per_sec
  );
  assert!(
    leak
      .reason
      .starts_with("external memory (Buffers, ArrayBuffers) growth over "),
    "{}",
    leak.reason
  );
  assert!(
    leak.rates[Kind::Heap.index()].is_some_and(|h| h < 0.01 * real),
    "{:?}",
    leak.rates
  );
  assert!(
    leak.rates[Kind::Rss.index()].is_some_and(|r| (r - real).abs() < 0.25 * real),
    "{:?}",
    leak.rates
  );
  assert_eq!(
    leak.growth_bytes,
    leak.baseline_end as i64 - leak.baseline_start as i64
  );
  assert!(leak.growing_spaces.is_empty());
  let s = d.snapshot();
  assert_eq!(s.episode, Some(("leak", "external")));
  assert!(s.kinds[Kind::External.index()].suspected);
}

#[test]
fn a_container_limit_is_forecast_before_the_oom_kill() {
  // The same Buffer leak in a 1 GiB container: ~120 s to the OOM kill.
  let shape = Shape {
    heap: Box::new(|_| 30.0 * MB),
    external: Box::new(|t| 2.0 * MB + 8.0 * MB * t),
    ..Shape::flat()
  };
  let limit = 1u64 << 30;
  let (d, ev) = run(&shape, 110.0, 0.0, Some(limit));
  eprintln!("1 GiB container: {:?}", names(&ev));
  let ml: Vec<(f64, &MemoryLimitEvent)> = ev
    .iter()
    .filter_map(|(t, e)| match e {
      DetectorEvent::MemoryLimit(m) => Some((*t, m)),
      _ => None,
    })
    .collect();
  let (at, first) = ml.first().copied().expect("memory-limit");
  assert!(at <= 30.0, "memory-limit at {at}");
  let p = first.projected_oom_ms.expect("a projection");
  // At `at`, RSS ≈ 70 MB + 8 MB/s × at: the kill is (limit − that) / 8 MB/s away.
  let truth = (limit as f64 - (76.0 * MB + 8.0 * MB * at)) / (8.0 * MB) * 1000.0;
  assert!((p - truth).abs() < 0.3 * truth, "projected {p} vs {truth}");
  assert!(
    first.reason.contains("container's 1.00 gb limit (OOM kill)"),
    "{}",
    first.reason
  );
  assert_eq!(first.limit, limit);
  // Growth beyond a quarter of the container is more than a cache: a leak
  // long before the warm-up is over.
  let l = leaks(&ev);
  let (t1, leak) = *l.iter().find(|x| x.1.confirmed).expect("confirmed");
  assert!(t1 < 60.0, "{t1}");
  assert_eq!(leak.confirmed_by, "size");
  assert_eq!(leak.memory_limit, Some(limit));
  assert!(leak.projected_memory_limit_ms.is_some());
  // Rate-limited: not one per second.
  assert!(ml.len() <= 3, "{:?}", names(&ev));
  assert_eq!(d.snapshot().memory_limit, Some(limit));
}

#[test]
fn the_container_limit_is_judged_even_when_every_reading_follows_a_full_gc() {
  // Buffers push V8 into a full GC every second, and each wakes the JS
  // thread, whose drain takes the memory reading 2 ms later: the readings
  // never come 500 ms after a judgement (the full GC's), yet the limit
  // must still be judged on them.
  let shape = Shape {
    heap: Box::new(|_| 30.0 * MB),
    external: Box::new(|t| 2.0 * MB + 8.0 * MB * t),
    full_every: 1.0,
    ..Shape::flat()
  };
  let limit = 1u64 << 30;
  let (_, ev) = run(&shape, 60.0, 0.0, Some(limit));
  let first = ev.iter().find(|(_, e)| matches!(e, DetectorEvent::MemoryLimit(_)));
  let (at, _) = first.unwrap_or_else(|| panic!("no memory-limit: {:?}", names(&ev)));
  assert!(*at <= 30.0, "memory-limit at {at}");
}

#[test]
fn native_growth_is_named_with_advice_the_evidence_supports() {
  // RSS grows 2 MB/s outside the heap and external memory (an addon, or
  // isolates never torn down).
  let shape = Shape {
    native: Box::new(|t| 40.0 * MB + 2.0 * MB * t),
    ..Shape::flat()
  };
  let (_, ev) = run(&shape, 120.0, 300.0, None);
  let l = leaks(&ev);
  eprintln!("native: {:?}", names(&ev));
  let leak = l.iter().find(|x| x.1.confirmed).expect("confirmed").1;
  assert_eq!(leak.kind, "native");
  assert!(
    (leak.rate_bytes_per_sec - 2.0 * MB).abs() < 0.25 * 2.0 * MB,
    "{}",
    leak.rate_bytes_per_sec
  );
  assert!(leak.advice.contains("native addon"), "{}", leak.advice);
  assert!(
    !leak.advice.contains("MALLOC_ARENA_MAX"),
    "no allocator evidence here: {}",
    leak.advice
  );
  // External memory freed while RSS stays up: now the allocator advice.
  let shape = Shape {
    external: Box::new(|t| {
      if t < 30.0 {
        2.0 * MB + 10.0 * MB * t
      } else {
        2.0 * MB
      }
    }),
    native: Box::new(|t| {
      40.0 * MB
        + if t < 30.0 {
          0.0
        } else {
          300.0 * MB + 0.5 * MB * (t - 30.0)
        }
    }),
    ..Shape::flat()
  };
  let (_, ev) = run(&shape, 200.0, 300.0, None);
  let native = leaks(&ev)
    .into_iter()
    .find(|x| x.1.kind == "native")
    .expect("native")
    .1;
  assert!(native.advice.contains("MALLOC_ARENA_MAX"), "{}", native.advice);
}

#[test]
fn warm_ups_caches_and_transients_are_not_leaks() {
  // Lazy tables: 7 MB/s of heap for the first 20 s, then flat.
  let warm = Shape {
    heap: Box::new(|t| 20.0 * MB + 7.0 * MB * t.min(20.0)),
    ..Shape::flat()
  };
  // A Buffer cache filling to 120 MB over 50 s, then evicting.
  let cache = Shape {
    external: Box::new(|t| 2.0 * MB + 2.4 * MB * t.min(50.0)),
    ..Shape::flat()
  };
  // A 60 s warm-up of native memory (a JIT'd addon loading data) at 3 MB/s.
  let native = Shape {
    native: Box::new(|t| 40.0 * MB + 3.0 * MB * t.min(60.0)),
    ..Shape::flat()
  };
  // A 150 MB Buffer taken and released every 20 s (batch export).
  let transient = Shape {
    external: Box::new(|t| 2.0 * MB + if (t % 20.0) < 4.0 { 150.0 * MB } else { 0.0 }),
    ..Shape::flat()
  };
  for (name, shape) in [
    ("warm-up", warm),
    ("cache", cache),
    ("native warm-up", native),
    ("transient", transient),
  ] {
    let (d, ev) = run(&shape, 300.0, 0.0, None);
    eprintln!("{name}: {:?}", names(&ev));
    assert!(
      leaks(&ev).iter().all(|x| !x.1.confirmed),
      "{name}: {:?}",
      names(&ev)
    );
    assert!(ev.iter().all(|(_, e)| e.name() != "heap-limit"), "{name}");
    assert!(d.snapshot().episode.is_none(), "{name}: a suspicion must end");
  }
}

#[test]
fn a_worker_thread_judges_no_rss() {
  // Workers send RSS 0 (it is the process's): no native or RSS evidence.
  let mut d = Detector::new(DetectorConfig::default(), vec![]).unwrap();
  for i in 0..100 {
    let m = MemorySample {
      t_ms: i as f64 * 1000.0,
      external: 1000 + i * 1_000_000,
      ..Default::default()
    };
    d.observe_memory(&m, None);
  }
  let s = d.snapshot();
  assert_eq!(s.kinds[Kind::Native.index()].bytes, None);
  assert_eq!(s.kinds[Kind::Rss.index()].slope_bytes_per_sec, None);
  assert!(s.kinds[Kind::External.index()].bytes.is_some());
}
