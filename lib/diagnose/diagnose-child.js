'use strict';
/**
 * The analysis half of a diagnosis, in its own low-priority process so the
 * service's memory and CPU are not used for it (see lib/diagnose/diagnose.js).
 *
 * Receives one IPC message: `{ base, process, leak, timeline, snapshots,
 * sites, mode, degraded, backend, timeout_ms }` (`process` describes the
 * service, not this child). `mode: 'sites'`: no snapshots were asked for;
 * the report is the allocation sites alone. Runs on the Rust engine the diff from baseline to final (per-class
 * growth) and the 3-snapshot leak analysis (what was allocated between
 * baseline and target and is still alive in final, grouped by retainer
 * path), turns them into findings with explanations, writes `<base>.json`
 * and `<base>.html` itself (so the report lands even if the service exits
 * first), and answers `{ json, html, summary, findings, degraded }` — or
 * `{ error }`.
 *
 * The 3-snapshot grouping can be slow on some heaps (objects in long linked
 * lists, such as thousands of timers, each have a retainer path of their
 * own). It runs in a process of its own (this file with `--find-leaks`), so
 * that it can be stopped: it gets a time budget scaled on how long the diff
 * took; past it, it is killed and the findings come from sampling instead: for each class that grew most, a few
 * of its newest instances (snapshot ids grow with time) and their retainer
 * paths, weighted by the class's growth. The report says so in `degraded`.
 * This process exits by itself after `timeout_ms` whatever happens, so an
 * analysis never outlives its bound even when the service is gone.
 */
const { ask } = require('./child.js');
const { findLeaks, diff, retainers } = require('../analysis.js');
const { toFindings, toGrowth } = require('./findings.js');
const { buildReport, writeReport } = require('./report.js');

const msBetween = (a, b) => (a && b ? Date.parse(b.taken_at) - Date.parse(a.taken_at) : null);
/** Classes sampled when the grouping runs out of time, and instances per class. */
const SAMPLE_CLASSES = 4;
const SAMPLES_PER_CLASS = 3;

/** How long the 3-snapshot grouping may take: scaled on the diff's time, 30 s to 5 min. */
function budgetFor(diffMs) {
  return Math.min(5 * 60000, Math.max(30000, 15 * diffMs));
}

/**
 * findLeaks in a process of its own: resolves with `{ value }`, or with
 * `{ timedOut: true }` once `ms` passed (the process is then killed).
 */
function findLeaksWithin(paths, ms) {
  return ask(__filename, ['--find-leaks'], paths, { timeoutMs: ms, name: 'leak analysis process' })
    .then((value) => ({ value }), (err) => (err.code === 'ETIMEDOUT' ? { timedOut: true } : Promise.reject(err)));
}

/**
 * Leak groups from sampling: for the classes that grew most from baseline to
 * final, retainer paths of a few of their newest instances in final, each
 * standing for an equal share of the class's growth. Same shape as
 * findLeaks' `by_path`, so the same findings logic applies.
 */
async function sampledGroups(finalPath, growth) {
  const groups = [];
  let firstNew = Infinity;
  for (const c of growth.classes.slice(0, SAMPLE_CLASSES)) {
    if (c.count_delta <= 0) continue;
    let all;
    try {
      all = await retainers(finalPath, c.class, { top: Infinity });
    } catch {
      continue;
    }
    const ids = (all.instances || []).map((x) => x.id).sort((a, b) => a - b);
    // The newest `count_delta` instances are the growth; take samples spread over them.
    const fresh = ids.slice(Math.max(0, ids.length - c.count_delta));
    if (fresh.length) firstNew = Math.min(firstNew, fresh[0]);
    const picks = [...new Set(Array.from({ length: SAMPLES_PER_CLASS },
      (_, k) => fresh[Math.floor(((k + 0.5) * fresh.length) / SAMPLES_PER_CLASS)]))].filter((x) => x !== undefined);
    for (const id of picks) {
      try {
        const r = await retainers(finalPath, id, { top: 1 });
        if (!r.steps || !r.steps.length) continue;
        groups.push({ class_name: c.class, count: Math.max(1, Math.round(c.count_delta / picks.length)),
          self_size: Math.max(0, Math.round(c.size_delta / picks.length)), path: r.path, steps: r.steps,
          closures: r.closures || [], sample_ids: [id] });
      } catch {
        // One path fewer; the others still say who holds the class.
      }
    }
  }
  return { groups, firstNew };
}

async function diagnose(input) {
  const { snapshots } = input;
  const degraded = [...(input.degraded || [])];
  let findings = [];
  let growth = null;
  let diffMs = 0;
  if (snapshots.baseline && snapshots.final) {
    try {
      const t0 = Date.now();
      const d = await diff(snapshots.baseline.path, snapshots.final.path, { top: Infinity });
      diffMs = Date.now() - t0;
      growth = toGrowth(d, { intervalMs: msBetween(snapshots.baseline, snapshots.final) });
    } catch (err) {
      degraded.push(`the baseline and final snapshots could not be compared: ${err.message}`);
    }
  }
  if (snapshots.baseline && snapshots.target && snapshots.final) {
    const budget = input.leaks_budget_ms || budgetFor(diffMs);
    try {
      const r = await findLeaksWithin({
        baseline: snapshots.baseline.path,
        target: snapshots.target.path,
        final: snapshots.final.path,
      }, budget);
      if (!r.timedOut) {
        findings = toFindings(r.value, { intervalMs: msBetween(snapshots.baseline, snapshots.target), top: 10 });
      } else if (growth) {
        degraded.push(`grouping the leak candidates by retainer path took over ${Math.round(budget / 1000)} s; ` +
          'the findings come from retainer paths of sampled new instances of the classes that grew most');
        const { groups, firstNew } = await sampledGroups(snapshots.final.path, growth);
        findings = toFindings({ by_path: groups }, { intervalMs: growth.interval_ms, top: 10, firstNewId: firstNew });
      } else {
        degraded.push(`grouping the leak candidates by retainer path took over ${Math.round(budget / 1000)} s`);
      }
    } catch (err) {
      degraded.push(`the snapshots could not be analyzed: ${err.message}`);
    }
  } else if (input.mode !== 'sites') {
    degraded.push('fewer than three snapshots: no leak candidates could be computed');
  }
  const report = buildReport({ process: input.process, leak: input.leak, timeline: input.timeline, snapshots,
    findings, growth, degraded, backend: input.backend, sites: input.sites || [] });
  const files = writeReport(report, input.base);
  return { ...files, summary: report.summary, findings: report.findings, degraded };
}

/** Answers once and exits: an abandoned native task (a grouping past its budget) must not keep this process. */
function answer(msg) {
  const bye = () => process.exit(0);
  if (process.send && process.connected) process.send(msg, bye);
  else bye();
}

if (process.argv[2] === '--find-leaks') {
  // Stopped with its parent: nobody would read the answer.
  process.on('disconnect', () => process.exit(0));
  process.once('message', (paths) => {
    findLeaks(paths, { top: 30 })
      .then(answer)
      .catch((err) => answer({ error: err.message }));
  });
} else {
  process.once('message', onInput);
}

function onInput(input) {
  if (input && input.timeout_ms > 0) {
    setTimeout(() => process.exit(3), input.timeout_ms).unref();
  }
  diagnose(input)
    .then(answer)
    .catch((err) => answer({ error: err.message }));
}
