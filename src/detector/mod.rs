//! The leak detector: a pure-Rust trend engine fed by GC records and by
//! whole-process memory readings, on the JS thread (never in a GC callback).
//!
//! # What is wrong with memwatch's rule
//!
//! memwatch fires when "the heap grew after 5 consecutive full GCs". That
//! rule counts *events*, not *evidence*: a fast leak makes V8 raise its
//! old-generation limit at every full GC, so full GCs get rarer exactly when
//! the leak is worst; a slow leak is noisy at GC granularity (one flat GC
//! resets the count); start-up and a cache filling up are 5 growths in a row;
//! a flood of errors promoted to old space looks like growth at every GC; and
//! it sees only the V8 heap, so a service leaking Buffers (external memory)
//! or native memory grows to its OOM kill without a word.
//!
//! # What is measured
//!
//! Four kinds of memory (`memory.rs`), each its own series of evidence:
//!
//! * **heap** (`signals.rs`): the used heap after each full GC (a
//!   *baseline*, the only moment used ≈ live) and the young-GC *floors*
//!   between them: young GCs are bucketed (`floorBucketMs`) and held pending;
//!   the next full GC turns each bucket into the minimum of everything after
//!   it up to that baseline, capped by the chord between the two baselines.
//!   Garbage only a full GC frees can never lift a floor above either
//!   baseline, while a leak lifts the floors between them; the chord keeps a
//!   steady leak from looking flat just before each (rare) full GC.
//! * **external** (`series.rs`, `Confirm::FullGc`): `external` from
//!   `process.memoryUsage()` (Buffers, ArrayBuffers, what native code
//!   reported to V8). Freed only when their JS owners are collected, so the
//!   first reading after a full GC anchors the floors as a baseline does.
//! * **native**: RSS − the heap's committed size − external. GCs do not move
//!   it; a reading becomes evidence once 10 s of later readings show it did
//!   not fall back (`Confirm::Settle`).
//! * **rss**: the same, for the container-limit forecast only.
//!
//! Readings are taken at every drain (after a full GC's wake-up, at
//! `getStats()`) and by an un-referenced one-second timer, at most every
//! 250 ms; RSS only on the main thread (it is the process's). Each series
//! also yields *tail* points: the pending, unconfirmed part, which may hold
//! garbage.
//!
//! # The trend test (`judge.rs`)
//!
//! A series (last `windowMs`, at most `maxSamples` points) is resampled onto
//! a 64-slot time grid (a burst of GCs counts as much as the same time of
//! calm) and is *growing* when all of these hold:
//!
//! 1. **Enough evidence**: ≥ `minSamples` points spanning ≥ `minDurationMs`
//!    (and ≥ `minFullGcs` full GCs for the heap and external memory).
//! 2. **A real trend**: Mann–Kendall one-sided p < `significance` (rank
//!    based: outliers cannot make or hide one).
//! 3. **Enough growth**: Theil–Sen slope × span ≥ `minGrowthBytes` and ≥
//!    `minGrowthFraction` × the fitted start.
//! 4. **Growth that fills the span**: each third grows at ≥ `persistence` ×
//!    the whole slope (a third with < 3 points is widened to its
//!    neighbours). A cache that filled up fails the last third, a step from a
//!    flood the first.
//!
//! The whole window is tested, then its most recent half, quarter… (a leak
//! that starts late is found on the suffix it fills); the reported rate is
//! that of the shortest suffix still growing (its current rate). A *fast
//! path* lets heap evidence spanning a third of `minDurationMs` suffice for
//! steep growth (≥ 64 MiB, the heap at least doubled, 3 rising full GCs) that
//! would reach `heap_size_limit` within `oomHorizonMs`.
//!
//! # Suspected, then confirmed: growth that stops is not a leak
//!
//! At 10–20 s a warm-up (lazy tables, a JIT'd data load) or a cache filling
//! to its cap is, byte for byte, the same curve as a leak of the same rate:
//! no detector can tell them apart until the growth stops or does not. So
//! the detector says two things, and keeps them apart:
//!
//! * **`leak-suspected`** as soon as any kind passes the trend test on all
//!   its evidence, tail included (a fast leak is seen between full GCs,
//!   however far apart V8 puts them): typically 15–20 s into a ≥ 1 MB/s leak.
//!   For dashboards; it ends with `leak-end` (`confirmed: false`) when the
//!   growth stops.
//! * **`leak`** only when the *confirmed* evidence (no tail) passes the test
//!   and the growth has outlasted what a benign shape can do:
//!   - **duration**: the evidence lies past the thread's first `warmupMs`
//!     (60 s), or at least 3 confirmed points after it, spanning ≥
//!     `minDurationMs`/3, still grow at ≥ `persistence` × the rate. A
//!     warm-up of up to a minute has stopped by then; a leak has not. In a
//!     process older than its warm-up (the usual production case) this is
//!     just the trend test;
//!   - **size**: the kind grew by more than `cacheFraction` (¼) of its limit
//!     (`heap_size_limit`; the container's limit for memory outside the
//!     heap) — more than a cache should ever hold, whatever the age.
//!
//!   - **baseline** (the heap only): a fast leak gets its full GCs far
//!     apart and its confirmed floors flat before each (a staircase), so
//!     the duration test may wait minutes for a second full GC past the
//!     warm-up. The first one is enough when its baseline is a new high
//!     (above every earlier baseline by `minGrowthBytes`, two at least: not
//!     a sawtooth's peak), grew soundly past the warm-up (above a confirmed
//!     point of ≥ `minDurationMs`/3 before it by `minGrowthBytes` and
//!     `minGrowthFraction`), the confirmed evidence trends up (Mann–Kendall)
//!     and the growth is still suspected.
//!
//! Heap points are confirmed only by full GCs, so a heap leak from start-up
//! is confirmed at the first full GC after the warm-up that shows it kept
//! growing; external memory gets full GCs from V8's external-memory pressure;
//! native memory needs none. Process age, not load, is the clock: leakwatch
//! cannot know what a request is, but every warm-up starts with the process.
//! The price: a cache that keeps filling for more than a minute after start
//! (or that fills late in life, for longer than `minDurationMs`) is reported
//! once it passes the test; raise `warmupMs` for such services.
//!
//! The episode's kind is the fastest-growing kind that passes; the event
//! carries every kind's rate (`rates`), the measured sizes at the start and
//! end of the evidence (`baseline_start`: the size after the full GC nearest
//! its start; `growth` = `baseline_end` − `baseline_start`), and for native
//! growth advice only where the evidence supports it (external memory freed
//! while RSS stayed up: allocator arenas, `MALLOC_ARENA_MAX`, jemalloc;
//! otherwise an addon, a library, or isolates never torn down).
//!
//! **No spam.** A follow-up `leak` needs ≥ `reportIntervalMs` and growth ≥
//! max(`reportGrowthBytes`, `reportGrowthFraction` × the growth reported).
//! `leak-end` needs as much evidence of flatness (at least `minDurationMs`)
//! as the alarm had of growth; a new episode right after one needs the same
//! interval or growth as a repeat report.
//!
//! # Limits
//!
//! `heap-limit` fires when the used heap after a full GC is ≥
//! `heapLimitFraction` of `heap_size_limit`, or when confirmed growth
//! projects reaching it within `oomHorizonMs` (a fifth of it while the
//! growth is only suspected: a warm-up that would exhaust the heap within two
//! minutes is worth hearing about). `memory-limit` does the same for the
//! container: the memory cgroup's usage against its limit (v1 and v2, every
//! level, read by `lib/memory-limit.js`; or `memoryLimitBytes` /
//! `LEAKWATCH_MEMORY_LIMIT`), projected at the RSS growth rate. Both are
//! rate-limited (one per `reportIntervalMs`, again only every 5 more points
//! of the limit) and re-arm with hysteresis.
//!
//! # Why these defaults (a web service)
//!
//! * `minDurationMs` 15 s, `minFullGcs` 2, `minSamples` 8: below 15 s,
//!   start-up noise and GC timing dominate; a ≥ 1 MB/s leak is suspected 15–20
//!   s in (`npm run bench:detect`).
//! * `warmupMs` 60 s: the longest warm-up a service should have; `leak` for
//!   a leak present from start-up comes a little after it.
//! * `cacheFraction` 0.25: a cache beyond a quarter of the heap (or
//!   container) is a capacity problem whatever its cap.
//! * `minGrowthBytes` 4 MiB and `minGrowthFraction` 0.1: below a few MB,
//!   JIT code, inline caches and V8 metadata move the baseline; 10 % keeps a
//!   2 GB heap from alarming on 4 MB. A 10 kB/s leak on a 40 MB service is
//!   reportable after ~7 min.
//! * `significance` 0.01 (`sensitivity: "medium"`); "low" 0.001, "high" 0.05.
//! * `persistence` 0.3: a leak whose rate fluctuates keeps > 30 % of its
//!   average rate in every third; a plateau or a step drops to ~0.
//! * `windowMs` 10 min, `maxSamples` 1200, `floorBucketMs` 1 s: ten minutes
//!   at one point per second per kind; statistics run on the 64-slot grid
//!   (O(64²) per test, a few tests per kind per judgement, at most two
//!   judgements a second); memory stays under ~200 KB.
//! * `reportIntervalMs` 60 s, `reportGrowthBytes` 16 MiB,
//!   `reportGrowthFraction` 0.5: a report per minute at most.
//! * `heapLimitFraction` / `memoryLimitFraction` 0.85, `oomHorizonMs` 10 min.
//!   `heap_size_limit` includes the young generation's reserve, so with a
//!   small `--max-old-space-size` V8 can die before 85 %; the projection
//!   fires first there.

