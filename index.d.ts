// Type definitions for leakwatch — the public API of index.js (and, through
// package "exports", of index.mjs: `import leakwatch, { on, gc } from 'leakwatch'`).
import { EventEmitter } from 'node:events';
import type { Worker as ClusterWorker } from 'node:cluster';

declare namespace leakwatch {
  /** V8's collection kinds. `GCType` 2 is named minor-mark-compact on Node 18–21, minor-mark-sweep on 22+. */
  type GcType =
    | 'scavenge'
    | 'minor-mark-compact'
    | 'minor-mark-sweep'
    | 'mark-sweep-compact'
    | 'incremental-marking'
    | 'process-weak-callbacks'
    | 'unknown';

  /** Used bytes per V8 heap space after the collection, keyed by V8's space name. */
  interface SpacesUsed {
    new_space: number;
    old_space: number;
    code_space: number;
    large_object_space: number;
    [space: string]: number;
  }

  /**
   * Who emitted an event: set on `leak`, `leak-end`, `heap-limit`, `dump`,
   * `dump-refused` and `report` in a process that called `cluster()` as a
   * node:cluster worker or under PM2, and on their copies in the primary.
   */
  interface ProcessIdentity {
    pid: number;
    /** node:cluster's `worker.id`; null outside a node:cluster worker (e.g. PM2 fork mode). */
    worker_id: number | null;
    /** PM2's process id (`process.env.pm_id`), under PM2 only. */
    pm_id?: number;
  }

  /** The identity fields as they appear on a local event: present only after `cluster()` in a worker. */
  type MaybeTagged = Partial<ProcessIdentity>;

  /** Which memory grows: the V8 heap, external memory (Buffers, ArrayBuffers), or native memory outside both. */
  type MemoryKind = 'heap' | 'external' | 'native';

  /**
   * The \`leak\` event (and \`leak-suspected\`, its early, unconfirmed form): one kind of memory has been
   * growing significantly and persistently. A \`leak\` is confirmed: the growth went on past the warm-up
   * (\`warmupMs\`) or exceeds what a cache may hold (\`cacheFraction\` of the limit).
   */
  interface LeakEvent extends Omit<LeakEventFields, 'start' | 'end'>, MaybeTagged {
    /** First and last sample of the evidence (memwatch). */
    start: Date;
    end: Date;
    /**
     * Where: the allocation sites whose live sampled bytes grew since \`start\` (V8's sampling heap profiler,
     * no heap dump), the application's own functions first, fastest first; at most 5. Empty when sampling
     * is off or unavailable (then \`sites_unavailable\` says why).
     */
    sites: AllocationSite[];
    sites_unavailable?: string;
  }

  /**
   * A growing allocation site, with the statement read from its source for the application's own sites
   * (lib/source-lines.js): \`line\`/\`column\` are then the statement's, else the function's.
   */
  interface AllocationSite extends SampledSite {
    /** 'source': \`line\` is the statement found in the function's source; 'function': the function's own line. */
    line_from?: 'source' | 'function';
    /** Where the allocating function is defined. */
    function_line?: number;
    function_column?: number;
    /** The statement's text, comments stripped. */
    statement?: string;
    /** Why this statement, e.g. \`stores into sessions\`. */
    why?: string;
    /** When the site moved up to the caller of a helper that returns what it allocates: that helper. */
    allocated_in?: string;
    /** The function keeps what it allocates (stores into module or closure state). */
    holds?: boolean;
    /**
     * Other sampled functions found at this same statement, their figures added to this one's
     * (V8 counts an inlined function in its caller, so one statement can grow under two).
     */
    merged?: string[];
  }

  /** Allocation-site options of \`configure()\` (lib/sampling.js). */
  interface SamplingOptions {
    /** V8's sampling heap profiler on (default true; `LEAKWATCH_SAMPLING=off`). */
    sampling?: boolean;
    /** Bytes allocated per sample on average, 1024..67108864 (default 262144). */
    samplingIntervalBytes?: number;
    /**
     * Longest time between two readings when no full GC comes, ms (default
     * 5000); such a reading is taken right after the next collection.
     */
    sitesEveryMs?: number;
  }

  /** `getStats().sampling`. */
  interface SamplingStats {
    /** 'busy': another sampler (an inspector session, an APM agent) runs in this thread; 'lost': someone stopped ours. */
    state: 'sampling' | 'off' | 'busy' | 'lost' | 'unavailable';
    reason: string | null;
    interval_bytes: number;
    /** While a leak outside the heap is suspected, the sampler runs finer until `until`. */
    focus: { kind: 'external' | 'native'; until: Date } | null;
    every_ms: number;
    readings: number;
    /**
     * Readings by what prompted them: right after a full GC; right after the next collection of
     * any kind once `every_ms` passed; on the timer when no collection came; on demand (sites asked
     * for with a stale table).
     */
    readings_by: { full_gc: number; after_gc: number; timer: number; on_demand: number };
    last_reading_ms: number;
    max_reading_ms: number;
    total_reading_ms: number;
    sampled_live_bytes: number;
    profile_nodes: number;
    sites: number;
    /** The site table's own memory, roughly. */
    memory_bytes: number;
  }

  /** The `leak-end` event: a reported leak (or suspicion) stopped growing. */
  interface LeakEndEvent extends Omit<LeakEndEventFields, 'start' | 'end'>, MaybeTagged {
    /** Start of the episode and now. */
    start: Date;
    end: Date;
  }

