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
  }

  interface LeakWatch extends EventEmitter {
    /** 'v8' when the native GC hooks are live, 'perf_hooks' for the fallback. */
    readonly backend: 'v8' | 'perf_hooks';
    /** Why the native backend is not in use, or null. */
    readonly backendReason: string | null;
    readonly running: boolean;

    on(event: 'stats', listener: (stats: StatsEvent) => void): this;
    on(event: 'gc', listener: (gc: GcEvent) => void): this;
    on(event: string | symbol, listener: (...args: any[]) => void): this;
    once(event: 'stats', listener: (stats: StatsEvent) => void): this;
    once(event: 'gc', listener: (gc: GcEvent) => void): this;
    once(event: string | symbol, listener: (...args: any[]) => void): this;
    off(event: 'stats', listener: (stats: StatsEvent) => void): this;
    off(event: 'gc', listener: (gc: GcEvent) => void): this;
    off(event: string | symbol, listener: (...args: any[]) => void): this;

    /** Forces a full GC of everything collectable; no --expose-gc needed. A `stats` event follows. */
    gc(): void;
    getStats(): Stats;
    /** Recent collections, oldest first (at most 256). */
    getHistory(): GcEvent[];
    /** Downsampled GC timeline for charts: every full GC, young GCs at most once a second (plus long pauses); at most 2048 points. */
    getTimeline(): Array<{ t: number; type: GcType; pause_ms: number; heap_used_after: number }>;
    /** Starts watching (done on require). */
    start(): this;
    /** Stops watching; counters are kept. */
    stop(): this;
  }
}

declare const leakwatch: leakwatch.LeakWatch;
export = leakwatch;
