//! Detector configuration: production defaults, validation with messages
//! written for JS users, and partial updates from a JSON object (what
//! `leakwatch.configure({...})` passes down).
//!
//! Option names are the camelCase names JS users type. Every error names the
//! option, the rule and the offending value, e.g.
//! `leakwatch.configure: minDurationMs must be a finite number ≥ 1000, got -5`.
//! An update is all-or-nothing: if any key is invalid nothing changes.

use std::fmt;

use serde::Serialize;
use serde_json::Value;
#[cfg(test)]
use ts_rs::TS;

const MIB: u64 = 1024 * 1024;

/// Tunables of the leak detector, as `configure()` takes them and
/// `getConfig()` returns them (JS names: camelCase). See the module docs of
/// `detector` for why each default is what it is.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(TS))]
#[serde(rename_all = "camelCase")]
pub struct DetectorConfig {
  /// How far back the trend looks, ms (≥ 10000). Default 600000.
  pub window_ms: f64,
  /// Cap on samples kept in the window (16..100000). Default 1200.
  pub max_samples: usize,
  /// Minimum time spanned by confirmed evidence, ms (≥ 1000, ≤ windowMs). Default 15000.
  pub min_duration_ms: f64,
  /// Minimum samples in the evidence (4..maxSamples). Default 8.
  pub min_samples: usize,
  /// Minimum full GCs in the evidence (1..2000). Default 2.
  pub min_full_gcs: usize,
  /// Minimum growth over the evidence, bytes. Default 4194304.
  pub min_growth_bytes: u64,
  /// Minimum growth relative to the starting live heap (0..100). Default 0.1.
  pub min_growth_fraction: f64,
  /// One-sided Mann–Kendall level, (0, 0.5]. Default 0.01.
  pub significance: f64,
  /// Each third of the evidence must grow at ≥ this × the overall rate (0..1). Default 0.3.
  pub persistence: f64,
  /// Young-GC floor bucket, ms (≥ 10). Default 1000.
  pub floor_bucket_ms: f64,
  /// Minimum time between reports of one episode and between heap-limit events, ms. Default 60000.
  pub report_interval_ms: f64,
  /// Extra growth a follow-up report needs, bytes. Default 16777216.
  pub report_growth_bytes: u64,
  /// … and as a fraction of the growth already reported (0..100). Default 0.5.
  pub report_growth_fraction: f64,
  /// heap-limit when the live heap passes this fraction of heap_size_limit, (0, 1]. Default 0.85.
  pub heap_limit_fraction: f64,
  /// … or when a leak projects reaching it within this many ms (a fifth of it while only suspected). Default
  /// 600000.
  pub oom_horizon_ms: f64,
  /// Growth in a thread's first this-many ms can raise `leak-suspected` but not confirm a `leak` (warm-ups,
  /// lazy init). Default 60000.
  pub warmup_ms: f64,
  /// Growth beyond this fraction of the limit (heap limit; the container's for memory outside the heap)
  /// confirms a `leak` at any age, (0, 1]. Default 0.25.
  pub cache_fraction: f64,
  /// Memory limit to forecast RSS against, bytes; 0 = the memory cgroup's (v1/v2, every level), if any.
  /// Default 0.
  pub memory_limit_bytes: u64,
  /// memory-limit when the cgroup's usage passes this fraction of its limit, (0, 1]. Default 0.85.
  pub memory_limit_fraction: f64,
}

impl Default for DetectorConfig {
  fn default() -> Self {
    DetectorConfig {
      window_ms: 10.0 * 60_000.0,
      max_samples: 1200,
      min_duration_ms: 15_000.0,
      min_samples: 8,
      min_full_gcs: 2,
      min_growth_bytes: 4 * MIB,
      min_growth_fraction: 0.1,
      significance: 0.01,
      persistence: 0.3,
      floor_bucket_ms: 1_000.0,
      report_interval_ms: 60_000.0,
      report_growth_bytes: 16 * MIB,
      report_growth_fraction: 0.5,
      heap_limit_fraction: 0.85,
      oom_horizon_ms: 10.0 * 60_000.0,
      warmup_ms: 60_000.0,
      cache_fraction: 0.25,
      memory_limit_bytes: 0,
      memory_limit_fraction: 0.85,
    }
  }
}

/// A rejected option, with a message ready to throw as a JS `TypeError` /
/// `RangeError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
  /// The camelCase option name (empty when the argument itself is wrong).
  pub option: String,
  pub message: String,
}

