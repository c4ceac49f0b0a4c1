#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:dump`: plain vs gzip vs redacted heap dumps of a ~200 MB
 * heap (LEAKWATCH_BENCH_HEAP_MB to change), each in a fresh child process:
 * dump time, the child's extra peak RSS during the dump (VmHWM after
 * resetting it), file size — absolute and as ratios to the plain dump — and
 * the guard's factors (extra memory / heap, plain file / heap). Each child is
 * this file run with `--child <MB> <mode> <dir>`.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** The child: builds a ~N MB heap of small objects and strings (a service-like shape), resets the
 * peak-RSS counter, takes one dump and prints one JSON line. */
function child() {
  const v8 = require('node:v8');
  const leakwatch = require('..');

  const [mb, mode, dir] = [Number(process.argv[3]), process.argv[4], process.argv[5]];
  class Session {
    constructor(i) {
      this.id = i;
      this.user = `user-${i}-${Math.random().toString(36).slice(2)}`;
      this.tags = [i, i + 1, i + 2];
      this.meta = { created: Date.now(), hits: i % 17 };
    }
  }
  const keep = (globalThis.keep = []);
  while (v8.getHeapStatistics().used_heap_size < mb * 2 ** 20) {
    for (let k = 0; k < 10000; k++) keep.push(new Session(keep.length));
  }
  leakwatch.gc();
  const heap = v8.getHeapStatistics().used_heap_size;
  const status = () => fs.readFileSync('/proc/self/status', 'utf8');
  const kb = (re) => Number(re.exec(status())[1]) * 1024;
  const rss0 = kb(/VmRSS:\s+(\d+)/);
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5'); // reset VmHWM to the current RSS
  } catch {
    // not Linux or not allowed: the peak then includes the heap build-up
  }
  const opts = { dir, force: true, gzip: mode.includes('gzip'), redact: mode.includes('redact') };
  const t0 = process.hrtime.bigint();
  const done = (file) => {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const peak = kb(/VmHWM:\s+(\d+)/);
    process.stdout.write(`${JSON.stringify({ mode, heap, rss0, peak, extra: peak - rss0, ms, bytes: fs.statSync(file).size })}\n`);
    fs.unlinkSync(file);
  };
  if (mode.endsWith('sync')) done(leakwatch.writeSnapshot(opts));
  else leakwatch.writeSnapshotAsync(opts).then(done);
}

function main() {
  const MB = Number(process.env.LEAKWATCH_BENCH_HEAP_MB || 200);
  const MODES = ['plain-sync', 'gzip-stream', 'gzip-sync', 'redact-sync', 'redact+gzip-async'];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-bench-dump-'));
  const rows = [];
  try {
    for (const mode of MODES) {
      const r = spawnSync(process.execPath, [__filename, '--child', String(MB), mode, dir],
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
  // The compression target: a .gz of at most 25 % of the plain size in at most 1.3× the plain time.
  process.stdout.write('\n');
  for (const r of rows.filter((x) => x.mode.startsWith('gzip') && base)) {
    const size = r.bytes / base.bytes;
    const time = r.ms / base.ms;
    const ok = size <= 0.25 && time <= 1.3;
    process.stdout.write(`${ok ? 'PASS' : 'FAIL'}  ${r.mode}: ${(size * 100).toFixed(1)} % of the plain size ` +
      `(target <= 25 %), ${time.toFixed(2)}× the plain time (target <= 1.3×)\n`);
  }
}

if (process.argv[2] === '--child') child();
else main();