pub mod config;
pub mod events;
pub mod judge;
pub mod memory;
pub mod reason;
pub mod series;
pub mod signals;
pub mod trend;

#[cfg(test)]
#[path = "tests/support.rs"]
mod traces_support;

#[cfg(test)]
#[path = "tests/traces.rs"]
mod traces;

#[cfg(test)]
#[path = "tests/corpus.rs"]
mod corpus;

#[cfg(test)]
#[path = "tests/memory.rs"]
mod memory_tests;

pub use config::{ConfigError, DetectorConfig};
pub use events::{
  DetectorEvent, DetectorState, HeapLimitEvent, KindState, LeakEndEvent, LeakEvent, MemoryLimitEvent, Rates,
};
pub use memory::{Kind, MemoryLimit, MemorySample};

use serde_json::Value;

use crate::watch::record::GcRecord;
use judge::{Context, Evaluation};
use series::{Confirm, Point, Series};
use signals::{Signals, Source};

/// Native memory and RSS become evidence once this much newer data shows
/// they did not fall back (a transient spike is not a floor).
const SETTLE_MS: f64 = 10_000.0;
/// Native and RSS growth must exceed this many times their noise around
/// the fitted line (`judge::Context::min_snr`).
const NATIVE_MIN_SNR: f64 = 4.0;
/// Memory samples are judged at most this often (full GCs always are).
const JUDGE_EVERY_MS: f64 = 500.0;

