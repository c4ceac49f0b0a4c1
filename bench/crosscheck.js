#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:crosscheck`: leakwatch's per-class counts and retained
 * sizes next to memlab's on one real snapshot of a few hundred MB: the
 * snapshot engine's correctness, measured.
 *
 * The snapshot (>= BENCH_CROSSCHECK_MB MiB, default 300) comes from the same
 * generator as bench:analyze (leaky node:http service under bounded loopback
 * load, cached in bench/out/), with a WeakMap of per-request metadata keyed
 * by `req` added so that WeakMap ephemeron edges are exercised
 * (BENCH_CROSSCHECK_WEAKMAP=0: the plain service). leakwatch runs `analyze(file, {top: Infinity})`;
 * memlab (`@memlab/heap-analysis` getFullHeapFromFile, installed into a temp
 * dir) runs in a child (bench/fixtures/analyze-memlab.js) that groups memlab's
 * nodes by DevTools class name and also re-runs memlab's own dominator
 * algorithm with DevTools' rules, to tell rule differences from bugs:
 *   memlab   memlab as it is
 *   pageDT   memlab's algorithm, DevTools' page-owned seeds
 *   allDT    memlab's algorithm, all of DevTools' rules (page-owned seeds,
 *            WeakMap ephemeron rule, shallow-size attribution)
 * Printed: the top BENCH_CROSSCHECK_TOP (25) classes by leakwatch's retained
 * size with both numbers and the relative differences, totals, and every
 * class whose count or retained size differs by more than 1% (and at least
 * 1 KiB) from memlab-with-DevTools'-rules. Exit code 1 if there is any such
 * class (an unexplained difference), 0 otherwise.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureSnapshot, memlabEntry, memlabVersion, addonInfo, MiB } = require('./fixtures/analyze-snapshot.js');

const ROOT = path.join(__dirname, '..');
const TARGET_MB = Number(process.env.BENCH_CROSSCHECK_MB || 300);
const WEAKMAP = process.env.BENCH_CROSSCHECK_WEAKMAP !== '0';
const TOP = Number(process.env.BENCH_CROSSCHECK_TOP || 25);
const MEMLAB_HEAP_MB = Number(process.env.BENCH_MEMLAB_HEAP_MB || 16384);
const MEMLAB_TIMEOUT_S = Number(process.env.BENCH_MEMLAB_TIMEOUT_S || 1800);

function log(s) {
  process.stdout.write(`${s}\n`);
}

/** Relative difference of `b` against `a`, as text ('0' when equal). */
function rel(a, b) {
  if (a === b) return '0';
  if (a === 0) return 'new';
  const d = ((b - a) / a) * 100;
  return `${d > 0 ? '+' : ''}${Math.abs(d) < 0.01 ? d.toExponential(0) : d.toFixed(2)}%`;
}

function material(a, b, floor) {
  return Math.abs(b - a) > Math.max(floor, 0.01 * Math.abs(a));
}