  /** The `memory-limit` event: the container's memory is close to its limit, or RSS growth will reach it soon (OOM kill). */
  interface MemoryLimitEvent extends Omit<MemoryLimitEventFields, 'time'>, MaybeTagged {
    time: Date;
  }

  /** The `heap-limit` event: the live heap is close to `heap_size_limit`, or a leak will reach it soon. */
  interface HeapLimitEvent extends Omit<HeapLimitEventFields, 'time'>, MaybeTagged {
    time: Date;
  }

  /** Diagnosis options of `configure()` (lib/diagnose/diagnose.js). */
  interface DiagnosisOptions {
    /** On `leak`: write a report of the growing allocation sites at once (no dump), emit `report`. Default false. */
    diagnose?: boolean;
    /** The deep step: also take baseline/target/final dumps (each stalls the service) and find who retains the leak. Default false. */
    diagnoseDumps?: boolean;
    /** Heap growth to wait for between two diagnosis dumps. Defaults 16 MiB and 0.05 of the baseline. */
    diagnoseGrowthBytes?: number;
    diagnoseGrowthFraction?: number;
    /** Bounds of each wait. Defaults 5000 and 60000. */
    diagnoseMinWaitMs?: number;
    diagnoseMaxWaitMs?: number;
    /** Minimum time between two diagnoses. Default 30 minutes. */
    diagnoseCooldownMs?: number;
  }

  type Config = DetectorConfig & Required<Omit<DumpConfig, 'signal'>> & { signal: string | false } & Required<DiagnosisOptions> &
    Required<SamplingOptions>;

  /** The `diagnosis` event: a diagnosis started on a `leak`, or failed (and no `report` follows). */
  interface DiagnosisEvent {
    stage: 'start' | 'failed';
    /** The leak being diagnosed. */
    leak?: LeakEvent;
    /** With stage 'failed': why. */
    error?: string;
  }

  /** One finding of a diagnosis report, most significant first. */
  interface Finding {
    class: string;
    count: number;
    bytes: number;
    count_per_min?: number;
    bytes_per_min?: number;
    retainer_path: Array<{ edge: string | null; edge_type?: string; node: string }>;
    retainer_text: string;
    allocation: { function: string | null; file: string; line: number; column: number; via_closure: boolean } | null;
    headline: string;
    explanation: string;
  }

  /** The `report` event: where the diagnosis wrote its report, and its findings. */
  interface ReportEvent extends MaybeTagged {
    json: string;
    html: string;
    summary: string;
    findings: Finding[];
    /** What could not be done, and why (e.g. a refused dump). */
    degraded: string[];
  }

  /** Leak-detector options of `configure()`: any subset of the configuration, or `sensitivity`. */
  interface DetectorOptions extends Partial<DetectorConfig> {
    /** Shorthand for `significance`: 0.001 / 0.01 / 0.05. Default 'medium'. */
    sensitivity?: 'low' | 'medium' | 'high';
  }

  /** `getStats()`: cumulative counters and the latest figures. */
  interface Stats extends WatchStats {
    backend: 'v8' | 'perf_hooks';
    running: boolean;
    /** The allocation sampler's state and cost. */
    sampling: SamplingStats;
    /** The allocation sites that grew over the last 10 minutes (as in a `leak` event). */
    sites: AllocationSite[];
  }

  /** Options of one heap dump (`writeSnapshot`, `writeSnapshotAsync`). */
  interface DumpOptions {
    /** gzip-compress (`.heapsnapshot.gz`). Default: a path ending in `.gz`, else `configure({ dumpGzip })`. */
    gzip?: boolean;
    /** Replace every string value so the dump can be shared (README "Heap dumps"). Default `configure({ dumpRedact })`. */
    redact?: boolean;
    /** Skip the memory/disk guard. */
    force?: boolean;
    /** Directory for a default-named dump (default `configure({ dumpDir })`). */
    dir?: string;
  }

  /**
   * What started a dump: the API, the dump signal, `dumpOnLeak`, `dumpNearHeapLimit: true`,
   * or one of the diagnosis's three snapshots (`configure({ diagnose: true })`).
   */
  type DumpTrigger = 'api' | 'signal' | 'leak' | 'heap-limit' | 'diagnose-baseline' | 'diagnose-target' | 'diagnose-final';

  /** The `dump` event: a complete dump was renamed to its final path. */
  interface DumpEvent extends MaybeTagged {
    path: string;
    bytes: number;
    duration_ms: number;
    /** The longest time the dump held the JavaScript thread (V8 takes and serializes the snapshot there), ms. */
    stall_ms: number;
    trigger: DumpTrigger;
    compressed: boolean;
    redacted: boolean;
    /** With `redacted`: strings replaced and strings in the snapshot. */
    strings_redacted?: number;
    strings_total?: number;
  }

  /** The `dump-refused` event: a dump was not taken, and why. */
  interface DumpRefusedEvent extends MaybeTagged {
    trigger: DumpTrigger;
    /** 'guard' (memory/disk), 'cooldown', 'max-count' or 'busy' (another dump is running). */
    kind: 'guard' | 'cooldown' | 'max-count' | 'busy';
    reason: string;
    path: string;
    /** With kind 'guard': the numbers behind the verdict (bytes; null = unknown). */
    heap_used?: number;
    memory_needed?: number;
    memory_available?: number | null;
    memory_source?: 'meminfo' | 'cgroup' | 'unknown';
    file_estimate?: number;
    disk_needed?: number;
    disk_free?: number | null;
  }

