//! The start-up check that makes reading V8's structs by layout safe.
//!
//! `src/v8/` reads `v8::HeapStatistics` and `v8::HeapSpaceStatistics` through
//! hand-written layouts. Before the native backend is trusted, the values it
//! read are compared here with what `v8.getHeapStatistics()` and
//! `v8.getHeapSpaceStatistics()` returned a moment earlier. Any disagreement
//! (a field moved, a space renamed or added) means "do not use the native
//! backend", with a [`LayoutError`] saying which value disagreed.

use crate::watch::record::HeapStats;

/// What JS measured: `v8.getHeapStatistics()` values in [`HeapStats`] field
/// order, and `v8.getHeapSpaceStatistics()` names and `space_size`s.
pub struct JsHeapView<'a> {
  pub heap: &'a [f64],
  pub space_names: &'a [String],
  pub space_sizes: &'a [f64],
}

/// What the native side read: heap statistics, each space's name and size,
/// and whether V8 answered for one more space than JS listed.
pub struct NativeHeapView {
  pub heap: HeapStats,
  pub spaces: Vec<(String, u64)>,
  pub extra_space: bool,
}

/// Which native read disagreed with the JS one. The message names the value
/// (where) and both readings (what); nothing is to be done by the user: the
/// watchdog falls back to perf_hooks and shows it as `backendReason`.
#[derive(Debug, Clone, PartialEq)]
pub enum LayoutError {
  /// JS passed fewer than the 9 `v8.getHeapStatistics()` values.
  ShortJsView { got: usize },
  /// A statistic read natively is not what the `v8` module says.
  Mismatch { what: String, native: u64, js: f64 },
  /// The native heap numbers cannot be right together.
  Implausible { used: u64, total: u64 },
  /// Another number of heap spaces natively (`more`: V8 answers past the
  /// last one JS listed).
  SpaceCount { native: usize, more: bool, js: usize },
  /// Heap space `index` has another name natively.
  SpaceName { index: usize, native: String, js: String },
}

impl std::fmt::Display for LayoutError {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    match self {
      LayoutError::ShortJsView { got } => {
        write!(f, "layout check: expected 9 values from v8.getHeapStatistics(), got {got}")
      }
      LayoutError::Mismatch { what, native, js } => {
        write!(f, "layout check failed: {what} read natively as {native}, v8 module says {js}")
      }
      LayoutError::Implausible { used, total } => write!(
        f,
        "layout check failed: implausible used_heap_size {used} for total_heap_size {total}"
      ),
      LayoutError::SpaceCount { native, more, js } => write!(
        f,
        "layout check failed: {native} heap spaces natively{}, {js} in v8.getHeapSpaceStatistics()",
        if *more { " and more" } else { "" }
      ),
      LayoutError::SpaceName { index, native, js } => {
        write!(f, "layout check failed: heap space {index} is {native:?} natively, {js:?} in v8")
      }
    }
  }
}

impl std::error::Error for LayoutError {}

/// Allocation between the two reads moves the numbers a little: allow 8 MiB
/// plus a quarter. A misread field is off by orders of magnitude instead.
fn close(native: u64, js: f64, what: &str) -> Result<(), LayoutError> {
  let js_u = if js.is_finite() && js >= 0.0 { js as u64 } else { u64::MAX };
  let tol = 8 * 1024 * 1024 + js_u / 4;
  if native.abs_diff(js_u) <= tol {
    Ok(())
  } else {
    Err(LayoutError::Mismatch { what: what.to_string(), native, js })
  }
}

