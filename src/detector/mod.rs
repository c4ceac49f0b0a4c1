//! The leak detector (issue 3): a pure-Rust trend engine fed by GC records.
//!
//! # What is wrong with memwatch's rule
//!
//! memwatch fires when "the heap grew after 5 consecutive full GCs". That
//! rule counts *events*, not *evidence*:
//!
//! * a fast leak makes V8 raise its old-generation limit every full GC, so
//!   full GCs get rarer exactly when the leak is worst (1.3 GB in 15 s with 3
//!   full GCs never fires);
//! * a slow leak is noisy at GC granularity — one flat GC resets the count;
//! * start-up (module loading, JIT, warm caches) is 5 consecutive growths;
//! * a cache that fills up and then stays flat looks the same as a leak
//!   while it fills, and the rule has no notion of "it stopped";
//! * a transient flood (e.g. 404s answered with `Error`s carrying long stack
//!   traces, promoted to large-object space and freed only by the next full
//!   GC) looks like growth at every GC that happens during the flood.
//!
//! # Signals (`signals.rs`)
//!
//! * **Baseline**: used heap after each mark-sweep-compact — the only moment
//!   used ≈ live. Per-space usage is kept with it to name growing spaces.
//! * **Confirmed floor**: young GCs (scavenge / minor mark-sweep) are bucketed
//!   per `floorBucketMs` (min used heap per bucket) and held until the next
//!   full GC; then each bucket becomes the running minimum, backwards, of
//!   everything up to that full GC ("the heap never went below X from t until
//!   the next full GC"). Garbage that only a full GC frees (old-space
//!   promotions, flood-of-errors large objects) can never raise a floor above
//!   the following baseline, yet a leak shows up as floors rising *between*
//!   baselines. The floor turns 3 full GCs into dozens of samples — the fix
//!   for "only 3 full GCs". Unconfirmed young-GC data is shown in
//!   `getStats()` (`floor`) but never used as evidence: between full GCs, a
//!   rising used heap is as likely garbage as a leak (an LRU that evicts
//!   promoted entries climbs fast between full GCs and drops back each time).
//! * **Time and allocation between GCs**: samples are on the monotonic clock;
//!   windows are in time and in count; the allocation rate (from
//!   `used_before`) is reported for context.
//!
//! # The decision (`trend.rs`)
//!
//! On every full GC the confirmed series in the window (last `windowMs`, at
//! most `maxSamples`) is resampled onto a 64-slot time grid (median per
//! slot), so a burst of full GCs during a flood or an allocation spike counts
//! as much evidence as the same *time* of calm, not more. A `leak` needs all
//! of:
//!
//! 1. **Enough evidence**: ≥ `minSamples` samples and ≥ `minFullGcs` full GCs
//!    spanning ≥ `minDurationMs`.
//! 2. **A real trend**: Mann–Kendall one-sided p < `significance`. Rank based,
//!    so a few huge outliers (a flood, a forced GC, a late sample) cannot
//!    create or hide a trend. Its p-value is optimistic on autocorrelated
//!    samples, hence gates 1, 3 and 4.
//! 3. **Enough growth**: Theil–Sen slope × span ≥ `minGrowthBytes` and ≥
//!    `minGrowthFraction` × the fitted starting baseline. Theil–Sen (median
//!    of pairwise slopes) ignores up to ~29 % of outliers; the event's rate is
//!    this slope.
//! 4. **Growth that fills the span** (plateau / step test): the Theil–Sen
//!    slope of *each third* of the span is ≥ `persistence` × the whole slope.
//!    A cache that filled up and went flat, or start-up warm-up, fails the
//!    last third; a flood that lifts the heap in a step (then oscillates)
//!    fails the first; a leak grows in all three. This replaces memwatch's
//!    consecutive count. A third holding fewer than 3 samples (Node 24+
//!    sizes the young generation for throughput, so a quiet service may
//!    scavenge only every few seconds) is widened to its neighbouring
//!    sample on each side: the chord across it still shows growth or not.
//!
//! The whole window is tested first, then its most recent half, quarter,
//! eighth… while they still span `minDurationMs` (a third of it for the fast
//! path below): a leak that starts after a long calm period is found on the
//! suffix it fills, within about `minDurationMs` of confirmed evidence,
//! without shortening the window that slow leaks need.
//!
//! **Fast path: evidence scaled to the stakes.** `minDurationMs` is there
//! because a cache filling up or a warm-up looks like a leak for as long as
//! it fills; waiting out 15 s costs nothing when the heap is far from its
//! limit. It costs the process when the growth, if it is a leak, exhausts the
//! heap within minutes: at full speed the restify closure leak adds ~10 MB/s
//! and V8 spaces its full GCs 1, 8, 16 s apart (the old-generation limit
//! grows ~4× each time), so the 15 s rule waits for the 4th full GC, ~26 s in.
//! Evidence spanning only `minDurationMs` / 3 therefore suffices when *all*
//! of these hold:
//!
//! 1. every gate above except the duration (≥ `minSamples`, significance,
//!    growth, the plateau test on each third of the span);
//! 2. ≥ 3 full GCs in the span, each baseline above the previous one: the
//!    live heap rose across 2 consecutive full-GC intervals, each confirmed
//!    by a full GC, not by young-GC floors alone;
//! 3. the live heap at least doubled (growth ≥ the fitted start) and grew
//!    ≥ 16 × `minGrowthBytes` (64 MiB by default) within that short span:
//!    more than start-up data, JIT or a typical cache fill adds in seconds;
//! 4. at the fitted rate the heap reaches `heap_size_limit` within
//!    `oomHorizonMs` — the same horizon at which `heap-limit` warns. A cache
//!    filling at that rate would itself be one `oomHorizonMs` from an OOM if
//!    it did not stop; a typical cache fill (a few MB/s on a multi-GB limit)
//!    projects hours and takes the normal path.
//!
//! Condition 4 is what ties the shortcut to the cost of waiting rather than
//! to a particular program; conditions 1–3 keep the statistics (a flood
//! whose baselines oscillate fails 2, a step fails the plateau test). With a
//! small `--max-old-space-size` the horizon is reached at lower rates, which
//! is exactly where waiting is most dangerous.
//!
//! The price, stated plainly: a fill of ≥ 64 MiB that keeps rising across
//! 3 full GCs at a rate reaching the limit within `oomHorizonMs` (≳ 7 MB/s on
//! a 4 GiB heap) — e.g. 100 MB of data loaded in 8 s — is reported as a leak,
//! then ends with `leak-end` once flat. Before it stops no detector can tell
//! it from a leak; at that rate, waiting is what the process cannot afford.
//! Slower or smaller fills need the full `minDurationMs` and the plateau test
//! (`tests/traces.rs`: the recorded full-speed closure leak fires at its 3rd
//! full GC, ~10 s in; synthetic 60 MB and 200 MB/40 s fills do not take it).
//!
//! **No spam.** After a `leak`, the same episode is reported again only when
//! the fitted live heap grew ≥ max(`reportGrowthBytes`,
//! `reportGrowthFraction` × the growth already reported) beyond the last
//! report *and* ≥ `reportIntervalMs` passed. The episode ends with
//! `leak-end` when the trend is no longer suspected and the recent evidence
//! — a stretch as long as the evidence that raised the alarm, at least
//! `minDurationMs` — grows at less than `persistence` × the reported rate
//! and no longer significantly. Saying "it stopped" needs as much evidence
//! as saying "it grows": a slow, noisy leak must not flap.
//! A new episode right after a `leak-end` needs the same interval or growth
//! as a repeat report (a trend flapping around the threshold does not
//! alternate `leak`/`leak-end`).
//!
//! **Heap limit.** `heap-limit` fires when the used heap after a full GC is
//! ≥ `heapLimitFraction` of `heap_size_limit`, or when growth that passes the
//! leak test projects reaching the limit within `oomHorizonMs` (a cache
//! filling up fast is not projected). At most one per `reportIntervalMs`;
//! while the condition holds, it repeats only for every further 5 points of
//! the limit, and it re-arms once the heap is 5 points below the fraction
//! with no short projection.
//!
//! # Why these defaults (a web service)
//!
//! * `minDurationMs` 15 s, `minFullGcs` 2, `minSamples` 8: the span is that
//!   of *confirmed* samples, which lags the wall clock by one full-GC
//!   interval; with a growing heap V8 spaces full GCs 5–15 s apart, so the
//!   first alarm comes 15–26 s into the recorded leaks (table in `tests/traces.rs`)
//!   — memwatch needs 5 full GCs, i.e. often minutes. Under
//!   `npm run bench:detect` (real services, natural GCs) a 1 MB/s leak fires
//!   21 s into the load; ~300 kB/s leaks on an 8 MB service fire 46–59 s in,
//!   at V8's second natural full GC (it lets the old generation roughly
//!   triple after the first): no detector can confirm earlier, since until
//!   then the extra heap is as likely garbage as a leak. The plateau test, not
//!   a long duration, is what keeps start-up and caches quiet; raise it for
//!   services with long warm-ups (a 20 s cache fill looks like a leak for 20
//!   s to any detector).
//! * `minGrowthBytes` 4 MiB and `minGrowthFraction` 0.1: below a few MB,
//!   JIT code, inline caches and V8 metadata move the baseline; 10 % keeps a
//!   2 GB heap from alarming on 4 MB. A slow leak becomes reportable once it
//!   has leaked that much — a 10 kB/s leak on a 40 MB service after ~7 min.
//! * `significance` 0.01 (`sensitivity: "medium"`); "low" 0.001, "high" 0.05.
//! * `persistence` 0.3: a leak whose rate fluctuates keeps > 30 % of its
//!   average rate in every third; a plateau or a step drops to ~0.
//! * `windowMs` 10 min, `maxSamples` 1200, `floorBucketMs` 1 s: ten minutes
//!   at one floor per second plus the baselines; statistics run on the 64-slot
//!   grid (O(64²) per test, a few tests per full GC); memory stays under
//!   ~150 KB.
//! * `reportIntervalMs` 60 s, `reportGrowthBytes` 16 MiB,
//!   `reportGrowthFraction` 0.5: a report per minute at most, and only when
//!   the leak grew by half again.
//! * `heapLimitFraction` 0.85, `oomHorizonMs` 10 min. `heap_size_limit`
//!   includes the young generation's reserve, so with a small
//!   `--max-old-space-size` V8 can die of OOM before the used heap reaches
//!   85 % of it (the recorded `leak-oom` trace dies near 55 %); the
//!   projection fires first there.
//!
//! The detector runs on the JS thread after collections, never in a GC
//! callback; it allocates but stays bounded.

