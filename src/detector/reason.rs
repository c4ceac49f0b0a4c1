//! memwatch-style wording for event reasons: short, human, with the rate in
//! `mb/hr` like memwatch's `heap growth over 5 consecutive GCs (1m 2s) -
//! 12.38 mb/hr` (1 mb = 1024² bytes, as memwatch computed it).

const MIB: f64 = 1024.0 * 1024.0;

/// Duration as `850ms`, `41s`, `2m 5s`, `1h 3m`, `2d 4h`.
pub fn duration(ms: f64) -> String {
  if !ms.is_finite() || ms < 0.0 {
    return "?".to_string();
  }
  if ms < 1000.0 {
    return format!("{}ms", ms.round() as u64);
  }
  let s = (ms / 1000.0).round() as u64;
  let (d, h, m, sec) = (s / 86_400, (s / 3600) % 24, (s / 60) % 60, s % 60);
  if d > 0 {
    format!("{d}d {h}h")
  } else if h > 0 {
    format!("{h}h {m}m")
  } else if m > 0 {
    format!("{m}m {sec}s")
  } else {
    format!("{sec}s")
  }
}

/// A byte count as `512 kb`, `41.2 mb`, `3.50 gb` (sign kept).
pub fn bytes(b: f64) -> String {
  let sign = if b < 0.0 { "-" } else { "" };
  let a = b.abs();
  if a < MIB {
    format!("{sign}{} kb", (a / 1024.0).round() as u64)
  } else if a < 1024.0 * MIB {
    format!("{sign}{:.1} mb", a / MIB)
  } else {
    format!("{sign}{:.2} gb", a / (1024.0 * MIB))
  }
}

/// A rate in bytes/s as `96.3 mb/hr` (two decimals under 10 mb/hr).
pub fn rate_per_hour(bytes_per_sec: f64) -> String {
  let mb_hr = bytes_per_sec * 3600.0 / MIB;
  if mb_hr.abs() < 10.0 {
    format!("{mb_hr:.2} mb/hr")
  } else if mb_hr.abs() < 100_000.0 {
    format!("{mb_hr:.1} mb/hr")
  } else {
    format!("{:.1} gb/hr", mb_hr / 1024.0)
  }
}

/// `heap growth over 7 full GCs (41s) - 96.3 mb/hr`.
pub fn leak(full_gcs: usize, span_ms: f64, rate: f64) -> String {
  let gcs = if full_gcs == 1 { "full GC" } else { "full GCs" };
  format!(
    "heap growth over {full_gcs} {gcs} ({}) - {}",
    duration(span_ms),
    rate_per_hour(rate)
  )
}

/// The reason of a `leak` / `leak-suspected` of any kind: memwatch's wording
/// for the heap; `external memory (Buffers, ArrayBuffers) growth over 41s -
/// 96.3 mb/hr (heap 0.02 mb/hr)` for the others; a suspicion says what it
/// could still be.
pub fn leak_of(
  kind: &str,
  full_gcs: usize,
  span_ms: f64,
  rate: f64,
  heap_rate: Option<f64>,
  confirmed: bool,
) -> String {
  let mut s = match kind {
    "heap" => leak(full_gcs, span_ms, rate),
    other => {
      let what = match other {
        "external" => "external memory (Buffers, ArrayBuffers)",
        _ => "native memory (outside the V8 heap and Buffers)",
      };
      let heap = heap_rate
        .map(|h| format!(" (heap {})", rate_per_hour(h)))
        .unwrap_or_default();
      format!(
        "{what} growth over {} - {}{heap}",
        duration(span_ms),
        rate_per_hour(rate)
      )
    }
  };
  if !confirmed {
    s.push_str("; suspected: not yet told apart from a warm-up or a cache filling up");
  }
  s
}

/// `heap growth stopped after 1m 12s (+35.2 mb, now 2.10 mb/hr)`.
pub fn leak_end(episode_ms: f64, growth: f64, rate: f64) -> String {
  leak_end_of("heap", episode_ms, growth, rate)
}

/// [`leak_end`] naming the kind of memory (`external memory growth stopped…`).
pub fn leak_end_of(kind: &str, episode_ms: f64, growth: f64, rate: f64) -> String {
  let plus = if growth >= 0.0 { "+" } else { "" };
  let what = match kind {
    "heap" => "heap",
    "external" => "external memory",
    _ => "native memory",
  };
  format!(
    "{what} growth stopped after {} ({plus}{}, now {})",
    duration(episode_ms),
    bytes(growth),
    rate_per_hour(rate)
  )
}

