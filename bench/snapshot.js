#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:snapshot`: how fast, and in how much memory, leakwatch
 * analyses a big real heap snapshot, next to other loaders.
 *
 * 1. A child process builds a closure-leak heap (BENCH_LEAKS requests, each
 *    held by a closure in a `tasks` array, default 400k → ~2 M nodes) and
 *    writes it with `v8.writeHeapSnapshot()` to bench/out/ (reused if there).
 * 2. Each contender runs alone in a fresh child process, one after the
 *    other; we report wall time and peak RSS (`process.resourceUsage().maxRSS`):
 *      - leakwatch.analyze()           parse + dominators + retained sizes + summary
 *      - leakwatch.findLeaks()          same file three times (3 × the work)
 *      - memlab getFullHeapFromFile()   memlab's loader (parse + its own
 *                                       dominators/retained sizes), if it can be
 *                                       installed from npm into a temp dir
 *      - JSON.parse                     readFileSync + JSON.parse: the "merely
 *                                       reading it" floor, no analysis at all
 * Options (environment): BENCH_LEAKS, BENCH_RUNS (default 1, best of),
 * BENCH_NO_MEMLAB=1.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { memlabEntry } = require('./fixtures/analyze-snapshot.js');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(__dirname, 'out');
const LEAKS = Number(process.env.BENCH_LEAKS || 400000);
const RUNS = Number(process.env.BENCH_RUNS || 1);
const FILE = path.join(OUT, `closure-leak-${LEAKS}.heapsnapshot`);

function log(s) {
  process.stdout.write(`${s}\n`);
}

function makeSnapshot() {
  if (fs.existsSync(FILE)) return;
  fs.mkdirSync(OUT, { recursive: true });
  const code = `
    const v8 = require('node:v8');
    class Req { constructor(i) { this.url = '/item/' + i; this.n = i; } }
    const tasks = [];
    for (let i = 0; i < ${LEAKS}; i++) {
      const req = new Req(i);
      tasks.push(function onDone() { return req.url; });
    }
    setTimeout(() => { v8.writeHeapSnapshot(${JSON.stringify(FILE)}); if (!tasks.length) throw 0; }, 1);`;
  log(`bench: writing a snapshot of ${LEAKS} leaked closures to ${path.relative(ROOT, FILE)} ...`);
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '-e', code], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('snapshot child failed');
}

const MEASURE = `
  const t0 = process.hrtime.bigint();
  const done = (what) => {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    process.stdout.write(JSON.stringify({ ms, rss_kb: process.resourceUsage().maxRSS, what }) + '\\n');
  };`;

function contenders(memlab) {
  const f = JSON.stringify(FILE);
  const lw = JSON.stringify(ROOT);
  const list = [
    ['leakwatch analyze', `${MEASURE} require(${lw}).analyze(${f}).then((s) => done(s.node_count + ' nodes'));`],
    ['leakwatch findLeaks (3 files)', `${MEASURE} require(${lw}).findLeaks({ baseline: ${f}, target: ${f}, final: ${f} })
      .then((r) => done(r.total_count + ' candidates'));`],
  ];
  if (memlab) {
    list.push(['memlab getFullHeapFromFile', `${MEASURE} require(${JSON.stringify(memlab)}).getFullHeapFromFile(${f})
      .then((h) => done(h.nodes.length + ' nodes'));`]);
  }
  list.push(['JSON.parse (floor: read only)', `${MEASURE} const j = JSON.parse(require('fs').readFileSync(${f}, 'utf8'));
    done(j.snapshot.node_count + ' nodes');`]);
  return list;
}

function measure(code) {
  let best = null;
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(process.execPath, ['--max-old-space-size=16384', '-e', code], { encoding: 'utf8',
      timeout: 30 * 60 * 1000, env: { ...process.env, LEAKWATCH_BACKEND: 'perf_hooks' } });
    const line = (r.stdout || '').trim().split('\n').pop();
    if (r.status !== 0 || !line) return { error: (r.stderr || r.error || 'failed').toString().trim().split('\n').pop() };
    const m = JSON.parse(line);
    if (!best || m.ms < best.ms) best = m;
  }
  return best;
}

makeSnapshot();
const size = fs.statSync(FILE).size;
const memlab = memlabEntry((m) => log(`bench: ${m}`));
log(`bench: ${path.relative(ROOT, FILE)}: ${(size / 1048576).toFixed(0)} MB; Node ${process.version}; ` +
  `${os.cpus().length} CPUs; best of ${RUNS}`);
if (!memlab) log('bench: memlab could not be installed; compared with JSON.parse only');
const rows = contenders(memlab).map(([name, code]) => [name, measure(code)]);
const base = rows[0][1];
log('');
log(`${'contender'.padEnd(32)} ${'time s'.padStart(8)} ${'× lw'.padStart(6)} ${'peak RSS MB'.padStart(12)} ${'× lw'.padStart(6)}  result`);
for (const [name, m] of rows) {
  if (m.error) {
    log(`${name.padEnd(32)} failed: ${m.error}`);
    continue;
  }
  log(`${name.padEnd(32)} ${(m.ms / 1000).toFixed(2).padStart(8)} ${(m.ms / base.ms).toFixed(2).padStart(6)} ` +
    `${(m.rss_kb / 1024).toFixed(0).padStart(12)} ${(m.rss_kb / base.rss_kb).toFixed(2).padStart(6)}  ${m.what}`);
}