  /** An error from a dump: `code` is ERR_LEAKWATCH_DUMP_REFUSED, ERR_LEAKWATCH_DUMP_DIR or ERR_LEAKWATCH_DUMP_FAILED. */
  interface DumpError extends Error {
    code: 'ERR_LEAKWATCH_DUMP_REFUSED' | 'ERR_LEAKWATCH_DUMP_DIR' | 'ERR_LEAKWATCH_DUMP_FAILED';
    /** ERR_LEAKWATCH_DUMP_FAILED: the system error code, e.g. 'ENOSPC'. */
    syscallCode?: string;
    /** ERR_LEAKWATCH_DUMP_REFUSED: the `dump-refused` event. */
    info?: DumpRefusedEvent;
  }

  /** Heap-dump options of `configure()`. */
  interface DumpConfig {
    /** Default directory (created 0700). Default: $LEAKWATCH_DUMP_DIR or `<os.tmpdir()>/leakwatch-dumps-<uid>`. */
    dumpDir?: string;
    /** Signal that triggers a dump (main thread), or false. Default 'SIGUSR2' ($LEAKWATCH_DUMP_SIGNAL, 'off'). */
    signal?: string | false;
    /** Dump on the `leak` event. Default false. */
    dumpOnLeak?: boolean;
    /** true: guarded dump on `heap-limit`; 'v8': `v8.setHeapSnapshotNearHeapLimit` (unguarded). Default false. */
    dumpNearHeapLimit?: boolean | 'v8';
    /** Minimum time between two dumps of one background trigger. Default 60000. */
    dumpCooldownMs?: number;
    /** Maximum dumps per background trigger per process. Default 5. */
    dumpMaxCount?: number;
    /** gzip / redact background dumps and default-option API dumps. Default false. */
    dumpGzip?: boolean;
    dumpRedact?: boolean;
    /** Guard model: extra memory and plain file size per byte of live heap. Defaults 12 and 2. */
    dumpMemoryFactor?: number;
    dumpFileFactor?: number;
  }

  // ------------------------------------------------------------ snapshot analysis

  /** Called on the event loop while an analysis runs; never after its Promise settles. */
  type ProgressCallback = (phase: string, fraction: number) => void;

  interface AnalysisOptions {
    /** Rows kept (default 50 for analyze/diff, 20 for findLeaks/retainers); 0 or Infinity for all. */
    top?: number;
    onProgress?: ProgressCallback;
  }

  interface AnalyzeOptions extends AnalysisOptions {
    sort?: 'retained_size' | 'self_size' | 'count';
  }

  /** Rejections of the analysis functions. */
  interface SnapshotError extends Error {
    code: 'ERR_LEAKWATCH_SNAPSHOT_IO' | 'ERR_LEAKWATCH_SNAPSHOT_SYNTAX' | 'ERR_LEAKWATCH_SNAPSHOT_FORMAT'
      | 'ERR_LEAKWATCH_SNAPSHOT_QUERY' | 'ERR_LEAKWATCH_SNAPSHOT_INTERNAL' | 'ERR_INVALID_ARG_TYPE';
    kind?: 'io' | 'syntax' | 'format' | 'query' | 'internal';
    /** Byte offset in the (decompressed) snapshot text, when known. */
    offset?: number;
  }

  /** memwatch's HeapDiff: takes a heap snapshot now (synchronously) and another on `end()`. */
  interface HeapDiff {
    end(): HeapDiffResult;
  }
  interface HeapDiffConstructor {
    new (): HeapDiff;
  }

  // ---- generated from src/ by `npm run types` (src/types.rs): do not edit ----
  /** One collection of any kind: the `gc` event and each `getHistory()` entry. */
  type GcEvent = {
    /** 1-based sequence number of the collection in this isolate. */
    seq: number;
    type: GcType;
    /** V8's `GCType` bit: 1, 2, 4, 8 or 16. */
    kind: number;
    /** V8's `GCCallbackFlags`. */
    flags: number;
    /** The collection was forced (`gc()`, `--expose-gc`). */
    forced: boolean;
    /** Unix-epoch milliseconds. */
    start: number;
    end: number;
    /** Pause: epilogue − prologue on a monotonic clock, in ms. */
    pause_ms: number;
    /** Used heap before the collection; null on the perf_hooks backend, which cannot see it. */
    heap_used_before: number | null;
    heap_used_after: number;
    total_heap_size: number;
    heap_size_limit: number;
    external_memory: number;
    malloced_memory: number;
    spaces: SpacesUsed;
    /** Nanoseconds leakwatch spent in its own native callbacks for this collection (0 on perf_hooks). */
    hook_ns: number;
  };

  /**
   * The `v8::HeapStatistics` fields leakwatch reads, all 64-bit; in the
   * `stats` event under V8's names.
   */
  type HeapStats = {
    total_heap_size: number;
    total_heap_size_executable: number;
    total_physical_size: number;
    total_available_size: number;
    used_heap_size: number;
    heap_size_limit: number;
    malloced_memory: number;
    external_memory: number;
    peak_malloced_memory: number;
  };

  /** lloyd/node-memwatch's fields, in `stats` events and `getStats()`. */
  type MemwatchFields = {
    num_full_gc: number;
    num_inc_gc: number;
    heap_compactions: number;
    /** Percent change of the recent base over the ancient base (negative when shrinking). */
    usage_trend: number;
    estimated_base: number;
    current_base: number;
    min: number;
    max: number;
  };

