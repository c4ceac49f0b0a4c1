//! Robust trend statistics: the Theil–Sen slope and the Mann–Kendall test.
//!
//! Both are rank/median based, so a single outlier (a heap snapshot that
//! forced a collection, a burst of large objects freed late, a sample taken
//! slightly after the collection) moves them very little — unlike a
//! least-squares fit, whose breakdown point is 0 %. Theil–Sen (the median of
//! all pairwise slopes) tolerates ~29 % of arbitrary points; Mann–Kendall
//! counts concordant minus discordant pairs and turns that into a z score with
//! the usual tie correction. Both are O(n²) in the number of samples, which the
//! detector bounds (`maxSamples`).
//!
//! Caveat, documented for users: Mann–Kendall assumes independent samples.
//! Live-heap samples are autocorrelated (floor samples between two full GCs
//! are derived from the same collection), so its p-value is used as a ranking
//! score and a gate, never as the only evidence: the detector also demands a
//! minimum duration, number of samples and growth magnitude.

/// A robust straight line `y = intercept + slope * x`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Line {
  pub slope: f64,
  pub intercept: f64,
}

impl Line {
  /// The fitted value at `x`.
  pub fn at(&self, x: f64) -> f64 {
    self.intercept + self.slope * x
  }
}

/// The result of a Mann–Kendall trend test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MannKendall {
  /// Concordant minus discordant pairs.
  pub s: i64,
  /// Variance of `s` under the no-trend hypothesis, tie-corrected.
  pub var_s: f64,
  /// Continuity-corrected standard score.
  pub z: f64,
  /// One-sided p-value of "no trend" against "increasing".
  pub p_increasing: f64,
  /// One-sided p-value of "no trend" against "decreasing".
  pub p_decreasing: f64,
}

/// The median of `values` (which it reorders); `None` when empty or when a
/// value is NaN.
pub fn median(values: &mut [f64]) -> Option<f64> {
  let n = values.len();
  if n == 0 || values.iter().any(|v| v.is_nan()) {
    return None;
  }
  let mid = n / 2;
  let (_, upper, _) = values.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
  let upper = *upper;
  if n % 2 == 1 {
    return Some(upper);
  }
  // The lower middle is the maximum of the left part.
  let lower = values[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
  Some((lower + upper) / 2.0)
}

/// The Theil–Sen line through `(x, y)` points: the median of the slopes of
/// all pairs with distinct `x`, and the median of `y - slope * x` as the
/// intercept. `None` with fewer than two distinct `x`.
pub fn theil_sen(points: &[(f64, f64)]) -> Option<Line> {
  let n = points.len();
  let mut slopes = Vec::with_capacity(n.saturating_sub(1) * n / 2);
  for i in 0..n {
    let (xi, yi) = points[i];
    for &(xj, yj) in &points[i + 1..] {
      let dx = xj - xi;
      if dx != 0.0 && dx.is_finite() {
        slopes.push((yj - yi) / dx);
      }
    }
  }
  let slope = median(&mut slopes)?;
  let mut residuals: Vec<f64> = points.iter().map(|&(x, y)| y - slope * x).collect();
  let intercept = median(&mut residuals)?;
  Some(Line { slope, intercept })
}

/// The Mann–Kendall test on `ys` in time order. `None` with fewer than three
/// values (no test is possible).
pub fn mann_kendall(ys: &[f64]) -> Option<MannKendall> {
  let n = ys.len();
  if n < 3 {
    return None;
  }
  let mut s: i64 = 0;
  for i in 0..n {
    for &yj in &ys[i + 1..] {
      let d = yj - ys[i];
      if d > 0.0 {
        s += 1;
      } else if d < 0.0 {
        s -= 1;
      }
    }
  }
  // Tie correction: sum over groups of equal values of t(t-1)(2t+5).
  let mut sorted: Vec<f64> = ys.to_vec();
  sorted.sort_by(|a, b| a.total_cmp(b));
  let mut ties = 0.0;
  let mut i = 0;
  while i < n {
    let mut j = i + 1;
    while j < n && sorted[j] == sorted[i] {
      j += 1;
    }
    let t = (j - i) as f64;
    if t > 1.0 {
      ties += t * (t - 1.0) * (2.0 * t + 5.0);
    }
    i = j;
  }
  let nf = n as f64;
  let var_s = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties) / 18.0;
  let z = if var_s <= 0.0 {
    0.0
  } else if s > 0 {
    (s as f64 - 1.0) / var_s.sqrt()
  } else if s < 0 {
    (s as f64 + 1.0) / var_s.sqrt()
  } else {
    0.0
  };
  Some(MannKendall {
    s,
    var_s,
    z,
    p_increasing: normal_sf(z),
    p_decreasing: normal_sf(-z),
  })
}

