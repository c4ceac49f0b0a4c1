#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:detect` — the leak detector's truth table.
 *
 * Runs every scenario of `bench/scenarios/list.js` — real Node services that
 * leak (closure, listener, Map, slow, setInterval, inside a worker) or do not
 * (LRU cache, flood of 404s, hello-world, batch job) — one at a time, each
 * with leakwatch required inside it, the production default configuration,
 * only natural GCs, and bounded loopback load from autocannon (127.0.0.1,
 * fixed request rate, fixed duration). Prints one row per scenario: expected,
 * got, time from load start to the first `leak`, the rate it reported, peak
 * used heap, natural full GCs, and false alarms (`leak`/`heap-limit` from a
 * service that does not leak, or from a thread that does not).
 *
 * Options:
 *   --only a,b      run only these scenarios
 *   --seconds N     override every scenario's load duration
 *   --trace DIR     also record each thread's GC trace as leakwatch saw it
 *                   (DIR/<scenario>[-worker].jsonl, the gc-traces fixture format)
 *   --node PATH     run the scenario programs with another node binary
 *   --diagnose      turn the diagnosis on and print each leak's report (top finding)
 * Exit code 1 when a leak is missed or a non-leak alarms.
 */
const path = require('node:path');
const fs = require('node:fs');
const autocannon = require('autocannon');
const scenarios = require('./scenarios/list.js');
const { start } = require('./scenarios/driver.js');

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = opt('only') ? opt('only').split(',') : null;
const secondsOverride = opt('seconds') ? Number(opt('seconds')) : null;
const traceDir = opt('trace') ? path.resolve(opt('trace')) : null;
const nodeBin = opt('node') || process.execPath;
const diagnose = args.includes('--diagnose');

const MB = 1024 * 1024;

/** Request paths per load mode (see list.js). */
function pathFor(mode, n, elapsedMs) {
  switch (mode) {
    case 'lru':
      return `/item?k=${Math.floor(Math.random() * 1e6)}`;
    case 'flood': {
      const s = elapsedMs / 1000;
      if (s >= 10 && s < 25) return `/no/such/page/${n}?q=${'a'.repeat(40)}`;
      return '/';
    }
    case 'hello':
      return '/';
    default:
      return `/api/v1/users/${n}?session=${(n * 2654435761) % 4294967296}`;
  }
}

/** Bounded loopback load: fixed rate, fixed duration, hard stop 15 s later. */
function load(port, sc, seconds) {
  const t0 = Date.now();
  let n = 0;
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 10,
    duration: seconds,
    overallRate: sc.rps,
    headers: { 'user-agent': 'leakwatch-bench/1.0' },
    requests: [{ setupRequest: (req) => ({ ...req, path: pathFor(sc.mode, ++n, Date.now() - t0) }) }],
  });
  const hard = setTimeout(() => instance.stop(), (seconds + 15) * 1000);
  loadInstance = instance;
  return new Promise((resolve, reject) => {
    instance.on('done', (r) => {
      clearTimeout(hard);
      resolve(r);
    });
    instance.on('error', reject);
  });
}

let loadInstance = null;

async function runOne(sc) {
  // With --diagnose, leaks get 60 s more load so the diagnosis can watch them grow; the load stops at the report.
  const seconds = (secondsOverride || sc.seconds) + (diagnose && sc.leak ? 60 : 0);
  const env = { LEAKWATCH_BENCH_LEAK: sc.leak ? '1' : '0' };
  if (diagnose) {
    const dumpDir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), `leakwatch-bench-${sc.name}-`));
    env.LEAKWATCH_BENCH_CONFIG = JSON.stringify({ diagnose: true, dumpDir, diagnoseMinWaitMs: 4000,
      diagnoseMaxWaitMs: 20000 });
  }
  if (traceDir) {
    fs.mkdirSync(traceDir, { recursive: true });
    env.LEAKWATCH_BENCH_TRACE = path.join(traceDir, sc.name);
  }
  const run = start(sc.name, { env, execArgv: sc.execArgv || [], execPath: nodeBin });
  const port = await run.ready;
  if (diagnose) {
    run.child.on('message', (m) => m && m.ev === 'report' && setTimeout(() => loadInstance && loadInstance.stop(), 500));
  }
  const loadStart = Date.now();
  const result = await load(port, sc, seconds);
  await new Promise((r) => setTimeout(r, 1500)); // last ticks and events
  await run.stop();
  const at = (e) => (e.at - loadStart) / 1000;
  const inThread = (e) => !sc.leak || e.thread === sc.thread;
  const leaks = run.events.filter((e) => e.ev === 'leak');
  const hits = leaks.filter(inThread);
  const alarms = run.events.filter((e) => (e.ev === 'leak' || e.ev === 'heap-limit') && !inThread(e));
  const ends = run.events.filter((e) => e.ev === 'leak-end' && inThread(e));
  const limits = run.events.filter((e) => e.ev === 'heap-limit' && inThread(e));
  const tick = run.ticks[sc.leak ? sc.thread : 'main'] || {};
  const peak = Math.max(...Object.values(run.ticks).map((t) => t.peak_heap || 0), 0);
  const got = sc.leak ? hits.length > 0 : alarms.length === 0;
  return {
    sc,
    ok: got && alarms.length === 0 && run.exited && run.exited.code === 0,
    expected: sc.leak ? (sc.thread === 'main' ? 'leak' : `leak (${sc.thread})`) : 'no leak',
    got: hits.length ? (sc.thread && sc.thread !== 'main' ? `leak (${hits[0].thread})` : 'leak') :
      alarms.some((e) => e.ev === 'leak') ? 'leak' : 'no leak',
    first: hits.length ? at(hits[0]) : null,
    rate: hits.length ? hits[0].payload.rate_bytes_per_sec : null,
    reports: hits.length,
    ends: ends.length,
    limits: limits.length,
    alarms: alarms.length,
    alarmText: alarms.map((e) => `${e.ev}@${at(e).toFixed(1)}s ${e.payload.reason}`),
    peak,
    fullGcs: tick.full_gcs,
    rps: result.requests.average,
    errors: result.errors + result.timeouts,
    backend: tick.backend,
    exit: run.exited,
    report: (run.events.find((e) => e.ev === 'report') || {}).payload || null,
  };
}