/// `memory 870.0 mb is 85% of the container's 1.00 gb limit` /
/// `memory will reach the container's 1.00 gb limit (OOM kill) in 2m 5s at 480.0 mb/hr`.
pub fn memory_limit(
  usage: f64,
  limit: f64,
  projected_ms: Option<f64>,
  rate: f64,
  by_fraction: bool,
) -> String {
  match projected_ms {
    Some(ms) if !by_fraction => format!(
      "memory {} will reach the container's {} limit (OOM kill) in {} at {}",
      bytes(usage),
      bytes(limit),
      duration(ms),
      rate_per_hour(rate)
    ),
    _ => format!(
      "memory {} is {:.0}% of the container's {} limit",
      bytes(usage),
      100.0 * usage / limit,
      bytes(limit)
    ),
  }
}

/// `live heap 1.70 gb is 85% of the 2.00 gb limit` /
/// `live heap will reach the 2.00 gb limit in 4m 10s at 96.3 mb/hr`.
pub fn heap_limit(used: f64, limit: f64, projected_ms: Option<f64>, rate: f64, by_fraction: bool) -> String {
  match projected_ms {
    Some(ms) if !by_fraction => format!(
      "live heap {} will reach the {} limit in {} at {}",
      bytes(used),
      bytes(limit),
      duration(ms),
      rate_per_hour(rate)
    ),
    _ => format!(
      "live heap {} is {:.0}% of the {} limit",
      bytes(used),
      100.0 * used / limit,
      bytes(limit)
    ),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn durations() {
    assert_eq!(duration(850.0), "850ms");
    assert_eq!(duration(41_000.0), "41s");
    assert_eq!(duration(125_000.0), "2m 5s");
    assert_eq!(duration(3_780_000.0), "1h 3m");
    assert_eq!(duration(2.0 * 86_400_000.0 + 4.0 * 3_600_000.0), "2d 4h");
    assert_eq!(duration(f64::NAN), "?");
  }

  #[test]
  fn kinds_and_limits() {
    let r = 96.3 * MIB / 3600.0;
    assert_eq!(
      leak_of("external", 3, 41_000.0, r, Some(0.0), true),
      "external memory (Buffers, ArrayBuffers) growth over 41s - 96.3 mb/hr (heap 0.00 mb/hr)"
    );
    assert!(leak_of("heap", 2, 41_000.0, r, None, false).ends_with("a cache filling up"));
    assert_eq!(
      leak_end_of("native", 72_000.0, MIB, 0.0),
      "native memory growth stopped after 1m 12s (+1.0 mb, now 0.00 mb/hr)"
    );
    assert_eq!(
      memory_limit(
        870.0 * MIB,
        1024.0 * MIB,
        Some(125_000.0),
        480.0 * MIB / 3600.0,
        false
      ),
      "memory 870.0 mb will reach the container's 1.00 gb limit (OOM kill) in 2m 5s at 480.0 mb/hr"
    );
  }

  #[test]
  fn memwatch_style() {
    // 96.3 mb/hr = 96.3 * 1024^2 / 3600 bytes/s.
    let r = 96.3 * MIB / 3600.0;
    assert_eq!(
      leak(7, 41_000.0, r),
      "heap growth over 7 full GCs (41s) - 96.3 mb/hr"
    );
    assert_eq!(rate_per_hour(1.0), "0.00 mb/hr");
    assert_eq!(rate_per_hour(-r), "-96.3 mb/hr");
    assert_eq!(rate_per_hour(1e9), "3352.8 gb/hr");
    assert_eq!(bytes(5.0 * 1024.0 * MIB), "5.00 gb");
    assert_eq!(bytes(-2048.0), "-2 kb");
    assert_eq!(
      leak_end(72_000.0, 35.2 * MIB, 0.0),
      "heap growth stopped after 1m 12s (+35.2 mb, now 0.00 mb/hr)"
    );
    assert_eq!(
      heap_limit(1.7 * 1024.0 * MIB, 2.0 * 1024.0 * MIB, None, 0.0, true),
      "live heap 1.70 gb is 85% of the 2.00 gb limit"
    );
  }
}