function table(rows, left) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const r of rows) {
    log(r.map((c, i) => (left.has(i) ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ').trimEnd());
  }
}

async function main() {
  const memlab = memlabEntry(log);
  if (!memlab) throw new Error('@memlab/heap-analysis could not be installed (or BENCH_NO_MEMLAB is set)');
  const file = await ensureSnapshot(TARGET_MB, { log, weakmap: WEAKMAP });
  const size = fs.statSync(file).size;
  log(`crosscheck: ${path.relative(ROOT, file)} (${(size / MiB).toFixed(0)} MB); Node ${process.version}; memlab ${memlabVersion(memlab)}; addon ${addonInfo()}`);

  let t0 = Date.now();
  const lw = await require(ROOT).analyze(file, { top: Infinity });
  const lwMs = Date.now() - t0;

  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lw-crosscheck-')), 'memlab.json');
  t0 = Date.now();
  const r = spawnSync(process.execPath, [`--max-old-space-size=${MEMLAB_HEAP_MB}`,
    path.join(__dirname, 'fixtures', 'analyze-memlab.js'), memlab, file, out], {
    stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: MEMLAB_TIMEOUT_S * 1000,
  });
  if (r.status !== 0 || !fs.existsSync(out)) {
    throw new Error(`memlab child failed (${r.error ? r.error.code : `exit ${r.status}`}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  }
  const ml = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  log(`leakwatch: ${lw.node_count} nodes, ${lw.edge_count} edges, ${lw.class_count} classes in ${(lwMs / 1000).toFixed(1)} s; ` +
    `memlab: ${ml.nodes} nodes, ${ml.edges} edges, loaded in ${(ml.load_ms / 1000).toFixed(1)} s ` +
    `(child total ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  log(`graph facts: ${ml.ephemerons} WeakMap ephemeron edges (${ml.ephemeron_table_edges} from a table); page-owned nodes: ` +
    `${ml.page_owned.devtools} by DevTools' seeds, ${ml.page_owned.memlab} by memlab's; ` +
    `${ml.moved_by_attribution} nodes' sizes moved to their owner by DevTools' shallow-size attribution`);
  log('');

  const V = ml.variants;
  const lwBy = new Map(lw.classes.map((c) => [c.name, c]));
  const get = (v, name) => V[v].classes[name] || [0, 0, 0, 0];
  const head = ['class', 'lw count', 'memlab', 'Δ', 'lw retained', 'memlab', 'Δ', 'pageDT Δ', 'allDT count Δ', 'allDT retained Δ'];
  const rows = [head];
  const row = (name, c) => {
    const m = get('memlab', name);
    const p = get('pageDT', name);
    const a = get('allDT', name);
    return [name.length > 40 ? `${name.slice(0, 39)}…` : name, c.count, m[0], rel(c.count, m[0]), c.retained_size, m[3],
      rel(c.retained_size, m[3]), rel(c.retained_size, p[3]), rel(c.count, a[0]), rel(c.retained_size, a[3])];
  };
  for (const c of lw.classes.slice(0, TOP)) rows.push(row(c.name, c));
  const sumV = (v, k) => Object.values(V[v].classes).reduce((s, x) => s + x[k], 0);
  rows.push(['(total: count, self size)', lw.total_count, sumV('memlab', 0), rel(lw.total_count, sumV('memlab', 0)),
    lw.total_self_size, sumV('memlab', 2), rel(lw.total_self_size, sumV('memlab', 2)), '',
    rel(lw.total_count, sumV('allDT', 0)), rel(lw.total_self_size, sumV('allDT', 2))]);
  rows.push(['(total retained: root)', '', '', '', lw.total_retained_size, V.memlab.total_retained,
    rel(lw.total_retained_size, V.memlab.total_retained), rel(lw.total_retained_size, V.pageDT.total_retained), '',
    rel(lw.total_retained_size, V.allDT.total_retained)]);
  table(rows, new Set([0]));

  // Every class whose numbers differ materially, against memlab as-is and against memlab + DevTools' rules.
  const names = new Set([...lwBy.keys(), ...Object.keys(V.memlab.classes).filter((n) => get('memlab', n)[0] > 0)]);
  const diffs = (v) => [...names].filter((n) => {
    const c = lwBy.get(n) || { count: 0, retained_size: 0 };
    const x = get(v, n);
    return material(c.count, x[0], 0) || material(c.retained_size, x[3], 1024);
  });
  const raw = diffs('memlab');
  const page = diffs('pageDT');
  const left = diffs('allDT');
  log('');
  log(`classes differing by > 1% (count, or retained size by > 1% and > 1 KiB): ${raw.length} of ${names.size} against memlab as is; ` +
    `${page.length} with DevTools' page-owned seeds; ${left.length} with all of DevTools' rules`);
  const show = (list, v, title) => {
    if (!list.length) return;
    log('');
    log(title);
    const t = [['class', 'lw count', `${v} count`, 'lw retained', `${v} retained`, 'Δ retained']];
    list.sort((a, b) => {
      const d = (n) => Math.abs((lwBy.get(n) || { retained_size: 0 }).retained_size - get(v, n)[3]);
      return d(b) - d(a);
    });
    for (const n of list.slice(0, 30)) {
      const c = lwBy.get(n) || { count: 0, retained_size: 0 };
      const x = get(v, n);
      t.push([n.length > 40 ? `${n.slice(0, 39)}…` : n, c.count, x[0], c.retained_size, x[3], rel(c.retained_size, x[3])]);
    }
    table(t, new Set([0]));
    if (list.length > 30) log(`… and ${list.length - 30} more`);
  };
  show(raw, 'memlab', 'against memlab as is (largest absolute retained-size difference first):');
  show(left, 'allDT', 'NOT explained by DevTools\' rules (memlab\'s algorithm with all of them):');
  process.exitCode = left.length ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`bench:crosscheck: ${e.stack || e}\n`);
  process.exit(2);
});
