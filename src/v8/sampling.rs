//! V8's sampling heap profiler, reached like the GC hooks: entry points
//! resolved from the host process at run time, nothing linked.
//!
//! ## Why not the inspector protocol
//!
//! `node:inspector`'s `HeapProfiler.getSamplingProfile` would need no FFI, but
//! V8's inspector starts the sampler with `kSamplingForceGC`, so every reading
//! runs a full, stop-the-world collection first: measured 46–145 ms on a
//! 18–78 MB heap (Node 20), which grows with the heap — a stall a leaking
//! service cannot afford every few seconds. Started here with
//! `kSamplingNoFlags`, a reading costs a walk of the sampled tree, no GC.
//!
//! ## Symbol table (in addition to `super`'s)
//!
//! | role | C++ declaration (v8-profiler.h) | Itanium name |
//! |---|---|---|
//! | `get_heap_profiler` | `HeapProfiler* Isolate::GetHeapProfiler()` | `_ZN2v87Isolate15GetHeapProfilerEv` |
//! | `start` | `bool HeapProfiler::StartSamplingHeapProfiler(uint64_t sample_interval, int stack_depth, SamplingFlags)` | `_ZN2v812HeapProfiler25StartSamplingHeapProfilerEmiNS0_13SamplingFlagsE` |
//! | `stop` | `void HeapProfiler::StopSamplingHeapProfiler()` | `_ZN2v812HeapProfiler24StopSamplingHeapProfilerEv` |
//! | `get_profile` | `AllocationProfile* HeapProfiler::GetAllocationProfile()` | `_ZN2v812HeapProfiler20GetAllocationProfileEv` |
//!
//! All four are in the Linux `node` binaries of 18.20.8, 20.20.2, 22.23.5,
//! 24.22.3 and 26.12.1 (`nm -D`). `StartSamplingHeapProfiler` returns false
//! when a sampler already runs in the isolate (an inspector session's, an APM
//! agent's): we then stay off and say so. `GetAllocationProfile` returns null
//! when no sampler runs (someone stopped ours).
//!
//! ## Layouts (the same in the v8-profiler.h of Node 18 to 26)
//!
//! `AllocationProfile` is an abstract class: its vtable (Itanium order of
//! declaration) is `GetRootNode`, `GetSamples`, the complete destructor and
//! the deleting destructor, which frees the profile. `AllocationProfile::Node`
//! is `{ Local<String> name, script_name; int script_id, start_position,
//! line_number, column_number; uint32_t node_id; std::vector<Node*> children;
//! std::vector<Allocation> allocations; }` and `Allocation` is `{ size_t
//! size; unsigned count; }` (16 bytes). A `std::vector` is three pointers
//! (begin, end, capacity) in libstdc++, libc++ and MSVC's library alike.
//! A `Local<String>` is one word, the same bits N-API uses for a
//! `napi_value` (Node converts between them by copying that word), so names
//! are read with `napi_get_value_string_utf8`.
//!
//! ## Teardown
//!
//! A sampler still running when its isolate is torn down crashes Node 24 at
//! exit (segfault, or "double free" after a worker ends; seen here on
//! 24.22.3). So every [`Sampler`] registers an env cleanup hook that stops a
//! running sampler; Node runs it before it disposes the isolate, on the main
//! thread at exit and in a worker at its end.
//!
//! Every reading checks what it can: the root is named `(root)`, vectors are
//! ordered, aligned and of sane length, the walk is bounded. A failed check
//! turns sampling off with the reason (a [`V8Error`]), never a wild read
//! past the tree.
//! Windows (MSVC's vtable puts one deleting destructor first) is not
//! supported: sampling reports itself unavailable there.

