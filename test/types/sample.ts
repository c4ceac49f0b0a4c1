// Compiled with `tsc --noEmit` by test/once/types.test.js: every public
// function, option and event payload of index.d.ts, used as a user would.
// Lines marked @ts-expect-error must stay errors: they prove the types bite.
import leakwatch = require('../..');

leakwatch.on('stats', (s) => {
  const n: number = s.num_full_gc + s.gcScavengeCount + s.current_base + s.usage_trend;
  const before: number | null = s.heap_used_before;
  const old: number = s.spaces.old_space;
  void n, before, old;
});
leakwatch.on('gc', (g) => {
  const kind: leakwatch.GcType = g.type;
  const p: number = g.pause_ms + g.hook_ns;
  void kind, p;
});
leakwatch.once('stats', (s) => void s.gc_time);
leakwatch.gc();
const backend: 'v8' | 'perf_hooks' = leakwatch.backend;
const reason: string | null = leakwatch.backendReason;
const stats = leakwatch.getStats();
const byType: number = stats.by_type['scavenge'].count;
const history: leakwatch.GcEvent[] = leakwatch.getHistory();
const timeline = leakwatch.getTimeline();
const t: number = timeline[0].t;
leakwatch.stop().start();
void backend, reason, byType, history, t;

leakwatch.on('leak', (info) => {
  const d: Date = info.start;
  const rate: number = info.rate_bytes_per_sec + info.confidence;
  const spaces: string[] = info.growing_spaces;
  void d, rate, spaces, info.projected_oom_ms, info.reason;
});
leakwatch.on('heap-limit', (info) => void info.heap_size_limit);
leakwatch.on('dump', (d) => void (d.path + d.bytes));
leakwatch.on('dump-refused', (d) => void d.reason);
leakwatch.on('report', (r) => {
  const top = r.findings[0];
  if (top && top.allocation) void `${top.allocation.file}:${top.allocation.line}`;
  void r.html, r.degraded;
});
const cfg = leakwatch.configure({ sensitivity: 'high', dumpDir: '/tmp/d', diagnose: true, signal: false });
void cfg;
const detectorState = leakwatch.getStats().detector;
if (detectorState) void detectorState;
const file: string = leakwatch.writeSnapshot({ gzip: true });
leakwatch.writeSnapshot('/tmp/x.heapsnapshot', (err, p) => void (err ? err.code : p));
void file, leakwatch.writeSnapshotAsync({ redact: true }).then((p: string) => p);
async function analysis(): Promise<void> {
  const s = await leakwatch.analyze('/tmp/a.heapsnapshot', { top: 10, onProgress: (phase, f) => void (phase + f) });
  void s.classes[0].retained_size;
  const d = await leakwatch.diff('/tmp/a.heapsnapshot', '/tmp/b.heapsnapshot');
  void d;
  const l = await leakwatch.findLeaks({ baseline: 'a', target: 'b', final: 'c' });
  void l.by_class;
  void (await leakwatch.retainers('/tmp/a.heapsnapshot', 'Foo'));
}
void analysis;
const hd = new leakwatch.HeapDiff();
const diffResult = hd.end();
void diffResult.change.details[0]['+'];
leakwatch.cluster().on('leak', () => {});

// @ts-expect-error: a stats listener receives StatsEvent, which has no `foo`
leakwatch.on('stats', (s) => s.foo);
// @ts-expect-error: gc() takes no callback
leakwatch.gc(() => {});
// @ts-expect-error: backend is read-only
leakwatch.backend = 'v8';
// @ts-expect-error: sensitivity is low | medium | high
leakwatch.configure({ sensitivity: 'extreme' });