#[derive(Clone, Debug)]
struct Episode {
  kind: Kind,
  confirmed: bool,
  start_wall_ms: f64,
  start_bytes: u64,
  last_report_t_ms: f64,
  last_report_bytes: u64,
  reported_growth: f64,
  rate: f64,
  reports: u32,
  /// Span of the evidence at the first report.
  span_ms: f64,
}

#[derive(Clone, Debug, Default)]
struct LimitState {
  active: bool,
  last_t_ms: Option<f64>,
  last_fraction: f64,
}

/// One judgement of a kind: with unconfirmed points (for suspicion and
/// rates) and on confirmed points only (for `leak`).
#[derive(Clone, Copy, Debug, Default)]
struct Verdict {
  any: Option<Evaluation>,
  confirmed: Option<Evaluation>,
  /// Why a `leak` is confirmed (`"duration"`, `"size"`), if it is.
  confirmed_by: Option<&'static str>,
}

impl Verdict {
  fn suspected(&self) -> bool {
    self.any.is_some_and(|e| e.suspected) || self.confirmed.is_some_and(|e| e.suspected)
  }

  /// The suspected evaluation (confirmed evidence first).
  fn suspicion(&self) -> Option<Evaluation> {
    self
      .confirmed
      .filter(|e| e.suspected)
      .or(self.any.filter(|e| e.suspected))
  }
}

/// The leak detector. Feed it every GC record with [`Detector::observe`]
/// and every memory reading with [`Detector::observe_memory`].
#[derive(Clone, Debug)]
pub struct Detector {
  config: DetectorConfig,
  space_names: Vec<String>,
  signals: Signals,
  external: Series,
  native: Series,
  rss: Series,
  /// The thread's start on the records' clock (ms), for the warm-up.
  start_ms: Option<f64>,
  limit: Option<MemoryLimit>,
  last_memory: Option<MemorySample>,
  /// Committed heap size per reading (bounded like the series), to tell
  /// native growth from heap pages being paged in.
  heap_totals: std::collections::VecDeque<(f64, u64)>,
  last_judged_ms: f64,
  verdicts: [Verdict; 4],
  episode: Option<Episode>,
  heap_limit: LimitState,
  memory_limit: LimitState,
  leak_reports: u64,
  suspected_reports: u64,
  /// After a `leak-end`: (time, measured size, growth needed) of the last
  /// report, so that a flapping trend does not start a new episode at once.
  cooldown: Option<(f64, u64, f64)>,
}

impl Detector {
  /// A detector with `config` (validated) and the isolate's heap-space names,
  /// indexed like `GcRecord::spaces`.
  pub fn new(config: DetectorConfig, space_names: Vec<String>) -> Result<Detector, ConfigError> {
    config.validate()?;
    Ok(Detector {
      config,
      space_names,
      signals: Signals::default(),
      external: Series::new(Confirm::FullGc),
      native: Series::new(Confirm::Settle(SETTLE_MS)),
      rss: Series::new(Confirm::Settle(SETTLE_MS)),
      start_ms: None,
      limit: None,
      last_memory: None,
      heap_totals: std::collections::VecDeque::new(),
      last_judged_ms: f64::NEG_INFINITY,
      verdicts: [Verdict::default(); 4],
      episode: None,
      heap_limit: LimitState::default(),
      memory_limit: LimitState::default(),
      leak_reports: 0,
      suspected_reports: 0,
      cooldown: None,
    })
  }

  pub fn config(&self) -> &DetectorConfig {
    &self.config
  }

  /// Applies a partial JSON update (see [`DetectorConfig::apply_json`]);
  /// on error nothing changes.
  pub fn configure(&mut self, update: &Value) -> Result<(), ConfigError> {
    self.config.apply_json(update)
  }

  /// Replaces the whole configuration.
  pub fn set_config(&mut self, config: DetectorConfig) -> Result<(), ConfigError> {
    config.validate()?;
    self.config = config;
    Ok(())
  }

  /// When the watched thread started, on the records' clock (ms): growth in
  /// its first `warmupMs` cannot confirm a `leak`. Unknown = the first
  /// record or sample seen.
  pub fn set_start_ms(&mut self, t_ms: f64) {
    self.start_ms = Some(t_ms);
  }

  /// Forgets all evidence and any open episode (counters are kept).
  pub fn reset(&mut self) {
    self.signals.clear();
    self.external.clear();
    self.native.clear();
    self.rss.clear();
    self.verdicts = [Verdict::default(); 4];
    self.episode = None;
    self.cooldown = None;
    self.heap_limit = LimitState::default();
    self.memory_limit = LimitState::default();
  }

