'use strict';
// README's sample diagnosis output is what the tool prints, and stays so.
//
// The two samples in README's "From leak to root cause" section (each after a
// `<!-- sample: <fixture> -->` comment) were produced from real runs and
// recorded as report JSON:
//   - test/fixtures/reports/sites-report.json: `node test/fixtures/sites-app.js
//     <dir> sites` (the default diagnosis: allocation sites, no dump);
//   - test/fixtures/reports/deep-report.json: `node test/fixtures/diagnose-app.js
//     <dir>` (the deep step: three dumps, retainer analysis);
// with the checkout's directories written as `/app/` (the only edit).
//
// Why a recorded report and an exact comparison, not a fresh run: a run's
// numbers (rates, counts, heap ids) differ every time, while what can drift
// is the wording and formatting. So the test regenerates each sample from the
// recorded report's structured data through the same code the tool uses —
// siteHeadline (the summary), explain (headline and explanation),
// renderPath (the retainer text), findingText (the layout; the explanation
// wrapped at 100 columns for the README) — and compares with README's block
// character for character. A change of wording or number format fails here
// until README's sample is regenerated (print findingText/siteHeadline of the
// fixture, or record a new run). The recorded texts must equal the
// regenerated ones too, so the fixture is what that code prints.
//
// The other assertions use the same recorded reports for what the page must
// show without a browser: the site's statement and why (escaped), one
// number format, one name per kind, and leakwatch's own objects left out of
// growth (toGrowth on a diff that has them).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { siteHeadline, findingText } = require('../lib/diagnose/report.js');
const { explain, fmtBytes, fmtCount } = require('../lib/diagnose/explain.js');
const { renderPath, shortFrom, toGrowth, toFindings, isOwn } = require('../lib/diagnose/findings.js');
const { renderHtml } = require('../lib/diagnose/report-html.js');

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const load = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'reports', name), 'utf8'));
const sites = load('sites-report.json');
const deep = load('deep-report.json');

/** The fenced block right after `<!-- sample: test/fixtures/reports/<name> -->` in README. */
function sample(name) {
  const marker = `<!-- sample: test/fixtures/reports/${name} -->\n`;
  const at = README.indexOf(marker);
  assert.ok(at >= 0, `README has no ${marker.trim()}`);
  const m = /^```\n([\s\S]*?)\n```\n/.exec(README.slice(at + marker.length));
  assert.ok(m, `a \`\`\` block right after ${marker.trim()}`);
  return m[1];
}

test("README's allocation-site sample is the summary leakwatch prints for the recorded report", () => {
  const printed = siteHeadline(sites.sites[0]);
  assert.strictEqual(sites.summary, printed, 'the recorded summary is what siteHeadline prints');
  assert.strictEqual(sample('sites-report.json'), printed);
});

test("README's deep-step sample is the top finding leakwatch prints for the recorded report", () => {
  const f = deep.findings[0];
  const { headline, explanation } = explain(f, deep.leak);
  const retainerText = renderPath(f.retainer_path, shortFrom(f.holder));
  assert.strictEqual(f.headline, headline);
  assert.strictEqual(f.explanation, explanation);
  assert.strictEqual(f.retainer_text, retainerText);
  assert.strictEqual(deep.summary, headline);
  assert.strictEqual(sample('deep-report.json'),
    findingText({ ...f, headline, explanation, retainer_text: retainerText }, { width: 100 }));
});

test('one number format: bytes in 1024 units, counts with separators, the same in text and page', () => {
  assert.strictEqual(fmtBytes(512), '512 B');
  assert.strictEqual(fmtBytes(706560), '690.0 KB');
  assert.strictEqual(fmtBytes(5 * 1048576), '5.0 MB');
  assert.strictEqual(fmtBytes(5.125 * 1073741824), '5.13 GB');
  assert.strictEqual(fmtCount(68639.4), '68,639');
  const f = deep.findings[0];
  const html = renderHtml(deep);
  // The card's figures are the table's: the same helpers on the same values.
  const grows = `${fmtCount(f.count_per_min)} objects/min</span>, <span class="v">${fmtBytes(f.bytes_per_min)}/min`;
  assert.ok(html.includes(grows), grows);
  assert.ok(html.includes(`<td class="num">${fmtCount(f.count_per_min)}</td>`));
  assert.ok(html.includes(`<td class="num">${fmtBytes(f.bytes_per_min)}</td>`));
  assert.ok(f.explanation.includes(`about ${fmtCount(f.count_per_min)} new \`${f.class}\` objects a minute (${fmtBytes(f.bytes_per_min)}/min)`));
  // One rate unit: the leak event's memwatch-style "mb/hr" is shown per minute, as the card's.
  const rate = `${fmtBytes(deep.leak.rate_bytes_per_sec * 60)}/min`;
  assert.match(deep.leak.reason, / - [\d.]+ mb\/hr$/);
  const page = html.slice(0, html.indexOf('<script type="application/json"'));
  assert.ok(page.includes(`<span class="v">${rate}</span>`), rate);
  assert.ok(!/mb\/hr|\/hour/.test(page), 'no mb/hr or /hour on the page');
  // A value and its unit are kept together outside value cells and spans (nowrap) too: a no-break space.
  const loose = page.replace(/<(script|style)[\s\S]*?<\/\1>/g, '').replace(/<span class="v">[^<]*<\/span>/g, '')
    .replace(/<td class="num">[^<]*<\/td>/g, '').replace(/<[^>]+>/g, '');
  assert.deepStrictEqual(loose.match(/.{0,30}\d (B|KB|MB|GB)\b/g), null, 'a plain space between a number and its unit');
});