pub mod config;
pub mod events;
pub mod reason;
pub mod signals;
pub mod trend;

#[cfg(test)]
#[path = "tests/traces.rs"]
mod traces;

pub use config::{ConfigError, DetectorConfig};
pub use events::{DetectorEvent, DetectorState, HeapLimitEvent, LeakEndEvent, LeakEvent};

use serde_json::Value;

use crate::record::GcRecord;
use signals::{Signals, Source};

/// Number of time slots the evidence is resampled to before the statistics.
const GRID_SLOTS: usize = 64;

/// Fast path (see the module docs): evidence may span `minDurationMs` /
/// this, and must have grown ≥ this × `minGrowthBytes` and at least doubled.
const FAST_SPAN_DIVISOR: f64 = 3.0;
const FAST_GROWTH_FACTOR: f64 = 16.0;
/// Full GCs (rising baselines) the fast path needs: 2 confirmed intervals.
const FAST_MIN_FULL_GCS: usize = 3;

/// The outcome of one trend evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Evaluation {
  n: usize,
  full: usize,
  span_ms: f64,
  /// Whole-window Theil–Sen slope (bytes/s) and Mann–Kendall p (increasing).
  slope: f64,
  p: f64,
  /// Slope of the most recent third (None without 2 samples, even widened).
  recent_slope: Option<f64>,
  /// Slopes of the first, middle and last third (plateau / step test).
  thirds: [Option<f64>; 3],
  start_fit: f64,
  end_fit: f64,
  first_wall_ms: f64,
  last_wall_ms: f64,
  last_t_ms: f64,
  confidence: f64,
  suspected: bool,
}

