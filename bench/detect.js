#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:detect` — the leak detector's truth table over a corpus of
 * real programs (`bench/scenarios/list.js`): express, fastify, koa, restify
 * and node:http services, worker threads, non-HTTP jobs; leaks of the V8
 * heap, of external memory (Buffers, ArrayBuffers) and of native memory
 * (RSS outside both), from ~50 kB/s to tens of MB/s; and programs that must
 * not alarm — bounded caches, warm-ups, floods, batch sawtooths, large
 * transient buffers, steady, idle (5 minutes each).
 *
 * Each run: the program is forked with leakwatch required inside it, the
 * production default configuration and only natural GCs; it draws its rates,
 * sizes and lengths from the run's seed (harness.js `params()`); autocannon
 * drives bounded loopback load (127.0.0.1, a fixed rate — or unthrottled but
 * capped in count — for a fixed time). Printed per run: expected and got
 * (judged on `leak` only), seconds from load start to the first
 * `leak-suspected` and the first `leak`, the kind reported vs expected, the
 * reported rate vs the real growth rate of that kind (least-squares slope of
 * the program's once-a-second process.memoryUsage() ticks over the load;
 * native = rss − heapTotal − external), for leaks the top allocation site of
 * the first `leak` event (else the first `leak-suspected`) judged against the
 * row's leaking lines (`sites` in list.js: found from the sampled allocations
 * alone, no heap dump), false alarms (`leak` from a program
 * or thread that does not leak), `leak-suspected` count on non-leaks (shown,
 * not failed), and memwatch's rule on the same run: lloyd/node-memwatch
 * (src/memwatch.cc) fires `leak` when the used heap after a full GC grew over
 * 5 consecutive full GCs, computed from the `stats` events leakwatch emitted.
 *
 * Summary: precision and recall of `leak` over all runs, time-to-detect per
 * scenario over the repetitions (min / median / max), and the issue's bars:
 * every leak ≥ 1 MB/s signalled within 30 s of load start, every leak
 * ≥ 50 kB/s within 180 s, every leak reported, zero `leak` on non-leaks, the
 * same verdict on every seed, the first leak event's top site names the
 * leaking line in ≥ 90 % of leak runs (a run whose site missed prints that
 * event's whole `sites` ranking).
 *
 * Options:
 *   --seed N        first seed (default: random; always printed, so a run can be repeated)
 *   --reps R        run every scenario R times, with seeds N, N+1, … (default 1)
 *   --only a,b      run only these scenarios
 *   --quick         non-leaks run half their duration
 *   --jobs J        run J programs at a time (default 1; printed, timings then less comparable)
 *   --seconds S     override every scenario's load duration
 *   --list          print the corpus and exit
 *   --trace DIR     record each thread's GC and memory trace as leakwatch saw it
 *                   (DIR/<scenario>-s<seed>[-worker].jsonl, the gc-traces fixture format)
 *   --node PATH     run the scenario programs with another node binary
 *   --diagnose      turn the diagnosis on, print each leak's report (top finding)
 *                   and judge it against the scenario's `expect` (holder, site)
 * Exit code 1 when a bar fails or a run is not as expected (a leak missed or
 * later than its `maxFirst`, a false alarm, a program that did not exit
 * cleanly). Diagnosis mismatches, kinds and rates are printed, not failed.
 */
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const scenarios = require('./scenarios/list.js');
const { start } = require('./scenarios/driver.js');
const { load } = require('./scenarios/load.js');
const { draw } = require('./scenarios/seed.js');
const { growth, memwatchVerdict, spread } = require('./scenarios/measure.js');
const { judge, printDiagnoses } = require('./scenarios/judge.js');

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const seed0 = opt('seed') !== undefined ? Number(opt('seed')) : Math.floor(Math.random() * 1e6);
const reps = Number(opt('reps') || 1);
const only = opt('only') ? opt('only').split(',') : null;
const quick = args.includes('--quick');
const jobs = Number(opt('jobs') || 1);
const secondsOverride = opt('seconds') ? Number(opt('seconds')) : null;
const traceDir = opt('trace') ? path.resolve(opt('trace')) : null;
const nodeBin = opt('node') || process.execPath;
const diagnose = args.includes('--diagnose');
const DIAGNOSE_WAIT_MS = 150000; // after the load, at most this long for a pending report
if (!Number.isSafeInteger(seed0) || !(reps >= 1) || !(jobs >= 1)) {
  console.error('--seed must be an integer, --reps and --jobs ≥ 1');
  process.exit(2);
}

const MiB = 1024 * 1024;
const rate = (b) => (b === null || b === undefined ? '—' : Math.abs(b) >= 1e6 ? `${(b / 1e6).toFixed(1)} MB/s` :
  `${(b / 1e3).toFixed(0)} kB/s`);
const secs = (s) => (s === null || s === undefined ? '—' : `${s.toFixed(1)} s`);
const durationOf = (sc) => secondsOverride || (quick && !sc.leak ? sc.seconds / 2 : sc.seconds);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Share of leak runs whose first event's top site must name the leaking line. */
const SITE_BAR = 0.9;

async function runOne(sc, seed) {
  // With --diagnose, leaks get 60 s more load so the diagnosis can watch them grow; the load stops at the report.
  const seconds = durationOf(sc) + (diagnose && sc.leak ? 60 : 0);
  const draws = sc.load ? draw(sc.load, seed, `${sc.name}/load`) : {};
  const env = { LEAKWATCH_BENCH_LEAK: sc.leak ? '1' : '0', LEAKWATCH_BENCH_SEED: String(seed),
    LEAKWATCH_BENCH_KIND: sc.kind || '', LEAKWATCH_BENCH_RATE: String(sc.rate || 0),
    LEAKWATCH_BENCH_THREAD: sc.leak ? sc.thread : '',
    LEAKWATCH_BENCH_PARAMS: sc.params ? JSON.stringify(sc.params) : '',
    LEAKWATCH_BENCH_LOAD: sc.load ? JSON.stringify(draws) : '' };
  if (diagnose) {
    const dumpDir = fs.mkdtempSync(path.join(os.tmpdir(), `leakwatch-bench-${sc.name}-`));
    env.LEAKWATCH_BENCH_CONFIG = JSON.stringify({ diagnose: true, dumpDir, diagnoseMinWaitMs: 4000,
      diagnoseMaxWaitMs: 20000 });
  }
  if (traceDir) {
    fs.mkdirSync(traceDir, { recursive: true });
    env.LEAKWATCH_BENCH_TRACE = path.join(traceDir, `${sc.name}-s${seed}`);
  }
  const run = start(sc.program || sc.name, { env, execArgv: sc.execArgv || [], execPath: nodeBin });
  const port = await run.ready;
  run.loadStarted();
  const loadStart = Date.now();
  const l = load(port, sc, seconds, draws);
  if (diagnose) run.child.on('message', (m) => m && m.ev === 'report' && setTimeout(() => l.stop(), 500));
  const result = await l.done;
  const loadEnd = Date.now();
  await sleep(1500); // last ticks and events
  if (diagnose && sc.leak && run.events.some((e) => e.ev === 'leak') && !run.events.some((e) => e.ev === 'report')) {
    // The analysis may still be running after the load stopped: give it a bounded time to report.
    const until = Date.now() + DIAGNOSE_WAIT_MS;
    while (Date.now() < until && !run.exited && !run.events.some((e) => e.ev === 'report')) await sleep(500);
  }
  await run.stop();
  return judgeRun(sc, seed, run, { loadStart, loadEnd, result, draws });
}

/** `file:line` of an event's top allocation site as list.js writes it (basename), or null when it has none. */
function topSiteOf(e) {
  const s = e && e.payload.sites && e.payload.sites[0];
  if (!s) return null;
  // A site outside any script (a native allocating frame) has no file: its location names the function.
  return s.file ? `${path.basename(s.file)}:${s.line}` : s.location || s.function || '?';
}

/**
 * `file:line` of every function around the given `file:line`s, innermost
 * first (by brace depth, walking up from each line). V8's sampler records
 * the allocating *function* (where it is defined; an inlined function counts
 * as its caller), so a site naming a function around the leaking line is
 * judged 'function': the right function, not the exact line.
 */
function enclosingFunctions(sites) {
  const out = [];
  for (const site of sites) {
    const [file, lineText] = site.split(':');
    let lines;
    try {
      lines = fs.readFileSync(path.join(__dirname, 'scenarios', file), 'utf8').split('\n');
    } catch {
      continue;
    }
    let depth = 0;
    for (let i = Number(lineText) - 1; i >= 0; i--) {
      const text = lines[i].replace(/'[^']*'|`[^`]*`|"[^"]*"|\/\/.*$/g, '');
      if (i < Number(lineText) - 1) depth += (text.match(/}/g) || []).length;
      depth -= (text.match(/{/g) || []).length;
      if (depth < 0 && /\bfunction\b|=>/.test(text)) {
        out.push(`${file}:${i + 1}`);
        depth = 0;
      } else if (depth < 0) {
        depth = 0;
      }
    }
  }
  return out;
}

/**
 * Where the leak is: the top allocation site of the first `leak` event (what
 * a person reads first), else of the first `leak-suspected` one, judged against
 * the row's `sites`: 'ok', 'function' (a function around the leaking line),
 * 'MISS', or 'none' (no event, or one without sites).
 */
function judgeSite(sc, hits, susHits) {
  const event = hits[0] || susHits[0] || null;
  const top = topSiteOf(event);
  return {
    topSite: top,
    siteFrom: event ? event.ev : null,
    site: top === null ? 'none' : (sc.sites || []).includes(top) ? 'ok' :
      enclosingFunctions(sc.sites || []).includes(top) ? 'function' : 'MISS',
    // The whole ranking, printed for a run whose top site is not the leaking line.
    sites: event ? event.payload.sites || [] : [],
    sitesUnavailable: event ? event.payload.sites_unavailable || null : null,
  };
}

/** One run's row: what leakwatch said, what really grew, memwatch's rule. */
function judgeRun(sc, seed, run, { loadStart, loadEnd, result, draws }) {
  const at = (e) => (e.at - loadStart) / 1000;
  const inThread = (e) => sc.leak && e.thread === sc.thread;
  const of = (ev) => run.events.filter((e) => e.ev === ev);
  const leaks = of('leak');
  const hits = leaks.filter(inThread);
  const alarms = leaks.filter((e) => !inThread(e));
  const suspected = of('leak-suspected');
  const firstLeak = hits.length ? at(hits[0]) : null;
  const susHits = suspected.filter(inThread);
  const firstSuspected = susHits.length ? at(susHits[0]) : null;
  const signals = [firstLeak, firstSuspected].filter((x) => x !== null);
  const thread = sc.leak ? sc.thread : 'main';
  // Leaks: growth over the whole load; non-leaks: over its last half (warm-ups and caches fill early).
  const real = growth(run.samples[thread], sc.leak ? loadStart : (loadStart + loadEnd) / 2, loadEnd);
  const p = hits.length ? hits[0].payload : null;
  const kind = p ? p.kind || null : null;
  const reported = p ? (p.rates && kind && p.rates[kind]) ?? p.rate_bytes_per_sec ?? null : null;
  const realOfKind = sc.leak ? real[kind || sc.kind] : null;
  const firstSignal = signals.length ? Math.min(...signals) : null;
  const late = sc.maxFirst !== undefined && (firstSignal === null || firstSignal > sc.maxFirst);
  const cleanExit = Boolean(run.exited && run.exited.code === 0);
  const report = (run.events.find((e) => e.ev === 'report' && inThread(e)) || {}).payload || null;
  return {
    sc,
    seed,
    params: { ...Object.assign({}, ...Object.values(run.params)), ...draws },
    ok: (sc.leak ? hits.length > 0 && !late : true) && alarms.length === 0 && cleanExit,
    late,
    got: sc.leak ? (hits.length ? 'leak' : 'no leak') : leaks.length ? 'leak' : 'no leak',
    firstLeak,
    firstSuspected,
    firstSignal,
    kind,
    reported,
    real,
    ratio: reported !== null && realOfKind > 0 ? reported / realOfKind : null,
    reports: hits.length,
    ends: of('leak-end').filter(inThread).length,
    limits: of('heap-limit').length + of('memory-limit').length,
    suspectedCount: suspected.length,
    alarms: alarms.length,
    alarmText: alarms.map((e) => `${e.thread} leak@${at(e).toFixed(1)}s ${e.payload.reason}`),
    peak: Math.max(...Object.values(run.ticks).map((t) => t.peak_heap || 0), 0),
    fullGcs: (run.ticks[thread] || {}).full_gcs,
    rps: result.requests.average,
    errors: result.errors + result.timeouts,
    backend: (run.ticks[thread] || {}).backend,
    exit: run.exited,
    cleanExit,
    report,
    judged: diagnose ? judge(sc, report) : null,
    where: sc.leak ? judgeSite(sc, hits, susHits) : null,
    memwatch: memwatchVerdict(sc, run, loadStart),
  };
}

function printTable(cols, rows) {
  const w = cols.map(([h, f]) => Math.max(h.length, ...rows.map((r) => f(r).length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  console.log(line(cols.map(([h]) => h)));
  console.log(line(w.map((n) => '-'.repeat(n))));
  for (const r of rows) console.log(line(cols.map(([, f]) => f(r))));
}

function printCorpus(list) {
  printTable([
    ['scenario', (s) => s.name + (s.program ? ` (${s.program})` : '')],
    ['framework', (s) => s.framework + (s.maxNode ? ` (Node ≤ ${s.maxNode})` : '')],
    ['truth', (s) => (s.leak ? `leak: ${s.kind}${s.thread !== 'main' ? ` (${s.thread})` : ''}` : s.shape)],
    ['rate ≥', (s) => (s.leak ? rate(s.rate) : '')],
    ['load', (s) => (s.mode === 'none' ? 'none' :
      `${s.mode} ${s.rps ? `${s.rps} req/s` : `full speed, ≤ ${s.amount}`}`)],
    ['seconds', (s) => String(durationOf(s))],
    ['what', (s) => s.what],
  ], list);
}

function printRuns(rows) {
  const mb = (x) => (x === null || x === undefined ? '?' : (x / 1e6).toFixed(2));
  printTable([
    ['scenario', (r) => r.sc.name],
    ['seed', (r) => String(r.seed)],
    ['expected', (r) => (r.sc.leak ? `leak ${r.sc.kind}${r.sc.thread !== 'main' ? ` (${r.sc.thread})` : ''}` :
      'no leak')],
    ['got', (r) => r.got],
    ['1st suspected', (r) => secs(r.firstSuspected) + (r.sc.maxFirst !== undefined ? ` (signal ≤ ${r.sc.maxFirst} s)` : '')],
    ['1st leak', (r) => secs(r.firstLeak)],
    ['kind', (r) => (r.sc.leak && r.reports ? `${r.kind || '?'}${r.kind === r.sc.kind ? '' : ' ≠'}` : '')],
    ['rate reported / real', (r) => (r.sc.leak ? `${rate(r.reported)} / ${rate(r.real[r.kind || r.sc.kind])}` +
      (r.ratio !== null ? ` (${r.ratio.toFixed(2)}x)` : '') : '')],
    ['top site', (r) => (r.where ? (r.where.topSite || '—') +
      (r.where.siteFrom === 'leak-suspected' ? ' (suspected)' : '') : '')],
    ['site', (r) => (r.where ? r.where.site : '')],
    ['growth h/e/n MB/s', (r) => `${mb(r.real.heap)}/${mb(r.real.external)}/${mb(r.real.native)}`],
    ['leak/end/limit', (r) => `${r.reports}/${r.ends}/${r.limits}`],
    ['suspected (no leak)', (r) => (r.sc.leak ? '' : String(r.suspectedCount))],
    ['false alarms', (r) => String(r.alarms)],
    ['peak heap', (r) => `${(r.peak / MiB).toFixed(0)} MB`],
    ['req/s', (r) => r.rps.toFixed(0)],
    ['', (r) => (r.ok ? 'ok' : 'FAIL')],
    ['memwatch got', (r) => ((r.sc.leak ? r.memwatch.hits : r.memwatch.alarms) ? 'leak' : 'no leak')],
    ['memwatch 1st', (r) => secs(r.memwatch.first)],
    ['memwatch false alarms', (r) => String(r.memwatch.alarms) +
      (r.memwatch.alarmsBeforeLoad ? ` (${r.memwatch.alarmsBeforeLoad} before load)` : '')],
  ], rows);
}

/** For every leak run whose top site is not the leaking line: the whole `sites` ranking of that event. */
function printSiteMisses(rows) {
  const missed = rows.filter((r) => r.where && r.where.site !== 'ok');
  if (!missed.length) return;
  const kb = (b) => (typeof b === 'number' ? `${(b / 1e3).toFixed(0)} kB` : '?');
  console.log('\ntop site not the leaking line — the ranking the event carried (`sites`, best first):');
  for (const r of missed) {
    const w = r.where;
    console.log(`  ${r.sc.name} s${r.seed}: ${w.siteFrom || 'no leak event'}` +
      `${w.siteFrom ? `, top ${w.topSite || '—'}` : ''}; leaking line ${(r.sc.sites || []).join(' or ')}` +
      (w.sitesUnavailable ? `; sites unavailable: ${w.sitesUnavailable}` : ''));
    w.sites.forEach((s, i) => {
      console.log(`    ${i + 1}. ${s.location} ${s.function || '(anonymous)'}${s.in_app ? '' : ' (not app)'}: ` +
        `live ${kb(s.live_bytes)}, ${kb(s.bytes_per_min)}/min, growth ${kb(s.growth_bytes)}, ` +
        `share ${typeof s.share === 'number' ? s.share.toFixed(2) : '?'}, ${s.objects} objects`);
      console.log(`       stack: ${(s.stack || []).join(' < ')}`);
    });
  }
}

/** Precision/recall, time-to-detect per scenario, the issue's bars. Returns the failed bars. */
function summarize(rows) {
  const leakRuns = rows.filter((r) => r.sc.leak);
  const tp = leakRuns.filter((r) => r.reports > 0).length;
  const fp = rows.filter((r) => r.alarms > 0).length;
  const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(0)} % (${a}/${b})` : '— (0 runs)');
  console.log(`\nleak events: precision ${pct(tp, tp + fp)}, recall ${pct(tp, leakRuns.length)} ` +
    `(a false positive: a run with \`leak\` from a program or thread that does not leak)`);
  const mwTp = leakRuns.filter((r) => r.memwatch.hits > 0).length;
  const mwFp = rows.filter((r) => r.memwatch.alarms > 0).length;
  console.log(`memwatch's rule: precision ${pct(mwTp, mwTp + mwFp)}, recall ${pct(mwTp, leakRuns.length)}`);
  const withKind = leakRuns.filter((r) => r.reports > 0);
  console.log(`kind right in ${withKind.filter((r) => r.kind === r.sc.kind).length} of ${withKind.length} reported ` +
    `leaks; rate within 25 % of the real growth in ${withKind.filter((r) => r.ratio !== null &&
      Math.abs(r.ratio - 1) <= 0.25).length} of ${withKind.length}`);

  const siteOk = leakRuns.filter((r) => r.where.site === 'ok').length;
  const siteFn = leakRuns.filter((r) => r.where.site === 'function').length;
  const sitePct = leakRuns.length ? `${((100 * siteOk) / leakRuns.length).toFixed(0)} %` : '—';
  const fnPct = leakRuns.length ? `${((100 * (siteOk + siteFn)) / leakRuns.length).toFixed(0)} %` : '—';
  console.log(`top site names the leaking line: ${sitePct} (${siteOk}/${leakRuns.length} runs); ` +
    `the line or the function around it: ${fnPct} (${siteOk + siteFn}/${leakRuns.length})`);

  const names = [...new Set(rows.map((r) => r.sc.name))];
  const per = names.map((name) => ({ sc: rows.find((r) => r.sc.name === name).sc,
    runs: rows.filter((r) => r.sc.name === name) }));
  const fmt = (s) => (s ? `${s.min.toFixed(1)} / ${s.median.toFixed(1)} / ${s.max.toFixed(1)} s` : '—');
  console.log('\ntime to detect over seeds (min / median / max, s from load start):\n');
  printTable([
    ['scenario', (g) => g.sc.name],
    ['rate ≥', (g) => rate(g.sc.rate)],
    ['runs', (g) => String(g.runs.length)],
    ['detected', (g) => String(g.runs.filter((r) => r.reports > 0).length)],
    ['first signal', (g) => fmt(spread(g.runs.map((r) => r.firstSignal)))],
    ['first leak', (g) => fmt(spread(g.runs.map((r) => r.firstLeak)))],
    ['seeds', (g) => g.runs.map((r) => r.seed).join(',')],
  ], per.filter((g) => g.sc.leak));

  const bars = [
    ['every leak ≥ 1 MB/s signalled (leak-suspected or leak) within 30 s of load start',
      leakRuns.filter((r) => r.sc.rate >= 1e6 && !(r.firstSignal !== null && r.firstSignal <= 30))],
    ['every leak ≥ 50 kB/s signalled within 180 s',
      leakRuns.filter((r) => r.sc.rate >= 5e4 && !(r.firstSignal !== null && r.firstSignal <= 180))],
    ['every leak reported (`leak`)', leakRuns.filter((r) => r.reports === 0)],
    ['zero `leak` on programs that do not leak', rows.filter((r) => !r.sc.leak && r.got === 'leak')],
    ['the same verdict on every seed', per.filter((g) => new Set(g.runs.map((r) => r.got)).size > 1)
      .flatMap((g) => g.runs)],
    // A share, not every run: the bar fails (listing the runs that missed) only below it.
    ['the first leak event\'s top site names the leaking line in ≥ 90 % of leak runs',
      siteOk >= SITE_BAR * leakRuns.length ? [] : leakRuns.filter((r) => r.where.site !== 'ok')],
  ];
  console.log('\nthe issue\'s bars:');
  for (const [what, failed] of bars) {
    const list = [...new Set(failed.map((r) => `${r.sc.name} s${r.seed}`))];
    console.log(`  ${failed.length ? 'FAIL' : 'ok  '} ${what}${failed.length ? `: ${list.join(', ')}` : ''}`);
  }
  if (reps === 1) console.log('  (one seed per scenario: run --reps 3 to test the verdict across seeds)');
  return bars.filter(([, failed]) => failed.length).map(([what]) => what);
}

async function main() {
  const nodeVersion = require('node:child_process').execFileSync(nodeBin, ['-v'], { encoding: 'utf8' }).trim();
  const nodeMajor = Number(nodeVersion.slice(1).split('.')[0]);
  const chosen = scenarios.filter((s) => !only || only.includes(s.name));
  const runnable = (s) => args.includes('--list') || !(s.maxNode < nodeMajor);
  const list = chosen.filter(runnable);
  for (const s of chosen.filter((x) => !runnable(x))) {
    console.log(`skipped ${s.name}: needs Node ≤ ${s.maxNode} (${s.maxNodeWhy})`);
  }
  if (only) {
    const unknown = only.filter((n) => !scenarios.some((s) => s.name === n));
    if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')} (see --list)`);
  }
  if (args.includes('--list')) {
    printCorpus(list);
    console.log(`\n${list.length} scenarios (${list.filter((s) => s.leak).length} leaks), ` +
      `${new Set(list.map((s) => s.program || s.name)).size} programs`);
    return;
  }
  const tasks = [];
  for (let rep = 0; rep < reps; rep++) for (const sc of list) tasks.push({ sc, seed: seed0 + rep });
  const total = tasks.reduce((a, { sc }) => a + durationOf(sc) + (diagnose && sc.leak ? 60 : 0) + 4, 0) / jobs;
  console.log(`leakwatch detection bench: node ${nodeVersion}, ${list.length} scenarios × ${reps} seed(s) ` +
    `from --seed ${seed0}${quick ? ', --quick (non-leaks run half their duration)' : ''}, default configuration, ` +
    `natural GCs, ~${Math.ceil(total / 60)} min`);
  if (jobs > 1) console.log(`running ${jobs} programs at a time: they share the CPU, so timings are less comparable`);
  const rows = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const { sc, seed } = tasks[next++];
      const r = await runOne(sc, seed);
      rows.push(r);
      console.log(`  ${sc.name.padEnd(20)} s${seed} ${r.ok ? 'ok  ' : 'FAIL'} ${JSON.stringify(r.params)}; ` +
        `backend ${r.backend}, ${r.rps.toFixed(0)} req/s${r.errors ? `, ${r.errors} errors` : ''}` +
        (r.firstSuspected !== null ? `, suspected at ${secs(r.firstSuspected)}` : '') +
        (r.firstLeak !== null ? `, leak at ${secs(r.firstLeak)} (${r.kind || '?'}, ${rate(r.reported)})` : '') +
        (r.sc.leak ? `; real ${r.sc.kind} growth ${rate(r.real[r.sc.kind])}` : '') +
        (r.late ? ` (later than ${sc.maxFirst} s)` : '') +
        (r.alarmText.length ? `; alarms: ${r.alarmText.join('; ')}` : '') +
        (!r.cleanExit ? `; exit ${JSON.stringify(r.exit)}` : ''));
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  const order = (r) => tasks.findIndex((t) => t.sc === r.sc && t.seed === r.seed);
  rows.sort((a, b) => order(a) - order(b));
  console.log('');
  printRuns(rows);
  console.log('\n1st suspected / 1st leak: seconds from load start; rate: the first `leak` report\'s for its kind; ' +
    'real: least-squares growth of that kind over the load (heap = heapUsed, external = external incl. ' +
    'ArrayBuffers, native = rss − heapTotal − external); growth h/e/n: heap/external/native, over the load for ' +
    'leaks, over its last half for non-leaks; top site: the first `leak` (else `leak-suspected`) event\'s first ' +
    'allocation site, file:line, judged against the row\'s leaking lines (site: ok / function / MISS / none); ' +
    'memwatch: lloyd/node-memwatch\'s rule on the same run\'s stats events');
  printSiteMisses(rows);
  const failedBars = summarize(rows);
  const bad = rows.filter((r) => !r.ok);
  const badList = bad.map((r) => `${r.sc.name} s${r.seed}`).join(', ');
  console.log(bad.length ? `\n${bad.length} run(s) not as expected: ${badList}` :
    `\nall ${rows.length} runs as expected`);
  console.log(`repeat with: node bench/detect.js --seed ${seed0}${reps > 1 ? ` --reps ${reps}` : ''}` +
    `${only ? ` --only ${only.join(',')}` : ''}${quick ? ' --quick' : ''}`);
  if (diagnose) printDiagnoses(rows, printTable);
  process.exitCode = bad.length || failedBars.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