  /// Feeds one GC record; returns the events it triggers (usually none).
  /// Full GCs confirm evidence, so they are judged at once.
  pub fn observe(&mut self, r: &GcRecord) -> Vec<DetectorEvent> {
    let c = &self.config;
    let t_ms = r.end_ns as f64 / 1e6;
    self.start_ms.get_or_insert(t_ms);
    if !self
      .signals
      .push(r, c.floor_bucket_ms, c.window_ms, c.max_samples)
    {
      return Vec::new();
    }
    self.external.full_gc();
    let mut events = self.judge(t_ms);
    self.heap_limit_logic(r, &mut events);
    events
  }

  /// Feeds one memory reading (taken on the JS thread, after the drain's
  /// records) and, at most every `JUDGE_EVERY_MS`, re-judges every kind: a
  /// fast leak is seen between full GCs, however far apart V8 puts them.
  /// `limit` is the container's (or configured) memory limit, if any.
  /// RSS 0 means "not measured here" (a worker thread: RSS is the process's).
  pub fn observe_memory(&mut self, m: &MemorySample, limit: Option<MemoryLimit>) -> Vec<DetectorEvent> {
    let c = &self.config;
    self.start_ms.get_or_insert(m.t_ms);
    let (bucket, window, max) = (c.floor_bucket_ms, c.window_ms, c.max_samples);
    self
      .external
      .push(m.t_ms, m.wall_ms, m.external, bucket, window, max);
    if m.rss > 0 {
      self
        .native
        .push(m.t_ms, m.wall_ms, m.native(), bucket, window, max);
      self.rss.push(m.t_ms, m.wall_ms, m.rss, bucket, window, max);
    }
    self.limit = match (c.memory_limit_bytes, m.rss) {
      (0, _) => limit,
      (_, 0) => None,
      (l, rss) => Some(MemoryLimit { limit: l, usage: rss }),
    };
    self.last_memory = Some(*m);
    self.heap_totals.push_back((m.t_ms, m.heap_total));
    while self
      .heap_totals
      .front()
      .is_some_and(|&(t, _)| m.t_ms - t > window)
      || self.heap_totals.len() > max
    {
      self.heap_totals.pop_front();
    }
    let mut events = if m.t_ms - self.last_judged_ms < JUDGE_EVERY_MS {
      Vec::new()
    } else {
      self.judge(m.t_ms)
    };
    // Every reading is held against the limit, on the latest judgement: a
    // full GC's judgement just before (every drain after a wake-up) must not
    // skip it.
    self.memory_limit_logic(m, &mut events);
    events
  }

  /// The limit a kind runs into: the heap's own for the heap, the
  /// container's (else the heap's, as a scale) for memory outside it.
  fn limit_of(&self, kind: Kind) -> f64 {
    let heap = self.signals.heap_size_limit as f64;
    match kind {
      Kind::Heap => heap,
      _ => self.limit.map_or(heap, |l| l.limit as f64),
    }
  }

  fn points(&self, kind: Kind, tail: bool) -> Vec<Point> {
    match kind {
      Kind::Heap => self.signals.points(tail),
      Kind::External => self.external.points(tail),
      Kind::Native => self.native.points(tail),
      Kind::Rss => self.rss.points(tail),
    }
  }

  fn context(&self, kind: Kind, fast: bool) -> Context {
    let min_full_gcs = match kind {
      Kind::Heap | Kind::External => self.config.min_full_gcs,
      Kind::Native | Kind::Rss => 0,
    };
    // Native growth is what RSS leaves unexplained: measured against the
    // whole process (`minGrowthFraction` of RSS), not against its own,
    // often small, part.
    let min_growth_floor = match (kind, self.last_memory) {
      (Kind::Native, Some(m)) => self.config.min_growth_fraction * m.rss as f64,
      _ => 0.0,
    };
    Context {
      min_full_gcs,
      limit: self.limit_of(kind),
      fast: fast && kind == Kind::Heap,
      min_growth_floor,
      min_snr: if matches!(kind, Kind::Native | Kind::Rss) {
        NATIVE_MIN_SNR
      } else {
        0.0
      },
    }
  }

