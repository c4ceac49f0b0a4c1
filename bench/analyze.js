#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:analyze`: the snapshot engine's performance targets, measured on big
 * real heap snapshots of a leaking node:http service.
 *
 * 1. Two snapshots, generated on first use and cached in bench/out/
 *    (bench/fixtures/analyze-snapshot.js: the closure-leak scenario under
 *    bounded loopback autocannon load; the service writes its own dump):
 *      big    >= BENCH_SNAPSHOT_MB MiB (default 1024)
 *      small  >= BENCH_SMALL_MB MiB    (default 190; 0 to skip)
 * 2. On each file, each contender alone in a fresh child process, one after
 *    the other (wall time and peak RSS = process.resourceUsage().maxRSS):
 *      leakwatch.analyze()          parse | dominators + retained sizes +
 *                                   summary (split at the first 'analyze'
 *                                   progress callback), best of BENCH_RUNS (3)
 *      memlab getFullHeapFromFile() @memlab/heap-analysis (parse, shortest
 *                                   paths, dominators, retained sizes), with
 *                                   --max-old-space-size=BENCH_MEMLAB_HEAP_MB
 *                                   (16384) and BENCH_MEMLAB_TIMEOUT_S (900)
 *      JSON.parse                   readFileSync + JSON.parse, the "merely
 *                                   reading it" floor; only for files V8 can
 *                                   hold in one string (< 512 MiB)
 * 3. One table (ratios against leakwatch on the same file), then PASS/FAIL
 *    for the targets: a >= 1 GiB snapshot summarized with retained sizes in
 *    <= 5 s per 1.5 GiB with peak RSS <= 1.0x the file size; the ~190 MB
 *    one in <= 0.6 s.
 * Other options: BENCH_NO_MEMLAB=1, BENCH_LOAD_MAX_S (generator's load cap).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureSnapshot, memlabEntry, memlabVersion, addonInfo, MiB } = require('./fixtures/analyze-snapshot.js');

const ROOT = path.join(__dirname, '..');
const BIG_MB = Number(process.env.BENCH_SNAPSHOT_MB || 1024);
const SMALL_MB = Number(process.env.BENCH_SMALL_MB ?? 190);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS || 3));
const MEMLAB_HEAP_MB = Number(process.env.BENCH_MEMLAB_HEAP_MB || 16384);
const MEMLAB_TIMEOUT_S = Number(process.env.BENCH_MEMLAB_TIMEOUT_S || 900);
// V8's longest string (2^29 - 24 characters): JSON.parse of a bigger file cannot even start.
const MAX_STRING = 2 ** 29 - 24;
const GiB = 2 ** 30;

function log(s) {
  process.stdout.write(`${s}\n`);
}

/** Prints one JSON line {ms, rss_kb, ...extra} from the child. */
const MEASURE = `
  const t0 = process.hrtime.bigint();
  const since = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const done = (extra) => {
    const ms = since();
    process.stdout.write('\\n' + JSON.stringify({ ms, rss_kb: process.resourceUsage().maxRSS, ...extra }) + '\\n');
  };`;

function leakwatchCode(file) {
  return `${MEASURE}
    const phases = {};
    require(${JSON.stringify(ROOT)}).analyze(${JSON.stringify(file)}, {
      onProgress: (phase) => { if (!(phase in phases)) phases[phase] = since(); },
    }).then((s) => done({ phases, nodes: s.node_count, edges: s.edge_count, classes: s.class_count }));`;
}

function memlabCode(entry, file) {
  return `${MEASURE}
    require(${JSON.stringify(entry)}).getFullHeapFromFile(${JSON.stringify(file)})
      .then((h) => done({ nodes: h.nodes.length, edges: h.edges.length }));`;
}

function jsonCode(file) {
  return `${MEASURE}
    const j = JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'));
    done({ nodes: j.snapshot.node_count, edges: j.snapshot.edge_count });`;
}

