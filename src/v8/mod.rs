//! The one place leakwatch touches V8 directly — and the only module with
//! `unsafe`.
//!
//! Nothing from V8 is linked at build time. At run time we look up a handful
//! of V8 C++ entry points in the host process (`dlsym(RTLD_DEFAULT, …)` on
//! Linux and macOS, `GetProcAddress` on the host executable on Windows). A
//! mangled C++ name encodes the full signature, so if a future V8 changes a
//! signature the lookup fails ("symbol not found") and leakwatch falls back to
//! perf_hooks — it never calls a function with the wrong arguments. One
//! `.node` binary therefore works on every Node version; verified on Linux
//! with Node 18.20, 20.20, 22.23, 24.21 and 26.10.
//!
//! ## Symbol table
//!
//! | role | C++ declaration (v8.h) | Itanium name (Linux, macOS) |
//! |---|---|---|
//! | `get_current` | `static Isolate* Isolate::GetCurrent()` | `_ZN2v87Isolate10GetCurrentEv` |
//! | `add_prologue` | `void Isolate::AddGCPrologueCallback(GCCallbackWithData, void* data, GCType filter)` | `_ZN2v87Isolate21AddGCPrologueCallbackEPFvPS0_NS_6GCTypeENS_15GCCallbackFlagsEPvES4_S2_` |
//! | `add_epilogue` | `void Isolate::AddGCEpilogueCallback(GCCallbackWithData, void* data, GCType filter)` | `_ZN2v87Isolate21AddGCEpilogueCallbackEPFvPS0_NS_6GCTypeENS_15GCCallbackFlagsEPvES4_S2_` |
//! | `remove_prologue` | `void Isolate::RemoveGCPrologueCallback(GCCallbackWithData, void* data)` | `_ZN2v87Isolate24RemoveGCPrologueCallbackEPFvPS0_NS_6GCTypeENS_15GCCallbackFlagsEPvES4_` |
//! | `remove_epilogue` | `void Isolate::RemoveGCEpilogueCallback(GCCallbackWithData, void* data)` | `_ZN2v87Isolate24RemoveGCEpilogueCallbackEPFvPS0_NS_6GCTypeENS_15GCCallbackFlagsEPvES4_` |
//! | `heap_statistics` | `void Isolate::GetHeapStatistics(HeapStatistics*)` | `_ZN2v87Isolate17GetHeapStatisticsEPNS_14HeapStatisticsE` |
//! | `heap_space_statistics` | `bool Isolate::GetHeapSpaceStatistics(HeapSpaceStatistics*, size_t index)` | `_ZN2v87Isolate22GetHeapSpaceStatisticsEPNS_19HeapSpaceStatisticsEm` |
//! | `low_memory_notification` (optional) | `void Isolate::LowMemoryNotification()` | `_ZN2v87Isolate21LowMemoryNotificationEv` |
//!
//! The sampling heap profiler's four entry points (allocation sites) have
//! their own table in [`sampling`], resolved the same way and only when used.
//!
//! `GCCallbackWithData` is `void (*)(Isolate*, GCType, GCCallbackFlags, void*)`;
//! `GCType` and `GCCallbackFlags` are C++ enums passed as `int`. A non-static
//! member function takes `this` as its first argument in both the Itanium
//! (x86-64 / arm64 SysV) and the Microsoft x64 ABIs, which is how the Rust
//! function-pointer types below declare them.
//!
//! All seven required symbols are present in the Linux `node` binaries of
//! 18.20.8, 20.20.2, 22.23.3, 24.21.0 and 26.10.0 (`nm -D`).
//!
//! On Windows the MSVC-mangled names in [`MSVC_NAMES`] are looked up in the
//! host executable. `GetCurrent`, `LowMemoryNotification` and the four
//! callback (un)registrations match names published from real MSVC object
//! files (dumpbin output of another runtime's V8 API layer); the two
//! statistics getters follow the same mangling rules as
//! `GetHeapObjectStatisticsAtLastGC` there. None has been run on a Windows
//! machine by us: if any is wrong, the lookup fails and the perf_hooks backend
//! takes over, which is safe, only less detailed.
//!
//! ## Struct layouts
//!
//! `HeapStatistics` starts with nine `size_t`s (total_heap_size,
//! total_heap_size_executable, total_physical_size, total_available_size,
//! used_heap_size, heap_size_limit, malloced_memory, external_memory,
//! peak_malloced_memory) in every version above; `HeapSpaceStatistics` is
//! `{ const char* space_name; size_t space_size, space_used_size,
//! space_available_size, physical_space_size; }`. We pass V8 zeroed buffers
//! much larger than that (so a field appended in a future V8 cannot write past
//! our memory), and at start-up `crate::watch::layout::check` compares what we read with
//! `v8.getHeapStatistics()` / `v8.getHeapSpaceStatistics()`: if they disagree,
//! the native backend is not used.