use std::collections::HashMap;
use std::ffi::{c_int, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use napi::sys;

use super::{lookup, Isolate, V8Error};
use crate::sites::{Frame, FrameTable, Profile, ProfileNode};

type GetHeapProfilerFn = unsafe extern "C" fn(isolate: *mut c_void) -> *mut c_void;
type StartFn = unsafe extern "C" fn(this: *mut c_void, interval: u64, depth: c_int, flags: c_int) -> bool;
type StopFn = unsafe extern "C" fn(this: *mut c_void);
type GetProfileFn = unsafe extern "C" fn(this: *mut c_void) -> *mut c_void;
type GetRootFn = unsafe extern "C" fn(this: *mut c_void) -> *const RawNode;
type DeleteFn = unsafe extern "C" fn(this: *mut c_void);

const NAMES: [&CStr; 4] = [
  c"_ZN2v87Isolate15GetHeapProfilerEv",
  c"_ZN2v812HeapProfiler25StartSamplingHeapProfilerEmiNS0_13SamplingFlagsE",
  c"_ZN2v812HeapProfiler24StopSamplingHeapProfilerEv",
  c"_ZN2v812HeapProfiler20GetAllocationProfileEv",
];

/// `v8::HeapProfiler::kSamplingNoFlags`.
const SAMPLING_NO_FLAGS: c_int = 0;
/// Frames V8 records per sample (the inspector's choice too).
pub const STACK_DEPTH: c_int = 128;
/// Nodes a reading visits at most; a deeper tree is cut, and says so.
pub const MAX_NODES: usize = 200_000;
/// Vector lengths past this are a layout mismatch, not a profile.
const MAX_VEC: usize = 1 << 24;
/// Node-id → frame cache entries kept before the cache starts over.
const MAX_CACHE: usize = 100_000;

struct SamplingSymbols {
  get_heap_profiler: GetHeapProfilerFn,
  start: StartFn,
  stop: StopFn,
  get_profile: GetProfileFn,
}

fn resolve() -> Result<SamplingSymbols, V8Error> {
  if cfg!(windows) {
    return Err(V8Error::SamplingUnsupported);
  }
  let mut ptrs = [std::ptr::null_mut(); 4];
  for (i, name) in NAMES.iter().enumerate() {
    ptrs[i] = lookup(name);
    if ptrs[i].is_null() {
      return Err(V8Error::MissingSymbol(name));
    }
  }
  // SAFETY: each pointer was found under a mangled name encoding exactly the
  // signature of the function-pointer type it becomes.
  unsafe {
    Ok(SamplingSymbols {
      get_heap_profiler: std::mem::transmute::<*mut c_void, GetHeapProfilerFn>(ptrs[0]),
      start: std::mem::transmute::<*mut c_void, StartFn>(ptrs[1]),
      stop: std::mem::transmute::<*mut c_void, StopFn>(ptrs[2]),
      get_profile: std::mem::transmute::<*mut c_void, GetProfileFn>(ptrs[3]),
    })
  }
}

fn symbols() -> Result<&'static SamplingSymbols, V8Error> {
  static TABLE: OnceLock<Result<SamplingSymbols, V8Error>> = OnceLock::new();
  TABLE.get_or_init(resolve).as_ref().map_err(Clone::clone)
}

#[repr(C)]
struct RawVec {
  begin: *const u8,
  end: *const u8,
  cap: *const u8,
}

impl RawVec {
  /// The elements of a `std::vector<T>` of `size`-byte, `align`-aligned
  /// elements, if the three pointers make sense.
  fn len(&self, size: usize, align: usize) -> Option<usize> {
    let (b, e, c) = (self.begin as usize, self.end as usize, self.cap as usize);
    if b == 0 {
      return (e == 0 && c == 0).then_some(0);
    }
    if b > e || e > c || b % align != 0 || (e - b) % size != 0 {
      return None;
    }
    let n = (e - b) / size;
    (n <= MAX_VEC).then_some(n)
  }
}

#[repr(C)]
struct RawNode {
  name: sys::napi_value,
  script_name: sys::napi_value,
  script_id: c_int,
  start_position: c_int,
  line_number: c_int,
  column_number: c_int,
  node_id: u32,
  children: RawVec,
  allocations: RawVec,
}

#[repr(C)]
struct RawAllocation {
  size: usize,
  count: u32,
}

/// What starting the sampler did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Started {
  /// Ours is running.
  Yes,
  /// Another sampler already runs in this isolate; we stay off.
  Busy,
}

/// The sampler of one isolate, used only on that isolate's JS thread.
pub struct Sampler {
  profiler: *mut c_void,
  syms: &'static SamplingSymbols,
  frames: FrameTable,
  /// V8 node id → interned frame: V8's strings are converted once per node.
  cache: HashMap<u32, usize>,
  /// Shared with the env cleanup hook: ours runs and must be stopped.
  teardown: Arc<Teardown>,
}

