#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:detect` — the leak detector's truth table.
 *
 * Runs every scenario of `bench/scenarios/list.js` — real Node services that
 * leak (closure, also at full speed; listener, Map, slow at two rates,
 * setInterval, inside a worker) or do not (LRU cache, repeated floods of 404s,
 * hello-world, batch job, idle; 5 minutes each) — one at a time, each with
 * leakwatch required inside it, the production default configuration, only
 * natural GCs, and bounded loopback load from autocannon (127.0.0.1, a fixed
 * request rate — or unthrottled but capped in count — and a fixed duration).
 * Prints one row per scenario: expected, got, time from load start to the
 * first `leak`, the rate it reported, peak used heap, natural full GCs, and
 * false alarms (`leak`/`heap-limit` from a service that does not leak, or
 * from a thread that does not).
 *
 * Beside it, the same runs judged by memwatch's rule, computed from the
 * `stats` events leakwatch emitted in the scenario (one per natural full GC):
 * lloyd/node-memwatch (src/memwatch.cc, AsyncMemwatchAfter) keeps `last_base`
 * (used heap right after the previous mark-sweep-compact, 0 at start-up) and
 * on every mark-sweep-compact counts a growth when the used heap after it is
 * above `last_base`, else resets the count to 0; at 5 consecutive growths it
 * emits `leak` ("heap growth over 5 consecutive GCs") and resets the count to
 * 0, so it may fire again after 5 more. Columns: what that rule got, when it
 * first fired, and its false alarms (fires in a thread that does not leak).
 *
 * Options:
 *   --only a,b      run only these scenarios
 *   --seconds N     override every scenario's load duration
 *   --trace DIR     also record each thread's GC trace as leakwatch saw it
 *                   (DIR/<scenario>[-worker].jsonl, the gc-traces fixture format)
 *   --node PATH     run the scenario programs with another node binary
 *   --diagnose      turn the diagnosis on, print each leak's report (top finding)
 *                   and judge it against the scenario's `expect` (holder, site)
 * Exit code 1 when a leak is missed (or found later than its `maxFirst`), or
 * a non-leak alarms. Diagnosis mismatches are printed, not failed.
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
const DIAGNOSE_WAIT_MS = 150000; // after the load, at most this long for a pending report

const MB = 1024 * 1024;

/** Request paths per load mode (see list.js). */
function pathFor(mode, n, elapsedMs) {
  switch (mode) {
    case 'lru':
      return `/item?k=${Math.floor(Math.random() * 1e6)}`;
    case 'flood': {
      // A 15 s burst of missing pages in every minute of load: 10–25 s, 70–85 s, …
      const s = (elapsedMs / 1000) % 60;
      if (s >= 10 && s < 25) return `/no/such/page/${n}?q=${'a'.repeat(40)}`;
      return '/';
    }
    case 'hello':
      return '/';
    default:
      return `/api/v1/users/${n}?session=${(n * 2654435761) % 4294967296}`;
  }
}

/**
 * Bounded loopback load: a fixed rate (or, with `rps: 0`, unthrottled but at
 * most `amount` requests), a fixed duration, a hard stop 15 s later. Mode
 * `none` sends nothing and just waits.
 */
function load(port, sc, seconds) {
  if (sc.mode === 'none') {
    return new Promise((resolve) => setTimeout(() => resolve({ requests: { average: 0 }, errors: 0, timeouts: 0 }),
      seconds * 1000));
  }
  const t0 = Date.now();
  let n = 0;
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 10,
    duration: seconds,
    ...(sc.rps > 0 ? { overallRate: sc.rps } : { amount: sc.amount || 100000 }),
    headers: { 'user-agent': 'leakwatch-bench/1.0' },
    requests: [{ setupRequest: (req) => ({ ...req, path: pathFor(sc.mode, ++n, Date.now() - t0) }) }],
  });
  // autocannon ignores `duration` when `amount` is set: an unthrottled run is stopped at `seconds` here.
  const hard = setTimeout(() => instance.stop(), (seconds + (sc.rps > 0 ? 15 : 0)) * 1000);
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