#[derive(Clone, Debug)]
struct Episode {
  start_wall_ms: f64,
  start_baseline: f64,
  last_report_t_ms: f64,
  last_report_baseline: f64,
  reported_growth: f64,
  rate: f64,
  reports: u32,
  /// Span of the evidence at the first report.
  span_ms: f64,
}

#[derive(Clone, Debug, Default)]
struct HeapLimitState {
  active: bool,
  last_t_ms: Option<f64>,
  last_fraction: f64,
}

/// The leak detector. Feed it every GC record with [`Detector::observe`].
#[derive(Clone, Debug)]
pub struct Detector {
  config: DetectorConfig,
  space_names: Vec<String>,
  signals: Signals,
  last: Option<Evaluation>,
  episode: Option<Episode>,
  heap_limit: HeapLimitState,
  leak_reports: u64,
  /// After a `leak-end`: (time, fitted baseline, growth needed) of the last
  /// report, so that a flapping trend does not start a new episode at once.
  cooldown: Option<(f64, f64, f64)>,
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
      last: None,
      episode: None,
      heap_limit: HeapLimitState::default(),
      leak_reports: 0,
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

  /// Forgets all evidence and any open episode (counters are kept).
  pub fn reset(&mut self) {
    self.signals.clear();
    self.last = None;
    self.episode = None;
    self.cooldown = None;
    self.heap_limit = HeapLimitState::default();
  }