/// What the env cleanup hook needs to stop a running sampler.
struct Teardown {
  profiler: *mut c_void,
  stop: StopFn,
  running: AtomicBool,
}

// SAFETY: `profiler` is only used on the isolate's own thread (the cleanup
// hook runs there).
unsafe impl Send for Teardown {}
unsafe impl Sync for Teardown {}

/// Env teardown: stop our sampler before the isolate goes, release the hook's reference.
unsafe extern "C" fn env_cleanup(arg: *mut c_void) {
  let _ = catch_unwind(AssertUnwindSafe(|| {
    // SAFETY: `arg` is the Arc reference leaked for this hook in `Sampler::new`.
    let t = unsafe { Arc::from_raw(arg as *const Teardown) };
    if t.running.swap(false, Ordering::AcqRel) {
      // SAFETY: the isolate is still alive while cleanup hooks run.
      unsafe { (t.stop)(t.profiler) };
    }
  }));
}

// SAFETY: the pointer is only dereferenced by V8 on the isolate's own
// thread (napi methods called from JS); other threads never use it.
unsafe impl Send for Sampler {}

impl Sampler {
  /// The sampler of `isolate` (the calling thread's, whose env is `env`).
  pub fn new(env: sys::napi_env, isolate: &Isolate) -> Result<Sampler, V8Error> {
    let syms = symbols()?;
    // SAFETY: a live isolate on its own thread.
    let profiler = unsafe { (syms.get_heap_profiler)(isolate.ptr) };
    if profiler.is_null() {
      return Err(V8Error::NoHeapProfiler);
    }
    let teardown = Arc::new(Teardown { profiler, stop: syms.stop, running: AtomicBool::new(false) });
    let for_hook = Arc::into_raw(Arc::clone(&teardown)) as *mut c_void;
    // SAFETY: `for_hook` is an owned Arc reference handed back by env_cleanup.
    let st = unsafe { sys::napi_add_env_cleanup_hook(env, Some(env_cleanup), for_hook) };
    if st != sys::Status::napi_ok {
      // SAFETY: the hook was not registered.
      drop(unsafe { Arc::from_raw(for_hook as *const Teardown) });
      return Err(V8Error::Napi { call: "napi_add_env_cleanup_hook", status: st });
    }
    Ok(Sampler { profiler, syms, frames: FrameTable::default(), cache: HashMap::new(), teardown })
  }

  /// Starts V8's sampler with one sample per `interval` allocated bytes on
  /// average, without forcing collections.
  pub fn start(&mut self, interval: u64) -> Started {
    // SAFETY: valid HeapProfiler on its thread.
    let ok = unsafe { (self.syms.start)(self.profiler, interval, STACK_DEPTH, SAMPLING_NO_FLAGS) };
    self.cache.clear();
    self.teardown.running.store(ok, Ordering::Release);
    if ok {
      Started::Yes
    } else {
      Started::Busy
    }
  }

  /// Stops the isolate's sampler (ours: callers only stop what they started).
  pub fn stop(&mut self) {
    // SAFETY: valid HeapProfiler on its thread; a no-op when none runs.
    unsafe { (self.syms.stop)(self.profiler) };
    self.teardown.running.store(false, Ordering::Release);
    self.cache.clear();
  }

  /// Someone else stopped the isolate's sampler: nothing of ours runs.
  pub fn forget(&mut self) {
    self.teardown.running.store(false, Ordering::Release);
    self.cache.clear();
  }