function table(rows) {
  const cols = [
    ['scenario', (r) => r.sc.name],
    ['expected', (r) => r.expected],
    ['got', (r) => r.got],
    ['first leak', (r) => (r.first === null ? '—' : `${r.first.toFixed(1)} s`)],
    ['rate', (r) => (r.rate === null ? '—' : `${(r.rate / 1024).toFixed(0)} kB/s`)],
    ['leak/end/limit', (r) => `${r.reports}/${r.ends}/${r.limits}`],
    ['peak heap', (r) => `${(r.peak / MB).toFixed(0)} MB`],
    ['full GCs', (r) => String(r.fullGcs ?? '?')],
    ['req/s', (r) => r.rps.toFixed(0)],
    ['false alarms', (r) => String(r.alarms)],
    ['', (r) => (r.ok ? 'ok' : 'FAIL')],
  ];
  const w = cols.map(([h, f]) => Math.max(h.length, ...rows.map((r) => f(r).length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  console.log(line(cols.map(([h]) => h)));
  console.log(line(w.map((n) => '-'.repeat(n))));
  for (const r of rows) console.log(line(cols.map(([, f]) => f(r))));
}

async function main() {
  const list = scenarios.filter((s) => !only || only.includes(s.name));
  const total = list.reduce((a, s) => a + (secondsOverride || s.seconds) + 3, 0);
  console.log(`leakwatch detection bench: node ${require('node:child_process')
    .execFileSync(nodeBin, ['-v'], { encoding: 'utf8' }).trim()}, ${list.length} scenarios, ` +
    `default configuration, natural GCs, ~${Math.ceil(total / 60)} min`);
  const rows = [];
  for (const sc of list) {
    const r = await runOne(sc);
    rows.push(r);
    console.log(`  ${sc.name.padEnd(14)} ${r.ok ? 'ok  ' : 'FAIL'} ${sc.what}; backend ${r.backend}, ` +
      `${r.rps.toFixed(0)} req/s${r.errors ? `, ${r.errors} errors` : ''}` +
      (r.first !== null ? `, first leak at ${r.first.toFixed(1)} s` : '') +
      (r.alarmText.length ? `; alarms: ${r.alarmText.join('; ')}` : '') +
      (r.exit && r.exit.code !== 0 ? `; exit ${JSON.stringify(r.exit)}` : ''));
  }
  console.log('');
  table(rows);
  const bad = rows.filter((r) => !r.ok);
  console.log('');
  console.log(`first leak: seconds from load start; rate: the first report's; peak heap: max used heap ` +
    `(sampled every 100 ms); full GCs: natural ones`);
  console.log(bad.length ? `${bad.length} scenario(s) not as expected: ${bad.map((r) => r.sc.name).join(', ')}` :
    `all ${rows.length} scenarios as expected`);
  if (diagnose) {
    console.log('\ndiagnosis reports (top finding per scenario):');
    for (const r of rows) {
      const rep = r.report;
      if (!rep) {
        console.log(`\n  ${r.sc.name}: ${r.sc.leak ? 'NO REPORT' : 'no diagnosis ran (as expected)'}`);
        continue;
      }
      const top = rep.findings[0];
      console.log(`\n  ${r.sc.name}: ${rep.html}`);
      if (top) {
        console.log(`    ${top.headline}`);
        console.log(`    retained by:  ${top.retainer_text}`);
        console.log(`    allocated at: ${top.allocation ? `${top.allocation.file}:${top.allocation.line}:` +
          `${top.allocation.column}` : '?'}`);
      }
      for (const d of rep.degraded) console.log(`    (incomplete: ${d})`);
    }
  }
  process.exitCode = bad.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