  /// Feeds one GC record; returns the events it triggers (usually none).
  pub fn observe(&mut self, r: &GcRecord) -> Vec<DetectorEvent> {
    let c = &self.config;
    if !self
      .signals
      .push(r, c.floor_bucket_ms, c.window_ms, c.max_samples)
    {
      return Vec::new();
    }
    let eval = self.evaluate();
    self.last = eval;
    let mut events = Vec::new();
    if let Some(e) = eval {
      self.leak_logic(&e, &mut events);
    }
    self.heap_limit_logic(r, eval.as_ref(), &mut events);
    events
  }

  /// The current view, for `getStats()`.
  pub fn snapshot(&self) -> DetectorState {
    let e = self.last.unwrap_or_default();
    DetectorState {
      baseline_bytes: self.signals.last_baseline,
      floor_bytes: self.signals.floor_since_full,
      slope_bytes_per_sec: e.slope,
      confidence: e.confidence,
      leak_suspected: self.episode.is_some() || e.suspected,
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
      projected_oom_ms: self.projected_oom_ms(&e, e.end_fit),
      gcs_observed: self.signals.gcs,
      full_gcs_observed: self.signals.full_gcs,
      leak_reports: self.leak_reports,
      alloc_rate_bytes_per_sec: self.signals.alloc_rate,
    }
  }