  /**
   * The `stats` event, after every full (mark-sweep-compact) collection:
   * @airbnb/node-memwatch's fields, lloyd/node-memwatch's and leakwatch's.
   * All numbers are 64-bit safe.
   */
  type StatsEvent = {
    /** Unix-epoch microseconds (@airbnb/node-memwatch). */
    gc_ts: number;
    gcScavengeCount: number;
    /** Nanoseconds. */
    gcScavengeTime: number;
    gcMarkSweepCompactCount: number;
    gcMarkSweepCompactTime: number;
    gcIncrementalMarkingCount: number;
    gcIncrementalMarkingTime: number;
    gcProcessWeakCallbacksCount: number;
    gcProcessWeakCallbacksTime: number;
    /** This collection's pause, nanoseconds. */
    gc_time: number;
    /** leakwatch's: as in [`GcEvent`]. */
    seq: number;
    type: GcType;
    flags: number;
    forced: boolean;
    pause_ms: number;
    heap_used_before: number | null;
    heap_used_after: number;
    spaces: SpacesUsed;
    total_heap_size: number;
    total_heap_size_executable: number;
    total_physical_size: number;
    total_available_size: number;
    used_heap_size: number;
    heap_size_limit: number;
    malloced_memory: number;
    external_memory: number;
    peak_malloced_memory: number;
    num_full_gc: number;
    num_inc_gc: number;
    heap_compactions: number;
    /** Percent change of the recent base over the ancient base (negative when shrinking). */
    usage_trend: number;
    estimated_base: number;
    current_base: number;
    min: number;
    max: number;
  };

  /** One kind's count and time in `getStats().by_type`. */
  type KindCount = {
    count: number;
    time_ms: number;
  };

  /** One point of `getTimeline()`, kept as is in the timeline's ring. */
  type TimelinePoint = {
    /** Unix-epoch milliseconds. */
    t: number;
    type: GcType;
    pause_ms: number;
    heap_used_after: number;
  };

  /**
   * The native half of `getStats()`: cumulative counters, memwatch's base
   * estimates, the latest collection and `stats` event, the detector's view.
   */
  type WatchStats = {
    num_gc: number;
    gc_time_ms: number;
    /** Every kind of collection, with zeros for kinds not seen yet. */
    by_type: Record<GcType, KindCount>;
    dropped_records: number;
    last_gc: GcEvent | null;
    last_stats: StatsEvent | null;
    /** null when the detector is off. */
    detector: DetectorStats | null;
    num_full_gc: number;
    num_inc_gc: number;
    heap_compactions: number;
    /** Percent change of the recent base over the ancient base (negative when shrinking). */
    usage_trend: number;
    estimated_base: number;
    current_base: number;
    min: number;
    max: number;
  };

  /**
   * Growth rate of each kind of memory, bytes per second; null where not
   * measured (RSS and native in a worker).
   */
  type MemoryRates = {
    heap: number | null;
    external: number | null;
    native: number | null;
    rss: number | null;
  };

  /**
   * A leak (`confirmed`) or an early suspicion of one (`leak-suspected`):
   * one kind of memory has been growing significantly and persistently.
   */
  type LeakEventFields = {
    /** false on `leak-suspected`: growth seen, not yet told apart from a warm-up or a cache filling up. */
    confirmed: boolean;
    /** Which memory grows. */
    kind: MemoryKind;
    /**
     * Why a `leak` is confirmed: 'duration' (it grew past the warm-up for the whole evidence), 'size' (more
     * than a cache may hold) or 'baseline' (a fast heap leak: the first full GC past the warm-up measured a new
     * high, soundly above the live heap's bound at an earlier point past it); null on `leak-suspected`.
     */
    confirmed_by: 'duration' | 'size' | 'baseline' | null;
    /** First and last sample of the evidence (memwatch). */
    start: number;
    end: number;
    /** Measured growth of that memory: `baseline_end - baseline_start`, bytes (memwatch). */
    growth: number;
    /**
     * memwatch wording for the heap, e.g. `heap growth over 2 full GCs (21s) - 3645.7 mb/hr`; names the memory
     * otherwise.
     */
    reason: string;
    /** Growth rate of `kind`, bytes per second. */
    rate_bytes_per_sec: number;
    /** Growth rate of every kind over the same time. */
    rates: MemoryRates;
    /**
     * 0..1: one minus the Mann–Kendall p-value, scaled down when the recent growth is slower than the
     * overall trend.
     */
    confidence: number;
    /**
     * Measured size of that memory at the start of the evidence (after a full GC for the heap) and at its end,
     * bytes.
     */
    baseline_start: number;
    baseline_end: number;
    /** For native growth only, advice the evidence supports (allocator arenas, a native addon…); else null. */
    advice: string | null;
    /**
     * The container's memory limit (cgroup, `memoryLimitBytes` or LEAKWATCH_MEMORY_LIMIT), bytes; null if
     * none.
     */
    memory_limit: number | null;
    /** Time until RSS reaches that limit at its current rate, ms; null if unknown. */
    projected_memory_limit_ms: number | null;
    heap_size_limit: number;
    /** Heap spaces that account for heap growth, largest first (e.g. `['old_space']`); empty for other kinds. */
    growing_spaces: Array<string>;
    /**
     * Time until the limit of this kind (heap_size_limit, else the container's) at this rate, ms; null if
     * unknown.
     */
    projected_oom_ms: number | null;
    /** Full GCs and samples behind the decision. */
    full_gcs: number;
    samples: number;
    /** 1 for the first report of an episode, 2, 3… for follow-ups. */
    report: number;
  };

