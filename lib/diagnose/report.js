'use strict';
/**
 * The diagnosis report: its shape, and writing it (JSON + HTML) next to the
 * dumps.
 *
 * ```
 * { version: 1, generated_at, summary,
 *   process:   { pid, thread_id, node, platform, argv, backend }   // the watched service's thread
 *              (null when unknown, e.g. a report the CLI built from loose snapshots),
 *   leak:      the `leak` event that started the diagnosis (or null),
 *   timeline:  { gc: getTimeline() points },
 *   sites:     [{ function, file, line, column, location, in_app, live_bytes, bytes_per_min,
 *                 growth_bytes, share, objects, stack, frames, line_from, statement?, why?,
 *                 function_line, function_column, allocated_in? }],  // growing allocation sites, sampled (no dump)
 *   snapshots: { baseline, target, final: { path, bytes, taken_at } | null },
 *   growth:    { interval_ms, count_delta, size_delta,                 // baseline → final diff
 *                classes: [{ class, count_delta, size_delta, added_count, removed_count,
 *                            count_per_min, bytes_per_min }],   // most bytes gained first
 *                left_out: [{ class, count_delta, size_delta, why }] } | null,  // leakwatch's own objects
 *   findings:  [{ class, count, bytes, count_per_min, bytes_per_min,
 *                 retainer_path: [{ edge, edge_type, node, type, id, location?, new? }],  // GC root first
 *                 retainer_text,                     // shortened from the holder on
 *                 holder: { kind: 'array'|'map'|'set'|'object'|'emitter'|'timer'|'value', edge, index,
 *                           node, event?, list_ms?, scope_site? } | null,
 *                 captures: [variable, …],           // what the leaking closures capture
 *                 held_total: { count, bytes, groups, classes: [{ class, bytes }] },  // all held by this holder
 *                 allocation: { function, file, line, column, via_closure, holder_scope? } | null,
 *                 headline, explanation }],          // by holder (most bytes first), then nearest the holder
 *   degraded:  [reason, …] }                         // what could not be done, and why
 * ```
 * Files are written 0600 through a temporary name and renamed when complete.
 */
const fs = require('node:fs');
const path = require('node:path');
const { explain, fmtBytes } = require('./explain.js');
const { renderHtml } = require('./report-html.js');
const { mkdirBounded } = require('../dump/mkdir.js');

/**
 * Adds headline/explanation to each finding and assembles the report.
 * `process` describes the watched service (the caller's, not this
 * process's: the report is built in the analysis child or the CLI).
 */
function buildReport({ process: proc = null, leak = null, timeline = [], snapshots = {}, findings = [], growth = null,
  degraded = [], backend, sites = [] }) {
  const explained = findings.map((f) => ({ ...f, ...explain(f, leak) }));
  const top = explained[0];
  const tookSnapshots = Object.values(snapshots || {}).some(Boolean);
  return {
    version: 1,
    generated_at: new Date().toISOString(),
    summary: top ? top.headline : sites.length ? siteHeadline(sites[0]) : tookSnapshots ?
      'No class with new objects that survive was found in the snapshots.' :
      'No growing allocation site was sampled and no heap snapshot was taken.',
    process: proc || backend ? { ...(proc || {}), ...(backend ? { backend } : {}) } : null,
    leak,
    timeline: { gc: timeline || [] },
    sites,
    snapshots,
    growth,
    findings: explained,
    degraded,
  };
}

/** One sentence for a growing site: where, how fast, what share of the sampled growth. */
function siteHeadline(site) {
  // The line is the statement's when lib/source-lines.js found it in the
  // function's source (`line_from: 'source'`), else where the function is.
  const where = site.file ? `${site.file}:${site.line}` : site.location;
  const fn = site.function && site.function !== '(anonymous)' ? site.function : 'an anonymous function';
  const share = site.share ? ` (${Math.round(site.share * 100)} % of the growth sampled)` : '';
  return `Memory allocated in ${fn} (${where}) keeps growing: +${fmtBytes(site.bytes_per_min)}/min${share}` +
    (site.in_app ? '' : '; no frame of the application was on its stack (allocated inside Node or a dependency)');
}

/** `text` broken into lines of at most `width` characters (at spaces; a longer word stays whole). */
function wrap(text, width) {
  if (!width) return text;
  const lines = [];
  let line = '';
  for (const word of String(text).split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/**
 * A finding as text, the way README shows the top one: its headline, who
 * retains it, where it is allocated, then the explanation (wrapped at
 * `width` columns when given).
 */
function findingText(finding, { width = 0 } = {}) {
  const a = finding.allocation;
  return [finding.headline,
    `  retained by:  ${finding.retainer_text}`,
    ...(a && a.file ? [`  allocated at: ${a.file}:${a.line}:${a.column}`] : []),
    '',
    wrap(finding.explanation, width)].join('\n');
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
  mkdirBounded(path.dirname(base), 0o700);
  const json = `${base}.json`;
  const html = `${base}.html`;
  writeAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
  writeAtomic(html, renderHtml(report));
  return { json, html };
}

module.exports = { buildReport, writeReport, siteHeadline, findingText };
