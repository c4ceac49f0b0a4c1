//! The memory of the other isolates leakwatch watches in this process.
//!
//! A worker thread's V8 heap and its external memory live in the process's
//! resident set, so the main thread, which judges the whole process's
//! native memory (RSS − its heap − its external memory), would see a
//! worker's heap leak as a *native* leak of its own. Every watched worker
//! reports its heap's committed size and its external memory here at each
//! reading; the main thread's native memory leaves them out. A worker
//! leakwatch does not watch (it never required it) stays in native memory:
//! nothing here knows of it.
//!
//! Process-wide and bounded by the number of live watchdogs (one entry each,
//! removed when the watchdog is dropped with its isolate).

use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static MEMORY: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());

/// A new watchdog's key.
pub fn new_id() -> u64 {
  NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Records what isolate `id` holds now (heap committed + external bytes).
pub fn report(id: u64, bytes: u64) {
  let mut m = MEMORY.lock();
  match m.iter_mut().find(|e| e.0 == id) {
    Some(e) => e.1 = bytes,
    None => m.push((id, bytes)),
  }
}

/// Forgets isolate `id` (its watchdog is gone).
pub fn forget(id: u64) {
  MEMORY.lock().retain(|e| e.0 != id);
}

/// What every watched isolate but `id` last reported, summed.
pub fn others(id: u64) -> u64 {
  MEMORY.lock().iter().filter(|e| e.0 != id).map(|e| e.1).fold(0u64, |a, b| a.saturating_add(b))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn each_isolate_sees_the_others_and_a_dropped_one_leaves() {
    let (main, w1, w2) = (new_id(), new_id(), new_id());
    report(w1, 100);
    report(w2, 50);
    report(w1, 120);
    assert_eq!(others(main), 170);
    assert_eq!(others(w1), 50);
    forget(w1);
    forget(w2);
    assert_eq!(others(main), 0);
    forget(main);
  }
}
