//! The native GC prologue/epilogue callbacks and their lifetime.
//!
//! [`NativeWatch`] ties one isolate to one [`Watch`]. [`install`] registers,
//! in this order: an un-referenced wake-up function (`wake.rs`), an env
//! cleanup hook, and the two GC callbacks with the `NativeWatch` as their
//! `data`. The cleanup hook runs when the environment (main thread or worker)
//! is torn down — before V8 disposes the isolate — and removes the callbacks,
//! so no callback can run against a dead isolate or freed state.
//!
//! Ownership: the `NativeWatch` is an `Arc` shared by the JS handle, the
//! cleanup hook and the wake-up finalizer; each gives its reference back when
//! it is done, so the memory outlives every possible caller.
//!
//! Inside a callback: no JS, no JS-heap allocation, no Rust heap allocation,
//! no blocking lock (`try_lock` only), panics caught and never unwound into V8.

use std::ffi::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::{Function, JsValue, Unknown};
use napi::{sys, Env};

use super::wake::Wake;
use super::{Isolate, V8Error};
use crate::watch::clock;
use crate::watch::live::reads_full_statistics;
use crate::watch::record::{GcKind, MAX_SPACES};
use crate::watch::{EpilogueReading, Inflight, SpaceReading, Watch};

/// One isolate's native hooks.
pub struct NativeWatch {
  isolate: Isolate,
  watch: Arc<Watch>,
  space_count: usize,
  wake: Wake,
  registered: AtomicBool,
  /// Set by the cleanup hook: the environment is going away for good.
  dead: AtomicBool,
}

impl NativeWatch {
  fn data(&self) -> *mut c_void {
    self as *const NativeWatch as *mut c_void
  }

  /// Registers the GC callbacks (idempotent; a no-op after teardown).
  pub fn enable(&self) {
    if self.dead.load(Ordering::Acquire) || self.registered.swap(true, Ordering::AcqRel) {
      return;
    }
    self.isolate.add_callbacks(on_prologue, on_epilogue, self.data());
  }

  /// Removes the GC callbacks (idempotent).
  pub fn disable(&self) {
    if self.registered.swap(false, Ordering::AcqRel) {
      self.isolate.remove_callbacks(on_prologue, on_epilogue, self.data());
    }
  }

  pub fn is_enabled(&self) -> bool {
    self.registered.load(Ordering::Acquire)
  }

  /// Forces a full collection of everything collectable. False when V8 does
  /// not export `LowMemoryNotification` (the caller then uses the JS path).
  pub fn full_gc(&self) -> bool {
    !self.dead.load(Ordering::Acquire) && self.isolate.low_memory_notification()
  }
}

/// Installs native hooks for the current thread's isolate. `on_wake` is called
/// (with no arguments, on the JS thread) when records are waiting. `Err`: the
/// N-API call that failed, as a [`V8Error`] or whatever the caller collects
/// reasons in (the watchdog binding: text).
pub fn install(
  env: &Env,
  on_wake: &Function<'_, (), Unknown<'_>>,
  isolate: Isolate,
  watch: Arc<Watch>,
  space_count: usize,
) -> Result<Arc<NativeWatch>, V8Error> {
  let nw = Arc::new(NativeWatch {
    isolate,
    watch,
    space_count: space_count.min(MAX_SPACES),
    wake: Wake::empty(),
    registered: AtomicBool::new(false),
    dead: AtomicBool::new(false),
  });
  let raw_env = env.raw();
  let for_wake = Arc::into_raw(Arc::clone(&nw)) as *mut c_void;
  // SAFETY: raw_env/func come from the current call; `for_wake` is an owned
  // Arc reference handed back by `wake_finalized`.
  if let Err(e) = unsafe { nw.wake.create(raw_env, on_wake.value().value, for_wake, wake_finalized) } {
    // SAFETY: the function was not created, so the finalizer will never run.
    drop(unsafe { Arc::from_raw(for_wake as *const NativeWatch) });
    return Err(e);
  }
  let for_hook = Arc::into_raw(Arc::clone(&nw)) as *mut c_void;
  // SAFETY: `for_hook` is an owned Arc reference handed back by env_cleanup.
  let st = unsafe { sys::napi_add_env_cleanup_hook(raw_env, Some(env_cleanup), for_hook) };
  if st != sys::Status::napi_ok {
    // SAFETY: the hook was not registered.
    drop(unsafe { Arc::from_raw(for_hook as *const NativeWatch) });
    return Err(V8Error::Napi { call: "napi_add_env_cleanup_hook", status: st });
  }
  nw.watch.seed_carry(nw.isolate.heap_statistics());
  nw.enable();
  Ok(nw)
}