mod error;
pub mod hooks;
pub mod sampling;
mod wake;

pub use error::V8Error;

use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::OnceLock;

use crate::watch::layout::NativeHeapView;
use crate::watch::live::SpaceReading;
use crate::watch::record::HeapStats;

/// `v8::GCCallbackWithData`.
pub(crate) type GcCallback =
  unsafe extern "C" fn(isolate: *mut c_void, gc_type: c_int, flags: c_int, data: *mut c_void);

type GetCurrentFn = unsafe extern "C" fn() -> *mut c_void;
type AddCallbackFn = unsafe extern "C" fn(this: *mut c_void, cb: GcCallback, data: *mut c_void, filter: c_int);
type RemoveCallbackFn = unsafe extern "C" fn(this: *mut c_void, cb: GcCallback, data: *mut c_void);
type HeapStatisticsFn = unsafe extern "C" fn(this: *mut c_void, out: *mut RawHeapStatistics);
type HeapSpaceStatisticsFn =
  unsafe extern "C" fn(this: *mut c_void, out: *mut RawHeapSpaceStatistics, index: usize) -> bool;
type LowMemoryNotificationFn = unsafe extern "C" fn(this: *mut c_void);

/// `kGCTypeAll` (scavenge | minor | mark-sweep-compact | incremental | weak).
const GC_TYPE_ALL: c_int = 0x1f;

/// Itanium-mangled names, in [`Symbols`] field order.
pub const ITANIUM_NAMES: [&CStr; 8] = [
  c"_ZN2v87Isolate10GetCurrentEv",
  c"_ZN2v87Isolate21AddGCPrologueCallbackEPFvPS0_NS_6GCTypeENS_15GCCallbackFlagsEPvES4_S2_",
  c"_ZN2v87Isolate21AddGCEpilogueCallbackEPFvPS0_NS_6GCTypeENS_15GCCallbackFlagsEPvES4_S2_",
  c"_ZN2v87Isolate24RemoveGCPrologueCallbackEPFvPS0_NS_6GCTypeENS_15GCCallbackFlagsEPvES4_",
  c"_ZN2v87Isolate24RemoveGCEpilogueCallbackEPFvPS0_NS_6GCTypeENS_15GCCallbackFlagsEPvES4_",
  c"_ZN2v87Isolate17GetHeapStatisticsEPNS_14HeapStatisticsE",
  c"_ZN2v87Isolate22GetHeapSpaceStatisticsEPNS_19HeapSpaceStatisticsEm",
  c"_ZN2v87Isolate21LowMemoryNotificationEv",
];

/// MSVC-mangled names (x64), same order. Not run on Windows: see the module docs.
pub const MSVC_NAMES: [&CStr; 8] = [
  c"?GetCurrent@Isolate@v8@@SAPEAV12@XZ",
  c"?AddGCPrologueCallback@Isolate@v8@@QEAAXP6AXPEAV12@W4GCType@2@W4GCCallbackFlags@2@PEAX@Z31@Z",
  c"?AddGCEpilogueCallback@Isolate@v8@@QEAAXP6AXPEAV12@W4GCType@2@W4GCCallbackFlags@2@PEAX@Z31@Z",
  c"?RemoveGCPrologueCallback@Isolate@v8@@QEAAXP6AXPEAV12@W4GCType@2@W4GCCallbackFlags@2@PEAX@Z3@Z",
  c"?RemoveGCEpilogueCallback@Isolate@v8@@QEAAXP6AXPEAV12@W4GCType@2@W4GCCallbackFlags@2@PEAX@Z3@Z",
  c"?GetHeapStatistics@Isolate@v8@@QEAAXPEAVHeapStatistics@2@@Z",
  c"?GetHeapSpaceStatistics@Isolate@v8@@QEAA_NPEAVHeapSpaceStatistics@2@_K@Z",
  c"?LowMemoryNotification@Isolate@v8@@QEAAXXZ",
];

/// Zeroed room for `v8::HeapStatistics` (14 words today; 64 reserved).
#[repr(C)]
pub(crate) struct RawHeapStatistics {
  words: [usize; 64],
}