impl fmt::Display for ConfigError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(&self.message)
  }
}

impl std::error::Error for ConfigError {}

fn err(option: &str, rule: &str, got: impl fmt::Display) -> ConfigError {
  ConfigError {
    option: option.to_string(),
    message: format!("leakwatch.configure: {option} {rule}, got {got}"),
  }
}

/// Every option name, in documentation order.
pub const OPTION_NAMES: &[&str] = &[
  "windowMs",
  "maxSamples",
  "minDurationMs",
  "minSamples",
  "minFullGcs",
  "minGrowthBytes",
  "minGrowthFraction",
  "significance",
  "sensitivity",
  "persistence",
  "floorBucketMs",
  "reportIntervalMs",
  "reportGrowthBytes",
  "reportGrowthFraction",
  "heapLimitFraction",
  "oomHorizonMs",
  "warmupMs",
  "cacheFraction",
  "memoryLimitBytes",
  "memoryLimitFraction",
];

fn check_ms(option: &str, v: f64, min: f64) -> Result<(), ConfigError> {
  if v.is_finite() && v >= min {
    Ok(())
  } else {
    Err(err(option, &format!("must be a finite number ≥ {min}"), v))
  }
}

fn check_fraction(option: &str, v: f64, lo_open: bool, hi: f64) -> Result<(), ConfigError> {
  let lo_ok = if lo_open { v > 0.0 } else { v >= 0.0 };
  if v.is_finite() && lo_ok && v <= hi {
    Ok(())
  } else {
    let lo = if lo_open { "> 0" } else { "≥ 0" };
    Err(err(option, &format!("must be a number {lo} and ≤ {hi}"), v))
  }
}

fn check_count(option: &str, v: usize, min: usize, max: usize) -> Result<(), ConfigError> {
  if (min..=max).contains(&v) {
    Ok(())
  } else {
    Err(err(
      option,
      &format!("must be an integer between {min} and {max}"),
      v,
    ))
  }
}

impl DetectorConfig {
  /// Checks every option and the relations between them.
  pub fn validate(&self) -> Result<(), ConfigError> {
    check_ms("windowMs", self.window_ms, 10_000.0)?;
    check_count("maxSamples", self.max_samples, 16, 100_000)?;
    check_ms("minDurationMs", self.min_duration_ms, 1_000.0)?;
    check_count("minSamples", self.min_samples, 4, 100_000)?;
    check_count("minFullGcs", self.min_full_gcs, 1, 2_000)?;
    check_fraction("minGrowthFraction", self.min_growth_fraction, false, 100.0)?;
    check_fraction("significance", self.significance, true, 0.5)?;
    check_fraction("persistence", self.persistence, false, 1.0)?;
    check_ms("floorBucketMs", self.floor_bucket_ms, 10.0)?;
    check_ms("reportIntervalMs", self.report_interval_ms, 0.0)?;
    check_fraction("reportGrowthFraction", self.report_growth_fraction, false, 100.0)?;
    check_fraction("heapLimitFraction", self.heap_limit_fraction, true, 1.0)?;
    check_ms("oomHorizonMs", self.oom_horizon_ms, 0.0)?;
    check_ms("warmupMs", self.warmup_ms, 0.0)?;
    check_fraction("cacheFraction", self.cache_fraction, true, 1.0)?;
    check_fraction("memoryLimitFraction", self.memory_limit_fraction, true, 1.0)?;
    if self.min_duration_ms > self.window_ms {
      return Err(err(
        "minDurationMs",
        &format!("must not exceed windowMs ({})", self.window_ms),
        self.min_duration_ms,
      ));
    }
    if self.min_samples > self.max_samples {
      return Err(err(
        "minSamples",
        &format!("must not exceed maxSamples ({})", self.max_samples),
        self.min_samples,
      ));
    }
    Ok(())
  }

  /// Applies a partial update from a JSON object such as
  /// `{"minDurationMs": 60000, "sensitivity": "low"}`. Unknown keys, wrong
  /// types and out-of-range values are rejected with a message naming the
  /// option; on error `self` is left unchanged.
  pub fn apply_json(&mut self, update: &Value) -> Result<(), ConfigError> {
    let obj = match update {
      Value::Object(o) => o,
      other => {
        return Err(ConfigError {
          option: String::new(),
          message: format!(
            "leakwatch.configure: expected an options object, got {}",
            type_name(other)
          ),
        })
      }
    };
    let mut next = self.clone();
    for (key, value) in obj {
      next.apply_one(key, value)?;
    }
    next.validate()?;
    *self = next;
    Ok(())
  }