/** Runs `code` in fresh child processes `runs` times; the fastest run, or {error}. */
function measure(code, { runs = 1, heapMB = 4096, timeoutS = 900 } = {}) {
  let best = null;
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMB}`, '-e', code], {
      encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 64 * MiB,
      env: { ...process.env, LEAKWATCH_BACKEND: 'perf_hooks' },
    });
    const line = (r.stdout || '').trim().split('\n').pop();
    if (r.error && r.error.code === 'ETIMEDOUT') return { error: `timed out after ${timeoutS} s` };
    if (r.status !== 0 || !line || line[0] !== '{') {
      const why = (r.stderr || '').trim().split('\n').filter(Boolean).pop() || `exit ${r.status} ${r.signal || ''}`;
      return { error: why.slice(0, 160) };
    }
    const m = JSON.parse(line);
    if (!best || m.ms < best.ms) best = m;
  }
  return best;
}

function benchFile(label, file, memlab) {
  const size = fs.statSync(file).size;
  log(`bench: ${label}: ${path.relative(ROOT, file)} (${(size / MiB).toFixed(0)} MB) ...`);
  const rows = [];
  const lw = measure(leakwatchCode(file), { runs: RUNS });
  rows.push({ name: `leakwatch analyze (best of ${RUNS})`, m: lw });
  if (memlab) {
    rows.push({ name: 'memlab getFullHeapFromFile',
      m: measure(memlabCode(memlab, file), { heapMB: MEMLAB_HEAP_MB, timeoutS: MEMLAB_TIMEOUT_S }) });
  }
  if (size < MAX_STRING) {
    rows.push({ name: 'JSON.parse (floor: read only)', m: measure(jsonCode(file), { heapMB: MEMLAB_HEAP_MB }) });
  } else {
    rows.push({ name: 'JSON.parse (floor: read only)', m: { skipped: 'file > 512 MB: longer than V8\'s longest string' } });
  }
  return { label, file, size, rows, lw };
}

const s = (ms) => (ms / 1000).toFixed(2);

function printTable(results) {
  const head = ['snapshot', 'contender', 'parse s', 'summary s', 'total s', '× lw', 'peak RSS MB', '× lw', 'RSS/file', 'MB/s', 'result'];
  const out = [head];
  for (const r of results) {
    const tag = `${r.label} ${(r.size / MiB).toFixed(0)} MB`;
    const base = r.lw && !r.lw.error ? r.lw : null;
    for (const { name, m } of r.rows) {
      if (m.error || m.skipped) {
        out.push([tag, name, '', '', '', '', '', '', '', '', m.error ? `failed: ${m.error}` : `skipped: ${m.skipped}`]);
        continue;
      }
      const split = m.phases && m.phases.analyze !== undefined;
      out.push([
        tag, name,
        split ? s(m.phases.analyze) : '',
        split ? s(m.ms - m.phases.analyze) : '',
        s(m.ms),
        base ? (m.ms / base.ms).toFixed(1) : '',
        (m.rss_kb / 1024).toFixed(0),
        base ? (m.rss_kb / base.rss_kb).toFixed(1) : '',
        (m.rss_kb * 1024 / r.size).toFixed(2),
        (r.size / MiB / (m.ms / 1000)).toFixed(0),
        `${m.nodes} nodes, ${m.edges} edges`,
      ]);
    }
  }
  const widths = head.map((_, i) => Math.max(...out.map((row) => String(row[i]).length)));
  const left = new Set([0, 1, 10]);
  for (const row of out) {
    log(row.map((c, i) => (left.has(i) ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ').trimEnd());
  }
}

function verdict(ok) {
  return ok ? 'PASS' : 'FAIL';
}

function printTargets(big, small) {
  log('');
  if (big) {
    const lw = big.lw;
    if (big.size < GiB) {
      log(`target >= 1 GB in <= 5 s per 1.5 GB: n/a (the big snapshot is ${(big.size / MiB).toFixed(0)} MB < 1 GiB; raise BENCH_SNAPSHOT_MB)`);
    } else if (lw.error) {
      log(`target >= 1 GB in <= 5 s per 1.5 GB: FAIL (leakwatch failed: ${lw.error})`);
    } else {
      const allow = (5000 * big.size) / (1.5 * GiB);
      log(`target >= 1 GB in <= 5 s per 1.5 GB: ${verdict(lw.ms <= allow)} — ${(big.size / MiB).toFixed(0)} MB in ` +
        `${s(lw.ms)} s (allowed ${s(allow)} s; ${((lw.ms / big.size) * 1.5 * GiB / 1000).toFixed(2)} s per 1.5 GiB)`);
      log(`target peak RSS <= 1.0x file size:    ${verdict(lw.rss_kb * 1024 <= big.size)} — ` +
        `${(lw.rss_kb / 1024).toFixed(0)} MB for ${(big.size / MiB).toFixed(0)} MB (${(lw.rss_kb * 1024 / big.size).toFixed(2)}x)`);
    }
  }
  if (small) {
    const lw = small.lw;
    if (lw.error) log(`target ~190 MB in <= 0.6 s: FAIL (leakwatch failed: ${lw.error})`);
    else log(`target ~190 MB in <= 0.6 s:          ${verdict(lw.ms <= 600)} — ${(small.size / MiB).toFixed(0)} MB in ${s(lw.ms)} s`);
  }
}

async function main() {
  const memlab = memlabEntry(log);
  const big = await ensureSnapshot(BIG_MB, { log });
  const small = SMALL_MB > 0 ? await ensureSnapshot(SMALL_MB, { log }) : null;
  log(`bench: Node ${process.version}; ${os.cpus().length} CPUs; ${(os.totalmem() / GiB).toFixed(0)} GB RAM; ` +
    `memlab ${memlab ? memlabVersion(memlab) : 'not installed'}; leakwatch best of ${RUNS}, others 1 run; MB = MiB`);
  log(`bench: leakwatch addon ${addonInfo()}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const results = [benchFile('big', big, memlab)];
  if (small) results.push(benchFile('small', small, memlab));
  log('');
  printTable(results);
  log(`(load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs)`);
  printTargets(results[0], results[1]);
}

main().catch((e) => {
  process.stderr.write(`bench:analyze: ${e.stack || e}\n`);
  process.exit(1);
});
