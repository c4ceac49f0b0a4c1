#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:dump`: plain vs gzip vs redacted heap dumps of a ~200 MB
 * heap (LEAKWATCH_BENCH_HEAP_MB to change), each in a fresh child process:
 * dump time, the child's extra peak RSS during the dump (VmHWM after
 * resetting it), file size — absolute and as ratios to the plain dump — and
 * the guard's factors (extra memory / heap, plain file / heap).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const MB = Number(process.env.LEAKWATCH_BENCH_HEAP_MB || 200);
const MODES = ['plain-sync', 'gzip-stream', 'gzip-sync', 'redact-sync', 'redact+gzip-async'];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-bench-dump-'));
const rows = [];
try {
  for (const mode of MODES) {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'dump-child.js'), String(MB), mode, dir],
      { encoding: 'utf8', timeout: 30 * 60 * 1000 });
    const line = (r.stdout || '').trim().split('\n').pop();
    if (r.status !== 0 || !line) {
      process.stderr.write(`bench:dump: ${mode} failed: ${r.stderr || r.error}\n`);
      continue;
    }
    rows.push(JSON.parse(line));
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
const base = rows.find((r) => r.mode === 'plain-sync');
const mb = (b) => (b / 2 ** 20).toFixed(0);
const ratio = (a, b) => (b ? (a / b).toFixed(2) : '-');
const head = ['mode', 'heap MB', 'time s', '×plain', 'extra RSS MB', '×plain', 'file MB', '×plain', 'RSS/heap', 'file/heap'];
const out = [head];
for (const r of rows) {
  out.push([r.mode, mb(r.heap), (r.ms / 1000).toFixed(1), ratio(r.ms, base && base.ms), mb(r.extra),
    ratio(r.extra, base && base.extra), mb(r.bytes), ratio(r.bytes, base && base.bytes), ratio(r.extra, r.heap),
    ratio(r.bytes, r.heap)]);
}
const w = head.map((_, i) => Math.max(...out.map((row) => String(row[i]).length)));
process.stdout.write(`leakwatch heap dumps, Node ${process.version}, ~${MB} MB heap of small objects\n\n`);
for (const row of out) process.stdout.write(`${row.map((c, i) => (i ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join('  ')}\n`);
