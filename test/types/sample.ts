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

// @ts-expect-error: a stats listener receives StatsEvent, which has no `foo`
leakwatch.on('stats', (s) => s.foo);
// @ts-expect-error: gc() takes no callback
leakwatch.gc(() => {});
// @ts-expect-error: backend is read-only
leakwatch.backend = 'v8';