/**
 * memwatch's leak rule (lloyd/node-memwatch, src/memwatch.cc) over one
 * thread's full-GC `stats` messages, in order: fires when the used heap after
 * a full GC grew over 5 consecutive full GCs (starting from a `last_base` of
 * 0), then counts again from 0. Returns the `at` (epoch ms) of every fire.
 */
function memwatchRule(stats) {
  let lastBase = 0;
  let consecutive = 0;
  const fires = [];
  for (const s of stats) {
    const used = s.used_after ?? s.current_base;
    if (lastBase < used) {
      consecutive++;
      if (consecutive >= 5) {
        consecutive = 0;
        fires.push(s.at);
      }
    } else {
      consecutive = 0;
    }
    lastBase = used;
  }
  return fires;
}

/** memwatch's verdict on a run: fires in the leaking thread, and in threads that do not leak. */
function memwatchVerdict(sc, run, loadStart) {
  const threads = [...new Set(run.stats.map((s) => s.thread))];
  let hits = [];
  let alarms = [];
  for (const t of threads) {
    // memwatch counted every mark-sweep-compact; the bench forces none, so all of these are natural.
    const fires = memwatchRule(run.stats.filter((s) => s.thread === t));
    if (sc.leak && t === sc.thread) hits = fires;
    else alarms = alarms.concat(fires);
  }
  return { hits: hits.length, first: hits.length ? (hits[0] - loadStart) / 1000 : null, alarms: alarms.length,
    alarmsBeforeLoad: alarms.filter((at) => at < loadStart).length };
}

