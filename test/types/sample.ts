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
leakwatch.cluster().on('leak', (info, worker) => {
  const who: number = info.pid + worker.id;
  const wid: number | null = info.worker_id;
  const pm: number | undefined = info.pm_id;
  void who, wid, pm, info.rate_bytes_per_sec;
});
leakwatch.cluster().once('report', (r, worker) => void (r.json + worker.process.pid));
const onDump = (d: leakwatch.DumpEvent): void => {
  const trigger: leakwatch.DumpTrigger = d.trigger;
  if (trigger === 'diagnose-baseline' || trigger === 'diagnose-target' || trigger === 'diagnose-final') void d.path;
};
leakwatch.once('dump', onDump);
leakwatch.off('dump', onDump);
const onRefused = (d: leakwatch.DumpRefusedEvent): void => void d.kind;
leakwatch.once('dump-refused', onRefused).off('dump-refused', onRefused);
const onReport = (r: leakwatch.ReportEvent): void => void r.findings;
leakwatch.once('report', onReport).removeListener('report', onReport);
leakwatch.prependListener('diagnosis', (e) => void (e.stage === 'failed' && e.error));
leakwatch.on('error', (err) => void err.code);
const tagged: number | undefined = leakwatch.getStats().last_gc ? undefined : 0;
void tagged;
const lw2: leakwatch.LeakWatch = new leakwatch.LeakWatch();
void lw2;

// The subpaths, as CommonJS users require them.
import registered = require('leakwatch/register');
import prometheus = require('leakwatch/prometheus');
import otel = require('leakwatch/opentelemetry');
import promClient = require('prom-client');
if (registered) void registered.backend;
prometheus.register(new promClient.Registry(), { heapSpaces: false }).unregister();
prometheus.register(null, { client: promClient });
otel.register().unregister();

// @ts-expect-error: a stats listener receives StatsEvent, which has no `foo`
leakwatch.on('stats', (s) => s.foo);
// @ts-expect-error: gc() takes no callback
leakwatch.gc(() => {});
// @ts-expect-error: backend is read-only
leakwatch.backend = 'v8';
// @ts-expect-error: sensitivity is low | medium | high
leakwatch.configure({ sensitivity: 'extreme' });
// @ts-expect-error: once('dump') is typed too: DumpEvent's path is a string
leakwatch.once('dump', (d) => { const n: number = d.path; void n; });
// @ts-expect-error: off('report') is typed too: ReportEvent has no `nope`
leakwatch.off('report', (r) => r.nope);
// @ts-expect-error: forwarded events are tagged: worker_id is number | null, not a string
leakwatch.cluster().on('leak', (info) => { const s: string = info.worker_id; void s; });
// @ts-expect-error: the prometheus options have no `registry` key
prometheus.register(null, { registry: 1 });
