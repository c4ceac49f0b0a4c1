//! Dump guards: will this heap dump likely get the process killed or fill
//! the disk?
//!
//! Pure estimation over numbers and the *text* of the kernel files, so every
//! case is unit-testable with fake `/proc/meminfo` and cgroup contents; the
//! JS side (`lib/dump-guard.js`) only reads the files and `fs.statfsSync`.
//!
//! Model (numbers measured on Node 18–26 with `bench/dump.js` and 20–200 MB
//! heaps, see README "Heap dumps"):
//! - extra memory while V8 builds and serializes the snapshot ≈
//!   `memory_factor` × live heap (default [`MEMORY_FACTOR`]);
//! - plain file ≈ `file_factor` × live heap (default [`FILE_FACTOR`]); gzip
//!   output ≈ [`GZIP_RATIO`] of that. Every variant first writes the plain
//!   file to a temporary name, so the disk must hold plain + final.
//! - available memory = the least of `/proc/meminfo` MemAvailable and, for
//!   each cgroup level (v2 `memory.max`/`memory.current`, v1
//!   `memory.limit_in_bytes`/`memory.usage_in_bytes`), limit − usage, where
//!   usage excludes reclaimable `inactive_file` page cache as Kubernetes'
//!   working set does;
//! - on a tmpfs target the file lives in memory too, so it is added to the
//!   memory need.
//!
//! A dump is refused when the need exceeds [`USABLE`] of what is available.

use serde::Serialize;

/// Extra memory per byte of live heap while dumping: measured 7.2–12.7×
/// (10–12× for heaps of small objects, 7–8× for large strings — V8's
/// snapshot costs per object: graph entries, edges, the id map and a copy of
/// every string). The top of the range, so the guard errs towards refusing.
pub const MEMORY_FACTOR: f64 = 12.0;
/// Plain `.heapsnapshot` bytes per byte of live heap (measured 1.6–1.9×).
pub const FILE_FACTOR: f64 = 2.0;
/// gzip (level 1) output bytes per plain byte (measured 0.15–0.17 on large
/// heaps, up to 0.28 on tiny ones).
pub const GZIP_RATIO: f64 = 0.25;
/// Fraction of the available memory / disk a dump may use.
pub const USABLE: f64 = 0.9;
/// `memory.limit_in_bytes` values at or above this mean "no limit" (cgroup v1
/// reports `PAGE_COUNTER_MAX` × page size, about 2^63).
const V1_UNLIMITED: u64 = 1 << 60;

/// Memory accounting of one cgroup level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CgroupMem {
  pub limit: u64,
  pub usage: u64,
  /// Reclaimable page cache (`inactive_file`), subtracted from usage.
  pub reclaimable: u64,
}

impl CgroupMem {
  /// Headroom before this level's OOM killer triggers.
  pub fn headroom(&self) -> u64 {
    self
      .limit
      .saturating_sub(self.usage.saturating_sub(self.reclaimable))
  }
}

/// `MemAvailable` from `/proc/meminfo` text, in bytes.
pub fn parse_meminfo_available(text: &str) -> Option<u64> {
  text.lines().find_map(|l| {
    let rest = l.strip_prefix("MemAvailable:")?;
    let mut parts = rest.split_whitespace();
    let n: u64 = parts.next()?.parse().ok()?;
    match parts.next() {
      Some("kB") | None => n.checked_mul(1024),
      _ => None,
    }
  })
}

fn parse_u64(text: &str) -> Option<u64> {
  text.trim().parse().ok()
}

/// `inactive_file` (v2) or `total_inactive_file` (v1) from `memory.stat`.
pub fn parse_inactive_file(stat: &str) -> u64 {
  let mut found = None;
  for l in stat.lines() {
    let mut p = l.split_whitespace();
    match (p.next(), p.next()) {
      (Some("total_inactive_file"), Some(v)) => return v.parse().unwrap_or(0),
      (Some("inactive_file"), Some(v)) => found = v.parse().ok(),
      _ => {}
    }
  }
  found.unwrap_or(0)
}

