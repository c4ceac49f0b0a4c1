//! Waking the JS thread after a collection, without keeping the loop alive.
//!
//! A N-API thread-safe function (created un-referenced, so it never holds the
//! event loop open) whose JS side drains the ring buffer. Calling it does not
//! run JS and does not touch the JS heap: it queues a null item and signals a
//! libuv async handle, which is what makes it usable from inside a GC
//! epilogue. The caller coalesces calls (at most one pending wake-up, see
//! `Watch::claim_wake`), so the queue never grows.
//!
//! Node finalizes the function when the environment is torn down; the
//! finalizer clears our pointer first, so a GC that runs during teardown finds
//! no function to call rather than a freed one.

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

use napi::sys;

use super::V8Error;

pub(crate) struct Wake {
  tsfn: AtomicPtr<sys::napi_threadsafe_function__>,
}

/// Called by Node when the thread-safe function is finalized.
pub(crate) type WakeFinalizer = unsafe extern "C" fn(env: sys::napi_env, data: *mut c_void, hint: *mut c_void);

impl Wake {
  pub(crate) fn empty() -> Wake {
    Wake { tsfn: AtomicPtr::new(ptr::null_mut()) }
  }

  /// Creates the un-referenced thread-safe function calling `func` with no
  /// arguments. `finalize(env, finalize_data, _)` runs when Node destroys it;
  /// it must call [`Wake::forget`].
  ///
  /// # Safety
  /// `env` and `func` must be the live env and a function value of the
  /// current N-API call; `finalize_data` must stay valid until `finalize` runs.
  pub(crate) unsafe fn create(
    &self,
    env: sys::napi_env,
    func: sys::napi_value,
    finalize_data: *mut c_void,
    finalize: WakeFinalizer,
  ) -> Result<(), V8Error> {
    let name = "leakwatch:gc";
    let mut resource_name = ptr::null_mut();
    let st = sys::napi_create_string_utf8(env, name.as_ptr().cast(), name.len() as isize, &mut resource_name);
    if st != sys::Status::napi_ok {
      return Err(V8Error::Napi { call: "napi_create_string_utf8", status: st });
    }
    let mut tsfn = ptr::null_mut();
    let st = sys::napi_create_threadsafe_function(
      env,
      func,
      ptr::null_mut(),
      resource_name,
      0,
      1,
      finalize_data,
      Some(finalize),
      ptr::null_mut(),
      None,
      &mut tsfn,
    );
    if st != sys::Status::napi_ok || tsfn.is_null() {
      return Err(V8Error::Napi { call: "napi_create_threadsafe_function", status: st });
    }
    let st = sys::napi_unref_threadsafe_function(env, tsfn);
    if st != sys::Status::napi_ok {
      return Err(V8Error::Napi { call: "napi_unref_threadsafe_function", status: st });
    }
    self.tsfn.store(tsfn, Ordering::Release);
    Ok(())
  }

  /// Asks the JS thread to drain. Never blocks, never runs JS; does nothing
  /// once Node has finalized the function.
  pub(crate) fn call(&self) -> bool {
    let tsfn = self.tsfn.load(Ordering::Acquire);
    if tsfn.is_null() {
      return false;
    }
    // SAFETY: non-null means Node has not finalized it yet (the finalizer
    // clears the pointer on this same thread before the memory goes away).
    let st = unsafe {
      sys::napi_call_threadsafe_function(tsfn, ptr::null_mut(), sys::ThreadsafeFunctionCallMode::nonblocking)
    };
    st == sys::Status::napi_ok
  }

  /// Drops our pointer (from the finalizer).
  pub(crate) fn forget(&self) {
    self.tsfn.store(ptr::null_mut(), Ordering::Release);
  }
}
