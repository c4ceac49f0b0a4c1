#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:overhead` — what leakwatch costs a process.
 *
 * (a) an allocation-heavy loop and (b) a node:http server under loopback load
 * (autocannon, 127.0.0.1 only, bounded duration), each run with leakwatch off
 * and on, alternating in one run, reported as on/off throughput ratios (median
 * of the per-pair ratios); plus the native cost of leakwatch's GC callbacks
 * per collection (median, p99), as measured inside the callbacks.
 *
 * Options: --rounds N (default 5), --seconds S per HTTP run (default 4),
 * --ops N per allocation run (default 3e6).
 */
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const autocannon = require('autocannon');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROUNDS = opt('rounds', 5);
const SECONDS = opt('seconds', 4);
const OPS = opt('ops', 3e6);
const FIX = path.join(__dirname, 'fixtures');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : NaN;
};

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
  if (mode === 'on') {
    const res = await fetch(`http://127.0.0.1:${port}/__hook_costs`);
    costs = await res.json();
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { rps: result.requests.average, errors: result.errors + result.non2xx, costs };
}

async function main() {
  console.log(`leakwatch overhead: node ${process.version}, ${ROUNDS} rounds, alternating off/on`);
  const allocRatios = [];
  const httpRatios = [];
  const costs = [];
  const alloc = { off: [], on: [] };
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
    const h = {};
    for (const m of order) h[m] = await httpRun(m);
    if (h.off.errors || h.on.errors) console.log(`  round ${r + 1}: http errors off=${h.off.errors} on=${h.on.errors}`);
    http.off.push(h.off.rps);
    http.on.push(h.on.rps);
    httpRatios.push(h.on.rps / h.off.rps);
    costs.push(...h.on.costs);
    console.log(`  round ${r + 1}/${ROUNDS}: alloc ratio ${allocRatios[r].toFixed(4)}, http ratio ${httpRatios[r].toFixed(4)}`);
  }
  const row = (name, off, on, ratio) =>
    `| ${name.padEnd(28)} | ${off.padStart(14)} | ${on.padStart(14)} | ${ratio.padStart(12)} |`;
  console.log('');
  console.log(row('workload', 'off (median)', 'on (median)', 'on/off ratio'));
  console.log(row('-'.repeat(28), '-'.repeat(14), '-'.repeat(14), '-'.repeat(12)));
  console.log(row('allocation loop (ops/s)', median(alloc.off).toFixed(0), median(alloc.on).toFixed(0),
    median(allocRatios).toFixed(4)));
  console.log(row('node:http + autocannon (req/s)', median(http.off).toFixed(0), median(http.on).toFixed(0),
    median(httpRatios).toFixed(4)));
  console.log('');
  console.log(`| native hook cost per GC | n = ${costs.length} | median ${(median(costs) / 1000).toFixed(2)} µs | ` +
    `p99 ${(pct(costs, 0.99) / 1000).toFixed(2)} µs | max ${(Math.max(...costs) / 1000).toFixed(2)} µs |`);
  console.log('');
  console.log('targets: ratio >= 0.995, median hook cost <= 5 µs');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
