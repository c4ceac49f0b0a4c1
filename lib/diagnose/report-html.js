'use strict';
/**
 * Renders a diagnosis report (see `lib/diagnose/report.js` for its shape) as one
 * self-contained HTML file: no network, everything inline — the data as JSON,
 * the chart library (uPlot, MIT, from the `uplot` package) and its CSS.
 *
 * Sections: the verdict and its plain-English explanation; heap used after
 * each GC against the post-full-GC baseline over time; GC pauses by kind;
 * top growing classes (baseline → final diff: count and bytes per minute);
 * the leak candidates grouped by retainer path; the retainer path of the top
 * finding drawn as a chain; snapshot and process details. Every string from a heap snapshot is
 * untrusted (it can be anything a program put in memory): it reaches the page
 * only through `textContent` or HTML-escaping, and the embedded JSON has `<`
 * escaped so it cannot close its script tag.
 *
 * One number format everywhere (lib/diagnose/explain.js's fmtBytes/fmtCount, whose
 * source the page embeds for its charts): a figure shown in the verdict card
 * is the same value, rounded the same way, as in the tables. A value and its
 * unit never wrap apart (`.v`, `td.num`: `white-space: nowrap`; a no-break
 * space in prose). Rates are per minute.
 */
const fs = require('node:fs');
const path = require('node:path');
const { fmtBytes, fmtCount, fmtSigned } = require('./explain.js');

function uplotAssets() {
  const dir = path.dirname(require.resolve('uplot/package.json'));
  return {
    js: fs.readFileSync(path.join(dir, 'dist', 'uPlot.iife.min.js'), 'utf8'),
    css: fs.readFileSync(path.join(dir, 'dist', 'uPlot.min.css'), 'utf8'),
  };
}

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;',
  '"': '&quot;', "'": '&#39;' })[c]);

/** JSON safe to embed in a <script> element. */
const embedJson = (v) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028')
  .replace(/\u2029/g, '\\u2029');