  /// Copies the live profile. `Ok(None)`: no sampler runs any more.
  pub fn read(&mut self, env: sys::napi_env) -> Result<Option<Profile>, V8Error> {
    let mut scope: sys::napi_handle_scope = std::ptr::null_mut();
    // SAFETY: `env` is the calling JS thread's; the scope frees the Locals
    // GetAllocationProfile creates.
    let st = unsafe { sys::napi_open_handle_scope(env, &mut scope) };
    if st != sys::Status::napi_ok {
      return Err(V8Error::Napi { call: "napi_open_handle_scope", status: st });
    }
    // SAFETY: valid HeapProfiler on its thread, inside a handle scope.
    let profile = unsafe { (self.syms.get_profile)(self.profiler) };
    let out = if profile.is_null() {
      Ok(None)
    } else {
      // SAFETY: `profile` is a live v8::AllocationProfile; slot 0 of its
      // vtable is GetRootNode, slot 3 the deleting destructor (module docs).
      unsafe {
        let vtable = *(profile as *const *const usize);
        let get_root = std::mem::transmute::<usize, GetRootFn>(*vtable);
        let delete = std::mem::transmute::<usize, DeleteFn>(*vtable.add(3));
        let root = get_root(profile);
        let copied = self.copy(env, root);
        delete(profile);
        copied.map(Some)
      }
    };
    // SAFETY: closes the scope opened above.
    unsafe { sys::napi_close_handle_scope(env, scope) };
    if out.is_err() {
      self.cache.clear();
    }
    out
  }

  /// Walks V8's tree from `root`, parents before children.
  ///
  /// SAFETY: `root` is the root of a live AllocationProfile whose Locals live
  /// in the current handle scope.
  unsafe fn copy(&mut self, env: sys::napi_env, root: *const RawNode) -> Result<Profile, V8Error> {
    if root.is_null() {
      return Err(V8Error::NoProfileRoot);
    }
    let root_name = string(env, (*root).name)?;
    if root_name != "(root)" {
      return Err(V8Error::ProfileRoot(root_name));
    }
    if self.cache.len() > MAX_CACHE {
      self.cache.clear();
    }
    let mut nodes = Vec::new();
    let mut todo: Vec<(*const RawNode, Option<usize>)> = vec![(root, None)];
    while let Some((raw, parent)) = todo.pop() {
      if nodes.len() >= MAX_NODES {
        break;
      }
      let n = &*raw;
      let frame = match self.cache.get(&n.node_id) {
        Some(&f) => f,
        None => {
          let f = self.frames.intern(Frame {
            function: string(env, n.name)?,
            url: string(env, n.script_name)?,
            line: n.line_number.max(0) as u32,
            column: n.column_number.max(0) as u32,
          });
          self.cache.insert(n.node_id, f);
          f
        }
      };
      let allocs = n
        .allocations
        .len(std::mem::size_of::<RawAllocation>(), std::mem::align_of::<RawAllocation>())
        .ok_or(V8Error::ProfileLayout("allocations"))?;
      let (mut bytes, mut objects) = (0u64, 0u64);
      for i in 0..allocs {
        let a = &*(n.allocations.begin as *const RawAllocation).add(i);
        bytes = bytes.saturating_add((a.size as u64).saturating_mul(a.count as u64));
        objects = objects.saturating_add(a.count as u64);
      }
      let index = nodes.len();
      nodes.push(ProfileNode { id: n.node_id, parent, frame, bytes, objects });
      let kids = n
        .children
        .len(std::mem::size_of::<*const RawNode>(), std::mem::align_of::<*const RawNode>())
        .ok_or(V8Error::ProfileLayout("children"))?;
      for i in 0..kids {
        let child = *(n.children.begin as *const *const RawNode).add(i);
        if child.is_null() {
          return Err(V8Error::ProfileLayout("null child"));
        }
        todo.push((child, Some(index)));
      }
    }
    Ok(Profile { frames: self.frames.frames().to_vec(), nodes })
  }

  /// Frames interned so far (for `getStats()`'s memory figure).
  pub fn frame_count(&self) -> usize {
    self.frames.len()
  }
}

/// A JS string's UTF-8 contents.
///
/// SAFETY: `value` is a live handle of the current scope.
unsafe fn string(env: sys::napi_env, value: sys::napi_value) -> Result<String, V8Error> {
  if value.is_null() {
    return Ok(String::new());
  }
  let mut len = 0usize;
  if sys::napi_get_value_string_utf8(env, value, std::ptr::null_mut(), 0, &mut len) != sys::Status::napi_ok {
    return Err(V8Error::ProfileLayout("a name is not a string"));
  }
  let mut buf = vec![0u8; len + 1];
  let mut written = 0usize;
  let st = sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr().cast(), buf.len(), &mut written);
  if st != sys::Status::napi_ok {
    return Err(V8Error::Napi { call: "napi_get_value_string_utf8", status: st });
  }
  buf.truncate(written);
  Ok(String::from_utf8_lossy(&buf).into_owned())
}