  /** A previously reported leak (or suspicion) stopped growing. */
  type LeakEndEventFields = {
    kind: MemoryKind;
    /**
     * Whether the episode was a confirmed `leak` (else a `leak-suspected` that turned out to be a warm-up or a
     * cache).
     */
    confirmed: boolean;
    /** Start of the episode and now. */
    start: number;
    end: number;
    /** Growth of that memory over the whole episode, bytes (negative if it shrank). */
    growth: number;
    baseline_end: number;
    /** The recent rate that ended the episode, bytes per second. */
    rate_bytes_per_sec: number;
    /** e.g. `heap growth stopped after 1m 12s (+33.6 mb, now 4.15 mb/hr)`. */
    reason: string;
  };

  /** The live heap is close to `heap_size_limit`, or will be soon. */
  type HeapLimitEventFields = {
    time: number;
    /** Used heap after the full GC, bytes. */
    used: number;
    heap_size_limit: number;
    /** `used / heap_size_limit`. */
    fraction: number;
    rate_bytes_per_sec: number;
    projected_oom_ms: number | null;
    reason: string;
  };

  /** RSS is close to the container's memory limit, or will be soon. */
  type MemoryLimitEventFields = {
    time: number;
    /** This process's resident set size, bytes. */
    rss: number;
    /** What the memory cgroup charges (net of reclaimable page cache), and its limit, bytes. */
    usage: number;
    limit: number;
    /** `usage / limit`. */
    fraction: number;
    /** RSS growth, bytes per second. */
    rate_bytes_per_sec: number;
    /** Time until the limit at that rate, ms; null when fired by `fraction`. */
    projected_oom_ms: number | null;
    reason: string;
  };

  /** One kind's figures in [`DetectorState`]. */
  type KindState = {
    bytes: number | null;
    slope_bytes_per_sec: number | null;
    suspected: boolean;
  };

  /** [`DetectorState::kinds`] as JS sees it. */
  type DetectorKinds = {
    heap: KindState;
    external: KindState;
    native: KindState;
    rss: KindState;
  };

  /** The open episode of [`DetectorState`]. */
  type Episode = {
    state: 'suspected' | 'leak';
    kind: MemoryKind;
  };

  /** The detector's current view: `getStats().detector`. */
  type DetectorStats = {
    /**
     * Used heap after the last full GC.
     * Used heap after the last full GC, bytes (null before the first).
     */
    baseline: number | null;
    /**
     * Lowest used heap after young GCs since the last full GC.
     * Lowest used heap after young GCs since the last full GC (unconfirmed), bytes.
     */
    floor: number | null;
    /** Robust slope of the live heap over the window, bytes per second (negative when shrinking). */
    slope_bytes_per_sec: number;
    /** 0..1 confidence that the live heap grows. */
    confidence: number;
    leak_suspected: boolean;
    /** Confirmed samples / full GCs in the window and the time they span. */
    samples_in_window: number;
    full_gcs_in_window: number;
    window_span_ms: number;
    /** Young-GC buckets waiting for the next full GC. */
    pending_floors: number;
    heap_size_limit: number;
    projected_oom_ms: number | null;
    gcs_observed: number;
    full_gcs_observed: number;
    leak_reports: number;
    /** Smoothed allocation rate between GCs, bytes per second (null on perf_hooks). */
    alloc_rate_bytes_per_sec: number | null;
    /**
     * Per kind (`heap`, `external`, `native`, `rss`): newest figure, slope
     * (bytes/s, evidence including unconfirmed points) and whether it is
     * suspected of leaking.
     * Per kind of memory: newest figure, growth rate (bytes/s), and whether it is suspected of leaking.
     */
    kinds: DetectorKinds;
    /**
     * The open episode: `"suspected"`, `"leak"` or none; and its kind.
     * The open episode: a suspicion or a confirmed leak, and which memory; null when none.
     */
    episode: Episode | null;
    leak_suspected_reports: number;
    /** The container's memory limit and usage, bytes, and the projected time to reach it (ms); null if unknown. */
    memory_limit: number | null;
    memory_usage: number | null;
    projected_memory_limit_ms: number | null;
    /** Age of the watched thread, ms, and the warm-up still to run. */
    age_ms: number | null;
    warmup_left_ms: number;
  };