test('the page shows a site\'s statement and why, escaped', () => {
  const s = sites.sites[0];
  assert.strictEqual(s.line_from, 'source');
  const html = renderHtml(sites);
  assert.ok(html.includes(`<code>sites-app.js:${s.line}</code></span> — <code class="statement">audit.push(record(req));`));
  assert.ok(html.includes(`— <span class="why">${s.why}</span>`), s.why);
  const evil = { ...sites, sites: [{ ...s, statement: 'x.push("<img src=x onerror=alert(1)>")', why: 'stores into <b>x</b>' }] };
  const page = renderHtml(evil);
  assert.ok(!page.includes('<img src=x'), 'the statement is escaped');
  assert.ok(page.includes('x.push(&quot;&lt;img src=x onerror=alert(1)&gt;&quot;)'));
  assert.ok(page.includes('stores into &lt;b&gt;x&lt;/b&gt;'));
});

test('one name per kind: a closure is Function in the recorded report, its texts and its page', () => {
  const text = JSON.stringify(deep);
  assert.ok(!text.includes('(closure)'), 'no "(closure)" in the report JSON');
  const page = renderHtml(deep);
  assert.ok(!page.slice(0, page.indexOf('<script type="application/json"')).includes('(closure)'));
  assert.strictEqual(deep.findings[0].class, 'Function');
  assert.ok(deep.findings.some((f) => / → Function → context → req → /.test(f.retainer_text)));
  // From the engine's words: a closure step of a path, and its `(closure)` in the full path text.
  const step = (edge, type, name, cls, id) => ({ edge, edge_type: 'property', type, name, class_name: cls, id });
  const [f] = toFindings({ by_path: [{ class_name: 'Object', count: 10, self_size: 400, sample_ids: [900],
    path: 'global → tasks → [3] → (closure) → context → req → Object@900',
    steps: [step(null, 'object', 'global', 'global', 1), step('tasks', 'object', 'Array', 'Array', 2),
      step('[3]', 'closure', '', 'Function', 950), step('context', 'object', 'system / Context', 'system / Context', 951),
      step('req', 'object', 'Object', 'Object', 900)] }] });
  assert.ok(f.retainer_path.some((s) => s.node === 'Function'), JSON.stringify(f.retainer_path));
  assert.match(f.retainer_text, /→ \[3\] → Function → context → req → Object@900$/);
  assert.strictEqual(f.retainer_text_full, 'global → tasks → [3] → Function → context → req → Object@900');
});

test("leakwatch's own objects are left out of growth and findings, and listed", () => {
  const cls = (name, n, bytes) => ({ name, count_delta: n, size_delta: bytes, added_count: n, removed_count: 0 });
  const g = toGrowth({ count_delta: 1007, size_delta: 40536, classes: [cls('IncomingMessage', 1000, 40000),
    cls('HeapSnapshotStream', 1, 56), cls('FSReqCallback', 1, 40), cls('AsyncWrap', 1, 136), cls('WriteStream', 3, 300),
    cls('FSReqCallback2', 1, 4)] }, { intervalMs: 60000 });
  assert.deepStrictEqual(g.classes.map((c) => c.class), ['IncomingMessage', 'FSReqCallback2']);
  assert.deepStrictEqual(g.left_out.map((c) => c.class).sort(), ['AsyncWrap', 'FSReqCallback', 'HeapSnapshotStream', 'WriteStream']);
  assert.strictEqual(g.count_delta, 1000 + 1);
  assert.strictEqual(g.size_delta, 40000 + 4);
  // More of the dump's plumbing than the three dumps leave is the program's.
  assert.ok(toGrowth({ classes: [cls('WriteStream', 40, 4000)] }).classes.some((c) => c.class === 'WriteStream'));
  assert.ok(isOwn('HeapSnapshotStream', 500));
  assert.ok(!isOwn('FSReqCallback', 4));
  const root = [{ edge: null, type: 'object', name: 'global', class_name: 'global', id: 1 }];
  const findings = toFindings({ by_path: [
    { class_name: 'HeapSnapshotStream', count: 1, self_size: 56, path: 'global', steps: root, sample_ids: [5] },
    { class_name: 'Object', count: 9, self_size: 90, path: 'global', steps: root, sample_ids: [6] }] });
  assert.deepStrictEqual(findings.map((f) => f.class), ['Object']);
  // The recorded real run: its dumps' HeapSnapshotStream is in left_out, not in the classes.
  assert.ok(deep.growth.left_out.some((c) => c.class === 'HeapSnapshotStream'));
  assert.ok(deep.growth.classes.every((c) => !isOwn(c.class, c.count_delta)));
  assert.ok(!renderHtml(deep).split('<script type="application/json"')[0].match(/<td>HeapSnapshotStream<\/td>/));
});