  fn apply_one(&mut self, key: &str, v: &Value) -> Result<(), ConfigError> {
    match key {
      "windowMs" => self.window_ms = number(key, v)?,
      "maxSamples" => self.max_samples = integer(key, v)? as usize,
      "minDurationMs" => self.min_duration_ms = number(key, v)?,
      "minSamples" => self.min_samples = integer(key, v)? as usize,
      "minFullGcs" => self.min_full_gcs = integer(key, v)? as usize,
      "minGrowthBytes" => self.min_growth_bytes = integer(key, v)?,
      "minGrowthFraction" => self.min_growth_fraction = number(key, v)?,
      "significance" => self.significance = number(key, v)?,
      "sensitivity" => {
        self.significance = match v.as_str() {
          Some("low") => 0.001,
          Some("medium") => 0.01,
          Some("high") => 0.05,
          _ => return Err(err(key, "must be \"low\", \"medium\" or \"high\"", v)),
        }
      }
      "persistence" => self.persistence = number(key, v)?,
      "floorBucketMs" => self.floor_bucket_ms = number(key, v)?,
      "reportIntervalMs" => self.report_interval_ms = number(key, v)?,
      "reportGrowthBytes" => self.report_growth_bytes = integer(key, v)?,
      "reportGrowthFraction" => self.report_growth_fraction = number(key, v)?,
      "heapLimitFraction" => self.heap_limit_fraction = number(key, v)?,
      "oomHorizonMs" => self.oom_horizon_ms = number(key, v)?,
      "warmupMs" => self.warmup_ms = number(key, v)?,
      "cacheFraction" => self.cache_fraction = number(key, v)?,
      "memoryLimitBytes" => self.memory_limit_bytes = integer(key, v)?,
      "memoryLimitFraction" => self.memory_limit_fraction = number(key, v)?,
      _ => {
        let hint = suggest(key)
          .map(|s| format!(" (did you mean \"{s}\"?)"))
          .unwrap_or_default();
        return Err(ConfigError {
          option: key.to_string(),
          message: format!(
            "leakwatch.configure: unknown option \"{key}\"{hint}; known options: {}",
            OPTION_NAMES.join(", ")
          ),
        });
      }
    }
    Ok(())
  }

  /// The configuration as a JSON object with the JS option names.
  pub fn to_json(&self) -> Value {
    serde_json::to_value(self).unwrap_or(Value::Null)
  }
}

fn type_name(v: &Value) -> String {
  match v {
    Value::Null => "null".into(),
    Value::Bool(b) => b.to_string(),
    Value::Number(n) => n.to_string(),
    Value::String(s) => format!("{s:?}"),
    Value::Array(_) => "an array".into(),
    Value::Object(_) => "an object".into(),
  }
}

fn number(key: &str, v: &Value) -> Result<f64, ConfigError> {
  match v.as_f64() {
    Some(x) => Ok(x),
    None => Err(err(key, "must be a number", type_name(v))),
  }
}

/// A non-negative integer, exactly representable in JS (≤ 2^53).
fn integer(key: &str, v: &Value) -> Result<u64, ConfigError> {
  const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
  if let Some(u) = v.as_u64() {
    if u as f64 <= MAX_SAFE {
      return Ok(u);
    }
  }
  match v.as_f64() {
    Some(x) if (0.0..=MAX_SAFE).contains(&x) && x.fract() == 0.0 => Ok(x as u64),
    _ => Err(err(key, "must be a non-negative safe integer", type_name(v))),
  }
}

/// The known option closest to `key` (case-insensitive edit distance ≤ 3, or
/// a prefix match such as `minDuration` → `minDurationMs`).
fn suggest(key: &str) -> Option<&'static str> {
  let k = key.to_ascii_lowercase();
  let mut best: Option<(usize, &'static str)> = None;
  for &name in OPTION_NAMES {
    let n = name.to_ascii_lowercase();
    let d = if n.starts_with(&k) && k.len() >= 4 {
      1
    } else {
      levenshtein(&k, &n)
    };
    if d <= 3 && best.is_none_or(|(bd, _)| d < bd) {
      best = Some((d, name));
    }
  }
  best.map(|(_, n)| n)
}

