//! Why leakwatch cannot use V8 directly in this process: a missing entry
//! point, a null handle, a failed N-API call, or an allocation profile laid
//! out otherwise than expected.
//!
//! None of these is thrown to JS: the watchdog then falls back to the
//! perf_hooks backend and shows the message as `backendReason`, the
//! allocation-site sampler reports itself unavailable with it. So each
//! message names what failed and where (the symbol, the N-API call, the
//! profile field); what to do is done already — the fallback.

use std::ffi::CStr;
use std::fmt;

use napi::sys;

/// A failure to reach or read V8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V8Error {
  /// The host process does not export this (mangled) V8 entry point.
  MissingSymbol(&'static CStr),
  /// The sampling heap profiler is not supported on this platform.
  SamplingUnsupported,
  /// `v8::Isolate::GetCurrent()` returned null: no isolate on this thread.
  NoIsolate,
  /// `v8::Isolate::GetHeapProfiler()` returned null.
  NoHeapProfiler,
  /// An N-API call failed with this status.
  Napi { call: &'static str, status: sys::napi_status },
  /// The allocation profile has no root node.
  NoProfileRoot,
  /// The profile's root is not named `(root)`: its layout is not the one
  /// read here.
  ProfileRoot(String),
  /// A part of the allocation profile does not have the expected layout.
  ProfileLayout(&'static str),
}

impl fmt::Display for V8Error {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      V8Error::MissingSymbol(name) => {
        write!(f, "V8 symbol not found in the host process: {}", name.to_string_lossy())
      }
      V8Error::SamplingUnsupported => write!(f, "the sampling heap profiler is not supported on Windows yet"),
      V8Error::NoIsolate => write!(f, "v8::Isolate::GetCurrent() returned null"),
      V8Error::NoHeapProfiler => write!(f, "v8::Isolate::GetHeapProfiler() returned null"),
      V8Error::Napi { call, status } => write!(f, "{call} failed ({status})"),
      V8Error::NoProfileRoot => write!(f, "the allocation profile has no root"),
      V8Error::ProfileRoot(name) => write!(f, "unexpected allocation profile layout (root named {name:?})"),
      V8Error::ProfileLayout(what) => write!(f, "unexpected allocation profile layout ({what})"),
    }
  }
}

impl std::error::Error for V8Error {}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn messages_are_the_ones_js_has_always_shown() {
    assert_eq!(
      V8Error::MissingSymbol(c"_ZN2v87Isolate10GetCurrentEv").to_string(),
      "V8 symbol not found in the host process: _ZN2v87Isolate10GetCurrentEv"
    );
    assert_eq!(
      V8Error::Napi { call: "napi_add_env_cleanup_hook", status: 9 }.to_string(),
      "napi_add_env_cleanup_hook failed (9)"
    );
    assert_eq!(
      V8Error::ProfileRoot("x".into()).to_string(),
      "unexpected allocation profile layout (root named \"x\")"
    );
    assert_eq!(
      V8Error::ProfileLayout("null child").to_string(),
      "unexpected allocation profile layout (null child)"
    );
  }
}
