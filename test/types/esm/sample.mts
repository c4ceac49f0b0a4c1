// Compiled with `tsc --noEmit` (module: nodenext) by test/once/types.test.js:
// what an ES-module TypeScript user writes. 'leakwatch' resolves through the
// package's own "exports" (self-reference), exactly as from node_modules.
// Lines marked @ts-expect-error must stay errors: they prove the types bite.
import leakwatch, { on, once, off, gc, getStats, configure, cluster, HeapDiff, writeSnapshot } from 'leakwatch';
import registered from 'leakwatch/register';
import { register as registerPrometheus } from 'leakwatch/prometheus';
import type { PrometheusRegistration } from 'leakwatch/prometheus';
import { register as registerOtel } from 'leakwatch/opentelemetry';
import { Registry } from 'prom-client';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

on('leak', (info) => {
  const rate: number = info.rate_bytes_per_sec;
  const start: Date = info.start;
  void rate, start;
});
const onDump = (d: leakwatch.DumpEvent): void => void d.path;
once('dump', onDump);
off('dump', onDump);
gc();
const full: number = getStats().num_full_gc;
const cfg = configure({ sensitivity: 'low', dumpOnLeak: true });
const sig: string | false = cfg.signal;
const hd = new HeapDiff();
const bytes: number = hd.end().change.size_bytes;
const backend: 'v8' | 'perf_hooks' = leakwatch.backend;
const file: string = writeSnapshot({ redact: true });
void full, sig, bytes, backend, file;

cluster().on('dump', (info, worker) => {
  const pid: number = info.pid;
  const id: number | null = info.worker_id;
  const trigger: leakwatch.DumpTrigger = info.trigger;
  void pid, id, trigger, worker.process.pid;
});

if (registered) registered.on('report', (r) => void r.summary);

const registry = new Registry();
const prom: PrometheusRegistration = registerPrometheus(registry, { prefix: 'app_', gcDuration: false });
prom.unregister();
registerOtel({ meterProvider: new MeterProvider() }).unregister();

// @ts-expect-error: the named on() is typed like leakwatch.on: LeakEvent has no `nope`
on('leak', (info) => info.nope);
// @ts-expect-error: buckets are numbers
registerPrometheus(registry, { buckets: ['1'] });
// @ts-expect-error: register() takes options, not a provider
registerOtel(new MeterProvider());
// @ts-expect-error: leakwatch/register may be null (the addon could not load)
registered.gc();