/// Zeroed room for `v8::HeapSpaceStatistics` (5 words today; 32 reserved).
#[repr(C)]
pub(crate) struct RawHeapSpaceStatistics {
  space_name: *const c_char,
  space_size: usize,
  space_used_size: usize,
  space_available_size: usize,
  physical_space_size: usize,
  reserved: [usize; 27],
}

/// The resolved entry points.
pub struct Symbols {
  get_current: GetCurrentFn,
  add_prologue: AddCallbackFn,
  add_epilogue: AddCallbackFn,
  remove_prologue: RemoveCallbackFn,
  remove_epilogue: RemoveCallbackFn,
  heap_statistics: HeapStatisticsFn,
  heap_space_statistics: HeapSpaceStatisticsFn,
  low_memory_notification: Option<LowMemoryNotificationFn>,
}

/// Looks `name` up in the host process.
#[cfg(unix)]
fn lookup(name: &CStr) -> *mut c_void {
  // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name only reads.
  unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) }
}

#[cfg(windows)]
fn lookup(name: &CStr) -> *mut c_void {
  #[link(name = "kernel32")]
  extern "system" {
    fn GetModuleHandleW(name: *const u16) -> *mut c_void;
    fn GetProcAddress(module: *mut c_void, name: *const c_char) -> *mut c_void;
  }
  // SAFETY: a null module name means the host executable; both calls only read.
  unsafe {
    let exe = GetModuleHandleW(std::ptr::null());
    if exe.is_null() {
      return std::ptr::null_mut();
    }
    GetProcAddress(exe, name.as_ptr())
  }
}

#[cfg(not(any(unix, windows)))]
fn lookup(_name: &CStr) -> *mut c_void {
  std::ptr::null_mut()
}

fn names() -> &'static [&'static CStr; 8] {
  if cfg!(windows) {
    &MSVC_NAMES
  } else {
    &ITANIUM_NAMES
  }
}

fn resolve() -> Result<Symbols, V8Error> {
  let mut ptrs = [std::ptr::null_mut(); 8];
  for (i, name) in names().iter().enumerate() {
    ptrs[i] = lookup(name);
    if ptrs[i].is_null() && i < 7 {
      return Err(V8Error::MissingSymbol(name));
    }
  }
  // SAFETY: each pointer was found under a mangled name that encodes exactly
  // the signature of the Rust function-pointer type it is transmuted to.
  unsafe {
    Ok(Symbols {
      get_current: std::mem::transmute::<*mut c_void, GetCurrentFn>(ptrs[0]),
      add_prologue: std::mem::transmute::<*mut c_void, AddCallbackFn>(ptrs[1]),
      add_epilogue: std::mem::transmute::<*mut c_void, AddCallbackFn>(ptrs[2]),
      remove_prologue: std::mem::transmute::<*mut c_void, RemoveCallbackFn>(ptrs[3]),
      remove_epilogue: std::mem::transmute::<*mut c_void, RemoveCallbackFn>(ptrs[4]),
      heap_statistics: std::mem::transmute::<*mut c_void, HeapStatisticsFn>(ptrs[5]),
      heap_space_statistics: std::mem::transmute::<*mut c_void, HeapSpaceStatisticsFn>(ptrs[6]),
      low_memory_notification: if ptrs[7].is_null() {
        None
      } else {
        Some(std::mem::transmute::<*mut c_void, LowMemoryNotificationFn>(ptrs[7]))
      },
    })
  }
}

/// The process-wide symbol table, resolved once. `Err` says which symbol is
/// missing.
pub fn symbols() -> Result<&'static Symbols, V8Error> {
  static TABLE: OnceLock<Result<Symbols, V8Error>> = OnceLock::new();
  TABLE.get_or_init(resolve).as_ref().map_err(Clone::clone)
}

/// A V8 isolate: the one running on the current thread when it was obtained.
/// Only valid on that thread and while the isolate lives (guaranteed by the
/// env cleanup hook in `hooks.rs`, which runs before the isolate is disposed).
#[derive(Clone, Copy)]
pub struct Isolate {
  ptr: *mut c_void,
  syms: &'static Symbols,
}

// SAFETY: an `Isolate` is only dereferenced by V8 on the isolate's own thread
// (GC callbacks and JS calls); other threads merely carry the pointer.
unsafe impl Send for Isolate {}
unsafe impl Sync for Isolate {}

