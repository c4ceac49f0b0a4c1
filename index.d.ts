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

  type DumpTrigger = 'api' | 'signal' | 'leak' | 'heap-limit';

  /** The `dump` event: a complete dump was renamed to its final path. */
  interface DumpEvent {
    path: string;
    bytes: number;
    duration_ms: number;
    trigger: DumpTrigger;
    compressed: boolean;
    redacted: boolean;
    /** With `redacted`: strings replaced and strings in the snapshot. */
    strings_redacted?: number;
    strings_total?: number;
  }

  /** The `dump-refused` event: a dump was not taken, and why. */
  interface DumpRefusedEvent {
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

  interface LeakWatch extends EventEmitter {
    /** 'v8' when the native GC hooks are live, 'perf_hooks' for the fallback. */
    readonly backend: 'v8' | 'perf_hooks';
    /** Why the native backend is not in use, or null. */
    readonly backendReason: string | null;
    readonly running: boolean;

    on(event: 'stats', listener: (stats: StatsEvent) => void): this;
    on(event: 'gc', listener: (gc: GcEvent) => void): this;
    on(event: 'dump', listener: (e: DumpEvent) => void): this;
    on(event: 'dump-refused', listener: (e: DumpRefusedEvent) => void): this;
    on(event: 'error', listener: (err: DumpError) => void): this;
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
    /** Applies leak-detector and heap-dump options together; an invalid or unknown key throws and changes nothing. */
    configure(options: DumpConfig & Record<string, unknown>): Record<string, unknown>;
    getConfig(): Record<string, unknown>;
  }
}

declare const leakwatch: leakwatch.LeakWatch;
export = leakwatch;