/// Env teardown: unhook from V8 for good, then release the hook's reference.
unsafe extern "C" fn env_cleanup(arg: *mut c_void) {
  let _ = catch_unwind(AssertUnwindSafe(|| {
    // SAFETY: `arg` is the Arc reference leaked for this hook in `install`.
    let nw = unsafe { Arc::from_raw(arg as *const NativeWatch) };
    nw.dead.store(true, Ordering::Release);
    nw.disable();
    nw.wake.forget();
  }));
}

/// Node finalized the wake-up function: forget it, release its reference.
unsafe extern "C" fn wake_finalized(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
  let _ = catch_unwind(AssertUnwindSafe(|| {
    // SAFETY: `data` is the Arc reference leaked for the wake-up in `install`.
    let nw = unsafe { Arc::from_raw(data as *const NativeWatch) };
    nw.wake.forget();
  }));
}

/// # Safety
/// `data` is the `NativeWatch` registered with this callback: the
/// registration is removed before its last reference can be dropped.
unsafe fn watch_from<'a>(isolate: *mut c_void, data: *mut c_void) -> Option<&'a NativeWatch> {
  let nw = unsafe { (data as *const NativeWatch).as_ref()? };
  nw.isolate.is(isolate).then_some(nw)
}

unsafe extern "C" fn on_prologue(isolate: *mut c_void, gc_type: c_int, _flags: c_int, data: *mut c_void) {
  let _ = catch_unwind(AssertUnwindSafe(|| {
    // SAFETY: see watch_from.
    let Some(nw) = (unsafe { watch_from(isolate, data) }) else { return };
    let t0 = clock::now_ns();
    // Σ per-space used = V8's used_heap_size, without the rest of
    // GetHeapStatistics (global handles, native contexts, malloced memory).
    let used_before: u64 = (0..nw.space_count).filter_map(|i| nw.isolate.space_statistics(i)).map(|s| s.used).sum();
    let start_ns = clock::now_ns();
    let gc = Inflight { gc_type: gc_type as u32, start_ns, used_before, hook_ns: start_ns - t0 };
    if nw.watch.try_live(|l| l.begin(gc)).is_none() {
      nw.watch.note_dropped();
    }
  }));
}

unsafe extern "C" fn on_epilogue(isolate: *mut c_void, gc_type: c_int, flags: c_int, data: *mut c_void) {
  let _ = catch_unwind(AssertUnwindSafe(|| {
    // SAFETY: see watch_from.
    let Some(nw) = (unsafe { watch_from(isolate, data) }) else { return };
    let end_ns = clock::now_ns();
    let kind = GcKind::from_v8(gc_type as u32);
    let mut reading = EpilogueReading {
      gc_type: gc_type as u32,
      flags: flags as u32,
      end_ns,
      wall_ms: clock::wall_ms(),
      spaces: [SpaceReading::default(); MAX_SPACES],
      space_count: 0,
      full: None,
      cost_ns: 0,
    };
    for i in 0..nw.space_count {
      let Some(s) = nw.isolate.space_statistics(i) else { break };
      reading.spaces[i] = s;
      reading.space_count = i + 1;
    }
    if reads_full_statistics(kind) {
      reading.full = Some(nw.isolate.heap_statistics());
    }
    reading.cost_ns = clock::now_ns().saturating_sub(end_ns);
    let pushed = nw.watch.try_live(|l| l.complete(&reading));
    match pushed {
      None => nw.watch.note_dropped(),
      Some(pending) => {
        if nw.watch.wake_due(kind, pending) && nw.watch.claim_wake() && !nw.wake.call() {
          nw.watch.release_wake();
        }
      }
    }
  }));
}
