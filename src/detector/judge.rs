//! The trend test on one series of evidence (`series::Point`s): is this
//! memory growing significantly, by enough, and through the whole span?
//! The gates and the fast path are explained in the module docs of
//! `detector`; this file only computes them.

use super::config::DetectorConfig;
use super::series::{Point, Source};
use super::trend;

/// Number of time slots the evidence is resampled to before the statistics.
pub const GRID_SLOTS: usize = 64;

/// Fast path (see the module docs): evidence may span `minDurationMs` /
/// this, and must have grown ≥ this × `minGrowthBytes` and at least doubled.
pub const FAST_SPAN_DIVISOR: f64 = 3.0;
pub const FAST_GROWTH_FACTOR: f64 = 16.0;
/// Full GCs (rising baselines) the fast path needs: 2 confirmed intervals.
pub const FAST_MIN_FULL_GCS: usize = 3;

/// What the series is judged against.
#[derive(Clone, Copy, Debug)]
pub struct Context {
  /// Full GCs (baselines) the evidence must hold (0 for kinds GCs do not move).
  pub min_full_gcs: usize,
  /// The limit this memory runs into (heap_size_limit, the container's
  /// limit), 0 when unknown: the fast path needs it.
  pub limit: f64,
  /// Whether the fast path may shorten the evidence.
  pub fast: bool,
  /// Growth must also reach this many bytes (0: no extra floor). Native
  /// memory is judged against the whole process: allocator pages creeping
  /// up by a few MB under Buffer churn are not a leak of a 200 MB service.
  pub min_growth_floor: f64,
  /// Growth must also exceed this many times the noise around the fitted
  /// line (1.4826 × the median absolute residual; 0: no such gate). Native
  /// memory is a difference of three readings taken at slightly different
  /// moments (RSS lags the heap's commits and releases by seconds): it
  /// jumps by the heap's size changes, which a trend test alone can take
  /// for growth.
  pub min_snr: f64,
}

/// The outcome of one trend evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Evaluation {
  pub n: usize,
  pub full: usize,
  pub span_ms: f64,
  /// Theil–Sen slope (bytes/s) and Mann–Kendall p (increasing).
  pub slope: f64,
  pub p: f64,
  /// The rate reported (see [`evaluate`]); the slope unless a shorter
  /// suffix of the evidence is suspected too.
  pub rate: f64,
  /// Slopes of the first, middle and last third (plateau / step test).
  pub thirds: [Option<f64>; 3],
  pub start_fit: f64,
  pub end_fit: f64,
  /// Measured figures: the lowest of the first points and the newest
  /// confirmed-or-not point, for `baseline_start` / `baseline_end`.
  pub start_bytes: u64,
  pub end_bytes: u64,
  pub first_t_ms: f64,
  pub first_wall_ms: f64,
  pub last_wall_ms: f64,
  pub last_t_ms: f64,
  pub confidence: f64,
  pub suspected: bool,
}

/// Tests the whole series, then its most recent half, quarter, eighth… (as
/// long as they still span `minDurationMs` / `FAST_SPAN_DIVISOR`): a leak
/// that started late in a long flat window is found on a suffix, where
/// growth fills the whole span. Returns the first suspected evaluation, else
/// the whole series'.
///
/// The reported `rate` is that of the shortest suspected suffix (halving
/// further while they stay suspected): a leak that began late in the
/// evidence is reported at its current rate, not averaged with the flat
/// stretch before it.
pub fn evaluate(pts: &[Point], c: &DetectorConfig, ctx: Context) -> Option<Evaluation> {
  let whole = evaluate_from(pts, 0, c, ctx)?;
  let (first_t, last_t) = (pts.first()?.t_ms, pts.last()?.t_ms);
  let shortest = if ctx.fast {
    c.min_duration_ms / FAST_SPAN_DIVISOR
  } else {
    c.min_duration_ms
  };
  let mut found = whole.suspected.then_some(whole);
  let mut f = 0.5;
  loop {
    let start_t = last_t - (last_t - first_t) * f;
    f /= 2.0;
    if last_t - start_t < shortest {
      break;
    }
    let i = pts.partition_point(|s| s.t_ms < start_t);
    match (evaluate_from(pts, i, c, ctx), found.as_mut()) {
      (Some(e), None) if e.suspected => found = Some(e),
      (Some(e), Some(f)) if e.suspected => f.rate = e.slope,
      (_, Some(_)) => break,
      _ => {}
    }
  }
  Some(found.unwrap_or(whole))
}