  /// Tests the whole window, then its most recent half, quarter, eighth… (as
  /// long as they still span `minDurationMs` / `FAST_SPAN_DIVISOR`, the fast
  /// path's minimum; the other paths check the full span themselves): a leak that started late in a
  /// long flat window is found on a suffix, where growth fills the whole span.
  /// Returns the first suspected evaluation, else the whole window's.
  fn evaluate(&self) -> Option<Evaluation> {
    let samples = self.signals.samples();
    let whole = self.evaluate_from(0)?;
    if whole.suspected {
      return Some(whole);
    }
    let (first_t, last_t) = (samples.front()?.t_ms, samples.back()?.t_ms);
    let mut f = 0.5;
    loop {
      let start_t = last_t - (last_t - first_t) * f;
      f /= 2.0;
      if last_t - start_t < self.config.min_duration_ms / FAST_SPAN_DIVISOR {
        break;
      }
      let i = samples.partition_point(|s| s.t_ms < start_t);
      if let Some(e) = self.evaluate_from(i) {
        if e.suspected {
          return Some(e);
        }
      }
    }
    Some(whole)
  }

  fn evaluate_from(&self, start: usize) -> Option<Evaluation> {
    let c = &self.config;
    let samples = self.signals.samples();
    let first = samples.get(start)?;
    let last = samples.back()?;
    let t0 = first.t_ms;
    let pts: Vec<(f64, f64)> = samples
      .iter()
      .skip(start)
      .map(|s| ((s.t_ms - t0) / 1000.0, s.bytes as f64))
      .collect();
    let n = pts.len();
    let full = samples
      .iter()
      .skip(start)
      .filter(|s| s.source == Source::Baseline)
      .count();
    let span_ms = last.t_ms - t0;
    let span_s = span_ms / 1000.0;
    // Statistics run on a time-uniform grid: a burst of full GCs (a flood,
    // an allocation spike) must not outvote minutes of calm by sheer count.
    let pts = trend::resample(&pts, span_s, GRID_SLOTS);
    let line = trend::theil_sen(&pts);
    let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
    let p = trend::mann_kendall(&ys).map_or(1.0, |m| m.p_increasing);
    let (slope, start_fit, end_fit) = match line {
      Some(l) => (l.slope, l.at(0.0), l.at(span_s)),
      None => (0.0, last.bytes as f64, last.bytes as f64),
    };
    // Slope of the points in [lo, hi]. With fewer than 3 there (young GCs
    // are seconds apart on Node 24+), the part is widened to its neighbouring
    // points on both sides: the chord across it still says whether the heap
    // grew during that third.
    let part_slope = |lo: f64, hi: f64| {
      let i = pts.partition_point(|p| p.0 < lo);
      let j = pts.partition_point(|p| p.0 <= hi);
      let (a, b) = if j - i >= 3 {
        (i, j)
      } else {
        (i.saturating_sub(1), (j + 1).min(pts.len()))
      };
      if b >= a + 2 {
        trend::theil_sen(&pts[a..b]).map(|l| l.slope)
      } else {
        None
      }
    };
    let third = span_s / 3.0;
    let first_slope = part_slope(f64::NEG_INFINITY, third);
    let middle_slope = part_slope(third, 2.0 * third);
    let recent_slope = part_slope(2.0 * third, f64::INFINITY);
    let growth = slope * span_s;
    let persistence_ratio = match recent_slope {
      Some(r) if slope > 0.0 => (r / slope).clamp(0.0, 1.0),
      _ => 0.0,
    };
    let confidence = if slope > 0.0 {
      ((1.0 - p) * (0.5 + 0.5 * persistence_ratio)).clamp(0.0, 1.0)
    } else {
      0.0
    };
    // Fast path (module docs): a shorter span suffices for steep, large,
    // persistent growth that would exhaust the heap within `oomHorizonMs`.
    let fast = || {
      let mut prev = f64::NEG_INFINITY;
      let mut rising = 0usize;
      for s in samples
        .iter()
        .skip(start)
        .filter(|s| s.source == Source::Baseline)
      {
        let b = s.bytes as f64;
        if b <= prev {
          return false;
        }
        prev = b;
        rising += 1;
      }
      let limit = self.signals.heap_size_limit as f64;
      rising >= FAST_MIN_FULL_GCS.max(c.min_full_gcs)
        && span_ms >= c.min_duration_ms / FAST_SPAN_DIVISOR
        && growth >= FAST_GROWTH_FACTOR * c.min_growth_bytes as f64
        && growth >= start_fit.max(0.0)
        && limit > 0.0
        && slope > 0.0
        && (limit - end_fit).max(0.0) / slope * 1000.0 < c.oom_horizon_ms
    };
    let suspected = n >= c.min_samples
      && full >= c.min_full_gcs
      && (span_ms >= c.min_duration_ms || fast())
      && p < c.significance
      && slope > 0.0
      && growth >= c.min_growth_bytes as f64
      && growth >= c.min_growth_fraction * start_fit.max(0.0)
      && [first_slope, middle_slope, recent_slope]
        .iter()
        .all(|part| part.is_some_and(|r| r >= c.persistence * slope));
    Some(Evaluation {
      n,
      full,
      span_ms,
      slope,
      p,
      recent_slope,
      thirds: [first_slope, middle_slope, recent_slope],
      start_fit,
      end_fit,
      first_wall_ms: first.wall_ms,
      last_wall_ms: last.wall_ms,
      last_t_ms: last.t_ms,
      confidence,
      suspected,
    })
  }