  /// Judges one kind: suspicion on all evidence, confirmation on confirmed
  /// evidence that either lies past the warm-up or exceeds what a cache may
  /// hold (module docs).
  fn verdict(&self, kind: Kind) -> Verdict {
    let c = &self.config;
    let all = self.points(kind, true);
    let confirmed_pts = self.points(kind, false);
    let any = judge::evaluate(&all, c, self.context(kind, true));
    let confirmed = judge::evaluate(&confirmed_pts, c, self.context(kind, true));
    let mut confirmed_by = None;
    // Native memory is RSS minus two other readings taken a moment apart
    // (V8 commits heap pages seconds before they are resident): it jumps by
    // the heap's size changes. A native leak must show in RSS itself too.
    // And it must be more than the heap's committed size moved from half a
    // minute before the evidence on: RSS follows a commit by seconds, so
    // RSS − committed heap climbs back after every step of the heap.
    let rss_grows = self.verdicts[Kind::Rss.index()]
      .confirmed
      .is_some_and(|e| e.suspected);
    let beyond_heap = |e: &Evaluation| {
      let moved = self
        .heap_totals
        .iter()
        .filter(|&&(t, _)| t >= e.first_t_ms - 30_000.0 && t <= e.last_t_ms);
      let (lo, hi) = moved.fold((u64::MAX, 0), |(lo, hi), &(_, h)| (lo.min(h), hi.max(h)));
      e.end_bytes.saturating_sub(e.start_bytes) > hi.saturating_sub(lo)
    };
    let native_ok = |e: &Evaluation| kind != Kind::Native || (rss_grows && beyond_heap(e));
    if let Some(e) = confirmed.filter(|e| e.suspected && native_ok(e)) {
      let warm_end = self.start_ms.unwrap_or(f64::NEG_INFINITY) + c.warmup_ms;
      let i = confirmed_pts.partition_point(|p| p.t_ms < warm_end);
      let lowest = confirmed_pts
        .iter()
        .map(|p| p.bytes)
        .min()
        .unwrap_or(e.start_bytes);
      let limit = self.limit_of(kind);
      if e.first_t_ms >= warm_end || judge::grows_after(&confirmed_pts[i..], c, e.slope) {
        confirmed_by = Some("duration");
      } else if limit > 0.0 && e.end_bytes.saturating_sub(lowest) as f64 >= c.cache_fraction * limit {
        confirmed_by = Some("size");
      }
    }
    // A fast heap leak gets few full GCs (V8 spaces them as the heap grows),
    // and its confirmed floors are a staircase, flat before each: the test
    // above may wait minutes for a second full GC past the warm-up. The
    // baseline of one is enough when it shows, soundly, that the live heap
    // grew after the warm-up: every confirmed point bounds the live heap
    // from above, a baseline measures it.
    if confirmed_by.is_none()
      && kind == Kind::Heap
      && any.is_some_and(|a| a.suspected)
      && confirmed.is_some_and(|e| e.p <= c.significance && e.slope > 0.0)
    {
      let warm_end = self.start_ms.unwrap_or(f64::NEG_INFINITY) + c.warmup_ms;
      let i = confirmed_pts.partition_point(|p| p.t_ms < warm_end);
      if judge::grew_soundly(&confirmed_pts[i..], c) && judge::new_high(&confirmed_pts, c) {
        confirmed_by = Some("baseline");
      }
    }
    Verdict {
      any,
      confirmed,
      confirmed_by,
    }
  }

  fn rates(&self) -> Rates {
    let mut r: Rates = [None; 4];
    for k in Kind::ALL {
      let v = &self.verdicts[k.index()];
      r[k.index()] = v.suspicion().or(v.any).map(|e| e.rate);
    }
    if self.last_memory.is_none_or(|m| m.rss == 0) {
      r[Kind::Native.index()] = None;
      r[Kind::Rss.index()] = None;
    }
    r
  }

  fn judge(&mut self, now_ms: f64) -> Vec<DetectorEvent> {
    self.last_judged_ms = now_ms;
    // RSS first: native growth is confirmed only if RSS itself grows.
    for k in [Kind::Rss, Kind::Heap, Kind::External, Kind::Native] {
      self.verdicts[k.index()] = self.verdict(k);
    }
    let mut events = Vec::new();
    self.leak_logic(&mut events);
    events
  }

  /// Among the leaking kinds passing `test`, the one growing fastest.
  fn pick(&self, test: impl Fn(&Verdict) -> Option<Evaluation>) -> Option<(Kind, Evaluation)> {
    Kind::LEAKING
      .iter()
      .filter_map(|&k| test(&self.verdicts[k.index()]).map(|e| (k, e)))
      .max_by(|a, b| a.1.rate.total_cmp(&b.1.rate))
  }

  fn leak_logic(&mut self, events: &mut Vec<DetectorEvent>) {
    let c = self.config.clone();
    let suspected = self.pick(|v| v.suspicion());
    // A kind is confirmed as *the* leak only if it is a main part of the
    // growth: the Buffer objects of an external leak grow the heap a little
    // too, and their heap floors may confirm first — the event must still
    // say `external`, so it waits for the kind that really grows.
    let main = suspected.map_or(0.0, |(_, e)| e.rate) * 0.5;
    let confirmed = self.pick(|v| v.confirmed_by.and(v.confirmed).filter(|e| e.rate >= main));
    let cooled = |e: &Evaluation, cd: Option<(f64, u64, f64)>| {
      cd.is_none_or(|(t, base, needed)| {
        e.last_t_ms - t >= c.report_interval_ms || e.end_bytes as f64 >= base as f64 + needed
      })
    };
    match self.episode.clone() {
      None => {
        if let Some((k, e)) = confirmed.filter(|(_, e)| cooled(e, self.cooldown)) {
          self.open(k, &e, true, events);
        } else if let Some((k, e)) = suspected.filter(|(_, e)| cooled(e, self.cooldown)) {
          self.open(k, &e, false, events);
        }
      }
      Some(ep) if !ep.confirmed => {
        if let Some((k, e)) = confirmed {
          // The suspicion is confirmed: the same episode, now a `leak`.
          let keep = k == ep.kind;
          let (start_wall, start_bytes) = if keep {
            (ep.start_wall_ms, ep.start_bytes.min(e.start_bytes))
          } else {
            (e.first_wall_ms, e.start_bytes)
          };
          let ev = self.leak_event(k, &e, true, start_wall, start_bytes, 1);
          self.episode = Some(Episode {
            kind: k,
            confirmed: true,
            start_wall_ms: start_wall,
            start_bytes,
            last_report_t_ms: e.last_t_ms,
            last_report_bytes: e.end_bytes,
            reported_growth: e.end_bytes as f64 - start_bytes as f64,
            rate: e.rate,
            reports: 1,
            span_ms: e.span_ms,
          });
          self.leak_reports += 1;
          events.push(DetectorEvent::Leak(ev));
        } else if suspected.is_none() {
          self.maybe_end(&ep, events);
        }
      }
      Some(ep) => {
        let v = self.verdicts[ep.kind.index()];
        match v.confirmed.filter(|e| e.suspected) {
          Some(e) => {
            let needed = (c.report_growth_bytes as f64).max(c.report_growth_fraction * ep.reported_growth);
            if e.end_bytes as f64 >= ep.last_report_bytes as f64 + needed
              && e.last_t_ms - ep.last_report_t_ms >= c.report_interval_ms
            {
              let reports = ep.reports + 1;
              let ev = self.leak_event(ep.kind, &e, true, ep.start_wall_ms, ep.start_bytes, reports);
              if let Some(open) = self.episode.as_mut() {
                open.reports = reports;
                open.last_report_t_ms = e.last_t_ms;
                open.last_report_bytes = e.end_bytes;
                open.reported_growth = e.end_bytes as f64 - ep.start_bytes as f64;
                open.rate = e.rate;
              }
              self.leak_reports += 1;
              events.push(DetectorEvent::Leak(ev));
            }
          }
          None if !v.suspected() => self.maybe_end(&ep, events),
          None => {}
        }
      }
    }
  }

