'use strict';
// The diagnosis end to end on a real leaking node:http service — leak event,
// three guarded dumps, analysis in a child process, report — and the HTML
// report in a real headless Chromium: it renders, the charts are drawn, the
// finding is visible. A screenshot is kept in the report directory. And the
// page reads as one report: every chart has a legend of series names with
// units, a value never wraps apart from its unit, the card's figures are the
// tables' (same value, same rounding, same unit), leakwatch's own objects
// (what taking the dumps leaves in the heap) are not growth, and a closure
// has one name (`Function`) in the JSON, the texts and the page.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const APP = path.join(__dirname, '..', 'fixtures', 'diagnose-app.js');
const LEAK_LINE = fs.readFileSync(APP, 'utf8').split('\n').findIndex((l) => l.includes('LEAK-SITE')) + 1;
// Headless Chromium comes with `npm install` (the @sparticuz/chromium
// devDependency ships it inside the package); LEAKWATCH_CHROMIUM overrides.
async function chromiumPath() {
  if (process.env.LEAKWATCH_CHROMIUM) return process.env.LEAKWATCH_CHROMIUM;
  return require('@sparticuz/chromium').executablePath();
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-diagnose-'));
let report = null;

test.after(() => {
  if (!process.env.LEAKWATCH_KEEP_TEST_OUTPUT) fs.rmSync(dir, { recursive: true, force: true });
});

test('a leaking service gets a report naming tasks, the closure and its file:line', () => {
  const r = spawnSync(process.execPath, [APP, dir], { encoding: 'utf8', timeout: 180000 });
  assert.strictEqual(r.status, 0, r.stderr);
  report = JSON.parse(r.stdout);
  assert.strictEqual(report.error, undefined, `${report.error}; stderr: ${r.stderr}`);
  assert.deepStrictEqual(report.degraded, []);
  for (const f of [report.json, report.html]) assert.strictEqual(fs.statSync(f).mode & 0o777, 0o600, f);
  const top = report.findings[0];
  assert.ok(top, 'a finding');
  assert.match(top.retainer_text, /→ tasks → \[\d+\] → /, top.retainer_text);
  assert.strictEqual(top.allocation.file, APP);
  assert.strictEqual(top.allocation.line, LEAK_LINE);
  assert.match(top.headline, /held by tasks/);
  assert.match(top.explanation, /the array `tasks`/);
  assert.match(top.explanation, new RegExp(`diagnose-app\\.js:${LEAK_LINE}:`));
  const json = JSON.parse(fs.readFileSync(report.json, 'utf8'));
  assert.ok(json.leak && /^heap growth over/.test(json.leak.reason));
  assert.ok(json.timeline.gc.length > 3);
  assert.ok(['baseline', 'target', 'final'].every((k) => fs.existsSync(json.snapshots[k].path)));
  // Per-class growth from the baseline → final diff, with rates.
  assert.ok(json.growth.interval_ms > 0);
  assert.ok(json.growth.classes.length > 0);
  for (const c of json.growth.classes) assert.ok(c.size_delta > 0 || c.count_delta > 0, JSON.stringify(c));
  assert.ok(json.growth.classes.some((c) => c.class === 'IncomingMessage' && c.count_per_min > 0 && c.bytes_per_min > 0));
  // The process is the service's (the analysis ran in a child with another pid).
  assert.strictEqual(json.process.thread_id, 0);
  assert.strictEqual(json.process.platform, `${process.platform}-${process.arch}`);
  assert.match(json.process.argv.join(' '), /diagnose-app\.js/);
  // The sampled sites are in the report beside the dumps' finding (here Node's
  // request objects: the app allocates little of its own per leaked request).
  assert.ok(json.sites.length > 0, 'sites');
  assert.deepStrictEqual(json.sites, json.leak.sites);
});

test("leakwatch's own objects are not the service's growth, in the JSON", () => {
  assert.ok(report, 'needs the report of the previous test');
  const json = JSON.parse(fs.readFileSync(report.json, 'utf8'));
  const { isOwn } = require('../../lib/diagnose/findings.js');
  for (const c of json.growth.classes) assert.ok(!isOwn(c.class, c.count_delta), `${c.class} is leakwatch's own`);
  for (const f of json.findings) assert.ok(!isOwn(f.class, f.count), `${f.class} is leakwatch's own`);
  assert.ok(!JSON.stringify(json.growth.classes).includes('HeapSnapshotStream'));
  // Node ≥ 20 streams the dumps through v8.getHeapSnapshot(): its HeapSnapshotStream is in the final dump
  // (V8 keeps its template's first instance), not in the baseline — left out, and said so.
  if (Number(process.versions.node.split('.')[0]) >= 20) {
    assert.ok(json.growth.left_out.some((c) => c.class === 'HeapSnapshotStream'), JSON.stringify(json.growth.left_out));
  }
  for (const c of json.growth.left_out) assert.ok(isOwn(c.class, c.count_delta), JSON.stringify(c));
});

test('a closure has one name in the JSON, the texts and the findings: Function', () => {
  assert.ok(report, 'needs the report of the previous test');
  const text = fs.readFileSync(report.json, 'utf8');
  assert.ok(!text.includes('(closure)'), 'no "(closure)" anywhere in the report JSON');
  const json = JSON.parse(text);
  const top = json.findings[0];
  // The leaking closures: the class, the path's last node and the headline say Function.
  assert.strictEqual(top.class, 'Function');
  assert.match(top.retainer_text, /→ Function@\d+$/);
  assert.match(json.summary, /^Function \(diagnose-app\.js:\d+\)/);
  // Closures on the path to the other findings too.
  assert.ok(json.findings.slice(1).some((f) => / → Function → context → req → /.test(f.retainer_text)));
  assert.ok(json.growth.classes.some((c) => c.class === 'Function'));
});

test('the HTML report renders in headless Chromium with its charts and finding', async () => {
  assert.ok(report, 'needs the report of the previous test');
  const exe = await chromiumPath();
  assert.ok(fs.existsSync(exe), `Chromium not found at ${exe}`);
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({ executablePath: exe, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--lang=en-US'] });
  try {
    // A person's browser has a locale; the packaged Chromium, started from a
    // C locale, reports "en-US@posix", which Intl (and so uPlot) rejects.
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: 'en-US' });
    const errors = [];
    const requests = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('request', (req) => !req.url().startsWith('file:') && requests.push(req.url()));
    await page.goto(`file://${report.html}`);
    await page.waitForSelector('#chart-heap canvas', { timeout: 10000 });
    assert.deepStrictEqual(errors, []);
    assert.deepStrictEqual(requests, [], 'self-contained: no network');
    for (const id of ['#chart-heap', '#chart-pauses']) {
      assert.strictEqual(await page.locator(id).getAttribute('data-drawn'), 'true', id);
      const box = await page.locator(`${id} canvas`).first().boundingBox();
      assert.ok(box && box.width > 300 && box.height > 150, `${id} has a real canvas`);
    }
    const verdict = await page.locator('#verdict').innerText();
    assert.match(verdict, /held by tasks/);
    assert.match(verdict, new RegExp(`diagnose-app\\.js:${LEAK_LINE}`));
    assert.ok(await page.locator('#retainer-path .node.leak').isVisible());
    assert.ok((await page.locator('#growing-classes tbody tr').count()) >= 1);
    assert.match(await page.locator('#growing-classes').innerText(), /IncomingMessage/);
    assert.ok((await page.locator('#leak-candidates tbody tr').count()) >= 1);
    assert.match(verdict, /grows by\s+[\d,]+ objects\/min/);
    await page.screenshot({ path: path.join(dir, 'report.png'), fullPage: true });
    await pageReadsAsOneReport(page);
    // Narrower, where a value and its unit used to wrap apart ('689.9 / KB').
    await page.setViewportSize({ width: 760, height: 900 });
    await page.screenshot({ path: path.join(dir, 'report-narrow.png'), fullPage: true });
    assert.deepStrictEqual(await wrappedValues(page), [], 'values broken over two lines at 760 px');
  } finally {
    await browser.close();
  }
});

/** Every value cell and value span whose text spans more than one line (by its text's line boxes). */
function wrappedValues(page) {
  return page.evaluate(() => [...document.querySelectorAll('td.num, .v')].filter((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    return tops.size > 1;
  }).map((el) => el.textContent));
}

/** Legends, one number format, and the card's figures equal to the tables'. */
async function pageReadsAsOneReport(page) {
  // Legends: the series' names with their units, not uPlot's "s: --" placeholders.
  for (const [id, units] of [['#chart-heap', /heap used after a GC \(MB\)[\s\S]*baseline: heap used after a full GC \(MB\)/],
    ['#chart-pauses', /scavenge pause \(ms\)/]]) {
    const legend = await page.locator(`${id} .u-legend`).innerText();
    assert.match(legend, units, `${id} legend: ${legend}`);
    assert.ok(!legend.includes('--'), `${id} legend: ${legend}`);
  }
  assert.deepStrictEqual(await wrappedValues(page), [], 'values broken over two lines');
  // The card's "grows by" is the top finding's row of the leak candidates table, cell for cell.
  const row = await page.locator('#leak-candidates tbody tr').first().locator('td').allInnerTexts();
  const kv = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#verdict-kv dt')]
    .map((dt) => [dt.textContent, dt.nextElementSibling.innerText])));
  assert.strictEqual(row[0], kv['growing class']);
  assert.strictEqual(kv['grows by'], `${row[3]} objects/min, ${row[4]}/min`);
  assert.match(row[3], /^\d{1,3}(,\d{3})*$/, 'a count with thousands separators');
  assert.match(row[4], /^\d+(\.\d)? (B|KB|MB)$|^\d+\.\d\d GB$/, 'bytes in the one format');
  // … and the explanation says the same figures, as does the leak event's reason for the heap's rate.
  const explanation = await page.locator('#explanation').innerText();
  const nb = (t) => t.replace(/\u00a0/g, ' ');
  assert.ok(nb(explanation).includes(`about ${row[3]} new \`${row[0]}\` objects a minute (${row[4]}/min)`), explanation);
  const rate = kv['heap grows by'];
  assert.match(rate, /^\d+(\.\d)? (KB|MB)\/min$|^\d+\.\d\d GB\/min$/);
  assert.ok(nb(explanation).includes(`the live heap grows ${rate.replace('/min', '')} a minute overall`), explanation);
  const reason = await page.locator('dt', { hasText: /^reason$/ }).locator('xpath=following-sibling::dd[1]').innerText();
  assert.ok(nb(reason).endsWith(` - ${rate}`), reason);
  assert.ok(!/mb\/hr|\/hour/.test(await page.locator('main').innerText()), 'one rate unit: per minute');
  // One name per kind: no "(closure)" on the page; the leaking closures are Function in card, tables and path.
  const text = await page.locator('main').innerText();
  assert.ok(!text.includes('(closure)'), 'no "(closure)" on the page');
  assert.strictEqual(await page.locator('#retainer-path .node.leak').innerText(), 'Function');
  // leakwatch's own objects are not in the growing classes.
  assert.ok(!(await page.locator('#growing-classes').innerText()).includes('HeapSnapshotStream'));
}