fn levenshtein(a: &str, b: &str) -> usize {
  let b: Vec<char> = b.chars().collect();
  let mut prev: Vec<usize> = (0..=b.len()).collect();
  for (i, ca) in a.chars().enumerate() {
    let mut cur = vec![i + 1; b.len() + 1];
    for (j, &cb) in b.iter().enumerate() {
      let sub = prev[j] + usize::from(ca != cb);
      cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
    }
    prev = cur;
  }
  prev[b.len()]
}

#[cfg(test)]
mod tests {
  use super::*;
  use serde_json::json;

  #[test]
  fn defaults_are_valid() {
    DetectorConfig::default().validate().unwrap();
  }

  #[test]
  fn partial_update_applies() {
    let mut c = DetectorConfig::default();
    c.apply_json(&json!({"minDurationMs": 60000, "minGrowthBytes": 5_000_000_000u64, "sensitivity": "low"}))
      .unwrap();
    assert_eq!(c.min_duration_ms, 60_000.0);
    assert_eq!(c.min_growth_bytes, 5_000_000_000);
    assert_eq!(c.significance, 0.001);
    assert_eq!(c.window_ms, DetectorConfig::default().window_ms);
  }

  #[test]
  fn errors_name_option_rule_and_value() {
    let mut c = DetectorConfig::default();
    let e = c.apply_json(&json!({"minDurationMs": -5})).unwrap_err();
    assert_eq!(e.option, "minDurationMs");
    assert_eq!(
      e.message,
      "leakwatch.configure: minDurationMs must be a finite number ≥ 1000, got -5"
    );
    let e = c.apply_json(&json!({"significance": 0})).unwrap_err();
    assert_eq!(
      e.message,
      "leakwatch.configure: significance must be a number > 0 and ≤ 0.5, got 0"
    );
    let e = c.apply_json(&json!({"minGrowthBytes": "4mb"})).unwrap_err();
    assert_eq!(
      e.message,
      "leakwatch.configure: minGrowthBytes must be a non-negative safe integer, got \"4mb\""
    );
    let e = c.apply_json(&json!({"maxSamples": 1.5})).unwrap_err();
    assert!(
      e.message
        .contains("maxSamples must be a non-negative safe integer, got 1.5"),
      "{e}"
    );
    let e = c.apply_json(&json!({"sensitivity": "max"})).unwrap_err();
    assert!(
      e.message
        .contains("sensitivity must be \"low\", \"medium\" or \"high\""),
      "{e}"
    );
    let e = c.apply_json(&json!({"heapLimitFraction": 1.5})).unwrap_err();
    assert_eq!(e.option, "heapLimitFraction");
    let e = c.apply_json(&json!({"minDurationMs": 900000})).unwrap_err();
    assert!(e.message.contains("must not exceed windowMs"), "{e}");
    let e = c.apply_json(&json!([1, 2])).unwrap_err();
    assert_eq!(
      e.message,
      "leakwatch.configure: expected an options object, got an array"
    );
    assert_eq!(c, DetectorConfig::default(), "failed updates change nothing");
  }

  #[test]
  fn unknown_keys_get_a_hint() {
    let mut c = DetectorConfig::default();
    let e = c.apply_json(&json!({"minDuration": 1000})).unwrap_err();
    assert!(
      e.message
        .starts_with("leakwatch.configure: unknown option \"minDuration\" (did you mean \"minDurationMs\"?)"),
      "{e}"
    );
    let e = c.apply_json(&json!({"windowsMs": 1000})).unwrap_err();
    assert!(e.message.contains("did you mean \"windowMs\""), "{e}");
    let e = c.apply_json(&json!({"colour": 1})).unwrap_err();
    assert!(!e.message.contains("did you mean"), "{e}");
    assert!(e.message.contains("known options: windowMs, maxSamples"), "{e}");
    // An atomic update: a valid key next to a bad one is not applied.
    let e = c.apply_json(&json!({"windowMs": 20000, "bogus": 1}));
    assert!(e.is_err());
    assert_eq!(c.window_ms, DetectorConfig::default().window_ms);
  }

  #[test]
  fn to_json_round_trips() {
    let c = DetectorConfig {
      min_full_gcs: 3,
      ..Default::default()
    };
    let mut d = DetectorConfig::default();
    d.apply_json(&c.to_json()).unwrap();
    assert_eq!(c, d);
  }
}