  fn open(&mut self, k: Kind, e: &Evaluation, confirmed: bool, events: &mut Vec<DetectorEvent>) {
    let ev = self.leak_event(k, e, confirmed, e.first_wall_ms, e.start_bytes, 1);
    self.episode = Some(Episode {
      kind: k,
      confirmed,
      start_wall_ms: e.first_wall_ms,
      start_bytes: e.start_bytes,
      last_report_t_ms: e.last_t_ms,
      last_report_bytes: e.end_bytes,
      reported_growth: e.end_bytes as f64 - e.start_bytes as f64,
      rate: e.rate,
      reports: 1,
      span_ms: e.span_ms,
    });
    if confirmed {
      self.leak_reports += 1;
    } else {
      self.suspected_reports += 1;
    }
    events.push(DetectorEvent::Leak(ev));
  }

  /// Ends the episode when the recent evidence of its kind — a stretch as
  /// long as the evidence that raised it, at least `minDurationMs` — grows
  /// at less than `persistence` × the reported rate and no longer
  /// significantly.
  fn maybe_end(&mut self, ep: &Episode, events: &mut Vec<DetectorEvent>) {
    let c = &self.config;
    let pts = self.points(ep.kind, !ep.confirmed);
    let Some((recent, recent_p)) = judge::trailing_trend(&pts, c.min_duration_ms.max(ep.span_ms)) else {
      return;
    };
    if recent < c.persistence * ep.rate && recent_p >= c.significance {
      let needed = (c.report_growth_bytes as f64).max(c.report_growth_fraction * ep.reported_growth);
      self.cooldown = Some((ep.last_report_t_ms, ep.last_report_bytes, needed));
      let last = pts.last().copied();
      let end_bytes = last.map_or(ep.last_report_bytes, |p| p.bytes);
      let end_wall = last.map_or(ep.start_wall_ms, |p| p.wall_ms);
      let growth = end_bytes as f64 - ep.start_bytes as f64;
      events.push(DetectorEvent::LeakEnd(LeakEndEvent {
        kind: ep.kind.name(),
        confirmed: ep.confirmed,
        start_wall_ms: ep.start_wall_ms,
        end_wall_ms: end_wall,
        growth_bytes: growth as i64,
        baseline_end: end_bytes,
        rate_bytes_per_sec: recent,
        reason: reason::leak_end_of(ep.kind.name(), end_wall - ep.start_wall_ms, growth, recent),
      }));
      self.episode = None;
    }
  }

  fn projected_heap_oom_ms(&self, slope: f64, from: f64) -> Option<f64> {
    let limit = self.signals.heap_size_limit as f64;
    if limit <= 0.0 || slope <= 0.0 {
      return None;
    }
    Some(((limit - from).max(0.0) / slope * 1000.0).max(0.0))
  }

  /// Time until the container's limit at the RSS growth rate.
  fn projected_memory_limit_ms(&self) -> Option<f64> {
    let l = self.limit?;
    let v = self.verdicts[Kind::Rss.index()];
    let slope = v.suspicion().or(v.any)?.rate;
    (slope > 0.0).then(|| l.headroom() as f64 / slope * 1000.0)
  }

  fn leak_event(
    &self,
    k: Kind,
    e: &Evaluation,
    confirmed: bool,
    start_wall_ms: f64,
    start: u64,
    report: u32,
  ) -> LeakEvent {
    let growth = e.end_bytes as f64 - start as f64;
    let rates = self.rates();
    let mut rates = rates;
    rates[k.index()] = Some(e.rate);
    let heap_rate = if k == Kind::Heap {
      None
    } else {
      rates[Kind::Heap.index()]
    };
    LeakEvent {
      confirmed,
      kind: k.name(),
      confirmed_by: if confirmed {
        self.verdicts[k.index()].confirmed_by.unwrap_or("duration")
      } else {
        ""
      },
      start_wall_ms,
      end_wall_ms: e.last_wall_ms,
      growth_bytes: growth as i64,
      reason: reason::leak_of(
        k.name(),
        e.full,
        e.last_t_ms - e.first_t_ms,
        e.rate,
        heap_rate,
        confirmed,
      ),
      rate_bytes_per_sec: e.rate,
      rates,
      confidence: e.confidence,
      baseline_start: start,
      baseline_end: e.end_bytes,
      advice: if k == Kind::Native {
        self.native_advice()
      } else {
        String::new()
      },
      memory_limit: self.limit.map(|l| l.limit),
      projected_memory_limit_ms: self.projected_memory_limit_ms(),
      heap_size_limit: self.signals.heap_size_limit,
      growing_spaces: if k == Kind::Heap {
        self.growing_spaces(growth)
      } else {
        Vec::new()
      },
      projected_oom_ms: if k == Kind::Heap {
        self.projected_heap_oom_ms(e.rate, e.end_bytes as f64)
      } else {
        self.projected_memory_limit_ms()
      },
      full_gcs: e.full,
      samples: e.n,
      report,
    }
  }