/// One evaluation of the points from index `start`.
pub fn evaluate_from(all: &[Point], start: usize, c: &DetectorConfig, ctx: Context) -> Option<Evaluation> {
  let samples = all.get(start..)?;
  let first = samples.first()?;
  let last = samples.last()?;
  let t0 = first.t_ms;
  let raw: Vec<(f64, f64)> = samples
    .iter()
    .map(|s| ((s.t_ms - t0) / 1000.0, s.bytes as f64))
    .collect();
  let n = raw.len();
  let full = samples.iter().filter(|s| s.source == Source::Baseline).count();
  let span_ms = last.t_ms - t0;
  let span_s = span_ms / 1000.0;
  // Statistics run on a time-uniform grid: a burst of full GCs (a flood,
  // an allocation spike) must not outvote minutes of calm by sheer count.
  let pts = trend::resample(&raw, span_s, GRID_SLOTS);
  let line = trend::theil_sen(&pts);
  let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
  let p = trend::mann_kendall(&ys).map_or(1.0, |m| m.p_increasing);
  let (slope, start_fit, end_fit) = match line {
    Some(l) => (l.slope, l.at(0.0), l.at(span_s)),
    None => (0.0, last.bytes as f64, last.bytes as f64),
  };
  // Slope of the points in [lo, hi]. With fewer than 3 there (young GCs
  // are seconds apart on Node 24+), the part is widened to its neighbouring
  // points on both sides: the chord across it still says whether the
  // memory grew during that third.
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
  let thirds = [
    part_slope(f64::NEG_INFINITY, third),
    part_slope(third, 2.0 * third),
    part_slope(2.0 * third, f64::INFINITY),
  ];
  let growth = slope * span_s;
  let persistence_ratio = match thirds[2] {
    Some(r) if slope > 0.0 => (r / slope).clamp(0.0, 1.0),
    _ => 0.0,
  };
  let confidence = if slope > 0.0 {
    ((1.0 - p) * (0.5 + 0.5 * persistence_ratio)).clamp(0.0, 1.0)
  } else {
    0.0
  };
  // Fast path (module docs): a shorter span suffices for steep, large,
  // persistent growth that would exhaust the limit within `oomHorizonMs`.
  let fast = || {
    if !ctx.fast {
      return false;
    }
    let mut prev = f64::NEG_INFINITY;
    let mut rising = 0usize;
    for s in samples.iter().filter(|s| s.source == Source::Baseline) {
      let b = s.bytes as f64;
      if b <= prev {
        return false;
      }
      prev = b;
      rising += 1;
    }
    rising >= FAST_MIN_FULL_GCS.max(ctx.min_full_gcs)
      && span_ms >= c.min_duration_ms / FAST_SPAN_DIVISOR
      && growth >= FAST_GROWTH_FACTOR * c.min_growth_bytes as f64
      && growth >= start_fit.max(0.0)
      && ctx.limit > 0.0
      && slope > 0.0
      && (ctx.limit - end_fit).max(0.0) / slope * 1000.0 < c.oom_horizon_ms
  };
  let suspected = n >= c.min_samples
    && full >= ctx.min_full_gcs
    && (span_ms >= c.min_duration_ms || fast())
    && p < c.significance
    && slope > 0.0
    && growth >= c.min_growth_bytes as f64
    && growth >= ctx.min_growth_floor
    && (ctx.min_snr <= 0.0 || line.is_some_and(|l| growth >= ctx.min_snr * noise(&pts, &l)))
    && growth >= c.min_growth_fraction * start_fit.max(0.0)
    && thirds
      .iter()
      .all(|part| part.is_some_and(|r| r >= c.persistence * slope));
  // Measured figures: the size after the full GC nearest the start of the
  // evidence (at or before it, else the first within it), else the lowest
  // of its first three points (a floor, not a spike); and the newest point.
  let start_bytes = all[..=start]
    .iter()
    .rev()
    .chain(samples.iter())
    .find(|s| s.source == Source::Baseline)
    .map_or_else(
      || samples.iter().take(3).map(|s| s.bytes).min().unwrap_or(0),
      |s| s.bytes,
    );
  Some(Evaluation {
    n,
    full,
    span_ms,
    slope,
    p,
    rate: slope,
    thirds,
    start_fit,
    end_fit,
    start_bytes,
    end_bytes: last.bytes,
    first_t_ms: first.t_ms,
    first_wall_ms: first.wall_ms,
    last_wall_ms: last.wall_ms,
    last_t_ms: last.t_ms,
    confidence,
    suspected,
  })
}