/** Holder and allocation site of a report's top finding, judged against the scenario's `expect`. */
function judge(sc, report) {
  if (!sc.expect) return null;
  const top = report && report.findings && report.findings[0];
  if (!top) return { holder: null, site: null, holderOk: false, siteOk: false, why: report ? 'no finding' : 'no report' };
  let holder = top.holder && typeof top.holder === 'object' ? top.holder.edge : top.holder;
  if (!holder) {
    try {
      const h = require('../lib/explain.js').holder(top.retainer_path || []);
      holder = h ? h.edge : null;
    } catch (e) {
      holder = null;
    }
  }
  const a = top.allocation;
  const site = a && a.file ? `${path.basename(a.file)}:${a.line}` : null;
  return {
    holder,
    site,
    holderOk: holder === sc.expect.holder,
    siteOk: site !== null && sc.expect.site.includes(site),
    fnOk: site !== null && site === sc.expect.fn,
  };
}

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
  const run = start(sc.program || sc.name, { env, execArgv: sc.execArgv || [], execPath: nodeBin });
  const port = await run.ready;
  if (diagnose) {
    run.child.on('message', (m) => m && m.ev === 'report' && setTimeout(() => loadInstance && loadInstance.stop(), 500));
  }
  const loadStart = Date.now();
  const result = await load(port, sc, seconds);
  await new Promise((r) => setTimeout(r, 1500)); // last ticks and events
  if (diagnose && sc.leak && run.events.some((e) => e.ev === 'leak') && !run.events.some((e) => e.ev === 'report')) {
    // The analysis may still be running after the load stopped: give it a bounded time to report.
    const until = Date.now() + DIAGNOSE_WAIT_MS;
    while (Date.now() < until && !run.exited && !run.events.some((e) => e.ev === 'report')) {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
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
  const first = hits.length ? at(hits[0]) : null;
  const late = sc.maxFirst !== undefined && first !== null && first > sc.maxFirst;
  const report = (run.events.find((e) => e.ev === 'report' && inThread(e)) || {}).payload || null;
  return {
    sc,
    ok: got && !late && alarms.length === 0 && run.exited && run.exited.code === 0,
    late,
    expected: sc.leak ? (sc.thread === 'main' ? 'leak' : `leak (${sc.thread})`) : 'no leak',
    got: hits.length ? (sc.thread && sc.thread !== 'main' ? `leak (${hits[0].thread})` : 'leak') :
      alarms.some((e) => e.ev === 'leak') ? 'leak' : 'no leak',
    first,
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
    report,
    judged: diagnose ? judge(sc, report) : null,
    memwatch: memwatchVerdict(sc, run, loadStart),
  };
}

function table(rows) {
  const cols = [
    ['scenario', (r) => r.sc.name],
    ['expected', (r) => r.expected],
    ['got', (r) => r.got],
    ['first leak', (r) => (r.first === null ? '—' : `${r.first.toFixed(1)} s`) +
      (r.sc.maxFirst !== undefined ? ` (≤ ${r.sc.maxFirst} s)` : '')],
    ['rate', (r) => (r.rate === null ? '—' : `${(r.rate / 1024).toFixed(0)} kB/s`)],
    ['leak/end/limit', (r) => `${r.reports}/${r.ends}/${r.limits}`],
    ['peak heap', (r) => `${(r.peak / MB).toFixed(0)} MB`],
    ['full GCs', (r) => String(r.fullGcs ?? '?')],
    ['req/s', (r) => r.rps.toFixed(0)],
    ['false alarms', (r) => String(r.alarms)],
    ['', (r) => (r.ok ? 'ok' : 'FAIL')],
    ['memwatch got', (r) => (r.sc.leak ? (r.memwatch.hits ? 'leak' : 'no leak') :
      r.memwatch.alarms ? 'leak' : 'no leak')],
    ['memwatch first', (r) => (r.memwatch.first === null ? '—' : `${r.memwatch.first.toFixed(1)} s`)],
    ['memwatch false alarms', (r) => String(r.memwatch.alarms) +
      (r.memwatch.alarmsBeforeLoad ? ` (${r.memwatch.alarmsBeforeLoad} before load)` : '')],
  ];
  printTable(cols, rows);
}

function printTable(cols, rows) {
  const w = cols.map(([h, f]) => Math.max(h.length, ...rows.map((r) => f(r).length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  console.log(line(cols.map(([h]) => h)));
  console.log(line(w.map((n) => '-'.repeat(n))));
  for (const r of rows) console.log(line(cols.map(([, f]) => f(r))));
}

async function main() {
  const list = scenarios.filter((s) => !only || only.includes(s.name));
  const total = list.reduce((a, s) => a + (secondsOverride || s.seconds) + (diagnose && s.leak ? 60 : 0) + 3, 0);
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
      (r.late ? ` (later than ${r.sc.maxFirst} s)` : '') +
      (r.alarmText.length ? `; alarms: ${r.alarmText.join('; ')}` : '') +
      (r.exit && r.exit.code !== 0 ? `; exit ${JSON.stringify(r.exit)}` : ''));
  }
  console.log('');
  table(rows);
  const bad = rows.filter((r) => !r.ok);
  console.log('');
  console.log(`first leak: seconds from load start; rate: the first report's; peak heap: max used heap ` +
    `(sampled every 100 ms); full GCs: natural ones; memwatch: lloyd/node-memwatch's rule (5 consecutive full ` +
    `GCs of growth) on the same run's stats events`);
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
    const judged = rows.filter((r) => r.judged);
    if (judged.length) {
      console.log('\ndiagnosis judged against the true retainer and allocation site (bench/scenarios/list.js expect):\n');
      printTable([
        ['scenario', (r) => r.sc.name],
        ['holder expected', (r) => r.sc.expect.holder],
        ['holder got', (r) => r.judged.holder || (r.judged.why || '?')],
        ['holder', (r) => (r.judged.holderOk ? 'match' : 'MISMATCH')],
        ['site expected', (r) => r.sc.expect.site.join(' or ')],
        ['site got', (r) => r.judged.site || '?'],
        ['site', (r) => (r.judged.siteOk ? 'match' : r.judged.fnOk ? 'function' : 'MISMATCH')],
      ], judged);
      const miss = judged.filter((r) => !r.judged.holderOk || !(r.judged.siteOk || r.judged.fnOk));
      console.log(miss.length ? `\n${miss.length} diagnosis mismatch(es): ${miss.map((r) => r.sc.name).join(', ')}` :
        `\nall ${judged.length} diagnoses match`);
      console.log('site "function": the allocating function (its definition line), not the exact allocation line');
    }
  }
  process.exitCode = bad.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