/// One cgroup v2 level from `memory.max`, `memory.current` and (optional)
/// `memory.stat`. `None` when unlimited (`max`) or unreadable.
pub fn cgroup_v2(max: &str, current: &str, stat: Option<&str>) -> Option<CgroupMem> {
  if max.trim() == "max" {
    return None;
  }
  Some(CgroupMem {
    limit: parse_u64(max)?,
    usage: parse_u64(current)?,
    reclaimable: stat.map(parse_inactive_file).unwrap_or(0),
  })
}

/// One cgroup v1 level from `memory.limit_in_bytes`, `memory.usage_in_bytes`
/// and (optional) `memory.stat`. `None` when unlimited or unreadable.
pub fn cgroup_v1(limit: &str, usage: &str, stat: Option<&str>) -> Option<CgroupMem> {
  let limit = parse_u64(limit)?;
  if limit >= V1_UNLIMITED {
    return None;
  }
  Some(CgroupMem {
    limit,
    usage: parse_u64(usage)?,
    reclaimable: stat.map(parse_inactive_file).unwrap_or(0),
  })
}

/// The directories of this process's memory cgroup and its ancestors,
/// innermost first, from `/proc/self/cgroup` text: `(v2, relative path)`.
/// A v2 line is `0::/path`; a v1 line names the `memory` controller.
pub fn cgroup_paths(proc_self_cgroup: &str) -> Vec<(bool, String)> {
  let mut out = Vec::new();
  for line in proc_self_cgroup.lines() {
    let mut parts = line.splitn(3, ':');
    let (Some(id), Some(ctrls), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
      continue;
    };
    let v2 = id == "0" && ctrls.is_empty();
    if !v2 && !ctrls.split(',').any(|c| c == "memory") {
      continue;
    }
    let mut p = path.trim_end_matches('/').to_string();
    loop {
      out.push((v2, if p.is_empty() { "/".to_string() } else { p.clone() }));
      match p.rfind('/') {
        Some(i) if !p.is_empty() => p.truncate(i),
        _ => break,
      }
    }
  }
  out
}

/// The soft "Max file size" limit (`ulimit -f`, RLIMIT_FSIZE) from the text
/// of `/proc/self/limits`, in bytes; `None` when unlimited or unreadable.
/// Past it a write fails with EFBIG (Node ignores SIGXFSZ), and Node 18's own
/// snapshot writer then spins instead of failing, so the guard checks it first.
pub fn parse_file_size_limit(limits: &str) -> Option<u64> {
  let rest = limits.lines().find_map(|l| l.strip_prefix("Max file size"))?;
  rest.split_whitespace().next()?.parse().ok()
}

/// Everything the guard looks at, gathered by the JS side.
#[derive(Debug, Clone, Default)]
pub struct GuardInput {
  /// `v8.getHeapStatistics().used_heap_size`.
  pub heap_used: u64,
  /// `MemAvailable`, if `/proc/meminfo` was readable.
  pub mem_available: Option<u64>,
  /// Every limited cgroup level found.
  pub cgroups: Vec<CgroupMem>,
  /// Free bytes for us in the target directory (`bavail × bsize`), if known.
  pub disk_free: Option<u64>,
  /// The target directory is on tmpfs (its file counts as memory).
  pub tmpfs: bool,
  /// The process's file-size limit in bytes (`ulimit -f`), if any.
  pub file_size_limit: Option<u64>,
  pub gzip: bool,
  pub redact: bool,
  pub memory_factor: f64,
  pub file_factor: f64,
}