impl Symbols {
  /// The isolate of the calling thread, if it has one.
  pub fn current_isolate(&'static self) -> Option<Isolate> {
    // SAFETY: GetCurrent takes no arguments and returns null off-isolate.
    let ptr = unsafe { (self.get_current)() };
    if ptr.is_null() {
      None
    } else {
      Some(Isolate { ptr, syms: self })
    }
  }
}

impl Isolate {
  /// `Isolate::GetHeapStatistics`. Allocation-free: safe in GC callbacks.
  pub fn heap_statistics(&self) -> HeapStats {
    let mut raw = RawHeapStatistics { words: [0; 64] };
    // SAFETY: `raw` is larger than v8::HeapStatistics and zero-initialised;
    // the isolate is alive on this thread (see the type's contract).
    unsafe { (self.syms.heap_statistics)(self.ptr, &mut raw) };
    let w = &raw.words;
    HeapStats {
      total_heap_size: w[0] as u64,
      total_heap_size_executable: w[1] as u64,
      total_physical_size: w[2] as u64,
      total_available_size: w[3] as u64,
      used_heap_size: w[4] as u64,
      heap_size_limit: w[5] as u64,
      malloced_memory: w[6] as u64,
      external_memory: w[7] as u64,
      peak_malloced_memory: w[8] as u64,
    }
  }

  fn raw_space(&self, index: usize) -> Option<RawHeapSpaceStatistics> {
    let mut raw = RawHeapSpaceStatistics {
      space_name: std::ptr::null(),
      space_size: 0,
      space_used_size: 0,
      space_available_size: 0,
      physical_space_size: 0,
      reserved: [0; 27],
    };
    // SAFETY: as for heap_statistics; V8 returns false for an index past the
    // last space and leaves the buffer alone.
    let ok = unsafe { (self.syms.heap_space_statistics)(self.ptr, &mut raw, index) };
    ok.then_some(raw)
  }

  /// `Isolate::GetHeapSpaceStatistics` for one space. Allocation-free.
  pub fn space_statistics(&self, index: usize) -> Option<SpaceReading> {
    self.raw_space(index).map(|r| SpaceReading {
      size: r.space_size as u64,
      used: r.space_used_size as u64,
      available: r.space_available_size as u64,
      physical: r.physical_space_size as u64,
    })
  }

  /// The name of heap space `index` (allocates: start-up only).
  pub fn space_name(&self, index: usize) -> Option<String> {
    let raw = self.raw_space(index)?;
    if raw.space_name.is_null() {
      return None;
    }
    // SAFETY: V8 points space_name at a static NUL-terminated string.
    Some(unsafe { CStr::from_ptr(raw.space_name) }.to_string_lossy().into_owned())
  }

  /// Reads what `crate::watch::layout::check` compares with the JS view (allocates:
  /// start-up only).
  pub fn native_view(&self, space_count: usize) -> NativeHeapView {
    let spaces = (0..space_count)
      .map(|i| (self.space_name(i).unwrap_or_default(), self.space_statistics(i).map(|s| s.size).unwrap_or(0)))
      .collect();
    NativeHeapView { heap: self.heap_statistics(), spaces, extra_space: self.raw_space(space_count).is_some() }
  }

  /// Forces a full, compacting collection of everything collectable
  /// (`Isolate::LowMemoryNotification`). False if the symbol is missing.
  pub fn low_memory_notification(&self) -> bool {
    match self.syms.low_memory_notification {
      Some(f) => {
        // SAFETY: called on the isolate's thread from a JS call.
        unsafe { f(self.ptr) };
        true
      }
      None => false,
    }
  }

  pub(crate) fn add_callbacks(&self, prologue: GcCallback, epilogue: GcCallback, data: *mut c_void) {
    // SAFETY: valid isolate on its thread; callbacks are extern "C" and never
    // unwind; `data` outlives the registration (see hooks.rs).
    unsafe {
      (self.syms.add_prologue)(self.ptr, prologue, data, GC_TYPE_ALL);
      (self.syms.add_epilogue)(self.ptr, epilogue, data, GC_TYPE_ALL);
    }
  }

  pub(crate) fn remove_callbacks(&self, prologue: GcCallback, epilogue: GcCallback, data: *mut c_void) {
    // SAFETY: removes exactly the (callback, data) pairs added above.
    unsafe {
      (self.syms.remove_prologue)(self.ptr, prologue, data);
      (self.syms.remove_epilogue)(self.ptr, epilogue, data);
    }
  }

  /// Whether `ptr` is this isolate.
  pub(crate) fn is(&self, ptr: *mut c_void) -> bool {
    self.ptr == ptr
  }
}