  fn projected_oom_ms(&self, e: &Evaluation, from: f64) -> Option<f64> {
    let limit = self.signals.heap_size_limit as f64;
    if limit <= 0.0 || e.slope <= 0.0 {
      return None;
    }
    Some(((limit - from).max(0.0) / e.slope * 1000.0).max(0.0))
  }

  fn leak_logic(&mut self, e: &Evaluation, events: &mut Vec<DetectorEvent>) {
    let c = &self.config;
    let cooled = self
      .cooldown
      .is_none_or(|(t, base, needed)| e.last_t_ms - t >= c.report_interval_ms || e.end_fit >= base + needed);
    let trailing = match &self.episode {
      Some(ep) if !e.suspected => self.trailing_trend(c.min_duration_ms.max(ep.span_ms)),
      _ => None,
    };
    match &mut self.episode {
      None if e.suspected && cooled => {
        let ev = self.leak_event(e, e.first_wall_ms, e.start_fit, 1);
        self.episode = Some(Episode {
          start_wall_ms: e.first_wall_ms,
          start_baseline: e.start_fit,
          last_report_t_ms: e.last_t_ms,
          last_report_baseline: e.end_fit,
          reported_growth: e.end_fit - e.start_fit,
          rate: e.slope,
          reports: 1,
          span_ms: e.span_ms,
        });
        self.leak_reports += 1;
        events.push(DetectorEvent::Leak(ev));
      }
      None => {}
      Some(ep) if e.suspected => {
        let needed = (c.report_growth_bytes as f64).max(c.report_growth_fraction * ep.reported_growth);
        if e.end_fit >= ep.last_report_baseline + needed
          && e.last_t_ms - ep.last_report_t_ms >= c.report_interval_ms
        {
          ep.reports += 1;
          ep.last_report_t_ms = e.last_t_ms;
          ep.last_report_baseline = e.end_fit;
          ep.reported_growth = e.end_fit - ep.start_baseline;
          ep.rate = e.slope;
          let (start_wall, start_baseline, reports) = (ep.start_wall_ms, ep.start_baseline, ep.reports);
          let ev = self.leak_event(e, start_wall, start_baseline, reports);
          self.leak_reports += 1;
          events.push(DetectorEvent::Leak(ev));
        }
      }
      Some(ep) => {
        // Over when the recent evidence (as long as the evidence that was
        // first reported, at least `minDurationMs`) grows at less than
        // `persistence` × the reported rate and no longer significantly.
        let Some((recent, recent_p)) = trailing else {
          return;
        };
        if recent < c.persistence * ep.rate && recent_p >= c.significance {
          let needed = (c.report_growth_bytes as f64).max(c.report_growth_fraction * ep.reported_growth);
          self.cooldown = Some((ep.last_report_t_ms, ep.last_report_baseline, needed));
          let growth = e.end_fit - ep.start_baseline;
          let ev = LeakEndEvent {
            start_wall_ms: ep.start_wall_ms,
            end_wall_ms: e.last_wall_ms,
            growth_bytes: growth as i64,
            baseline_end: e.end_fit.max(0.0) as u64,
            rate_bytes_per_sec: recent,
            reason: reason::leak_end(e.last_wall_ms - ep.start_wall_ms, growth, recent),
          };
          self.episode = None;
          events.push(DetectorEvent::LeakEnd(ev));
        }
      }
    }
  }

