#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:overhead` — what leakwatch costs a process.
 *
 * (a) an allocation-heavy loop — in separate processes, and in one process
 * alternating 80 chunks with leakwatch stopped and started (which cancels the
 * machine's drift; median of the per-quartet ratios), beside the same run with
 * both halves stopped (A/A: what the measurement reads when there is nothing
 * to measure) — and (b) a node:http server under loopback load
 * (autocannon, 127.0.0.1 only, bounded duration), each run with leakwatch off
 * and on, alternating in one run, reported as on/off throughput ratios (median
 * of the per-pair ratios); plus the native cost of leakwatch's GC callbacks
 * per collection (median, p99), as measured inside the callbacks.
 *
 * (b) also runs in one server process with leakwatch switched off and on
 * between 1 s load windows in balanced quartets, beside the same with both
 * halves off, and each workload reports leakwatch's own time (hook median x
 * collections + timed drains) over the busy time, a direct-cost ratio.
 *
 * (c) allocation sampling (V8's sampling heap profiler, on by default): with
 * leakwatch on in both halves, sampling switched off and on in one process by
 * configure({ sampling }) between chunks / load windows in the same balanced
 * quartets, beside an A/A (sampling off in both halves) interleaved in the
 * same process: the allocation loop at the default interval (256 KiB), 64 KiB
 * and 128 KiB, node:http at the default; also at small intervals (4 and
 * 8 KiB; 4 KiB for node:http), where the cost per sample stands far above the
 * noise, to predict the larger intervals by "overhead = k / interval"; and
 * what the profiler holds (RSS, getStats().sampling.memory_bytes) and what its
 * readings cost, in processes with sampling off vs on after the same workload
 * with a ~145 MB live heap.
 *
 * Options: --rounds N (default 5), --seconds S per HTTP run (default 4),
 * --ops N per allocation run (default 1.5e7), --http-ab-windows N per
 * switched-server run (16), --window S seconds per window (1).
 * Allocation sampling (c): --sampling-only (run just (c), ~2.5-3 min),
 * --skip-sampling, --sampling-procs N allocation processes (2),
 * --sampling-rotations N at most per process, one quartet per interval and
 * one A/A each (40), --sampling-seconds S time limit per allocation process
 * (30; it stops after the rotation that passes it), --sampling-chunk-ops N
 * objects per chunk (ops / 32: ~0.1 s, short so that the halves of a quartet
 * share the machine's load), --sampling-http-quartets N per kind (default interval,
 * 4 KiB, A/A: 6, i.e. 72 windows), --sampling-mem-pairs N off/on process
 * pairs (3), --sampling-records N live records (~360 bytes each: 420000 =
 * ~145 MB), --sampling-churn N ops (4e6).
 */
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const autocannon = require('autocannon');
const quartetMode = require('./fixtures/quartet.js');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROUNDS = opt('rounds', 5);
const SECONDS = opt('seconds', 4);
const OPS = opt('ops', 1.5e7);
const HTTP_AB_WINDOWS = opt('http-ab-windows', 16);
const WINDOW_S = opt('window', 1);
const flag = (name) => args.includes(`--${name}`);
const SAMPLING_ONLY = flag('sampling-only');
const SKIP_SAMPLING = flag('skip-sampling');
const S_PROCS = opt('sampling-procs', 2);
const S_ROTATIONS = opt('sampling-rotations', 40);
const S_CHUNK_OPS = opt('sampling-chunk-ops', Math.round(OPS / 32));
const S_SECONDS = opt('sampling-seconds', 30);
const S_HTTP_QUARTETS = opt('sampling-http-quartets', 6);
const S_MEM_PAIRS = opt('sampling-mem-pairs', 3);
const S_RECORDS = opt('sampling-records', 420000);
const S_CHURN = opt('sampling-churn', 4e6);
// The default is lib/sampling.js's (chosen by this section's model).
const S_DEFAULT = require('../lib/sampling.js').Sampling.DEFAULTS.samplingIntervalBytes;
const S_INTERVALS = [S_DEFAULT, 64 * 1024, 128 * 1024];
// Small intervals where sampling's per-sample cost is many times the noise:
// they measure k in "overhead = k / interval" (see samplingSection).
const S_AMP = [4 * 1024, 8 * 1024];
const S_AMP_HTTP = 4 * 1024;
const FIX = path.join(__dirname, 'fixtures');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/**
 * The median and a distribution-free ~95 % confidence interval for it: the
 * order statistics n/2 -/+ 0.98 sqrt(n) (binomial, normal approximation).
 */
const medianCI = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const h = 0.98 * Math.sqrt(n);
  const lo = s[Math.max(0, Math.floor(n / 2 - h))];
  const hi = s[Math.min(n - 1, Math.ceil(n / 2 + h))];
  return { median: median(s), lo, hi, n };
};
const ci = (xs) => {
  const c = medianCI(xs);
  return `${c.median.toFixed(4)} [${c.lo.toFixed(4)}, ${c.hi.toFixed(4)}] (n = ${c.n})`;
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : NaN;
};

