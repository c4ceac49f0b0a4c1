'use strict';
/**
 * The analysis half of a diagnosis, in its own low-priority process so the
 * service's memory and CPU are not used for it (see lib/diagnose.js).
 *
 * Receives one IPC message: `{ base, leak, timeline, snapshots, degraded,
 * backend }`. Runs the 3-snapshot leak analysis on the Rust engine, turns the
 * result into findings with explanations, writes `<base>.json` and
 * `<base>.html` itself (so the report lands even if the service exits first),
 * and answers `{ json, html, summary, findings }` — or `{ error }`.
 */
const { findLeaks } = require('./analysis.js');
const { toFindings } = require('./findings.js');
const { buildReport, writeReport } = require('./report.js');

async function diagnose(input) {
  const { snapshots } = input;
  const degraded = [...(input.degraded || [])];
  let findings = [];
  if (snapshots.baseline && snapshots.target && snapshots.final) {
    try {
      const report = await findLeaks({
        baseline: snapshots.baseline.path,
        target: snapshots.target.path,
        final: snapshots.final.path,
      }, { top: 30 });
      const intervalMs = Date.parse(snapshots.target.taken_at) - Date.parse(snapshots.baseline.taken_at);
      findings = toFindings(report, { intervalMs, top: 10 });
    } catch (err) {
      degraded.push(`the snapshots could not be analyzed: ${err.message}`);
    }
  } else {
    degraded.push('fewer than three snapshots: no leak candidates could be computed');
  }
  const report = buildReport({ leak: input.leak, timeline: input.timeline, snapshots, findings, degraded,
    backend: input.backend });
  report.process = { ...report.process, ...input.process };
  const files = writeReport(report, input.base);
  return { ...files, summary: report.summary, findings: report.findings, degraded };
}

process.once('message', (input) => {
  diagnose(input)
    .then((result) => process.send && process.connected && process.send(result))
    .catch((err) => process.send && process.connected && process.send({ error: err.message }))
    .finally(() => process.disconnect && process.connected && process.disconnect());
});