  /**
   * Tunables of the leak detector, as `configure()` takes them and
   * `getConfig()` returns them (JS names: camelCase). See the module docs of
   * `detector` for why each default is what it is.
   */
  type DetectorConfig = {
    /** How far back the trend looks, ms (≥ 10000). Default 600000. */
    windowMs: number;
    /** Cap on samples kept in the window (16..100000). Default 1200. */
    maxSamples: number;
    /** Minimum time spanned by confirmed evidence, ms (≥ 1000, ≤ windowMs). Default 15000. */
    minDurationMs: number;
    /** Minimum samples in the evidence (4..maxSamples). Default 8. */
    minSamples: number;
    /** Minimum full GCs in the evidence (1..2000). Default 2. */
    minFullGcs: number;
    /** Minimum growth over the evidence, bytes. Default 4194304. */
    minGrowthBytes: number;
    /** Minimum growth relative to the starting live heap (0..100). Default 0.1. */
    minGrowthFraction: number;
    /** One-sided Mann–Kendall level, (0, 0.5]. Default 0.01. */
    significance: number;
    /** Each third of the evidence must grow at ≥ this × the overall rate (0..1). Default 0.3. */
    persistence: number;
    /** Young-GC floor bucket, ms (≥ 10). Default 1000. */
    floorBucketMs: number;
    /** Minimum time between reports of one episode and between heap-limit events, ms. Default 60000. */
    reportIntervalMs: number;
    /** Extra growth a follow-up report needs, bytes. Default 16777216. */
    reportGrowthBytes: number;
    /** … and as a fraction of the growth already reported (0..100). Default 0.5. */
    reportGrowthFraction: number;
    /** heap-limit when the live heap passes this fraction of heap_size_limit, (0, 1]. Default 0.85. */
    heapLimitFraction: number;
    /**
     * … or when a leak projects reaching it within this many ms (a fifth of it while only suspected). Default
     * 600000.
     */
    oomHorizonMs: number;
    /**
     * Growth in a thread's first this-many ms can raise `leak-suspected` but not confirm a `leak` (warm-ups,
     * lazy init). Default 60000.
     */
    warmupMs: number;
    /**
     * Growth beyond this fraction of the limit (heap limit; the container's for memory outside the heap)
     * confirms a `leak` at any age, (0, 1]. Default 0.25.
     */
    cacheFraction: number;
    /**
     * Memory limit to forecast RSS against, bytes; 0 = the memory cgroup's (v1/v2, every level), if any.
     * Default 0.
     */
    memoryLimitBytes: number;
    /** memory-limit when the cgroup's usage passes this fraction of its limit, (0, 1]. Default 0.85. */
    memoryLimitFraction: number;
  };

  /** One frame of a site's growing stack. */
  type SiteFrame = {
    function: string;
    file: string;
    line: number;
    column: number;
    /** The application's own code (not `node:`, `node_modules` or leakwatch). */
    app: boolean;
  };

  /** Where a site is and what it holds now. */
  type SitePlace = {
    /**
     * The first function of the application's own code on the allocation's
     * stack (outside `node:` internals, `node_modules` and leakwatch), or,
     * when none is on it (`in_app: false`), the allocating one.
     */
    function: string;
    file: string;
    line: number;
    column: number;
    /**
     * `file:line:column`, or the function's name when V8 knows no script
     * (e.g. `(V8 API)`).
     */
    location: string;
    in_app: boolean;
    /** Estimated live bytes allocated there now (sampled, scaled). */
    live_bytes: number;
    /** Estimated live objects allocated there. */
    objects: number;
  };

  /**
   * A growing allocation site as the sampler sees it; `lib/source-lines.js`
   * adds the statement read from the source (`AllocationSite` in `index.d.ts`).
   * V8's sampler records functions, not statements: `line`/`column` are where
   * the allocating function is defined, and a function the optimizing
   * compiler inlined counts in its caller.
   */
  type SampledSite = {
    bytes_per_min: number;
    growth_bytes: number;
    /** This site's rate over the sum of every growing site's, 0..1. */
    share: number;
    /**
     * The stack that grows there, allocating frame first:
     * `function (file:line:column)`.
     */
    stack: Array<string>;
    /** The same stack, frame by frame. */
    frames: Array<SiteFrame>;
    /**
     * The first function of the application's own code on the allocation's
     * stack (outside `node:` internals, `node_modules` and leakwatch), or,
     * when none is on it (`in_app: false`), the allocating one.
     */
    function: string;
    file: string;
    line: number;
    column: number;
    /**
     * `file:line:column`, or the function's name when V8 knows no script
     * (e.g. `(V8 API)`).
     */
    location: string;
    in_app: boolean;
    /** Estimated live bytes allocated there now (sampled, scaled). */
    live_bytes: number;
    /** Estimated live objects allocated there. */
    objects: number;
  };

  /** One object of the snapshot, as the reports show it. */
  type NodeInfo = {
    id: number;
    type: string;
    name: string;
    class_name: string;
    /** Self size after DevTools' shallow-size attribution. */
    self_size: number;
    retained_size: number;
    /**
     * Distance from the GC roots; `None` when unreachable; at least
     * [`super::BASE_SYSTEM_DISTANCE`] when reachable only through system
     * roots.
     */
    distance: number | null;
  };

  /** One step of a retainer path. */
  type PathStep = {
    edge: string;
    edge_type: string;
    id: number;
    type: string | null;
    name: string;
    class_name: string;
    /** `file:line:column` (1-based) of a function or of an object's constructor. */
    location: string | null;
  };

  /** A closure on a retainer path, with its source location. */
  type ClosureOnPath = {
    id: number;
    name: string;
    location: string | null;
    file: string | null;
    line: number | null;
    column: number | null;
  };

  /**
   * The path part of a `retainers()` answer; all null when there is no path
   * (an unreachable node).
   */
  type PathFields = {
    /** e.g. `global → … → tasks → [0] → (closure) → context → req → LeakyReq@123`. */
    path: string | null;
    steps: Array<PathStep> | null;
    closures: Array<ClosureOnPath> | null;
  };

  /** One class of the Summary view. */
  type ClassSummary = {
    name: string;
    count: number;
    self_size: number;
    retained_size: number;
    /**
     * Shortest distance from the GC roots; null if unreachable; >= 100000000
     * when reachable only through system roots.
     */
    distance: number | null;
  };

  /** `analyze()`: DevTools' Summary view. */
  type Summary = {
    node_count: number;
    edge_count: number;
    total_count: number;
    total_self_size: number;
    total_retained_size: number;
    class_count: number;
    classes: Array<ClassSummary>;
  };

  /** One row of the Comparison view. */
  type ClassDiff = {
    name: string;
    added_count: number;
    removed_count: number;
    count_delta: number;
    added_size: number;
    removed_size: number;
    size_delta: number;
  };