/// Theil–Sen slope (bytes/s) and Mann–Kendall p (increasing) of the points
/// in the last `ms`, if there are at least 3 covering ≥ 80 % of it.
pub fn trailing_trend(pts: &[Point], ms: f64) -> Option<(f64, f64)> {
  let last = pts.last()?.t_ms;
  let i = pts.partition_point(|s| s.t_ms < last - ms);
  let first = pts.get(i)?.t_ms;
  if pts.len() - i < 3 || last - first < 0.8 * ms {
    return None;
  }
  let raw: Vec<(f64, f64)> = pts[i..]
    .iter()
    .map(|s| ((s.t_ms - first) / 1000.0, s.bytes as f64))
    .collect();
  let grid = trend::resample(&raw, (last - first) / 1000.0, GRID_SLOTS);
  let ys: Vec<f64> = grid.iter().map(|p| p.1).collect();
  let p = trend::mann_kendall(&ys).map_or(1.0, |m| m.p_increasing);
  trend::theil_sen(&grid).map(|l| (l.slope, p))
}

/// Whether growth at `slope` went on in `post` (the confirmed points after
/// the warm-up): at least 3 points spanning ≥ `minDurationMs` / 3 whose
/// Theil–Sen slope keeps ≥ `persistence` × `slope`. A warm-up or cache that
/// stopped by then is flat here; a leak is not. Only a full GC confirms heap
/// points, so this is usually decided by the first full GC after the warm-up.
pub fn grows_after(post: &[Point], c: &DetectorConfig, slope: f64) -> bool {
  let (Some(first), Some(last)) = (post.first(), post.last()) else {
    return false;
  };
  if post.len() < 3 || last.t_ms - first.t_ms < c.min_duration_ms / FAST_SPAN_DIVISOR || slope <= 0.0 {
    return false;
  }
  let raw: Vec<(f64, f64)> = post
    .iter()
    .map(|p| ((p.t_ms - first.t_ms) / 1000.0, p.bytes as f64))
    .collect();
  trend::theil_sen(&raw).is_some_and(|l| l.slope >= c.persistence * slope)
}

/// Whether `post` (confirmed points past the warm-up) ends with a baseline
/// that is above an earlier point by `minGrowthBytes` and `minGrowthFraction`
/// of it, at least `minDurationMs` / 3 earlier. Floors and baselines bound
/// the live heap from above and a baseline measures it, so the live heap
/// grew by at least that much within `post`.
pub fn grew_soundly(post: &[Point], c: &DetectorConfig) -> bool {
  let Some(last) = post.last().filter(|p| p.source == Source::Baseline) else {
    return false;
  };
  let before = post.iter().filter(|p| p.t_ms <= last.t_ms - c.min_duration_ms / FAST_SPAN_DIVISOR);
  let Some(low) = before.map(|p| p.bytes).min() else {
    return false;
  };
  let growth = last.bytes.saturating_sub(low) as f64;
  growth >= c.min_growth_bytes as f64 && growth >= c.min_growth_fraction * low as f64
}

/// Whether the newest point is a baseline above every earlier baseline of
/// `pts` by `minGrowthBytes`, with at least two earlier ones: growth, not
/// the peak of a sawtooth (a batch caught mid-build by a full GC).
pub fn new_high(pts: &[Point], c: &DetectorConfig) -> bool {
  let Some(last) = pts.last().filter(|p| p.source == Source::Baseline) else {
    return false;
  };
  let earlier: Vec<u64> =
    pts[..pts.len() - 1].iter().filter(|p| p.source == Source::Baseline).map(|p| p.bytes).collect();
  earlier.len() >= 2 && earlier.iter().all(|&b| last.bytes >= b.saturating_add(c.min_growth_bytes))
}

/// Robust spread of `pts` around `line`: 1.4826 × the median absolute
/// residual (the standard deviation, for normal noise).
fn noise(pts: &[(f64, f64)], line: &trend::Line) -> f64 {
  let mut r: Vec<f64> = pts.iter().map(|p| (p.1 - line.at(p.0)).abs()).collect();
  1.4826 * trend::median(&mut r).unwrap_or(0.0)
}
