//! Detector configuration: production defaults, validation with messages
//! written for JS users, and partial updates from a JSON object (what
//! `leakwatch.configure({...})` passes down).
//!
//! Option names are the camelCase names JS users type. Every error names the
//! option, the rule and the offending value, e.g.
//! `leakwatch.configure: minDurationMs must be a finite number ≥ 1000, got -5`.
//! An update is all-or-nothing: if any key is invalid nothing changes.

use std::fmt;

use serde_json::{Map, Value};

const MIB: u64 = 1024 * 1024;

/// Tunables of the leak detector. See the module docs of `detector` for why
/// each default is what it is.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectorConfig {
  /// `windowMs`: how far back the trend looks (sliding window in time).
  pub window_ms: f64,
  /// `maxSamples`: cap on live-heap samples kept in the window (memory and
  /// O(n²) statistics bound).
  pub max_samples: usize,
  /// `minDurationMs`: minimum time covered by confirmed samples before a
  /// `leak` can fire.
  pub min_duration_ms: f64,
  /// `minSamples`: minimum number of confirmed samples in the window.
  pub min_samples: usize,
  /// `minFullGcs`: minimum number of full (mark-sweep-compact) GCs in the window.
  pub min_full_gcs: usize,
  /// `minGrowthBytes`: minimum robust growth over the window.
  pub min_growth_bytes: u64,
  /// `minGrowthFraction`: minimum growth relative to the baseline at the start
  /// of the window.
  pub min_growth_fraction: f64,
  /// `significance`: one-sided Mann–Kendall level below which growth counts as
  /// a trend. `sensitivity: "low" | "medium" | "high"` sets 0.001/0.01/0.05.
  pub significance: f64,
  /// `persistence`: the recent half of the window must grow at least this
  /// fraction of the whole window's rate (a filled-up cache does not).
  pub persistence: f64,
  /// `floorBucketMs`: young-GC floor samples are the minimum over buckets of
  /// this length.
  pub floor_bucket_ms: f64,
  /// `reportIntervalMs`: minimum time between two `leak` events of one episode.
  pub report_interval_ms: f64,
  /// `reportGrowthBytes`: a repeated `leak` needs this much more growth since
  /// the previous report...
  pub report_growth_bytes: u64,
  /// `reportGrowthFraction`: ...and this fraction of the previously reported
  /// growth.
  pub report_growth_fraction: f64,
  /// `heapLimitFraction`: `heap-limit` fires when the live heap passes this
  /// fraction of `heap_size_limit`...
  pub heap_limit_fraction: f64,
  /// `oomHorizonMs`: ...or when the projected time to reach it is shorter.
  pub oom_horizon_ms: f64,
  /// `warmupMs`: growth during the first this-many ms of the thread's life
  /// may raise `leak-suspected` but never confirm a `leak` (warm-ups, lazy
  /// initialisation, caches filling at start-up).
  pub warmup_ms: f64,
  /// `cacheFraction`: growth beyond this fraction of the limit (heap limit,
  /// or the container's for memory outside the heap) is more than any cache
  /// should hold: it confirms a `leak` whatever the process's age.
  pub cache_fraction: f64,
  /// `memoryLimitBytes`: the memory limit to forecast RSS against; 0 = the
  /// memory cgroup's (read by the JS side), if any.
  pub memory_limit_bytes: u64,
  /// `memoryLimitFraction`: `memory-limit` fires when the cgroup's usage
  /// passes this fraction of its limit (or on a short projection).
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
    let mut m = Map::new();
    m.insert("windowMs".into(), self.window_ms.into());
    m.insert("maxSamples".into(), (self.max_samples as u64).into());
    m.insert("minDurationMs".into(), self.min_duration_ms.into());
    m.insert("minSamples".into(), (self.min_samples as u64).into());
    m.insert("minFullGcs".into(), (self.min_full_gcs as u64).into());
    m.insert("minGrowthBytes".into(), self.min_growth_bytes.into());
    m.insert("minGrowthFraction".into(), self.min_growth_fraction.into());
    m.insert("significance".into(), self.significance.into());
    m.insert("persistence".into(), self.persistence.into());
    m.insert("floorBucketMs".into(), self.floor_bucket_ms.into());
    m.insert("reportIntervalMs".into(), self.report_interval_ms.into());
    m.insert("reportGrowthBytes".into(), self.report_growth_bytes.into());
    m.insert("reportGrowthFraction".into(), self.report_growth_fraction.into());
    m.insert("heapLimitFraction".into(), self.heap_limit_fraction.into());
    m.insert("oomHorizonMs".into(), self.oom_horizon_ms.into());
    m.insert("warmupMs".into(), self.warmup_ms.into());
    m.insert("cacheFraction".into(), self.cache_fraction.into());
    m.insert("memoryLimitBytes".into(), self.memory_limit_bytes.into());
    m.insert("memoryLimitFraction".into(), self.memory_limit_fraction.into());
    Value::Object(m)
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