/// The guard's verdict with the numbers behind it, as `lib/dump/dump-guard.js`
/// reports it (the numbers of a `dump-refused` event).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
  pub ok: bool,
  /// Why the dump is refused (empty when `ok`).
  pub reason: String,
  pub heap_used: u64,
  pub memory_needed: u64,
  pub memory_available: Option<u64>,
  /// Which source limits the memory (`"meminfo"`, `"cgroup"`).
  pub memory_source: &'static str,
  pub file_estimate: u64,
  pub disk_needed: u64,
  pub disk_free: Option<u64>,
}

fn mb(b: u64) -> String {
  format!("{:.0} MB", b as f64 / (1024.0 * 1024.0))
}

/// Decides whether a dump fits in memory and on disk.
pub fn check(input: &GuardInput) -> Verdict {
  let heap = input.heap_used as f64;
  let mem_factor = if input.memory_factor.is_finite() && input.memory_factor > 0.0 {
    input.memory_factor
  } else {
    MEMORY_FACTOR
  };
  let file_factor = if input.file_factor.is_finite() && input.file_factor > 0.0 {
    input.file_factor
  } else {
    FILE_FACTOR
  };
  let plain = (heap * file_factor) as u64;
  let final_size = if input.gzip {
    (plain as f64 * GZIP_RATIO) as u64
  } else {
    plain
  };
  // The plain dump is always written first; a gzip or redacted copy is
  // written next to it before the plain one is removed.
  let disk_needed = if input.gzip || input.redact {
    plain + final_size
  } else {
    plain
  };
  let mut memory_needed = (heap * mem_factor) as u64;
  if input.tmpfs {
    memory_needed += disk_needed;
  }

  let cg = input.cgroups.iter().map(CgroupMem::headroom).min();
  let (memory_available, memory_source) = match (input.mem_available, cg) {
    (Some(m), Some(c)) if c < m => (Some(c), "cgroup"),
    (Some(m), _) => (Some(m), "meminfo"),
    (None, Some(c)) => (Some(c), "cgroup"),
    (None, None) => (None, "unknown"),
  };

  let mut reasons = Vec::new();
  if let Some(avail) = memory_available {
    if memory_needed as f64 > avail as f64 * USABLE {
      reasons.push(format!(
        "not enough memory: the dump needs about {} ({}× the {} live heap{}) but only {} is available ({}); \
         the process would likely be OOM-killed",
        mb(memory_needed),
        mem_factor,
        mb(input.heap_used),
        if input.tmpfs {
          ", plus the file on tmpfs"
        } else {
          ""
        },
        mb(avail),
        if memory_source == "cgroup" {
          "cgroup limit minus usage"
        } else {
          "MemAvailable"
        },
      ));
    }
  }
  if let Some(free) = input.disk_free {
    if disk_needed as f64 > free as f64 * USABLE {
      reasons.push(format!(
        "not enough disk: the dump needs about {}{} but the target directory has {} free",
        mb(disk_needed),
        if disk_needed != final_size {
          " (the plain snapshot plus its processed copy)"
        } else {
          ""
        },
        mb(free),
      ));
    }
  }
  if let Some(limit) = input.file_size_limit {
    // The plain snapshot is the largest file written, whatever the options.
    if plain > limit {
      reasons.push(format!(
        "file-size limit: the snapshot would be about {} but this process may write files of at most {} \
         (ulimit -f / RLIMIT_FSIZE); raise the limit",
        mb(plain),
        mb(limit),
      ));
    }
  }
  let ok = reasons.is_empty();
  let mut reason = reasons.join("; ");
  if !ok {
    reason.push_str("; free memory/disk, choose another dumpDir, or pass { force: true } to dump anyway");
  }
  Verdict {
    ok,
    reason,
    heap_used: input.heap_used,
    memory_needed,
    memory_available,
    memory_source,
    file_estimate: final_size,
    disk_needed,
    disk_free: input.disk_free,
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const MEMINFO: &str =
    "MemTotal:       16316412 kB\nMemFree:         1234567 kB\nMemAvailable:    8000000 kB\nBuffers: 1 kB\n";
  const GB: u64 = 1 << 30;
  const MBY: u64 = 1 << 20;

  fn input(heap: u64) -> GuardInput {
    GuardInput {
      heap_used: heap,
      memory_factor: MEMORY_FACTOR,
      file_factor: FILE_FACTOR,
      ..Default::default()
    }
  }

  #[test]
  fn file_size_limit_from_proc_limits() {
    let limited = "Limit                     Soft Limit           Hard Limit           Units     \n\
                   Max cpu time              unlimited            unlimited            seconds   \n\
                   Max file size             2097152              unlimited            bytes     \n";
    assert_eq!(parse_file_size_limit(limited), Some(2_097_152));
    let open = "Max file size             unlimited            unlimited            bytes     \n";
    assert_eq!(parse_file_size_limit(open), None);
    assert_eq!(parse_file_size_limit(""), None);
  }

  #[test]
  fn a_snapshot_larger_than_the_file_size_limit_is_refused() {
    let mut i = input(100 << 20);
    i.file_size_limit = Some(50 << 20);
    let v = check(&i);
    assert!(!v.ok);
    assert!(v.reason.contains("file-size limit"), "{}", v.reason);
    assert!(v.reason.contains("200 MB") && v.reason.contains("50 MB"), "{}", v.reason);
    i.file_size_limit = Some(1 << 30);
    assert!(check(&i).ok);
  }

  #[test]
  fn meminfo_available() {
    assert_eq!(parse_meminfo_available(MEMINFO), Some(8_000_000 * 1024));
    assert_eq!(parse_meminfo_available("MemTotal: 5 kB\n"), None);
    assert_eq!(parse_meminfo_available("MemAvailable: lots kB\n"), None);
    assert_eq!(parse_meminfo_available(""), None);
  }

  #[test]
  fn cgroup_v2_files() {
    assert_eq!(cgroup_v2("max\n", "123\n", None), None);
    let c = cgroup_v2(
      "536870912\n",
      "268435456\n",
      Some("anon 1\ninactive_file 67108864\nactive_file 5\n"),
    );
    assert_eq!(
      c,
      Some(CgroupMem {
        limit: 512 * MBY,
        usage: 256 * MBY,
        reclaimable: 64 * MBY
      })
    );
    assert_eq!(c.map(|c| c.headroom()), Some(320 * MBY));
    assert_eq!(cgroup_v2("garbage", "1", None), None);
    // usage above the limit (possible transiently) is zero headroom, not a wrap.
    assert_eq!(cgroup_v2("100", "200", None).map(|c| c.headroom()), Some(0));
  }

  #[test]
  fn cgroup_v1_files() {
    assert_eq!(cgroup_v1("9223372036854771712\n", "1000", None), None);
    let c = cgroup_v1(
      "1073741824\n",
      "536870912\n",
      Some("inactive_file 1\ntotal_inactive_file 1048576\n"),
    );
    assert_eq!(c.map(|c| c.headroom()), Some(GB - 512 * MBY + MBY));
  }

  #[test]
  fn cgroup_paths_walk_up() {
    let v2 = cgroup_paths("0::/system.slice/app.service\n");
    assert_eq!(
      v2,
      vec![
        (true, "/system.slice/app.service".to_string()),
        (true, "/system.slice".to_string()),
        (true, "/".to_string())
      ]
    );
    assert_eq!(cgroup_paths("0::/\n"), vec![(true, "/".to_string())]);
    let v1 = cgroup_paths("12:cpu,cpuacct:/x\n7:memory:/docker/abc\n1:name=systemd:/y\n");
    assert_eq!(
      v1,
      vec![
        (false, "/docker/abc".into()),
        (false, "/docker".into()),
        (false, "/".into())
      ]
    );
    assert!(cgroup_paths("nonsense").is_empty());
  }

  #[test]
  fn small_heap_plenty_of_room_is_ok() {
    let mut i = input(50 * MBY);
    i.mem_available = Some(8 * GB);
    i.disk_free = Some(100 * GB);
    let v = check(&i);
    assert!(v.ok, "{}", v.reason);
    assert_eq!(v.memory_needed, 600 * MBY);
    assert_eq!(v.file_estimate, 100 * MBY);
  }

  #[test]
  fn container_limit_refuses_with_numbers() {
    // The restify case: 870 MB heap in a 2 GB container.
    let mut i = input(870 * MBY);
    i.mem_available = Some(20 * GB);
    i.cgroups = vec![cgroup_v2("2147483648", "1073741824", None).unwrap()];
    i.disk_free = Some(100 * GB);
    let v = check(&i);
    assert!(!v.ok);
    assert_eq!(v.memory_source, "cgroup");
    assert_eq!(v.memory_available, Some(GB));
    assert!(v.reason.contains("not enough memory"), "{}", v.reason);
    assert!(
      v.reason.contains("10440 MB") && v.reason.contains("1024 MB"),
      "{}",
      v.reason
    );
    assert!(v.reason.contains("force: true"), "{}", v.reason);
  }

  #[test]
  fn tightest_cgroup_level_wins() {
    let mut i = input(10 * MBY);
    i.mem_available = Some(8 * GB);
    i.cgroups = vec![
      CgroupMem {
        limit: 4 * GB,
        usage: GB,
        reclaimable: 0,
      },
      CgroupMem {
        limit: 40 * MBY,
        usage: 20 * MBY,
        reclaimable: 0,
      },
    ];
    let v = check(&i);
    assert!(!v.ok);
    assert_eq!(v.memory_available, Some(20 * MBY));
  }

  #[test]
  fn reclaimable_cache_counts_as_free() {
    let mut i = input(50 * MBY);
    i.cgroups = vec![CgroupMem {
      limit: GB,
      usage: 1000 * MBY,
      reclaimable: 900 * MBY,
    }];
    assert!(check(&i).ok);
    i.cgroups[0].reclaimable = 0;
    assert!(!check(&i).ok);
  }

  #[test]
  fn full_disk_refuses() {
    let mut i = input(100 * MBY);
    i.mem_available = Some(8 * GB);
    i.disk_free = Some(150 * MBY);
    let v = check(&i);
    assert!(!v.ok);
    assert!(
      v.reason.contains("not enough disk") && v.reason.contains("200 MB"),
      "{}",
      v.reason
    );
    assert!(!v.reason.contains("memory:"), "{}", v.reason);
  }

  #[test]
  fn gzip_needs_plain_plus_compressed_on_disk() {
    let mut i = input(100 * MBY);
    i.gzip = true;
    let v = check(&i);
    assert_eq!(v.file_estimate, 50 * MBY);
    assert_eq!(v.disk_needed, 250 * MBY);
  }

  #[test]
  fn tmpfs_file_counts_as_memory() {
    let mut i = input(100 * MBY);
    i.mem_available = Some(1500 * MBY);
    assert!(check(&i).ok);
    i.tmpfs = true;
    let v = check(&i);
    assert!(!v.ok);
    assert!(v.reason.contains("tmpfs"), "{}", v.reason);
  }

  #[test]
  fn unknown_numbers_do_not_refuse() {
    let v = check(&input(GB));
    assert!(v.ok);
    assert_eq!(v.memory_available, None);
    assert_eq!(serde_json::to_value(&v).unwrap()["memory_source"], "unknown");
  }

  #[test]
  fn bad_factors_fall_back_to_defaults() {
    let mut i = input(MBY);
    i.memory_factor = f64::NAN;
    i.file_factor = -1.0;
    let v = check(&i);
    assert_eq!(v.memory_needed, 12 * MBY);
    assert_eq!(v.file_estimate, 2 * MBY);
  }
}