  /// What the evidence says about native growth. External memory that was
  /// freed while RSS stayed up points at the allocator keeping pages
  /// (fragmentation, glibc arenas); otherwise the memory is held by
  /// something outside V8's accounting.
  fn native_advice(&self) -> String {
    let ext = self.external.points(true);
    let freed = match (ext.iter().map(|p| p.bytes).max(), self.external.last) {
      (Some(peak), Some(now)) => peak.saturating_sub(now),
      _ => 0,
    };
    let grown = self.verdicts[Kind::Native.index()]
      .suspicion()
      .map_or(0.0, |e| e.end_bytes as f64 - e.start_bytes as f64);
    if grown > 0.0 && freed as f64 >= 0.5 * grown {
      format!(
        "RSS stayed up after {} of external memory was freed: the allocator is keeping the pages \
         (fragmentation or glibc malloc arenas). Try MALLOC_ARENA_MAX=2, or jemalloc via LD_PRELOAD, \
         and watch whether the growth stops",
        reason::bytes(freed as f64)
      )
    } else {
      "memory outside the V8 heap and Buffers grows: a native addon, a library allocating without \
       telling V8, or worker threads/isolates never terminated; heap dumps do not show it"
        .to_string()
    }
  }

  /// Spaces whose usage at full GCs grew by ≥ 10 % of `growth` (and ≥ 256 KiB),
  /// largest first.
  fn growing_spaces(&self, growth: f64) -> Vec<String> {
    let baselines: Vec<&signals::Sample> = self
      .signals
      .samples()
      .iter()
      .filter(|s| s.source == Source::Baseline)
      .collect();
    let (Some(first), Some(last)) = (baselines.first(), baselines.last()) else {
      return Vec::new();
    };
    let span_s = (last.t_ms - first.t_ms) / 1000.0;
    let count = baselines
      .iter()
      .filter_map(|s| s.spaces.as_ref().map(|v| v.len()))
      .max()
      .unwrap_or(0);
    let threshold = (0.1 * growth).max(256.0 * 1024.0);
    let mut grown: Vec<(f64, String)> = Vec::new();
    for i in 0..count {
      let pts: Vec<(f64, f64)> = baselines
        .iter()
        .filter_map(|s| {
          s.spaces
            .as_ref()
            .and_then(|v| v.get(i))
            .map(|&u| ((s.t_ms - first.t_ms) / 1000.0, u as f64))
        })
        .collect();
      let g = trend::theil_sen(&pts).map_or(0.0, |l| l.slope * span_s);
      if g >= threshold {
        let name = self
          .space_names
          .get(i)
          .cloned()
          .unwrap_or_else(|| format!("space#{i}"));
        grown.push((g, name));
      }
    }
    grown.sort_by(|a, b| b.0.total_cmp(&a.0));
    grown.into_iter().map(|(_, n)| n).collect()
  }

  /// The current view, for `getStats()`.
  pub fn snapshot(&self) -> DetectorState {
    let heap = self.verdicts[Kind::Heap.index()];
    let e = heap.confirmed.unwrap_or_default();
    let rates = self.rates();
    let mut kinds = [KindState::default(); 4];
    for k in Kind::ALL {
      let v = &self.verdicts[k.index()];
      let bytes = match k {
        Kind::Heap => self.signals.last_baseline,
        _ => self
          .last_memory
          .filter(|m| k == Kind::External || m.rss > 0)
          .map(|m| m.bytes(k)),
      };
      kinds[k.index()] = KindState {
        bytes,
        slope_bytes_per_sec: rates[k.index()],
        suspected: v.suspected(),
      };
    }
    let age = self
      .start_ms
      .zip(self.last_memory.map(|m| m.t_ms).or(self.signals.last_t_ms))
      .map(|(s, n)| n - s);
    DetectorState {
      baseline_bytes: self.signals.last_baseline,
      floor_bytes: self.signals.floor_since_full,
      slope_bytes_per_sec: e.slope,
      confidence: e.confidence,
      leak_suspected: self.episode.is_some()
        || Kind::LEAKING.iter().any(|k| self.verdicts[k.index()].suspected()),
      samples_in_window: self.signals.samples().len(),
      full_gcs_in_window: self
        .signals
        .samples()
        .iter()
        .filter(|s| s.source == Source::Baseline)
        .count(),
      window_span_ms: e.span_ms,
      pending_floors: self.signals.pending(),
      heap_size_limit: self.signals.heap_size_limit,
      projected_oom_ms: if e.suspected {
        self.projected_heap_oom_ms(e.rate, e.end_fit)
      } else {
        None
      },
      gcs_observed: self.signals.gcs,
      full_gcs_observed: self.signals.full_gcs,
      leak_reports: self.leak_reports,
      alloc_rate_bytes_per_sec: self.signals.alloc_rate,
      kinds,
      episode: self
        .episode
        .as_ref()
        .map(|ep| (if ep.confirmed { "leak" } else { "suspected" }, ep.kind.name())),
      leak_suspected_reports: self.suspected_reports,
      memory_limit: self.limit.map(|l| l.limit),
      memory_usage: self.limit.map(|l| l.usage),
      projected_memory_limit_ms: self.projected_memory_limit_ms(),
      age_ms: age,
      warmup_left_ms: age.map_or(self.config.warmup_ms, |a| (self.config.warmup_ms - a).max(0.0)),
    }
  }