const PAGE_CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d232b; background: #f6f7f9; }
main { max-width: 1000px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; }
.sub { color: #5b6470; margin-bottom: 18px; }
.muted { color: #5b6470; }
.card { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 16px 18px; margin: 12px 0; }
.verdict { border-left: 5px solid #c62828; }
.verdict.none { border-left-color: #2e7d32; }
.verdict h2 { margin-top: 0; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
.kv dt { color: #5b6470; } .kv dd { margin: 0; font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
.v, td.num { white-space: nowrap; }
.why { color: #5b6470; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e8ebef; }
th { color: #5b6470; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { background: #ef9a9a; height: 10px; border-radius: 3px; }
.path { display: flex; flex-direction: column; align-items: flex-start; gap: 0; }
.node { border: 1px solid #90a4ae; border-radius: 6px; padding: 4px 10px; background: #eceff1; font-family: ui-monospace, monospace; }
.node.leak { background: #ffebee; border-color: #c62828; font-weight: 600; }
.node.holder { background: #fff3e0; border-color: #ef6c00; font-weight: 600; }
.note { color: #ef6c00; font-family: system-ui, sans-serif; font-weight: 400; }
.edge { margin-left: 18px; padding: 2px 0 2px 14px; border-left: 2px solid #90a4ae; color: #37474f; font-family: ui-monospace, monospace; }
.edge::before { content: "↓ "; color: #90a4ae; }
.degraded { background: #fff8e1; border-color: #ffe082; }
.chart { min-height: 300px; }
code { font-family: ui-monospace, monospace; background: #eef1f4; padding: 1px 4px; border-radius: 4px; }
`;

// The report's number format, the same functions in the page (for the charts' axes).
const PAGE_FORMAT = `${fmtBytes.toString()}\n${fmtCount.toString()}\n`;

// Runs in the browser: draws the charts and the dynamic parts from the JSON.
const PAGE_JS = `
(function () {
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var MB = 1048576;
  var mbTicks = function (u, splits) { return splits.map(function (v) { return fmtBytes(v * MB); }); };
  var gcs = (report.timeline && report.timeline.gc) || [];
  var t0 = gcs.length ? gcs[0].t : 0;
  function chartWidth(el) { return Math.max(480, Math.min(960, el.clientWidth || 900)); }
  // Heap used after each GC vs the post-full-GC baseline.
  var heapEl = document.getElementById('chart-heap');
  if (gcs.length > 1 && window.uPlot) {
    var xs = [], used = [], base = [];
    var lastBase = null;
    gcs.forEach(function (g) {
      xs.push((g.t - t0) / 1000);
      used.push(g.heap_used_after / 1048576);
      if (g.type === 'mark-sweep-compact') lastBase = g.heap_used_after / 1048576;
      base.push(g.type === 'mark-sweep-compact' ? lastBase : null);
    });
    new uPlot({
      width: chartWidth(heapEl), height: 300, title: 'Heap used after each GC vs post-full-GC baseline',
      scales: { x: { time: false } },
      // A legend of series names with their units (a live one reads "--" until hovered).
      legend: { live: false },
      axes: [{ label: 'seconds since the first GC' }, { label: 'heap used', values: mbTicks, size: 70 }],
      series: [{ label: 'seconds' },
        { label: 'heap used after a GC (MB)', stroke: '#64b5f6', width: 1 },
        { label: 'baseline: heap used after a full GC (MB)', stroke: '#c62828', width: 2, spanGaps: true,
          points: { show: true, size: 6, fill: '#c62828' } }],
    }, [xs, used, base], heapEl);
    heapEl.setAttribute('data-drawn', 'true');
  } else if (heapEl) {
    heapEl.textContent = 'No GC timeline in this report.';
  }
  // GC pauses by kind.
  var pauseEl = document.getElementById('chart-pauses');
  if (gcs.length > 1 && window.uPlot) {
    var kinds = [];
    gcs.forEach(function (g) { if (kinds.indexOf(g.type) < 0) kinds.push(g.type); });
    var colors = ['#1e88e5', '#c62828', '#43a047', '#fb8c00', '#8e24aa', '#6d4c41'];
    var px = gcs.map(function (g) { return (g.t - t0) / 1000; });
    var data = [px].concat(kinds.map(function (k) {
      return gcs.map(function (g) { return g.type === k ? g.pause_ms : null; });
    }));
    new uPlot({
      width: chartWidth(pauseEl), height: 260, title: 'GC pause by kind',
      scales: { x: { time: false } },
      legend: { live: false },
      axes: [{ label: 'seconds since the first GC' },
        { label: 'pause', values: function (u, splits) { return splits.map(function (v) { return v + ' ms'; }); }, size: 60 }],
      series: [{ label: 'seconds' }].concat(kinds.map(function (k, i) {
        return { label: k + ' pause (ms)', stroke: colors[i % colors.length], width: 0,
          points: { show: true, size: 5, fill: colors[i % colors.length] } };
      })),
    }, data, pauseEl);
    pauseEl.setAttribute('data-drawn', 'true');
  } else if (pauseEl) {
    pauseEl.textContent = 'No GC timeline in this report.';
  }
})();
`;

/** Escaped text whose value and unit stay on one line. */
const val = (text) => `<span class="v">${escapeHtml(text)}</span>`;
/** Escaped prose with a no-break space between each number and its unit. */
const prose = (text) => escapeHtml(text).replace(/(\d) (B|KB|MB|GB|ms|s|min|objects)\b/g, '$1&nbsp;$2');
/** A rate in bytes per second as the page's rate: bytes per minute. */
const perMin = (bytesPerSec) => `${fmtBytes(bytesPerSec * 60)}/min`;

/**
 * The leak event's reason with its rate in the page's unit: the detector
 * words it as memwatch did (`… - 4561.0 mb/hr`); the rate at its end is the
 * event's `rate_bytes_per_sec`, any other `mb/hr` figure is converted.
 */
function leakReason(leak) {
  let text = String(leak.reason || '');
  const m = / - [\d.]+ mb\/hr$/.exec(text);
  if (m && Number.isFinite(leak.rate_bytes_per_sec)) text = `${text.slice(0, m.index)} - ${perMin(leak.rate_bytes_per_sec)}`;
  return text.replace(/(\d+(?:\.\d+)?) mb\/hr/g, (_, x) => perMin((Number(x) * 1048576) / 3600));
}

/** The retainer path as a chain of boxes; the holder marked; a run of the same edge (a linked list) drawn once. */
function renderPath(finding) {
  const steps = finding.retainer_path || [];
  if (!steps.length) return '<p>No retainer path was found.</p>';
  const holderAt = finding.holder ? finding.holder.index : -1;
  const last = steps.length - 1;
  const parts = [];
  for (let i = 0; i <= last; i++) {
    const s = steps[i];
    let run = 1;
    while (i + run < last && steps[i + run].edge === s.edge && s.edge && !/^\[?\d+\]?$/.test(s.edge)) run++;
    if (run > 2) {
      parts.push(`<div class="edge">${escapeHtml(s.edge)} × ${run - 1}</div><div class="node">… ${run - 1} × ${escapeHtml(s.node)}</div>`);
      i += run - 2;
      continue;
    }
    const times = s.repeat > 1 ? ` × ${s.repeat}` : '';
    const edge = s.edge === null || s.edge === undefined ? '' : `<div class="edge">${escapeHtml(s.edge)}${escapeHtml(times)}</div>`;
    const cls = i === last ? 'node leak' : i === holderAt ? 'node holder' : 'node';
    const note = i === holderAt ? ' <span class="note">← holds the leak</span>' : '';
    parts.push(`${edge}<div class="${cls}">${escapeHtml(s.node)}${note}</div>`);
  }
  return `<div class="path" id="retainer-path">${parts.join('')}</div>`;
}

const numCell = (v, f) => `<td class="num">${v === undefined || v === null ? '' : escapeHtml(f(v))}</td>`;
const signedBytes = (n) => fmtSigned(n, fmtBytes);
const signedCount = (n) => fmtSigned(n, fmtCount);
const seconds = (ms) => `${(ms / 1000).toFixed(0)} s`;

/** Top growing classes: the baseline → final diff, most bytes gained first. */
function renderGrowth(growth) {
  const classes = (growth && growth.classes) || [];
  if (!classes.length) {
    return `<p id="growing-classes">${growth ? 'No class grew between the baseline and final snapshots.'
      : 'No baseline and final snapshots to compare.'}</p>`;
  }
  const max = Math.max(...classes.map((c) => c.size_delta || 0), 1);
  const rows = classes.map((c) => `<tr>
    <td>${escapeHtml(c.class)}</td>
    ${numCell(c.count_delta, signedCount)}
    ${numCell(c.size_delta, signedBytes)}
    ${numCell(c.count_per_min, signedCount)}
    ${numCell(c.bytes_per_min, signedBytes)}
    <td style="width:22%"><div class="bar" style="width:${Math.max(2, Math.round((100 * Math.max(0, c.size_delta || 0)) / max))}%"></div></td>
  </tr>`);
  const over = growth.interval_ms ? ` over ${seconds(growth.interval_ms)}` : '';
  const ownNote = (growth.left_out || []).length ? `<p class="muted" id="left-out">Left out: ${growth.left_out
    .map((c) => `${escapeHtml(c.class)} (${val(signedCount(c.count_delta))})`).join(', ')} — leakwatch's own objects, left in the
    heap by taking the dumps.</p>` : '';
  return `<p>Objects gained from the baseline to the final snapshot${prose(over)}; per minute over that time.</p>${ownNote}
    <table id="growing-classes"><thead><tr><th>class</th><th>Δ objects</th><th>Δ bytes</th>
    <th>objects/min</th><th>bytes/min</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Leak candidates (new between baseline and target, alive in final), by retainer path. */
function renderFindings(findings, snapshots) {
  if (!findings.length) return '<p id="leak-candidates">No leak candidates.</p>';
  const rows = findings.map((f) => `<tr>
    <td>${escapeHtml(f.class)}</td>
    ${numCell(f.count, fmtCount)}
    ${numCell(f.bytes, fmtBytes)}
    ${numCell(f.count_per_min, fmtCount)}
    ${numCell(f.bytes_per_min, fmtBytes)}
    <td><code>${escapeHtml(f.retainer_text || '')}</code></td>
  </tr>`);
  const b = snapshots && snapshots.baseline;
  const t = snapshots && snapshots.target;
  const ms = b && t ? Date.parse(t.taken_at) - Date.parse(b.taken_at) : NaN;
  const over = ms > 0 ? ` (${seconds(ms)}), per minute over that time` : '';
  return `<p>Objects allocated between the baseline and target snapshots${prose(over)}, still alive in the final one.</p>
    <table id="leak-candidates"><thead><tr><th>class</th><th>new objects still alive</th><th>bytes</th>
    <th>objects/min</th><th>bytes/min</th><th>retained by</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/**
 * Where a site allocates, escaped: `server.js:17 — tasks.push(() => req.headers)
 * — stores into tasks.push()` when the statement was read from the source,
 * else its location (the function's line).
 */
function siteWhere(x) {
  const at = `<code>${escapeHtml(x.file && x.line ? `${x.file.split(/[\\/]/).pop()}:${x.line}` : x.location)}</code>`;
  const title = x.location ? ` title="${escapeHtml(x.location)}"` : '';
  const statement = x.statement ? ` — <code class="statement">${escapeHtml(x.statement)}</code>` : '';
  const why = x.why ? ` — <span class="why">${escapeHtml(x.why)}</span>` : '';
  return `<span${title}>${at}</span>${statement}${why}`;
}

/** The growing allocation sites (V8's sampling heap profiler; no dump). */
function renderSites(sites) {
  if (!sites || !sites.length) return '<p id="sites">No growing allocation site was sampled.</p>';
  const rows = sites.map((x) => `<tr>
    <td class="site">${siteWhere(x)}${x.in_app ? '' : ' <span class="muted">(inside Node or a dependency)</span>'}</td>
    <td>${escapeHtml(x.function)}${x.allocated_in ? ` <span class="muted">(allocated in ${escapeHtml(x.allocated_in)})</span>` : ''}</td>
    <td class="num">${escapeHtml(fmtBytes(x.bytes_per_min))}/min</td>
    <td class="num">${escapeHtml(Math.round((x.share || 0) * 100))} %</td>
    <td class="num">${escapeHtml(fmtBytes(x.live_bytes))}</td>
    <td><details><summary>stack</summary><pre>${escapeHtml((x.stack || []).join('\n'))}</pre></details></td>
  </tr>`);
  return `<table id="sites"><thead><tr><th>allocated at</th><th>function</th><th>grows by</th><th>share</th>
    <th>live (sampled)</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Key → value rows; a value is text (escaped) or `{ html }` (already escaped). */
function renderKv(obj, id) {
  return `<dl class="kv"${id ? ` id="${id}"` : ''}>${Object.entries(obj).filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${typeof v === 'object' ? v.html : escapeHtml(v)}</dd>`).join('')}</dl>`;
}

/** The card's "grows by": the very figures of the finding's row in the leak candidates table. */
function growsBy(f) {
  if (f.count_per_min === undefined || f.count_per_min === null) {
    return { html: `${val(`${fmtCount(f.count)} new objects`)} (${val(fmtBytes(f.bytes))}) still alive` };
  }
  return { html: `${val(`${fmtCount(f.count_per_min)} objects/min`)}, ${val(`${fmtBytes(f.bytes_per_min)}/min`)}` };
}

/** The report as a complete HTML document (a string). */
function renderHtml(report) {
  const { js, css } = uplotAssets();
  const top = (report.findings || [])[0];
  const leak = report.leak;
  const where = top && top.allocation ? `${top.allocation.file}:${top.allocation.line}:${top.allocation.column}` : null;
  // The leak's overall rate, as the explanation and the leak event's reason say it.
  const heapRate = leak && Number.isFinite(leak.rate_bytes_per_sec) ? { html: val(perMin(leak.rate_bytes_per_sec)) } : undefined;
  const verdict = top
    ? `<div class="card verdict" id="verdict"><h2>${prose(top.headline || `${top.class} is leaking`)}</h2>
        <p id="explanation">${prose(top.explanation || '')}</p>
        ${renderKv({ 'growing class': top.class, 'grows by': growsBy(top), 'retained by': top.retainer_text,
    'allocated at': where,
    'heap grows by': heapRate }, 'verdict-kv')}</div>`
    : (report.sites || []).length
      ? `<div class="card verdict" id="verdict"><h2>${prose(report.summary)}</h2>
        ${renderKv({ 'allocated at': { html: siteWhere(report.sites[0]) },
    'grows by': { html: val(`${fmtBytes(report.sites[0].bytes_per_min)}/min`) },
    'heap grows by': heapRate }, 'verdict-kv')}</div>`
      : `<div class="card verdict none" id="verdict"><h2>No leak candidate found</h2>
        <p id="explanation">${prose(report.summary || 'The snapshots show no class whose new objects survive.')}</p></div>`;
  const degraded = (report.degraded || []).length
    ? `<div class="card degraded"><strong>This report is incomplete:</strong><ul>${report.degraded
      .map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul></div>` : '';
  const snaps = report.snapshots || {};
  const snapRows = Object.entries(snaps).map(([k, s]) => [k, s && s.path
    ? { html: `${escapeHtml(s.path)} (${val(fmtBytes(s.bytes))})` } : 'not taken']);
  const proc = report.process || {};
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leakwatch report — ${escapeHtml(top ? top.class : (report.sites || []).length ? report.sites[0].location : 'no leak')}</title>
<style>${css}</style><style>${PAGE_CSS}</style>
</head><body><main>
<h1>leakwatch report</h1>
<div class="sub">${escapeHtml(report.generated_at || '')} · pid ${escapeHtml(proc.pid ?? '?')} · node ${escapeHtml(proc.node || '?')}</div>
${degraded}
${verdict}
${leak ? `<div class="card"><h2>The leak event</h2>${renderKv({ reason: { html: prose(leakReason(leak)) },
    growth: { html: val(fmtBytes(leak.growth)) },
    confidence: leak.confidence === undefined ? undefined : Number(leak.confidence).toFixed(2),
    'growing spaces': (leak.growing_spaces || []).join(', '),
    'projected OOM': leak.projected_oom_ms ? `${(leak.projected_oom_ms / 60000).toFixed(1)} min` : undefined })}</div>` : ''}
<h2>Where it is allocated (sampled, no heap dump)</h2><div class="card">${renderSites(report.sites)}</div>
<h2>Heap over time</h2><div class="card"><div id="chart-heap" class="chart"></div></div>
<h2>GC pauses</h2><div class="card"><div id="chart-pauses" class="chart"></div></div>
<h2>Top growing classes</h2><div class="card">${renderGrowth(report.growth)}</div>
<h2>Leak candidates by retainer path</h2><div class="card">${renderFindings(report.findings || [], report.snapshots)}</div>
<h2>Who holds it</h2><div class="card">${top ? renderPath(top) : '<p>No finding.</p>'}</div>
<h2>Details</h2><div class="card">${renderKv(Object.fromEntries(snapRows.map(([k, v]) => [`${k} snapshot`, v])))}
${renderKv({ pid: proc.pid, thread: proc.thread_id, argv: (proc.argv || []).join(' '), platform: proc.platform,
    backend: proc.backend })}</div>
</main>
<script type="application/json" id="report-data">${embedJson(report)}</script>
<script>${js}</script>
<script>${PAGE_FORMAT}${PAGE_JS}</script>
</body></html>
`;
}

module.exports = { renderHtml, escapeHtml, fmtBytes };