  /** `diff()`: DevTools' Comparison view. */
  type Diff = {
    added_count: number;
    removed_count: number;
    count_delta: number;
    added_size: number;
    removed_size: number;
    size_delta: number;
    class_count: number;
    classes: Array<ClassDiff>;
  };

  /** A class of leak candidates. */
  type LeakClass = {
    name: string;
    count: number;
    self_size: number;
    retained_size: number;
    sample_ids: Array<number>;
    /** The constructor's `file:line:column`, from V8. */
    location: string | null;
  };

  /** Leak candidates that share one retainer path. */
  type LeakPathGroup = {
    class_name: string;
    count: number;
    self_size: number;
    /** The path with element indices generalised: what the group has in common. */
    shape: string;
    /** Sample path: `global → … → tasks → [0] → (closure) → context → req → LeakyReq@123`. */
    path: string;
    steps: Array<PathStep>;
    closures: Array<ClosureOnPath>;
    sample_ids: Array<number>;
  };

  /**
   * `findLeaks()`: what was allocated between baseline and target and is
   * still alive in the final snapshot.
   */
  type LeakReport = {
    total_count: number;
    total_self_size: number;
    class_count: number;
    path_count: number;
    by_class: Array<LeakClass>;
    by_path: Array<LeakPathGroup>;
  };

  /** A direct retainer of a node. */
  type Retainer = {
    edge: string;
    edge_type: string;
    node: NodeInfo;
  };

  /** `retainers(id)`: the node, its shortest path from the roots, its direct retainers. */
  type NodeRetainers = {
    node: NodeInfo;
    location: string | null;
    retainer_count: number;
    retainers: Array<Retainer>;
    /** e.g. `global → … → tasks → [0] → (closure) → context → req → LeakyReq@123`. */
    path: string | null;
    steps: Array<PathStep> | null;
    closures: Array<ClosureOnPath> | null;
  };

  /**
   * `retainers(className)`: the class's instances and the path to the one
   * closest to the roots.
   */
  type ClassRetainers = {
    class_name: string;
    count: number;
    instances: Array<NodeInfo>;
    /** e.g. `global → … → tasks → [0] → (closure) → context → req → LeakyReq@123`. */
    path: string | null;
    steps: Array<PathStep> | null;
    closures: Array<ClosureOnPath> | null;
  };

  /** `{nodes, size_bytes, size}` of one side of a [`HeapDiffResult`]. */
  type HeapDiffSide = {
    nodes: number;
    size_bytes: number;
    /** memwatch's human size, e.g. `"1.2 mb"`. */
    size: string;
  };

  /** One class in [`HeapDiffChange::details`]. */
  type HeapDiffDetail = {
    what: string;
    size_bytes: number;
    size: string;
    "+": number;
    "-": number;
  };

  /** `change` of a [`HeapDiffResult`]. */
  type HeapDiffChange = {
    size_bytes: number;
    size: string;
    freed_nodes: number;
    allocated_nodes: number;
    details: Array<HeapDiffDetail>;
  };

  /** memwatch's `hd.end()` result, exactly. */
  type HeapDiffResult = {
    before: HeapDiffSide;
    after: HeapDiffSide;
    change: HeapDiffChange;
  };
  // ---- end of generated declarations ----

  /** Every event leakwatch emits, with its payload. */
  interface Events {
    stats: StatsEvent;
    gc: GcEvent;
    leak: LeakEvent;
    'leak-suspected': LeakEvent;
    'leak-end': LeakEndEvent;
    'heap-limit': HeapLimitEvent;
    'memory-limit': MemoryLimitEvent;
    dump: DumpEvent;
    'dump-refused': DumpRefusedEvent;
    diagnosis: DiagnosisEvent;
    report: ReportEvent;
    error: DumpError;
  }

  type Listener<E extends keyof Events> = (payload: Events[E]) => void;

  /** The events `cluster()` forwards from workers to the primary. */
  interface ClusterEvents {
    leak: LeakEvent;
    'leak-suspected': LeakEvent;
    'leak-end': LeakEndEvent;
    'heap-limit': HeapLimitEvent;
    'memory-limit': MemoryLimitEvent;
    dump: DumpEvent;
    'dump-refused': DumpRefusedEvent;
    report: ReportEvent;
  }

  /** A worker's event as the primary receives it: always tagged with its pid and worker id. */
  type FromWorker<E extends keyof ClusterEvents> = ClusterEvents[E] & ProcessIdentity;

  /** A listener of a forwarded event: the payload, and the node:cluster Worker it came from. */
  type ClusterListener<E extends keyof ClusterEvents> = (info: FromWorker<E>, worker: ClusterWorker) => void;

  /**
   * `cluster()` in a node:cluster primary: one emitter for every worker's
   * `leak`, `leak-end`, `heap-limit`, `dump`, `dump-refused` and `report`.
   */
  interface ClusterFleet extends EventEmitter {
    on<E extends keyof ClusterEvents>(event: E, listener: ClusterListener<E>): this;
    on(event: string | symbol, listener: (...args: any[]) => void): this;
    addListener<E extends keyof ClusterEvents>(event: E, listener: ClusterListener<E>): this;
    addListener(event: string | symbol, listener: (...args: any[]) => void): this;
    prependListener<E extends keyof ClusterEvents>(event: E, listener: ClusterListener<E>): this;
    prependListener(event: string | symbol, listener: (...args: any[]) => void): this;
    once<E extends keyof ClusterEvents>(event: E, listener: ClusterListener<E>): this;
    once(event: string | symbol, listener: (...args: any[]) => void): this;
    prependOnceListener<E extends keyof ClusterEvents>(event: E, listener: ClusterListener<E>): this;
    prependOnceListener(event: string | symbol, listener: (...args: any[]) => void): this;
    off<E extends keyof ClusterEvents>(event: E, listener: ClusterListener<E>): this;
    off(event: string | symbol, listener: (...args: any[]) => void): this;
    removeListener<E extends keyof ClusterEvents>(event: E, listener: ClusterListener<E>): this;
    removeListener(event: string | symbol, listener: (...args: any[]) => void): this;
  }