  /// Theil–Sen slope (bytes/s) and Mann–Kendall p (increasing) of the
  /// samples in the last `ms`, if there are at least 3 covering ≥ 80 % of it.
  fn trailing_trend(&self, ms: f64) -> Option<(f64, f64)> {
    let samples = self.signals.samples();
    let last = samples.back()?.t_ms;
    let i = samples.partition_point(|s| s.t_ms < last - ms);
    let first = samples.get(i)?.t_ms;
    if samples.len() - i < 3 || last - first < 0.8 * ms {
      return None;
    }
    let pts: Vec<(f64, f64)> = samples
      .iter()
      .skip(i)
      .map(|s| ((s.t_ms - first) / 1000.0, s.bytes as f64))
      .collect();
    let pts = trend::resample(&pts, (last - first) / 1000.0, GRID_SLOTS);
    let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
    let p = trend::mann_kendall(&ys).map_or(1.0, |m| m.p_increasing);
    trend::theil_sen(&pts).map(|l| (l.slope, p))
  }

  fn leak_event(&self, e: &Evaluation, start_wall_ms: f64, start_baseline: f64, report: u32) -> LeakEvent {
    let growth = e.end_fit - start_baseline;
    LeakEvent {
      start_wall_ms,
      end_wall_ms: e.last_wall_ms,
      growth_bytes: growth as i64,
      reason: reason::leak(e.full, e.span_ms, e.slope),
      rate_bytes_per_sec: e.slope,
      confidence: e.confidence,
      baseline_start: start_baseline.max(0.0) as u64,
      baseline_end: e.end_fit.max(0.0) as u64,
      heap_size_limit: self.signals.heap_size_limit,
      growing_spaces: self.growing_spaces(growth),
      projected_oom_ms: self.projected_oom_ms(e, e.end_fit),
      full_gcs: e.full,
      samples: e.n,
      report,
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

  fn heap_limit_logic(&mut self, r: &GcRecord, e: Option<&Evaluation>, events: &mut Vec<DetectorEvent>) {
    let c = &self.config;
    let limit = self.signals.heap_size_limit;
    if limit == 0 {
      return;
    }
    let used = r.after.used_heap_size;
    let fraction = used as f64 / limit as f64;
    let t_ms = r.end_ns as f64 / 1e6;
    // Only growth that passes the leak test is projected: a cache filling up
    // has a steep but temporary slope.
    let projected = e
      .filter(|e| e.suspected)
      .and_then(|e| self.projected_oom_ms(e, used as f64));
    let by_fraction = fraction >= c.heap_limit_fraction;
    let by_projection = projected.is_some_and(|p| p < c.oom_horizon_ms);
    let rate = e.map_or(0.0, |e| e.slope);
    let st = &mut self.heap_limit;
    let interval_ok = st
      .last_t_ms
      .is_none_or(|last| t_ms - last >= c.report_interval_ms);
    let fire = if by_fraction || by_projection {
      interval_ok && (!st.active || fraction >= st.last_fraction + 0.05)
    } else {
      if st.active
        && fraction < c.heap_limit_fraction - 0.05
        && projected.is_none_or(|p| p > 2.0 * c.oom_horizon_ms)
      {
        st.active = false;
      }
      false
    };
    if fire {
      st.active = true;
      st.last_t_ms = Some(t_ms);
      st.last_fraction = fraction;
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
}