/// `Ok` if the native reads agree with the JS ones.
pub fn check(native: &NativeHeapView, js: &JsHeapView) -> Result<(), LayoutError> {
  let n = &native.heap;
  if js.heap.len() < 9 {
    return Err(LayoutError::ShortJsView { got: js.heap.len() });
  }
  if n.heap_size_limit as f64 != js.heap[5] {
    return Err(LayoutError::Mismatch {
      what: "heap_size_limit".into(),
      native: n.heap_size_limit,
      js: js.heap[5],
    });
  }
  close(n.total_heap_size, js.heap[0], "total_heap_size")?;
  close(n.total_heap_size_executable, js.heap[1], "total_heap_size_executable")?;
  close(n.total_physical_size, js.heap[2], "total_physical_size")?;
  close(n.used_heap_size, js.heap[4], "used_heap_size")?;
  close(n.peak_malloced_memory, js.heap[8], "peak_malloced_memory")?;
  if n.used_heap_size > n.total_heap_size || n.total_heap_size > n.heap_size_limit.saturating_mul(2) {
    return Err(LayoutError::Implausible { used: n.used_heap_size, total: n.total_heap_size });
  }
  if native.spaces.len() != js.space_names.len() || native.extra_space {
    return Err(LayoutError::SpaceCount {
      native: native.spaces.len(),
      more: native.extra_space,
      js: js.space_names.len(),
    });
  }
  for (i, ((name, size), js_name)) in native.spaces.iter().zip(js.space_names).enumerate() {
    if name != js_name {
      return Err(LayoutError::SpaceName { index: i, native: name.clone(), js: js_name.clone() });
    }
    close(*size, js.space_sizes.get(i).copied().unwrap_or(-1.0), name)?;
  }
  Ok(())
}

#[cfg(test)]
mod tests {
  use super::*;

  fn native() -> NativeHeapView {
    NativeHeapView {
      heap: HeapStats {
        total_heap_size: 50 << 20,
        total_heap_size_executable: 1 << 20,
        total_physical_size: 49 << 20,
        total_available_size: 4000 << 20,
        used_heap_size: 30 << 20,
        heap_size_limit: 4144 << 20,
        malloced_memory: 1 << 18,
        external_memory: 1 << 20,
        peak_malloced_memory: 1 << 19,
      },
      spaces: vec![("new_space".into(), 16 << 20), ("old_space".into(), 30 << 20)],
      extra_space: false,
    }
  }

  fn js_heap(n: &HeapStats) -> Vec<f64> {
    [
      n.total_heap_size,
      n.total_heap_size_executable,
      n.total_physical_size,
      n.total_available_size,
      n.used_heap_size,
      n.heap_size_limit,
      n.malloced_memory,
      n.external_memory,
      n.peak_malloced_memory,
    ]
    .iter()
    .map(|&v| v as f64)
    .collect()
  }

  #[test]
  fn agreeing_reads_pass_with_allocation_noise() {
    let n = native();
    let mut heap = js_heap(&n.heap);
    heap[4] += 3.0 * 1048576.0; // allocated 3 MB between the reads
    let names = vec!["new_space".to_string(), "old_space".to_string()];
    let sizes = vec![(16 << 20) as f64, (31 << 20) as f64];
    assert_eq!(check(&n, &JsHeapView { heap: &heap, space_names: &names, space_sizes: &sizes }), Ok(()));
  }

  #[test]
  fn a_shifted_field_is_caught() {
    let n = native();
    let names = vec!["new_space".to_string(), "old_space".to_string()];
    let sizes = vec![(16 << 20) as f64, (30 << 20) as f64];
    // As if V8 inserted a field before used_heap_size: we would read
    // total_available_size where used_heap_size is.
    let mut heap = js_heap(&n.heap);
    heap.swap(3, 4);
    let err = check(&n, &JsHeapView { heap: &heap, space_names: &names, space_sizes: &sizes }).unwrap_err();
    assert!(err.to_string().contains("used_heap_size"), "{err}");
    let mut heap = js_heap(&n.heap);
    heap[5] += 1.0;
    let err = check(&n, &JsHeapView { heap: &heap, space_names: &names, space_sizes: &sizes }).unwrap_err();
    assert!(err.to_string().contains("heap_size_limit"), "{err}");
  }

  #[test]
  fn space_names_and_counts_must_match() {
    let n = native();
    let heap = js_heap(&n.heap);
    let sizes = vec![(16 << 20) as f64, (30 << 20) as f64];
    let renamed = vec!["new_space".to_string(), "trusted_space".to_string()];
    let err = check(&n, &JsHeapView { heap: &heap, space_names: &renamed, space_sizes: &sizes }).unwrap_err();
    assert!(err.to_string().contains("trusted_space"), "{err}");
    let fewer = vec!["new_space".to_string()];
    assert!(check(&n, &JsHeapView { heap: &heap, space_names: &fewer, space_sizes: &sizes[..1] }).is_err());
    let mut extra = native();
    extra.extra_space = true;
    let names = vec!["new_space".to_string(), "old_space".to_string()];
    assert!(check(&extra, &JsHeapView { heap: &heap, space_names: &names, space_sizes: &sizes }).is_err());
  }
}