/// The standard normal survival function `P(Z > z)`.
pub fn normal_sf(z: f64) -> f64 {
  0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function (Numerical Recipes' Chebyshev fit,
/// relative error < 1.2e-7 everywhere — ample for a significance gate).
pub fn erfc(x: f64) -> f64 {
  let z = x.abs();
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -z * z - 1.265_512_23
    + t
      * (1.000_023_68
        + t
          * (0.374_091_96
            + t
              * (0.096_784_18
                + t
                  * (-0.186_288_06
                    + t
                      * (0.278_868_07
                        + t
                          * (-1.135_203_98
                            + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
  let r = t * poly.exp();
  if x >= 0.0 {
    r
  } else {
    2.0 - r
  }
}

/// Resamples `(x, y)` points (sorted by `x`, starting at 0) onto `slots`
/// equal slices of `[0, span]`: each non-empty slice becomes one point, the
/// mean `x` and the median `y` of its members. Empty slices are skipped, so
/// sparse data passes through unchanged and dense bursts count once per
/// slice.
pub fn resample(points: &[(f64, f64)], span: f64, slots: usize) -> Vec<(f64, f64)> {
  if points.len() <= slots || span.is_nan() || span <= 0.0 || slots == 0 {
    return points.to_vec();
  }
  let width = span / slots as f64;
  let mut out = Vec::with_capacity(slots);
  let mut i = 0;
  while i < points.len() {
    let slot = ((points[i].0 / width).floor() as usize).min(slots - 1);
    let mut j = i + 1;
    while j < points.len() && ((points[j].0 / width).floor() as usize).min(slots - 1) == slot {
      j += 1;
    }
    let group = &points[i..j];
    let x = group.iter().map(|p| p.0).sum::<f64>() / group.len() as f64;
    let mut ys: Vec<f64> = group.iter().map(|p| p.1).collect();
    if let Some(y) = median(&mut ys) {
      out.push((x, y));
    }
    i = j;
  }
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
  }

  #[test]
  fn median_odd_even_empty_nan() {
    assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(&mut []), None);
    assert_eq!(median(&mut [1.0, f64::NAN]), None);
  }

  #[test]
  fn theil_sen_exact_line() {
    let pts: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, 3.0 + 2.0 * i as f64)).collect();
    let l = theil_sen(&pts).unwrap();
    assert!(close(l.slope, 2.0, 1e-12));
    assert!(close(l.intercept, 3.0, 1e-12));
    assert!(close(l.at(20.0), 43.0, 1e-9));
  }

  #[test]
  fn theil_sen_ignores_outliers() {
    // y = x with two wild outliers: least squares would be dragged away.
    let mut pts: Vec<(f64, f64)> = (0..20).map(|i| (i as f64, i as f64)).collect();
    pts[5].1 = 1000.0;
    pts[15].1 = -1000.0;
    let l = theil_sen(&pts).unwrap();
    assert!(close(l.slope, 1.0, 1e-9), "{l:?}");
    assert!(close(l.intercept, 0.0, 1e-9), "{l:?}");
  }

  #[test]
  fn theil_sen_known_small_case() {
    // Pairwise slopes of (1,1) (2,3) (3,2) (4,5): 2, 0.5, 1.333, -1, 1, 3 -> median (1+1.333)/2.
    let l = theil_sen(&[(1.0, 1.0), (2.0, 3.0), (3.0, 2.0), (4.0, 5.0)]).unwrap();
    assert!(close(l.slope, (1.0 + 4.0 / 3.0) / 2.0, 1e-12));
    assert!(theil_sen(&[(1.0, 1.0)]).is_none());
    assert!(theil_sen(&[(1.0, 1.0), (1.0, 5.0)]).is_none());
  }

  #[test]
  fn mann_kendall_monotone_and_known_values() {
    // Strictly increasing, n = 10: S = 45, Var = 10*9*25/18 = 125, z = 44/sqrt(125) = 3.9355.
    let ys: Vec<f64> = (0..10).map(|i| i as f64).collect();
    let mk = mann_kendall(&ys).unwrap();
    assert_eq!(mk.s, 45);
    assert!(close(mk.var_s, 125.0, 1e-9));
    assert!(close(mk.z, 44.0 / 125f64.sqrt(), 1e-12));
    assert!(mk.p_increasing < 1e-4 && mk.p_decreasing > 0.9999);
    let down: Vec<f64> = ys.iter().rev().copied().collect();
    let mk = mann_kendall(&down).unwrap();
    assert_eq!(mk.s, -45);
    assert!(mk.p_decreasing < 1e-4);
  }

  #[test]
  fn mann_kendall_ties_and_flat() {
    // Textbook example with ties: 1 2 2 3 -> S = 5 (pairs: +,+,+,0,+,+), ties one group of 2.
    let mk = mann_kendall(&[1.0, 2.0, 2.0, 3.0]).unwrap();
    assert_eq!(mk.s, 5);
    assert!(close(
      mk.var_s,
      (4.0 * 3.0 * 13.0 - 2.0 * 1.0 * 9.0) / 18.0,
      1e-12
    ));
    let flat = mann_kendall(&[5.0; 8]).unwrap();
    assert_eq!(flat.s, 0);
    assert_eq!(flat.z, 0.0);
    assert!(mann_kendall(&[1.0, 2.0]).is_none());
    // An alternating series has no trend.
    let alt: Vec<f64> = (0..30).map(|i| (i % 2) as f64).collect();
    assert!(mann_kendall(&alt).unwrap().p_increasing > 0.05);
  }

  #[test]
  fn resample_evens_out_bursts() {
    // 10 sparse points over [0, 9] then 100 points crammed into [9, 10].
    let mut pts: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, 0.0)).collect();
    pts.extend((0..100).map(|i| (9.0 + i as f64 / 100.0, 50.0)));
    let r = resample(&pts, 10.0, 10);
    assert_eq!(r.len(), 10);
    assert_eq!(r[9].1, 50.0);
    assert!(r[..9].iter().all(|p| p.1 == 0.0));
    // Few points pass through untouched.
    assert_eq!(resample(&pts[..5], 4.0, 10), pts[..5].to_vec());
  }

  #[test]
  fn normal_tail_values() {
    assert!(close(normal_sf(0.0), 0.5, 1e-7));
    assert!(close(normal_sf(1.644_853_6), 0.05, 1e-6));
    assert!(close(normal_sf(2.326_347_9), 0.01, 1e-6));
    assert!(close(normal_sf(-1.959_964), 0.975, 1e-6));
    assert!(close(erfc(0.5), 0.479_500_122, 1e-7));
  }
}
