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
 * Options: --rounds N (default 5), --seconds S per HTTP run (default 4),
 * --ops N per allocation run (default 1.5e7), --http-ab-windows N per
 * switched-server run (16), --window S seconds per window (1).
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

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