  fn heap_limit_logic(&mut self, r: &GcRecord, events: &mut Vec<DetectorEvent>) {
    let c = &self.config;
    let limit = self.signals.heap_size_limit;
    if limit == 0 {
      return;
    }
    let used = r.after.used_heap_size;
    let fraction = used as f64 / limit as f64;
    let t_ms = r.end_ns as f64 / 1e6;
    // Only growth that passes the leak test on confirmed evidence is
    // projected: a cache filling up has a steep but temporary slope.
    let e = self.verdicts[Kind::Heap.index()].confirmed;
    let projected = e
      .filter(|e| e.suspected)
      .and_then(|e| self.projected_heap_oom_ms(e.rate, used as f64));
    let by_fraction = fraction >= c.heap_limit_fraction;
    let by_projection = projected.is_some_and(|p| p < self.horizon());
    let rate = e.map_or(0.0, |e| e.rate);
    if fire(
      &mut self.heap_limit,
      c,
      t_ms,
      fraction,
      c.heap_limit_fraction,
      by_fraction || by_projection,
      projected,
    ) {
      events.push(DetectorEvent::HeapLimit(HeapLimitEvent {
        wall_ms: r.wall_ms,
        used_bytes: used,
        heap_size_limit: limit,
        fraction,
        rate_bytes_per_sec: rate,
        projected_oom_ms: projected,
        reason: reason::heap_limit(used as f64, limit as f64, projected, rate, by_fraction),
      }));
    }
  }

  /// How soon a projected limit must be reached to warn: `oomHorizonMs`
  /// once a leak is confirmed; a fifth of it while growth is only suspected
  /// (a warm-up at a rate that would exhaust the limit that soon is worth
  /// hearing about whatever it turns out to be; a slower one is not).
  fn horizon(&self) -> f64 {
    let confirmed = self.episode.as_ref().is_some_and(|e| e.confirmed);
    if confirmed {
      self.config.oom_horizon_ms
    } else {
      self.config.oom_horizon_ms / 5.0
    }
  }

  /// `memory-limit`: the container's usage passed `memoryLimitFraction` of
  /// its limit, or RSS growth that passes the trend test reaches it within
  /// `oomHorizonMs`.
  fn memory_limit_logic(&mut self, m: &MemorySample, events: &mut Vec<DetectorEvent>) {
    let c = &self.config;
    let Some(l) = self.limit.filter(|l| l.limit > 0) else {
      return;
    };
    let fraction = l.usage as f64 / l.limit as f64;
    let v = self.verdicts[Kind::Rss.index()];
    let growing = v.suspected() || self.episode.is_some();
    let rate = v.suspicion().or(v.any).map_or(0.0, |e| e.rate);
    let projected = if growing {
      self.projected_memory_limit_ms()
    } else {
      None
    };
    let by_fraction = fraction >= c.memory_limit_fraction;
    let by_projection = projected.is_some_and(|p| p < self.horizon());
    let frac_cfg = c.memory_limit_fraction;
    if fire(
      &mut self.memory_limit,
      c,
      m.t_ms,
      fraction,
      frac_cfg,
      by_fraction || by_projection,
      projected,
    ) {
      events.push(DetectorEvent::MemoryLimit(MemoryLimitEvent {
        wall_ms: m.wall_ms,
        rss: m.rss,
        usage: l.usage,
        limit: l.limit,
        fraction,
        rate_bytes_per_sec: rate,
        projected_oom_ms: projected,
        reason: reason::memory_limit(l.usage as f64, l.limit as f64, projected, rate, by_fraction),
      }));
    }
  }
}

/// Rate-limits and re-arms a limit warning: at most one per
/// `reportIntervalMs`; while the condition holds, again only for every
/// further 5 points of the limit; re-armed once 5 points below the fraction
/// with no short projection.
fn fire(
  st: &mut LimitState,
  c: &DetectorConfig,
  t_ms: f64,
  fraction: f64,
  threshold: f64,
  condition: bool,
  projected: Option<f64>,
) -> bool {
  let interval_ok = st
    .last_t_ms
    .is_none_or(|last| t_ms - last >= c.report_interval_ms);
  let fire = if condition {
    interval_ok && (!st.active || fraction >= st.last_fraction + 0.05)
  } else {
    if st.active && fraction < threshold - 0.05 && projected.is_none_or(|p| p > 2.0 * c.oom_horizon_ms) {
      st.active = false;
    }
    false
  };
  if fire {
    st.active = true;
    st.last_t_ms = Some(t_ms);
    st.last_fraction = fraction;
  }
  fire
}
