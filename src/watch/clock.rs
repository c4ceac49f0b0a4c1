//! The process-wide clocks used in GC records.
//!
//! `now_ns` is monotonic (CLOCK_MONOTONIC through `std::time::Instant`, a vDSO
//! call on Linux: no syscall, no allocation, safe inside a GC callback) and
//! counts from the first time anyone asked. `wall_ms` is the Unix-epoch time,
//! used only for display (`gc_ts`, leak `start`/`end`).

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

static BASE: OnceLock<Instant> = OnceLock::new();

/// Monotonic nanoseconds since the clock's base.
pub fn now_ns() -> u64 {
  let base = BASE.get_or_init(Instant::now);
  let d = Instant::now().saturating_duration_since(*base);
  u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Unix-epoch milliseconds (fractional).
pub fn wall_ms() -> f64 {
  match SystemTime::now().duration_since(UNIX_EPOCH) {
    Ok(d) => d.as_secs_f64() * 1000.0,
    Err(_) => 0.0,
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn monotonic_and_plausible() {
    let a = now_ns();
    std::thread::sleep(std::time::Duration::from_millis(2));
    let b = now_ns();
    assert!(b >= a + 1_000_000, "{a} {b}");
    assert!(wall_ms() > 1.6e12); // after 2020
  }
}