  interface LeakWatch extends EventEmitter {
    /** 'v8' when the native GC hooks are live, 'perf_hooks' for the fallback. */
    readonly backend: 'v8' | 'perf_hooks';
    /** Why the native backend is not in use, or null. */
    readonly backendReason: string | null;
    readonly running: boolean;

    on<E extends keyof Events>(event: E, listener: Listener<E>): this;
    on(event: string | symbol, listener: (...args: any[]) => void): this;
    addListener<E extends keyof Events>(event: E, listener: Listener<E>): this;
    addListener(event: string | symbol, listener: (...args: any[]) => void): this;
    prependListener<E extends keyof Events>(event: E, listener: Listener<E>): this;
    prependListener(event: string | symbol, listener: (...args: any[]) => void): this;
    once<E extends keyof Events>(event: E, listener: Listener<E>): this;
    once(event: string | symbol, listener: (...args: any[]) => void): this;
    prependOnceListener<E extends keyof Events>(event: E, listener: Listener<E>): this;
    prependOnceListener(event: string | symbol, listener: (...args: any[]) => void): this;
    off<E extends keyof Events>(event: E, listener: Listener<E>): this;
    off(event: string | symbol, listener: (...args: any[]) => void): this;
    removeListener<E extends keyof Events>(event: E, listener: Listener<E>): this;
    removeListener(event: string | symbol, listener: (...args: any[]) => void): this;

    /** Forces a full GC of everything collectable; no --expose-gc needed. A `stats` event follows. */
    gc(): void;
    getStats(): Stats;
    /** Recent collections, oldest first (at most 256). */
    getHistory(): GcEvent[];
    /** Downsampled GC timeline for charts: every full GC, young GCs at most once a second (plus long pauses); at most 2048 points. */
    getTimeline(): TimelinePoint[];
    /** Starts watching (done on require). */
    start(): this;
    /** Stops watching; counters are kept. */
    stop(): this;

    /** Writes a heap dump of this thread's isolate, blocking; returns the path. Throws a DumpError. */
    writeSnapshot(path?: string, options?: DumpOptions): string;
    writeSnapshot(options: DumpOptions): string;
    /** heapdump-compatible callback form (asynchronous). */
    writeSnapshot(path: string, cb: (err: DumpError | null, path?: string) => void): void;
    writeSnapshot(path: string | undefined, options: DumpOptions, cb: (err: DumpError | null, path?: string) => void): void;
    writeSnapshot(options: DumpOptions, cb: (err: DumpError | null, path?: string) => void): void;
    writeSnapshot(cb: (err: DumpError | null, path?: string) => void): void;
    /** Promise form; gzip is streamed through zlib, redaction runs on the thread pool. */
    writeSnapshotAsync(path?: string, options?: DumpOptions): Promise<string>;
    writeSnapshotAsync(options: DumpOptions): Promise<string>;
    /**
     * Tunes the leak detector, heap dumps and the diagnosis together; returns the
     * whole configuration. A bad value or an unknown key throws a TypeError with
     * `code: 'ERR_LEAKWATCH_OPTION'` and changes nothing.
     */
    configure(options: DetectorOptions & DumpConfig & DiagnosisOptions & SamplingOptions): Config;
    /** The current configuration: leak detector, heap dumps, diagnosis. */
    getConfig(): Config;
    /**
     * Cluster mode. In a node:cluster primary: an emitter of every worker's
     * forwarded events, `(info, worker)` with `info.pid` and `info.worker_id`.
     * In a worker (or any process under PM2): tags this process's events with
     * pid/worker_id/pm_id, forwards them to the primary (PM2: to its bus as
     * `leakwatch:<event>`), and returns leakwatch itself — typed for the primary.
     */
    cluster(): ClusterFleet;
    /** Summary by class of a .heapsnapshot / .heapsnapshot.gz file, computed off the JS thread. */
    analyze(path: string, opts?: AnalyzeOptions): Promise<Summary>;
    /** Per-class changes from snapshot `a` to snapshot `b` of one process. */
    diff(a: string, b: string, opts?: AnalysisOptions): Promise<Diff>;
    /** Objects allocated between `baseline` and `target` that are still alive in `final`. */
    findLeaks(snapshots: { baseline: string; target: string; final: string }, opts?: AnalysisOptions): Promise<LeakReport>;
    /** Retainers of an object (id as number or '@123') or of a class. */
    retainers(path: string, nodeIdOrClass: number | string, opts?: AnalysisOptions): Promise<NodeRetainers | ClassRetainers>;
    HeapDiff: HeapDiffConstructor;
    /** The class of this instance; leakwatch creates exactly one per thread, on require. */
    LeakWatch: new () => LeakWatch;
  }
}

declare const leakwatch: leakwatch.LeakWatch;
export = leakwatch;
