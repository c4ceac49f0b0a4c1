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

  interface ClassSummary {
    name: string;
    count: number;
    self_size: number;
    retained_size: number;
    /** Shortest distance from the GC roots; null if unreachable; >= 100000000 when reachable only through system roots. */
    distance: number | null;
  }

  interface Summary {
    node_count: number;
    edge_count: number;
    total_count: number;
    total_self_size: number;
    total_retained_size: number;
    class_count: number;
    classes: ClassSummary[];
  }

  interface ClassDiff {
    name: string;
    added_count: number;
    removed_count: number;
    count_delta: number;
    added_size: number;
    removed_size: number;
    size_delta: number;
  }

  interface Diff {
    added_count: number;
    removed_count: number;
    count_delta: number;
    added_size: number;
    removed_size: number;
    size_delta: number;
    class_count: number;
    classes: ClassDiff[];
  }

  interface PathStep {
    edge: string;
    edge_type: string;
    id: number;
    type: string | null;
    name: string;
    class_name: string;
    /** `file:line:column` (1-based) of a function or of an object's constructor. */
    location: string | null;
  }

  interface ClosureOnPath {
    id: number;
    name: string;
    location: string | null;
    file: string | null;
    line: number | null;
    column: number | null;
  }

  interface LeakClass {
    name: string;
    count: number;
    self_size: number;
    retained_size: number;
    sample_ids: number[];
    location: string | null;
  }

  interface LeakPathGroup {
    class_name: string;
    count: number;
    self_size: number;
    /** The path with element indices generalised: what the group has in common. */
    shape: string;
    /** Sample path: `global → … → tasks → [0] → (closure) → context → req → LeakyReq@123`. */
    path: string;
    steps: PathStep[];
    closures: ClosureOnPath[];
    sample_ids: number[];
  }

  interface LeakReport {
    total_count: number;
    total_self_size: number;
    class_count: number;
    path_count: number;
    by_class: LeakClass[];
    by_path: LeakPathGroup[];
  }

  interface NodeInfo {
    id: number;
    type: string;
    name: string;
    class_name: string;
    self_size: number;
    retained_size: number;
    distance: number | null;
  }

  interface NodeRetainers {
    node: NodeInfo;
    location: string | null;
    /** null when the node is unreachable. */
    path: string | null;
    steps: PathStep[] | null;
    closures: ClosureOnPath[] | null;
    retainer_count: number;
    retainers: { edge: string; edge_type: string; node: NodeInfo }[];
  }

  interface ClassRetainers {
    class_name: string;
    count: number;
    instances: NodeInfo[];
    path: string | null;
    steps: PathStep[] | null;
    closures: ClosureOnPath[] | null;
  }

  /** Rejections of the analysis functions. */
  interface SnapshotError extends Error {
    code: 'ERR_LEAKWATCH_SNAPSHOT_IO' | 'ERR_LEAKWATCH_SNAPSHOT_SYNTAX' | 'ERR_LEAKWATCH_SNAPSHOT_FORMAT'
      | 'ERR_LEAKWATCH_SNAPSHOT_QUERY' | 'ERR_LEAKWATCH_SNAPSHOT_INTERNAL' | 'ERR_INVALID_ARG_TYPE';
    kind?: 'io' | 'syntax' | 'format' | 'query' | 'internal';
    /** Byte offset in the (decompressed) snapshot text, when known. */
    offset?: number;
  }

  /** memwatch's `hd.end()` result. */
  interface HeapDiffResult {
    before: { nodes: number; size_bytes: number; size: string };
    after: { nodes: number; size_bytes: number; size: string };
    change: {
      size_bytes: number;
      size: string;
      freed_nodes: number;
      allocated_nodes: number;
      details: { what: string; size_bytes: number; size: string; '+': number; '-': number }[];
    };
  }

  /** memwatch's HeapDiff: takes a heap snapshot now (synchronously) and another on `end()`. */
  interface HeapDiff {
    end(): HeapDiffResult;
  }
  interface HeapDiffConstructor {
    new (): HeapDiff;
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
    /** Summary by class of a .heapsnapshot / .heapsnapshot.gz file, computed off the JS thread. */
    analyze(path: string, opts?: AnalyzeOptions): Promise<Summary>;
    /** Per-class changes from snapshot `a` to snapshot `b` of one process. */
    diff(a: string, b: string, opts?: AnalysisOptions): Promise<Diff>;
    /** Objects allocated between `baseline` and `target` that are still alive in `final`. */
    findLeaks(snapshots: { baseline: string; target: string; final: string }, opts?: AnalysisOptions): Promise<LeakReport>;
    /** Retainers of an object (id as number or '@123') or of a class. */
    retainers(path: string, nodeIdOrClass: number | string, opts?: AnalysisOptions): Promise<NodeRetainers | ClassRetainers>;
    HeapDiff: HeapDiffConstructor;
  }
}

declare const leakwatch: leakwatch.LeakWatch;
export = leakwatch;