/**
 * One process alternating off (stop()) and on chunks of the same loop: drift cancels out.
 * `aa`: both halves off, the same measurement of nothing, i.e. its noise floor.
 */
function abRun(aa) {
  const r = spawnSync(process.execPath,
    [path.join(FIX, 'alloc-ab.js'), '80', String(Math.round(OPS / 16)), aa ? 'aa' : 'ab'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`alloc-ab child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function allocRun(mode) {
  const r = spawnSync(process.execPath, [path.join(FIX, 'alloc-child.js'), mode, String(OPS)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`alloc child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function httpRun(mode) {
  const child = spawn(process.execPath, [path.join(FIX, 'http-child.js'), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const result = await autocannon({ url: `http://127.0.0.1:${port}/api/items`, connections: 32, duration: SECONDS });
  let costs = [];
  let share = NaN;
  if (mode === 'on') {
    const res = await fetch(`http://127.0.0.1:${port}/__hook_costs`);
    const c = await res.json();
    costs = c.hook_ns;
    // leakwatch's own time over the time the server's event loop was busy.
    share = (c.drain_ns + median(c.hook_ns) * c.num_gc) / (c.active_ms * 1e6);
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { rps: result.requests.average, errors: result.errors + result.non2xx, costs, share };
}

/**
 * One server, leakwatch switched off and on (stop()/start()) between load
 * windows of WINDOW_S seconds in off-on-on-off / on-off-off-on quartets;
 * `aa`: both halves off. Returns each quartet's on/off throughput ratio.
 */
async function httpAbRun(aa) {
  const child = spawn(process.execPath, [path.join(FIX, 'http-child.js'), 'ab'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  await autocannon({ url: `${url}/api/items`, connections: 32, duration: 1 }); // warm up
  const ratios = [];
  const rps = { off: 0, on: 0 };
  for (let w = 0; w < HTTP_AB_WINDOWS; w++) {
    const mode = quartetMode(w);
    await fetch(`${url}/__leakwatch/${mode === 'on' && !aa ? 'on' : 'off'}`).then((r) => r.text());
    const r = await autocannon({ url: `${url}/api/items`, connections: 32, duration: WINDOW_S });
    rps[mode] += r.requests.average;
    if (w % 4 === 3) {
      ratios.push(rps.on / rps.off);
      rps.off = rps.on = 0;
    }
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return ratios;
}

async function main() {
  if (!SAMPLING_ONLY) await leakwatchOnOff();
  if (!SKIP_SAMPLING) await samplingSection();
}

async function leakwatchOnOff() {
  console.log(`leakwatch overhead: node ${process.version}, ${ROUNDS} rounds, alternating off/on`);
  const allocRatios = [];
  const selfShares = []; // leakwatch's own time (hooks + drains) / the 'on' loop's time, per round
  const httpRatios = [];
  const httpShares = [];
  const httpAb = [];
  const httpAa = [];
  const costs = [];
  const alloc = { off: [], on: [] };
  const ab = { off: [], on: [], ratios: [], quartets: [] };
  const aa = { ratios: [], quartets: [] };
  const http = { off: [], on: [] };
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first so drift does not favour either.
    const order = r % 2 ? ['on', 'off'] : ['off', 'on'];
    const a = {};
    for (const m of order) a[m] = allocRun(m);
    alloc.off.push(a.off.ops_per_sec);
    alloc.on.push(a.on.ops_per_sec);
    allocRatios.push(a.on.ops_per_sec / a.off.ops_per_sec);
    costs.push(...a.on.hook_ns);
    selfShares.push((a.on.drain_ns + median(a.on.hook_ns) * a.on.num_gc) / (a.on.secs * 1e9));
    const x = abRun();
    ab.off.push(x.off_ops_per_sec);
    ab.on.push(x.on_ops_per_sec);
    ab.ratios.push(x.ratio);
    ab.quartets.push(...x.quartets);
    costs.push(...x.hook_ns);
    const y = abRun(true);
    aa.ratios.push(y.ratio);
    aa.quartets.push(...y.quartets);
    const h = {};
    for (const m of order) h[m] = await httpRun(m);
    if (h.off.errors || h.on.errors) console.log(`  round ${r + 1}: http errors off=${h.off.errors} on=${h.on.errors}`);
    http.off.push(h.off.rps);
    http.on.push(h.on.rps);
    httpRatios.push(h.on.rps / h.off.rps);
    costs.push(...h.on.costs);
    httpShares.push(h.on.share);
    httpAb.push(...(await httpAbRun(false)));
    httpAa.push(...(await httpAbRun(true)));
    console.log(`  round ${r + 1}/${ROUNDS}: alloc ratio ${allocRatios[r].toFixed(4)}, in-process A/B ` +
      `${ab.ratios[r].toFixed(4)} (A/A ${aa.ratios[r].toFixed(4)}), http ratio ${httpRatios[r].toFixed(4)}`);
  }
  const row = (name, off, on, ratio) =>
    `| ${name.padEnd(30)} | ${off.padStart(14)} | ${on.padStart(14)} | ${ratio.padStart(12)} |`;
  console.log('');
  console.log(row('workload', 'off (median)', 'on (median)', 'on/off ratio'));
  console.log(row('-'.repeat(30), '-'.repeat(14), '-'.repeat(14), '-'.repeat(12)));
  console.log(row('allocation loop (ops/s)', median(alloc.off).toFixed(0), median(alloc.on).toFixed(0),
    median(allocRatios).toFixed(4)));
  console.log(row('allocation, in-process A/B', median(ab.off).toFixed(0), median(ab.on).toFixed(0),
    median(ab.ratios).toFixed(4)));
  console.log(row('same, A/A: both halves off', '', '', median(aa.ratios).toFixed(4)));
  console.log(row('node:http + autocannon (req/s)', median(http.off).toFixed(0), median(http.on).toFixed(0),
    median(httpRatios).toFixed(4)));
  console.log('');
  console.log(`| native hook cost per GC | n = ${costs.length} | median ${(median(costs) / 1000).toFixed(2)} µs | ` +
    `p99 ${(pct(costs, 0.99) / 1000).toFixed(2)} µs | max ${(Math.max(...costs) / 1000).toFixed(2)} µs |`);
  console.log('');
  const spread = (rs) => `${Math.min(...rs).toFixed(3)}–${Math.max(...rs).toFixed(3)}`;
  console.log(`per-round ratios: allocation ${spread(allocRatios)}, A/B ${spread(ab.ratios)}, A/A ${spread(aa.ratios)}, ` +
    `http ${spread(httpRatios)} ` +
    '(the spread is the machine\'s noise: compare the medians)');
  // Throughput ratios on a shared machine swing by several percent; leakwatch's own time, measured where
  // it is spent (GC hooks: median cost × GCs; JS drains: timed), bounds its direct cost independently.
  const share = median(selfShares);
  console.log(`allocation loop: leakwatch's own time (hooks + drains) is ${(share * 100).toFixed(2)} % of the loop ` +
    `(median of ${selfShares.length} runs, ${(Math.min(...selfShares) * 100).toFixed(2)}–` +
    `${(Math.max(...selfShares) * 100).toFixed(2)} %), i.e. a direct-cost ratio of ${(1 - share).toFixed(4)}`);
  // Every quartet of every round pooled: the median with its ~95 % interval.
  // The A/A interval is what "no difference" looks like on this machine.
  const hs = median(httpShares);
  console.log(`node:http server: leakwatch's own time (hooks + drains) is ${(hs * 100).toFixed(3)} % of the time its ` +
    `event loop was busy (median of ${httpShares.length} runs, ${(Math.min(...httpShares) * 100).toFixed(3)}–` +
    `${(Math.max(...httpShares) * 100).toFixed(3)} %), i.e. a direct-cost ratio of ${(1 - hs).toFixed(4)}`);
  console.log('pooled medians with ~95 % confidence intervals:');
  console.log(`  allocation, in-process A/B quartets (off time / on time): ${ci(ab.quartets)}`);
  console.log(`  same, A/A (both halves off):                            ${ci(aa.quartets)}`);
  console.log(`  allocation loop, separate processes (per round):        ${ci(allocRatios)}`);
  console.log(`  node:http + autocannon, separate processes (per round): ${ci(httpRatios)}`);
  console.log(`  node:http, one server switched off/on, quartets:        ${ci(httpAb)}`);
  console.log(`  same, A/A (both halves off):                            ${ci(httpAa)}`);
  console.log('targets: ratio >= 0.995, median hook cost <= 5 µs');
}

// ---- (c) allocation sampling -------------------------------------------------

const kib = (b) => `${Math.round(b / 1024)} KiB`;
const mib = (b) => `${(b / 1048576).toFixed(1)} MiB`;

/**
 * One allocation process: leakwatch on, sampling switched off/on between chunks
 * in quartets; per rotation one quartet per interval (S_INTERVALS, and the
 * small S_AMP ones) and one A/A.
 */
function samplingAllocRun() {
  const slots = [...S_INTERVALS, ...S_AMP].map(String).concat('aa');
  const r = spawnSync(process.execPath, [path.join(FIX, 'sampling-ab.js'), String(S_ROTATIONS),
    String(S_CHUNK_OPS), String(S_SECONDS), slots.join(',')], { encoding: 'utf8', timeout: (S_SECONDS + 120) * 1000 });
  if (r.status !== 0) throw new Error(`sampling-ab child failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * One server, leakwatch on throughout, sampling switched off/on between load
 * windows in quartets; quartets at S_DEFAULT, at S_AMP_HTTP and A/A (both
 * halves off) take turns. Per quartet: the on/off ratio of req/s, and of
 * requests per server CPU second.
 */
async function samplingHttpRun() {
  const child = spawn(process.execPath, [path.join(FIX, 'http-child.js'), 'sampling'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const load = () => autocannon({ url: `${url}/api/items`, connections: 32, duration: WINDOW_S });
  await fetch(`${url}/__sampling/on/${S_DEFAULT}`).then((r) => r.text());
  await autocannon({ url: `${url}/api/items`, connections: 32, duration: 1 }); // warm up, sampling on
  const slots = [String(S_DEFAULT), String(S_AMP_HTTP), 'aa'];
  const out = { errors: 0, slots: {} };
  for (const s of slots) out.slots[s] = { ratios: [], cpu: [], rps: { off: [], on: [] }, quartets: 0 };
  const cpuUs = (c) => c.user + c.system;
  for (let q = 0; q < slots.length * S_HTTP_QUARTETS; q++) {
    const slot = slots[q % slots.length];
    const o = out.slots[slot];
    const sum = { off: 0, on: 0 };
    const cpu = { off: 0, on: 0 };
    const reqs = { off: 0, on: 0 };
    for (let j = 0; j < 4; j++) {
      const mode = quartetMode(4 * o.quartets + j);
      const c0 = await fetch(`${url}/__sampling/${mode === 'on' && slot !== 'aa' ? `on/${slot}` : 'off'}`).then((r) => r.json());
      const r = await load();
      const c1 = await fetch(`${url}/__sampling/cpu`).then((x) => x.json());
      out.errors += r.errors + r.non2xx;
      sum[mode] += r.requests.average;
      cpu[mode] += cpuUs(c1) - cpuUs(c0);
      reqs[mode] += r.requests.total;
      o.rps[mode].push(r.requests.average);
    }
    o.quartets += 1;
    o.ratios.push(sum.on / sum.off);
    o.cpu.push((reqs.on / cpu.on) / (reqs.off / cpu.off));
  }
  out.sampling = await fetch(`${url}/__sampling/stats`).then((r) => r.json());
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return out;
}

function samplingMemRun(mode) {
  const r = spawnSync(process.execPath, [path.join(FIX, 'sampling-mem.js'), mode, String(S_DEFAULT), String(S_RECORDS),
    String(S_CHURN)], { encoding: 'utf8', timeout: 180000 });
  if (r.status !== 0) throw new Error(`sampling-mem child failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function samplingSection() {
  const t0 = Date.now();
  console.log('');
  console.log(`allocation sampling: node ${process.version}, leakwatch on in both halves, sampling off vs on ` +
    `(configure({ sampling }) switched in one process, balanced quartets, A/A interleaved)`);
  // Allocation loop: S_PROCS processes, every interval and the A/A in each.
  const alloc = {};
  for (const s of [...S_INTERVALS, ...S_AMP].map(String).concat('aa')) alloc[s] = { ratios: [], cpu: [], off: [], on: [] };
  const allocStats = [];
  for (let p = 0; p < S_PROCS; p++) {
    const x = samplingAllocRun();
    for (const [s, v] of Object.entries(x.slots)) {
      alloc[s].ratios.push(...v.ratios);
      alloc[s].cpu.push(...v.cpu_ratios);
      alloc[s].off.push(v.off_ops_per_sec);
      alloc[s].on.push(v.on_ops_per_sec);
    }
    allocStats.push({ ...x.sampling, on_ms: x.on_ms });
    console.log(`  allocation process ${p + 1}/${S_PROCS}: ${x.rotations} rotations; quartet medians ` +
      [...S_INTERVALS, ...S_AMP].map((i) => `${kib(i)} ${median(x.slots[i].ratios).toFixed(4)}`).join(', ') +
      `, A/A ${median(x.slots.aa.ratios).toFixed(4)} (${x.slots.aa.ratios.length} quartets each)`);
  }
  const http = await samplingHttpRun();
  if (http.errors) console.log(`  node:http: ${http.errors} errors/non-2xx responses`);
  console.log(`  node:http: ${S_HTTP_QUARTETS} quartets each at ${kib(S_DEFAULT)}, ${kib(S_AMP_HTTP)} and A/A; quartet medians ` +
    `${median(http.slots[S_DEFAULT].ratios).toFixed(4)}, ${median(http.slots[S_AMP_HTTP].ratios).toFixed(4)}, ` +
    `A/A ${median(http.slots.aa.ratios).toFixed(4)}`);
  // Memory: processes with sampling off and on, the order alternating per pair.
  const mem = { off: [], on: [] };
  for (let p = 0; p < S_MEM_PAIRS; p++) {
    for (const m of p % 2 ? ['on', 'off'] : ['off', 'on']) mem[m].push(samplingMemRun(m));
  }
  console.log(`  memory: ${S_MEM_PAIRS} pairs of processes done (${((Date.now() - t0) / 1000).toFixed(0)} s so far)`);

  const row = (name, off, on, ratio, interval, cpu, cpuInterval) =>
    `| ${name.padEnd(42)} | ${off.padStart(12)} | ${on.padStart(12)} | ${ratio.padStart(12)} | ${interval.padStart(24)} | ` +
    `${cpu.padStart(12)} | ${cpuInterval.padStart(24)} |`;
  const ciText = (xs) => {
    const x = medianCI(xs);
    return `[${x.lo.toFixed(4)}, ${x.hi.toFixed(4)}] n=${x.n}`;
  };
  const r4 = (xs) => median(xs).toFixed(4);
  const label = (i) => `${kib(i)}${i === S_DEFAULT ? ' (default)' : S_AMP.includes(i) || i === S_AMP_HTTP ? ' (amplifier)' : ''}`;
  console.log('');
  console.log('on/off ratio: median of the per-quartet ratios of throughput (wall time); per CPU s: the same of work per ' +
    'process CPU second (user + system; for node:http the server\'s CPU per request)');
  console.log(row('workload (leakwatch on in both; ops|req/s)', 'sampling off', 'sampling on', 'on/off ratio', '~95 % CI of the median',
    'per CPU s', '~95 % CI of the median'));
  console.log(row('-'.repeat(42), '-'.repeat(12), '-'.repeat(12), '-'.repeat(12), '-'.repeat(24), '-'.repeat(12), '-'.repeat(24)));
  for (const i of [...S_INTERVALS, ...S_AMP]) {
    const a = alloc[String(i)];
    console.log(row(`allocation loop, ${label(i)}`, median(a.off).toFixed(0),
      median(a.on).toFixed(0), r4(a.ratios), ciText(a.ratios), r4(a.cpu), ciText(a.cpu)));
  }
  console.log(row('allocation, A/A: both halves off', '', '', r4(alloc.aa.ratios), ciText(alloc.aa.ratios),
    r4(alloc.aa.cpu), ciText(alloc.aa.cpu)));
  for (const i of [S_DEFAULT, S_AMP_HTTP]) {
    const h = http.slots[i];
    console.log(row(`node:http + autocannon, ${label(i)}`, median(h.rps.off).toFixed(0),
      median(h.rps.on).toFixed(0), r4(h.ratios), ciText(h.ratios), r4(h.cpu), ciText(h.cpu)));
  }
  const haa = http.slots.aa;
  console.log(row('node:http, A/A: both halves off', '', '', r4(haa.ratios), ciText(haa.ratios), r4(haa.cpu), ciText(haa.cpu)));

  // The sampler's cost is per sample, and samples come one per interval of
  // allocation: time overhead (1/ratio - 1) = k / interval. At the default the
  // effect is about the size of this machine's noise; at the small intervals
  // it is many times larger, so k measured there predicts the default better.
  const over = (r) => 1 / r - 1;
  const predict = (k, i) => 1 / (1 + k / i);
  const ks = (xs, i) => ({ mid: over(median(xs)) * i, ...(() => {
    const x = medianCI(xs);
    return { lo: over(x.hi) * i, hi: over(x.lo) * i };
  })() });
  console.log('');
  console.log('model: sampling\'s time overhead = k / interval (a cost per sample); k from the amplifier rows, ' +
    'predicted on/off ratios (wall time, ~95 % range from the CI; per CPU s):');
  const show = (name, wall, cpu, targets) => {
    console.log(`  ${name}: ` + targets.map((i) => `${kib(i)} ${predict(wall.mid, i).toFixed(4)} ` +
      `[${predict(wall.hi, i).toFixed(4)}, ${predict(wall.lo, i).toFixed(4)}] (${predict(cpu.mid, i).toFixed(4)})`).join(', '));
  };
  const targets = [...new Set([32 * 1024, ...S_INTERVALS, 512 * 1024])].sort((a, b) => a - b);
  for (const i of S_AMP) show(`allocation loop, from ${kib(i)}`, ks(alloc[i].ratios, i), ks(alloc[i].cpu, i), targets);
  show(`node:http, from ${kib(S_AMP_HTTP)}`, ks(http.slots[S_AMP_HTTP].ratios, S_AMP_HTTP), ks(http.slots[S_AMP_HTTP].cpu, S_AMP_HTTP),
    [S_DEFAULT]);

  // Readings (the sampler's tree walked on the JS thread): their cost, and their share of the time sampled.
  const readings = (st) => `${st.readings} readings, max ${st.max_reading_ms.toFixed(2)} ms, mean ` +
    `${st.readings ? (st.total_reading_ms / st.readings).toFixed(2) : '-'} ms`;
  console.log('');
  for (const [p, st] of allocStats.entries()) {
    console.log(`readings, allocation process ${p + 1} (all intervals): ${readings(st)}, ` +
      `${((st.total_reading_ms / st.on_ms) * 100).toFixed(3)} % of the time sampled`);
  }
  console.log(`readings, node:http server: ${readings(http.sampling)}`);

  // Memory table: medians over the processes, and the per-pair on - off differences.
  const med = (xs, f) => median(xs.map(f));
  const diffs = (f) => mem.on.map((o, k) => f(o) - f(mem.off[k]));
  const mrow = (name, a, b, d) => `| ${name.padEnd(36)} | ${a.padStart(14)} | ${b.padStart(14)} | ${d.padStart(46)} |`;
  const signed = (b) => `${b >= 0 ? '+' : '-'}${mib(Math.abs(b))}`;
  const dtext = (f) => {
    const d = diffs(f);
    return `${signed(median(d))} (${d.map(signed).join(', ')})`;
  };
  console.log('');
  console.log(`profiler memory: ${S_MEM_PAIRS} pairs of processes, each with ${S_RECORDS} live records, ` +
    `${S_CHURN} churn ops, then a full GC; sampling ${kib(S_DEFAULT)}`);
  console.log(mrow('after the workload', 'sampling off', 'sampling on', 'on - off, median (per pair)'));
  console.log(mrow('-'.repeat(36), '-'.repeat(14), '-'.repeat(14), '-'.repeat(46)));
  console.log(mrow('RSS', mib(med(mem.off, (x) => x.mem.rss)), mib(med(mem.on, (x) => x.mem.rss)), dtext((x) => x.mem.rss)));
  console.log(mrow('RSS - V8 heap committed', mib(med(mem.off, (x) => x.mem.rss - x.mem.heapTotal)),
    mib(med(mem.on, (x) => x.mem.rss - x.mem.heapTotal)), dtext((x) => x.mem.rss - x.mem.heapTotal)));
  console.log(mrow('V8 heap used', mib(med(mem.off, (x) => x.mem.heapUsed)), mib(med(mem.on, (x) => x.mem.heapUsed)),
    dtext((x) => x.mem.heapUsed)));
  console.log(mrow('peak RSS', mib(med(mem.off, (x) => x.max_rss)), mib(med(mem.on, (x) => x.max_rss)),
    dtext((x) => x.max_rss)));
  console.log(mrow('sampling.memory_bytes (site table)', String(med(mem.off, (x) => x.sampling.memory_bytes)),
    String(med(mem.on, (x) => x.sampling.memory_bytes)), ''));
  const on = mem.on.map((x) => x.sampling);
  const liveSampled = median(on.map((x) => x.sampled_live_bytes));
  console.log(`sampling on: sampled_live_bytes ${mib(liveSampled)} (~${Math.round(liveSampled / S_DEFAULT)} live samples), ` +
    `profile_nodes ${median(on.map((x) => x.profile_nodes))}, sites ${median(on.map((x) => x.sites))}; ` +
    `readings per process ${on.map((x) => x.readings).join(', ')}, max ${Math.max(...on.map((x) => x.max_reading_ms)).toFixed(2)} ms, ` +
    `mean ${(on.reduce((a, x) => a + x.total_reading_ms, 0) / Math.max(1, on.reduce((a, x) => a + x.readings, 0))).toFixed(2)} ms`);
  console.log('peak RSS: the V8 heap\'s growth while the live set is built, in either mode (bimodal: compare the per-pair values)');
  console.log(`workload time per process: off ${med(mem.off, (x) => x.secs).toFixed(1)} s, on ${med(mem.on, (x) => x.secs).toFixed(1)} s ` +
    '(separate processes: indicative only)');
  console.log(`allocation sampling section: ${((Date.now() - t0) / 1000).toFixed(0)} s; target: on/off ratio >= 0.99`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
