// Type definitions for leakwatch — the public API of index.js.
import { EventEmitter } from 'node:events';

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

  /** One collection of any kind: the `gc` event and each `getHistory()` entry. */
  interface GcEvent {
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
  }

  /** The `stats` event, after every full (mark-sweep-compact) collection. All numbers are 64-bit safe. */
  interface StatsEvent {
    // lloyd/node-memwatch
    num_full_gc: number;
    num_inc_gc: number;
    heap_compactions: number;
    /** Percent change of the recent base over the ancient base (negative when shrinking). */
    usage_trend: number;
    estimated_base: number;
    current_base: number;
    min: number;
    max: number;
    // @airbnb/node-memwatch
    /** Unix-epoch microseconds. */
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
    total_heap_size: number;
    total_heap_size_executable: number;
    total_physical_size: number;
    total_available_size: number;
    used_heap_size: number;
    heap_size_limit: number;
    malloced_memory: number;
    peak_malloced_memory: number;
    /** This collection's pause, nanoseconds. */
    gc_time: number;
    // leakwatch
    seq: number;
    type: GcType;
    flags: number;
    forced: boolean;
    pause_ms: number;
    heap_used_before: number | null;
    heap_used_after: number;
    external_memory: number;
    spaces: SpacesUsed;
  }

  /** The `leak` event: the live heap has been growing significantly and persistently. */
  interface LeakEvent {
    /** First and last sample of the evidence (memwatch). */
    start: Date;
    end: Date;
    /** Fitted live-heap growth over the evidence, bytes (memwatch). */
    growth: number;
    /** memwatch wording, e.g. `heap growth over 2 full GCs (21s) - 3645.7 mb/hr`. */
    reason: string;
    /** Theil–Sen slope of the live heap, bytes per second. */
    rate_bytes_per_sec: number;
    /** 0..1. */
    confidence: number;
    /** Fitted live heap at `start` and `end`, bytes. */
    baseline_start: number;
    baseline_end: number;
    heap_size_limit: number;
    /** Heap spaces that account for the growth, largest first (e.g. `['old_space']`). */
    growing_spaces: string[];
    /** Time until `heap_size_limit` at this rate, ms; null if unknown. */
    projected_oom_ms: number | null;
    /** Full GCs and samples behind the decision. */
    full_gcs: number;
    samples: number;
    /** 1 for the first report of an episode, 2, 3… for follow-ups. */
    report: number;
  }

  /** The `leak-end` event: a reported leak stopped growing. */
  interface LeakEndEvent {
    /** Start of the episode and now. */
    start: Date;
    end: Date;
    /** Live-heap growth over the whole episode, bytes (negative if it shrank). */
    growth: number;
    baseline_end: number;
    /** The recent rate that ended the episode, bytes per second. */
    rate_bytes_per_sec: number;
    /** e.g. `heap growth stopped after 1m 12s (+33.6 mb, now 4.15 mb/hr)`. */
    reason: string;
  }

  /** The `heap-limit` event: the live heap is close to `heap_size_limit`, or a leak will reach it soon. */
  interface HeapLimitEvent {
    time: Date;
    /** Used heap after the full GC, bytes. */
    used: number;
    heap_size_limit: number;
    /** `used / heap_size_limit`. */
    fraction: number;
    rate_bytes_per_sec: number;
    projected_oom_ms: number | null;
    reason: string;
  }

  /** `configure()` options; every one is optional. See README "Leak detection" for defaults. */
  interface DetectorOptions {
    /** Shorthand for `significance`: 0.001 / 0.01 / 0.05. Default 'medium'. */
    sensitivity?: 'low' | 'medium' | 'high';
    /** One-sided Mann–Kendall level, (0, 0.5]. Default 0.01. */
    significance?: number;
    /** How far back the trend looks, ms (≥ 10000). Default 600000. */
    windowMs?: number;
    /** Cap on samples kept in the window (16..100000). Default 1200. */
    maxSamples?: number;
    /** Minimum time spanned by confirmed evidence, ms (≥ 1000, ≤ windowMs). Default 15000. */
    minDurationMs?: number;
    /** Minimum samples in the evidence (4..maxSamples). Default 8. */
    minSamples?: number;
    /** Minimum full GCs in the evidence (1..2000). Default 2. */
    minFullGcs?: number;
    /** Minimum growth over the evidence, bytes. Default 4194304. */
    minGrowthBytes?: number;
    /** Minimum growth relative to the starting live heap (0..100). Default 0.1. */
    minGrowthFraction?: number;
    /** Each third of the evidence must grow at ≥ this × the overall rate (0..1). Default 0.3. */
    persistence?: number;
    /** Young-GC floor bucket, ms (≥ 10). Default 1000. */
    floorBucketMs?: number;
    /** Minimum time between reports of one episode and between heap-limit events, ms. Default 60000. */
    reportIntervalMs?: number;
    /** Extra growth a follow-up report needs, bytes. Default 16777216. */
    reportGrowthBytes?: number;
    /** … and as a fraction of the growth already reported (0..100). Default 0.5. */
    reportGrowthFraction?: number;
    /** heap-limit when the live heap passes this fraction of heap_size_limit, (0, 1]. Default 0.85. */
    heapLimitFraction?: number;
    /** … or when a leak projects reaching it within this many ms. Default 600000. */
    oomHorizonMs?: number;
  }

  /** The whole configuration (`configure()`'s result, `getConfig()`); `sensitivity` is reported as `significance`. */
  type DetectorConfig = Required<Omit<DetectorOptions, 'sensitivity'>>;

  /** `getStats().detector`: the detector's current view. */
  interface DetectorStats {
    /** Used heap after the last full GC, bytes (null before the first). */
    baseline: number | null;
    /** Lowest used heap after young GCs since the last full GC (unconfirmed), bytes. */
    floor: number | null;
    /** Robust slope of the live heap over the window, bytes per second (negative when shrinking). */
    slope_bytes_per_sec: number;
    /** 0..1 confidence that the live heap grows. */
    confidence: number;
    leak_suspected: boolean;
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
  }

  interface KindCount {
    count: number;
    time_ms: number;
  }

  /** `getStats()`: cumulative counters and the latest figures. */
  interface Stats {
    backend: 'v8' | 'perf_hooks';
    running: boolean;
    num_gc: number;
    gc_time_ms: number;
    num_full_gc: number;
    num_inc_gc: number;
    heap_compactions: number;
    usage_trend: number;
    estimated_base: number;
    current_base: number;
    min: number;
    max: number;
    by_type: Record<string, KindCount>;
    /** Records lost because more than 256 collections happened between two drains (counts stay exact). */
    dropped_records: number;
    last_gc: GcEvent | null;
    last_stats: StatsEvent | null;
    /** The leak detector's view (null if it could not start). */
    detector: DetectorStats | null;
  }

  interface LeakWatch extends EventEmitter {
    /** 'v8' when the native GC hooks are live, 'perf_hooks' for the fallback. */
    readonly backend: 'v8' | 'perf_hooks';
    /** Why the native backend is not in use, or null. */
    readonly backendReason: string | null;
    readonly running: boolean;

    on(event: 'stats', listener: (stats: StatsEvent) => void): this;
    on(event: 'gc', listener: (gc: GcEvent) => void): this;
    on(event: 'leak', listener: (info: LeakEvent) => void): this;
    on(event: 'leak-end', listener: (info: LeakEndEvent) => void): this;
    on(event: 'heap-limit', listener: (info: HeapLimitEvent) => void): this;
    on(event: string | symbol, listener: (...args: any[]) => void): this;
    once(event: 'stats', listener: (stats: StatsEvent) => void): this;
    once(event: 'gc', listener: (gc: GcEvent) => void): this;
    once(event: 'leak', listener: (info: LeakEvent) => void): this;
    once(event: 'leak-end', listener: (info: LeakEndEvent) => void): this;
    once(event: 'heap-limit', listener: (info: HeapLimitEvent) => void): this;
    once(event: string | symbol, listener: (...args: any[]) => void): this;
    off(event: 'stats', listener: (stats: StatsEvent) => void): this;
    off(event: 'gc', listener: (gc: GcEvent) => void): this;
    off(event: 'leak', listener: (info: LeakEvent) => void): this;
    off(event: 'leak-end', listener: (info: LeakEndEvent) => void): this;
    off(event: 'heap-limit', listener: (info: HeapLimitEvent) => void): this;
    off(event: string | symbol, listener: (...args: any[]) => void): this;

    /** Forces a full GC of everything collectable; no --expose-gc needed. A `stats` event follows. */
    gc(): void;
    getStats(): Stats;
    /** Recent collections, oldest first (at most 256). */
    getHistory(): GcEvent[];
    /** Starts watching (done on require). */
    start(): this;
    /** Stops watching; counters are kept. */
    stop(): this;
    /**
     * Tunes the leak detector; returns the whole configuration. A bad value or
     * an unknown key throws a TypeError with `code: 'ERR_LEAKWATCH_OPTION'`
     * and changes nothing.
     */
    configure(options: DetectorOptions): DetectorConfig;
    /** The leak detector's current configuration. */
    getConfig(): DetectorConfig;
  }
}

declare const leakwatch: leakwatch.LeakWatch;
export = leakwatch;
