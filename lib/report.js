'use strict';
/**
 * The diagnosis report: its shape, and writing it (JSON + HTML) next to the
 * dumps.
 *
 * ```
 * { version: 1, generated_at, summary,
 *   process:   { pid, thread_id, node, platform, argv, backend },
 *   leak:      the `leak` event that started the diagnosis (or null),
 *   timeline:  { gc: getTimeline() points },
 *   snapshots: { baseline, target, final: { path, bytes, taken_at } | null },
 *   findings:  [{ class, count, bytes, count_per_min, bytes_per_min, retainer_path: [{ edge, node }],
 *                 retainer_text, allocation: { function, file, line, column } | null,
 *                 headline, explanation }],          // most significant first
 *   degraded:  [reason, …] }                         // what could not be done, and why
 * ```
 * Files are written 0600 through a temporary name and renamed when complete.
 */
const fs = require('node:fs');
const path = require('node:path');
const { threadId } = require('node:worker_threads');
const { explain } = require('./explain.js');
const { renderHtml } = require('./report-html.js');

/** Adds headline/explanation to each finding and assembles the report. */
function buildReport({ leak = null, timeline = [], snapshots = {}, findings = [], degraded = [], backend }) {
  const explained = findings.map((f) => ({ ...f, ...explain(f, leak) }));
  const top = explained[0];
  return {
    version: 1,
    generated_at: new Date().toISOString(),
    summary: top ? top.headline : 'No class with new objects that survive was found in the snapshots.',
    process: { pid: process.pid, thread_id: threadId, node: process.version, platform: `${process.platform}-${process.arch}`,
      argv: process.argv, backend },
    leak,
    timeline: { gc: timeline },
    snapshots,
    findings: explained,
    degraded,
  };
}

function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Writes `<base>.json` and `<base>.html`; returns their paths. */
function writeReport(report, base) {
  fs.mkdirSync(path.dirname(base), { recursive: true, mode: 0o700 });
  const json = `${base}.json`;
  const html = `${base}.html`;
  writeAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
  writeAtomic(html, renderHtml(report));
  return { json, html };
}

module.exports = { buildReport, writeReport };
